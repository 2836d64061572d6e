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

from kulturplan import Region, access, demand, indicators, routing
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


def test_indicators_in_minutes_use_car_times_on_the_real_region(built, monkeypatch):
    folder, _, cache = built
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    region = read_region(folder)
    ids = ["anteil_15_minuten__bibliothek", "e2sfca_je_10000__bibliothek"]
    table = indicators.compute(region, ids)
    # independently: the car network, the points on it, the OD table, access' measures
    net = routing.build_network(OSM_EXTRACT, "car", cache_dir=cache)
    pts = demand.population_points(region)
    on = routing.travel.snap(net, shapely.get_coordinates(pts.geometry.values)).metres <= 1000
    libs = region.facilities[region.facilities["category"] == "bibliothek"]
    od = routing.travel_times(net, pts[on], libs, max_minutes=30)
    pop = pts["population"][on]
    by = pts["ags"][on]
    covered = access.coverage(pts[on], libs, 15.0, cost=od)
    share = (pop * covered).groupby(by).sum() / pop.groupby(by).sum() * 100
    e2 = access.enhanced_two_step_fca(pts[on], libs, cost=od)
    e2sfca = (pop * e2).groupby(by).sum() / pop.groupby(by).sum() * 10_000
    inhabited = pop.groupby(by).sum() > 0
    share, e2sfca = share[inhabited], e2sfca[inhabited]
    assert len(share) == 5  # municipalities with inhabitants on the network
    got = table.loc[share.index]
    np.testing.assert_allclose(got[ids[0]].to_numpy(), share.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[ids[1]].to_numpy(), e2sfca.to_numpy(), rtol=0, atol=1e-12)
    assert table.drop(index=share.index)[ids].isna().all().all()  # nobody on the network
    # the straight-line estimate differs on the same region (same code without the OSM file)
    line = Region(region.municipalities, facilities=region.facilities,
                  sources=[s for s in region.sources if s.get("kind") != "osm"])
    assert not np.allclose(indicators.compute(line, ids[0]).loc[share.index, ids[0]], share)
    # labels say which
    cat = indicators.catalog(region)
    assert cat.at[ids[0], "label"] == (
        "Anteil Einw. bis 15 Min. entfernt (Auto, Straßennetz OSM): Bibliothek")
    assert cat.at[ids[1], "label"] == (
        "Erreichbares Angebot (E2SFCA, Auto, Straßennetz OSM): Bibliotheken je 10.000 Einw.")
    assert "höchstens 1 km vom Netz" in cat.at[ids[0], "description"]
    assert indicators.catalog(line).at[ids[0], "label"] == (
        "Anteil Einw. bis 15 Min. entfernt (geschätzt aus Luftlinie): Bibliothek")


def test_network_labels_reach_overview_report_and_explorer(built, monkeypatch):
    """Kreisübersicht (explorer), overview tables, Steckbrief and Excel say "Straßennetz"."""
    import io

    from openpyxl import load_workbook

    from kulturplan import overview, report
    from kulturplan.report.context import ReportContext
    from kulturplan.ui.explorer import IndicatorExplorer
    from kulturplan.viz import charts

    folder, _, cache = built
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    region = read_region(folder)
    ind = "anteil_15_minuten__bibliothek"
    label = "Anteil Einw. bis 15 Min. entfernt (Auto, Straßennetz OSM): Bibliothek"
    table = indicators.compute(region)
    assert overview.labelled(table, region, [ind]).columns[1] == f"{label} (%)"
    assert overview.indicator_catalog(region=region).at[ind, "Kennzahl"] == label
    assert charts.indicator_meta(ind, region)["label"] == label
    ctx = ReportContext(region, table=table)
    book = load_workbook(io.BytesIO(report.workbook(ctx)))
    headers = [c.value for c in book["Indikatoren"][1]]
    assert f"{label} (%)" in headers
    ex = IndicatorExplorer(DashboardData(region, table), indicator=ind)
    assert dict((v, k) for k, v in ex.picker.dropdown.options)[ind] == label
    assert ex.meta["label"] == label
    steckbrief = report.gemeindesteckbrief(region, "09472119", table=table, indicator=ind)
    assert "Anteil Einw. bis 15 Min. entfernt (Auto, Straßennetz OSM)" in steckbrief
    assert "Gitterzellen höchstens 1 km vom Netz" in steckbrief  # method note
    assert "geschätzt aus Luftlinie" not in steckbrief


def test_gap_report_in_car_mode_on_the_real_region(built, monkeypatch):
    """Report and Excel of the gap dashboard's "Auto" choice give the dashboard's figures."""
    import io

    from openpyxl import load_workbook

    from kulturplan import report

    folder, _, cache = built
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    region = read_region(folder)
    ex = GapExplorer(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    ex.mode = "car"
    criteria = ex.report_criteria()
    assert criteria == {"bibliothek": (20.0, "min", "car")}
    table = indicators.compute(region)
    html = report.kreisbericht(region, table=table, criteria=criteria)
    assert ("25 Einwohner:innen (0,4 %) wohnen weiter als 20 min mit dem Auto von der "
            "nächsten Einrichtung „Bibliothek“") in html
    assert "Einwohner:innen nach dem Zensus-2022-Gitter" in html
    assert "(6,5 % der Einwohner:innen), die Anteile beziehen sich auf sie" in html
    book = load_workbook(io.BytesIO(report.workbook(region, table=table, criteria=criteria)))
    rows = list(book["Versorgungslücken"].iter_rows(values_only=True))
    label = "Bibliothek > 20 min mit dem Auto"
    assert rows[0][3:] == (f"{label}: Einw. gezählt", f"{label}: Einw.", f"{label}: Anteil (%)")
    total = rows[-1]
    assert total[1] == "Summe" and total[3:] == (6976, 25, 0.4)
    assert total[3:5] == (round(demand.overall(ex.summary)["population"]),
                          round(demand.overall(ex.summary)["population_beyond"]))


def test_gap_table_names_grid_inhabitants_once(built, monkeypatch):
    from kulturplan import overview

    folder, _, cache = built
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    region = read_region(folder)
    table = overview.gap_table(region, {"bibliothek": (20.0, "min"),
                                        "museum": (10.0, "km")})
    assert table.columns[:4].tolist() == ["AGS", "Gemeinde", "Einwohner", overview.GRID_COLUMN]
    total = table.iloc[-1]
    assert total["Einwohner"] == 103_664  # the register
    assert total[overview.GRID_COLUMN] == 106_714  # the grid, whom the shares refer to
    assert total["Bibliothek > 20 min: Einw."] == 63_569  # as GapModel (line, minutes)
    assert total["Bibliothek > 20 min: Anteil (%)"] == round(63_569 / 106_714 * 100, 1)
