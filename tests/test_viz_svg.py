"""Static SVG graphics of the reports (kulturplan.viz.svg), checked on hand-made shapes."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import shapely

from kulturplan.viz import svg


def squares() -> gpd.GeoSeries:
    """Two 10 km squares side by side (EPSG:25832) and a small one above the first."""
    return gpd.GeoSeries(
        [shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000),
         shapely.box(0, 10_000, 2_000, 12_000)],
        index=["01", "02", "03"], crs="EPSG:25832",
    )


def test_choropleth_scales_flips_and_fills():
    drawn = svg.choropleth_svg(squares(), ["#111111", "#222222", "#333333"], width=206,
                               max_height=500, tolerance_m=0, highlight="02")
    # 20 km wide into 206 - 2·6 units: 0.0097 units per metre; 12 km tall → 116.4 + 12
    assert 'viewBox="0 0 206 128"' in drawn
    paths = re.findall(r'<path d="([^"]+)" fill="([^"]+)"', drawn)
    assert [f for _, f in paths] == ["#111111", "#222222", "#333333", "none"]
    # north up: the first square's top edge (y = 10 km) lies 2 km below the drawing top
    assert "6.0,25.4" in paths[0][0] and "6.0,122.4" in paths[0][0]
    assert "200.0,122.4" in paths[1][0]
    assert paths[3][0] == paths[1][0]  # the outline of the highlighted municipality
    assert drawn.count('stroke="#e8a33d"') == 1  # highlighted municipality outlined once
    assert "http" not in drawn


def test_labels_skip_overlaps_and_small_areas():
    geoms = squares()
    drawn = svg.choropleth_svg(geoms, ["#1d5a8a", "#eef5f9", "#eef5f9"], tolerance_m=0,
                               names=pd.Series({"01": "Westdorf", "02": "Ostdorf",
                                                "03": "Winzigstadt mit langem Namen"}),
                               priority=pd.Series({"01": 3, "02": 2, "03": 1}))
    texts = re.findall(r'fill="([^"]+)">([^<]+)</text>', drawn)
    # the small square cannot hold its long name: left out; dark area → white text
    assert texts == [("#ffffff", "Westdorf"), ("#1d2b36", "Ostdorf")]


def test_text_colour_follows_luminance():
    assert svg.text_colour("#1d5a8a") == "#ffffff"
    assert svg.text_colour("#eef5f9") == svg.LABEL_DARK
    assert svg.text_colour("#c6dbe9") == svg.LABEL_DARK
    assert svg.text_colour("kein") == svg.LABEL_DARK


def test_bar_chart_lengths_and_german_numbers():
    values = pd.Series({"a": 10.0, "b": 5.0, "c": float("nan")})
    names = pd.Series({"a": "Adorf", "b": "Bedorf", "c": "<Cedorf>"})
    drawn = svg.bar_chart_svg(values, names, decimals=1, width=400, highlight="b")
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', drawn)]
    assert len(widths) == 2 and abs(widths[0] / widths[1] - 2.0) < 0.02
    assert ">10,0<" in drawn and ">5,0<" in drawn and ">keine Angabe<" in drawn
    assert "&lt;Cedorf&gt;" in drawn and "<Cedorf>" not in drawn
    assert drawn.count('fill="#e8a33d"') == 1  # selected bar


def test_index_bar_is_centred_on_100():
    half = svg.index_bar_svg(50.0, width=100, better=False)
    assert '<rect x="25.0" y="1" width="25.0"' in half and "#d08c3c" in half
    double = svg.index_bar_svg(200.0, width=100, better=True)
    assert '<rect x="50.0" y="1" width="50.0"' in double and svg.BAR_COLOUR in double
    assert svg.index_bar_svg(float("nan")) == "–"
