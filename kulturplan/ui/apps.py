"""The two dashboards: Kreisübersicht and Versorgungslücken.

Each is a widget box built from library components; the dashboard notebooks only call
``Kreisuebersicht.from_env()`` / ``Versorgungsluecken.from_env()``. Loading problems are
shown as a German message (and logged), never as a traceback.
"""

from __future__ import annotations

import logging
import sys
from functools import cached_property
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from kulturplan import catalog, demand
from kulturplan._format import format_number
from kulturplan._safe import html_text
from kulturplan.errors import KulturplanError
from kulturplan.indicators import basic
from kulturplan.ui import style
from kulturplan.ui.data import ENV_VAR, DashboardData
from kulturplan.ui.explorer import IndicatorExplorer, PopulationOverview
from kulturplan.ui.report_download import ReportDownload
from kulturplan.viz.prepare import source_table

if TYPE_CHECKING:  # the gap UI (routing, scipy.sparse.csgraph) is imported when used
    from kulturplan.ui.gaps import GapModel

log = logging.getLogger("kulturplan.ui")

SERVER_LOG_FORMAT = "[kulturplan] %(levelname)s %(message)s"


class _ServerLogHandler(logging.StreamHandler):
    """The handler :func:`configure_server_log` adds (recognised on a second call)."""


def configure_server_log() -> logging.Handler:
    """Send the dashboards' log to the server's terminal; called by ``from_env`` only.

    In a Jupyter/Voilà kernel ``sys.stderr`` is sent to the page; ``sys.__stderr__`` is
    the terminal of the server (``make start``), where problems belong. The library itself
    adds no handler at import; this is the dashboard entry point's configuration. Calling
    it again adds nothing.
    """
    for existing in log.handlers:
        if isinstance(existing, _ServerLogHandler):
            return existing
    handler = _ServerLogHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter(SERVER_LOG_FORMAT))
    log.addHandler(handler)
    log.propagate = False  # not into the page through a handler of the host
    return handler

REACH_KM = 10.0
"""Straight-line distance of the key figures "within reach of a library / music school"."""


def _subtitle(data: DashboardData) -> str:
    muni = data.region.municipalities
    return (
        f"{format_number(len(muni), 0)} Gemeinden · "
        f"{format_number(muni['population'].sum(), 0)} Einwohner:innen (Gemeindeverzeichnis)"
    )


def sources_html(data: DashboardData) -> str:
    """Data sources with their dates and licences (German)."""
    table = source_table(data.region)
    if table.empty:
        return '<div class="kp-sources">Für diese Region sind keine Quellen angegeben.</div>'
    table = table.fillna("")
    table["Stand"] = [str(v).strip() or "nicht angegeben" for v in table["Stand"]]
    return '<div class="kp-sources">' + style.table_html(table) + "</div>"


def facility_counts(data: DashboardData) -> pd.Series:
    """The region's own facilities per category (catalog order, German plural labels).

    Only categories present; facilities outside the region's municipalities (kept for
    reachability) are not counted.
    """
    counts = basic.facility_counts(data.region)
    counts = counts[counts > 0]
    return pd.Series(
        counts.to_numpy(), index=[catalog.category_label(c, plural=True) for c in counts.index]
    )


def no_indicator_note(data: DashboardData) -> str:
    """Calm German note for a region without culture data worth a map yet."""
    name = html_text(data.region.name)
    return (
        '<div class="kp-notice">Für die Region „' + name + "“ sind noch keine "
        "Kultureinrichtungen, Vereine, Veranstaltungen oder Förderdaten erfasst. Die Karte "
        "zeigt deshalb vorerst die Einwohner:innen je Gemeinde. Indikatoren, Rangfolge und "
        "Gemeindeprofile erscheinen hier, sobald eine Einrichtungsliste (Excel-Vorlage) "
        "oder weitere Tabellen für die Region eingelesen sind.</div>"
    )


class _App(w.VBox):
    """Common frame: style sheet, header, content, sources."""

    title = "Kulturplan"
    needs_indicators = True
    """Whether the dashboard shows indicators (else the indicator table is not computed)."""

    @classmethod
    def from_env(cls, env: str = ENV_VAR, **kwargs: Any) -> w.VBox:
        """Build the dashboard for ``$KULTURPLAN_REGION`` (default: demo district).

        Returns an error box with a German message when the data cannot be loaded; the
        details go to the server's log (:func:`configure_server_log`).
        """
        configure_server_log()
        try:
            data = DashboardData.from_env(env, indicators=cls.needs_indicators)
            return cls(data, **kwargs)
        except KulturplanError as exc:
            log.exception("Dashboard %s: Daten konnten nicht geladen werden", cls.title)
            return w.VBox([style.css(), style.header(cls.title), style.error_box(str(exc))])
        except Exception:  # users see a message, the log keeps the traceback
            log.exception("Dashboard %s: unerwarteter Fehler", cls.title)
            return w.VBox(
                [
                    style.css(),
                    style.header(cls.title),
                    style.error_box(
                        "Ein unerwarteter Fehler ist aufgetreten. Die Einzelheiten stehen im "
                        "Protokoll des Servers (Terminal von „make start“)."
                    ),
                ]
            )


