"""Voilà page configuration per dashboard: leave out plotly.js where no chart needs it.

Voilà loads every installed JupyterLab extension into every page; plotly's
``jupyterlab-plotly`` mime renderer brings plotly.js itself (a 4,8 MB chunk the browser
fetches, parses and starts on each page load) even when the page draws no plotly chart.
The Kreisübersicht draws its charts as SVG on the server (:mod:`kulturplan.viz.svg`), so
its pages can go without the extension (issue 16: browser CPU when many people open the
dashboard at once). :func:`page_config_hook` is Voilà's documented hook
(``VoilaConfiguration.page_config_hook``), called with the path of the notebook served.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

PLOTLY_EXTENSION = "jupyterlab-plotly"
"""Name of plotly's JupyterLab extension (``labextensions/jupyterlab-plotly``)."""

WITHOUT_PLOTLY: frozenset[str] = frozenset({"kreisuebersicht.ipynb"})
"""Dashboards whose charts are all SVG (:class:`kulturplan.ui.figure.FigureView` with
``renderer="svg"``); their pages load no plotly.js."""


def page_config_hook(page_config: dict[str, Any], *args: Any, notebook_path: str = "",
                     **kwargs: Any) -> dict[str, Any]:
    """``page_config`` without plotly's extension for the dashboards of :data:`WITHOUT_PLOTLY`.

    Other pages (and a page whose notebook is not known) keep every extension.
    """
    if PurePath(str(notebook_path)).name not in WITHOUT_PLOTLY:
        return page_config
    extensions = page_config.get("federated_extensions") or []
    return {**page_config, "federated_extensions": [
        e for e in extensions if e.get("name") != PLOTLY_EXTENSION]}
