"""A real region with road network and Zensus grid: Landkreis Bayreuth (09472) built with
``kulturplan build-region --osm … --grid …`` from the shared files.

The OSM extract north of Bayreuth covers only a small part of the Kreis (and reaches into
Landkreis Kulmbach, where two of the three placeholder libraries lie). Grid totals are
checked against a direct pandas reading of the file; the dashboard's car figure against
a computation straight from :mod:`kulturplan.routing` and :mod:`kulturplan.demand`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from browser_support import OSM_EXTRACT, ZENSUS_GRID, build_bayreuth
from pyproj import Transformer

from kulturplan import access, demand, routing
from kulturplan.io import input_file, read_region
from kulturplan.ui.data import DashboardData
from kulturplan.ui.gaps import GapExplorer, GapModel


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regionen") / "bayreuth"
    cache = tmp_path_factory.mktemp("cache")
    done = build_bayreuth(folder, cache)
    return folder, done, cache


def test_build_region_names_files_and_compares_grid(built):
    folder, done, cache = built
    region = read_region(folder)
    assert input_file(region, "osm") == OSM_EXTRACT
    assert input_file(region, "grid") == ZENSUS_GRID
    assert not any(p.suffix in {".pbf", ".csv"} and p.stat().st_size > 10**7
                   for p in folder.iterdir())  # referenced, not copied
    # grid inhabitants of the Kreis, independently: cells whose centre lies in a municipality
    raw = pd.read_csv(ZENSUS_GRID, sep=";")
    x, y = Transformer.from_crs("EPSG:3035", "EPSG:25832", always_xy=True).transform(
        raw["x_mp_1km"].to_numpy(), raw["y_mp_1km"].to_numpy())
    cells = gpd.GeoDataFrame(raw[["Einwohner"]], geometry=gpd.points_from_xy(x, y),
                             crs="EPSG:25832")
    inside = gpd.sjoin(cells, region.municipalities[["geometry"]], predicate="within")
    expected = int(inside["Einwohner"].sum())
    assert expected == 106_714
    assert "Einwohner:innen laut Zensus-Gitter             106.714" in done.stdout
    assert "Unterschied Zensus-Gitter − Verzeichnis          3.050" in done.stdout
    assert ("Weidenberg, M (09472199): Zensus-Gitter 6.205, Gemeindeverzeichnis 5.799 "
            "Einwohner:innen, Unterschied +406 (+7,0 %); nicht angeglichen.") in done.stdout
    assert "Straßennetz 1/3 (Auto) wird aufgebaut" in done.stderr  # progress on stderr
    assert list((cache / "routing").glob("*-car-*.npz"))
    pts = demand.population_points(region)
    assert pts["population"].sum() == expected
    assert len(pts) == len(inside) == 799


def test_gap_model_car_on_the_real_region(built, monkeypatch):
    folder, _, cache = built
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    region = read_region(folder)
    model = GapModel(region)
    net = routing.build_network(OSM_EXTRACT, "car", cache_dir=cache)
    assert (net.n_nodes, net.n_edges) == (5154, 9931)
    pts = demand.population_points(region)
    snap_m = routing.travel.snap(net, shapely.get_coordinates(pts.geometry.values)).metres
    on = snap_m <= 1000
    assert int(pts["population"][on].sum()) == 6976  # 6.5 % of 106,714 on the network
    assert model.network_share("car") == pytest.approx(6976 / 106_714 * 100)
    libs = region.facilities[region.facilities["category"] == "bibliothek"]
    od = routing.travel_times(net, pts[on], libs, max_minutes=60)
    nearest = access.nearest(pts[on], libs, cost=od)
    direct = demand.population_beyond(pts[on], libs, 20.0, "min", costs=nearest)
    table = model.table("bibliothek", 20.0, "min", "car")
    assert table["population_beyond"].sum() == direct["population_beyond"].sum() == 25.0
    assert model.table("bibliothek", 20.0, "min", "line")["population_beyond"].sum() == (
        63_569.0)
    r = model.ratio()
    assert (round(r.median, 2), round(r.p10, 2), round(r.p90, 2), r.n_pairs) == (
        1.63, 1.18, 2.48, 1132)
    ex = GapExplorer(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    ex.mode = "car"
    assert "25</div>" in ex.headline.value
    assert "6,5 % der Einwohner:innen wohnen in Gitterzellen" in ex.headline.value
    assert np.isnan(model.costs("bibliothek", "min", "car")[~on]).all()
