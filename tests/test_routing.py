"""kulturplan.routing: networks from OSM, bounded Dijkstra, OD tables for access.

Reference: networkx Dijkstra on the same graph (to 1e-9), hand-built one-way and
parallel-edge networks whose times are computed by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from kulturplan import access
from kulturplan.errors import InputFileError, ParameterError
from kulturplan.routing import Network, build_network, straight_line_ratio, travel_times
from kulturplan.routing.network import (
    MAXSPEED_FACTOR,
    _column,
    edge_directions,
    parse_maxspeed,
    speed_table,
)
from kulturplan.routing.travel import od_arrays, snap

ROOT = Path(__file__).resolve().parents[1]
PBF = ROOT.parent / "shared" / "data" / "osm" / "north-bayreuth-2014.osm.pbf"
needs_pbf = pytest.mark.skipif(not PBF.is_file(), reason="../shared/data/osm fehlt")
CRS = "EPSG:25832"


def points(xy, prefix: str) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(
        index=pd.Index([f"{prefix}{k}" for k in range(len(xy))]),
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS,
    )


# -- hand-built networks ----------------------------------------------------------------------
def line_network() -> Network:
    """0 —1— 1 —2— 2, node spacing 1 km; 0→1 one-way (1 min), 1↔2 two-way (2 min),
    a detour 1→3→0 of 5 + 5 minutes back."""
    xy = [(0, 0), (1000, 0), (2000, 0), (500, 5000)]
    u = [0, 1, 1, 3]
    v = [1, 2, 3, 0]
    minutes = [1.0, 2.0, 5.0, 5.0]
    both = [False, True, False, False]
    return Network.from_edges(u, v, minutes, xy, both_ways=both)


def test_one_way_is_respected_in_the_direction_of_travel() -> None:
    net = line_network()
    nodes = points(net.xy[:3], "n")  # exactly on nodes 0, 1, 2: no walk
    table = travel_times(net, nodes, nodes, max_minutes=100)
    got = {(o, d): c for o, d, c in table.itertuples(index=False)}
    assert got[("n0", "n1")] == pytest.approx(1.0)
    assert got[("n0", "n2")] == pytest.approx(3.0)
    assert got[("n1", "n0")] == pytest.approx(10.0)  # against the one-way: detour 1→3→0
    assert got[("n2", "n0")] == pytest.approx(12.0)
    assert got[("n2", "n1")] == pytest.approx(2.0)
    assert got[("n0", "n0")] == 0.0
    assert len(table) == 9


def test_parallel_edges_keep_the_minimum() -> None:
    xy = [(0, 0), (1000, 0)]
    net = Network.from_edges([0, 0, 1, 0], [1, 1, 0, 0], [5.0, 3.0, 7.0, 1.0], xy)
    assert net.graph[0, 1] == 3.0 and net.graph[1, 0] == 7.0
    assert net.n_edges == 2  # self-loop dropped
    assert net.info["parallel_edges_merged"] == 1
    # both_ways adds the reverse edge, and the minimum still wins
    both = Network.from_edges([0, 1], [1, 0], [5.0, 2.0], xy, both_ways=True)
    assert both.graph[0, 1] == 2.0 and both.graph[1, 0] == 2.0


def test_walk_to_the_network_is_added_and_reported() -> None:
    net = line_network()
    origin = points([(0, 300)], "o")  # 300 m from node 0
    dest = points([(2000, -400)], "d")  # 400 m from node 2
    table = travel_times(net, origin, dest, max_minutes=60)
    walk = (300 + 400) / 1000 / 5 * 60  # 8.4 minutes at 5 km/h
    assert table["cost"].tolist() == pytest.approx([3.0 + walk])
    report = table.attrs["report"]
    assert report.origin_snap_m.tolist() == [300.0]
    assert report.destination_snap_m.tolist() == [400.0]
    assert report.n_pairs == 1 and report.far_snaps(350) == 1
    assert "Fahrzeiten" in str(report)
    # the bound applies to the whole trip, walk included
    assert travel_times(net, origin, dest, max_minutes=11.0).empty


def test_points_in_other_crs_and_polygons() -> None:
    net = line_network()
    dest = points([(2000, 0)], "d").to_crs("EPSG:4326")
    square = gpd.GeoDataFrame(index=["A"], geometry=list(gpd.GeoSeries.from_xy([0], [0]).buffer(1)),
                              crs=CRS)
    table = travel_times(net, square, dest, max_minutes=60)
    assert table["origin"].tolist() == ["A"] and table["destination"].tolist() == ["d0"]
    assert table["cost"].iloc[0] == pytest.approx(3.0, abs=0.02)


def test_bad_parameters_give_german_errors() -> None:
    net = line_network()
    pts = points(net.xy[:1], "n")
    with pytest.raises(ParameterError, match="max_minutes"):
        travel_times(net, pts, pts, max_minutes=float("inf"))
    with pytest.raises(ParameterError, match="mode"):
        speed_table("boot")
    with pytest.raises(ParameterError, match="positive Zahl"):
        speed_table("car", {"residential": -3})
    with pytest.raises(ParameterError, match="nur eine Geschwindigkeit"):
        speed_table("bike", {"residential": 20})
    with pytest.raises(ParameterError, match="gleich lang"):
        Network.from_edges([0], [1, 0], [1.0], [(0, 0), (1, 1)])
    with pytest.raises(InputFileError, match="nicht gefunden"):
        build_network(ROOT / "fehlt.osm.pbf", cache_dir="off")


def test_broken_pbf_gives_a_german_error(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.osm.pbf"
    broken.write_text("kein OSM", encoding="utf-8")
    with pytest.raises(InputFileError, match="kaputt.osm.pbf: Die OSM-Datei kann nicht gelesen"):
        build_network(broken, cache_dir="off")


def test_speed_table_overrides() -> None:
    assert speed_table("car")["motorway"] == 90.0
    assert speed_table("car", {"residential": 30})["residential"] == 30.0
    assert speed_table("bike") == {"default": 15.0}
    assert speed_table("walk", {"default": 4}) == {"default": 4.0}


def test_one_way_tags() -> None:
    oneway = pd.Series(["yes", "-1", "true", "no", None, None, None, "no", "1"])
    junction = pd.Series([None, None, None, None, "roundabout", None, None, "roundabout", None])
    highway = pd.Series(["primary"] * 5 + ["motorway", "residential", "primary", "primary"])
    fwd, back = edge_directions(oneway, junction, highway, "car")
    assert fwd.tolist() == [True, False, True, True, True, True, True, True, True]
    assert back.tolist() == [False, True, False, True, False, False, True, True, False]
    fwd, back = edge_directions(oneway, junction, highway, "bike")
    assert back[5]  # motorway implies one-way only for cars
    fwd, back = edge_directions(oneway, junction, highway, "walk")
    assert fwd.all() and back.all()


def test_contraflow_cycling() -> None:
    from kulturplan.routing.network import contraflow_cycling

    tags = pd.Series(['{"oneway:bicycle":"no"}', '{"cycleway":"opposite_lane"}',
                      '{"oneway:bicycle":"yes"}', None, "{kaputt opposite"])
    flags = contraflow_cycling(tags)
    assert flags.tolist() == [True, True, False, False, False]
    oneway = pd.Series(["yes"] * 5)
    none = pd.Series([None] * 5)
    fwd, back = edge_directions(oneway, none, pd.Series(["residential"] * 5), "bike", flags)
    assert fwd.all() and back.tolist() == [True, True, False, False, False]
    _, back_car = edge_directions(oneway, none, pd.Series(["residential"] * 5), "car", flags)
    assert not back_car.any()  # cars keep the one-way rule


def test_maxspeed_parsing() -> None:
    got = parse_maxspeed(pd.Series(["50", " 100 ", "30 mph", "none", "DE:urban", "50;30", None,
                                    "0"]))
    assert got[:3].tolist() == pytest.approx([50.0, 100.0, 30 * 1.609344])
    assert np.isnan(got[3:]).all()


# -- the real extract -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def car() -> Network:
    if not PBF.is_file():
        pytest.skip("../shared/data/osm fehlt")
    return build_network(PBF, "car", cache_dir="off")


def _edges(mode: str) -> pd.DataFrame:
    import pyrosm

    _, edges = pyrosm.OSM(str(PBF)).get_network(
        network_type={"car": "driving", "bike": "cycling"}[mode], nodes=True)
    return edges


@needs_pbf
@pytest.mark.realdata
def test_real_network_edge_times_follow_the_speed_table(car: Network) -> None:
    edges = _edges("car")
    assert car.n_nodes == 5154 and len(edges) == 5260
    index = pd.Index(car.node_ids)
    u = index.get_indexer(edges["u"])
    v = index.get_indexer(edges["v"])
    length = edges["length"].to_numpy(float)  # metres, not the degree geometry
    assert 1 < np.median(length) < 500
    speed = np.array([90, 45, 65, 30, 55, 40, 25, 25, 10, 25], float)
    classes = ["motorway", "motorway_link", "primary", "primary_link", "secondary",
               "tertiary", "unclassified", "residential", "living_street", "road"]
    table = dict(zip(classes, speed, strict=True))
    maxspeed = pd.to_numeric(edges["maxspeed"], errors="coerce").to_numpy(float)
    kmh = np.where(np.isfinite(maxspeed), maxspeed * MAXSPEED_FACTOR,
                   edges["highway"].map(table).to_numpy(float))
    expected = length / 1000 / kmh * 60
    got = np.asarray(car.graph[u, v]).ravel()
    # parallel ways between the same nodes would keep the minimum: none in this extract
    assert got == pytest.approx(expected, rel=1e-12)
    oneway = (_column(edges, "oneway").fillna("") == "yes").to_numpy() | (
        edges["highway"] == "motorway").to_numpy()
    back = np.asarray(car.graph[v, u]).ravel()
    assert (back[oneway] == 0).mean() > 0.95  # no reverse edge (except a parallel way back)
    assert (back[~oneway] > 0).all()


def _random_points(net: Network, n: int, seed: int, prefix: str) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    return points(lo + rng.random((n, 2)) * (hi - lo), prefix)


@needs_pbf
@pytest.mark.realdata
def test_travel_times_equal_networkx_dijkstra(car: Network) -> None:
    origins = _random_points(car, 60, 1, "o")
    dests = _random_points(car, 25, 2, "d")
    bound = 25.0
    table = travel_times(car, origins, dests, max_minutes=bound)
    report = table.attrs["report"]
    o_snap = snap(car, np.column_stack([origins.geometry.x, origins.geometry.y]))
    d_snap = snap(car, np.column_stack([dests.geometry.x, dests.geometry.y]))
    assert report.origin_snap_m.to_numpy() == pytest.approx(o_snap.metres)
    graph = nx.from_scipy_sparse_array(car.graph, create_using=nx.DiGraph).reverse(copy=True)
    expected = {}
    for j, name in enumerate(dests.index):
        dist = nx.single_source_dijkstra_path_length(graph, int(d_snap.node[j]), weight="weight")
        for i, origin in enumerate(origins.index):
            node = int(o_snap.node[i])
            if node in dist:
                total = o_snap.minutes[i] + dist[node] + d_snap.minutes[j]
                if total <= bound:
                    expected[(origin, name)] = total
    got = {(o, d): c for o, d, c in table.itertuples(index=False)}
    assert len(expected) > 300  # a real test: many pairs in reach, some not
    assert len(expected) < 60 * 25
    assert got.keys() == expected.keys()
    diff = max(abs(got[k] - expected[k]) for k in expected)
    assert diff <= 1e-9
    # one-ways matter on this network: some trips differ in the two directions
    back = travel_times(car, dests, origins, max_minutes=bound)
    there = table.set_index(["origin", "destination"])["cost"]
    back_s = back.set_index(["destination", "origin"])["cost"]
    common = there.index.intersection(back_s.index)
    assert (np.abs(there[common] - back_s[common]) > 1e-6).any()


@needs_pbf
@pytest.mark.realdata
def test_bounded_equals_unbounded_within_the_bound(car: Network) -> None:
    origins = _random_points(car, 80, 3, "o")
    dests = _random_points(car, 20, 4, "d")
    wide = travel_times(car, origins, dests, max_minutes=1e6)
    narrow = travel_times(car, origins, dests, max_minutes=8.0, batch_size=3)
    assert (narrow["cost"] <= 8.0).all()
    inside = wide[wide["cost"] <= 8.0].reset_index(drop=True)
    assert 0 < len(inside) < len(wide)
    pd.testing.assert_frame_equal(narrow.reset_index(drop=True), inside)
    # batches do not change the result
    one = travel_times(car, origins, dests, max_minutes=8.0, batch_size=1)
    pd.testing.assert_frame_equal(one, narrow)


@needs_pbf
@pytest.mark.realdata
def test_od_table_runs_in_access(car: Network) -> None:
    origins = _random_points(car, 50, 5, "o")
    origins["population"] = np.arange(1, 51, dtype=float)
    dests = _random_points(car, 6, 6, "d")
    dests["capacity"] = [1.0, 2, 3, 4, 5, 6]
    table = travel_times(car, origins, dests, max_minutes=20)
    near = access.nearest(origins, dests, cost=table)
    expected = table.groupby("origin")["cost"].min().reindex(origins.index, fill_value=np.inf)
    pd.testing.assert_series_equal(near, expected.rename(near.name), check_names=False,
                                   check_index_type=False)
    fca = access.two_step_fca(origins, dests, 15, demand_col="population",
                              supply_col="capacity", cost=table)
    # 2SFCA by hand: R_j = S_j / Σ_{i: c_ij ≤ 15} P_i, A_i = Σ_{j: c_ij ≤ 15} R_j
    reach = table[table["cost"] <= 15]
    pop = origins["population"]
    demand_j = reach.groupby("destination")["origin"].apply(lambda o: pop[o].sum())
    ratio = dests["capacity"] / demand_j
    by_hand = reach.assign(r=ratio.reindex(reach["destination"]).to_numpy()).groupby(
        "origin")["r"].sum().reindex(origins.index, fill_value=0.0)
    assert fca.to_numpy() == pytest.approx(by_hand.to_numpy(), rel=1e-12)


@needs_pbf
@pytest.mark.realdata
def test_cache_outside_the_input_folder(tmp_path: Path) -> None:
    before = sorted(p.name for p in PBF.parent.iterdir())
    first = build_network(PBF, "bike", cache_dir=tmp_path)
    files = list((tmp_path / "routing").glob("*.npz"))
    assert len(files) == 1 and "-bike-" in files[0].name
    second = build_network(PBF, "bike", cache_dir=tmp_path)
    assert second.info.get("from_cache") and not first.info.get("from_cache")
    assert (second.graph != first.graph).nnz == 0
    assert np.array_equal(second.xy, first.xy)
    build_network(PBF, "bike", speeds={"default": 18}, cache_dir=tmp_path)
    assert len(list((tmp_path / "routing").glob("*.npz"))) == 2  # other speeds, other key
    assert sorted(p.name for p in PBF.parent.iterdir()) == before


@needs_pbf
@pytest.mark.realdata
def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(tmp_path / "c"))
    build_network(PBF, "walk")
    assert len(list((tmp_path / "c" / "routing").glob("*-walk-*.npz"))) == 1
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", "off")
    assert not build_network(PBF, "walk").info.get("from_cache")


@needs_pbf
@pytest.mark.realdata
def test_bike_is_slower_and_ratio_reported(car: Network) -> None:
    bike = build_network(PBF, "bike", cache_dir="off")
    origins = _random_points(car, 40, 7, "o")
    dests = _random_points(car, 5, 8, "d")
    by_car = travel_times(car, origins, dests, max_minutes=300)
    by_bike = travel_times(bike, origins, dests, max_minutes=300)
    merged = by_car.merge(by_bike, on=["origin", "destination"], suffixes=("_car", "_bike"))
    assert len(merged) > 100
    # bike trips are slower except where the denser cycling network (tracks) saves walking
    assert (merged["cost_bike"] > merged["cost_car"]).mean() > 0.75
    assert merged["cost_bike"].median() > 1.3 * merged["cost_car"].median()
    edges = _edges("bike")
    index = pd.Index(bike.node_ids)
    u, v = index.get_indexer(edges["u"]), index.get_indexer(edges["v"])
    expected = edges["length"].to_numpy(float) / 1000 / 15 * 60
    got = np.asarray(bike.graph[u, v]).ravel()
    assert (got <= expected * (1 + 1e-12)).all()  # minimum of parallel ways
    assert np.mean(np.isclose(got, expected, rtol=1e-12)) > 0.99
    result = straight_line_ratio(car, origins, dests, max_minutes=300)
    pairs = result.pairs
    assert result.n_pairs == len(pairs) > 100
    assert result.median == pytest.approx(np.median(pairs["ratio"]))
    assert result.p10 <= result.median <= result.p90
    one = pairs.iloc[0]
    o = origins.geometry[one["origin"]]
    d = dests.geometry[one["destination"]]
    assert one["minutes_straight"] == pytest.approx(o.distance(d) / 1000 * 1.3 / 50 * 60)


def test_od_arrays_empty_inputs() -> None:
    net = line_network()
    empty = snap(net, np.empty((0, 2)))
    some = snap(net, net.xy[:2])
    i, j, c = od_arrays(net, empty, some, 10)
    assert len(i) == len(j) == len(c) == 0


def test_straight_line_ratio_by_hand() -> None:
    # 0 —— 1 —— 2 on a line, 1 km apart, 2 minutes per km (30 km/h)
    xy = [(0, 0), (1000, 0), (2000, 0)]
    net = Network.from_edges([0, 1], [1, 2], [2.0, 2.0], xy, both_ways=True)
    origin = points([(0, 300)], "o")  # 300 m beside node 0
    dest = points([(2000, 0)], "d")
    door = straight_line_ratio(net, origin, dest)
    road = straight_line_ratio(net, origin, dest, include_walk=False)
    walk = 300 / 1000 / 5 * 60
    estimate_door = np.hypot(2000, 300) / 1000 * 1.3 / 50 * 60
    estimate_road = 2.0 * 1.3 / 50 * 60
    assert door.median == pytest.approx((4.0 + walk) / estimate_door)
    assert road.median == pytest.approx(4.0 / estimate_road)
    assert road.pairs["minutes_network"].tolist() == pytest.approx([4.0])
    assert straight_line_ratio(net, origin, dest, min_km=5).n_pairs == 0


def test_population_within_by_hand() -> None:
    from kulturplan.routing import population_within

    demand = pd.DataFrame({"population": [10.0, 20.0, 70.0]}, index=["a", "b", "c"])
    minutes = pd.DataFrame({"Auto": [5.0, 12.0, np.inf], "Fahrrad": [20.0, 25.0, 40.0]},
                           index=demand.index)
    table = population_within(minutes, demand, thresholds=(10, 30))
    assert table.index.tolist() == [10, 30]
    assert table["Auto"].tolist() == pytest.approx([0.1, 0.3])
    assert table["Fahrrad"].tolist() == pytest.approx([0.0, 0.3])
