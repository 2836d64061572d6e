"""Kostenteilung: what each member of a shared facility pays under each key, and alone.

:class:`CostSharingModel` builds the cost game of a shared facility
(:func:`kulturplan.cooperation.costs.shared_facility_game`) and the allocations side by
side (:func:`~kulturplan.cooperation.costs.cost_shares`,
:func:`~kulturplan.cooperation.costs.kulturumlage`).
:class:`Kostenteilung` shows them as a table and grouped bars, explains each key in plain
German, lists coalitions better off alone, and offers an Excel file for the council paper.
The demo shows the music-school Zweckverband of Musterland
(:func:`kulturplan.demo.music_school_association`); its numbers are fictional.
"""

from __future__ import annotations

import html as html_lib
import io
from typing import Any

import ipywidgets as w
import pandas as pd

from kulturplan._format import format_number
from kulturplan._safe import cell_text
from kulturplan.cooperation import costs
from kulturplan.ui import style
from kulturplan.ui.apps import _App, sources_html
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.report_download import ReportDownload
from kulturplan.ui.style import download_link
from kulturplan.viz import charts

KEYS: dict[str, tuple[str, str]] = {
    "alone": ("allein", "Was die Gemeinde zahlen müsste, wenn sie eine eigene Musikschule "
              "betriebe (Fixkosten plus ihre Unterrichtsstunden). Kein Schlüssel, sondern der "
              "Vergleichsmaßstab: Mehr als das sollte niemand tragen."),
    "inhabitants": ("nach Einwohner:innen", "Jede Gemeinde zahlt nach ihrem Anteil an den "
                    "Einwohner:innen des Verbands – einfach, aber unabhängig davon, wie viele "
                    "Kinder aus ihr die Schule nutzen."),
    "usage": ("nach Nutzung", "Jede Gemeinde zahlt nach den Unterrichtsstunden der "
              "Schüler:innen, die in ihr wohnen (Wohnortprinzip, wie viele Zweckverbände)."),
    "umlage": ("nach Finanzkraft (Umlage)", "Ein einheitlicher Hebesatz auf die "
               "Umlagegrundlagen (Steuerkraft) jeder Gemeinde, wie die Kulturumlage der "
               "sächsischen Kulturräume: Wer finanzstärker ist, trägt mehr."),
    "shapley": ("Shapley-Wert", "Jede Gemeinde zahlt die Mehrkosten, die sie im Mittel "
                "verursacht, wenn die Gemeinden in allen denkbaren Reihenfolgen beitreten "
                "(Shapley 1953). Gerecht im Sinne „jede trägt, was sie verursacht“."),
    "nucleolus": ("Nukleolus", "Die Aufteilung, bei der die am wenigsten begünstigte Gruppe "
                  "von Gemeinden so viel wie möglich gegenüber dem Alleingang spart "
                  "(Schmeidler 1969). Liegt immer im „Kern“, wenn es dort eine Aufteilung "
                  "gibt: Keine Gruppe stünde allein besser da."),
}
"""Column id → (German label, plain-German explanation) of the cost-sharing table."""

COLOURS = {"alone": "#b0b7bf", "inhabitants": "#8fb9d4", "usage": "#4a8bbf",
           "umlage": "#d08c3c", "shapley": "#1d5a8a", "nucleolus": "#2e7d5b"}


