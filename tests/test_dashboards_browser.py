"""The dashboards in a real browser: Voilà + headless Debian Chromium, network blocked.

Starts Voilà with the repository's configuration (``voila.json``, template in
``share/jupyter``) on a free port, opens each dashboard in ``/usr/bin/chromium`` through
Playwright, aborts every request that does not go to localhost (and asserts that none
was needed), waits until the Leaflet polygons and the charts (SVG or plotly) are drawn, checks that
no error text, traceback or "Trust" notice shows, changes indicator and threshold and
checks that map and ranking change. Screenshots and measured timings go to
``test-artifacts/`` (timings are written, not asserted).
"""

from __future__ import annotations

import time

from browser_support import (
    ARTIFACTS,
    BROWSER,
    POINT_IN_PATH_JS,
    ROOT,
    SVG_BARS,
    Page,
    _assert_clean,
    _bar_labels,
    _fills,
    _info_text,
    _log,
    _map_html_kb,
    _municipality_paths,
    _screenshot,
    _select,
    _settled,
    _wait_drawn,
    _wait_for,
    _wait_labels_change,
)
from test_landing_page import landing_entries

pytestmark = BROWSER


def test_landing_page_lists_dashboards_in_german(voila_url, browser):
    p = Page(browser, 1280, 800)
    try:
        p.page.goto(voila_url + "/")
        p.page.wait_for_selector(".kp-title")
        titles = p.page.eval_on_selector_all(".kp-title", "els => els.map(e => e.textContent)")
        texts = p.page.eval_on_selector_all(".kp-desc", "els => els.map(e => e.textContent)")
        # every dashboard of dashboards/ with its line of tree.html (test_landing_page.py)
        entries = landing_entries()
        names = sorted(f.name for f in (ROOT / "dashboards").glob("*.ipynb"))
        assert titles == [entries[n][0] for n in names]
        assert texts == [entries[n][1] for n in names]
        assert "Kreisübersicht" in titles
        assert p.page.title() == "Kulturplan – Dashboards"
        p.page.screenshot(path=str(ARTIFACTS / "startseite.png"))
        _assert_clean(p)
    finally:
        p.close()


