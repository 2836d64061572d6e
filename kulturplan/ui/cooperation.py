"""The Kooperation dashboard: places like mine, networks, partners, duplicates, tandems, volunteers.

:class:`CooperationModel` holds every table the dashboard shows (testable without a
browser, from :mod:`kulturplan.cooperation`); :class:`Kooperation` arranges them: pick a
municipality → its most similar places (map and list with reasons), partners nearby per
Sparte and its network suggestion; tabs with the networks, duplicated offers,
best-practice tandems and the volunteer exchange (ids and municipalities only). Every
list can be downloaded as an Excel file.
"""

from __future__ import annotations

import io
from dataclasses import fields
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan._safe import cell_text, html_text
from kulturplan.cooperation import (
    duplicate_offers,
    match_volunteers,
    network_typology,
    partners,
    profile_table,
    similar_municipalities,
    tandems,
    typology_rule_text,
)
from kulturplan.cooperation.duplicates import COLUMNS_DE as DUPLICATE_COLUMNS
from kulturplan.cooperation.networks import NETWORK_LABELS
from kulturplan.cooperation.partners import COLUMNS_DE as PARTNER_COLUMNS
from kulturplan.cooperation.partners import KIND_LABELS
from kulturplan.cooperation.similar import indicator_label
from kulturplan.cooperation.tandems import COLUMNS_DE as TANDEM_COLUMNS
from kulturplan.region import Region
from kulturplan.ui import style
from kulturplan.ui.apps import _App, _subtitle, sources_html
from kulturplan.ui.data import DashboardData, region_folder_from_env
from kulturplan.ui.report_download import ReportDownload
from kulturplan.ui.style import download_link
from kulturplan.ui.widgets import ALL, CategoryFilter, MunicipalityPicker
from kulturplan.viz import prepare
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.spec import MapSpec, map_spec

__all__ = ["OFFERS_FILE", "REQUESTS_FILE", "CooperationModel", "Kooperation", "excel_bytes"]

OFFERS_FILE = "freiwillige_angebote.csv"
"""Volunteer offers next to a region folder's tables (pseudonymous, see sources.volunteers)."""

REQUESTS_FILE = "freiwillige_gesuche.csv"
"""Organisations' requests next to a region folder's tables."""

K_SIMILAR = 8
"""Similar municipalities listed per municipality."""

PARTNER_MINUTES = 20.0
"""Reach of a partner in estimated car minutes."""

PARTNER_ROWS = 15
"""Partner pairs shown on screen (all of them in the Excel file)."""

SIMILAR_COLOURS = {
    "gewählte Gemeinde": "#1d5a8a",
    "sehr ähnlich (Rang 1–3)": "#5b9bc8",
    "ähnlich (Rang 4–8)": "#b9d6ea",
    "weitere Gemeinden": "#f1f1f1",
}
NETWORK_COLOURS = {
    NETWORK_LABELS["klein"]: "#c9dfa8",
    NETWORK_LABELS["gross"]: "#7a9fc2",
}

COOP_CSS = """<style>
.kp-cooptable td { vertical-align: top; }
.kp-cooptable td:last-child { max-width: 560px; }
.widget-tab > .p-TabBar .p-TabBar-tab, .widget-tab > .lm-TabBar .lm-TabBar-tab {
  font-size: 15px; flex: 0 0 auto !important; min-width: 150px; max-width: none !important;
  padding: 0 14px; }
</style>"""


def _load_volunteers(folder: Path | None, region: Region) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Offers and requests of a region folder (read without personal data), else the demo's."""
    if folder is None:
        from kulturplan.demo import volunteer_offers, volunteer_requests

        return volunteer_offers(region), volunteer_requests(region)
    from kulturplan.sources.volunteers import read_offers, read_requests

    offers_file, requests_file = folder / OFFERS_FILE, folder / REQUESTS_FILE
    if not (offers_file.exists() and requests_file.exists()):
        return pd.DataFrame(), pd.DataFrame()
    muni = region.municipalities
    return (read_offers(offers_file, municipalities=muni).data,
            read_requests(requests_file, municipalities=muni).data)


