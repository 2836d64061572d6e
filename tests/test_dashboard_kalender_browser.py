"""Veranstaltungskalender and Kostenteilung in a real browser (Voilà + headless Chromium).

The calendar: the heat strip of the demo feeds, the collisions with their reasons (the two
summer festivals next door), the switch of the collision window (the children's festivals on
Saturday and Sunday appear only with „am selben Wochenende“), the next weekend's list and
both downloads. The cost sharing: the table of every key against „allein“, the grouped bars,
the core check and the Excel download. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import time

from browser_support import (
    ARTIFACTS,
    BROWSER,
    Page,
    _assert_clean,
    _log,
    _select,
    _settled,
)

pytestmark = BROWSER


def _wait_plot(page, timeout: float = 90_000) -> None:
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0",
        timeout=timeout)


def _shot(page, name: str) -> None:
    """Whole dashboard (Voilà scrolls inside #rendered_cells: stretch the viewport)."""
    size = page.viewport_size
    height = page.evaluate(
        "() => { const c = document.getElementById('rendered_cells');"
        " return Math.ceil(c ? c.scrollHeight : document.body.scrollHeight); }")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 24)})
    _settled(page, lambda: page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot .main-svg')).map(e => {"
        " const r = e.getBoundingClientRect(); return [Math.round(r.width),"
        " Math.round(r.height)]; })"), quiet=0.6)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def _collisions(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        ".kp-collisions tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")


def test_veranstaltungskalender_renders_and_reacts(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/veranstaltungskalender.ipynb",
                  wait_until="commit", timeout=90_000)
        _wait_plot(page)
        page.wait_for_selector(".kp-collisions table", timeout=60_000)
        _log(f"Veranstaltungskalender: erste Darstellung {time.monotonic() - t0:.1f} s")
        body = page.inner_text("body")
        for text in ("Veranstaltungskalender – Landkreis Musterland", "5 Kalender · 139 Termine",
                     "Überschneidungen", "Am nächsten Wochenende", "Import der Kalender",
                     "Datenquellen"):
            assert text in body, text
        cards = page.inner_text(".kp-cards")
        assert "139" in cards and "doppelt gemeldete Termine erkannt" in cards
        # heat strip of July 2025: four municipalities (and the Kreis' events without one)
        assert "Termine je Tag und Gemeinde – Juli 2025" in page.inner_text(".kp-heat")
        rows = _collisions(page)
        festivals = [r for r in rows if r[0] == "Sommerfest Schwanenheim"]
        assert len(festivals) == 1 and festivals[0][3] == "Sommerfest Waldleben"
        assert festivals[0][6].startswith("gleichzeitig (9,0 Std. Überschneidung); 8,2 km")
        kids = [r for r in rows if r[0] == "Kinderfest Waldleben"]
        assert kids and kids[0][3] == "Kinderfest Kronenborn"
        assert kids[0][6].startswith("am selben Wochenende; 8,3 km entfernt")
        assert not any("Otterfeld" in r[0] + r[3] for r in rows if "Sommerfest" in r[0])
        weekend = page.inner_text(".kp-weekend")
        assert "Wochenende 12.07.–13.07.2025" in weekend and "Sommerfest Otterfeld" in weekend
        _assert_clean(p)
        _shot(page, "veranstaltungskalender.png")

        # same day instead of same weekend: the children's festivals (Sat/Sun) disappear
        page.get_by_role("button", name="am selben Tag").click()
        after = _settled(page, lambda: _collisions(page), differs_from=rows)
        assert not any(r[0] == "Kinderfest Waldleben" for r in after)
        assert any(r[0] == "Sommerfest Schwanenheim" for r in after)
        # a Sparte without collisions
        before = page.inner_text(".kp-collisions")  # read before the change, not after:
        _select(page, "Sparte", "Kinos")              # a quick update was missed otherwise
        _settled(page, lambda: page.inner_text(".kp-collisions"), differs_from=before)
        assert "Keine Überschneidungen" in page.inner_text(".kp-collisions")
        links = page.locator(".kp-download a")
        assert [links.nth(i).get_attribute("download") for i in range(links.count())] == [
            "kreiskalender.ics", "veranstaltungskalender.xlsx"]
        assert links.nth(0).get_attribute("href").startswith("data:text/calendar;base64,")
        _assert_clean(p)
        _shot(page, "veranstaltungskalender_kinos.png")
    finally:
        p.close()


def test_kostenteilung_renders(voila_url, browser):
    from kulturplan.demo import music_school_association, musterland
    from kulturplan.ui.costs import CostSharingModel

    model = CostSharingModel(music_school_association(musterland()))
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/kostenteilung.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_plot(page)
        page.wait_for_selector(".kp-costtable table", timeout=60_000)
        _log(f"Kostenteilung: erste Darstellung {time.monotonic() - t0:.1f} s")
        body = page.inner_text("body")
        for text in ("Kostenteilung – Landkreis Musterland", "Zweckverband Musikschule Waldleben",
                     "Anteile je Gemeinde", "Stünde eine Gemeinde allein besser da?",
                     "Die Schlüssel in einfachen Worten", "Shapley-Wert", "Nukleolus"):
            assert text in body, text
        rows = page.eval_on_selector_all(
            ".kp-costtable tbody tr",
            "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))")
        assert [r[0] for r in rows] == ["Waldleben", "Schwanenheim", "Kronenborn", "Weißhorst",
                                        "zusammen"]
        header = page.eval_on_selector_all(".kp-costtable th", "els => els.map(e => "
                                           "e.textContent)")
        shapley = header.index("Shapley-Wert")
        expected = f"{round(model.table['shapley'].iloc[0]):,} €".replace(",", ".")
        assert rows[0][shapley] == expected
        total = f"{round(model.total):,} €".replace(",", ".")
        assert rows[-1][shapley] == total and rows[-1][header.index("nach Nutzung")] == total
        core = page.inner_text(".kp-core")
        assert ("nach Einwohner:innen: 5 Gruppen stünden allein besser da, am deutlichsten "
                "Waldleben: 500.853 € statt 486.475 € allein") in core
        assert "Shapley-Wert: keine Gemeinde und keine Gruppe" in core
        bars = page.eval_on_selector_all(".js-plotly-plot .trace.bars", "els => els.length")
        assert bars == 6
        link = page.locator(".kp-download a")
        assert link.get_attribute("download") == "kostenteilung.xlsx"
        _assert_clean(p)
        _shot(page, "kostenteilung.png")
    finally:
        p.close()
