"""Tests of kulturplan.ui without a browser: set widget values, assert on state and outputs."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
from viz_fixtures import tiny_region, tiny_table

from kulturplan.ui import DashboardData, IndicatorExplorer
from kulturplan.ui.apps import Kreisuebersicht, Versorgungsluecken
from kulturplan.ui.gaps import GapExplorer, GapModel
from kulturplan.ui.widgets import (
    CategoryFilter,
    IndicatorPicker,
    MunicipalityPicker,
    ThresholdSlider,
)
from kulturplan.viz import prepare


@pytest.fixture
def data() -> DashboardData:
    return DashboardData(tiny_region(), tiny_table())


def test_municipality_picker_sorted_names_and_value(data):
    picker = MunicipalityPicker(data.names, value="99001002")
    labels = [label for label, _ in picker.dropdown.options]
    assert labels == ["– Gemeinde wählen –", "Adorf", "Bestadt", "Cedorf", "Dehausen"]
    picker.dropdown.value = "99001004"
    assert picker.value == "99001004"


def test_indicator_picker_follows_category_filter():
    ids = ["einrichtungen_gesamt_je_10000", "einrichtungen_je_10000__bibliothek",
           "einrichtungen_je_10000__museum", "sparten_anzahl"]
    picker = IndicatorPicker(ids, value="sparten_anzahl")
    assert picker.dropdown.options[0] == ("Kultureinrichtungen je 10.000 Einw.",
                                          "einrichtungen_gesamt_je_10000")
    picker.category = "museum"
    assert picker.options == ["einrichtungen_je_10000__museum"]
    assert picker.value == "einrichtungen_je_10000__museum"
    picker.category = ""
    assert picker.options == ids
    cat = CategoryFilter()
    assert cat.dropdown.options[0] == ("Alle Sparten", "")
    assert ("Musikschulen", "musikschule") in cat.dropdown.options


def test_threshold_slider_units():
    slider = ThresholdSlider()
    assert (slider.value, slider.unit, slider.text) == (10.0, "km", "10 km (Luftlinie)")
    slider.units.value = "min"
    assert (slider.value, slider.slider.min, slider.slider.max) == (20.0, 5.0, 60.0)
    assert slider.text == "20 Minuten (Auto, geschätzt)"
    slider.value = 35
    assert slider.slider.value == 35


def test_explorer_indicator_change_restyles_map_and_ranking(data):
    ex = IndicatorExplorer(data, ags="99001001")
    layer = ex.map.choropleth
    assert ex.indicator == "einrichtungen_gesamt_je_10000"
    assert ex.ranking_order() == ["99001003", "99001001", "99001002", "99001004"]
    assert ex.map.styles()["99001004"]["fillColor"] == prepare.PALETTE[0]
    figure = ex.ranking
    ex.picker.dropdown.value = "vereine_je_10000"
    assert ex.indicator == "vereine_je_10000"
    assert ex.map.choropleth is layer and ex.ranking is figure  # updated in place
    assert ex.map.styles()["99001004"]["fillColor"] == prepare.PALETTE[-1]
    assert ex.map.styles()["99001001"]["fillColor"] == prepare.NAN_COLOUR
    assert list(ex.ranking.figure.data[0].y) == ["Dehausen", "Cedorf", "Bestadt", "Adorf"]
    assert "Kulturvereine je 10.000 Einw." in ex.ranking.figure.layout.title.text
    assert "keine Angabe" in ex.map.legend_text()
    assert "Kulturvereine" in ex.description.value
    assert "© GeoBasis-DE / BKG 2021" in ex.map.attribution.prefix


def test_explorer_selection_from_map_and_list_shows_profile(data):
    ex = IndicatorExplorer(data, ags="99001001")
    feature = next(f for f in ex.map.choropleth.data["features"] if f["id"] == "99001002")
    ex.map.choropleth._handle_mouse_events(None, {"event": "click", "feature": feature}, None)
    assert ex.ags == "99001002"
    assert ex.municipality.dropdown.value == "99001002"
    assert ex.map.styles()["99001002"]["color"] == prepare.HIGHLIGHT_COLOUR
    assert ex.map.styles()["99001001"]["color"] == prepare.BORDER_COLOUR
    assert "Profil Bestadt" in ex.profile.figure.layout.title.text
    # Bestadt (urban 2, 20 000) vs. Adorf (urban 2, 10 000): different size classes
    # -> no peer; compared with the median of all other municipalities.
    labels = list(ex.profile.figure.data[0].y)
    assert any("Kultureinrichtungen" in lbl for lbl in labels)
    assert "sel" in ex.table.value and "Bestadt" in ex.table.value
    ex.municipality.dropdown.value = "99001004"
    assert "Profil Dehausen" in ex.profile.figure.layout.title.text
    widths = list(ex.ranking.figure.data[0].marker.line.width)
    assert widths[list(ex.ranking.figure.data[0].y).index("Dehausen")] == 3


def test_explorer_table_german_numbers(data):
    ex = IndicatorExplorer(data)
    frame = ex.table_frame()
    assert frame["Gemeinde"].tolist() == ["Cedorf", "Adorf", "Bestadt", "Dehausen"]
    assert frame["Einwohner"].tolist() == ["4.000", "10.000", "20.000", "1.000"]
    assert frame["je 10.000 Einw."].tolist() == ["2,5", "2,0", "0,5", "0,0"]


def test_explorer_category_filter_limits_markers(data):
    ex = IndicatorExplorer(data)
    assert len(ex.map.facilities.data["features"]) == 4
    ex.category_filter.dropdown.value = "bibliothek"
    assert ex.indicator == "einrichtungen_je_10000__bibliothek"
    assert {f["id"] for f in ex.map.facilities.data["features"]} == {"f1", "f3"}


def test_gap_model_by_hand():
    region = tiny_region()
    model = GapModel(region, cell_km=1.0)
    # 1 km cells, centres at x.5 km; libraries at (5, 5) and (15, 5) km in a 40 x 10 km strip.
    table = model.table("bibliothek", 10.0, "km")
    # Dehausen (30-40 km): every cell is > 10 km from (15, 5) -> all 1 000 beyond.
    assert table.at["99001004", "population_beyond"] == pytest.approx(1000)
    assert table.at["99001004", "share_beyond"] == pytest.approx(100.0)
    # Adorf and Bestadt: every cell within 10 km of its own library (max 5*sqrt2 km).
    assert table.at["99001001", "population_beyond"] == 0
    assert table.at["99001002", "population_beyond"] == 0
    # Cedorf (20-30 km): cells with dist to (15,5) > 10 km. Count by hand over the grid:
    xs = np.arange(20.5, 30.0, 1.0)
    ys = np.arange(0.5, 10.0, 1.0)
    gx, gy = np.meshgrid(xs, ys)
    beyond = (np.hypot(gx - 15, gy - 5) > 10).sum()
    assert table.at["99001003", "population_beyond"] == pytest.approx(4000 * beyond / 100)
    assert list(table.index[:2]) == ["99001003", "99001004"]  # most affected first
    assert table.at["99001004", "mean_cost"] == pytest.approx(
        np.average(np.hypot(np.arange(30.5, 40, 1.0)[None, :] - 15,
                            np.arange(0.5, 10, 1.0)[:, None] - 5))
    )
    nothing = model.table("kino", 10.0, "km")
    assert nothing["population_beyond"].sum() == pytest.approx(35_000)


def _cells_beyond(x0: float, threshold: float) -> int:
    """1 km cells of the square [x0, x0 + 10] × [0, 10] km farther than ``threshold``
    from both libraries of the tiny region (at (5, 5) and (15, 5) km)."""
    gx, gy = np.meshgrid(np.arange(x0 + 0.5, x0 + 10, 1.0), np.arange(0.5, 10, 1.0))
    dist = np.minimum(np.hypot(gx - 5, gy - 5), np.hypot(gx - 15, gy - 5))
    return int((dist > threshold).sum())


def test_gap_explorer_threshold_and_download(data):
    gx = GapExplorer(data, category="bibliothek", threshold=10.0)
    assert gx.below_standard().index.tolist() == ["99001003", "99001004"]
    # by hand: 1 km cells of the four 10 km squares, libraries at (5, 5) and (15, 5) km
    assert len(gx.gap_layer.data["features"]) == sum(_cells_beyond(x0, 10.0)
                                                     for x0 in (0, 10, 20, 30))
    gx.slider.slider.value = 5.0
    assert gx.threshold == 5.0
    cells = {ags: _cells_beyond(x0, 5.0) for ags, x0 in zip(
        ["99001001", "99001002", "99001003", "99001004"], (0, 10, 20, 30), strict=True)}
    assert len(gx.gap_layer.data["features"]) == sum(cells.values())
    pop = {"99001001": 10_000, "99001002": 20_000, "99001003": 4_000, "99001004": 1_000}
    beyond = {a: pop[a] * n / 100 for a, n in cells.items()}
    assert gx.below_standard()["population_beyond"].to_dict() == pytest.approx(beyond)
    assert gx.below_standard().index.tolist() == sorted(beyond, key=beyond.get, reverse=True)
    assert list(gx.chart.figure.data[0].y)[0] == gx.summary["name"].iloc[0]
    assert "weiter als 5 km Luftlinie" in gx.headline.value
    # shares beyond: Dehausen 100 % -> lightest colour (lower is better)
    assert gx.map.styles()["99001004"]["fillColor"] == prepare.PALETTE[0]
    link = re.search(r'href="data:[^;]+;base64,([^"]+)"', gx.download.value)
    assert link and 'download="versorgungsluecken_bibliothek_5km.xlsx"' in gx.download.value
    xlsx = pd.read_excel(io.BytesIO(base64.b64decode(link.group(1))), skiprows=3)
    assert list(xlsx.columns) == ["AGS", "Gemeinde", "Einwohner:innen",
                                  "Einwohner:innen außerhalb", "Anteil außerhalb (%)",
                                  "Mittlere Entfernung/Fahrzeit"]
    assert xlsx["Gemeinde"].tolist() == gx.below_standard()["name"].tolist()
    assert not xlsx.astype(str).apply(lambda c: c.str.contains("@")).any().any()
    gx.category_picker.dropdown.value = "museum"
    assert gx.category == "museum"
    assert {f["id"] for f in gx.map.facilities.data["features"]} == {"f4"}


def test_apps_key_figures_and_sources(data):
    app = Kreisuebersicht(data)
    figures = app.key_figure_values()
    assert figures["Einwohner:innen"] == "35.000"
    assert figures["Gemeinden"] == "4"
    assert figures["Kultureinrichtungen"] == "4"
    html = app.children[-1].value
    assert "Testdaten" in html and "2024-01-01" in html and "© GeoBasis-DE / BKG 2021" in html
    gaps = Versorgungsluecken(data)
    assert gaps.explorer.category == "bibliothek"


def test_from_env_shows_german_error_not_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("KULTURPLAN_REGION", str(tmp_path / "fehlt"))
    box = Kreisuebersicht.from_env()
    text = box.children[-1].value
    assert "Die Daten konnten nicht geladen werden" in text
    assert "existiert nicht" in text and "Traceback" not in text


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path):
    """Tests never write to the user's cache folder."""
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(tmp_path / "cache"))


