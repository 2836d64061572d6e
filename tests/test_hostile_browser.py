"""Issue 9 (stored XSS): hostile names in headless Chromium — no script runs, nothing injected.

A copy of the demo region whose municipality and facility names carry HTML/script payloads
(as a register, a user's list or OpenStreetMap could deliver them) is served by Voilà; each
dashboard is opened and the hostile municipality selected. No dialog may open, no injected
element may exist, and the names must show as text. The folium HTML export of the same names
is opened too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from browser_support import (
    BROWSER,
    PLOTLY_BARS,
    ROOT,
    SVG_BARS,
    Page,
    _assert_clean,
    _select,
    _serve,
    _wait_drawn,
)

pytestmark = BROWSER

MUNI = "<img src=x onerror=\"window.__xss=1;alert('muni')\">Adlergrund"
MUNI2 = "</script><script>window.__xss=2;alert('s')</script>Adlerwang"
FAC = "<img src=x onerror=\"window.__xss=3;alert('fac')\">Bücherei"
FAC2 = "</script><svg onload=\"window.__xss=4\">`${alert('tpl')}`"
INJECTED_JS = ("() => ({flag: window.__xss || null, "
               "img: document.querySelectorAll('img[src=\"x\"]').length, "
               "svg: document.querySelectorAll('svg[onload]').length})")


def _rename(path: Path, names: list[str]) -> None:
    """Give the first features of a region GeoJSON (one feature per line) hostile names."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for k, name in enumerate(names, start=1):
        comma = lines[k].endswith(",")
        feature = json.loads(lines[k].rstrip(","))
        feature["properties"]["name"] = name
        lines[k] = json.dumps(feature, ensure_ascii=False) + ("," if comma else "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regionen") / "feindlich"
    shutil.copytree(ROOT / "data" / "musterland", folder)
    _rename(folder / "municipalities.geojson", [MUNI, MUNI2])
    _rename(folder / "facilities.geojson", [FAC, FAC2])
    with _serve(tmp_path_factory.mktemp("cache"), folder, "voila_feindlich.log") as url:
        yield url


def _open(browser, url: str):
    p = Page(browser)
    dialogs: list[str] = []
    p.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p.page.goto(url, wait_until="commit", timeout=90_000)
    return p, dialogs


def _assert_nothing_ran(p: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert p.page.evaluate(INJECTED_JS) == {"flag": None, "img": 0, "svg": 0}


@pytest.mark.parametrize("dashboard", ["kreisuebersicht", "versorgungsluecken"])
def test_dashboards_show_hostile_names_as_text(hostile_url, browser, dashboard):
    p, dialogs = _open(browser, f"{hostile_url}/voila/render/{dashboard}.ipynb")
    try:
        _wait_drawn(p.page, bars=SVG_BARS if dashboard == "kreisuebersicht" else PLOTLY_BARS)
        p.page.wait_for_timeout(1000)
        _assert_nothing_ran(p, dialogs)
        if dashboard == "kreisuebersicht":
            for name in (MUNI, MUNI2):  # the profile note names the municipality
                _select(p.page, "Gemeinde", name)
                p.page.wait_for_function(
                    "(n) => document.querySelector('.kp-note') && "
                    "document.querySelector('.kp-note').textContent.includes(n)",
                    arg=name[-10:], timeout=30_000)
                p.page.wait_for_timeout(500)
                _assert_nothing_ran(p, dialogs)
                assert name in p.page.inner_text(".kp-note")
        # hovering every facility marker shows its tooltip as text
        for path in p.page.query_selector_all(".leaflet-overlay-pane path")[:60]:
            try:
                path.hover(timeout=500)
            except Exception:
                continue
        _assert_nothing_ran(p, dialogs)
        _assert_clean(p)
    finally:
        p.close()


def test_bedarfsanalyse_shows_hostile_names_as_text(hostile_url, browser):
    p, dialogs = _open(browser, f"{hostile_url}/voila/render/bedarfsanalyse.ipynb")
    try:
        p.page.wait_for_selector(".kp-heat", timeout=120_000)
        p.page.wait_for_timeout(1000)
        _assert_nothing_ran(p, dialogs)
        assert MUNI in p.page.inner_text("body")
        _assert_clean(p)
    finally:
        p.close()


def test_folium_export_runs_no_script(browser, tmp_path):
    from kulturplan import io as kio
    from kulturplan.indicators import compute
    from kulturplan.viz import map_spec
    from kulturplan.viz.folium_map import folium_map, save_html

    folder = tmp_path / "feindlich"
    shutil.copytree(ROOT / "data" / "musterland", folder)
    _rename(folder / "municipalities.geojson", [MUNI, MUNI2])
    _rename(folder / "facilities.geojson", [FAC, FAC2])
    region = kio.read_region(folder)
    table = compute(region, ["einrichtungen_gesamt_je_10000"])
    spec = map_spec(region, table["einrichtungen_gesamt_je_10000"], title="Einrichtungen",
                    unit="je 10.000 Einw.", higher_is_better=True, categories=None)
    path = tmp_path / "karte.html"
    save_html(folium_map(spec), str(path))
    p = Page(browser)
    dialogs: list[str] = []
    p.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        p.page.set_content(path.read_text(encoding="utf-8"))
        p.page.wait_for_selector(".leaflet-interactive", timeout=30_000)
        for el in p.page.query_selector_all(".leaflet-interactive")[:80]:
            try:
                el.hover(timeout=500)
            except Exception:
                continue
        _assert_nothing_ran(p, dialogs)
        assert p.errors == [], p.errors  # a name with </script> no longer breaks the map
        n = p.page.evaluate("() => document.querySelectorAll('.leaflet-interactive').length")
        assert n >= len(region.municipalities)
    finally:
        p.close()
