"""Veranstaltungskalender: one Kreis calendar from the municipal feeds, collisions marked.

:class:`CalendarModel` reads the feeds once (:func:`kulturplan.sources.ical.read_calendars`)
and answers filters (Sparte, target group, month) and collision settings (window, radius)
from the merged table, so widget changes only filter. :class:`Veranstaltungskalender` shows a
heat strip of events per day and municipality, the collisions with their reasons, the
events of the next weekend and offers the calendar as ``.ics`` and Excel.

The feeds come from the folder in ``$KULTURPLAN_KALENDER``, else from ``kalender/`` in the
region folder, else (demo district) from ``data/kalender`` of the project; without feeds the
region's own events table is the calendar.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import os
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from kulturplan import catalog
from kulturplan._format import MONTHS_DE, format_number
from kulturplan._paths import project_root, region_folder_from_env
from kulturplan._safe import cell_text
from kulturplan.cooperation.calendar import WINDOWS, event_collisions, event_places
from kulturplan.region import ValidationReport
from kulturplan.sources import ical
from kulturplan.ui import style
from kulturplan.ui.apps import _App, sources_html
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.report_download import ReportDownload
from kulturplan.ui.style import download_link
from kulturplan.ui.widgets import CategoryFilter
from kulturplan.viz import charts

ENV_CALENDAR = "KULTURPLAN_KALENDER"
"""Environment variable naming a folder of ``.ics`` feeds."""

ICS_MIME = "text/calendar"
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

EXPORT_COLUMNS: dict[str, str] = {
    "title": "Veranstaltung",
    "start": "Beginn",
    "end": "Ende",
    "all_day": "ganztägig",
    "location": "Ort",
    "municipality": "Gemeinde",
    "category_label": "Sparte",
    "target_label": "Zielgruppe",
    "source": "Kalender",
}
"""Columns of the Excel export (German headers)."""


def feed_folder(region_folder: Path | None, environ: dict[str, str] | None = None) -> Path | None:
    """Folder of the calendar feeds: ``$KULTURPLAN_KALENDER``, ``<region>/kalender``, demo."""
    env = os.environ if environ is None else environ
    named = env.get(ENV_CALENDAR)
    if named:
        return Path(named)
    if region_folder is not None:
        own = region_folder / "kalender"
        return own if own.is_dir() else None
    root = project_root()
    demo = root / "data" / "kalender" if root is not None else None
    return demo if demo is not None and demo.is_dir() else None


def _label_columns(events: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    out = events.copy()
    out["municipality"] = out["ags"].map(names) if "ags" in out.columns else None
    out["category_label"] = out["category"].map(
        lambda c: catalog.category_label(c) if isinstance(c, str) else "ohne Sparte")
    groups = out["target_group"] if "target_group" in out.columns else pd.Series(
        None, index=out.index)
    out["target_label"] = groups.map(lambda g: catalog.TARGET_GROUPS.get(g, "alle")
                                     if isinstance(g, str) else "alle")
    return out


class CalendarModel:
    """The merged Kreis calendar of a region and cached answers to the dashboard's filters.

    Parameters
    ----------
    data
        Region (facilities and municipalities place the events).
    feeds
        Folder of ``.ics`` feeds; ``None``: the region's events table.
    """

    def __init__(self, data: DashboardData, feeds: Path | None = None) -> None:
        self.data = data
        region = data.region
        if feeds is not None and any(feeds.glob("*.ics")):
            events, self.report = ical.read_calendars(ical.feed_map(feeds, data.names),
                                                      region.facilities)
            self.feed_names = sorted(p.name for p in feeds.glob("*.ics"))
        else:
            events, self.report = region.events.copy(), ValidationReport(())
            self.feed_names = []
        self._counts = dict(events.attrs.get("counts", {}))
        places = event_places(events, region.facilities, region.municipalities)
        events = events.join(places[["x", "y"]])
        self.events = _label_columns(events, data.names)
        self._collisions: dict[tuple[str, float], pd.DataFrame] = {}

    @property
    def counts(self) -> dict[str, int]:
        c = dict(self._counts)
        c.setdefault("kalender", len(self.events))
        return c

    def filtered(self, category: str = "", target_group: str = "") -> pd.DataFrame:
        """Events of a Sparte (``""``: all) and target group (``""``: all; "alle" events count)."""
        ev = self.events
        if category:
            ev = ev[ev["category"] == category]
        if target_group:
            groups = ev["target_group"] if "target_group" in ev.columns else pd.Series(
                None, index=ev.index)
            ev = ev[(groups == target_group) | groups.isna() | (groups == "alle")]
        return ev

    def collisions(self, window: str = "weekend", radius_km: float = 15.0) -> pd.DataFrame:
        """Collisions of the whole calendar (cached per window and radius)."""
        key = (window, float(radius_km))
        if key not in self._collisions:
            self._collisions[key] = event_collisions(self.events, window=window,
                                                     radius_km=radius_km)
        return self._collisions[key]

    def months(self) -> list[pd.Timestamp]:
        """First days of the months that have events."""
        if self.events.empty:
            return []
        return sorted(self.events["start"].dt.to_period("M").unique().to_timestamp())

    def day_matrix(self, events: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
        """Events per municipality (rows, by name) and day of ``month`` (columns)."""
        days = pd.date_range(month, month + pd.offsets.MonthEnd(0), freq="D")
        ev = events[(events["start"] >= days[0]) & (events["start"] < days[-1]
                                                    + pd.Timedelta(days=1))]
        names = ev["municipality"].fillna("ohne Gemeinde")
        table = pd.crosstab(names, ev["start"].dt.normalize())
        table = table.reindex(columns=days, fill_value=0)
        # the same rows for every filter: the municipalities with events in the calendar
        present = set(self.events["municipality"].dropna())
        order = [n for n in self.data.names.sort_values() if n in present]
        return table.reindex(order).fillna(0).astype(int)

    def weekend(self, events: pd.DataFrame, after: pd.Timestamp) -> tuple[pd.Timestamp,
                                                                           pd.DataFrame]:
        """Saturday of the first weekend on or after ``after`` with events, and its events."""
        sat = after.normalize() + pd.Timedelta(days=(5 - after.weekday()) % 7)
        starts = events["start"]
        later = starts[starts >= sat - pd.Timedelta(days=1)]
        for _ in range(60):
            mask = (starts >= sat) & (starts < sat + pd.Timedelta(days=2))
            if mask.any() or later.empty or later.max() < sat:
                return sat, events[mask].sort_values("start")
            sat += pd.Timedelta(days=7)
        return sat, events.iloc[0:0]

    def excel_bytes(self, events: pd.DataFrame, collisions: pd.DataFrame, title: str) -> bytes:
        """Calendar and collisions as an .xlsx file; text written through ``cell_text``."""
        cal = events[list(EXPORT_COLUMNS)].rename(columns=EXPORT_COLUMNS)
        col = collisions[["title_a", "start_a", "title_b", "start_b", "distance_km",
                          "overlap_h", "reasons"]].rename(columns={
                              "title_a": "Veranstaltung", "start_a": "Beginn",
                              "title_b": "kollidiert mit", "start_b": "Beginn (2)",
                              "distance_km": "Entfernung (km)",
                              "overlap_h": "Überschneidung (Std.)", "reasons": "Gründe"})
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            for sheet, frame in (("Kalender", cal), ("Kollisionen", col)):
                safe = frame.map(cell_text)
                safe.to_excel(writer, sheet_name=sheet, index=False, startrow=2)
                ws = writer.sheets[sheet]
                ws["A1"] = cell_text(title)
                for letter in "ABCDEFGHI":
                    ws.column_dimensions[letter].width = 24
        return buf.getvalue()


def ics_link(data: bytes, filename: str, text: str) -> str:
    """HTML link offering an .ics file (data URI, works offline)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<div class="kp-download"><a download="{html_lib.escape(filename)}" '
            f'href="data:{ICS_MIME};base64,{b64}">{html_lib.escape(text)}</a></div>')