def _snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_indicator_table_cached_outside_region_folder(monkeypatch, tmp_path):
    from kulturplan import indicators
    from kulturplan.io import read_region, write_region
    from kulturplan.ui import data as ui_data

    folder = tmp_path / "region"
    write_region(tiny_region(), folder)
    before = _snapshot(folder)
    monkeypatch.setenv("KULTURPLAN_REGION", str(folder))
    first = DashboardData.from_env()
    expected = indicators.compute(read_region(folder)).astype(float)
    pd.testing.assert_frame_equal(first.table, expected)
    cached = list((tmp_path / "cache").glob("indikatoren-*.pkl"))
    assert len(cached) == 1
    assert _snapshot(folder) == before  # nothing written into the input folder

    def fail(*args, **kwargs):
        raise AssertionError("compute() trotz Zwischenspeicher aufgerufen")

    monkeypatch.setattr(indicators, "compute", fail)
    second = DashboardData.from_env()
    pd.testing.assert_frame_equal(second.table, expected)
    # changed data give a new key (and therefore a fresh computation)
    key = ui_data.region_fingerprint(folder)
    (folder / "region.toml").write_text((folder / "region.toml").read_text() + "\n")
    assert ui_data.region_fingerprint(folder) != key


def test_cache_never_inside_region_folder(monkeypatch, tmp_path):
    from kulturplan.io import write_region

    folder = tmp_path / "region"
    write_region(tiny_region(), folder)
    before = _snapshot(folder)
    monkeypatch.setenv("KULTURPLAN_REGION", str(folder))
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(folder / "cache"))
    DashboardData.from_env()
    assert _snapshot(folder) == before and not (folder / "cache").exists()
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", "off")
    table = DashboardData.from_env().table
    assert list(table.index) == ["99001001", "99001002", "99001003", "99001004"]
    assert not (tmp_path / "cache").exists()  # switched off: nothing written anywhere


