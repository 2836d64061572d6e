"""The Kooperation dashboard in a real browser (Voilà + headless Chromium, network blocked).

Checks the similar places (map classes and list as computed by the model), switching the
municipality and the map to the networks, the partner list per Sparte, the tabs with
duplicated offers, tandems and the Freiwilligenbörse (ids and municipalities only), and
the Excel downloads. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

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
    _wait_for,
)

from kulturplan.cooperation.networks import NETWORK_LABELS

pytestmark = BROWSER


@pytest.fixture(scope="module")
def model():
    from kulturplan.demo import musterland, volunteer_offers, volunteer_requests
    from kulturplan.ui.cooperation import CooperationModel

    region = musterland()
    return CooperationModel(region, offers=volunteer_offers(region),
                            requests=volunteer_requests(region))


def _rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent))",
    )


def _tab(page, title: str) -> None:
    page.locator(".lm-TabBar-tab, .p-TabBar-tab", has_text=title).first.click()


def test_kooperation_renders_and_reacts(voila_url, browser, model):
    from kulturplan.ui.cooperation import NETWORK_COLOURS, PARTNER_ROWS, SIMILAR_COLOURS

    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/kooperation.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_for(page, "() => document.querySelectorAll('.leaflet-container "
                  "path.leaflet-interactive').length > 0 && "
                  "document.querySelector('.kp-similartable table') !== null",
                  90_000, "Karte oder Liste ähnlicher Orte")
        _log(f"Kooperation: erste Darstellung {time.monotonic() - t0:.1f} s")
        body = page.inner_text("body")
        for text in ("Kooperation – Landkreis Musterland", "Orte wie dieser",
                     "Partner in der Nähe", "Netzwerk:", "Orte und Partner", "Netzwerke",
                     "Doppelte Angebote", "Best-Practice-Tandems", "Freiwilligenbörse",
                     "Datenquellen", "CIPFA"):
            assert text in body, text
        _assert_clean(p)

        # the largest municipality is chosen first; list and map as the model computes them
        start = model.names.index[model.region.municipalities["population"].argmax()]
        expected = model.similar_to(start)
        rows = _rows(page, ".kp-similartable")
        assert [r[1] for r in rows] == list(expected["name"])
        assert rows[0][2] == f"{expected['distance'].iloc[0]:.2f}".replace(".", ",")
        fills = _settled(page, lambda: _fills(page))[: len(model.names)]
        colours = list(SIMILAR_COLOURS.values())
        assert [fills.count(c) for c in colours] == [1, 3, 5, len(model.names) - 9]
        _screenshot(page, "kooperation.png", charts=False)

        # another municipality: its similar places
        _select(page, "Gemeinde", "Adlergrund")
        adlergrund = model.names.index[model.names == "Adlergrund"][0]
        names = list(model.similar_to(adlergrund)["name"])
        _settled(page, lambda: [r[1] for r in _rows(page, ".kp-similartable")],
                 differs_from=[r[1] for r in rows])
        assert [r[1] for r in _rows(page, ".kp-similartable")] == names
        assert "Adlergrund:" in page.inner_text("body")

        # the network map
        page.get_by_role("button", name="Netzwerke").click()
        net = _settled(page, lambda: _fills(page)[: len(model.names)], differs_from=fills)
        counts = model.typology["network_label"].value_counts()
        for key, label in NETWORK_LABELS.items():
            assert net.count(NETWORK_COLOURS[label]) == counts[label], key
        assert "Vorgeschlagenes Netzwerk" in page.inner_text(".leaflet-container")

        # partners per Sparte
        _select(page, "Sparte", "Musikschulen")
        partner_rows = _settled(page, lambda: _rows(page, ".kp-partnertable"))
        expected_p = model.partners_of(adlergrund, "musikschule")
        assert len(partner_rows) == min(PARTNER_ROWS, len(expected_p)) > 0
        assert {r[0] for r in partner_rows} == {"Musikschule"}
        assert partner_rows[0][4] == expected_p["reason"].iloc[0]
        _assert_clean(p)
        _screenshot(page, "kooperation_netzwerke.png", charts=False)

        # duplicated offers
        _tab(page, "Doppelte Angebote")
        page.wait_for_selector(".kp-duptable table", state="visible", timeout=15_000)
        dup = _rows(page, ".kp-duptable")
        assert len(dup) == len(model.duplicates)
        assert any("Sommerleseclub für Kinder" in r[0] + r[3] for r in dup)
        _screenshot(page, "kooperation_doppelungen.png", charts=False)

        # tandems
        _tab(page, "Best-Practice-Tandems")
        page.wait_for_selector(".kp-tandemtable table", state="visible", timeout=15_000)
        assert len(_rows(page, ".kp-tandemtable")) == len(model.tandems)

        # volunteer exchange: ids and municipalities only
        _tab(page, "Freiwilligenbörse")
        page.wait_for_selector(".kp-volunteertable table", state="visible", timeout=15_000)
        vol = _rows(page, ".kp-volunteertable")
        assert len(vol) == len(model.match.pairs)
        assert all(r[0].startswith("F") and r[2].startswith("G") for r in vol)
        text = page.inner_text("body")
        assert "@" not in text
        _assert_clean(p)
        _screenshot(page, "kooperation_freiwillige.png", charts=False)
        links = page.eval_on_selector_all(".kp-download a",
                                          "els => els.map(e => e.getAttribute('download'))")
        for name in ("kooperation_netzwerke.xlsx", "kooperation_doppelungen.xlsx",
                     "kooperation_tandems.xlsx", "kooperation_freiwilligenboerse.xlsx",
                     f"kooperation_aehnliche_orte_{adlergrund}.xlsx",
                     f"kooperation_partner_{adlergrund}.xlsx"):
            assert name in links, name
    finally:
        p.close()
