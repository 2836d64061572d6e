"""The dashboards' Voilà template in a real browser, with a notebook of the test's own.

Serves a folder with one small notebook through Voilà with the repository's configuration
(``voila.json``, the kulturplan template) and looks at what the page does in Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

from browser_support import (
    BROWSER,
    TEMPLATE,
    Page,
    _assert_clean,
    _serve,
    _wait_for,
    probe_notebook,
)
from jupyter_core.paths import jupyter_path

pytestmark = BROWSER

TEXTS_NB = probe_notebook(
    "import ipywidgets as w\n"
    "w.VBox([w.Label('Eintritt $5 bis $8'),\n"
    "        w.Dropdown(options=['a'], description='Preis $x^2$'),\n"
    "        w.HTML('<b class=\"kp-probe\">fertig</b>')])")


def _voila_static(name: str) -> Path:
    for folder in jupyter_path("voila", "templates", "base", "static"):
        if (Path(folder) / name).exists():
            return Path(folder) / name
    raise FileNotFoundError(name)


def test_dollar_signs_stay_text_and_no_mathjax_is_loaded(tmp_path, browser):
    """Widget texts are never typeset as TeX (before: Voilà's MathJax 3 turned the label
    "Eintritt $5 bis $8" into the formula "Eintritt 5bis8"), and the page loads none of
    MathJax's 16 files (~850 kB, 0,17–0,2 CPU-s per page in Chromium; issue 16)."""
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "probe.ipynb").write_text(json.dumps(TEXTS_NB), encoding="utf-8")
    with _serve(tmp_path / "cache", folder=folder, log_name="voila_template_probe.log") as url:
        p = Page(browser)
        requested: list[str] = []
        p.page.on("request", lambda r: requested.append(r.url.split("?")[0]))
        try:
            p.page.goto(url + "/voila/render/probe.ipynb")
            _wait_for(p.page, "() => document.querySelector('.kp-probe') !== null", 60_000,
                      "Probe-Seite")
            # a typesetter, once loaded, would have set the texts by now
            p.page.wait_for_function("() => window.MathJax !== undefined", timeout=20_000)
            p.page.wait_for_timeout(1000)
            texts = p.page.eval_on_selector_all(
                ".widget-label, .widget-label-basic", "els => els.map(e => e.textContent)")
            formulas = p.page.eval_on_selector_all(
                "mjx-container, .MathJax, .MathJax_Preview", "els => els.length")
            plugins = p.page.evaluate("() => window.jupyterapp.listPlugins()")
            _assert_clean(p)
        finally:
            p.close()
    assert "Eintritt $5 bis $8" in texts and "Preis $x^2$" in texts
    assert formulas == 0
    assert "@jupyterlab/mathjax2-extension:plugin" in plugins
    assert "@jupyterlab/mathjax-extension:plugin" not in plugins
    assert any(u.endswith("/voila/templates/kulturplan/static/kp-no-mathjax.js")
               for u in requested)
    # Voilà's own front end was loaded: voila.js and its chunks in one file
    # (kulturplan/frontend.py; a chunk requested on its own would fail _assert_clean)
    assert any(u.endswith("/voila/templates/kulturplan/static/kp-chunks.js") for u in requested)
    loaded = [_voila_static(u.rsplit("/", 1)[1]) for u in requested if "/voila/static/" in u]
    loaded.append(TEMPLATE / "static" / "kp-chunks.js")
    assert sum(path.stat().st_size for path in loaded) > 2e6
    # MathJax 3's output module (its class AbstractOutputJax) is in none of them
    assert not [path for path in loaded
                if "AbstractOutputJax" in path.read_text(encoding="utf-8")]


SLOW_NB = probe_notebook(
    "import ipywidgets as w\nw.HTML('<b class=\"kp-probe\">erster Teil</b>')",
    "import time\ntime.sleep(120)",
    title="Langsam")


def test_a_kernel_dying_while_the_page_executes_gets_the_notice_within_seconds(
        tmp_path, browser):
    """A kernel that dies during the execution: Voilà ends the page with its own short
    error text (partly English); the watch asks for the kernel 3 s after the end, not
    only every 20 s, so the calm German notice with its reload button follows at once."""
    import time

    from test_dashboard_kernel_browser import _kernel_id, _kill_kernel

    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "langsam.ipynb").write_text(json.dumps(SLOW_NB), encoding="utf-8")
    with _serve(tmp_path / "cache", folder=folder, log_name="voila_template_slow.log") as url:
        p = Page(browser)
        try:
            p.page.goto(url + "/voila/render/langsam.ipynb", wait_until="commit")
            _wait_for(p.page, "() => document.querySelector('script#jupyter-config-data')"
                      " !== null", 60_000, "Seitenkonfiguration")
            kernel_id = _kernel_id(p.page)
            p.page.wait_for_timeout(1500)  # the second cell runs
            _kill_kernel(kernel_id)
            t0 = time.monotonic()
            _wait_for(p.page, "() => document.querySelector('.kp-kernel-problem') !== null",
                      20_000, "Hinweis auf die beendete Berechnung")
            waited = time.monotonic() - t0
            text = p.page.inner_text(".kp-kernel-problem")
        finally:
            p.close()
    assert "Die Verbindung zur Berechnung wurde beendet" in text and "neu laden" in text
    assert waited < 12  # before: the first check after 20 s


def test_a_page_whose_stream_breaks_off_says_so_at_once(tmp_path, browser):
    """The server broke a page off after its first bytes (a pool kernel that had died was
    handed to it: "Cannot send error response after headers written"); the page stayed on
    "Berechnung läuft" until the 200-s stall timer. The document's end without Voilà's
    finish now shows the notice at once. Simulated: the page's HTML cut before its end."""
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "probe.ipynb").write_text(json.dumps(TEXTS_NB), encoding="utf-8")
    with _serve(tmp_path / "cache", folder=folder, log_name="voila_template_cut.log") as url:
        p = Page(browser)

        def cut(route) -> None:
            response = route.fetch()
            body = response.text()
            end = body.rfind("<script", 0, body.rfind("window.voila_finish();"))
            assert end > 0
            route.fulfill(response=response, body=body[:end])

        p.page.route("**/voila/render/probe.ipynb", cut)
        try:
            p.page.goto(url + "/voila/render/probe.ipynb")
            _wait_for(p.page, "() => document.querySelector('.kp-kernel-problem') !== null",
                      5_000, "Hinweis auf die abgebrochene Seite")
            text = p.page.inner_text(".kp-kernel-problem")
        finally:
            p.close()
    assert "Die Seite wurde nicht vollständig berechnet" in text and "neu laden" in text