def test_kreisuebersicht_renders_and_reacts(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/kreisuebersicht.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_drawn(page, bars=SVG_BARS)
        first = time.monotonic() - t0
        html_bytes = len(page.content().encode("utf-8"))
        ws_first = p.ws_bytes
        _log(f"Kreisübersicht: erste Darstellung {first:.1f} s; "
             f"Websocket {ws_first / 1e3:.0f} kB; DOM {html_bytes / 1e3:.0f} kB; "
             f"Karten-HTML {_map_html_kb(page):.0f} kB")
        page.wait_for_timeout(500)
        assert "Kreisübersicht" in page.inner_text("body")
        assert "Datenquellen" in page.inner_text("body")
        _assert_clean(p)
        _screenshot(page, "kreisuebersicht.png")

        def state():
            return _fills(page), _bar_labels(page, ".kp-ranking")

        fills0, labels0 = _settled(page, state)
        assert len(set(fills0)) > 1 and labels0
        ws0 = p.ws_bytes
        t1 = time.monotonic()
        _select(page, "Indikator", "Kulturvereine je 10.000 Einw.")
        _wait_labels_change(page, ".kp-ranking", labels0)
        change = time.monotonic() - t1
        _settled(page, state, differs_from=(fills0, labels0))
        _log(f"Kreisübersicht: Indikatorwechsel {change:.2f} s; Websocket "
             f"{(p.ws_bytes - ws0) / 1e3:.0f} kB")
        assert _fills(page) != fills0
        assert _bar_labels(page, ".kp-ranking") != labels0
        assert "Kulturvereine je 10.000 Einw." in page.inner_text("body")
        page.wait_for_timeout(400)
        _assert_clean(p)
        _screenshot(page, "kreisuebersicht_indikator.png")

        # clicking a municipality on the map shows its profile
        paths = _municipality_paths(page)
        target = next(i for i, d in enumerate(paths)
                      if not d["marker"] and d["stroke"] == "#ffffff")
        xy = page.evaluate(POINT_IN_PATH_JS, target)
        assert xy, "kein freier Punkt in der Gemeindefläche"
        page.mouse.move(*xy)
        page.wait_for_function("() => !document.querySelector('.kp-info')"
                               ".textContent.includes('Maus')", timeout=15_000)
        name = _settled(page, lambda: _info_text(page)).split(":")[0].strip()
        old_title = _profile_title(page)
        t2 = time.monotonic()
        page.mouse.click(*xy)
        page.wait_for_function(
            "(old) => { const t = document.querySelector('.kp-profile .kp-svg-title');"
            " return t && t.textContent !== old; }", arg=old_title, timeout=15_000,
        )
        _log(f"Kreisübersicht: Klick auf {name} bis Profil {time.monotonic() - t2:.2f} s")
        page.mouse.move(5, 5)  # no hover outline any more

        def picked():
            return (_selected_option(page, "Gemeinde"), _profile_title(page),
                    _municipality_paths(page)[target]["stroke"])

        chosen, title, stroke = _settled(page, picked)
        assert chosen == name
        assert title.startswith(f"Profil {name}")
        assert stroke == "#e8a33d"  # outlined on the map
        assert page.inner_text(".kp-table tr.kp-sel").split("\t")[1] == name
        _assert_clean(p)
        _screenshot(page, "kreisuebersicht_klick.png")
    finally:
        p.close()


def _selected_option(page, label: str) -> str:
    box = page.locator(".widget-dropdown", has=page.locator("label", has_text=label)).first
    return box.locator("select").evaluate("s => s.options[s.selectedIndex].text")


def _profile_title(page) -> str:
    return page.evaluate(
        "() => { const t = document.querySelector('.kp-profile .kp-svg-title');"
        " return t ? t.textContent : ''; }"
    )


def test_versorgungsluecken_renders_and_reacts(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/versorgungsluecken.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_drawn(page)
        first = time.monotonic() - t0
        _log(f"Versorgungslücken: erste Darstellung {first:.1f} s; Websocket "
             f"{p.ws_bytes / 1e3:.0f} kB; Karten-HTML {_map_html_kb(page):.0f} kB")
        page.wait_for_timeout(500)
        _assert_clean(p)
        assert "Tabelle als Excel herunterladen" in page.inner_text("body")
        _screenshot(page, "versorgungsluecken.png")

        def n_points() -> int:
            return page.evaluate(
                "() => document.querySelectorAll('.leaflet-kpPoints-pane path').length"
            )

        def state():
            return _fills(page), _bar_labels(page, ".kp-gapchart"), n_points()

        fills0, labels0, pts0 = _settled(page, state)
        ws0 = p.ws_bytes
        t1 = time.monotonic()
        readout = page.locator(".widget-slider .widget-readout").first
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type("4")
        page.keyboard.press("Enter")
        _wait_labels_change(page, ".kp-gapchart", labels0)
        change = time.monotonic() - t1
        _settled(page, state, differs_from=(fills0, labels0, pts0))
        _log(f"Versorgungslücken: Schwellenwechsel {change:.2f} s; Websocket "
             f"{(p.ws_bytes - ws0) / 1e3:.0f} kB")
        assert "weiter als 4 km Luftlinie" in page.inner_text("body")
        assert n_points() > pts0  # more inhabited cells beyond 4 km than beyond 10 km
        assert _fills(page) != fills0
        _assert_clean(p)
        _screenshot(page, "versorgungsluecken_4km.png")

        # the Excel download is a real .xlsx with the table shown
        shown = page.eval_on_selector_all(
            ".kp-gaptable .kp-table tbody tr", "rows => rows.map(r => r.cells[0].textContent)"
        )
        with page.expect_download(timeout=15_000) as info:
            page.get_by_text("Tabelle als Excel herunterladen").click()
        download = info.value
        assert download.suggested_filename == "versorgungsluecken_bibliothek_4km.xlsx"
        target = ARTIFACTS / download.suggested_filename
        download.save_as(str(target))
        assert target.read_bytes()[:2] == b"PK"  # a zip container, as .xlsx files are
        import openpyxl

        sheet = openpyxl.load_workbook(target, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].startswith("Versorgungslücken Landkreis Musterland: Bibliothek")
        assert rows[3] == ("AGS", "Gemeinde", "Einwohner:innen", "Einwohner:innen außerhalb",
                           "Anteil außerhalb (%)", "Mittlere Entfernung/Fahrzeit")
        data_rows = [r for r in rows[4:] if any(v is not None for v in r)]
        assert len(data_rows) == len(shown) > 0
        assert [r[1] for r in data_rows] == shown
        assert all(isinstance(r[3], (int, float)) and r[3] > 0 for r in data_rows)
    finally:
        p.close()


def _wait_map_and_chart(page, timeout: float = 90_000) -> None:
    _wait_for(
        page,
        "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive')"
        ".length > 0 && document.querySelectorAll('.js-plotly-plot .main-svg').length > 0",
        timeout, "Karte oder Diagramm",
    )


def test_real_kreis_dashboards_render_calmly_without_facilities(voila_mittelsachsen, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_mittelsachsen + "/voila/render/kreisuebersicht.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_drawn(page, bars=SVG_BARS)  # map polygons and the inhabitants chart's bars
        _log(f"Kreisübersicht (Mittelsachsen): erste Darstellung {time.monotonic() - t0:.1f} s;"
             f" Websocket {p.ws_bytes / 1e3:.0f} kB; Karten-HTML {_map_html_kb(page):.0f} kB")
        text = _settled(page, lambda: page.inner_text("body"))
        assert "Kreisübersicht – Landkreis Mittelsachsen" in text
        assert "53 Gemeinden" in text and "304.099" in text
        assert "noch keine Kultureinrichtungen" in text
        assert "Einwohner:innen je Gemeinde" in text
        assert "© GeoBasis-DE / BKG 2021" in text and "Destatis" in text
        assert "0,0 %" not in text  # no "0 % within reach" without any facility
        assert len(_fills(page)) == 53
        _assert_clean(p)
        _screenshot(page, "kreisuebersicht_mittelsachsen.png")
    finally:
        p.close()

    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_mittelsachsen + "/voila/render/versorgungsluecken.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_map_and_chart(page)
        _log(f"Versorgungslücken (Mittelsachsen): erste Darstellung "
             f"{time.monotonic() - t0:.1f} s; Websocket {p.ws_bytes / 1e3:.0f} kB; "
             f"Karten-HTML {_map_html_kb(page):.0f} kB")
        text = _settled(page, lambda: page.inner_text("body"))
        assert "Versorgungslücken – Landkreis Mittelsachsen" in text
        assert "noch keine Kultureinrichtungen erfasst" in text
        assert "keine Berechnung möglich" in text
        assert "100,0 %" not in text and "Tabelle als Excel herunterladen" not in text
        assert len(_fills(page)) == 53
        _assert_clean(p)
        _screenshot(page, "versorgungsluecken_mittelsachsen.png")
    finally:
        p.close()
