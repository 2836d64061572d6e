"""figure_svg: plotly-shaped horizontal bar charts as static SVG (Kreisübersicht, issue 16)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from kulturplan.viz import charts, svg


def _rects(text: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m))
            for m in re.findall(r"<rect ([^>]*)/?>", text)]


def _layout(**extra):
    return {"font": {"size": 10}, "margin": {"l": 10, "r": 30, "t": 60, "b": 50},
            "height": 300, **extra}


def _trace(**extra):
    return {"type": "bar", "orientation": "h", "x": [20.0, None, 40.0], "y": ["Ab", "Cd", "Ef"],
            "marker": {"color": ["#111111", "#222222", "#333333"],
                       "line": {"color": "#e8a33d", "width": [0, 0, 3]}},
            "text": ["20,0", "keine Angabe", ""],
            "customdata": [["1", "20,0"], ["2", "keine Angabe"], ["3", "40,0"]],
            "hovertemplate": "<b>%{y}</b><br>%{customdata[1]} Einw.<extra></extra>", **extra}


def test_one_rect_per_finite_value_top_to_bottom_with_reversed_axis():
    out = svg.figure_svg(_trace(), _layout(yaxis={"autorange": "reversed"}))
    bars = _rects(out)
    assert len(bars) == 2  # "Cd" has no value: no bar
    assert [b["fill"] for b in bars] == ["#111111", "#333333"]
    assert float(bars[0]["y"]) < float(bars[1]["y"])  # first item on top
    labels = re.findall(r'class="kp-svg-ylabel"[^>]*><tspan[^>]*>([^<]*)<', out)
    assert labels == ["Ab", "Cd", "Ef"]
    assert "keine Angabe" in out
    # without reversed autorange plotly draws the first category at the bottom
    plain = _rects(svg.figure_svg(_trace(), _layout()))
    assert float(plain[0]["y"]) > float(plain[1]["y"])


def test_selected_bar_is_outlined_and_tooltip_is_plain_text():
    out = svg.figure_svg(_trace(), _layout(yaxis={"autorange": "reversed"}))
    bars = _rects(out)
    assert bars[1]["stroke"] == "#e8a33d" and bars[1]["stroke-width"] == "3"
    assert "stroke" not in bars[0]
    tips = re.findall(r"<title>([^<]*)</title>", out)
    assert tips == ["Ab\n20,0 Einw.", "Cd\nkeine Angabe Einw.", "Ef\n40,0 Einw."]
    assert re.search(r'font-weight="bold"><tspan[^>]*>Ef<', out)  # selected name in bold


def test_bars_and_median_line_are_mapped_from_the_range_by_hand():
    shapes = [{"type": "line", "x0": 20, "x1": 20, "yref": "paper", "y0": 0, "y1": 1,
               "line": {"color": "#555", "width": 1.5, "dash": "dot"}}]
    annotations = [{"x": 20, "y": 1.0, "yref": "paper", "yanchor": "bottom",
                    "text": "Median 20,0", "showarrow": False, "font": {"size": 9}}]
    trace = _trace(text=None)
    out = svg.figure_svg(trace, _layout(xaxis={"range": [0, 50]}, shapes=shapes,
                                        annotations=annotations))
    # labels "Ab"/"Cd"/"Ef": 2 chars × 0,56 × 10 + 10 = 21,2 → left = 10 + 21,2; no value
    # texts to fit, so right = 540 − 30; 20 of [0, 50] → 31,2 + 0,4 × 478,8 = 222,72
    left, right = 31.2, 510.0
    line = re.search(r'<line class="kp-svg-ref" x1="([\d.]+)"[^>]*stroke-dasharray', out)
    assert line and float(line.group(1)) == pytest.approx(left + 20 / 50 * (right - left), abs=0.06)
    bars = _rects(out)
    assert float(bars[0]["x"]) == pytest.approx(left, abs=0.06)
    assert float(bars[1]["width"]) == pytest.approx(40 / 50 * (right - left), abs=0.06)
    assert re.search(r'text-anchor="middle"><tspan font-size="9"[^>]*>Median 20,0<', out)


def test_base_bars_start_at_base():
    trace = {"type": "bar", "orientation": "h", "x": [50.0, -40.0], "base": [100.0, 100.0],
             "y": ["A", "B"], "marker": {"color": "#123456"}}
    out = svg.figure_svg(trace, _layout(xaxis={"range": [0, 200]}))
    a, b = _rects(out)
    left, right = 10 + 1 * 0.56 * 10 + 10, 510.0
    px100 = left + 0.5 * (right - left)
    assert float(a["x"]) == pytest.approx(px100, abs=0.06)
    assert float(b["x"]) + float(b["width"]) == pytest.approx(px100, abs=0.1)
    assert a["fill"] == b["fill"] == "#123456"


def test_hostile_names_and_titles_are_escaped():
    bad = "<script>alert(1)</script>"
    trace = _trace(y=[bad, "Cd", "Ef"])
    layout = _layout(title={"text": f"<b>Profil {bad}</b><br>"
                                    f"<span style='font-size:13px;color:#555'>x &amp; y</span>"},
                     xaxis={"title": {"text": bad}})
    out = svg.figure_svg(trace, layout)
    assert "<script>" not in out
    assert out.count("&lt;script&gt;") >= 4  # label, tooltip, title, axis title
    title = re.search(r'<g class="kp-svg-title">(.*?)</g>', out).group(1)
    assert re.search(r'font-weight="bold">Profil', title)
    assert 'font-size="13" fill="#555">x &amp;amp; y</tspan>' in title
    assert title.count("<text ") >= 2  # <br> → a second line


def test_ticks_are_german_numbers():
    trace = {"type": "bar", "orientation": "h", "x": [12000.0, 3000.0], "y": ["A", "B"]}
    out = svg.figure_svg(trace, _layout())
    ticks = re.findall(r">([\d.,]+)</text>", re.search(
        r'<g class="kp-svg-xticks".*?</g>', out).group(0))
    assert ticks == ["0", "5.000", "10.000"]
    assert list(svg.nice_ticks(0, 1)) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    small = svg.figure_svg({"x": [0.9], "y": ["A"], "type": "bar"}, _layout())
    assert ">0,2</text>" in small and ">-0<" not in small


def test_long_names_are_shortened_and_width_is_responsive():
    long = "Samtgemeinde Sehr-Lange-Gemeindebezeichnung am Fluss"
    out = svg.figure_svg({"x": [1.0], "y": [long], "type": "bar"}, _layout())
    assert long not in out.split("<title>")[0] and "…" in out
    assert "Samtgemeinde Sehr-Lange-Gemeindebezeichnung am Fluss" in out  # full in tooltip
    assert re.match(r'<svg viewBox="0 0 540 \d+" width="100%"', out)


def test_ranking_props_of_the_explorer_become_bars():
    values = pd.Series([3.0, math.nan, 1.0, 2.0], index=["a", "b", "c", "d"])
    names = pd.Series(["Adorf", "Bestadt", "Cedorf", "Dehausen"], index=values.index)
    trace, layout = charts.ranking_props(values, names, label="Test", unit="Einw.",
                                         selected="d")
    out = svg.figure_svg(trace, layout)
    bars = _rects(out)
    assert len(bars) == 3
    labels = re.findall(r'class="kp-svg-ylabel"[^>]*><tspan[^>]*>([^<]*)<', out)
    assert labels == ["Adorf", "Dehausen", "Cedorf", "Bestadt"]
    assert bars[1].get("stroke-width") == "3"
    assert ">Median 2<" in out and "keine Angabe" in out


def test_long_labels_wrap_to_lines_and_get_room():
    label = "Erreichbares Angebot (E2SFCA): Heimatvereine und<br>Archive je 10.000 Einw."
    assert svg._label_lines(label, 40) == ["Erreichbares Angebot (E2SFCA):",
                                           "Heimatvereine und Archive je 10.000", "Einw."]
    assert svg._label_lines("a b<br>c d e f", 3, max_lines=2) == ["a b", "c…"]
    assert svg._label_lines("Sehr lange Gemeinde", 10) == ["Sehr lang…"]  # no <br>: one line
    trace = {"type": "bar", "x": [1.0, 2.0], "y": [label, "Kurz"]}
    out = svg.figure_svg(trace, _layout(height=60))  # far too low for three lines
    a, b = _rects(out)
    assert abs(float(b["y"]) - float(a["y"])) >= 3 * 10 * 1.2 + 6 - 0.1
