"""Browser-test support: Voilà on a free port, headless Debian Chromium with external
requests blocked, waiting helpers and screenshots (used by every ``test_dashboard*`` file).

The fixtures ``voila_url``, ``browser`` and ``voila_mittelsachsen`` are exported to all
tests through ``conftest.py``."""

from __future__ import annotations

import contextlib
import json
import os
import re
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
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium fehlt (CI installiert es mit apt: .ci/run)",
    ),
]
"""Marks of every browser test module: ``pytestmark = BROWSER``."""

FORBIDDEN_TEXT = (
    "Traceback",
    "There was an error",
    "Make this Notebook Trusted",
    "Trust Notebook",
    "konnten nicht geladen werden",
    "Exception",
    "Error:",
)



TEMPLATE = ROOT / "share" / "jupyter" / "voila" / "templates" / "kulturplan"


def template_env() -> dict[str, str]:
    """``JUPYTER_PATH`` pointing at this checkout's template, only when the environment's
    installed template (a link made by ``make install``) belongs to another checkout — e.g.
    a git worktree using the main checkout's virtual env. Otherwise nothing: Voilà finds
    the template without JUPYTER_PATH, as a user starts it."""
    voila = ROOT / ".venv" / "bin" / "voila"
    prefix = voila.parents[1] if voila.exists() else Path(sys.prefix)
    installed = prefix / "share" / "jupyter" / "voila" / "templates" / "kulturplan"
    if installed.exists() and installed.resolve() == TEMPLATE.resolve():
        return {}
    return {"JUPYTER_PATH": str(ROOT / "share" / "jupyter")}


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