def excel_bytes(frame: pd.DataFrame, *, sheet: str, title: str, attribution: str) -> bytes:
    """One list as an .xlsx file: title, sources, German headers; text cells made safe."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).map(cell_text)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        out.to_excel(writer, sheet_name=sheet[:31], index=False, startrow=3)
        ws = writer.sheets[sheet[:31]]
        ws["A1"] = cell_text(title)
        ws["A2"] = cell_text(attribution)
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 22
    return buf.getvalue()


class CooperationModel:
    """All tables of the Kooperation dashboard for one region.

    Parameters
    ----------
    region
        The region.
    offers, requests
        Volunteer offers and requests (:mod:`kulturplan.sources.volunteers`); empty frames
        when the region has no Freiwilligenbörse.
    """

    def __init__(self, region: Region, *, offers: pd.DataFrame | None = None,
                 requests: pd.DataFrame | None = None) -> None:
        self.region = region
        self.names = region.municipalities["name"].astype(str)
        self.profile = profile_table(region)
        self.similar = similar_municipalities(self.profile, k=K_SIMILAR)
        self.typology = network_typology(pd.DataFrame({
            "population": region.municipalities["population"],
            "sparten": self.profile.get("sparten_anzahl", pd.Series(0, index=self.names.index)),
            "urban_degree": region.municipalities.get("urban_degree"),
        }, index=region.municipalities.index))
        self.partners = partners(region, max_cost=PARTNER_MINUTES, unit="min")
        self.duplicates = duplicate_offers(region)
        self.tandems = tandems(region, similar=self.similar)
        self.offers = offers if offers is not None else pd.DataFrame()
        self.requests = requests if requests is not None else pd.DataFrame()
        self.match = (match_volunteers(self.offers, self.requests, region)
                      if len(self.offers) and len(self.requests) else None)

    # -- per municipality ---------------------------------------------------------------------
    def similar_to(self, ags: str) -> pd.DataFrame:
        """The similar municipalities of ``ags`` (rank, name, distance, reason)."""
        rows = self.similar[self.similar["ags"] == ags]
        return pd.DataFrame({
            "rank": rows["rank"].to_numpy(), "neighbour": rows["neighbour"].to_numpy(),
            "name": rows["neighbour"].map(self.names).to_numpy(),
            "distance": rows["distance"].round(2).to_numpy(),
            "network": rows["neighbour"].map(self.typology["network_label"]).to_numpy(),
            "alike": [", ".join(indicator_label(c) for c in a) for a in rows["alike"]],
            "different": [", ".join(indicator_label(c) for c in d) for d in rows["different"]],
        })

    def partners_of(self, ags: str, category: str = ALL) -> pd.DataFrame:
        """Partner pairs where ``ags`` seeks or offers, optionally for one Sparte."""
        p = self.partners
        rows = p[(p["ags"] == ags) | (p["partner_ags"] == ags)]
        if category:
            rows = rows[rows["category"] == category]
        return rows

    def network_of(self, ags: str) -> str:
        """German sentence: type, network and the facts behind it."""
        row = self.typology.loc[ags]
        return (f"{self.names[ags]}: {row['reason']} Vorschlag: {row['network_label']}.")

    # -- exports ------------------------------------------------------------------------------
    def similar_export(self, ags: str) -> pd.DataFrame:
        s = self.similar_to(ags)
        return pd.DataFrame({
            "Rang": s["rank"], "AGS": s["neighbour"], "Gemeinde": s["name"],
            "Abstand (0 = gleich, 1 = am wenigsten ähnlich)": s["distance"],
            "ähnlich bei": s["alike"], "verschieden bei": s["different"],
            "Netzwerk": s["network"],
        })

    def partner_export(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.assign(category=frame["category"].map(catalog.category_label),
                           target_group=frame["target_group"].map(
                               lambda g: catalog.TARGET_GROUPS.get(g, g)),
                           kind=frame["kind"].map(KIND_LABELS))
        return out.rename(columns={**PARTNER_COLUMNS,
                                   "cost": "Fahrzeit (Minuten, geschätzt)"})

    def duplicate_export(self) -> pd.DataFrame:
        d = self.duplicates.assign(
            category=self.duplicates["category"].map(catalog.category_label),
            target_group=self.duplicates["target_group"].map(
                lambda g: catalog.TARGET_GROUPS.get(g, g)),
            start_a=pd.to_datetime(self.duplicates["start_a"]).dt.strftime("%d.%m.%Y %H:%M"),
            start_b=pd.to_datetime(self.duplicates["start_b"]).dt.strftime("%d.%m.%Y %H:%M"),
        )
        return d.rename(columns=DUPLICATE_COLUMNS)

    def tandem_export(self) -> pd.DataFrame:
        t_ = self.tandems.assign(category=self.tandems["category"].map(catalog.category_label))
        return t_.rename(columns=TANDEM_COLUMNS)

    def volunteer_export(self) -> pd.DataFrame:
        """Matched pairs: ids and municipalities only (no contact data exists here)."""
        if self.match is None:
            return pd.DataFrame()
        p = self.match.pairs
        return pd.DataFrame({
            "Freiwillige:r (Kennung)": p["volunteer"],
            "Wohngemeinde": p["volunteer_ags"].map(self.names),
            "Gesuch (Kennung)": p["request"],
            "Verein (Kennung)": p.get("org_id", pd.Series("", index=p.index)),
            "Gemeinde des Gesuchs": p["request_ags"].map(self.names),
            "Entfernung (km, Luftlinie)": p["km"],
            "Punktzahl (0–1)": p["score"].round(2),
        })

    def volunteer_figures(self) -> dict[str, str]:
        """Key figures of the Freiwilligenbörse (label → number text)."""
        if self.match is None:
            return {}
        wanted = int(pd.to_numeric(self.requests.get("people", 1)).sum()) if len(
            self.requests) else 0
        matched = len(self.match.pairs)
        return {
            "Angebote von Freiwilligen": format_number(len(self.offers), 0),
            "Gesuche von Vereinen": format_number(len(self.requests), 0),
            "gesuchte Personen": format_number(wanted, 0),
            "Vorschläge (Paare)": format_number(matched, 0),
            "der gesuchten Plätze besetzbar": (
                f"{format_number(100 * matched / wanted, 0)} %" if wanted else "–"),
        }


class _ClassSpec(MapSpec):
    """A map spec with one German class per municipality and a fixed colour per class."""

    classes: pd.Series | None = None
    colours: dict[str, str] | None = None
    texts: pd.Series | None = None
    heading: str = ""

    def fill_colours(self) -> pd.Series:
        cls = (self.classes if self.classes is not None else pd.Series(dtype=object))
        cls = cls.reindex(self.geometries.index)
        colours = self.colours or {}
        return cls.map(lambda c: colours.get(c, "#f1f1f1")).astype(object)

    def tooltips(self) -> pd.Series:
        if self.texts is None:
            return super().tooltips()
        return self.texts.reindex(self.geometries.index).fillna("")

    def legend(self) -> list[tuple[str, str]]:
        return list((self.colours or {}).items())

    def legend_title(self) -> str:
        return self.heading


def _class_spec(spec: MapSpec, classes: pd.Series, colours: dict[str, str], texts: pd.Series,
                heading: str, selected: str | None) -> _ClassSpec:
    values = {f.name: getattr(spec, f.name) for f in fields(spec)}
    values["selected"] = selected
    obj = _ClassSpec(**values)
    for name, value in (("classes", classes), ("colours", colours), ("texts", texts),
                        ("heading", heading)):
        object.__setattr__(obj, name, value)
    return obj


def _table(frame: pd.DataFrame, right: tuple[str, ...] = ()) -> str:
    return '<div class="kp-cooptable">' + style.table_html(frame, right=right) + "</div>"


def _text(html: str) -> str:
    return f'<div class="kp-text">{html}</div>'


class Kooperation(_App):
    """Kooperation: places like mine, networks, partners, duplicates, tandems, volunteers."""

    title = "Kooperation"
    needs_indicators = False

    ags = t.Unicode(allow_none=True)
    category = t.Unicode(ALL)
    view = t.Unicode("similar")

    @classmethod
    def from_env(cls, env: str = "KULTURPLAN_REGION", **kwargs: Any) -> w.VBox:
        """Build the dashboard for ``$KULTURPLAN_REGION`` (default: demo district).

        The Freiwilligenbörse is read from ``freiwillige_angebote.csv`` and
        ``freiwillige_gesuche.csv`` in the region folder (the demo brings its own).
        """
        kwargs.setdefault("volunteer_folder", region_folder_from_env(env) or "demo")
        return super().from_env(env, **kwargs)

    def __init__(self, data: DashboardData, *, offers: pd.DataFrame | None = None,
                 requests: pd.DataFrame | None = None, volunteer_folder: Any = None,
                 map_height: str = "600px", **kwargs: Any) -> None:
        self.data = data
        region = data.region
        if offers is None and requests is None and volunteer_folder is not None:
            folder = None if volunteer_folder == "demo" else Path(volunteer_folder)
            offers, requests = _load_volunteers(folder, region)
        self.model = CooperationModel(region, offers=offers, requests=requests)
        names = self.model.names
        start = str(names.index[int(np.argmax(region.municipalities["population"]))])
        self.picker = MunicipalityPicker(names, value=start)
        self.category_picker = CategoryFilter(include_all=True)
        self.view_toggle = w.ToggleButtons(
            options=[("Ähnliche Orte", "similar"), ("Netzwerke", "network")], value="similar",
            description="Karte", style={"description_width": "initial", "button_width": "150px"})
        spec = map_spec(region, None, categories=(), geometries=data.geometries)
        self.map = LeafletMap(spec, height=map_height)
        self.map.on_click(self._on_map_click)
        self.network_note = w.HTML()
        self.similar_table = w.HTML()
        self.similar_table.add_class("kp-similartable")
        self.similar_download = w.HTML()
        self.partner_table = w.HTML()
        self.partner_table.add_class("kp-partnertable")
        self.partner_download = w.HTML()
        first = w.VBox([
            _html(_text("Eine Gemeinde wählen (Liste oder Karte): Welche Orte sind ihr am "
                        "ähnlichsten, wer in der Nähe ergänzt ihr Angebot, und in welches "
                        "Netzwerk passt sie?")),
            w.HBox([self.picker, self.view_toggle],
                   layout=w.Layout(flex_flow="row wrap", grid_gap="8px 32px")),
            self.network_note,
            w.HBox([w.Box([self.map.widget], layout=w.Layout(flex="3 1 520px", min_width="420px")),
                    w.VBox([style.section("Orte wie dieser"), self.similar_table,
                            self.similar_download],
                           layout=w.Layout(flex="2 1 460px", min_width="380px"))],
                   layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%")),
            _html(_text(self._similar_method())),
            style.section("Partner in der Nähe"),
            _html(_text("Wo fehlt eine Einrichtung oder ein Verein einer Sparte (oder gibt es "
                        "wenige Veranstaltungen für eine Zielgruppe), und wer in höchstens "
                        f"{format_number(PARTNER_MINUTES, 0)} Minuten Fahrzeit (geschätzt) hat "
                        "sie? Die Punktzahl ist höher für nahe und große Angebote.")),
            w.HBox([self.category_picker]), self.partner_table, self.partner_download,
        ])
        self.tabs = w.Tab(children=[
            first, self._network_tab(), self._duplicate_tab(), self._tandem_tab(),
            self._volunteer_tab(),
        ])
        for k, label in enumerate(("Orte und Partner", "Netzwerke", "Doppelte Angebote",
                                   "Best-Practice-Tandems", "Freiwilligenbörse")):
            self.tabs.set_title(k, label)
        self.report = ReportDownload(region, selection=lambda: {
            "ags": self.ags, "extras": self.report_extras()})
        children = [
            style.css(), w.HTML(COOP_CSS),
            style.header(f"{self.title} – {region.name}", _subtitle(data)),
            self.tabs,
            style.section("Bericht und Tabellen"), self.report,
            style.section("Datenquellen"), w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)
        t.link((self.picker, "value"), (self, "ags"))
        t.link((self.category_picker, "value"), (self, "category"))
        t.link((self.view_toggle, "value"), (self, "view"))  # linking ags drew everything

    def report_extras(self) -> dict[str, Any]:
        """``extras["cooperation"]`` of :func:`kulturplan.report.blocks.cooperation_block`."""
        ags = self.ags
        if not ags or ags not in self.model.names.index:
            return {}
        match = self.model.match
        return {"cooperation": {
            "ags": ags, "similar": self.model.similar_to(ags),
            "partners": self.model.partners_of(ags, self.category),
            "volunteers": match.pairs if match is not None else None}}

    # -- static tabs ----------------------------------------------------------------------------
    def _download(self, frame: pd.DataFrame, filename: str, title: str, text: str) -> str:
        if frame.empty:
            return ""
        data = excel_bytes(frame, sheet=title[:31], title=f"{title} – {self.data.region.name}",
                           attribution=prepare.attribution(self.data.region))
        return download_link(data, filename, text)

    def _similar_method(self) -> str:
        return ('<span class="kp-note">Methode wie das „Nearest Neighbours“-Modell von CIPFA: '
                "Größe, Dichte, Altersstruktur, Siedlungstyp und Kulturprofil jeder Gemeinde "
                "werden robust standardisiert (Median und Quartilsabstand) und verglichen; der "
                "Abstand 0 heißt gleich, 1 heißt: die am wenigsten ähnliche Gemeinde.</span>")

    def _network_tab(self) -> w.VBox:
        typ = self.model.typology
        counts = typ["network_label"].value_counts()
        cards = style.cards_html((format_number(counts.get(label, 0), 0), label)
                                 for label in NETWORK_LABELS.values())
        order = typ.assign(name=self.model.names).sort_values(["network", "name"])
        shown = pd.DataFrame({"Gemeinde": order["name"], "Typ": order["type_label"],
                              "Netzwerk": order["network_label"], "Begründung": order["reason"]},
                             index=order.index)
        export = shown.reset_index().rename(columns={"ags": "AGS"})
        return w.VBox([
            _html(cards), _html(_text("<b>Regel:</b> " + typology_rule_text())),
            _html(_text("Auf der Karte im ersten Reiter „Netzwerke“ wählen, um die Zuordnung "
                        "zu sehen.")),
            _html(self._download(export, "kooperation_netzwerke.xlsx", "Netzwerke",
                                 "Netzwerke als Excel herunterladen")),
            _html(_table(shown)),
        ])

    def _duplicate_tab(self) -> w.VBox:
        d = self.model.duplicates
        intro = _text(
            f"<b>{format_number(len(d), 0)} mögliche Doppelungen</b>: Veranstaltungen derselben "
            "Sparte und Zielgruppe, höchstens 3 Tage und 15 km auseinander, von verschiedenen "
            "Veranstaltern an verschiedenen Orten, mit ähnlichem Titel. Eine Hinweisliste zum "
            "Nachfragen – nichts wird automatisch zusammengelegt.")
        if d.empty:
            return w.VBox([_html(intro)])
        shown = pd.DataFrame({
            "Titel A": d["title_a"], "Beginn A": pd.to_datetime(d["start_a"]).dt.strftime(
                "%d.%m. %H:%M"),
            "Gemeinde A": d["ags_a"].map(self.model.names),
            "Titel B": d["title_b"], "Beginn B": pd.to_datetime(d["start_b"]).dt.strftime(
                "%d.%m. %H:%M"),
            "Gemeinde B": d["ags_b"].map(self.model.names),
            "Punkte": [format_number(v, 0) for v in d["score"]], "Begründung": d["reason"],
        })
        table = w.HTML(_table(shown, right=("Punkte",)))
        table.add_class("kp-duptable")
        return w.VBox([
            _html(intro),
            _html(self._download(self.model.duplicate_export(), "kooperation_doppelungen.xlsx",
                                 "Mögliche Doppelungen", "Liste als Excel herunterladen")),
            table,
        ])

    def _tandem_tab(self) -> w.VBox:
        tb = self.model.tandems
        n_best = len(set(tb["project_id"])) if len(tb) else 0
        intro = _text(
            f"Für <b>{format_number(n_best, 0)} Best-Practice-Projekte</b> die Orte, an die sie "
            "passen: ähnliche Gemeinden ohne Projekt dieser Sparte, mit einem Verein der "
            "Sparte vor Ort oder in der Nähe als Tandempartner (nach dem Vorbild von "
            "KreativLandTransfer).")
        if tb.empty:
            return w.VBox([_html(intro + _text("Für diese Region sind keine Best-Practice-"
                                               "Projekte erfasst (Projektliste, Excel-Vorlage)."))])
        shown = pd.DataFrame({
            "Projekt": tb["title"], "Sparte": tb["category"].map(catalog.category_label),
            "aus": tb["name"], "passt nach": tb["target_name"],
            "Punkte": [format_number(v, 0) for v in tb["score"]], "Begründung": tb["reason"],
        })
        table = w.HTML(_table(shown, right=("Punkte",)))
        table.add_class("kp-tandemtable")
        return w.VBox([
            _html(intro),
            _html(self._download(self.model.tandem_export(), "kooperation_tandems.xlsx",
                                 "Best-Practice-Tandems", "Liste als Excel herunterladen")),
            table,
        ])

    def _volunteer_tab(self) -> w.VBox:
        figures = self.model.volunteer_figures()
        if not figures:
            return w.VBox([_html(
                '<div class="kp-notice">Für diese Region ist noch keine Freiwilligenbörse '
                f"erfasst. Sobald „{OFFERS_FILE}“ und „{REQUESTS_FILE}“ im Regionsordner "
                "liegen (gelesen mit <code>sources.volunteers</code>, ohne Namen und "
                "Kontaktdaten), stehen hier die Vorschläge.</div>")])
        export = self.model.volunteer_export()
        shown = export.assign(**{
            "Entfernung (km, Luftlinie)": [format_number(v, 1)
                                           for v in export["Entfernung (km, Luftlinie)"]],
            "Punktzahl (0–1)": [format_number(v, 2) for v in export["Punktzahl (0–1)"]],
        })
        table = w.HTML(_table(shown, right=("Entfernung (km, Luftlinie)", "Punktzahl (0–1)")))
        table.add_class("kp-volunteertable")
        return w.VBox([
            _html(style.cards_html((v, k) for k, v in figures.items())),
            _html(_text("Vorschläge, welche Freiwilligen zu welchen Gesuchen passen: gemeinsame "
                        "Aufgaben (60 %) und Zeiten (40 %); die Entfernung zwischen den Gemeinden "
                        "darf höchstens so groß sein, wie die Person angegeben hat. Die Summe "
                        "der Punkte ist so groß wie möglich (Zuordnungsproblem, exakt gelöst). "
                        "Nur Kennungen und Gemeinden – die Kontaktdaten bleiben beim "
                        "Kulturbüro.")),
            _html(self._download(export, "kooperation_freiwilligenboerse.xlsx",
                                 "Freiwilligenbörse", "Vorschläge als Excel herunterladen")),
            table,
        ])

    # -- reactions ----------------------------------------------------------------------------
    @t.observe("ags", "category", "view")
    def _on_change(self, change: dict[str, Any]) -> None:
        if hasattr(self, "partner_download"):
            self.refresh()

    def _on_map_click(self, ags: str) -> None:
        if ags in self.model.names.index:
            self.picker.value = ags

    def refresh(self) -> None:
        """Update map, lists and texts for the chosen municipality and Sparte."""
        ags = self.ags
        if not ags or ags not in self.model.names.index:
            self.network_note.value = _text("Bitte eine Gemeinde wählen.")
            return
        name = self.model.names[ags]
        self.network_note.value = _text(
            "<b>Netzwerk:</b> " + html_text(self.model.network_of(ags)))
        self._update_map(ags)
        sim = self.model.similar_to(ags)
        shown = pd.DataFrame({
            "Rang": sim["rank"], "Gemeinde": sim["name"],
            "Abstand": [format_number(v, 2) for v in sim["distance"]],
            "ähnlich bei": sim["alike"],
        })
        self.similar_table.value = _table(shown, right=("Rang", "Abstand"))
        self.similar_download.value = self._download(
            self.model.similar_export(ags), f"kooperation_aehnliche_orte_{ags}.xlsx",
            f"Orte wie {name}", "Liste als Excel herunterladen")
        self._update_partners(ags, name)

    def _update_map(self, ags: str) -> None:
        names = self.model.names
        if self.view == "network":
            classes = self.model.typology["network_label"]
            texts = names + ": " + self.model.typology["type_label"] + " – " + classes
            spec = _class_spec(self.map.spec, classes, NETWORK_COLOURS, texts,
                               "Vorgeschlagenes Netzwerk", ags)
        else:
            sim = self.model.similar_to(ags).set_index("neighbour")
            labels = list(SIMILAR_COLOURS)
            classes = pd.Series(labels[3], index=names.index, dtype=object)
            classes[sim.index[sim["rank"] <= 3]] = labels[1]
            classes[sim.index[sim["rank"] > 3]] = labels[2]
            classes[ags] = labels[0]
            dist = sim["distance"].reindex(names.index)
            texts = pd.Series([
                f"{n}: gewählte Gemeinde" if a == ags else
                (f"{n}: Abstand {format_number(d, 2)} zu {names[ags]}" if pd.notna(d)
                 else f"{n}")
                for a, n, d in zip(names.index, names, dist, strict=True)], index=names.index)
            spec = _class_spec(self.map.spec, classes, SIMILAR_COLOURS, texts,
                               f"Orte wie {names[ags]}", ags)
        self.map.update(spec)

    def _update_partners(self, ags: str, name: str) -> None:
        rows = self.model.partners_of(ags, self.category)
        label = (catalog.category_label(self.category) if self.category else "allen Sparten")
        if rows.empty:
            self.partner_table.value = _text(
                f"Für {html_text(name)} gibt es in {html_text(label)} keine ergänzenden "
                f"Partner in höchstens {format_number(PARTNER_MINUTES, 0)} Minuten.")
            self.partner_download.value = ""
            return
        shown = pd.DataFrame({
            "Sparte": [catalog.category_label(c) if c else
                       f"Zielgruppe {catalog.TARGET_GROUPS.get(g, g)}"
                       for c, g in zip(rows["category"], rows["target_group"], strict=True)],
            "sucht": rows["name"], "Partner": rows["partner_name"],
            "Punkte": [format_number(v, 0) for v in rows["score"]],
            "Begründung": rows["reason"],
        })
        self.partner_table.value = _table(shown.head(PARTNER_ROWS), right=("Punkte",)) + (
            f'<div class="kp-note">{format_number(len(rows), 0)} Paare; die ersten '
            f"{PARTNER_ROWS} stehen hier, alle in der Excel-Datei.</div>"
            if len(rows) > PARTNER_ROWS else "")
        self.partner_download.value = self._download(
            self.model.partner_export(rows), f"kooperation_partner_{ags}.xlsx",
            f"Partner {name}", "Partnerliste als Excel herunterladen")


def _html(value: str) -> w.HTML:
    return w.HTML(value)
