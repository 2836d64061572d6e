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

import re
from collections.abc import Sequence
from typing import Any

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


# -- plotly-shaped horizontal bar charts (dashboards) ---------------------------------------
FIGURE_WIDTH = 540.0
"""Width of :func:`figure_svg` drawings in SVG units (scaled to the box: ``width="100%"``)."""

_TAG = re.compile(r"<br\s*/?>|</?b>|<span\s+style=(?:'[^']*'|\"[^\"]*\")\s*>|</span>",
                  re.IGNORECASE)
_HOVER_FIELD = re.compile(r"%\{(x|y|text|customdata)(?:\[(\d+)\])?(?::[^}]*)?\}")


def _rich_lines(text: str, size: float, colour: str) -> list[list[tuple[str, dict[str, Any]]]]:
    """plotly's pseudo-HTML (``<b>``, ``<br>``, ``<span style=…>``) as lines of styled runs.

    Only these tags are markup; every other character (also ``<script>``) stays text.
    """
    lines: list[list[tuple[str, dict[str, Any]]]] = [[]]
    stack: list[dict[str, Any]] = [{"size": size, "fill": colour, "bold": False}]
    pos = 0
    for match in [*_TAG.finditer(text), None]:
        end = match.start() if match else len(text)
        if end > pos:
            lines[-1].append((text[pos:end], stack[-1]))
        if match is None:
            break
        pos = match.end()
        tag = match.group(0).lower()
        if tag.startswith("<br"):
            lines.append([])
        elif tag == "<b>":
            stack.append({**stack[-1], "bold": True})
        elif tag.startswith("<span"):
            stack.append({**stack[-1], **_span_style(match.group(0))})
        elif len(stack) > 1:  # </b>, </span>
            stack.pop()
    return lines


def _span_style(tag: str) -> dict[str, Any]:
    style: dict[str, Any] = {}
    for part in tag.split("=", 1)[1].strip(" '\">").split(";"):
        key, _, value = (s.strip() for s in part.partition(":"))
        if key == "font-size" and re.fullmatch(r"\d+(\.\d+)?(px)?", value):
            style["size"] = float(value.removesuffix("px"))
        elif key == "color" and re.fullmatch(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]+", value):
            style["fill"] = value
        elif key == "font-weight":
            style["bold"] = value in ("bold", "600", "700")
    return style


def _wrap_runs(line: list[tuple[str, dict[str, Any]]], width: float
               ) -> list[list[tuple[str, dict[str, Any]]]]:
    """Greedy word wrap of styled runs to ``width`` SVG units (estimated glyph widths)."""
    out: list[list[tuple[str, dict[str, Any]]]] = [[]]
    used = 0.0
    for text, style in line:
        for k, word in enumerate(re.split(r"(\s+)", text)):
            if not word:
                continue
            w = len(word) * CHAR_WIDTH * style["size"] * (1.08 if style["bold"] else 1.0)
            if k % 2 == 0 and used + w > width and used > 0:
                out.append([])
                used = 0.0
            if k % 2 == 1 and used == 0.0:
                continue  # no blank at the start of a wrapped line
            if out[-1] and out[-1][-1][1] == style:  # one run per style and line
                out[-1][-1] = (out[-1][-1][0] + word, style)
            else:
                out[-1].append((word, style))
            used += w
    return out


def _tspans(runs: list[tuple[str, dict[str, Any]]]) -> str:
    parts = []
    for text, style in runs:
        weight = ' font-weight="bold"' if style["bold"] else ""
        parts.append(f'<tspan font-size="{style["size"]:g}" fill="{html_text(style["fill"])}"'
                     f'{weight}>{html_text(text)}</tspan>')
    return "".join(parts)


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def nice_ticks(lo: float, hi: float, count: int = 5) -> np.ndarray:
    """At most about ``count`` round tick values (1, 2 or 5 × 10^k apart) within [lo, hi].

    The "nice numbers" rule of Heckbert (1990), *Graphics Gems*, "Nice numbers for graph
    labels".
    """
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        return np.array([lo])
    raw = span / max(count, 1)
    mag = 10.0 ** np.floor(np.log10(raw))
    step = mag * next(m for m in (1.0, 2.0, 5.0, 10.0) if m * mag >= raw)
    ticks = np.arange(np.ceil(lo / step - 1e-9), np.floor(hi / step + 1e-9) + 1) * step
    return np.round(ticks, 10) + 0.0  # no "-0"


