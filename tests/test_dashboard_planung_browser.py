"""The Planungswerkstatt in a real browser (Voilà + headless Chromium, network blocked).

Adds a site by clicking into the map, computes a proposal ("Vorschlag berechnen") and
checks that the before/after key figures change; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import time

from browser_support import (
    ARTIFACTS,
    BROWSER,
    POINT_IN_PATH_JS,
    Page,
    _assert_clean,
    _log,
    _municipality_paths,
    _screenshot,
    _settled,
    _wait_for,
)

pytestmark = BROWSER

DRAWN_JS = (
    "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0"
    " && document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
    " && document.querySelectorAll('.kp-card .kp-num').length >= 4"
)


MARKER_POINT_JS = """() => {
    const dots = Array.from(document.querySelectorAll(
        '.leaflet-kpFacilities-pane path.leaflet-interactive'))
        .filter(e => e.getAttribute('stroke') === '#ffffff');
    for (const el of dots) {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (document.elementFromPoint(x, y) === el) return [x, y];
    }
    return null; }"""


def _cards(page) -> list[str]:
    return page.eval_on_selector_all(".kp-card .kp-num", "els => els.map(e => e.textContent)")


def test_planungswerkstatt_click_and_proposal(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/planungswerkstatt.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_for(page, DRAWN_JS, 90_000, "Karte, Diagramm oder Kennzahlen")
        _log(f"Planungswerkstatt: erste Darstellung {time.monotonic() - t0:.1f} s; "
             f"Websocket {p.ws_bytes / 1e3:.0f} kB")
        cards0 = _settled(page, lambda: _cards(page))
        assert cards0 == ["128.321", "128.321", "0", "10 → 10"]
        body = page.inner_text("body")
        for text in ("Planungswerkstatt – Landkreis Musterland", "Vorschlag berechnen",
                     "möglichst viele Menschen in Reichweite", "möglichst kurze Wege",
                     "Ein Klick in die Karte setzt einen neuen Standort"):
            assert text in body
        _assert_clean(p)
        _screenshot(page, "planungswerkstatt.png")

        # a click into a municipality adds a new Musikschule there
        paths = _municipality_paths(page)
        target = next(i for i, d in enumerate(paths) if not d["marker"])
        xy = page.evaluate(POINT_IN_PATH_JS, target)
        assert xy, "kein freier Punkt in der Gemeindefläche"
        t1 = time.monotonic()
        page.mouse.click(*xy)
        page.wait_for_function("() => document.body.innerText.includes('Neuer Standort 1')",
                               timeout=30_000)
        cards1 = _settled(page, lambda: _cards(page), differs_from=cards0)
        _log(f"Planungswerkstatt: Klick bis neue Kennzahlen {time.monotonic() - t1:.2f} s")
        assert cards1[0] == cards0[0] and cards1[3] == "10 → 11"
        assert int(cards1[1].replace(".", "")) >= 128_321
        assert "Musikschule neu: Neuer Standort 1" in page.inner_text("body")

        # a click on an existing Musikschule (white-rimmed marker) takes it out
        xy = page.evaluate(MARKER_POINT_JS)
        assert xy, "kein frei anklickbarer Musikschul-Punkt"
        page.mouse.click(*xy)
        page.wait_for_function("() => document.body.innerText.includes('Entfernt: ')",
                               timeout=30_000)
        cards_removed = _settled(page, lambda: _cards(page), differs_from=cards1)
        assert cards_removed[3] == "10 → 10"
        assert int(cards_removed[2].replace(".", "").replace("+", "")) < int(
            cards1[2].replace(".", "").replace("+", ""))
        n_dashed = page.evaluate(
            "() => document.querySelectorAll('.leaflet-kpFacilities-pane path"
            "[stroke-dasharray]').length")
        assert n_dashed == 1  # the removed one, drawn as a dashed circle
        _assert_clean(p)
        _screenshot(page, "planungswerkstatt_klick.png")

        # back to today, then let the solver propose two branches
        page.get_by_text("Alles zurücksetzen").click()
        _settled(page, lambda: _cards(page), differs_from=cards_removed)
        t2 = time.monotonic()
        page.get_by_text("Vorschlag berechnen", exact=True).last.click()
        page.wait_for_function(
            "() => document.body.innerText.includes('nachweislich die beste Lösung')",
            timeout=60_000)
        cards2 = _settled(page, lambda: _cards(page), differs_from=cards0)
        _log(f"Planungswerkstatt: Vorschlag (k=2, MCLP) {time.monotonic() - t2:.2f} s")
        assert cards2 == ["128.321", "139.827", "+11.506", "10 → 12"]
        body = page.inner_text("body")
        assert "Bürgerhaus Eulenhofen" in body and "Bürgerhaus Wolfshausen" in body
        n_new = page.evaluate(
            "() => document.querySelectorAll('.leaflet-kpFacilities-pane path').length")
        assert n_new >= 12  # 10 existing + 2 proposed markers
        _assert_clean(p)
        _screenshot(page, "planungswerkstatt_vorschlag.png")
        # keep it under a name: the comparison table shows today and the kept scenario
        page.get_by_placeholder("z. B. Zwei Zweigstellen Süd").fill("Zwei Zweigstellen")
        page.get_by_text("Szenario behalten").click()
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.kp-table th'))"
            ".some(th => th.textContent === 'Zwei Zweigstellen')", timeout=30_000)
        row = page.evaluate(
            "() => Array.from(document.querySelectorAll('.kp-table tr')).map(r => r.innerText)"
            ".find(t => t.startsWith('Einw. in Reichweite'))")
        assert row.split("\t")[1:3] == ["128.321", "139.827"]
        _screenshot(page, "planungswerkstatt_vergleich.png")
        page.get_by_text("Vergleich als Excel erstellen").click()
        page.wait_for_function(  # the link holds the .xlsx as a data URI
            "() => document.body.innerText.includes('Vergleich als Excel herunterladen')",
            timeout=60_000)
        with page.expect_download(timeout=15_000) as info:
            page.get_by_text("Vergleich als Excel herunterladen").click()
        download = info.value
        assert download.suggested_filename == "planungswerkstatt_musikschule_20min.xlsx"
        target = ARTIFACTS / download.suggested_filename
        download.save_as(str(target))
        assert target.read_bytes()[:2] == b"PK"
    finally:
        p.close()


def test_planungswerkstatt_real_kreis_without_facilities(voila_mittelsachsen, browser):
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_mittelsachsen + "/voila/render/planungswerkstatt.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_for(page, DRAWN_JS, 90_000, "Karte, Diagramm oder Kennzahlen")
        text = _settled(page, lambda: page.inner_text("body"))
        assert "Planungswerkstatt – Landkreis Mittelsachsen" in text
        assert "noch keine Einrichtung erfasst" in text
        assert _cards(page) == ["–", "0", "0", "0 → 0"]
        assert "keine Veranstaltungsräume" in text and "100,0 %" not in text
        assert "© GeoBasis-DE / BKG 2021" in text
        _assert_clean(p)
        _screenshot(page, "planungswerkstatt_mittelsachsen.png")
    finally:
        p.close()