class CostSharingModel:
    """A shared facility, its members, its cost game and all allocations.

    Parameters
    ----------
    association
        Members (AGS → name), ``population``, ``hours`` (use by residence), ``bases``
        (Umlagegrundlagen) and the cost model (``fixed``, ``per_hour``, ``exponent``,
        ``per_member``), e.g. :func:`kulturplan.demo.music_school_association`.
    """

    def __init__(self, association: Any) -> None:
        self.association = association
        members = list(association.members.index)
        self.members = members
        self.cost = costs.shared_facility_game(
            association.hours.reindex(members), fixed=association.fixed,
            per_unit=association.per_hour, exponent=association.exponent,
            per_member=association.per_member)
        self.total = float(self.cost[-1])
        table = costs.cost_shares(self.cost, members, keys={
            "inhabitants": association.population, "usage": association.hours})
        umlage = costs.kulturumlage(self.total, association.bases.reindex(members))
        table.insert(3, "umlage", umlage.amounts.to_numpy())
        self.rate = umlage.rate
        self.table = table
        self.violations = {col: costs.core_violations(self.cost, table[col].rename(None))
                           for col in table.columns if col != "alone"}

    def names(self) -> pd.Series:
        return self.association.members.astype(str)

    def above_alone(self) -> dict[str, list[str]]:
        """Column → names of members paying more than alone."""
        names = self.names()
        return {col: [names[m] for m in self.table.index[self.table[col] >
                                                          self.table["alone"] + 1e-6]]
                for col in self.table.columns if col != "alone"}

    def display_table(self) -> pd.DataFrame:
        """German table: inhabitants, hours and what each member pays (EUR, rounded)."""
        names = self.names()
        a = self.association
        out = pd.DataFrame({
            "Gemeinde": names.to_numpy(),
            "Einwohner:innen": [format_number(v, 0) for v in a.population.reindex(self.members)],
            "Stunden": [format_number(v, 0) for v in a.hours.reindex(self.members)],
        }, index=self.members)
        for col in self.table.columns:
            out[KEYS[col][0]] = [format_number(v, 0) + " €" for v in self.table[col]]
        total = {"Gemeinde": "zusammen",
                 "Einwohner:innen": format_number(a.population.sum(), 0),
                 "Stunden": format_number(a.hours.sum(), 0)}
        for col in self.table.columns:
            total[KEYS[col][0]] = format_number(self.table[col].sum(), 0) + " €"
        return pd.concat([out, pd.DataFrame([total], index=["_total"])])

    def report_extras(self, title: str) -> dict[str, Any]:
        """``extras["costs"]`` of :func:`kulturplan.report.blocks.cost_block` (German labels)."""
        return {"title": title, "alone": KEYS["alone"][0],
                "shares": self.table.rename(columns={c: KEYS[c][0] for c in self.table.columns}),
                "explanations": {KEYS[c][0]: KEYS[c][1] for c in self.table.columns}}

    def bar_traces(self) -> list[dict[str, Any]]:
        names = self.names().tolist()
        return [{"type": "bar", "name": KEYS[col][0], "x": names,
                 "y": [round(float(v)) for v in self.table[col]],
                 "marker": {"color": COLOURS[col]},
                 "hovertemplate": "%{x}: %{y:,.0f} €<extra>" + KEYS[col][0] + "</extra>"}
                for col in self.table.columns]

    def excel_bytes(self, title: str) -> bytes:
        """The table (numbers in EUR) and the explanations as .xlsx; text through cell_text."""
        frame = self.table.rename(columns={c: KEYS[c][0] for c in self.table.columns}).round(2)
        frame.insert(0, "Gemeinde", self.names().to_numpy())
        frame.insert(1, "Stunden", self.association.hours.reindex(self.members).to_numpy())
        frame.insert(1, "Einwohner:innen",
                     self.association.population.reindex(self.members).to_numpy())
        frame.index.name = "AGS"
        notes = pd.DataFrame({"Schlüssel": [v[0] for v in KEYS.values()],
                              "Erklärung": [v[1] for v in KEYS.values()]})
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            frame.map(cell_text).to_excel(writer, sheet_name="Kostenteilung", startrow=2)
            ws = writer.sheets["Kostenteilung"]
            ws["A1"] = cell_text(title)
            for letter in "ABCDEFGHIJK":
                ws.column_dimensions[letter].width = 20
            notes.to_excel(writer, sheet_name="Erläuterung", index=False)
            writer.sheets["Erläuterung"].column_dimensions["B"].width = 110
        return buf.getvalue()


