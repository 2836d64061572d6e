"""The gap dashboard on road-network travel times, in headless Chromium (issue 12).

Landkreis Bayreuth is built with ``kulturplan build-region --osm … --grid …`` from the
shared files (OSM extract north of Bayreuth, Zensus 2022 1-km grid) plus three placeholder
libraries; Voilà serves ``versorgungsluecken.ipynb`` for it. The test switches
"Gemessen als" to "Auto" and checks that the inhabitants-beyond figure changes to the
value the library computes for the same region (:class:`kulturplan.ui.gaps.GapModel`).
"""

from __future__ import annotations

import pytest
from browser_support import (
    BROWSER,
    SVG_BARS,
    Page,
    _assert_clean,
    _log,
    _screenshot,
    _select,
    _serve,
    _settled,
    _wait_drawn,
    build_bayreuth,
)

from kulturplan._format import format_number
from kulturplan.io import read_region
from kulturplan.ui.gaps import GapModel

pytestmark = BROWSER


@pytest.fixture(scope="module")
def bayreuth(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regionen") / "bayreuth"
    cache = tmp_path_factory.mktemp("cache")
    build_bayreuth(folder, cache)
    with _serve(cache, folder, "voila_bayreuth.log") as url:
        yield url, folder, cache


def _expected(folder, cache, monkeypatch) -> tuple[str, str]:
    """Inhabitants beyond 10 km straight line and beyond 20 min by car, as the page shows."""
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(cache))
    model = GapModel(read_region(folder))
    line = model.table("bibliothek", 10.0, "km")["population_beyond"].sum()
    car = model.table("bibliothek", 20.0, "min", "car")["population_beyond"].sum()
    return format_number(line, 0), format_number(car, 0)


def test_gap_dashboard_switches_to_car(bayreuth, browser, monkeypatch):
    url, folder, cache = bayreuth
    line, car = _expected(folder, cache, monkeypatch)
    assert car == "25"  # see tests/test_fahrzeiten_realdata.py
    assert line != car
    p = Page(browser)
    page = p.page
    try:
        page.goto(url + "/voila/render/versorgungsluecken.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page)
        _assert_clean(p)

        def figure() -> str:
            return page.inner_text(".kp-cards .kp-card .kp-num >> nth=0")

        assert _settled(page, figure) == line
        body = page.inner_text("body")
        assert "Gemessen als" in body
        assert "Einwohner:innen nach dem Zensus-2022-Gitter" in body
        assert "im Median 1,63-mal so lange wie die Luftlinien-Schätzung" in body
        _screenshot(page, "fahrzeiten_luftlinie.png")

        page.locator(".kp-modes button", has_text="Auto").click()
        assert _settled(page, figure, differs_from=line, timeout=60) == car
        body = page.inner_text("body")
        assert "weiter als 20 Minuten mit dem Auto von „Bibliothek“" in body
        assert "6,5 % der Einwohner:innen wohnen in Gitterzellen" in body
        assert "Minuten (Auto, Straßennetz)" in body
        # the share refers to the inhabitants counted, with their source; fixed classes
        assert "Anteil an 6.976 Einw. am Straßennetz (Zensus-Gitter 2022)" in body
        assert "50 % und mehr" in body and "nicht gezählt (kein Straßennetz" in body
        _assert_clean(p)
        _screenshot(page, "fahrzeiten_auto.png")
        _log(f"Fahrzeiten-Dashboard (Landkreis Bayreuth): Luftlinie 10 km {line}, "
             f"Auto 20 min {car} Einwohner:innen außerhalb")
    finally:
        p.close()



def test_kreisuebersicht_says_road_network(bayreuth, browser):
    """The Kreisübersicht of the real region labels the minute indicators "Straßennetz"."""
    url, _, _ = bayreuth
    label = "Anteil Einw. bis 15 Min. entfernt (Auto, Straßennetz OSM): Bibliothek"
    p = Page(browser)
    page = p.page
    try:
        page.goto(url + "/voila/render/kreisuebersicht.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page, bars=SVG_BARS)
        _assert_clean(p)
        _select(page, "Indikator", label)
        _settled(page, lambda: page.inner_text(".kp-ranking"), timeout=60)
        body = page.inner_text("body")
        assert body.count(label) >= 2  # description and ranking title (and map legend)
        assert "geschätzt aus Luftlinie" not in body
        _assert_clean(p)
        _screenshot(page, "kreisuebersicht_bayreuth_strassennetz.png")
    finally:
        p.close()