def _tick_decimals(ticks: np.ndarray) -> int:
    """Fewest decimals that write every tick exactly (``2,5`` needs one, ``20`` none)."""
    return next((d for d in range(6) if np.allclose(np.round(ticks, d), ticks, atol=1e-9)), 6)


def _hover_text(template: str, fields: dict[str, Any]) -> str:
    """Plain text of a plotly ``hovertemplate`` for one bar (tags dropped, ``<br>`` = line)."""
    plain = re.sub(r"<extra>.*?</extra>", "", template, flags=re.S)
    plain = re.sub(r"<br\s*/?>", "\n", plain, flags=re.I)
    plain = re.sub(r"</?(b|i|span)(\s[^>]*)?>", "", plain, flags=re.I)

    def value(match: re.Match[str]) -> str:
        field = fields.get(match.group(1))
        if match.group(2) is not None and isinstance(field, (list, tuple)):
            idx = int(match.group(2))
            field = field[idx] if idx < len(field) else ""
        if isinstance(field, float):
            return format_number(field, 1)
        return re.sub(r"<br\s*/?>", "\n", "" if field is None else str(field), flags=re.I)

    return re.sub(r"[ \t]+\n", "\n", _HOVER_FIELD.sub(value, plain)).strip()


def _per_bar(value: Any, n: int, default: Any) -> list[Any]:
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
        return items + [default] * (n - len(items))
    return [default if value is None else value] * n


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


class _Frame:
    """Pixel geometry of a horizontal bar chart: x data → SVG x, category → band."""

    def __init__(self, lo: float, hi: float, left: float, right: float, top: float,
                 bottom: float, n: int, reversed_: bool) -> None:
        self.lo, self.hi = lo, hi if hi > lo else lo + 1.0
        self.left, self.right, self.top, self.bottom = left, right, top, bottom
        self.band = (bottom - top) / max(n, 1)
        self.n, self.reversed = n, reversed_

    def x(self, value: float) -> float:
        return self.left + (value - self.lo) / (self.hi - self.lo) * (self.right - self.left)

    def band_top(self, i: int) -> float:
        slot = i if self.reversed else self.n - 1 - i
        return self.top + slot * self.band

    def paper_y(self, y: float) -> float:
        return self.bottom - y * (self.bottom - self.top)


def _x_range(layout: dict[str, Any], starts: np.ndarray, ends: np.ndarray) -> tuple[float, float]:
    axis = layout.get("xaxis") or {}
    given = axis.get("range")
    if given and axis.get("autorange") is not True and len(given) == 2 \
            and all(np.isfinite(_as_float(v)) for v in given):
        return float(given[0]), float(given[1])
    both = np.concatenate([starts, ends])
    both = both[np.isfinite(both)]
    if not both.size:
        return 0.0, 1.0
    return min(0.0, float(both.min())), max(0.0, float(both.max()))


def _fit_right(frame_left: float, right: float, lo: float, hi: float,
               needs: list[tuple[float, float]], width: float) -> float:
    """Right edge of the plot so that each ``(value, text width)`` label ends in ``width``.

    A label starting at ``px(value)`` must end before ``width - 4``; with ``px`` linear
    between ``frame_left`` (lo) and ``right`` (hi) that bounds ``right`` from above.
    """
    span = hi - lo if hi > lo else 1.0
    for value, text_w in needs:
        rel = (value - lo) / span
        if rel > 0:
            right = min(right, frame_left + (width - 4 - text_w - frame_left) / rel)
    return max(right, frame_left + 60.0)


def _text_width(text: str, size: float) -> float:
    return len(text) * CHAR_WIDTH * size


def _title_svg(layout: dict[str, Any], size: float, width: float, x: float, y: float
               ) -> tuple[str, float, str]:
    """Title lines (wrapped to ``width``) as ``<text>`` elements, their height and plain text."""
    title = layout.get("title") or {}
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    lines = [run for line in _rich_lines(str(text or ""), size, LABEL_DARK)
             for run in _wrap_runs(line, width)]
    out, plain = [], []
    for runs in lines:
        if not runs:
            continue
        step = max(style["size"] for _, style in runs) * 1.3
        y += step
        out.append(f'<text x="{x:.1f}" y="{y - step * 0.25:.1f}">{_tspans(runs)}</text>')
        plain.append("".join(t for t, _ in runs))
    block = f'<g class="kp-svg-title">{"".join(out)}</g>' if out else ""
    return block, sum(max(s["size"] for _, s in r) * 1.3 for r in lines if r), " ".join(plain)