def _without_culture_data():
    from kulturplan.region import Region

    region = tiny_region()
    return Region(municipalities=region.municipalities, name="Leerkreis",
                  kreis_ags="99001", sources=region.sources)


def test_usable_indicators_skip_constant_and_missing():
    from kulturplan.ui.data import usable_indicators

    table = tiny_table().assign(alle_null=0.0, fehlt=np.nan)
    assert sorted(usable_indicators(table)) == sorted(tiny_table().columns)


def test_kreisuebersicht_without_culture_data_shows_inhabitants_and_calm_note():
    from kulturplan.ui.explorer import PopulationOverview

    region = _without_culture_data()
    table = pd.DataFrame({"anteil_15_minuten__bibliothek": 0.0},
                         index=region.municipalities.index)
    app = Kreisuebersicht(DashboardData(region, table))
    assert isinstance(app.explorer, PopulationOverview)
    figures = app.key_figure_values()
    assert figures["Einwohner:innen"] == "35.000" and figures["Kultureinrichtungen"] == "0"
    assert figures["Bibliothek: noch keine erfasst"] == "–"  # not "0,0 %"
    text = " ".join(c.value for c in app.children if isinstance(getattr(c, "value", None), str))
    assert "noch keine Kultureinrichtungen" in text and "Traceback" not in text
    ranking = app.explorer.ranking.traces[0]
    assert ranking["y"] == ["Bestadt", "Adorf", "Cedorf", "Dehausen"]  # by inhabitants
    assert "Einwohner:innen je Gemeinde" in app.explorer.ranking.fig_layout["title"]["text"]
    assert "dunkler = mehr Einwohner:innen" in app.explorer.map.legend_html.value
    app.explorer.map._on_click(feature={"id": "99001003", "properties": {"ags": "99001003"}})
    assert app.explorer.ags == "99001003"
    assert app.explorer.ranking.traces[0]["marker"]["line"]["width"][2] == 3  # Cedorf


