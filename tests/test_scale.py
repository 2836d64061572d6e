"""kulturplan.scale on a dask LocalCluster: results identical to the single-process run."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from kulturplan import access, scale
from kulturplan.errors import ParameterError
from kulturplan.routing import Network, build_network, travel_times

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
PBF = ROOT.parent / "shared" / "data" / "osm" / "north-bayreuth-2014.osm.pbf"
CRS = "EPSG:25832"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit="1GB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def grid_network(n: int = 60, seed: int = 0) -> Network:
    """n × n grid, 100 m spacing, random minutes, every 7th edge one-way."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n * n).reshape(n, n)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    minutes = rng.uniform(0.1, 0.5, len(u))
    both = np.arange(len(u)) % 7 != 0
    yy, xx = np.divmod(np.arange(n * n), n)
    return Network.from_edges(u, v, minutes, np.column_stack([xx * 100.0, yy * 100.0]),
                              both_ways=both)


def random_points(n: int, seed: int, prefix: str, extent: float = 5900.0) -> gpd.GeoDataFrame:
    xy = np.random.default_rng(seed).random((n, 2)) * extent
    return gpd.GeoDataFrame(index=[f"{prefix}{k}" for k in range(n)],
                            geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def test_routing_on_the_cluster_is_identical(client) -> None:
    net = grid_network()
    origins = random_points(300, 1, "o")
    dests = random_points(17, 2, "d")
    single = travel_times(net, origins, dests, max_minutes=12)
    assert 0 < len(single) < 300 * 17
    dist = scale.travel_times(net, origins, dests, max_minutes=12, client=client, partitions=5)
    pd.testing.assert_frame_equal(dist, single)  # exact, not approximate
    assert dist.attrs["report"].n_pairs == len(single)
    default_parts = scale.travel_times(net, origins, dests, max_minutes=12, client=client)
    pd.testing.assert_frame_equal(default_parts, single)


@pytest.mark.realdata
@pytest.mark.skipif(not PBF.is_file(), reason="../shared/data/osm fehlt")
def test_real_network_on_the_cluster(client) -> None:
    net = build_network(PBF, "car", cache_dir="off")
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    xy = lo + np.random.default_rng(3).random((120, 2)) * (hi - lo)
    pts = gpd.GeoDataFrame(index=range(120), geometry=gpd.points_from_xy(*xy.T), crs=CRS)
    single = travel_times(net, pts, pts.iloc[:30], max_minutes=20)
    dist = scale.travel_times(net, pts, pts.iloc[:30], max_minutes=20, client=client)
    pd.testing.assert_frame_equal(dist, single)


def test_kd_tree_measures_on_the_cluster(client) -> None:
    demand = random_points(5000, 4, "g", extent=50_000)
    supply = random_points(40, 5, "f", extent=50_000)
    for measure, kwargs in (("nearest", {"cost": "minutes"}),
                            ("coverage", {"max_cost": 5.0})):
        single = getattr(access, measure)(demand, supply, **kwargs)
        dist = scale.by_demand(measure, demand, supply, client=client, partitions=3, **kwargs)
        pd.testing.assert_series_equal(dist, single)
        assert len(dist.attrs["reports"]) == 3
    local = scale.by_demand("nearest", demand, supply)
    pd.testing.assert_series_equal(local, access.nearest(demand, supply))


def test_default_is_single_process_and_bad_parameters() -> None:
    net = grid_network(10)
    pts = random_points(20, 6, "p", extent=900)
    pd.testing.assert_frame_equal(scale.travel_times(net, pts, pts, max_minutes=3),
                                  travel_times(net, pts, pts, max_minutes=3))
    with pytest.raises(ParameterError, match="nicht nach Nachfragepunkten aufteilen"):
        scale.by_demand("two_step_fca", pts, pts)


def test_facility_coupled_measures_on_the_cluster(client) -> None:
    """2SFCA, E2SFCA and gravity on an OD table: bit-identical to kulturplan.access."""
    net = grid_network()
    demand = random_points(400, 7, "g")
    demand["population"] = np.random.default_rng(8).integers(0, 500, len(demand)) * 1.0
    demand.loc["g3", "population"] = 0.0
    supply = random_points(23, 9, "f")
    supply["capacity"] = np.random.default_rng(10).uniform(1, 5, len(supply))
    od = travel_times(net, demand, supply, max_minutes=12)
    od = od.sample(frac=1.0, random_state=11).reset_index(drop=True)  # any row order
    cases = [
        ("two_step_fca", {"max_cost": 8.0}),
        ("two_step_fca", {"max_cost": 8.0, "supply_col": "capacity", "normalize": True}),
        ("enhanced_two_step_fca", {"weights": {4.0: 1.0, 8.0: 0.6, 12.0: 0.2}}),
        ("enhanced_two_step_fca", {"weights": "gaussian", "sigma": 4.0, "max_cost": 12.0}),
        ("gravity", {"beta": 1.5, "max_cost": 10.0, "supply_col": "capacity"}),
        ("gravity", {"beta": 1.0, "normalize": True}),
    ]
    for measure, kwargs in cases:
        single = getattr(access, measure)(demand, supply, cost=od, **kwargs)
        assert (single > 0).sum() > 50, measure  # a real test: many points reach supply
        dist = scale.catchment(measure, demand, supply, cost=od, client=client,
                               partitions=3, **kwargs)
        pd.testing.assert_series_equal(dist, single, check_exact=True, rtol=0, atol=0)
        assert np.array_equal(dist.to_numpy(), single.to_numpy())  # bit for bit
        assert dist.attrs["report"] == single.attrs["report"]
    local = scale.catchment("two_step_fca", demand, supply, cost=od, max_cost=8.0)
    pd.testing.assert_series_equal(local, access.two_step_fca(demand, supply, 8.0, cost=od))


def test_catchment_needs_a_cost_table_on_the_cluster(client) -> None:
    pts = random_points(20, 12, "p", extent=900)
    with pytest.raises(ParameterError, match="Kostentabelle"):
        scale.catchment("two_step_fca", pts, pts, cost="euclidean", client=client,
                        max_cost=1.0)
    with pytest.raises(ParameterError, match="keine über die Einrichtungen gekoppelte"):
        scale.catchment("nearest", pts, pts, cost="euclidean")