def stop_process(proc: subprocess.Popen) -> None:
    """End a server started by a test: terminate, after 15 s kill."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def probe_notebook(*sources: str, title: str = "Probe") -> dict:
    """A notebook of code cells ``sources`` for a probe page served with the dashboards'
    template and configuration (``_serve(folder=...)``); like the dashboards it loads no
    plotly.js (metadata ``"kulturplan": {"plotly": false}``)."""
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                   "outputs": [], "source": source} for source in sources],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"},
                     "title": f"{title} – Kulturplan", "kulturplan": {"plotly": False}},
        "nbformat": 4, "nbformat_minor": 5,
    }


def _log(line: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "dashboard_timings.log", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    sys.stdout.write(line + "\n")


TEST_POOLS = json.dumps({"default": {"pool_size": 0}, "kreisuebersicht.ipynb": {"pool_size": 1}})
"""Preheated kernels of a test server: one for the Kreisübersicht (its pages come from the
pool, as with ``make start``), none for the other dashboards (their pages start a kernel,
as when a pool is used up). ``voila.json``'s 14 made every test server start 14 kernels,
two servers at a time (module fixtures overlap): the browser tests took four times as long.
``tests/test_serve.py`` starts a server with ``voila.json`` as it is."""


@contextlib.contextmanager
def _serve(cache: Path, region: Path | None = None, log_name: str | None = None,
           folder: Path | None = None):
    """Voilà serving dashboards/ (or ``folder``) with the repository's configuration.

    ``cache`` is a fresh indicator cache folder (first renders are measured cold, as
    after a fresh clone); ``region`` is passed as ``KULTURPLAN_REGION``.
    """
    port = _free_port()
    env = dict(os.environ)
    # as a user starts it: `voila dashboards/` in the project's environment, no JUPYTER_PATH
    # (the template is installed into the environment; issue 8, defect 3)
    env.pop("JUPYTER_PATH", None)
    env.update(template_env())
    env["KULTURPLAN_CACHE_DIR"] = str(cache)
    env.pop("KULTURPLAN_REGION", None)
    if region is not None:
        env["KULTURPLAN_REGION"] = str(region)
    ARTIFACTS.mkdir(exist_ok=True)
    # one log per server (a later server must not overwrite the log of a failed test)
    name = log_name or f"voila_{'demo' if region is None else region.name}_{port}.log"
    log = open(ARTIFACTS / name, "w", encoding="utf-8")  # noqa: SIM115
    voila = ROOT / ".venv" / "bin" / "voila"
    cmd = [str(voila) if voila.exists() else "voila", f"--port={port}", "--no-browser",
           "--Voila.ip=127.0.0.1", f"--VoilaKernelManager.kernel_pools_config={TEST_POOLS}",
           str(folder) if folder is not None else "dashboards/"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(port, proc)
        what = "Demo" if region is None else region.name
        _log(f"[{time.strftime('%Y-%m-%d %H:%M')}] Voilà ({what}) bereit nach "
             f"{time.monotonic() - t0:.1f} s (Port {port})")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)
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
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.ws_bytes = 0
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("websocket", self._on_ws)

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
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
        # as a browser tab is closed: the page's unload handler shuts its kernel down
        self.page.close(run_before_unload=True)
        self.context.close()


def _wait_for(page, js: str, timeout: float, what: str) -> None:
    """``page.wait_for_function``; on a timeout it saves a screenshot and the page text to
    the artifacts folder and names what was missing (for diagnosing CI runs). No reload:
    a page that hangs is a failure (issue 16; the cause was a lost wake-up of a kernel
    channel, fixed in :class:`kulturplan.serve.SlicedChannel`)."""
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


PLOTLY_BARS = ".js-plotly-plot .main-svg .trace.bars path"
"""Bars of a chart drawn by plotly.js (Versorgungslücken, Bedarfsanalyse, …)."""
SVG_BARS = ".kp-svg-chart svg rect.kp-bar"
"""Bars of a chart drawn as SVG on the server (the Kreisübersicht's ranking and profile)."""


def _wait_drawn(page, timeout: float = 90_000, *, bars: str = PLOTLY_BARS) -> None:
    """Wait for the map polygons and the bars of a chart (``bars``: :data:`PLOTLY_BARS` or
    :data:`SVG_BARS`)."""
    _wait_for(
        page,
        "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0"
        f" && document.querySelectorAll('{bars}').length > 0",
        timeout, "Karte oder Balkendiagramm",
    )


def _fills(page) -> list[str]:
    return page.eval_on_selector_all(
        ".leaflet-container .leaflet-overlay-pane path.leaflet-interactive",
        "els => els.map(e => e.getAttribute('fill'))",
    )


LABELS_JS = """(sel) => { const p = document.querySelector(sel + ' .js-plotly-plot')
        || document.querySelector(sel + '.kp-svg-chart svg');
    if (!p) return [];
    return Array.from(p.querySelectorAll('.ytick text, .kp-svg-ylabel'))
        .map(t => t.textContent); }"""
"""Category labels of a bar chart (plotly or SVG) inside the widget matching ``sel``."""


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
    single = single_chunk_requests(p.requests)
    assert single == [], (
        "Skriptteile einzeln geladen statt aus kp-chunks.js (in "
        f"{TEMPLATE / 'kp-chunks.json'} eintragen, dann make install): {single}")


def single_chunk_requests(urls: list[str]) -> list[str]:
    """The requested chunk files of the builds bundled in ``kp-chunks.js`` (Voilà and the
    extensions of ``kp-chunks.json``, see :mod:`kulturplan.frontend`): none when the
    bundle holds every chunk a page needs."""
    spec = json.loads((TEMPLATE / "kp-chunks.json").read_text(encoding="utf-8"))
    builds = "|".join(re.escape(name) for name in spec["labextensions"])
    chunk = re.compile(rf"/voila/(?:static/\d+\.voila\.js|labextensions/(?:{builds})/static/"
                       r"\d+\.[0-9a-f]+\.js)$")
    paths = (urlparse(url).path for url in urls)
    return [path for path in paths if chunk.search(path)]


def _select(page, label: str, option_label: str) -> None:
    box = page.locator(".widget-dropdown", has=page.locator("label", has_text=label)).first
    box.locator("select").select_option(label=option_label)


def _screenshot(page, name: str, *, charts: bool = True) -> None:
    """Screenshot of the whole dashboard (``charts=False`` for pages without charts).

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
        " > 0" + (" && document.querySelectorAll('.js-plotly-plot .main-svg, "
                  ".kp-svg-chart svg').length > 0" if charts else ""),
        timeout=20_000,
    )
    _settled(page, lambda: page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot .main-svg, "
        ".kp-svg-chart svg, .leaflet-container path')).map(e => {"
        " const r = e.getBoundingClientRect();"
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


# -- a real region with road network and Zensus grid (issue 12) ----------------------------
OSM_EXTRACT = SHARED_DATA / "osm" / "north-bayreuth-2014.osm.pbf"
ZENSUS_GRID = SHARED_DATA / "zensus2022" / "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv"
PLACEHOLDER_LIBRARIES = ROOT / "tests" / "fixtures" / "sources" / (
    "platzhalter_bibliotheken_bayreuth.csv")


def build_bayreuth(folder: Path, cache: Path) -> subprocess.CompletedProcess:
    """Landkreis Bayreuth (09472) with ``--osm``/``--grid`` from the shared files and the
    placeholder libraries, built with the CLI (skips when the shared files are absent)."""
    if not all(p.exists() for p in (REGISTER, BOUNDARIES, OSM_EXTRACT, ZENSUS_GRID)):
        pytest.skip(f"Gemeinsame Daten (OSM-Auszug, Zensus-Gitter, amtliche Daten) fehlen "
                    f"unter {SHARED_DATA}")
    env = {**os.environ, "KULTURPLAN_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "kulturplan.cli", "build-region", "--ags", "09472",
         "--register", str(REGISTER), "--boundaries", str(BOUNDARIES),
         "--osm", str(OSM_EXTRACT), "--grid", str(ZENSUS_GRID),
         "--facilities", str(PLACEHOLDER_LIBRARIES), "--out", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr
    return done