def test_gap_explorer_without_facilities_shows_note_not_hundred_percent():
    region = _without_culture_data()
    gx = GapExplorer(DashboardData(region, tiny_table()))
    assert "noch keine Kultureinrichtungen erfasst" in gx.headline.value
    assert "100,0 %" not in gx.headline.value
    assert gx.below_standard().empty and gx.download.value == ""
    assert gx.gap_layer.data["features"] == []
    assert gx.map.legend_text() == "Bibliothek: keine Einrichtung erfasst | keine Angabe"
    assert "keine Berechnung möglich" in gx.chart.fig_layout["annotations"][0]["text"]


def test_gap_explorer_category_without_facility_in_demo_like_region(data):
    gx = GapExplorer(data)
    gx.category_picker.dropdown.value = "theater"  # tiny region has no theatre
    assert "keine Einrichtung der Sparte „Theater“" in gx.headline.value
    assert gx.download.value == ""
    gx.category_picker.dropdown.value = "bibliothek"
    assert "Tabelle als Excel herunterladen" in gx.download.value


def test_versorgungsluecken_from_env_skips_indicator_table(monkeypatch):
    from kulturplan import indicators

    def fail(*args, **kwargs):
        raise AssertionError("Indikatoren für Versorgungslücken berechnet")

    monkeypatch.setattr(indicators, "compute", fail)
    app = Versorgungsluecken.from_env()  # demo district
    assert isinstance(app, Versorgungsluecken)
    assert app.explorer.summary["population"].sum() == pytest.approx(
        app.data.region.population.sum(), rel=1e-12)


