"""Static SVG graphics for printed reports: choropleth map and bar charts.

The reports (:mod:`kulturplan.report`) are single HTML files that must print and turn
into PDF without a browser, a script or a network connection, so their maps and charts
are plain inline SVG built here from the region's polygons and the indicator values:

* :func:`choropleth_svg` — municipalities filled by class colour (EPSG:25832 metres,
  north up, equal scale in x and y), optionally one municipality outlined;
* :func:`bar_chart_svg` — horizontal bars with names on the left and German numbers;
* :func:`index_bar_svg` — a small bar around 100 (value ÷ median × 100) for a table cell.

The ``<svg>`` elements carry no ``xmlns`` (HTML5 puts inline SVG into the SVG namespace),
so a report holds no ``http(s)://`` string at all. Every text that comes from data
passes :func:`kulturplan._safe.html_text` (SVG is XML).
Colours come from :class:`kulturplan.viz.prepare.ColourScale`, so print and dashboard
use the same classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan._format import format_number
from kulturplan._safe import html_text
from kulturplan.region import CRS
from kulturplan.viz.prepare import HIGHLIGHT_COLOUR, NAN_COLOUR

FONT = "Liberation Sans, DejaVu Sans, Arial, Helvetica, sans-serif"
"""Font stack of the SVG texts (metric-compatible with Arial; installed on Debian)."""

CHAR_WIDTH = 0.56
"""Average glyph width of the font relative to its size (for label space)."""

BAR_COLOUR = "#4f8fb8"
LABEL_DARK = "#1d2b36"
SELECTED_BAR_COLOUR = HIGHLIGHT_COLOUR


def _ring_d(coords: np.ndarray) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords[:-1])
    return f"M{pts}Z"


def _path_d(geom: shapely.Geometry) -> str:
    """SVG path data of a (Multi)Polygon in drawing coordinates (holes as sub-paths)."""
    parts = []
    for poly in shapely.get_parts(geom):
        if poly.is_empty:
            continue
        parts.append(_ring_d(np.asarray(poly.exterior.coords)))
        parts.extend(_ring_d(np.asarray(r.coords)) for r in poly.interiors)
    return "".join(parts)


def choropleth_svg(
    geometries: gpd.GeoSeries,
    colours: Sequence[str],
    *,
    width: float = 640.0,
    max_height: float = 720.0,
    highlight: str | None = None,
    titles: pd.Series | None = None,
    tolerance_m: float = 150.0,
    label: str = "Karte",
    names: pd.Series | None = None,
    priority: pd.Series | None = None,
    font_size: float = 9.0,
) -> str:
    """Municipalities of a region as an SVG map, each filled with its colour.

    Parameters
    ----------
    geometries
        Municipality polygons indexed by AGS (any CRS; drawn in EPSG:25832 metres).
    colours
        Fill colour per geometry (same order), e.g. ``ColourScale.colour(values)``.
    width, max_height
        Size of the drawing in SVG units (the map keeps its aspect ratio).
    highlight
        AGS of a municipality drawn with a thick orange outline on top.
    titles
        Tooltip text per AGS (``<title>``, shown by browsers on hover).
    tolerance_m
        Simplification tolerance in metres (invisible at report scale, keeps files small).
    label
        Accessible name of the map (``aria-label``).
    names
        Labels per AGS written into the map (with a white halo); a label that would
        overlap one already placed is left out (see :func:`place_labels`).
    priority
        Order of placing labels (highest first), e.g. the population.
    font_size
        Size of the labels in SVG units.

    Returns
    -------
    str
        An ``<svg>`` element with a ``viewBox`` (scales to the width of its container).
    """
    geoms = geometries if geometries.crs is not None else geometries.set_crs(CRS)
    geoms = geoms.to_crs(CRS)
    if tolerance_m > 0:
        geoms = geoms.simplify(tolerance_m, preserve_topology=True)
    minx, miny, maxx, maxy = geoms.total_bounds
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    pad = 6.0
    scale = min((width - 2 * pad) / span_x, (max_height - 2 * pad) / span_y)
    height = span_y * scale + 2 * pad
    drawn = shapely.transform(
        geoms.to_numpy(),
        lambda xy: np.column_stack(
            [(xy[:, 0] - minx) * scale + pad, (maxy - xy[:, 1]) * scale + pad]
        ),
    )
    paths = []
    top = ""
    for key, geom, fill in zip(geoms.index, drawn, colours, strict=True):
        d = _path_d(geom)
        tip = f"<title>{html_text(titles.get(key, ''))}</title>" if titles is not None else ""
        paths.append(f'<path d="{d}" fill="{html_text(fill)}">{tip}</path>')
        if highlight is not None and str(key) == str(highlight):
            top = (f'<path d="{d}" fill="none" stroke="{HIGHLIGHT_COLOUR}" '
                   'stroke-width="3" stroke-linejoin="round"/>')
    texts = ""
    if names is not None:
        anchors = shapely.point_on_surface(drawn)
        texts = place_labels(
            pd.Series(anchors, index=geoms.index), names, priority, font_size=font_size,
            bounds=(0.0, 0.0, width, height),
            fills=pd.Series(list(colours), index=geoms.index),
            areas=pd.Series(drawn, index=geoms.index),
        )
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'class="kp-map" role="img" aria-label="{html_text(label)}">'
        f'<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">{"".join(paths)}</g>'
        f"{top}{texts}</svg>"
    )


def place_labels(
    anchors: pd.Series,
    names: pd.Series,
    priority: pd.Series | None = None,
    *,
    font_size: float = 8.0,
    bounds: tuple[float, float, float, float] | None = None,
    fills: pd.Series | None = None,
    areas: pd.Series | None = None,
) -> str:
    """SVG texts of ``names`` centred on ``anchors``, leaving out overlapping labels.

    Labels are placed greedily in the order of ``priority`` (highest first; default the
    given order); a label whose box would overlap a placed one or leave ``bounds`` is
    skipped, the classic greedy strategy of map labelling (Christensen, Marks &
    Shieber 1995, *ACM Transactions on Graphics* 14(3)). With ``fills`` (the area colour
    per key) the text is white on dark areas and dark on light ones (:func:`text_colour`);
    with ``areas`` (the drawn polygon per key) a label must fit inside its own area.
    """
    keys = list(anchors.index)
    if priority is not None:
        keys = list(priority.reindex(keys).sort_values(ascending=False, kind="stable").index)
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for key in keys:
        text = str(names.get(key, ""))
        point = anchors[key]
        if not text or point is None or point.is_empty:
            continue
        half_w = len(text) * CHAR_WIDTH * font_size / 2 + 1
        half_h = font_size * 0.6
        box = (point.x - half_w, point.y - half_h, point.x + half_w, point.y + half_h)
        if bounds is not None and (box[0] < bounds[0] or box[2] > bounds[2]
                                   or box[1] < bounds[1] or box[3] > bounds[3]):
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in placed):
            continue
        if areas is not None and not shapely.buffer(areas[key], font_size * 0.3).contains(
                shapely.box(*box)):
            continue
        placed.append(box)
        fill = text_colour(str(fills.get(key, ""))) if fills is not None else LABEL_DARK
        out.append(f'<text x="{point.x:.1f}" y="{point.y + font_size * 0.35:.1f}" '
                   f'fill="{fill}">{html_text(text)}</text>')
    return (f'<g font-family="{FONT}" font-size="{font_size}" text-anchor="middle">'
            f'{"".join(out)}</g>')


def text_colour(fill: str) -> str:
    """Dark text on light fills, white text on dark fills (relative luminance, WCAG 2.1)."""
    value = fill.lstrip("#")
    if len(value) != 6:
        return LABEL_DARK
    rgb = np.array([int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(lin @ np.array([0.2126, 0.7152, 0.0722]))
    return "#ffffff" if luminance < 0.18 else LABEL_DARK


def bar_chart_svg(
    values: pd.Series,
    labels: pd.Series,
    *,
    decimals: int = 1,
    unit: str = "",
    highlight: str | None = None,
    width: float = 640.0,
    bar_height: float = 11.0,
    gap: float = 3.0,
    font_size: float = 9.5,
    colour: str = BAR_COLOUR,
    label: str = "Balkendiagramm",
) -> str:
    """Horizontal bar chart in the order of ``values`` (missing values: "keine Angabe").

    Parameters
    ----------
    values
        Numbers indexed by key (e.g. AGS), already in the order to draw (best first).
    labels
        Text per key (e.g. municipality names); long names are shortened with "…".
    decimals
        Decimals of the value texts (German format).
    unit
        Appended to the value texts (e.g. ``"%"``); empty for none.
    highlight
        Key of a bar drawn in orange (e.g. the municipality of a Steckbrief).
    """
    max_chars = 30
    names = [str(labels.get(k, k)) for k in values.index]
    names = [n if len(n) <= max_chars else n[: max_chars - 1] + "…" for n in names]
    name_w = min(max((len(n) for n in names), default=4), max_chars) * CHAR_WIDTH * font_size + 8
    vals = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    finite = vals[np.isfinite(vals)]
    texts = [f"{format_number(v, decimals)}{(' ' + unit) if unit else ''}"
             if np.isfinite(v) else "keine Angabe" for v in vals]
    text_w = max((len(t) for t in texts), default=4) * CHAR_WIDTH * font_size + 6
    lo = min(0.0, float(finite.min())) if finite.size else 0.0
    hi = max(0.0, float(finite.max())) if finite.size else 1.0
    span = hi - lo if hi > lo else 1.0
    plot_w = max(width - name_w - text_w, 60.0)
    zero = name_w + (0 - lo) / span * plot_w
    rows = []
    step = bar_height + gap
    for i, (key, name, v, text) in enumerate(zip(values.index, names, vals, texts, strict=True)):
        y = 4 + i * step
        mid = y + bar_height / 2 + font_size * 0.35
        fill = SELECTED_BAR_COLOUR if highlight is not None and str(key) == str(highlight) \
            else colour
        weight = ' font-weight="bold"' if fill == SELECTED_BAR_COLOUR else ""
        rows.append(f'<text x="{name_w - 6:.1f}" y="{mid:.1f}" text-anchor="end"{weight}>'
                    f"{html_text(name)}</text>")
        if np.isfinite(v):
            x0 = min(zero, zero + v / span * plot_w)
            w = max(abs(v) / span * plot_w, 0.8)
            end = max(zero, zero + v / span * plot_w)
            rows.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{w:.1f}" '
                        f'height="{bar_height:.1f}" fill="{fill}"/>')
        else:
            end = zero
        rows.append(f'<text x="{end + 4:.1f}" y="{mid:.1f}" fill="#333"{weight}>'
                    f"{html_text(text)}</text>")
    height = 8 + len(vals) * step
    axis = (f'<line x1="{zero:.1f}" y1="2" x2="{zero:.1f}" y2="{height - 2:.1f}" '
            'stroke="#888" stroke-width="0.8"/>')
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'class="kp-chart" role="img" aria-label="{html_text(label)}" '
        f'font-family="{FONT}" font-size="{font_size}">{"".join(rows)}{axis}</svg>'
    )


def index_bar_svg(index: float, *, width: float = 90.0, height: float = 10.0,
                  better: bool | None = None, cap: float = 200.0) -> str:
    """Small bar of an index around 100 (100 = median), capped at ``cap``.

    Blue when ``better`` is true, orange when false, grey when unknown; empty (a
    dash) when the index is missing.
    """
    if index is None or not np.isfinite(index):
        return "–"
    mid = width / 2
    value = float(np.clip(index, 0.0, cap))
    x = mid + (value - 100.0) / 100.0 * mid
    colour = BAR_COLOUR if better is True else ("#d08c3c" if better is False else NAN_COLOUR)
    x0, w = min(mid, x), max(abs(x - mid), 0.8)
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" class="kp-minibar">'
        f'<rect x="0" y="{height / 2 - 0.4:.1f}" width="{width:.0f}" height="0.8" fill="#ccc"/>'
        f'<rect x="{x0:.1f}" y="1" width="{w:.1f}" height="{height - 2:.0f}" fill="{colour}"/>'
        f'<line x1="{mid:.1f}" y1="0" x2="{mid:.1f}" y2="{height:.0f}" stroke="#333" '
        'stroke-width="1"/></svg>'
    )
