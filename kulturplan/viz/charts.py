"""plotly charts with German labels: ranking, municipality profile, supply gaps.

Every chart is built from a pure ``*_props`` function returning the trace and layout
properties, so a dashboard can update a ``go.FigureWidget`` in place
(:func:`apply_props`) instead of replacing it. No chart loads plotly.js from a CDN:
in Voilà they are drawn by plotly's JupyterLab mime renderer (served locally, see
:mod:`kulturplan.ui.figure`), in HTML reports use ``fig.to_html(include_plotlyjs=True)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kulturplan._format import format_number
from kulturplan.indicators import catalog as indicator_catalog
from kulturplan.viz import prepare
from kulturplan.viz.prepare import ColourScale

if TYPE_CHECKING:
    from kulturplan.region import Region

FONT = "Source Sans Pro, Segoe UI, Arial, sans-serif"
BETTER = "#1d5a8a"
WORSE = "#d08c3c"
NEUTRAL = "#9aa5ad"

TEMPLATE: dict[str, Any] = {
    # The parts of plotly's "plotly_white" template that a 2-D bar chart uses, as a plain
    # dict: passing the name makes plotly expand and validate the whole template (about
    # 9 kB per figure and 0.1 s per build); the look is the same.
    "layout": {
        "autotypenumbers": "strict",
        "font": {"color": "#2a3f5f"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        # German thousands ("40.000", not "40k"): separators come from BASE_LAYOUT
        "xaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "",
                  "title": {"standoff": 15}, "zerolinecolor": "#EBF0F8", "automargin": True,
                  "zerolinewidth": 2, "separatethousands": True, "exponentformat": "none"},
        "yaxis": {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "",
                  "title": {"standoff": 15}, "zerolinecolor": "#EBF0F8", "automargin": True,
                  "zerolinewidth": 2},
        "shapedefaults": {"line": {"color": "#2a3f5f"}},
        "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1},
        "title": {"x": 0.05},
    },
    "data": {
        "bar": [{"marker": {"line": {"color": "white", "width": 0.5}}, "type": "bar"}],
    },
}

BASE_LAYOUT: dict[str, Any] = {
    "template": TEMPLATE,
    "separators": ",.",
    "font": {"family": FONT, "size": 15, "color": "#222"},
    "margin": {"l": 10, "r": 30, "t": 60, "b": 50},
    "hoverlabel": {"font": {"family": FONT, "size": 14}},
    "showlegend": False,
}


def indicator_meta(indicator: str, region: Region | None = None) -> dict[str, Any]:
    """Label, unit, direction and description of an indicator from the catalog.

    With ``region`` the texts of the indicators in minutes say how their travel time is
    measured for it (:func:`kulturplan.indicators.catalog`). Unknown ids get their id as
    label (so a new indicator column still shows).
    """
    cat = indicator_catalog(region)
    if indicator in cat.index:
        row = cat.loc[indicator]
        return {
            "id": indicator,
            "label": str(row["label"]),
            "unit": str(row["unit"]),
            "higher_is_better": bool(row["higher_is_better"]),
            "description": str(row.get("description", "")),
            "family": str(row.get("family", indicator)),
        }
    return {
        "id": indicator,
        "label": indicator,
        "unit": "",
        "higher_is_better": True,
        "description": "",
        "family": indicator,
    }


INTERVAL_SCALE_FAMILIES: frozenset[str] = frozenset(
    {"kulturversorgungsindex", "foerderung_veraenderung"}
)
"""Indicators without a natural zero (z-score index, change in percent): a ratio to the
peer median means nothing for them (0,52 against a median of 0,01 is not "52 times as
good"), so the profile shows their values but no index bar."""


def _wrap(text: str, width: int = 60) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        lines.append(line)
    return "<br>".join(lines)


# -- ranking ----------------------------------------------------------------------------
def ranking_order(values: pd.Series, *, higher_is_better: bool = True) -> list[str]:
    """AGS ordered best first; missing values last (ties by AGS for stability)."""
    frame = pd.DataFrame({"v": values.astype(float), "k": values.index.astype(str)})
    frame = frame.sort_values(
        ["v", "k"], ascending=[not higher_is_better, True], na_position="last"
    )
    return frame["k"].tolist()


def ranking_props(
    values: pd.Series,
    names: pd.Series,
    *,
    label: str,
    unit: str = "",
    higher_is_better: bool = True,
    selected: str | None = None,
    scale: ColourScale | None = None,
    direction: str | None = None,
    title: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Trace and layout properties of the ranking bar chart (best at the top).

    ``direction`` replaces the axis hint "höher/niedriger ist besser" and ``title`` the
    chart title "Rangfolge: <label>" (e.g. for inhabitants, which are not "better").

    Returns
    -------
    (trace, layout)
        ``trace`` for a horizontal ``go.Bar``; ``layout`` for ``fig.layout``.
        The bar colours are those of the map (same :class:`ColourScale`).
    """
    vals = values.reindex(names.index).astype(float)
    scale = scale or ColourScale.from_values(vals, higher_is_better=higher_is_better, unit=unit)
    order = ranking_order(vals, higher_is_better=higher_is_better)
    ordered = vals.reindex(order)
    colours = scale.colour(ordered)
    line_w = [3 if a == selected else 0 for a in order]
    d = scale.decimals
    texts = [format_number(v, d) if pd.notna(v) else "keine Angabe" for v in ordered]
    y = [str(names.get(a, a)) for a in order]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [None if pd.isna(v) else float(v) for v in ordered],
        "y": y,
        "customdata": [[a, t] for a, t in zip(order, texts, strict=True)],
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {
            "color": colours,
            "line": {"color": prepare.HIGHLIGHT_COLOUR, "width": line_w},
        },
        "hovertemplate": "<b>%{y}</b><br>%{customdata[1]} " + unit + "<extra></extra>",
        "name": label,
    }
    finite = ordered.dropna()
    median = float(finite.median()) if len(finite) else None
    x_range = _bar_range(finite)
    shapes = []
    annotations = []
    if median is not None:
        shapes.append(
            {
                "type": "line",
                "x0": median,
                "x1": median,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": "#555", "width": 1.5, "dash": "dot"},
            }
        )
        annotations.append(
            {
                "x": median,
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"Median {format_number(median, d)}",
                "showarrow": False,
                "font": {"size": 13, "color": "#555"},
            }
        )
    if direction is None:
        direction = "höher ist besser" if higher_is_better else "niedriger ist besser"
    # long labels (e.g. "… (Auto, Straßennetz OSM): Bibliothek") wrap instead of being cut
    heading = title or _wrap(f"<b>Rangfolge</b>: {label}", 62)
    layout = {
        **BASE_LAYOUT,
        "title": {"text": heading, "x": 0, "xanchor": "left"},
        "margin": {**BASE_LAYOUT["margin"], "t": 60 + 24 * heading.count("<br>")},
        "height": max(260, 90 + 24 * heading.count("<br>") + 26 * len(order)),
        "xaxis": {"title": {"text": f"{unit} ({direction})" if unit and direction
                            else (unit or direction)},
                  "rangemode": "tozero", "zeroline": True,
                  "range": x_range, "autorange": x_range is None},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category",
                  "categoryorder": "array", "categoryarray": y},
        "shapes": shapes,
        "annotations": annotations,
        "bargap": 0.25,
    }
    return trace, layout


def _bar_range(values: pd.Series, pad: float = 0.14) -> list[float] | None:
    """x range of a bar chart with room for the value labels outside the bars.

    Bars start at 0; labels of negative bars stand left of their end, so the range
    reaches ``pad`` of the span beyond the smallest negative value (otherwise they run
    into the municipality names) and beyond the largest value. ``None`` (autorange)
    without finite values.
    """
    if len(values) == 0:
        return None
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    span = hi - lo or 1.0
    return [lo - pad * span if lo < 0 else 0.0, hi + pad * span if hi > 0 else 0.0]


def ranking_figure(values: pd.Series, names: pd.Series, **kwargs: Any) -> go.Figure:
    """Ranking bar chart of one indicator (see :func:`ranking_props`)."""
    trace, layout = ranking_props(values, names, **kwargs)
    return go.Figure(data=[trace], layout=layout)


# -- profile -----------------------------------------------------------------------------
PROFILE_CAP = 300.0


def profile_frame(values: pd.Series, medians: pd.Series, *, region: Region | None = None
                  ) -> pd.DataFrame:
    """Values of one municipality against the median of its peers, per indicator.

    Parameters
    ----------
    values, medians
        Indexed by indicator id: the municipality's value and its peers' median.
    region
        The region (labels, see :func:`indicator_meta`).

    Returns
    -------
    pandas.DataFrame
        Index indicator id; columns ``label``, ``unit``, ``higher_is_better``,
        ``value``, ``peer_median``, ``index`` (value ÷ peer median × 100; NaN when the
        median is 0 or missing, a value is negative, or the indicator has no natural
        zero, see :data:`INTERVAL_SCALE_FAMILIES`) and ``better`` (True/False, NA when
        equal or unknown).
    """
    rows = []
    for ind in values.index:
        meta = indicator_meta(ind, region)
        value = pd.to_numeric(values.get(ind), errors="coerce")
        med = pd.to_numeric(medians.get(ind), errors="coerce")
        ratio_scale = meta["family"] not in INTERVAL_SCALE_FAMILIES
        idx = (
            value / med * 100
            if ratio_scale and pd.notna(value) and pd.notna(med) and med > 0 and value >= 0
            else np.nan
        )
        if pd.isna(value) or pd.isna(med) or value == med:
            better = pd.NA
        else:
            better = bool((value > med) == meta["higher_is_better"])
        rows.append(
            {
                "indicator": ind,
                "label": meta["label"],
                "unit": meta["unit"],
                "higher_is_better": meta["higher_is_better"],
                "value": float(value) if pd.notna(value) else np.nan,
                "peer_median": float(med) if pd.notna(med) else np.nan,
                "index": float(idx) if pd.notna(idx) else np.nan,
                "better": better,
            }
        )
    columns = ["indicator", "label", "unit", "higher_is_better", "value", "peer_median",
               "index", "better"]
    return pd.DataFrame(rows, columns=columns).set_index("indicator")


def profile_props(
    profile: pd.DataFrame, *, name: str, peer_text: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Trace and layout of the profile chart: index (peer median = 100) per indicator."""
    idx = profile["index"].clip(upper=PROFILE_CAP)
    colours = [
        BETTER if b is True else WORSE if b is False else NEUTRAL for b in profile["better"]
    ]
    d_val = [
        prepare.decimals_for([v, m])
        for v, m in zip(profile["value"], profile["peer_median"], strict=True)
    ]
    texts = []
    hover = []
    for (_, row), d in zip(profile.iterrows(), d_val, strict=True):
        v, m = format_number(row["value"], d), format_number(row["peer_median"], d)
        texts.append(f"{v} (Median {m})")
        hover.append(f"{name}: {v} {row['unit']}<br>Median Vergleichsgruppe: {m} {row['unit']}")
    x = [100.0 if pd.isna(i) else float(i) for i in idx]
    y = [_wrap(lbl, 38) for lbl in profile["label"]]
    # Values below the median: the bar runs left from 100, so a label at its end would
    # run into the indicator names; they are written right of the 100 line instead.
    low = [xi < 100.0 for xi in x]
    annotations = [
        {"x": 100, "y": yi, "text": tx, "xanchor": "left", "xshift": 6, "showarrow": False,
         "font": {"size": 15, "color": "#222"}}
        for yi, tx, lo in zip(y, texts, low, strict=True) if lo
    ]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [xi - 100.0 for xi in x],
        "base": [100.0] * len(x),
        "y": y,
        "marker": {"color": colours},
        "text": ["" if lo else tx for tx, lo in zip(texts, low, strict=True)],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": hover,
        "hovertemplate": "<b>%{y}</b><br>%{customdata}<extra></extra>",
    }
    top = max([PROFILE_CAP * 0.5, *[xi for xi in x if np.isfinite(xi)]]) + 60
    layout = {
        **BASE_LAYOUT,
        "title": {
            "text": f"<b>Profil {name}</b><br><span style='font-size:13px;color:#555'>"
            f"im Vergleich zum Median {peer_text} (= 100); blau = besser, ocker = schlechter"
            "</span>",
            "x": 0,
            "xanchor": "left",
        },
        "height": max(300, 110 + 46 * len(profile)),
        "margin": {"l": 10, "r": 30, "t": 90, "b": 50},
        "xaxis": {"title": {"text": "Index (Median der Vergleichsgruppe = 100)"},
                  "range": [0, top]},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "shapes": [
            {"type": "line", "x0": 100, "x1": 100, "yref": "paper", "y0": 0, "y1": 1,
             "line": {"color": "#555", "width": 1.5}}
        ],
        "annotations": annotations,
    }
    return trace, layout


def profile_figure(profile: pd.DataFrame, *, name: str, peer_text: str) -> go.Figure:
    """Profile chart of one municipality (see :func:`profile_props`)."""
    trace, layout = profile_props(profile, name=name, peer_text=peer_text)
    return go.Figure(data=[trace], layout=layout)


# -- gaps --------------------------------------------------------------------------------
GAP_EMPTY_TEXT = "Alle Einwohner:innen erreichen das Angebot innerhalb der Schwelle."


def gap_props(
    gaps: pd.DataFrame, *, title: str, top: int = 25, empty_text: str = GAP_EMPTY_TEXT
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bars of inhabitants beyond the threshold per municipality (most affected first).

    ``gaps`` has columns ``name`` and ``population_beyond`` (the contract of
    :func:`kulturplan.demand.population_beyond`, plus the municipality name as in
    :meth:`kulturplan.ui.gaps.GapModel.table`).
    """
    frame = gaps[gaps["population_beyond"] > 0].sort_values(
        ["population_beyond", "name"], ascending=[False, True]
    ).head(top)
    texts = [format_number(v, 0) for v in frame["population_beyond"]]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": frame["population_beyond"].astype(float).tolist(),
        "y": frame["name"].astype(str).tolist(),
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": WORSE},
        "hovertemplate": "<b>%{y}</b><br>%{text} Einw. außerhalb<extra></extra>",
    }
    # "… weiter als 20 min Auto von „Musikschule“" wraps instead of being cut at the edge
    heading = _wrap(title, 50)
    layout = {
        **BASE_LAYOUT,
        "title": {"text": heading, "x": 0, "xanchor": "left"},
        "margin": {**BASE_LAYOUT["margin"], "t": 60 + 24 * heading.count("<br>")},
        "height": max(260, 100 + 24 * heading.count("<br>") + 26 * max(len(frame), 1)),
        "xaxis": {"title": {"text": "Einwohner:innen außerhalb der Schwelle"},
                  "rangemode": "tozero", "visible": bool(len(frame))},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category",
                  "visible": bool(len(frame))},
        "annotations": []
        if len(frame)
        else [
            {"text": empty_text,
             "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
             "font": {"size": 16, "color": "#555"}}
        ],
    }
    return trace, layout


def gap_figure(gaps: pd.DataFrame, *, title: str, top: int = 25) -> go.Figure:
    """Bar chart of inhabitants beyond the threshold (see :func:`gap_props`)."""
    trace, layout = gap_props(gaps, title=title, top=top)
    return go.Figure(data=[trace], layout=layout)


def apply_props(fig: go.Figure, trace: dict[str, Any], layout: dict[str, Any]) -> None:
    """Update ``fig`` (e.g. a ``FigureWidget``) in place with new trace/layout props."""
    trace = {k: v for k, v in trace.items() if k != "type"}
    with fig.batch_update():
        fig.data[0].update(trace, overwrite=True)
        fig.layout.update(layout, overwrite=True)


REACH_CHANGE_EMPTY_TEXT = (
    "Noch keine Veränderung: Standort in die Karte setzen oder Vorschlag berechnen."
)


def reach_change_props(
    changes: pd.DataFrame, *, title: str, top: int = 25,
    empty_text: str = REACH_CHANGE_EMPTY_TEXT,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bars of the change in inhabitants within reach per municipality (scenario − today).

    ``changes`` has columns ``name`` and ``veraenderung`` (inhabitants; positive = more
    within reach); municipalities without change are left out, largest change first.
    Gains are drawn in the "better" colour, losses in the "worse" colour.
    """
    frame = changes[changes["veraenderung"].round() != 0]
    frame = frame.reindex(frame["veraenderung"].abs().sort_values(ascending=False).index)
    frame = frame.head(top)
    values = frame["veraenderung"].astype(float)
    texts = [("+" if v > 0 else "") + format_number(v, 0) for v in values]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": values.tolist(),
        "y": frame["name"].astype(str).tolist(),
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": [BETTER if v > 0 else WORSE for v in values]},
        "hovertemplate": "<b>%{y}</b><br>%{text} Einw. in Reichweite<extra></extra>",
    }
    # "… weiter als 20 min Auto von „Musikschule“" wraps instead of being cut at the edge
    heading = _wrap(title, 50)
    layout = {
        **BASE_LAYOUT,
        "title": {"text": heading, "x": 0, "xanchor": "left"},
        "margin": {**BASE_LAYOUT["margin"], "t": 60 + 24 * heading.count("<br>")},
        "height": max(260, 100 + 24 * heading.count("<br>") + 26 * max(len(frame), 1)),
        "xaxis": {"title": {"text": "Veränderung: Einwohner:innen in Reichweite"},
                  "visible": bool(len(frame)), "range": _bar_range(values, 0.22)},
        "yaxis": {"autorange": "reversed", "automargin": True, "type": "category",
                  "visible": bool(len(frame))},
        "annotations": []
        if len(frame)
        else [
            {"text": empty_text, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
             "showarrow": False, "font": {"size": 16, "color": "#555"}}
        ],
    }
    return trace, layout
