"""Download buttons for reports: "Bericht herunterladen (PDF)" and "Tabellen (Excel)".

:class:`ReportDownload` is one reusable widget for every dashboard: it asks its dashboard
for the current selection (a callable returning keyword arguments of
:class:`kulturplan.report.ReportContext`, e.g. ``{"ags": …, "indicator": …}``), builds
the Gemeindesteckbrief / Kreisbericht as PDF or the tables as Excel when a button is
clicked, shows a progress note while it builds and then offers the file as a download
link (the data-URI mechanism of :func:`kulturplan.ui.style.download_link`, works offline).
Reports contain aggregated numbers only (no personal data).

Adding it to a dashboard::

    self.report = ReportDownload(data.region, table=data.table,
                                 selection=lambda: {"ags": self.explorer.ags})
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from kulturplan._format import format_number
from kulturplan._safe import html_text
from kulturplan.errors import KulturplanError
from kulturplan.region import Region
from kulturplan.ui.style import download_link

log = logging.getLogger("kulturplan.ui")

Selection = Callable[[], Mapping[str, Any]]
"""Callable giving the dashboard's current selection as ReportContext keywords."""

LABELS: dict[str, str] = {"pdf": "Bericht herunterladen (PDF)", "xlsx": "Tabellen (Excel)"}
"""Button texts by format."""

WORKING = "Der Bericht wird erstellt … bitte einen Moment warten."


def _size(data: bytes) -> str:
    kb = len(data) / 1024
    return f"{format_number(kb, 0)} KB" if kb < 1024 else f"{format_number(kb / 1024, 1)} MB"


class ReportDownload(w.VBox):
    """PDF report and Excel tables of the current selection, built on demand.

    Parameters
    ----------
    region
        The dashboard's region.
    table
        Its indicator table (computed by the report when ``None`` or without columns).
    selection
        Current selection as :class:`~kulturplan.report.ReportContext` keywords (``ags``,
        ``indicator``, ``criteria``); ``ags`` set gives the Gemeindesteckbrief of that
        municipality unless "Ganzer Kreis" is chosen.
    municipalities
        Whether the dashboard has a municipality selection (shows the choice
        "Gewählte Gemeinde" / "Ganzer Kreis").

    Attributes
    ----------
    scope
        ``"gemeinde"`` or ``"kreis"`` (synced with the toggle).
    last
        Format, file name and bytes of the last file built (for tests), or ``None``.
    """

    scope = t.Unicode("gemeinde").tag(sync=True)

    def __init__(self, region: Region, *, table: pd.DataFrame | None = None,
                 selection: Selection | None = None, municipalities: bool = True,
                 **kwargs: Any) -> None:
        self.region = region
        self.table = table if table is not None and table.shape[1] else None
        self.selection = selection or (lambda: {})
        self.last: tuple[str, str, bytes] | None = None
        self.scope_toggle = w.ToggleButtons(
            options=[("Gewählte Gemeinde", "gemeinde"), ("Ganzer Kreis", "kreis")],
            value="gemeinde" if municipalities else "kreis", description="Bericht für",
            style={"description_width": "initial", "button_width": "190px"},
        )
        self.scope_toggle.layout.display = None if municipalities else "none"
        self.buttons = {
            fmt: w.Button(description=text, layout=w.Layout(width="auto", height="34px"),
                          button_style="primary" if fmt == "pdf" else "",
                          style={"font_size": "15px"})
            for fmt, text in LABELS.items()
        }
        for fmt, button in self.buttons.items():
            button.on_click(lambda _b, f=fmt: self.build(f))
            button.add_class(f"kp-report-{fmt}")
        self.status = w.HTML()
        self.link = w.HTML()
        self.link.add_class("kp-report-link")
        super().__init__(children=[self.scope_toggle, w.HBox(list(self.buttons.values())),
                                   self.status, self.link], **kwargs)
        self.scope = self.scope_toggle.value
        t.link((self.scope_toggle, "value"), (self, "scope"))

    def context_kwargs(self) -> dict[str, Any]:
        """ReportContext keywords of the current selection and scope."""
        chosen = {k: v for k, v in dict(self.selection()).items() if v is not None}
        if self.scope == "kreis":
            chosen.pop("ags", None)
        return chosen

    def build(self, fmt: str) -> bytes | None:
        """Build the file in ``fmt`` ("pdf" or "xlsx"), show progress, then the link."""
        from kulturplan import report

        for button in self.buttons.values():
            button.disabled = True
        self.link.value = ""
        self.status.value = f'<div class="kp-note">{WORKING}</div>'
        try:
            ctx = report.ReportContext(self.region, table=self.table, **self.context_kwargs())
            data = report.build(ctx, fmt)
        except KulturplanError as exc:
            log.warning("Bericht nicht erstellt: %s", exc)
            self.status.value = ('<div class="kp-error">Der Bericht konnte nicht erstellt '
                                 f"werden: {html_text(exc)}</div>")
            return None
        finally:
            for button in self.buttons.values():
                button.disabled = False
        name = report.filename(ctx, fmt)
        place = ctx.names[ctx.ags] if ctx.ags else self.region.name
        what = f"Tabellen {place}" if fmt == "xlsx" else (
            f"Gemeindesteckbrief {place}" if ctx.ags else f"Kreisbericht {place}")
        self.last = (fmt, name, data)
        self.status.value = (f'<div class="kp-note">Fertig: {html_text(what)} '
                             f"({_size(data)}). Zum Speichern auf den Link klicken.</div>")
        self.link.value = download_link(data, name, f"{what} speichern ({name})",
                                        mime=report.FORMATS[fmt])
        return data
