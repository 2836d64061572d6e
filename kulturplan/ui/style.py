"""Shared look of the dashboards: calm, large type for projectors, German texts."""

from __future__ import annotations

import base64
from collections.abc import Iterable

import ipywidgets as w
import pandas as pd

from kulturplan._safe import html_text

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""MIME type of the Excel downloads (:func:`download_link`)."""

CSS = """
<style>
body, .jp-Notebook, .widget-html-content, .widget-label, .widget-dropdown select,
.widget-toggle-buttons button {
  font-family: 'Source Sans Pro', 'Segoe UI', Arial, sans-serif !important;
}
.widget-label, .widget-dropdown select, .widget-readout, .widget-toggle-buttons button {
  font-size: 15px !important;
}
.widget-dropdown select { height: 32px !important; }
.kp-header { border-bottom: 3px solid #1d5a8a; padding: 4px 0 10px; margin-bottom: 8px; }
.kp-header h1 { font-size: 30px; margin: 0 0 4px; color: #1d3c57; font-weight: 600; }
.kp-header .kp-sub { font-size: 17px; color: #555; }
.kp-section { font-size: 21px; font-weight: 600; color: #1d3c57; margin: 18px 0 6px; }
.kp-text { font-size: 16px; line-height: 1.5; color: #333; max-width: 1100px; }
.kp-cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0 4px; }
.kp-card { background: #f3f7fa; border-left: 5px solid #1d5a8a; padding: 10px 16px;
  min-width: 190px; border-radius: 3px; }
.kp-card .kp-num { font-size: 30px; font-weight: 600; color: #1d3c57; }
.kp-card .kp-lbl { font-size: 15px; color: #444; }
.kp-table { border-collapse: collapse; font-size: 15px; }
.kp-table th { text-align: left; border-bottom: 2px solid #1d5a8a; padding: 4px 10px; }
.kp-table td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; }
.kp-table td.kp-r, .kp-table th.kp-r { text-align: right; }
.kp-table tr.kp-sel td { background: #fdf1de; font-weight: 600; }
.kp-sources { font-size: 14px; color: #444; }
.kp-note { font-size: 14px; color: #666; }
.kp-notice { background: #f3f7fa; border-left: 5px solid #8fb9d4; padding: 12px 16px;
  font-size: 17px; line-height: 1.5; color: #333; max-width: 1100px; margin: 6px 0; }
.kp-error { background: #fff4e5; border-left: 5px solid #d08c3c; padding: 12px 16px;
  font-size: 17px; max-width: 1000px; }
.widget-hbox { gap: 12px 20px; }
.kp-fig .jp-OutputArea, .kp-fig .jp-OutputArea-child, .kp-fig .jp-OutputArea-output,
.kp-fig .js-plotly-plot { height: 100%; }
.kp-svg-chart svg { display: block; height: auto; }
.kp-download a { font-size: 16px; background: #1d5a8a; color: #fff !important;
  padding: 7px 14px; border-radius: 4px; text-decoration: none; display: inline-block; }
</style>
"""


def css() -> w.HTML:
    """Widget carrying the dashboard style sheet."""
    return w.HTML(CSS)


def header(title: str, subtitle: str = "") -> w.HTML:
    esc = html_text
    sub = f'<div class="kp-sub">{esc(subtitle)}</div>' if subtitle else ""
    return w.HTML(f'<div class="kp-header"><h1>{esc(title)}</h1>{sub}</div>')


def section(title: str) -> w.HTML:
    return w.HTML(f'<div class="kp-section">{html_text(title)}</div>')


def cards_html(items: Iterable[tuple[str, str]]) -> str:
    """Key-figure cards from ``(number text, label)`` pairs."""
    esc = html_text
    cards = "".join(
        f'<div class="kp-card"><div class="kp-num">{esc(num)}</div>'
        f'<div class="kp-lbl">{esc(lbl)}</div></div>'
        for num, lbl in items
    )
    return f'<div class="kp-cards">{cards}</div>'


def table_html(
    frame: pd.DataFrame,
    *,
    right: Iterable[str] = (),
    highlight: object | None = None,
    max_rows: int | None = None,
) -> str:
    """Plain HTML table (already formatted strings), ``right`` columns right-aligned."""
    esc = html_text
    right = set(right)
    head = "".join(
        f'<th class="{"kp-r" if c in right else ""}">{esc(str(c))}</th>' for c in frame.columns
    )
    body = []
    rows = frame if max_rows is None else frame.head(max_rows)
    for key, row in rows.iterrows():
        cls = ' class="kp-sel"' if highlight is not None and key == highlight else ""
        cells = "".join(
            f'<td class="{"kp-r" if c in right else ""}">{esc(str(v))}</td>'
            for c, v in row.items()
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return (
        f'<table class="kp-table"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody></table>'
    )


def error_box(message: str) -> w.HTML:
    """German message for users instead of a traceback."""
    text = html_text(message).replace("\n", "<br>")
    return w.HTML(
        f'<div class="kp-error"><b>Die Daten konnten nicht geladen werden.</b><br>{text}</div>'
    )


def download_link(data: bytes, filename: str, text: str, mime: str = XLSX_MIME) -> str:
    """HTML link offering ``data`` as a file download (data URI, works offline)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'<div class="kp-download"><a download="{html_text(filename)}" '
        f'href="data:{html_text(mime)};base64,{b64}">{html_text(text)}</a></div>'
    )
