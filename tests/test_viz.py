"""Tests of kulturplan.viz: shared preparation, MapSpec, offline folium, ipyleaflet, charts."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs
from viz_fixtures import tiny_region, tiny_table

from kulturplan.viz import charts, prepare
from kulturplan.viz.folium_map import cdn_references, folium_map, to_html
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.prepare import ColourScale, format_number
from kulturplan.viz.spec import map_spec


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (142794, 0, "142.794"),
        (0.126, 2, "0,13"),
        (-3.0, 1, "-3,0"),
        (float("nan"), 1, "–"),
        (None, 1, "–"),
    ],
)
def test_format_number_german(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_colour_scale_quantiles_dark_means_better():
    values = pd.Series([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.5])
    scale = ColourScale.from_values(values, higher_is_better=True)
    # quantile edges of 0..10.5 in 5 classes
    assert scale.edges == pytest.approx((0.0, 2.0, 4.0, 6.0, 8.0, 10.5))
    colours = scale.colour(values)
    assert colours[0] == prepare.PALETTE[0]  # lowest value: lightest
    assert colours[-1] == prepare.PALETTE[-1]  # highest value: darkest (better)
    legend = scale.legend()
    assert legend[0] == ("8,0 bis 10,5", prepare.PALETTE[-1])  # best class first
    assert legend[-1] == ("0,0 bis unter 2,0", prepare.PALETTE[0])


def test_colour_scale_reversed_when_lower_is_better_and_nan_grey():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, np.nan])
    scale = ColourScale.from_values(values, higher_is_better=False, unit="km")
    colours = scale.colour(values)
    assert colours[0] == prepare.PALETTE[-1]  # 1 km: darkest (better)
    assert colours[5] == prepare.PALETTE[0]  # 6 km: lightest
    assert colours[6] == prepare.NAN_COLOUR
    assert scale.legend()[-1] == ("keine Angabe", prepare.NAN_COLOUR)
    assert scale.legend()[0][1] == prepare.PALETTE[-1]


def test_colour_scale_counts_are_discrete_classes():
    scale = ColourScale.from_values([0, 1, 1, 2], higher_is_better=True)
    assert scale.labels() == ["0", "1", "2"]
    assert scale.colour([0, 1, 2]) == [prepare.PALETTE[0], prepare.PALETTE[2], prepare.PALETTE[4]]


def test_display_geometries_simplified_rounded_in_wgs84():
    region = tiny_region()
    geoms = prepare.display_geometries(region.municipalities, tolerance_m=50, precision=5)
    assert geoms.crs == "EPSG:4326"
    assert list(geoms.index) == list(region.municipalities.index)
    coords = np.concatenate([np.asarray(g.exterior.coords) for g in geoms.geometry])
    assert np.allclose(coords, np.round(coords, 5))
    # 10 km squares stay 4 corners (+ closing point) and ~ 10 km wide: 500 000 E, UTM 32
    first = np.asarray(geoms.geometry.iloc[0].exterior.coords)
    assert len(first) == 5
    assert first[:, 0].min() == pytest.approx(9.0, abs=0.01)


def test_facility_points_catalog_colour_tooltip_no_personal_data():
    pts = prepare.facility_points(tiny_region())
    assert list(pts.index) == ["f1", "f2", "f3", "f4"]
    assert pts.at["f1", "colour"] == "#1f77b4"  # bibliothek in categories.yaml
    assert pts.at["f4", "tooltip"] == "Heimatmuseum Cedorf (Museum) – Cedorf"
    assert "contact_email" not in pts.columns
    assert not pts.astype(str).apply(lambda c: c.str.contains("@")).any().any()
    assert list(prepare.facility_points(tiny_region(), ["museum"]).index) == ["f4"]


def test_attribution_names_every_source():
    text = prepare.attribution(tiny_region())
    assert text == "Daten: © Testamt 2024 | © GeoBasis-DE / BKG 2021"


def _spec(indicator="einrichtungen_gesamt_je_10000", **kwargs):
    region, table = tiny_region(), tiny_table()
    meta = charts.indicator_meta(indicator)
    return map_spec(region, table[indicator], title=meta["label"], unit=meta["unit"],
                    higher_is_better=meta["higher_is_better"], **kwargs)


def test_map_spec_styles_tooltips_and_legend_title():
    spec = _spec(categories=None).with_selected("99001002")
    styles = spec.styles()
    # 2.5 (Cedorf) is the best value -> darkest
    assert styles["99001003"]["fillColor"] == prepare.PALETTE[-1]
    assert styles["99001004"]["fillColor"] == prepare.PALETTE[0]
    assert styles["99001002"]["color"] == prepare.HIGHLIGHT_COLOUR
    fc = spec.feature_collection()
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert props["99001001"]["tooltip"] == "Adorf: 2,0 je 10.000 Einw."
    assert spec.legend_title() == "Kultureinrichtungen je 10.000 Einw."
    assert len(spec.facility_collection()["features"]) == 4


def test_folium_html_is_offline_and_complete():
    fmap = folium_map(_spec(categories=None), cluster=True)
    page = to_html(fmap)
    assert cdn_references(page) == []
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome"):
        assert cdn not in page
    assert "L.map(" in page and "Leaflet 1.9.4" in page  # vendored Leaflet inlined
    assert "markerClusterGroup" in page
    assert "Testamt 2024 | \\u00a9 GeoBasis-DE / BKG 2021 | Leaflet" in page  # JSON-escaped ©
    assert "Make this Notebook Trusted" not in fmap._repr_html_()
    assert "Adorf: 2,0 je 10.000 Einw." in page


def test_leaflet_map_restyles_in_place():
    spec = _spec(categories=None)
    lmap = LeafletMap(spec)
    layer = lmap.choropleth
    assert [ly for ly in lmap.widget.layers if ly.base] == []  # no tiles by default
    assert lmap.styles()["99001004"]["fillColor"] == prepare.PALETTE[0]
    table = tiny_table()
    meta = charts.indicator_meta("vereine_je_10000")
    lmap.update(spec.with_values(table["vereine_je_10000"], title=meta["label"],
                                 unit=meta["unit"], higher_is_better=True))
    assert lmap.choropleth is layer  # same layer, new style
    assert lmap.styles()["99001004"]["fillColor"] == prepare.PALETTE[-1]  # 10 = best now
    assert lmap.styles()["99001001"]["fillColor"] == prepare.NAN_COLOUR
    assert "Kulturvereine je 10.000 Einw." in lmap.legend_text()
    assert "keine Angabe" in lmap.legend_text()
    assert "© GeoBasis-DE / BKG 2021" in lmap.attribution.prefix


def test_leaflet_click_reports_ags():
    lmap = LeafletMap(_spec())
    clicked = []
    lmap.on_click(clicked.append)
    feature = lmap.choropleth.data["features"][2]
    lmap.choropleth._handle_mouse_events(None, {"event": "click", "feature": feature}, None)
    assert clicked == ["99001003"]
    lmap.choropleth._handle_mouse_events(None, {"event": "mouseover", "feature": feature}, None)
    assert "Cedorf: 2,5 je 10.000 Einw." in lmap.info_html.value


def test_ranking_props_order_colours_and_median():
    table, names = tiny_table(), tiny_region().municipalities["name"]
    trace, layout = charts.ranking_props(
        table["einrichtungen_gesamt_je_10000"], names, label="X", unit="je 10.000 Einw.",
        higher_is_better=True, selected="99001001",
    )
    assert trace["y"] == ["Cedorf", "Adorf", "Bestadt", "Dehausen"]
    assert trace["x"] == [2.5, 2.0, 0.5, 0.0]
    assert trace["marker"]["line"]["width"] == [0, 3, 0, 0]
    assert layout["annotations"][0]["text"] == "Median 1,2"  # (2.0 + 0.5) / 2 = 1.25
    assert layout["separators"] == ",."
    lower, _ = charts.ranking_props(table["einrichtungen_gesamt_je_10000"], names, label="X",
                                    higher_is_better=False)
    assert lower["y"] == ["Dehausen", "Bestadt", "Adorf", "Cedorf"]
    nan_trace, _ = charts.ranking_props(table["vereine_je_10000"], names, label="V")
    assert nan_trace["y"][-1] == "Adorf" and nan_trace["text"][-1] == "keine Angabe"


def test_profile_frame_index_and_direction():
    frame = charts.profile_frame(
        pd.Series({"einrichtungen_gesamt_je_10000": 3.0, "sparten_anzahl": 1.0,
                   "vereine_je_10000": 2.0}),
        pd.Series({"einrichtungen_gesamt_je_10000": 2.0, "sparten_anzahl": 2.0,
                   "vereine_je_10000": 0.0}),
    )
    assert frame.at["einrichtungen_gesamt_je_10000", "index"] == pytest.approx(150.0)
    assert frame.at["sparten_anzahl", "index"] == pytest.approx(50.0)
    assert np.isnan(frame.at["vereine_je_10000", "index"])  # median 0: no index
    assert bool(frame.at["einrichtungen_gesamt_je_10000", "better"]) is True
    assert bool(frame.at["sparten_anzahl", "better"]) is False
    assert bool(frame.at["vereine_je_10000", "better"]) is True  # 2 > 0, higher is better


def test_plotly_figure_html_needs_no_cdn():
    fig = charts.ranking_figure(tiny_table()["sparten_anzahl"],
                                tiny_region().municipalities["name"], label="Sparten")
    page = fig.to_html(include_plotlyjs=True, full_html=True)
    # every script of the whole page is inline (no src at all), nothing remote is linked
    scripts = re.findall(r"<script\b[^>]*>", page, flags=re.IGNORECASE)
    assert scripts and not [tag for tag in scripts if "src" in tag.lower()]
    assert cdn_references(page) == []
    # the page minus the inlined plotly.js bundle (which only names its CDN as the default
    # topojson URL of geo charts) mentions no CDN anywhere
    bundle = get_plotlyjs()
    assert bundle in page
    assert "cdn.plot.ly" not in page.replace(bundle, "")


def test_leaflet_fits_region_once_size_is_known():
    from kulturplan.viz.leaflet import initial_view, with_legend_room

    lmap = LeafletMap(_spec())
    bounds = with_legend_room(lmap.spec.bounds())
    (south, west), (north, east) = bounds
    assert east > lmap.spec.bounds()[1][1]  # room for the legend east of the region
    # the browser reports a map of 900 x 600 px (world pixel coordinates at zoom 9)
    m = lmap.widget
    for name, value in (("left", 68_000), ("top", 43_000)):
        m.set_trait(name, value)  # as the browser's update does
    assert m.zoom == initial_view(bounds, 700, 560)[1]  # partial report: not fitted yet
    for name, value in (("right", 68_900), ("bottom", 43_600)):
        m.set_trait(name, value)
    center, zoom = initial_view(bounds, 900 - 24, 600 - 24)
    assert (tuple(m.center), m.zoom) == (center, zoom)
    assert center == ((south + north) / 2, (west + east) / 2)
    assert zoom == math.floor(zoom * 4) / 4  # Leaflet's zoom_snap of 0.25
    m.set_trait("right", 70_000)  # later resizes keep the user's view
    assert m.zoom == zoom


def test_profile_has_no_ratio_index_for_indicators_without_natural_zero():
    # Bug seen on the dashboard: a composite z-score of 0,52 against a peer median of
    # 0,01 was drawn as index 5200 (capped at the chart's end) – meaningless.
    frame = charts.profile_frame(
        pd.Series({"kulturversorgungsindex": 0.52, "foerderung_veraenderung": -4.0,
                   "vereine_je_10000": 30.0}),
        pd.Series({"kulturversorgungsindex": 0.01, "foerderung_veraenderung": 2.0,
                   "vereine_je_10000": 20.0}),
    )
    assert np.isnan(frame.at["kulturversorgungsindex", "index"])
    assert np.isnan(frame.at["foerderung_veraenderung", "index"])
    assert frame.at["vereine_je_10000", "index"] == pytest.approx(150.0)
    # the comparison itself is still shown and coloured
    assert bool(frame.at["kulturversorgungsindex", "better"]) is True
    assert bool(frame.at["foerderung_veraenderung", "better"]) is False
    trace, _ = charts.profile_props(frame, name="Testdorf", peer_text="vergleichbarer Gemeinden")
    assert trace["x"][0] == 0.0 and trace["text"][0] == "0,52 (Median 0,01)"


def test_ranking_range_leaves_room_for_labels_of_negative_bars():
    # Bug seen on the dashboard: the label of the most negative z-score ("-1,5") ran
    # into the municipality name because the axis ended at the bar's end.
    names = pd.Series({"a": "Adorf", "b": "Bedorf", "c": "Cedorf"})
    _, layout = charts.ranking_props(pd.Series({"a": -1.5, "b": 0.5, "c": 1.0}), names,
                                     label="Index", unit="Index", higher_is_better=True)
    assert layout["xaxis"]["range"] == pytest.approx([-1.5 - 0.14 * 2.5, 1.0 + 0.14 * 2.5])
    _, layout = charts.ranking_props(pd.Series({"a": 2.0, "b": 4.0, "c": 10.0}), names,
                                     label="X", unit="je 1.000 Einw.", higher_is_better=True)
    assert layout["xaxis"]["range"] == pytest.approx([0.0, 11.4])
    assert layout["xaxis"]["autorange"] is False


def test_ranking_title_wraps_long_labels():
    values = pd.Series([1.0, 2.0], index=["a", "b"])
    names = pd.Series(["A", "B"], index=["a", "b"])
    label = "Anteil Einw. bis 15 Min. entfernt (Auto, Straßennetz OSM): Bibliothek"
    _, layout = charts.ranking_props(values, names, label=label)
    assert layout["title"]["text"] == ("<b>Rangfolge</b>: Anteil Einw. bis 15 Min. entfernt "
                                       "(Auto,<br>Straßennetz OSM): Bibliothek")
    assert layout["margin"]["t"] == 84
    _, short = charts.ranking_props(values, names, label="Vereine je 10.000 Einw.")
    assert short["title"]["text"] == "<b>Rangfolge</b>: Vereine je 10.000 Einw."
    assert short["margin"]["t"] == 60


def test_gap_chart_title_wraps_instead_of_being_cut():
    from kulturplan.viz import charts as ch

    gaps = pd.DataFrame({"name": ["Adorf"], "population_beyond": [12.0]}, index=["01"])
    title = "<b>Betroffene je Gemeinde</b>: weiter als 10 km Luftlinie von „Bibliothek“"
    _, layout = ch.gap_props(gaps, title=title)
    lines = layout["title"]["text"].split("<br>")
    assert len(lines) == 2 and all(len(line) <= 50 for line in lines)
    assert " ".join(lines) == title
    assert layout["margin"]["t"] == 84