class Kostenteilung(_App):
    """Dashboard: a shared facility, its members, each key side by side, the core check."""

    title = "Kostenteilung"
    needs_indicators = False

    def __init__(self, data: DashboardData, *, association: Any = None, **kwargs: Any) -> None:
        self.data = data
        if association is None:
            from kulturplan.demo import music_school_association

            association = music_school_association(data.region)
        self.model = CostSharingModel(association)
        m = self.model
        a = association
        self.cards = w.HTML(style.cards_html([
            (format_number(m.total, 0) + " €", "Kosten der gemeinsamen Musikschule im Jahr"),
            (format_number(m.table["alone"].sum(), 0) + " €", "Kosten, wenn jede Gemeinde "
             "eine eigene betriebe"),
            (format_number(m.table["alone"].sum() - m.total, 0) + " €", "Ersparnis durch den "
             "Verband"),
            (f"{format_number(100 * m.rate, 2)} %", "Umlagesatz auf die Finanzkraft"),
        ]))
        self.chart = FigureView(draw=False)
        self.chart.traces = m.bar_traces()
        self.chart.fig_layout = {
            **charts.BASE_LAYOUT, "barmode": "group", "height": 440, "showlegend": True,
            "legend": {"orientation": "h", "y": -0.15},
            "title": {"text": "<b>Was jede Gemeinde zahlt</b> – nach Schlüssel und allein",
                      "x": 0, "font": {"size": 18}},
            "yaxis": {"title": {"text": "Euro im Jahr"}, "tickformat": ",.0f"},
            "margin": {"l": 80, "r": 20, "t": 60, "b": 90},
        }
        self.chart.redraw()
        self.table = w.HTML(style.table_html(
            m.display_table(), right=[c for c in m.display_table().columns if c != "Gemeinde"]))
        self.table.add_class("kp-costtable")
        self.core = w.HTML(self._core_html())
        self.core.add_class("kp-core")
        xlsx = m.excel_bytes(f"{a.name}: Kostenteilung ({data.region.name}, fiktive Zahlen)")
        self.download = w.HTML(download_link(xlsx, "kostenteilung.xlsx",
                                             "Tabelle als Excel für die Sitzungsvorlage"))
        self.report = ReportDownload(data.region, municipalities=False, selection=lambda: {
            "extras": {"costs": m.report_extras(a.name)}})
        members = ", ".join(html_lib.escape(n) for n in m.names())
        intro = (
            f'<div class="kp-text"><b>{html_lib.escape(a.name)}</b> mit {members}. Die '
            "Musikschule kostet im Jahr Fixkosten von "
            f"{format_number(a.fixed, 0)} € (Leitung, Verwaltung, Gebäude), rund "
            f"{format_number(a.per_hour, 0)} € je Unterrichtsstunde (mit etwas Größenvorteil) "
            f"und {format_number(a.per_member, 0)} € für jede weitere Zweigstelle. Wie sollen "
            "die Gemeinden die Kosten teilen?</div>"
            '<div class="kp-note">Beispiel mit fiktiven Zahlen des Demo-Landkreises.</div>')
        explain = "".join(f"<li><b>{html_lib.escape(lbl)}</b>: {html_lib.escape(text)}</li>"
                          for lbl, text in KEYS.values())
        children = [
            style.css(),
            style.header(f"{self.title} – {data.region.name}", a.name),
            w.HTML(intro), self.cards, self.chart,
            style.section("Anteile je Gemeinde"), self.table, self.download,
            style.section("Stünde eine Gemeinde allein besser da?"), self.core,
            style.section("Die Schlüssel in einfachen Worten"),
            w.HTML(f'<div class="kp-text"><ul>{explain}</ul></div>'),
            style.section("Bericht und Tabellen"), self.report,
            style.section("Datenquellen"), w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)

    def _core_html(self) -> str:
        m = self.model
        names = m.names()
        parts = []
        for col, bad in m.violations.items():
            label = KEYS[col][0]
            if bad.empty:
                parts.append(f"<li><b>{html_lib.escape(label)}</b>: keine Gemeinde und keine "
                             "Gruppe von Gemeinden zahlt mehr, als sie allein zahlen würde.</li>")
                continue
            # a single municipality first: the case a council asks about
            first = bad.assign(k=bad["members"].map(len)).sort_values(
                ["k", "saving"], ascending=[True, False], kind="stable").iloc[0]
            who = ", ".join(names[x] for x in first["members"])
            parts.append(
                f"<li><b>{html_lib.escape(label)}</b>: {format_number(len(bad), 0)} Gruppen "
                "stünden allein besser da, am deutlichsten "
                f"{html_lib.escape(who)}: {format_number(first['pays'], 0)} € statt "
                f"{format_number(first['alone'], 0)} € allein.</li>")
        return f'<div class="kp-text"><ul>{"".join(parts)}</ul></div>'