def _axis_svg(frame: _Frame, title: str, size: float, height: float, width: float) -> str:
    ticks = nice_ticks(frame.lo, frame.hi)
    ticks = ticks[(ticks >= frame.lo - 1e-9) & (ticks <= frame.hi + 1e-9)]
    decimals = _tick_decimals(ticks)
    grid, labels = [], []
    for tick in ticks:
        px = frame.x(float(tick))
        grid.append(f'<line x1="{px:.1f}" y1="{frame.top:.1f}" x2="{px:.1f}" '
                    f'y2="{frame.bottom:.1f}"/>')
        labels.append(f'<text x="{px:.1f}" y="{frame.bottom + size * 1.3:.1f}">'
                      f"{html_text(format_number(float(tick), decimals))}</text>")
    zero = ""
    if frame.lo <= 0 <= frame.hi:
        px = frame.x(0.0)
        zero = (f'<line x1="{px:.1f}" y1="{frame.top:.1f}" x2="{px:.1f}" '
                f'y2="{frame.bottom:.1f}" stroke="#b8c2cc" stroke-width="1"/>')
    half = _text_width(title, size) / 2 + 4
    centre = min(max((frame.left + frame.right) / 2, half), width - half)
    axis_title = (f'<text class="kp-svg-xtitle" x="{centre:.1f}" text-anchor="middle" '
                  f'y="{height - 8:.1f}" font-size="{size:g}" fill="#444">'
                  f"{html_text(title)}</text>") if title else ""
    return (f'<g stroke="#e3e9f1" stroke-width="1">{"".join(grid)}</g>{zero}'
            f'<g class="kp-svg-xticks" font-size="{size * 0.9:g}" fill="#555" '
            f'text-anchor="middle">{"".join(labels)}</g>{axis_title}')


def _shapes_svg(layout: dict[str, Any], frame: _Frame) -> str:
    out = []
    for shape in layout.get("shapes") or []:
        x0, x1 = _as_float(shape.get("x0")), _as_float(shape.get("x1"))
        if shape.get("type", "line") != "line" or not (np.isfinite(x0) and np.isfinite(x1)):
            continue
        line = shape.get("line") or {}
        y0, y1 = _as_float(shape.get("y0", 0)), _as_float(shape.get("y1", 1))
        dash = {"dot": ' stroke-dasharray="2,3"', "dash": ' stroke-dasharray="6,4"'}.get(
            str(line.get("dash", "")), "")
        out.append(f'<line class="kp-svg-ref" x1="{frame.x(x0):.1f}" '
                   f'y1="{frame.paper_y(y0):.1f}" x2="{frame.x(x1):.1f}" '
                   f'y2="{frame.paper_y(y1):.1f}" stroke="{html_text(line.get("color", "#555"))}"'
                   f' stroke-width="{_as_float(line.get("width", 1)):g}"{dash}/>')
    return "".join(out)


def _annotation_y(ann: dict[str, Any], frame: _Frame, labels: list[str], size: float) -> float:
    if ann.get("yref") == "paper":
        y = frame.paper_y(_as_float(ann.get("y", 1.0)))
        return y - 5 if ann.get("yanchor") == "bottom" else y + size * 0.35
    label = str(ann.get("y", ""))
    i = labels.index(label) if label in labels else 0
    return frame.band_top(i) + frame.band / 2 + size * 0.35


def _annotations_svg(layout: dict[str, Any], frame: _Frame, labels: list[str],
                     size: float) -> str:
    out = []
    anchors = {"left": "start", "right": "end"}
    for ann in layout.get("annotations") or []:
        font = ann.get("font") or {}
        fsize = _as_float(font.get("size", size))
        x = frame.x(_as_float(ann.get("x", 0))) + _as_float(ann.get("xshift", 0))
        y = _annotation_y(ann, frame, labels, fsize)
        runs = [r for line in _rich_lines(str(ann.get("text", "")), fsize,
                                          str(font.get("color", "#444"))) for r in line]
        out.append(f'<text class="kp-svg-note" x="{x:.1f}" y="{y:.1f}" text-anchor='
                   f'"{anchors.get(str(ann.get("xanchor")), "middle")}">{_tspans(runs)}</text>')
    return "".join(out)


