"""The HTML frame of every report: print style sheet (A4), title, tables, cards, notes.

One self-contained file: the style sheet is inline, graphics are inline SVG, nothing is
loaded from anywhere. The print rules (``@page``) give A4 pages with a running title at
the top, "Seite x von y" at the bottom and page breaks before marked sections; WeasyPrint
(:mod:`kulturplan.report.pdf`) and a browser's print dialogue read the same rules.
Every text from data passes :func:`kulturplan._safe.html_text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from kulturplan._safe import html_text

CSS = """
@page {
  size: A4;
  margin: 20mm 16mm 18mm 18mm;
  @top-left { content: string(kp-title); font-size: 8pt; color: #555; }
  @top-right { content: string(kp-stand); font-size: 8pt; color: #555; }
  @bottom-left { content: "erstellt mit kulturplan"; font-size: 8pt; color: #777; }
  @bottom-right { content: "Seite " counter(page) " von " counter(pages); font-size: 8pt;
                  color: #555; }
}
html { font-family: "Liberation Sans", "DejaVu Sans", Arial, Helvetica, sans-serif;
       font-size: 9.5pt; color: #222; line-height: 1.35;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; }
@media screen {
  html { background: #e9ecef; }
  body { max-width: 176mm; margin: 12px auto; background: #fff; padding: 18mm 16mm;
         box-shadow: 0 0 6px rgba(0,0,0,.2); }
}
h1 { font-size: 19pt; color: #1d3c57; margin: 0 0 2mm; font-weight: bold;
     string-set: kp-title content(); }
.kp-stand { string-set: kp-stand content(); }
.kp-subtitle { font-size: 10.5pt; color: #555; margin: 0 0 5mm; padding-bottom: 2mm;
               border-bottom: 2px solid #1d5a8a; }
h2 { font-size: 13pt; color: #1d3c57; margin: 6mm 0 2mm; break-after: avoid; }
h3 { font-size: 10.5pt; color: #1d3c57; margin: 4mm 0 1.5mm; break-after: avoid; }
p { margin: 0 0 2mm; }
section.kp-newpage { break-before: page; }
section.kp-newpage > h2:first-child { margin-top: 0; }
.kp-cards { display: flex; flex-wrap: wrap; gap: 2.5mm; margin: 1mm 0 3mm; }
.kp-card { background: #f3f7fa; border-left: 3px solid #1d5a8a; padding: 1.8mm 3mm;
           min-width: 34mm; flex: 1 1 34mm; break-inside: avoid; }
.kp-card .kp-num { font-size: 14pt; font-weight: bold; color: #1d3c57; }
.kp-card .kp-lbl { font-size: 8.5pt; color: #444; }
table.kp-table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm;
                 font-size: 8.5pt; }
table.kp-table th { text-align: left; vertical-align: bottom; border-bottom: 1.5px solid #1d5a8a;
                    padding: 1mm 1.5mm; font-weight: bold; }
table.kp-table td { border-bottom: 0.5px solid #d9d9d9; padding: 0.8mm 1.5mm;
                    vertical-align: top; }
table.kp-table td.kp-r { text-align: right; white-space: nowrap; }
table.kp-table th.kp-r { text-align: right; }
table.kp-table tr { break-inside: avoid; }
table.kp-table thead { display: table-header-group; }
table.kp-table tr.kp-sel td { background: #fdf1de; font-weight: bold; }
table.kp-table tr.kp-sum td { border-top: 1.5px solid #1d5a8a; font-weight: bold; }
table.kp-small { font-size: 7.5pt; }
.kp-two { display: table; width: 100%; border-collapse: collapse; }
.kp-two > .kp-main, .kp-two > .kp-side { display: table-cell; vertical-align: top; }
.kp-two > .kp-side { width: 50mm; padding-left: 5mm; }
svg.kp-map { width: 100%; height: auto; display: block; }
svg.kp-chart { width: 100%; height: auto; display: block; }
figure { margin: 0 0 3mm; break-inside: avoid; }
figcaption { font-size: 8pt; color: #555; margin-top: 1mm; }
.kp-legend { font-size: 8.5pt; margin: 1mm 0; }
.kp-legend .kp-swatch { display: inline-block; width: 4mm; height: 3mm; margin-right: 1.5mm;
                        vertical-align: middle; border: 0.5px solid #aaa; }
.kp-legend div { margin: 0.6mm 0; }
.kp-legend b { display: block; margin-bottom: 1mm; }
.kp-notice { background: #f3f7fa; border-left: 3px solid #8fb9d4; padding: 2mm 3mm;
             margin: 1mm 0 3mm; break-inside: avoid; }
.kp-note { font-size: 8pt; color: #555; }
.kp-sources { font-size: 8pt; }
"""


@dataclass(frozen=True)
class Section:
    """One chapter of a report: a heading and its HTML body (already escaped).

    Attributes
    ----------
    title
        German heading (escaped when rendered).
    body
        HTML of the chapter (built with the helpers of this module).
    new_page
        Whether the chapter starts on a new page in print.
    """

    title: str
    body: str
    new_page: bool = False

    def html(self) -> str:
        cls = ' class="kp-newpage"' if self.new_page else ""
        return f"<section{cls}><h2>{html_text(self.title)}</h2>{self.body}</section>"


def document(title: str, subtitle: str, stand: str, sections: Iterable[Section],
             intro: str = "") -> str:
    """A complete HTML document (A4 print style sheet, running header and page numbers).

    Parameters
    ----------
    title
        Title of the report (first heading, repeated at the top of every page).
    subtitle
        Line below the title (region, AGS, date).
    stand
        Text at the top right of every page, e.g. "Stand der Daten: 31.12.2025".
    sections
        Chapters in order.
    intro
        HTML shown between the title and the first chapter.
    """
    body = "".join(s.html() for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{html_text(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{html_text(title)}</h1>"
        f'<div class="kp-subtitle">{html_text(subtitle)}'
        f'<span class="kp-stand" style="display:block;font-size:8.5pt">{html_text(stand)}'
        "</span></div>"
        f"{intro}{body}</body></html>\n"
    )


def table(frame: pd.DataFrame, *, right: Sequence[str] = (), highlight: object | None = None,
          sum_row: bool = False, small: bool = False) -> str:
    """HTML table of already formatted values (index not shown).

    Parameters
    ----------
    frame
        Cells as text (numbers formatted by the caller); ``"kp-svg:"``-prefixed cells
        are trusted SVG built by :mod:`kulturplan.viz.svg` and inserted as they are.
    right
        Columns aligned right (numbers).
    highlight
        Index value of a row shown highlighted (e.g. the municipality of a Steckbrief).
    sum_row
        Whether the last row is a total (drawn with a rule above).
    small
        Smaller type for wide tables.
    """
    right_set = set(right)
    head = "".join(
        f'<th class="{"kp-r" if c in right_set else ""}">{html_text(c)}</th>'
        for c in frame.columns
    )
    rows = []
    n = len(frame)
    for i, (key, row) in enumerate(frame.iterrows()):
        classes = []
        if highlight is not None and key == highlight:
            classes.append("kp-sel")
        if sum_row and i == n - 1:
            classes.append("kp-sum")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        cells = "".join(
            f'<td class="{"kp-r" if c in right_set else ""}">{_cell(v)}</td>'
            for c, v in row.items()
        )
        rows.append(f"<tr{cls}>{cells}</tr>")
    size = " kp-small" if small else ""
    return (f'<table class="kp-table{size}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


SVG_CELL = "kp-svg:"
"""Prefix of a table cell holding trusted SVG markup (built by :mod:`kulturplan.viz.svg`)."""


def _cell(value: object) -> str:
    if isinstance(value, str) and value.startswith(SVG_CELL):
        return value[len(SVG_CELL):]
    return html_text(value)


def cards(items: Iterable[tuple[str, str]]) -> str:
    """Key-figure cards from ``(number text, label)`` pairs."""
    body = "".join(
        f'<div class="kp-card"><div class="kp-num">{html_text(num)}</div>'
        f'<div class="kp-lbl">{html_text(lbl)}</div></div>'
        for num, lbl in items
    )
    return f'<div class="kp-cards">{body}</div>'


def legend(title: str, entries: Iterable[tuple[str, str]], note: str = "") -> str:
    """Colour legend of a map: ``(label, colour)`` entries, a title and a reading aid."""
    rows = "".join(
        f'<div><span class="kp-swatch" style="background:{html_text(colour)}"></span>'
        f"{html_text(label)}</div>"
        for label, colour in entries
    )
    extra = f'<div class="kp-note">{html_text(note)}</div>' if note else ""
    return f'<div class="kp-legend"><b>{html_text(title)}</b>{rows}{extra}</div>'


def notice(text: str) -> str:
    """A calm German note (e.g. "no facility list yet")."""
    return f'<div class="kp-notice">{html_text(text)}</div>'


def paragraph(text: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f"<p{klass}>{html_text(text)}</p>"


def figure(svg: str, caption: str = "") -> str:
    """A figure with trusted SVG and an escaped caption."""
    cap = f"<figcaption>{html_text(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"