class Kreisuebersicht(_App):
    """Kreisübersicht: key figures, indicator map and ranking, profile, data sources."""

    title = "Kreisübersicht"

    def __init__(self, data: DashboardData, **kwargs: Any) -> None:
        self.data = data
        self.key_figures = w.HTML(self._key_figures_html())
        if data.indicators:
            self.explorer: IndicatorExplorer | PopulationOverview = IndicatorExplorer(data)
            body = [
                style.section("Indikatoren nach Gemeinden"),
                w.HTML(
                    '<div class="kp-text">Indikator und Sparte wählen; eine Gemeinde in der '
                    "Liste oder auf der Karte anklicken, um ihr Profil zu sehen.</div>"
                ),
                self.explorer,
            ]
        else:  # e.g. a real Kreis before its facility list is imported
            self.explorer = PopulationOverview(data)
            body = [
                style.section("Gemeinden und Einwohner:innen"),
                w.HTML(no_indicator_note(data)),
                self.explorer,
            ]
        self.report = ReportDownload(
            data.region, table=data.table,
            selection=lambda: {"ags": self.explorer.ags,
                               "indicator": getattr(self.explorer, "indicator", None)},
        )
        children = [
            style.css(),
            style.header(f"{self.title} – {data.region.name}", _subtitle(data)),
            self.key_figures,
            *body,
            style.section("Bericht und Tabellen"),
            self.report,
            style.section("Datenquellen"),
            w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)

    @cached_property
    def gap_model(self) -> GapModel:
        """Population points and distances, built only when a key figure is computed."""
        from kulturplan.ui.gaps import GapModel

        return GapModel(self.data.region)

    def reach_share(self, category: str, km: float = REACH_KM) -> float | None:
        """Share (percent) of inhabitants within ``km`` (straight line) of ``category``.

        ``None`` when the region has no facility of ``category`` (nothing to measure).
        """
        if not (self.data.region.facilities["category"] == category).any():
            return None
        whole = demand.overall(self.gap_model.table(category, km, "km"))
        return 100.0 - whole["share_beyond"] if whole["population"] > 0 else 0.0

    def key_figure_values(self) -> dict[str, str]:
        """The key figures as German text (label → formatted number); cached with the
        region (:meth:`DashboardData.cached`): they need every population point."""
        return self.data.cached("kennzahlen", self._compute_key_figures)

    def _compute_key_figures(self) -> dict[str, str]:
        muni = self.data.region.municipalities
        km = format_number(REACH_KM, 0)
        out = {
            "Einwohner:innen": format_number(muni["population"].sum(), 0),
            "Gemeinden": format_number(len(muni), 0),
            "Kultureinrichtungen": format_number(len(basic.own_facilities(self.data.region)), 0),
        }
        for cat in ("bibliothek", "musikschule"):
            label = catalog.category_label(cat)
            share = self.reach_share(cat)
            if share is None:
                out[f"{label}: noch keine erfasst"] = "–"
            else:
                out[f"wohnen höchstens {km} km (Luftlinie) von einer {label}"] = (
                    f"{format_number(share, 1)} %"
                )
        return out

    def _key_figures_html(self) -> str:
        cards = style.cards_html((v, k) for k, v in self.key_figure_values().items())
        counts = facility_counts(self.data)
        if counts.empty:
            return cards
        chips = " · ".join(
            f"<b>{format_number(n, 0)}</b> {html_text(label)}" for label, n in counts.items()
        )
        outside = int((~basic.is_own_facility(self.data.region)).sum())
        note = (
            f" · außerhalb des Kreises: <b>{format_number(outside, 0)}</b> (zählen nur für die "
            "Erreichbarkeit)" if outside > 0 else ""
        )
        return cards + f'<div class="kp-text">Einrichtungen nach Sparten: {chips}{note}</div>'


class Versorgungsluecken(_App):
    """Versorgungslücken: inhabitants beyond a reachability standard, where and which places."""

    title = "Versorgungslücken"
    needs_indicators = False  # inhabitants beyond a threshold come from access directly

    def __init__(self, data: DashboardData, **kwargs: Any) -> None:
        from kulturplan.ui.gaps import GapExplorer

        self.data = data
        self.explorer = GapExplorer(data)
        self.report = ReportDownload(
            data.region, municipalities=False,
            selection=self.explorer.report_selection,
        )
        children = [
            style.css(),
            style.header(f"{self.title} – {data.region.name}", _subtitle(data)),
            w.HTML(
                '<div class="kp-text">Sparte und Schwelle wählen: Wie viele Einwohner:innen '
                "wohnen weiter entfernt als die Schwelle von der nächsten Einrichtung, wo "
                "wohnen sie (Punkte auf der Karte), und welche Gemeinden sind betroffen?</div>"
            ),
            self.explorer,
            style.section("Bericht und Tabellen"),
            self.report,
            style.section("Datenquellen"),
            w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)