def _label_lines(label: str, max_chars: int, max_lines: int = 3) -> list[str]:
    """Lines of a category label, each at most ``max_chars`` long.

    A label without ``<br>`` is one line, shortened with "…" (municipality names); one
    with plotly ``<br>`` breaks (the profile's indicator labels) is wrapped anew to
    ``max_chars`` per line, at most ``max_lines`` lines, the last ending with "…" then.
    """
    if not re.search(r"<br\s*/?>", label, flags=re.I):
        return [_shorten(label, max_chars)]
    lines: list[str] = []
    for word in re.sub(r"<br\s*/?>", " ", label, flags=re.I).split():
        if lines and len(lines[-1]) + 1 + len(word) <= max_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        last = last + " …" if len(last) + 2 <= max_chars else last[: max_chars - 1].rstrip() + "…"
        lines = [*lines[: max_lines - 1], last]
    return [_shorten(line, max_chars) for line in lines] or [""]


def _label_svg(lines: list[str], x: float, mid: float, size: float, bold: bool) -> str:
    weight = ' font-weight="bold"' if bold else ""
    first = mid - (len(lines) - 1) * size * 0.6
    spans = "".join(f'<tspan x="{x:.1f}" y="{first + k * size * 1.2:.1f}">{html_text(t)}</tspan>'
                    for k, t in enumerate(lines))
    return f'<text class="kp-svg-ylabel" text-anchor="end"{weight}>{spans}</text>'


