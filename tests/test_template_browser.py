"""The dashboards' Voilà template in a real browser, with a notebook of the test's own.

Serves a folder with one small notebook through Voilà with the repository's configuration
(``voila.json``, the kulturplan template) and looks at what the page does in Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path

from browser_support import BROWSER, Page, _assert_clean, _serve, _wait_for
from jupyter_core.paths import jupyter_path

pytestmark = BROWSER

TEXTS_NB = {
    "cells": [{
        "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
        "source": (
            "import ipywidgets as w\n"
            "w.VBox([w.Label('Eintritt $5 bis $8'),\n"
            "        w.Dropdown(options=['a'], description='Preis $x^2$'),\n"
            "        w.HTML('<b class=\"kp-probe\">fertig</b>')])"
        ),
    }],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"},
                 "title": "Probe – Kulturplan"},
    "nbformat": 4, "nbformat_minor": 5,
}


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
    chunks = [u.rsplit("/", 1)[1] for u in requested if "/voila/static/" in u]
    assert len(chunks) > 20  # Voilà's own front end was loaded
    # MathJax 3's output module (its class AbstractOutputJax) is in none of them
    assert not [c for c in chunks
                if "AbstractOutputJax" in _voila_static(c).read_text(encoding="utf-8")]
