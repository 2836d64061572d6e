"""Gap dashboard on road-network travel times, region folders naming an OSM file and a grid.

A hand-built region (three municipalities, three 1-km points) and a hand-built network
(:meth:`kulturplan.routing.Network.from_edges`) whose answers are computed by hand:

    A: box 500–501 km, 100 inh.   point a = node 0 (facility)
    B: box 501–503 km, 200 inh.   points b1 = node 1, b2 = node 2 (100 each)
    C: box 510–511 km,  50 inh.   point c, 8 km from the network (off the network)

    edges: 0 ↔ 1 3 min; 1 → 2 4 min; 2 → 1 10 min (one-way pair)
    car times to the facility: a 0, b1 3, b2 2→1→0 = 13 min
    straight-line estimate (km × 1.3 ÷ 50 km/h): b1 1.56, b2 3.12, c 15.6 min
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from kulturplan import Region, demand, report
from kulturplan.errors import ParameterError
from kulturplan.io import input_file, read_region, write_region
from kulturplan.routing import Network
from kulturplan.routing import region as region_network
from kulturplan.sources.build import grid_entries
from kulturplan.ui import gaps
from kulturplan.ui.data import DashboardData
from kulturplan.ui.gaps import GapExplorer, GapModel

X0, Y0 = 500_000.0, 5_600_000.0
OSM = "/nicht/vorhanden/test.osm.pbf"


def _region(osm: bool = True) -> Region:
    muni = gpd.GeoDataFrame(
        {"name": ["Adorf", "Bedorf", "Cedorf"], "population": [100, 200, 50],
         "area_km2": [1.0, 2.0, 1.0]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                  shapely.box(X0 + 1000, Y0, X0 + 3000, Y0 + 1000),
                  shapely.box(X0 + 10_000, Y0, X0 + 11_000, Y0 + 1000)],
        crs="EPSG:25832", index=pd.Index(["01001001", "01001002", "01001003"], name="ags"),
    )
    fac = gpd.GeoDataFrame(
        {"name": ["Bücherei Adorf"], "category": ["bibliothek"]},
        geometry=[shapely.Point(X0 + 500, Y0 + 500)], crs="EPSG:25832",
        index=pd.Index(["F1"], name="facility_id"),
    )
    sources = [{"name": "Test", "licence": "", "attribution": "", "date": ""}]
    if osm:
        sources.append({"name": "Straßennetz", "licence": "ODbL", "attribution": "© OSM",
                        "date": "", "kind": "osm", "file": OSM})
    return Region(muni, facilities=fac, name="Testkreis", sources=sources)


def _network(mode: str = "car") -> Network:
    xy = [(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500), (X0 + 2500, Y0 + 500)]
    return Network.from_edges([0, 1, 2], [1, 2, 1], [3.0, 4.0, 10.0], xy,
                              both_ways=[True, False, False], mode=mode)


@pytest.fixture
def networks(monkeypatch):
    cache = {(OSM, m): _network(m) for m in ("car", "bike", "walk")}
    monkeypatch.setattr(region_network, "_NETWORKS", cache)
    return cache


def test_model_car_times_exact(networks):
    model = GapModel(_region())
    assert model.modes == ["line", "car", "bike", "walk"]
    cost = model.costs("bibliothek", "min", "car")
    assert cost.iloc[:3].tolist() == pytest.approx([0.0, 3.0, 13.0], abs=1e-9)
    assert np.isnan(cost.iloc[3])  # Cedorf: 8 km from the network, not counted
    assert model.on_network("car").tolist() == [True, True, True, False]
    assert model.network_share("car") == pytest.approx(300 / 350 * 100)
    table = model.table("bibliothek", 5.0, "min", "car")
    assert table.loc["01001002", "population_beyond"] == pytest.approx(100.0)
    assert table.loc["01001002", "share_beyond"] == pytest.approx(50.0)
    assert table.loc["01001002", "mean_cost"] == pytest.approx(8.0)
    assert table.loc["01001001", "population_beyond"] == 0.0
    assert table.loc["01001003", "population"] == 0.0  # off the network: not counted
    assert np.isnan(table.loc["01001003", "share_beyond"])
    # beyond 15 min nobody on the network; the same cells by the straight-line estimate
    assert model.table("bibliothek", 15.0, "min", "car")["population_beyond"].sum() == 0.0
    assert model.estimate_on_network("bibliothek", 3.0, "car")["population_beyond"] == (
        pytest.approx(100.0))  # b2: 3.12 min estimated
    line = model.table("bibliothek", 5.0, "min", "line")
    assert line.loc["01001003", "population_beyond"] == pytest.approx(50.0)  # c: 15.6 min
    assert line["population_beyond"].sum() == pytest.approx(50.0)


def test_model_straight_line_ratio_exact(networks):
    r = GapModel(_region()).ratio()
    # pairs ≥ 1 km among a, b1, b2: 3/1.56 (twice), 7/3.12, 4/1.56, 13/3.12, 10/1.56
    assert r.n_pairs == 6
    assert r.median == pytest.approx((7 / 3.12 + 4 / 1.56) / 2)


def test_model_rejects_network_in_km_and_without_osm(networks):
    with pytest.raises(ParameterError, match="Minuten"):
        GapModel(_region()).costs("bibliothek", "km", "car")
    with pytest.raises(ParameterError, match="nicht verfügbar"):
        GapModel(_region(osm=False)).costs("bibliothek", "min", "car")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html))


def test_explorer_switches_to_car(networks):
    region = _region()
    ex = GapExplorer(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    assert ex.mode_picker is not None
    assert [o[0] for o in ex.mode_picker.options] == ["Luftlinie", "Auto", "Fahrrad", "zu Fuß"]
    ex.mode_picker.value = "car"
    assert (ex.unit, ex.threshold) == ("min", 20.0)
    assert ex.slider.units.layout.display == "none"
    ex.threshold = 5.0
    text = _text(ex.headline.value)
    assert text.startswith(" 100 Einwohner:innen weiter als 5 Minuten mit dem Auto von „Bibl")
    assert "0 nach Luftlinien-Schätzung (dieselben Zellen)" in text
    # the share refers to the inhabitants counted (those on the network) and says so
    assert "33,3 % Anteil an 300 Einw. am Straßennetz (Gemeindeverzeichnis)" in text
    # fixed share classes instead of quantiles of three values; Cedorf is not counted
    assert [label for label, _ in ex.map.spec.legend()] == [
        "0 %", "unter 10 %", "10 bis unter 25 %", "25 bis unter 50 %", "50 % und mehr",
        "nicht gezählt (kein Straßennetz in der OSM-Datei)"]
    colours = ex.map.spec.fill_colours()
    assert colours["01001002"] == ex.map.spec.scale.colours[4]  # Bedorf: 50 % beyond
    assert colours["01001001"] == ex.map.spec.scale.colours[0]  # Adorf: nobody beyond
    assert colours["01001003"] == ex.map.spec.scale.nan_colour
    assert ex.export_headers()["population"] == (
        "Einwohner:innen gezählt (Gemeindeverzeichnis, am Straßennetz)")
    assert "Einw. gezählt" in ex.table.value
    assert "85,7 % der Einwohner:innen wohnen in Gitterzellen höchstens 1 km vom Netz" in text
    assert f"im Median {(7 / 3.12 + 4 / 1.56) / 2:.2f}".replace(".", ",") in text
    assert len(ex.gap_layer.data["features"]) == 1  # b2
    ex.mode_picker.value = "line"
    assert ex.export_headers() == gaps.COLUMNS_DE  # the register's inhabitants, as before
    assert ex.slider.units.layout.display is None
    assert ex.unit == "min"
    assert _text(ex.headline.value).startswith(" 50 Einwohner:innen weiter als 5 Minuten")


def test_explorer_without_osm_unchanged():
    region = _region(osm=False)
    ex = GapExplorer(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    assert ex.mode_picker is None
    note = re.search(r'<div class="kp-note">(.*?)</div>', ex.headline.value).group(1)
    assert note == ("Einwohner:innen sind gleichmäßig auf ein 1-km-Raster je Gemeinde "
                    "verteilt; Entfernungen als Luftlinie, Fahrzeiten geschätzt mit "
                    "Umwegfaktor 1,3 und 50 km/h.")


# -- region folder naming its inputs ------------------------------------------------------
def test_region_folder_names_inputs_relative_or_absolute(tmp_path):
    region = _region(osm=False)
    sources = [*region.sources,
               {"name": "Netz", "licence": "", "attribution": "", "date": "", "kind": "osm",
                "file": "netz/kreis.osm.pbf"},
               {"name": "Gitter", "licence": "", "attribution": "", "date": "",
                "kind": "grid", "file": str(tmp_path / "gitter.csv")}]
    region = Region(region.municipalities, facilities=region.facilities, sources=sources)
    assert input_file(_region(osm=False), "osm") is None
    folder = write_region(region, tmp_path / "region")
    text = (folder / "region.toml").read_text(encoding="utf-8")
    assert 'file = "netz/kreis.osm.pbf"' in text
    back = read_region(folder)
    assert input_file(back, "osm") == (folder / "netz" / "kreis.osm.pbf").absolute()
    assert input_file(back, "grid") == tmp_path / "gitter.csv"
    assert not (folder / "gitter.csv").exists()  # referenced, never copied
    with pytest.raises(ParameterError, match="unbekannt"):
        input_file(back, "ags")


def _grid_region(tmp_path) -> tuple[Region, list[tuple[int, int, int]]]:
    """Two municipalities around three 1-km Zensus cells (EPSG:3035 lower-left corners)."""
    cells = [(4_300_000, 2_700_000, 7), (4_301_000, 2_700_000, 13), (4_305_000, 2_700_000, 5)]
    csv = tmp_path / "gitter.csv"
    csv.write_text(
        "GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\n" + "".join(
            f"CRS3035RES1000mN{n}E{e};{e + 500};{n + 500};{v}\n" for e, n, v in cells),
        encoding="utf-8")
    to_utm = Transformer.from_crs("EPSG:3035", "EPSG:25832", always_xy=True)
    x, y = to_utm.transform([e + 500 for e, _, _ in cells], [n + 500 for _, n, _ in cells])
    muni = gpd.GeoDataFrame(
        {"name": ["West", "Ost"], "population": [25, 4], "area_km2": [4.0, 4.0]},
        geometry=[shapely.Point(x[0] + 500, y[0]).buffer(1400),
                  shapely.Point(x[2], y[2]).buffer(900)],
        crs="EPSG:25832", index=pd.Index(["01002001", "01002002"], name="ags"),
    )
    sources = [{"name": "Zensus", "licence": "", "attribution": "", "date": "", "kind": "grid",
                "file": str(csv)}]
    return Region(muni, name="Gitterkreis", sources=sources), cells


def test_population_points_from_grid(tmp_path):
    region, _ = _grid_region(tmp_path)
    pts = demand.population_points(region)
    assert pts["population"].tolist() == [7.0, 13.0, 5.0]
    assert pts["ags"].tolist() == ["01002001", "01002001", "01002002"]
    assert pts["area_km2"].tolist() == [1.0, 1.0, 1.0]
    assert pts["cell"].iloc[0] == "CRS3035RES1000mN2700000E4300000"
    assert demand.grid_size_km(pts) == 1.0
    # uniform spread on request: the register's population, as before
    uniform = demand.population_points(region, source="uniform")
    assert uniform.groupby("ags")["population"].sum().tolist() == pytest.approx([25.0, 4.0])
    no_grid = Region(region.municipalities)
    assert demand.population_points(no_grid).groupby("ags")["population"].sum().tolist() == (
        pytest.approx([25.0, 4.0]))
    with pytest.raises(ParameterError, match="kein Zensus-Gitter"):
        demand.population_points(no_grid, source="grid")
    with pytest.raises(ParameterError, match="unbekannt"):
        demand.population_points(region, source="zensus")


def test_grid_entries_say_by_how_much():
    table = pd.DataFrame(
        {"name": ["West", "Ost", "Forst"], "register": [25.0, 4.0, 0.0],
         "grid": [20.0, 5.0, 0.0]},
        index=pd.Index(["01002001", "01002002", "01002003"], name="ags"))
    table["difference"] = table["grid"] - table["register"]
    table["difference_pct"] = table["difference"] / table["register"].where(
        table["register"] > 0) * 100
    entries = grid_entries(table, "gitter.csv")
    assert [e.problem.message for e in entries] == [
        "West (01002001): Zensus-Gitter 20, Gemeindeverzeichnis 25 Einwohner:innen, "
        "Unterschied -5 (-20,0 %); nicht angeglichen.",
        "Ost (01002002): Zensus-Gitter 5, Gemeindeverzeichnis 4 Einwohner:innen, "
        "Unterschied +1 (+25,0 %); nicht angeglichen.",
    ]
    assert {e.kind for e in entries} == {"zensus"}


def test_indicator_cache_key_follows_named_input_files(tmp_path):
    from kulturplan.ui.data import region_fingerprint

    grid = tmp_path / "gitter.csv"
    grid.write_text("a\n", encoding="utf-8")
    region = Region(_region(osm=False).municipalities, sources=[
        {"name": "Gitter", "licence": "", "attribution": "", "date": "", "kind": "grid",
         "file": "../gitter.csv"}])
    folder = write_region(region, tmp_path / "region")
    before = region_fingerprint(folder)
    assert region_fingerprint(folder) == before
    grid.write_text("a\nb\n", encoding="utf-8")  # the grid changed, the folder did not
    assert region_fingerprint(folder) != before


def test_report_of_the_gap_dashboard_uses_the_chosen_mode(networks):
    """The report/Excel button reports the figures of "Auto" when "Auto" is chosen."""
    import io

    from openpyxl import load_workbook

    from kulturplan.ui.report_download import ReportDownload

    region = _region()
    ex = GapExplorer(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    ex.mode_picker.value = "car"
    ex.threshold = 5.0
    assert ex.report_criteria() == {"bibliothek": (5.0, "min", "car")}
    button = ReportDownload(region, table=pd.DataFrame({"x": [1.0, 2.0, 3.0]},
                                                       index=region.municipalities.index),
                            municipalities=False, selection=ex.report_selection)
    data = button.build("xlsx")
    assert data is not None
    sheet = load_workbook(io.BytesIO(data))["Versorgungslücken"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    label = "Bibliothek > 5 min mit dem Auto"
    assert header[3:] == (f"{label}: Einw. gezählt", f"{label}: Einw.", f"{label}: Anteil (%)")
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["Bedorf"][3:] == (200, 100, 50.0)  # b2: 13 min by car
    assert by_name["Adorf"][3:] == (100, 0, 0.0)
    assert by_name["Cedorf"][3:5] == (0, 0) and by_name["Cedorf"][5] is None  # off the net
    assert by_name["Summe"][3:] == (300, 100, 33.3)
    # the straight-line figures of the same threshold differ (Cedorf 15.6 min estimated)
    ex.mode_picker.value = "line"
    line = report.kreisbericht(region, table=button.table, criteria=ex.report_criteria())
    assert "50 Einwohner:innen (14,3 %) wohnen weiter als 5 min von" in line
    car = report.kreisbericht(region, table=button.table,
                              criteria={"bibliothek": (5.0, "min", "car")})
    assert "100 Einwohner:innen (33,3 %) wohnen weiter als 5 min mit dem Auto" in car
    assert "Fahrzeit mit dem Auto auf dem Straßennetz der OpenStreetMap-Datei" in car
    assert "85,7 % der Einwohner:innen" in car


def test_report_criteria_check_the_mode(networks):
    from kulturplan.report import ReportContext

    region = _region(osm=False)
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=region.municipalities.index)
    with pytest.raises(ParameterError, match="nennt keine OpenStreetMap-Datei"):
        ReportContext(region, table=table, criteria={"bibliothek": (5.0, "min", "car")})
    with pytest.raises(ParameterError, match="nur in Minuten"):
        ReportContext(_region(), table=table, criteria={"bibliothek": (5.0, "km", "car")})
    ctx = ReportContext(region, table=table, criteria={"bibliothek": (5.0, "km")})
    assert ctx.criteria == {"bibliothek": (5.0, "km", "line")}
    assert ctx.criterion_label("bibliothek") == "Bibliothek > 5 km"


def test_gap_dashboard_report_button_follows_the_mode(networks):
    """The Versorgungslücken app hands the chosen mode to its report button (it reported
    straight-line figures while "Auto" was shown)."""
    from kulturplan.ui.apps import Versorgungsluecken

    region = _region()
    app = Versorgungsluecken(DashboardData(region, pd.DataFrame(index=region.municipalities.index)))
    app.explorer.mode_picker.value = "car"
    app.explorer.threshold = 5.0
    assert app.report.selection() == {"criteria": {"bibliothek": (5.0, "min", "car")}}
    assert "(Gemeindeverzeichnis)" in app.children[1].value  # the header names its source
