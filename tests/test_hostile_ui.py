"""Regression tests of issue 9 for dashboards and exports, without a browser.

Municipality and facility names are third-party text (registers, OpenStreetMap, users' lists):
every HTML the dashboards and the folium export build shows them as text, every spreadsheet
export keeps formula-like names as text. The same names are opened in headless Chromium in
``test_hostile_browser.py``.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace

import openpyxl
import pytest
from viz_fixtures import tiny_region, tiny_table

from kulturplan.ui import DashboardData, IndicatorExplorer
from kulturplan.ui.gaps import GapExplorer
from kulturplan.viz import charts
from kulturplan.viz.folium_map import folium_map, save_html, to_html
from kulturplan.viz.spec import map_spec

XSS_MUNI = "<img src=x onerror=alert('muni')>Adorf"
XSS_FAC = "</script><script>alert('fac')</script>`${alert('tpl')}`"
FORMULA = '=HYPERLINK("http://example.org";"klick")'


def hostile_region():
    region = tiny_region()
    muni = region.municipalities.copy()
    muni["name"] = [XSS_MUNI, FORMULA, "+SUM(1;2)", "Dehausen"]
    fac = region.facilities.copy()
    fac["name"] = [XSS_FAC, "<b onmouseover=alert(2)>Musikschule</b>", "@cmd", "Museum"]
    return replace(region, municipalities=muni, facilities=fac)


def _no_markup(html: str) -> None:
    assert "<img" not in html and "<script>alert" not in html and "<b onmouseover" not in html


def test_profile_note_and_table_show_names_as_text():
    data = DashboardData(hostile_region(), tiny_table())
    ex = IndicatorExplorer(data, ags="99001001")
    for html in (ex.profile_note.value, ex.table.value, ex.description.value):
        _no_markup(html)
    assert "&lt;img src=x onerror=alert(&#x27;muni&#x27;)&gt;Adorf" in ex.profile_note.value
    ex.municipality.value = "99001002"
    assert "=HYPERLINK(&quot;http://example.org&quot;" in ex.profile_note.value


def test_excel_download_keeps_formula_names_as_text():
    data = DashboardData(hostile_region(), tiny_table())
    gx = GapExplorer(data, category="bibliothek", threshold=5.0)
    link = re.search(r'href="data:[^;]+;base64,([^"]+)"', gx.download.value)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(link.group(1))))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + FORMULA in names and "'+SUM(1;2)" in names


def _folium_page():
    region, table = hostile_region(), tiny_table()
    meta = charts.indicator_meta("einrichtungen_gesamt_je_10000")
    spec = map_spec(region, table["einrichtungen_gesamt_je_10000"], title=meta["label"],
                    unit=meta["unit"], higher_is_better=True, categories=None)
    return folium_map(spec)


def test_folium_export_escapes_names_in_tooltips(tmp_path):
    fmap = _folium_page()
    page = to_html(fmap)
    assert "alert('fac')</script>" not in page and "<img src=x" not in page
    assert "${alert" not in page  # no interpolation inside folium's template literals
    # every <script> element is closed only by its own end tag
    assert page.count("<script") == page.count("</script>")
    path = tmp_path / "karte.html"
    save_html(fmap, str(path))
    assert path.stat().st_mode & 0o044  # shareable export, not 0600
    saved = path.read_text(encoding="utf-8")
    assert "&lt;img src=x" in saved and "<img src=x" not in saved


@pytest.mark.parametrize("name", [XSS_MUNI, XSS_FAC, FORMULA])
def test_html_text_is_the_one_escaping_place(name):
    from kulturplan._safe import html_text
    from kulturplan.viz.folium_map import tooltip_html

    assert "<" not in tooltip_html(name) and "`" not in tooltip_html(name)
    assert tooltip_html(name).startswith(html_text(name)[:3])
