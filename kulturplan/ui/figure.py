"""FigureView: a plotly figure shown through plotly's JupyterLab mime renderer.

``go.FigureWidget`` (anywidget) sends plotly's whole JavaScript bundle (about 5 MB) with
every figure instance, which made the first render of a dashboard slow. The
``jupyterlab-plotly`` extension shipped with plotly is loaded by Voilà from the local
server once (no CDN) and draws ``application/vnd.plotly.v1+json`` outputs; a
``FigureView`` keeps the figure as plain trace/layout dicts (built by the ``*_props``
functions of :mod:`kulturplan.viz.charts`), replaces them in place and redraws only this
output (a few kB of JSON). Building a validated ``go.Figure`` for every update cost
about 0.1 s each; it is only built on demand (:attr:`FigureView.figure`).

With ``renderer="svg"`` the same dicts are drawn on the server as a static SVG
(:func:`kulturplan.viz.svg.figure_svg`) and shown as HTML: the browser draws no plotly
chart (issue 16: many people opening the Kreisübersicht at once made the browsers
CPU-bound). Voilà still loads plotly.js (4,8 MB) into every page through the
``jupyterlab-plotly`` extension, unless the dashboard's notebook metadata says
``"kulturplan": {"plotly": false}`` (all its charts SVG): the Voilà template then leaves
the extension out of that page (``share/jupyter/voila/templates/kulturplan/index.html.j2``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import ipywidgets as w
import traitlets as t
from ipywidgets.widgets.trait_types import TypedTuple

from kulturplan.errors import ParameterError
from kulturplan.viz import charts
from kulturplan.viz.svg import FIGURE_WIDTH, figure_svg

MIMETYPE = "application/vnd.plotly.v1+json"
RENDERERS = ("plotly", "svg")
"""How a :class:`FigureView` draws: plotly's mime renderer or server-side SVG."""
CONFIG: dict[str, Any] = {"displayModeBar": False, "responsive": True, "locale": "de"}


def json_clean(value: Any) -> Any:
    """``value`` with NaN/inf floats as ``None`` and numpy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return json_clean(value.item())
    if hasattr(value, "tolist"):  # numpy array
        return json_clean(value.tolist())
    return value


def mimebundle(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """The mime bundle plotly's renderer expects (JSON-clean figure plus config)."""
    fig = {"data": json_clean(data), "layout": json_clean(layout), "config": dict(CONFIG)}
    return {MIMETYPE: fig, "text/plain": "Diagramm"}


class FigureView(w.Output):
    """Output widget showing one plotly bar chart; :meth:`update` changes it in place.

    Parameters
    ----------
    trace, layout
        Initial trace and layout properties (e.g. from
        :func:`kulturplan.viz.charts.ranking_props`); an empty bar chart when omitted.
    draw
        Whether to send the figure right away (``False``: the owner calls
        :meth:`update` before the widget is shown).
    renderer
        ``"plotly"`` (interactive, plotly.js in the browser) or ``"svg"`` (a static SVG
        drawn by :func:`kulturplan.viz.svg.figure_svg`, with tooltips; CSS class
        ``kp-svg-chart``).
    svg_width
        Width of the SVG drawing in SVG units (about the width of its box in pixels).

    Attributes
    ----------
    traces, fig_layout
        The figure as plain dicts (what is sent to the browser); ``layout`` is the
        widget's own CSS layout.
    renders
        Number of times the figure was sent to the browser.
    svg
        The SVG last shown (``renderer="svg"``; empty otherwise).

    Notes
    -----
    The figure is set as the widget's ``outputs`` in the kernel (as
    ``Output.append_display_data`` does), not captured with ``with self: display(...)``.
    Captured output reaches the kernel's widget state only through a frontend: the browser,
    or while Voilà executes the dashboard, nbclient's stand-in, which syncs it back with a
    message on the shell channel. A page served from a preheated kernel gets the state as
    the kernel holds it, and that last sync message was sometimes lost when Voilà closed its
    channels (the profile chart stayed empty in 1 of 60 loads; see
    :meth:`kulturplan.serve.SlicedChannel.close`). Set in the kernel, the figure is part of
    the state every page receives.

    After drawing, plotly's renderer stores a PNG snapshot of the chart in the output
    (for notebook export), which syncs the ``outputs`` trait back to the kernel. The
    echo of that update to the browser (ipywidgets 8) would send the PNG straight back,
    about 100 kB per chart and change; ``outputs`` therefore does not echo.
    """

    outputs = TypedTuple(trait=t.Dict(), help="Output messages synced from the frontend.").tag(
        sync=True, echo_update=False
    )

    def __init__(
        self,
        trace: dict[str, Any] | None = None,
        layout: dict[str, Any] | None = None,
        *,
        draw: bool = True,
        renderer: str = "plotly",
        svg_width: float = FIGURE_WIDTH,
        **kwargs: Any,
    ) -> None:
        if renderer not in RENDERERS:
            raise ParameterError(
                f"Unbekannte Darstellung {renderer!r}; erlaubt: {', '.join(RENDERERS)}."
            )
        super().__init__(**kwargs)
        self.add_class("kp-fig")
        self.renderer = renderer
        self.svg_width = svg_width
        self.svg = ""
        if renderer == "svg":
            self.add_class("kp-svg-chart")
        self.traces: list[dict[str, Any]] = [dict(trace) if trace else {"type": "bar"}]
        self.fig_layout: dict[str, Any] = dict(layout) if layout else dict(charts.BASE_LAYOUT)
        self.renders = 0
        if draw:
            self.redraw()

    @property
    def figure(self):  # plotly imported lazily
        """The figure as a validated ``go.Figure`` (built on demand, e.g. for tests)."""
        import plotly.graph_objects as go

        return go.Figure(data=copy.deepcopy(self.traces), layout=copy.deepcopy(self.fig_layout))

    def update(self, trace: dict[str, Any], layout: dict[str, Any]) -> None:
        """Replace trace and layout properties and redraw."""
        new = {k: v for k, v in trace.items()}
        new.setdefault("type", self.traces[0].get("type", "bar"))
        self.traces = [new]
        self.fig_layout = {**self.fig_layout, **layout}
        self.redraw()

    def redraw(self) -> None:
        """Send the figure to the browser: the output is set in the kernel's widget state
        (``outputs``), not captured from ``display`` (see the class notes)."""
        if self.renderer == "svg":  # the SVG keeps its aspect ratio: no fixed height
            self.svg = figure_svg(self.traces[0], self.fig_layout, width=self.svg_width)
            self.outputs = (_display_data({"text/html": self.svg, "text/plain": "Diagramm"}),)
            self.renders += 1
            return
        # plotly's "responsive" mode sizes the chart to its container when the window
        # changes; a container without a height collapsed the chart to nothing. The
        # widget therefore gets the figure's height (style.CSS passes it down).
        height = self.fig_layout.get("height")
        if height and self.layout.height != f"{int(height)}px":
            self.layout.height = f"{int(height)}px"
        self.outputs = (_display_data(mimebundle(self.traces, self.fig_layout)),)
        self.renders += 1


def _display_data(bundle: dict[str, Any]) -> dict[str, Any]:
    """An nbformat ``display_data`` output of a mime bundle (what ``Output.outputs`` holds)."""
    return {"output_type": "display_data", "data": bundle, "metadata": {}}