def test_import_adds_no_log_handler_and_from_env_configures_one_once():
    import subprocess
    import sys

    code = (
        "import logging, kulturplan.ui.apps as a; lg = logging.getLogger('kulturplan.ui'); "
        "print(len(lg.handlers), lg.propagate); a.configure_server_log(); "
        "a.configure_server_log(); print(len(lg.handlers), lg.propagate)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:2] == ["0 True", "1 False"]


def test_explorer_charts_are_svg_without_plotly(data):
    """Issue 16: the Kreisübersicht's charts are SVG drawn in the kernel, no plotly.js."""
    app = Kreisuebersicht(data)
    ex = app.explorer
    for view in (ex.ranking, ex.profile):
        assert "kp-svg-chart" in view._dom_classes and view.renderer == "svg"
        assert view.svg.startswith("<svg viewBox=")
    # the ranking as drawn: four names best first, one bar per finite value
    html = ex.ranking.svg
    assert re.findall(r'class="kp-svg-ylabel"[^>]*><tspan[^>]*>([^<]*)<', html) == [
        ex.data.names[a] for a in ex.ranking_order()]
    finite = ex.values.notna().sum()
    assert html.count('class="kp-bar"') == finite
    renders = ex.ranking.renders
    ex.picker.dropdown.value = "vereine_je_10000"
    assert ex.ranking.renders == renders + 1
    assert "Kulturvereine je 10.000 Einw." in ex.ranking.svg
    assert list(ex.ranking.figure.data[0].y) == ["Dehausen", "Cedorf", "Bestadt", "Adorf"]
    # other dashboards keep plotly
    gaps = Versorgungsluecken(data).explorer.chart
    assert "kp-svg-chart" not in gaps._dom_classes
    assert gaps.renderer == "plotly" and gaps.svg == ""


def test_figure_view_keeps_its_figure_in_the_kernel_state():
    """The chart is the widget's ``outputs`` as the kernel holds it (what a page served
    from a preheated kernel receives), not output captured through a frontend: captured
    output was missing from the state when nbclient's last sync message was lost."""
    from kulturplan.ui.figure import MIMETYPE, FigureView

    trace = {"type": "bar", "x": [3.0, 1.0], "y": ["Adorf", "Bestadt"], "orientation": "h"}
    svg = FigureView(trace, {"height": 200}, renderer="svg")
    assert svg.outputs == ({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": svg.svg, "text/plain": "Diagramm"}},)
    assert svg.svg.count('class="kp-bar"') == 2 and ">Adorf<" in svg.svg
    svg.update({**trace, "x": [1.0, 2.0, 3.0], "y": ["A", "B", "C"]}, {})
    assert len(svg.outputs) == 1 and svg.outputs[0]["data"]["text/html"].count("kp-bar") == 3
    assert svg.renders == 2

    plot = FigureView(trace, {"height": 200})
    (out,) = plot.outputs
    assert out["output_type"] == "display_data"
    assert out["data"][MIMETYPE]["data"][0]["y"] == ["Adorf", "Bestadt"]
    assert out["data"][MIMETYPE]["layout"]["height"] == 200
    assert plot.layout.height == "200px"


def test_figure_view_rejects_an_unknown_renderer():
    from kulturplan.errors import ParameterError
    from kulturplan.ui.figure import FigureView

    with pytest.raises(ParameterError, match="Unbekannte Darstellung 'png'"):
        FigureView(renderer="png")
    empty = FigureView(renderer="svg")  # an empty chart draws without data
    assert empty.svg.startswith("<svg") and 'class="kp-bar"' not in empty.svg
