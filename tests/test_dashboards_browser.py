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


def _wait_drawn(page, timeout: float = 90_000) -> None:
    page.wait_for_function(
        """() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0
              && document.querySelectorAll('.js-plotly-plot .main-svg .trace.bars path').length > 0""",
        timeout=timeout,
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
        page.goto(voila_url + "/voila/render/kreisuebersicht.ipynb")
        _wait_drawn(page)
        first = time.monotonic() - t0
        html_bytes = len(page.content().encode("utf-8"))
        ws_first = p.ws_bytes
        _log(f"Kreisübersicht: erste Darstellung {first:.1f} s; Websocket {ws_first / 1e3:.0f} kB; "
             f"DOM {html_bytes / 1e3:.0f} kB")
        page.wait_for_timeout(500)
        assert "Kreisübersicht" in page.inner_text("body")
        assert "Datenquellen" in page.inner_text("body")
        _assert_clean(p)
        page.screenshot(path=str(ARTIFACTS / "kreisuebersicht.png"), full_page=True)

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
        page.screenshot(path=str(ARTIFACTS / "kreisuebersicht_indikator.png"), full_page=True)
    finally:
        p.close()


def test_versorgungsluecken_renders_and_reacts(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        t0 = time.monotonic()
        page.goto(voila_url + "/voila/render/versorgungsluecken.ipynb")
        _wait_drawn(page)
        first = time.monotonic() - t0
        _log(f"Versorgungslücken: erste Darstellung {first:.1f} s; Websocket "
             f"{p.ws_bytes / 1e3:.0f} kB")
        page.wait_for_timeout(500)
        _assert_clean(p)
        assert "Tabelle als Excel herunterladen" in page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "versorgungsluecken.png"), full_page=True)

        def n_points() -> int:
            return page.evaluate(
                "() => document.querySelectorAll('.leaflet-overlay-pane path').length"
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
        page.screenshot(path=str(ARTIFACTS / "versorgungsluecken_4km.png"), full_page=True)
    finally:
        p.close()
