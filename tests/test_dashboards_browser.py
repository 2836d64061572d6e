"""The dashboards in a real browser: Voilà + headless Debian Chromium, network blocked.

Starts Voilà with the repository's configuration (``voila.json``, template in
``share/jupyter``) on a free port, opens each dashboard in ``/usr/bin/chromium`` through
Playwright, aborts every request that does not go to localhost (and asserts that none
was needed), waits until the Leaflet polygons and the plotly SVG are drawn, checks that
no error text, traceback or "Trust" notice shows, changes indicator and threshold and
checks that map and ranking change. Screenshots and measured timings go to
``test-artifacts/`` (timings are written, not asserted).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FORBIDDEN_TEXT = (
    "Traceback",
    "There was an error",
    "Make this Notebook Trusted",
    "Trust Notebook",
    "konnten nicht geladen werden",
    "Exception",
    "Error:",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium fehlt (CI installiert es mit apt: .ci/run)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"Voilà ist beendet (Code {proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"Voilà antwortet nicht auf Port {port}")


def _log(line: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "dashboard_timings.log", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    sys.stdout.write(line + "\n")


@contextlib.contextmanager
def _serve(cache: Path, region: Path | None = None, log_name: str = "voila.log"):
    """Voilà serving dashboards/ with the repository's configuration.

    ``cache`` is a fresh indicator cache folder (first renders are measured cold, as
    after a fresh clone); ``region`` is passed as ``KULTURPLAN_REGION``.
    """
    port = _free_port()
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(ROOT / "share" / "jupyter")
    env["KULTURPLAN_CACHE_DIR"] = str(cache)
    env.pop("KULTURPLAN_REGION", None)
    if region is not None:
        env["KULTURPLAN_REGION"] = str(region)
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w", encoding="utf-8")  # noqa: SIM115
    voila = ROOT / ".venv" / "bin" / "voila"
    cmd = [str(voila) if voila.exists() else "voila", f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1", "dashboards/"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, proc)
        what = "Demo" if region is None else region.name
        _log(f"[{time.strftime('%Y-%m-%d %H:%M')}] Voilà ({what}) bereit nach "
             f"{time.monotonic() - t0:.1f} s (Port {port})")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """Voilà with the demo district."""
    with _serve(tmp_path_factory.mktemp("cache")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Page:
    """A browser page with blocked external requests and websocket byte counting."""

    def __init__(self, browser, width: int = 1600, height: int = 1000) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           device_scale_factor=1, locale="de-DE")
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.ws_bytes = 0
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("websocket", self._on_ws)

    def _route(self, route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in (
            "localhost", "127.0.0.1"
        ):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _on_ws(self, ws) -> None:
        def count(payload) -> None:
            self.ws_bytes += len(payload) if payload else 0

        ws.on("framereceived", count)

    def close(self) -> None:
        self.context.close()


FIRST_TRY_MS = 45_000
"""Voilà 0.5 occasionally never finishes executing a freshly started kernel's cells
(voila-dashboards/voila#1428, open upstream; seen here in about 1 of 10 page loads on a
busy 2-core machine). A user reloads the page then; the tests do the same once, after
this long, and write it to the timings log so that it stays visible."""


def _wait_for(page, js: str, timeout: float, what: str) -> None:
    """``page.wait_for_function`` with one reload (see :data:`FIRST_TRY_MS`); on a second
    timeout it saves a screenshot and the page text to the artifacts folder and names
    what was missing (for diagnosing CI runs)."""
    try:
        page.wait_for_function(js, timeout=min(timeout, FIRST_TRY_MS))
        return
    except Exception:
        _log(f"{page.url}: {what} nach {min(timeout, FIRST_TRY_MS) / 1000:.0f} s nicht "
             "gezeichnet – Seite neu geladen (Voilà-Problem voila#1428)")
        page.reload(wait_until="commit", timeout=90_000)
    try:
        page.wait_for_function(js, timeout=timeout)
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        stamp = time.strftime("%H%M%S")
        shot = ARTIFACTS / f"zeitueberschreitung_{stamp}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
            text = page.inner_text("body")[:2000]
        except Exception as inner:  # the page itself may be gone
            text = f"(Seite nicht lesbar: {inner})"
        raise AssertionError(
            f"{what} nicht gezeichnet nach {timeout / 1000:.0f} s ({page.url}); "
            f"Bildschirmfoto: {shot}; Seitentext: {text!r}"
        ) from exc


def _wait_drawn(page, timeout: float = 90_000) -> None:
    _wait_for(
        page,
        "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0"
        " && document.querySelectorAll('.js-plotly-plot .main-svg .trace.bars path').length > 0",
        timeout, "Karte oder Balkendiagramm",
    )


def _fills(page) -> list[str]:
    return page.eval_on_selector_all(
        ".leaflet-container .leaflet-overlay-pane path.leaflet-interactive",
        "els => els.map(e => e.getAttribute('fill'))",
    )


LABELS_JS = """(sel) => { const p = document.querySelector(sel + ' .js-plotly-plot');
    if (!p) return [];
    return Array.from(p.querySelectorAll('.ytick text')).map(t => t.textContent); }"""


def _bar_labels(page, selector: str) -> list[str]:
    return page.evaluate(LABELS_JS, selector)


def _wait_labels_change(page, selector: str, old: list[str], timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([sel, old]) => { const l = (" + LABELS_JS + ")(sel);"
        " return l.length > 0 && JSON.stringify(l) !== old; }",
        arg=[selector, json.dumps(old)], timeout=timeout,
    )


def _settled(page, read, *, differs_from=None, timeout: float = 30.0, quiet: float = 0.9):
    """Poll ``read()`` until it stays unchanged for ``quiet`` seconds (and, if given,
    differs from ``differs_from``); return the settled value.

    Widget updates arrive in several messages (layer data, legend, figure redraw), so a
    single changed snapshot can be a transient state; the tests compare settled states.
    """
    end = time.monotonic() + timeout
    last, since = read(), time.monotonic()
    while time.monotonic() < end:
        page.wait_for_timeout(150)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
            continue
        if time.monotonic() - since >= quiet and now and (
            differs_from is None or now != differs_from
        ):
            return now
    raise AssertionError(f"Zustand nicht stabil/geändert nach {timeout} s: {str(last)[:200]}")


def _assert_clean(p: Page) -> None:
    text = p.page.inner_text("body")
    for bad in FORBIDDEN_TEXT:
        assert bad not in text, f"„{bad}“ steht auf der Seite"
    assert p.blocked == [], f"externe Anfragen: {p.blocked}"
    assert p.errors == [], f"JavaScript-Fehler: {p.errors}"


def _select(page, label: str, option_label: str) -> None:
    box = page.locator(".widget-dropdown", has=page.locator("label", has_text=label)).first
    box.locator("select").select_option(label=option_label)


def _screenshot(page, name: str) -> None:
    """Screenshot of the whole dashboard.

    Voilà scrolls inside ``#rendered_cells``, so ``full_page`` would only capture the
    viewport: the viewport is stretched to the dashboard's height for the shot.
    """
    size = page.viewport_size
    height = page.evaluate(
        "() => { const c = document.getElementById('rendered_cells');"
        " return Math.ceil(c ? c.scrollHeight : document.body.scrollHeight); }"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 24)})
    # plotly and Leaflet redraw after the resize: wait until the drawing is stable again
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length"
        " > 0 && document.querySelectorAll('.js-plotly-plot .main-svg').length > 0",
        timeout=20_000,
    )
    _settled(page, lambda: page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot .main-svg, "
        ".leaflet-container path')).map(e => { const r = e.getBoundingClientRect();"
        " return [Math.round(r.width), Math.round(r.height)]; })"
    ), quiet=0.6)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


POINT_IN_PATH_JS = """(idx) => {
    const paths = Array.from(document.querySelectorAll(
        '.leaflet-container .leaflet-overlay-pane path.leaflet-interactive'));
    const el = paths[idx];
    el.scrollIntoView({block: 'center'});
    const r = el.getBoundingClientRect();
    for (let fy = 0.5; fy < 0.95; fy += 0.05) for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7]) {
        const x = r.left + r.width * fx, y = r.top + r.height * fy;
        if (document.elementFromPoint(x, y) === el) return [x, y];
    }
    return null; }"""


def _municipality_paths(page) -> list[dict]:
    """Stroke and fill of every municipality polygon (the selected one is outlined)."""
    return page.eval_on_selector_all(
        ".leaflet-container .leaflet-overlay-pane path.leaflet-interactive",
        "els => els.map(e => ({stroke: e.getAttribute('stroke'),"
        " fill: e.getAttribute('fill'), marker: e.getAttribute('d').includes('a')}))",
    )


def _map_html_kb(page) -> float:
    """Size of the drawn map (Leaflet container markup: polygons, markers, legend)."""
    return page.evaluate(
        "() => new Blob([document.querySelector('.leaflet-container').outerHTML]).size"
    ) / 1e3


def _info_text(page) -> str:
    return page.inner_text(".kp-info")


def test_landing_page_lists_dashboards_in_german(voila_url, browser):
    p = Page(browser, 1280, 800)
    try:
        p.page.goto(voila_url + "/")
        p.page.wait_for_selector(".kp-title")
        titles = p.page.eval_on_selector_all(".kp-title", "els => els.map(e => e.textContent)")
        assert titles == ["Kreisübersicht", "Versorgungslücken"]
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
        _wait_drawn(page)
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
            "(old) => { const t = document.querySelector('.kp-profile .gtitle');"
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
        "() => { const t = document.querySelector('.kp-profile .gtitle');"
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


# -- a real Kreis -------------------------------------------------------------------------
SHARED_DATA = ROOT.parent / "shared" / "data"
REGISTER = SHARED_DATA / "destatis" / "AuszugGV4QAktuell_2020.csv"
BOUNDARIES = SHARED_DATA / "bkg-vg5000-2021" / "VG5000_GEM.shp"


@pytest.fixture(scope="module")
def voila_mittelsachsen(tmp_path_factory):
    """Voilà showing Landkreis Mittelsachsen, built from the shared official data with the
    CLI (no facility list: the dashboards must say so calmly)."""
    if not (REGISTER.exists() and BOUNDARIES.exists()):
        pytest.skip(f"Amtliche Daten fehlen unter {SHARED_DATA}")
    folder = tmp_path_factory.mktemp("regionen") / "mittelsachsen"
    cli = ROOT / ".venv" / "bin" / "kulturplan"
    done = subprocess.run(
        [str(cli) if cli.exists() else "kulturplan", "build-region", "--ags", "14522",
         "--register", str(REGISTER), "--boundaries", str(BOUNDARIES), "--out", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with _serve(tmp_path_factory.mktemp("cache"), folder, "voila_mittelsachsen.log") as url:
        yield url


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
        _wait_drawn(page)  # map polygons and the inhabitants chart's bars
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