def figure_svg(trace: dict[str, Any], layout: dict[str, Any], *,
               width: float = FIGURE_WIDTH, max_chars: int = 40) -> str:
    """A horizontal plotly bar chart (trace and layout properties) as a static SVG.

    Draws what :func:`kulturplan.viz.charts.ranking_props` and
    :func:`~kulturplan.viz.charts.profile_props` build: bars from ``base`` (default 0)
    by ``x`` per category ``y`` (first on top with ``yaxis.autorange="reversed"``),
    colours ``marker.color``, outlines ``marker.line.width``/``color``, value texts
    outside the bars ("keine Angabe" where ``x`` is missing: no bar), the vertical lines
    of ``layout.shapes``, ``layout.annotations``, the title (plotly's ``<b>``, ``<br>``,
    ``<span style>`` become ``<tspan>``s; all other text is escaped), x ticks in German
    numbers (Heckbert's nice numbers, :func:`nice_ticks`) and the x-axis title. Each bar
    row carries a ``<title>`` tooltip built from ``hovertemplate`` as plain text.

    Drawing it costs the browser no script at all, unlike plotly.js (about 5 MB and two
    layout passes per chart), which made a dashboard with several charts slow to open
    when many people load it at once.

    Parameters
    ----------
    trace, layout
        plotly properties as plain dicts (``layout.height`` is the height in SVG units).
    width
        Width in SVG units; the ``<svg>`` has ``width="100%"`` and a ``viewBox``, so it
        fills its box, growing to at most 1,25 × ``width`` pixels.
    max_chars
        Category labels (each line of one) longer than this, or than 45 % of the width,
        are shortened with "…".

    Returns
    -------
    str
        An ``<svg>`` element (no ``xmlns``, for inline HTML).
    """
    font = layout.get("font") or {}
    size = _as_float(font.get("size", 14)) if font.get("size") else 14.0
    margin = {"l": 10, "r": 30, "t": 60, "b": 50, **(layout.get("margin") or {})}
    labels = [str(v) for v in trace.get("y") or []]
    n = len(labels)
    xs = np.array([_as_float(v) for v in _per_bar(trace.get("x"), n, None)], dtype=float)
    bases = np.array([_as_float(v) for v in _per_bar(trace.get("base"), n, 0.0)], dtype=float)
    bases = np.where(np.isfinite(bases), bases, 0.0)
    ends = bases + xs
    texts = [str(t) if t is not None else "" for t in _per_bar(trace.get("text"), n, "")]
    texts = [t if np.isfinite(v) or t else "keine Angabe" for t, v in zip(texts, xs, strict=True)]
    marker = trace.get("marker") or {}
    colours = _per_bar(marker.get("color"), n, BAR_COLOUR)
    line = marker.get("line") or {}
    outlines = [_as_float(v) for v in _per_bar(line.get("width"), n, 0.0)]
    outline_colour = html_text(line.get("color", SELECTED_BAR_COLOUR))

    pad = 8.0
    title_svg, title_h, title_plain = _title_svg(layout, size * 1.2, width - 2 * pad, pad, 2.0)
    paper_note = any(a.get("yref") == "paper" for a in layout.get("annotations") or [])
    # plotly's top margin is sized for its title; here the title's own height decides
    top = (2 + title_h + (size * 1.4 if paper_note else 0) + 8) if title_h else float(margin["t"])
    height = (_as_float(layout.get("height")) if layout.get("height") else 300.0) \
        + top - float(margin["t"])
    axis_title = ((layout.get("xaxis") or {}).get("title") or {}).get("text", "") or ""
    bottom = height - max(float(margin["b"]), 10 + size * 1.3 + (size * 1.5 if axis_title else 0))
    max_chars = min(max_chars, int((width * 0.45 - 10) / (CHAR_WIDTH * size)))
    name_lines = [_label_lines(lbl, max_chars) for lbl in labels]
    # every band must hold its label's lines: grow the chart instead of overlapping
    need = max((len(ls) for ls in name_lines), default=1) * size * 1.2 + 6
    if n and (bottom - top) / n < need:
        height += need * n - (bottom - top)
        bottom = top + need * n
    name_w = min(max((_text_width(t, size) for ls in name_lines for t in ls), default=0) + 10,
                 width * 0.45)
    left = float(margin["l"]) + name_w
    lo, hi = _x_range(layout, np.minimum(bases, ends), np.maximum(bases, ends))
    needs = [(float(e), _text_width(t, size) + 4) for e, t in zip(ends, texts, strict=True)
             if t and np.isfinite(e)]
    needs += [(_as_float(a.get("x")) if a.get("yref") != "paper" else lo,
               _text_width(str(a.get("text", "")), _as_float((a.get("font") or {}).get(
                   "size", size))) + _as_float(a.get("xshift", 0)))
              for a in layout.get("annotations") or [] if a.get("xanchor") == "left"]
    right = _fit_right(left, width - float(margin["r"]), lo, hi, needs, width)
    reversed_ = (layout.get("yaxis") or {}).get("autorange") == "reversed"
    frame = _Frame(lo, hi, left, right, top, bottom, n, reversed_)
    thickness = frame.band * (1 - _as_float(layout.get("bargap", 0.2)))
    template = str(trace.get("hovertemplate", "%{y}: %{x}"))
    customdata = _per_bar(trace.get("customdata"), n, None)

    rows = []
    for i in range(n):
        y0 = frame.band_top(i) + (frame.band - thickness) / 2
        mid = frame.band_top(i) + frame.band / 2 + size * 0.35
        tip = _hover_text(template, {"x": xs[i], "y": labels[i].replace("<br>", " "),
                                     "text": texts[i], "customdata": customdata[i]})
        parts = [f"<title>{html_text(tip)}</title>",
                 _label_svg(name_lines[i], left - 6, mid, size, outlines[i] > 0)]
        text_x = frame.x(max(0.0, lo) if not np.isfinite(xs[i]) else float(ends[i])) + 4
        if np.isfinite(xs[i]):
            a, b = sorted((frame.x(float(bases[i])), frame.x(float(ends[i]))))
            stroke = (f' stroke="{outline_colour}" stroke-width="{outlines[i]:g}"'
                      if outlines[i] > 0 else "")
            parts.append(f'<rect class="kp-bar" x="{a:.1f}" y="{y0:.1f}" '
                         f'width="{max(b - a, 0.8):.1f}" height="{thickness:.1f}" '
                         f'fill="{html_text(colours[i])}"{stroke}/>')
        if texts[i]:
            fill = "#222" if np.isfinite(xs[i]) else "#777"
            parts.append(f'<text class="kp-svg-value" x="{text_x:.1f}" y="{mid:.1f}" '
                         f'fill="{fill}">{html_text(texts[i])}</text>')
        rows.append(f'<g class="kp-svg-row">{"".join(parts)}</g>')

    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'style="max-width:{width * 1.25:.0f}px" class="kp-figure" role="img" '
        f'aria-label="{html_text(title_plain or "Diagramm")}" font-family="{FONT}" '
        f'font-size="{size:g}" fill="{LABEL_DARK}">{title_svg}'
        f"{_axis_svg(frame, str(axis_title), size, height, width)}"
        f'{"".join(rows)}{_shapes_svg(layout, frame)}'
        f"{_annotations_svg(layout, frame, labels, size)}</svg>"
    )