def heat_props(matrix: pd.DataFrame, title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Heat strip (plotly heatmap) of events per municipality and day."""
    days = list(matrix.columns)
    labels = [f"{WEEKDAYS_DE[d.weekday()]} {d.day}." for d in days]
    trace = {
        "type": "heatmap", "z": matrix.to_numpy().tolist(), "x": labels, "zmin": 0,
        "zmax": max(1, int(matrix.to_numpy().max()) if matrix.size else 1),
        "y": [str(n) for n in matrix.index], "colorscale": [[0, "#f3f7fa"], [0.001, "#d6e6f2"],
                                                             [1, "#1d5a8a"]],
        "hovertemplate": "%{y}, %{x}: %{z} Termine<extra></extra>", "xgap": 2, "ygap": 2,
        "colorbar": {"title": {"text": "Termine"}, "thickness": 12, "dtick": 1},
    }
    height = max(260, 26 * len(matrix) + 120)
    empty = [] if matrix.to_numpy().sum() else [{
        "text": "Keine Termine der Auswahl in diesem Monat", "showarrow": False,
        "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
        "font": {"size": 16, "color": "#555"}, "bgcolor": "rgba(255,255,255,0.85)"}]
    layout = {**charts.BASE_LAYOUT, "annotations": empty,
              "title": {"text": title, "x": 0, "font": {"size": 18}},
              "height": height, "margin": {"l": 150, "r": 20, "t": 60, "b": 50},
              "xaxis": {"tickangle": -60, "tickfont": {"size": 12}, "type": "category"},
              "yaxis": {"autorange": "reversed", "tickfont": {"size": 13}, "type": "category"}}
    return trace, layout


def _when(start: pd.Timestamp, all_day: bool) -> str:
    day = f"{WEEKDAYS_DE[start.weekday()]} {start:%d.%m.%Y}"
    return day if all_day else f"{day}, {start:%H:%M} Uhr"


class Veranstaltungskalender(_App):
    """Dashboard: the Kreis calendar, collisions with reasons, next weekend, downloads."""

    title = "Veranstaltungskalender"
    needs_indicators = False

    category = t.Unicode("").tag(sync=True)
    target_group = t.Unicode("").tag(sync=True)
    window = t.Unicode("weekend").tag(sync=True)
    radius_km = t.Float(15.0).tag(sync=True)
    month = t.Unicode("").tag(sync=True)

    def __init__(self, data: DashboardData, *, feeds: Path | None = None,
                 today: pd.Timestamp | None = None, **kwargs: Any) -> None:
        self.data = data
        folder = feeds if feeds is not None else feed_folder(region_folder_from_env())
        self.model = CalendarModel(data, folder)
        self.today = pd.Timestamp.today().normalize() if today is None else today
        months = self.model.months()
        self.category_picker = CategoryFilter(description="Sparte")
        self.group_picker = w.Dropdown(
            options=[("Alle Zielgruppen", "")] + [(v, k) for k, v in catalog.TARGET_GROUPS.items()
                                                   if k != "alle"],
            value="", description="Zielgruppe", style={"description_width": "110px"},
            layout=w.Layout(width="340px"))
        self.window_picker = w.ToggleButtons(
            options=[(label, key) for key, label in WINDOWS.items()], value="weekend",
            description="Kollision", style={"description_width": "110px", "button_width":
                                            "190px"})
        self.radius = w.IntSlider(value=15, min=1, max=50, step=1, description="Umkreis (km)",
                                  style={"description_width": "110px"},
                                  layout=w.Layout(width="420px"))
        month_options = [(f"{MONTHS_DE[m.month - 1]} {m.year}", f"{m:%Y-%m}") for m in months]
        start_month = self._start_month(months)
        self.month_picker = w.Dropdown(options=month_options or [("–", "")],
                                       value=start_month, description="Monat",
                                       style={"description_width": "110px"},
                                       layout=w.Layout(width="340px"))
        self.month = start_month
        self.cards = w.HTML()
        self.heat = FigureView(draw=False)
        self.heat.add_class("kp-heat")
        self.collision_table = w.HTML()
        self.collision_table.add_class("kp-collisions")
        self.weekend_box = w.HTML()
        self.weekend_box.add_class("kp-weekend")
        self.downloads = w.HTML()
        self.import_note = w.HTML(self._import_html())
        self.report = ReportDownload(data.region, municipalities=False,
                                     selection=lambda: {"extras": self.report_extras()})
        controls = w.VBox([
            w.HBox([self.category_picker, self.group_picker, self.month_picker],
                   layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.window_picker, self.radius], layout=w.Layout(flex_flow="row wrap")),
        ])
        children = [
            style.css(),
            style.header(f"{self.title} – {data.region.name}", self._subtitle()),
            w.HTML('<div class="kp-text">Ein gemeinsamer Kalender aus den Kalendern der '
                   "Gemeinden: Was findet wann und wo statt, und wo machen sich Veranstaltungen "
                   "derselben Sparte und Zielgruppe in der Nähe Konkurrenz?</div>"),
            self.cards, controls, self.heat,
            style.section("Überschneidungen"), self.collision_table,
            style.section("Am nächsten Wochenende"), self.weekend_box,
            style.section("Kalender herunterladen"), self.downloads,
            style.section("Bericht und Tabellen"), self.report,
            style.section("Import der Kalender"), self.import_note,
            style.section("Datenquellen"), w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)
        t.link((self.category_picker, "value"), (self, "category"))
        t.link((self.group_picker, "value"), (self, "target_group"))
        t.link((self.window_picker, "value"), (self, "window"))
        t.link((self.month_picker, "value"), (self, "month"))
        self.radius.observe(lambda ch: setattr(self, "radius_km", float(ch["new"])), "value")
        self.refresh()

    def _start_month(self, months: list[pd.Timestamp]) -> str:
        if not months:
            return ""
        current = self.today.to_period("M").to_timestamp()
        pick = current if current in months else months[0]
        # the demo calendar: the month with the most collisions is the telling one
        if current not in months:
            col = self.model.collisions("weekend", 15.0)
            if len(col):
                pick = col["start_a"].dt.to_period("M").value_counts().idxmax().to_timestamp()
        return f"{pick:%Y-%m}"

    def _subtitle(self) -> str:
        c = self.model.counts
        feeds = len(self.model.feed_names)
        src = f"{format_number(feeds, 0)} Kalender" if feeds else "Veranstaltungstabelle"
        return f"{src} · {format_number(c.get('kalender', 0), 0)} Termine"

    @t.observe("category", "target_group", "window", "radius_km", "month")
    def _on_change(self, change: dict[str, Any]) -> None:
        if hasattr(self, "downloads"):
            self.refresh()

    # -- views ---------------------------------------------------------------------------
    def current_events(self) -> pd.DataFrame:
        return self.model.filtered(self.category, self.target_group)

    def current_collisions(self) -> pd.DataFrame:
        """Collisions of the whole calendar involving an event of the current filter."""
        col = self.model.collisions(self.window, self.radius_km)
        shown = set(self.current_events().index)
        return col[col["event_a"].isin(shown) | col["event_b"].isin(shown)]

    def report_extras(self) -> dict[str, Any]:
        """``extras["calendar"]`` of :func:`kulturplan.report.blocks.calendar_block`."""
        if not self.month:
            return {}
        starts = self.current_events()["start"]
        return {"calendar": {
            "month": pd.Timestamp(self.month + "-01"), "collisions": self.current_collisions(),
            "window": WINDOWS[self.window], "radius_km": self.radius_km,
            "events": int((starts.dt.strftime("%Y-%m") == self.month).sum())}}

    def refresh(self) -> None:
        events = self.current_events()
        collisions = self.current_collisions()
        c = self.model.counts
        self.cards.value = style.cards_html([
            (format_number(len(events), 0), "Termine (Auswahl)"),
            (format_number(len(collisions), 0), f"Überschneidungen ({WINDOWS[self.window]}, "
             f"bis {format_number(self.radius_km, 0)} km)"),
            (format_number(c.get("doppelt", 0), 0), "doppelt gemeldete Termine erkannt"),
            (format_number(int(self.model.events["category"].isna().sum()), 0),
             "Termine ohne erkannte Sparte"),
        ])
        if self.month:
            month = pd.Timestamp(self.month + "-01")
            matrix = self.model.day_matrix(events, month)
            trace, layout = heat_props(
                matrix, f"<b>Termine je Tag und Gemeinde</b> – {MONTHS_DE[month.month - 1]} "
                f"{month.year}")
            self.heat.update(trace, layout)
        self.collision_table.value = self._collision_html(collisions)
        self.weekend_box.value = self._weekend_html(events)
        self._update_downloads(events, collisions)

    def _collision_html(self, collisions: pd.DataFrame) -> str:
        if collisions.empty:
            return ('<div class="kp-text">Keine Überschneidungen: keine zwei Veranstaltungen '
                    "derselben Sparte und Zielgruppe liegen "
                    f"{html_lib.escape(WINDOWS[self.window])} näher als "
                    f"{format_number(self.radius_km, 0)} km beieinander.</div>")
        ev = self.model.events
        shown = pd.DataFrame({
            "Veranstaltung": collisions["title_a"].to_numpy(),
            "Wann": [_when(s, bool(ev.at[e, "all_day"])) for s, e in
                     zip(collisions["start_a"], collisions["event_a"], strict=True)],
            "Gemeinde": ev.loc[collisions["event_a"], "municipality"].fillna("–").to_numpy(),
            "kollidiert mit": collisions["title_b"].to_numpy(),
            "Wann ": [_when(s, bool(ev.at[e, "all_day"])) for s, e in
                      zip(collisions["start_b"], collisions["event_b"], strict=True)],
            "Gemeinde ": ev.loc[collisions["event_b"], "municipality"].fillna("–").to_numpy(),
            "Gründe": collisions["reasons"].to_numpy(),
        })
        note = ('<div class="kp-note">Hinweise, keine Verbote: gleiche Sparte und Zielgruppe '
                "im Umkreis zur selben Zeit, oder derselbe Ort doppelt belegt. Entfernungen als "
                "Luftlinie zwischen den Veranstaltungsorten (oder Gemeindemitten).</div>")
        return ('<div class="kp-warn" style="border-left:5px solid #d08c3c;padding-left:10px">'
                + style.table_html(shown, max_rows=60) + "</div>" + note)

    def _weekend_html(self, events: pd.DataFrame) -> str:
        first = self.model.events["start"].min() if len(self.model.events) else self.today
        last = self.model.events["start"].max() if len(self.model.events) else self.today
        after = self.today if first <= self.today <= last else pd.Timestamp(self.month + "-01") \
            if self.month else first
        sat, we = self.model.weekend(events, after)
        head = f"Wochenende {sat:%d.%m.}–{sat + pd.Timedelta(days=1):%d.%m.%Y}"
        if we.empty:
            return f'<div class="kp-text">{head}: keine Termine in der Auswahl.</div>'
        shown = pd.DataFrame({
            "Wann": [_when(s, bool(a)) for s, a in zip(we["start"], we["all_day"], strict=True)],
            "Veranstaltung": we["title"].to_numpy(),
            "Ort": we["location"].fillna("–").to_numpy() if "location" in we.columns else "–",
            "Gemeinde": we["municipality"].fillna("–").to_numpy(),
            "Sparte": we["category_label"].to_numpy(),
        })
        return f'<div class="kp-text"><b>{head}</b></div>' + style.table_html(shown,
                                                                             max_rows=40)

    def _update_downloads(self, events: pd.DataFrame, collisions: pd.DataFrame) -> None:
        name = self.data.region.name
        xlsx = self.model.excel_bytes(events, collisions, f"Veranstaltungskalender {name}")
        ics = ical.write_ics(events, name=f"Kreiskalender {name}")
        self.downloads.value = (
            '<div class="kp-downloads" style="display:flex;gap:16px">'
            + ics_link(ics, "kreiskalender.ics", "Kalender als .ics (für Outlook, Thunderbird, "
                       "Handy)")
            + download_link(xlsx, "veranstaltungskalender.xlsx",
                            "Kalender und Überschneidungen als Excel")
            + "</div>")

    def _import_html(self) -> str:
        problems = list(self.model.report.problems)
        if not problems:
            return ('<div class="kp-note">Die Termine stammen aus der Veranstaltungstabelle der '
                    "Region.</div>")
        summary = [p for p in problems if p.row is None and p.column is None]
        details = [p for p in problems if p not in summary]
        items = "".join(f"<li>{html_lib.escape(str(p))}</li>" for p in summary)
        more = "".join(f"<li>{html_lib.escape(str(p))}</li>" for p in details[:200])
        return (f'<div class="kp-text"><ul>{items}</ul></div>'
                f'<details class="kp-note"><summary>{format_number(len(details), 0)} Hinweise '
                f"zu einzelnen Terminen (nichts wurde verworfen)</summary><ul>{more}</ul>"
                "</details>")
