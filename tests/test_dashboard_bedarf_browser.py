"""The Bedarfsanalyse dashboard in a real browser (Voilà + headless Chromium, network blocked).

Checks the map (coloured where enough answered, grey with „zu wenige Antworten“ where
not), the barrier chart, the needs-against-supply heat table and its today/projection
switch, the Excel download, and that no share is shown below the minimum number of
answers. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import time

import pytest
from browser_support import (
    BROWSER,
    Page,
    _assert_clean,
    _fills,
    _log,
    _screenshot,
    _select,
    _settled,
    _wait_drawn,
)

from kulturplan.viz.prepare import NAN_COLOUR

pytestmark = BROWSER


def _sat_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        ".kp-sattable tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))",
    )


def _heat(page) -> list[str]:
    return page.eval_on_selector_all(".kp-heattable td.kp-heat",
                                     "els => els.map(e => e.textContent + '|' + e.className)")


@pytest.fixture(scope="module")
def model():
    from kulturplan.demo import musterland
    from kulturplan.ui.needs import NeedsModel, _model_kwargs

    region = musterland()
    return NeedsModel(region, **_model_kwargs(region, "demo", {}))


def test_bedarfsanalyse_renders_and_reacts(voila_url, browser, model):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/bedarfsanalyse.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page)
        page.wait_for_selector(".kp-heattable", timeout=30_000)
        _log(f"Bedarfsanalyse: erste Darstellung {time.monotonic() - t0:.1f} s")
        body = page.inner_text("body")
        for text in ("Bedarfsanalyse – Landkreis Musterland", "Wer hat geantwortet?",
                     "Designeffekt", "Zufriedenheit mit dem Angebot am Wohnort",
                     "Was hält vom Besuch ab?", "Bedarf und Angebot", "Datenquellen"):
            assert text in body, text
        # key figures as computed by the model
        assert "1,53" in page.inner_text(".kp-cards")
        assert "800" in page.inner_text(".kp-cards")
        _assert_clean(p)

        # map: grey exactly where fewer than the minimum answered
        sat = model.satisfaction("bibliothek")
        fills = _settled(page, lambda: _fills(page))
        polygons = fills[: len(sat)]
        assert sum(f == NAN_COLOUR for f in polygons) == int((~sat["shown"]).sum()) > 0
        assert len(set(polygons)) > 2
        # table: no share below the minimum n, "zu wenige Antworten" instead
        rows = _sat_rows(page)
        assert len(rows) == 24
        for name, n, unweighted, weighted, shown in rows:
            answers = int(n.replace(".", ""))
            if answers < model.min_n_area:
                assert "%" not in unweighted + weighted + shown, name
                assert shown == "zu wenige Antworten"
            if answers < model.min_n:  # no direct share below the minimum n
                assert unweighted == weighted == "–", name
            else:
                assert "%" in weighted and "%" in unweighted, name
        waldleben = next(r for r in rows if r[0] == "Waldleben")
        expected = f"{round(100 * sat.loc[sat['name'] == 'Waldleben', 'weighted'].iloc[0])} %"
        assert waldleben[3].startswith(expected)
        # heat table: 24 municipalities × 7 Sparten, gaps marked
        heat = _heat(page)
        assert len(heat) == 24 * 7
        assert any("kp-gap" in h for h in heat) and any("kp-above" in h for h in heat)
        _screenshot(page, "bedarfsanalyse.png")

        # another Sparte changes the map
        _select(page, "Sparte", "Kino")
        _settled(page, lambda: _fills(page), differs_from=fills)
        assert "zufrieden mit „Kino“" in page.inner_text(".leaflet-container")

        # today → projection year changes the heat table
        year = model.projection_year
        page.get_by_role("button", name=re.compile(f"Vorausberechnung {year}")).click()
        _settled(page, lambda: _heat(page), differs_from=heat)
        _assert_clean(p)
        _screenshot(page, "bedarfsanalyse_vorausberechnung.png")
        link = page.locator(".kp-download a")
        assert link.get_attribute("download") == "bedarfsanalyse.xlsx"
    finally:
        p.close()
