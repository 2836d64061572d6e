"""Council-ready reports: Gemeindesteckbrief and Kreisbericht as HTML/PDF, tables as Excel.

Quick start (notebook)::

    from kulturplan import report
    html = report.gemeindesteckbrief(region, "99001001")     # one self-contained HTML file
    pdf = report.to_pdf(html)                                  # bytes (WeasyPrint)
    xlsx = report.workbook(region)                             # bytes (openpyxl)
    report.write_report(region, "kreisbericht.pdf")            # by file suffix; never overwrites

* HTML: one file, inline style sheet and inline SVG (maps from the region's polygons,
  charts), nothing loaded from anywhere; print rules for A4 with running header,
  "Seite x von y" and page breaks.
* PDF: the same HTML laid out by WeasyPrint (:mod:`kulturplan.report.pdf`) — no
  browser, no network.
* Excel: one sheet per table (:mod:`kulturplan.report.excel`).

The Kreisbericht is a list of chapter blocks (:mod:`kulturplan.report.blocks`): a new
result type adds a block (and, for input, an entry in ``extras``), not a new report. The
planning hook is ``extras={"scenarios": table}`` (:func:`scenario_table` of a
``kulturplan.planning.compare`` result); cooperation lists, calendar collisions and cost
sharing come in as ``extras["cooperation"]``, ``["calendar"]`` and ``["costs"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kulturplan._paths import write_atomic
from kulturplan.errors import OverwriteRefusedError, ParameterError
from kulturplan.region import Region
from kulturplan.report import steckbrief as _steckbrief
from kulturplan.report._html import Section, document
from kulturplan.report.blocks import (
    KREIS_BLOCKS,
    STECKBRIEF_BLOCKS,
    Block,
    calendar_block,
    cooperation_block,
    cost_block,
    scenario_block,
    scenario_table,
)
from kulturplan.report.context import (
    DEFAULT_CRITERIA,
    DEFAULT_INDICATOR,
    KEY_DECIMALS,
    KEY_INDICATORS,
    ReportContext,
)
from kulturplan.report.excel import workbook_bytes
from kulturplan.report.pdf import PdfEngineError, html_to_pdf

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_INDICATOR",
    "FORMATS",
    "KEY_DECIMALS",
    "KEY_INDICATORS",
    "KREIS_BLOCKS",
    "STECKBRIEF_BLOCKS",
    "Block",
    "PdfEngineError",
    "ReportContext",
    "Section",
    "build",
    "calendar_block",
    "cooperation_block",
    "cost_block",
    "filename",
    "gemeindesteckbrief",
    "kreisbericht",
    "render_html",
    "scenario_block",
    "scenario_table",
    "to_pdf",
    "workbook",
    "write_report",
]

FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Output formats and their MIME types."""


def _context(region: Region | ReportContext, **kwargs: Any) -> ReportContext:
    if isinstance(region, ReportContext):
        return region
    return ReportContext(region, **kwargs)


def render_html(ctx: ReportContext, blocks: Sequence[Block] | None = None) -> str:
    """HTML of the Steckbrief (``ctx.ags`` set) or of the Kreisbericht (blocks in order)."""
    if ctx.ags is not None:
        title, subtitle = _steckbrief.title(ctx)
        return document(title, subtitle, ctx.stand, _steckbrief.sections(ctx))
    sections = [s for s in (b(ctx) for b in (blocks or KREIS_BLOCKS)) if s is not None]
    muni = ctx.region.municipalities
    subtitle = (f"Kulturelle Grundversorgung in {len(muni)} Gemeinden · "
                f"erstellt am {ctx.created:%d.%m.%Y}")
    return document(f"Kreisbericht {ctx.region.name}", subtitle, ctx.stand, sections)


def gemeindesteckbrief(region: Region | ReportContext, ags: str | None = None,
                       **kwargs: Any) -> str:
    """Gemeindesteckbrief of one municipality as a self-contained HTML document.

    Parameters
    ----------
    region
        The region (or a prepared :class:`ReportContext`).
    ags
        8-digit AGS of the municipality.
    **kwargs
        Passed to :class:`ReportContext` (``table``, ``criteria``, ``created``).
    """
    if isinstance(region, ReportContext):
        return render_html(region)
    if ags is None:
        raise ParameterError("Für einen Gemeindesteckbrief fehlt der AGS der Gemeinde.")
    return render_html(ReportContext(region, ags=ags, **kwargs))


def kreisbericht(region: Region | ReportContext, *, blocks: Sequence[Block] | None = None,
                 **kwargs: Any) -> str:
    """Kreisbericht (whole region) as a self-contained HTML document.

    Parameters
    ----------
    region
        The region (or a prepared :class:`ReportContext`).
    blocks
        Chapters in order (default :data:`KREIS_BLOCKS`).
    **kwargs
        Passed to :class:`ReportContext` (``table``, ``indicator``, ``criteria``,
        ``extras``, ``created``).
    """
    return render_html(_context(region, **kwargs), blocks)


def to_pdf(html: str) -> bytes:
    """PDF bytes of a report's HTML (see :func:`kulturplan.report.pdf.html_to_pdf`)."""
    return html_to_pdf(html)


def workbook(region: Region | ReportContext, **kwargs: Any) -> bytes:
    """The report's tables as .xlsx bytes (``ags=`` adds the Steckbrief sheet)."""
    return workbook_bytes(_context(region, **kwargs))


def build(ctx: ReportContext, fmt: str, blocks: Sequence[Block] | None = None) -> bytes:
    """The report of ``ctx`` as bytes in ``fmt`` (``"pdf"``, ``"html"`` or ``"xlsx"``)."""
    if fmt not in FORMATS:
        raise ParameterError(f"Format „{fmt}“ unbekannt; möglich: {', '.join(FORMATS)}.")
    if fmt == "xlsx":
        return workbook_bytes(ctx)
    html = render_html(ctx, blocks)
    return html.encode("utf-8") if fmt == "html" else html_to_pdf(html)


def filename(ctx: ReportContext, fmt: str) -> str:
    """A file name for the report, e.g. ``gemeindesteckbrief_99001001.pdf``."""
    if fmt == "xlsx":
        stem = f"tabellen_{ctx.ags}" if ctx.ags else "tabellen_kreis"
    else:
        stem = f"gemeindesteckbrief_{ctx.ags}" if ctx.ags else "kreisbericht"
    return f"{stem}.{fmt}"


def write_report(region: Region | ReportContext, out: str | Path, *, fmt: str | None = None,
                 force: bool = False, blocks: Sequence[Block] | None = None,
                 **kwargs: Any) -> Path:
    """Write a report file (atomically); an existing file is replaced only with ``force``.

    Parameters
    ----------
    region
        The region (or a prepared :class:`ReportContext`).
    out
        Target file; its suffix gives the format unless ``fmt`` is given.
    fmt
        ``"pdf"``, ``"html"`` or ``"xlsx"``.
    force
        Replace an existing file.
    blocks
        Chapters of a Kreisbericht.
    **kwargs
        Passed to :class:`ReportContext` (``ags`` for a Steckbrief).

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If ``out`` exists and ``force`` is false.
    """
    target = Path(out)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ParameterError(f"Format „{fmt}“ unbekannt; möglich: {', '.join(FORMATS)}.")
    if target.exists() and not force:
        raise OverwriteRefusedError(
            f"{target}: Die Datei existiert bereits und wird nicht überschrieben. Bitte einen "
            "anderen Dateinamen wählen oder --force angeben."
        )
    data = build(_context(region, **kwargs), fmt, blocks)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, data)


