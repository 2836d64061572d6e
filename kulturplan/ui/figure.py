"""FigureView: a plotly figure shown through plotly's JupyterLab mime renderer.

``go.FigureWidget`` (anywidget) sends plotly's whole JavaScript bundle (about 5 MB) with
every figure instance, which made the first render of a dashboard slow. The
``jupyterlab-plotly`` extension shipped with plotly is loaded by Voilà from the local
server once (no CDN) and draws ``application/vnd.plotly.v1+json`` outputs; a
``FigureView`` keeps the ``go.Figure`` in Python, updates its data in place and redraws
only this output (a few kB of JSON).
"""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go
from IPython.display import display
from plotly.io import to_json

from kulturplan.viz import charts

MIMETYPE = "application/vnd.plotly.v1+json"
CONFIG: dict[str, Any] = {"displayModeBar": False, "responsive": True, "locale": "de"}


def mimebundle(fig: go.Figure) -> dict[str, Any]:
    """The mime bundle plotly's renderer expects (JSON-clean figure plus config)."""
    data = json.loads(to_json(fig, validate=False, remove_uids=False))
    data["config"] = dict(CONFIG)
    return {MIMETYPE: data, "text/plain": "Diagramm"}


class FigureView(w.Output):
    """Output widget showing one plotly figure; :meth:`update` changes it in place.

    Attributes
    ----------
    figure
        The ``go.Figure`` shown (tests read its data).
    renders
        Number of times the figure was sent to the browser.
    """

    def __init__(self, figure: go.Figure | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.figure = figure if figure is not None else go.Figure(
            data=[go.Bar()], layout=charts.BASE_LAYOUT
        )
        self.renders = 0
        self.redraw()

    def update(self, trace: dict[str, Any], layout: dict[str, Any]) -> None:
        """Apply new trace and layout properties and redraw."""
        charts.apply_props(self.figure, trace, layout)
        self.redraw()

    def redraw(self) -> None:
        self.clear_output(wait=True)
        with self:
            display(mimebundle(self.figure), raw=True)
        self.renders += 1
