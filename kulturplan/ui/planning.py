"""Planungswerkstatt: try out new, closed or proposed sites and see what changes.

:class:`PlanningModel` holds the state without any widget — the region, the chosen
Sparte and reach standard, the edits of the current scenario and the scenarios kept —
and answers every question of the dashboard with library calls:
:class:`kulturplan.planning.Scenario` (edits), :func:`kulturplan.planning.locate`
(proposals, exact), :func:`kulturplan.planning.compare` (the comparison offered as
Excel) and :func:`kulturplan.planning.compare.within_reach` (inhabitants within reach,
per municipality, on the same population grid as the Versorgungslücken dashboard).
:class:`PlanningWorkshop` shows it; :class:`Planungswerkstatt` is the dashboard.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

import geopandas as gpd
import ipywidgets as w
import numpy as np
import pandas as pd
import shapely
import traitlets as t

from kulturplan import catalog
from kulturplan._safe import html_text
from kulturplan.errors import KulturplanError, ParameterError
from kulturplan.planning import (
    AddFacility,
    Comparison,
    Proposal,
    RemoveFacility,
    Scenario,
    ScenarioRegion,
    compare,
    locate,
)
from kulturplan.planning.compare import within_reach
from kulturplan.planning.locate import CANDIDATE_CATEGORIES
from kulturplan.planning.scenario import Edit
from kulturplan.region import CRS, Region
from kulturplan.ui import style
from kulturplan.ui.apps import _App, _subtitle, sources_html
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.gaps import UNIT_TEXT
from kulturplan.ui.report_download import ReportDownload
from kulturplan.ui.style import download_link
from kulturplan.ui.widgets import CategoryFilter, ThresholdSlider
from kulturplan.viz import charts, prepare
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.prepare import ChangeScale, format_number
from kulturplan.viz.spec import map_spec

OBJECTIVES: dict[str, str] = {
    "mclp": "möglichst viele Menschen in Reichweite",
    "p_median": "möglichst kurze Wege",
}
"""Location models offered in the dashboard, in plain words."""

CURRENT = "Aktuelles Szenario"
REMOVE_RADIUS_M = 1_500.0
"""Largest distance of a position from the facility :meth:`PlanningModel.remove_near`
removes."""

NEW_STYLE = {"radius": 8, "weight": 3, "color": "#1d3c57", "opacity": 1.0,
             "fillOpacity": 0.95, "fillColor": "#ffffff"}
FACILITY_CLICK_STYLE = {"radius": 6}
"""Facility markers a little larger than on the other maps: they are click targets here."""
MARKER_CLICK_S = 1.0
"""A map click this soon after a marker click is the same click (see PlanningWorkshop)."""
SAME_CLICK_DEG = 0.02
"""A map click this close (degrees, about 1.5 km) to a clicked marker is that click."""
REMOVED_STYLE = {"radius": 7, "weight": 2, "color": "#7a7a7a", "opacity": 1.0,
                 "fillOpacity": 0.0, "dashArray": "3"}

BUSY_CSS = """
<style>
.kp-busy { height: 6px; width: 320px; background: #e3e7ea; overflow: hidden;
  border-radius: 3px; margin: 6px 0; position: relative; }
.kp-busy::after { content: ""; position: absolute; left: -40%; width: 40%; height: 100%;
  background: #1d5a8a; animation: kp-slide 1.1s ease-in-out infinite; }
@keyframes kp-slide { from { left: -40%; } to { left: 100%; } }
.kp-edits { font-size: 15px; margin: 4px 0 0 0; padding-left: 20px; }
</style>
"""

MAP_KEY = (
    '<div class="kp-note" style="line-height:32px">'
    '<span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
    'border:3px solid #1d3c57;background:#fff;vertical-align:-3px"></span> neuer Standort'
    ' &nbsp; <span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
    'border:2px dashed #7a7a7a;vertical-align:-3px"></span> entfernte Einrichtung</div>'
)

COMPARE_IDS = ("einrichtungen_je_10000", "anteil_15_minuten", "entfernung_naechste_km",
               "e2sfca_je_10000")
"""Indicator families compared in the Excel download (for the chosen Sparte)."""


def _point_latlon(lat: float, lon: float) -> shapely.Point:
    """A clicked map position (EPSG:4326) as a point in EPSG:25832."""
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs=prepare.WGS84).to_crs(CRS).iloc[0]


class PlanningModel:
    """The state of the Planungswerkstatt, without widgets (testable with real numbers).

    Parameters
    ----------
    region
        The baseline region (never changed).
    category, threshold, unit
        Sparte and reach standard (km straight line or estimated car minutes).
    cell_km
        Grid of the population points.
    """

    def __init__(self, region: Region, *, category: str = "musikschule",
                 threshold: float = 20.0, unit: str = "min", cell_km: float = 1.0) -> None:
        self.region = region
        self.category = category
        self.threshold = float(threshold)
        self.unit = unit
        self.cell_km = float(cell_km)
        self.edits: list[Edit] = []
        self.kept: dict[str, Scenario] = {}
        self.proposal: Proposal | None = None
        self._regions: dict[tuple, ScenarioRegion] = {}
        self._reach: dict[tuple, pd.DataFrame] = {}

    # -- scenario ------------------------------------------------------------------------
    def scenario(self, name: str = CURRENT) -> Scenario:
        return Scenario(name, tuple(self.edits))

    def _scenario(self, edits: Sequence[Edit]) -> ScenarioRegion:
        """The region after ``edits``, cached (a few recent states)."""
        key = tuple(edits)
        if key not in self._regions:
            if len(self._regions) > 16:
                self._regions.clear()
            self._regions[key] = Scenario(CURRENT, key).apply(self.region)
        return self._regions[key]

    def _state(self, edits: Sequence[Edit]) -> Region:
        """The region to measure for ``edits``: the baseline itself when there are none."""
        return self._scenario(edits) if edits else self.region

    @property
    def scenario_region(self) -> ScenarioRegion:
        return self._scenario(self.edits)

    def facilities(self) -> gpd.GeoDataFrame:
        """Facilities of the chosen Sparte in the current scenario, with ``status``."""
        fac = self.scenario_region.all_facilities
        return fac[(fac["category"] == self.category).to_numpy()]

    def add(self, x: float, y: float, name: str | None = None) -> AddFacility:
        """Add a facility of the Sparte at ``x``, ``y`` (EPSG:25832)."""
        ags = self._municipality_at(x, y)
        place = f" ({self.region.municipalities.at[ags, 'name']})" if ags else ""
        n = sum(isinstance(e, AddFacility) for e in self.edits) + 1
        edit = AddFacility(self.category, name or f"Neuer Standort {n}{place}", (x, y))
        self.edits.append(edit)
        self.proposal = None
        return edit

    def add_latlon(self, lat: float, lon: float) -> AddFacility:
        p = _point_latlon(lat, lon)
        return self.add(p.x, p.y)

    def _municipality_at(self, x: float, y: float) -> str | None:
        muni = self.region.municipalities
        hit = muni.sindex.query(shapely.Point(x, y), predicate="intersects")
        return str(muni.index[hit[0]]) if len(hit) else None

    def remove(self, facility_id: str) -> str:
        """Take ``facility_id`` out of the scenario: close an existing facility, or take
        back a site added in this scenario. Returns what happened (German)."""
        fac = self.facilities()
        if facility_id not in fac.index:
            raise ParameterError(f"Einrichtung „{facility_id}“ gibt es in der Sparte nicht.")
        status = fac.at[facility_id, "status"]
        if status == "entfernt":
            return "bereits entfernt"
        if status == "neu":
            self._take_back(facility_id)
            what = "zurückgenommen"
        else:
            self.edits.append(RemoveFacility(facility_id))
            what = "entfernt"
        self.proposal = None
        return what

    def restore(self, facility_id: str) -> None:
        """Undo the removal of ``facility_id``."""
        self.edits = [e for e in self.edits
                      if not (isinstance(e, RemoveFacility) and e.facility_id == facility_id)]
        self.proposal = None

    def remove_near(self, x: float, y: float, radius_m: float = REMOVE_RADIUS_M) -> str | None:
        """:meth:`remove` the open facility of the Sparte nearest to ``x``, ``y``
        (EPSG:25832) within ``radius_m``; returns its id (``None`` when nothing is near)."""
        fac = self.facilities()
        fac = fac[fac["status"] != "entfernt"]
        if len(fac) == 0:
            return None
        xy = shapely.get_coordinates(fac.geometry.values)
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        pos = int(np.argmin(d))
        if d[pos] > radius_m:
            return None
        fid = str(fac.index[pos])
        self.remove(fid)
        return fid

    def remove_latlon(self, lat: float, lon: float) -> str | None:
        p = _point_latlon(lat, lon)
        return self.remove_near(p.x, p.y)

    def _take_back(self, facility_id: str) -> None:
        """Drop the AddFacility edit that created ``facility_id`` (``neu-<n>``)."""
        adds = [i for i, e in enumerate(self.edits) if isinstance(e, AddFacility)]
        number = int(facility_id.split("-")[-1]) - 1
        if 0 <= number < len(adds):
            del self.edits[adds[number]]

    def undo(self) -> None:
        if self.edits:
            self.edits.pop()
        self.proposal = None

    def reset(self) -> None:
        self.edits.clear()
        self.proposal = None

    def has_candidate_facilities(self) -> bool:
        """Whether the region has facilities that can host a new site of the Sparte
        (:data:`kulturplan.planning.locate.CANDIDATE_CATEGORIES`)."""
        fac = cast(gpd.GeoDataFrame, self.region.facilities)
        usable = [c for c in CANDIDATE_CATEGORIES if c != self.category]
        return bool(fac["category"].isin(usable).any())

    def propose(self, k: int, kind: str = "mclp") -> Proposal:
        """Best ``k`` new sites for the current scenario (exact); they are added as edits.

        Candidates: the region's Veranstaltungsräume (Bürgerhäuser,
        Dorfgemeinschaftshäuser, Stadthallen); a 2-km grid when it has none.
        """
        region = self.scenario_region
        max_cost = self.threshold if kind == "mclp" else None
        candidates = "facilities" if self.has_candidate_facilities() else "grid"
        proposal = locate(region, self.category, kind, k=int(k), max_cost=max_cost,
                          unit=self.unit, cell_km=self.cell_km, candidates=candidates)
        self.edits.extend(proposal.as_scenario().edits)
        self.proposal = proposal
        return proposal

    # -- measures ------------------------------------------------------------------------
    def reach(self, edits: Sequence[Edit] | None = None) -> pd.DataFrame:
        """Per municipality ``population`` and ``within`` reach for ``edits`` (default:
        the current ones), see :func:`kulturplan.planning.compare.within_reach`."""
        edits = tuple(self.edits if edits is None else edits)
        key = (edits, self.category, self.threshold, self.unit)
        if key not in self._reach:
            if len(self._reach) > 64:
                self._reach.clear()
            self._reach[key] = within_reach(self._state(edits), self.category,
                                            self.threshold, self.unit)
        return self._reach[key]

    def change_table(self, edits: Sequence[Edit] | None = None) -> pd.DataFrame:
        """Per municipality: inhabitants, within reach today and in the scenario, change."""
        before, after = self.reach([]), self.reach(edits)
        pop_b, within_b = before["population"], before["within"]
        pop_a, within_a = after["population"], after["within"]
        with np.errstate(invalid="ignore", divide="ignore"):
            share_b = np.where(pop_b > 0, within_b / pop_b * 100, np.nan)
            share_a = np.where(pop_a > 0, within_a / pop_a * 100, np.nan)
        return pd.DataFrame({
            "name": self.region.municipalities["name"].astype(str), "einwohner": pop_a,
            "vorher": within_b, "nachher": within_a, "veraenderung": within_a - within_b,
            "anteil_vorher": share_b, "anteil_nachher": share_a,
        }, index=before.index)

    def key_figures(self, edits: Sequence[Edit] | None = None) -> dict[str, float]:
        """Region totals: inhabitants within reach before/after, shares, facilities."""
        table = self.change_table(edits)
        edits = self.edits if edits is None else edits
        region = self._state(edits)
        fac = cast(gpd.GeoDataFrame, region.facilities)
        base_fac = cast(gpd.GeoDataFrame, self.region.facilities)
        total_b = float(self.region.municipalities["population"].sum())
        total_a = float(table["einwohner"].sum())
        return {
            "vorher": float(table["vorher"].sum()),
            "nachher": float(table["nachher"].sum()),
            "veraenderung": float(table["veraenderung"].sum()),
            "anteil_vorher": float(table["vorher"].sum()) / total_b * 100 if total_b else 0.0,
            "anteil_nachher": float(table["nachher"].sum()) / total_a * 100 if total_a else 0.0,
            "einrichtungen_vorher": float((base_fac["category"] == self.category).sum()),
            "einrichtungen_nachher": float((fac["category"] == self.category).sum()),
        }

    # -- kept scenarios and the comparison -----------------------------------------------
    def keep(self, name: str) -> Scenario:
        """Keep the current edits under ``name`` (German error for an empty name)."""
        name = name.strip()
        if not name:
            raise ParameterError("Bitte dem Szenario einen Namen geben.")
        if name == CURRENT:
            raise ParameterError(
                f"Der Name „{CURRENT}“ ist für das laufende Szenario reserviert.")
        scenario = self.scenario(name)
        self.kept[name] = scenario
        return scenario

    def scenarios(self, names: Sequence[str] | None = None) -> list[Scenario]:
        """Kept scenarios (all or ``names``) plus the current one if it has edits."""
        chosen = [self.kept[n] for n in (names if names is not None else list(self.kept))]
        if self.edits and all(s.edits != tuple(self.edits) for s in chosen):
            chosen.append(self.scenario())
        return chosen

    def comparison(self, names: Sequence[str] | None = None) -> Comparison:
        """:func:`kulturplan.planning.compare` of the scenarios for the Sparte."""
        ids = [f"{family}__{self.category}" for family in COMPARE_IDS]
        return compare(self.region, self.scenarios(names), ids=ids,
                       reach={self.category: (self.threshold, self.unit)})

    def report_selection(self) -> dict[str, Any]:
        """ReportContext keywords of the Kreisbericht: the reach standard and, with scenarios,
        their comparison (:func:`kulturplan.report.blocks.scenario_table`)."""
        from kulturplan.report import scenario_table

        chosen: dict[str, Any] = {"criteria": {self.category: (self.threshold, self.unit)}}
        if self.scenarios():
            population = float(self.region.municipalities["population"].sum())
            chosen["extras"] = {"scenarios": scenario_table(self.comparison(), population)}
        return chosen

    def excel_bytes(self, names: Sequence[str] | None = None) -> bytes:
        """The comparison as an .xlsx file: per municipality, key figures, notes.

        Aggregated numbers only; facility names are those of public venues.
        """
        comp = self.comparison(names)
        names_de = self.region.municipalities["name"].astype(str)
        long = comp.table.assign(gemeinde=comp.table["ags"].map(names_de))
        long = long[["scenario", "label", "ags", "gemeinde", "baseline", "value", "change",
                     "change_pct"]].rename(columns={
                         "scenario": "Szenario", "label": "Kennzahl", "ags": "AGS",
                         "gemeinde": "Gemeinde", "baseline": "heute", "value": "Szenario-Wert",
                         "change": "Veränderung", "change_pct": "Veränderung (%)"})
        totals = comp.totals().reset_index()
        totals["indicator"] = totals["indicator"].map(
            comp.table.drop_duplicates("indicator").set_index("indicator")["label"])
        totals.columns = ["Szenario", "Kennzahl", "heute", "Szenario-Wert", "Veränderung"]
        edits = pd.DataFrame(
            [(s.name, i, d) for s in self.scenarios(names)
             for i, d in enumerate(s.describe(self.region), start=1)],
            columns=["Szenario", "Nr.", "Änderung"])
        reach = comp.effects[comp.effects["indicator"].str.startswith("erreichbar__")]
        per_edit = reach.groupby(["scenario", "edit"], sort=False)["effect"].sum()
        effects = [per_edit.get((scenario, number), np.nan)
                   for scenario, number in zip(edits["Szenario"], edits["Nr."], strict=True)]
        notes = comp.notes.rename(columns={"scenario": "Szenario", "edit_type": "Art der Änderung",
                                           "indicator": "Kennzahl", "note": "Hinweis"})
        notes["Kennzahl"] = notes["Kennzahl"].map(
            comp.table.drop_duplicates("indicator").set_index("indicator")["label"])
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            title = (f"Planungswerkstatt {self.region.name}: "
                     f"{catalog.category_label(self.category)}, Reichweite "
                     f"{format_number(self.threshold, 0)} {UNIT_TEXT[self.unit]}")
            for sheet, frame in (("Überblick", totals), ("Gemeinden", long),
                                 ("Änderungen", edits), ("Hinweise", notes)):
                if sheet == "Änderungen":
                    frame = frame.assign(**{"Wirkung: Einw. in Reichweite": effects})
                frame.to_excel(writer, sheet_name=sheet, startrow=3, index=False)
                ws = writer.sheets[sheet]
                ws["A1"] = title
                ws["A2"] = prepare.attribution(self.region)
                for col in "ABCDEFGH":
                    ws.column_dimensions[col].width = 22
        return buf.getvalue()


# ---------------------------------------------------------------------------------------
def _points_collection(frame: gpd.GeoDataFrame, style_: dict[str, Any], what: str
                       ) -> dict[str, Any]:
    if len(frame) == 0:
        return {"type": "FeatureCollection", "features": []}
    ll = frame.geometry.to_crs(prepare.WGS84)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": str(fid),
         "properties": {"tooltip": f"{name} ({what})"},
         "geometry": {"type": "Point",
                      "coordinates": [round(float(x), 5), round(float(y), 5)]}}
        for fid, name, x, y in zip(frame.index, frame["name"], ll.x, ll.y, strict=True)
    ]}


class PlanningWorkshop(w.VBox):
    """Widgets of the Planungswerkstatt around a :class:`PlanningModel`.

    Attributes
    ----------
    category, threshold, unit
        Synced with the Sparte picker and the threshold slider.

    Notes
    -----
    A click into the map adds a site there; a click on a facility takes it out of the
    scenario (a new site is taken back), a click on a removed one brings it back.
    Leaflet reports a click on a marker to the marker's layer and to the map: a map
    click right after a marker click is ignored, and a site that the map click of the
    same click has just added (if it came first) is taken back.
    """

    category = t.Unicode("musikschule").tag(sync=True)
    threshold = t.Float(20.0).tag(sync=True)
    unit = t.Unicode("min").tag(sync=True)

    def __init__(self, data: DashboardData, *, category: str = "musikschule",
                 threshold: float = 20.0, unit: str = "min", map_height: str = "600px",
                 **kwargs: Any) -> None:
        self.data = data
        self.model = PlanningModel(data.region, category=category, threshold=threshold,
                                   unit=unit)
        self.category_picker = CategoryFilter(include_all=False, value=category)
        self.slider = ThresholdSlider(unit=unit, value=threshold)
        self.headline = w.HTML()
        self.view = w.ToggleButtons(
            options=[("Lage heute", "heute"), ("Veränderung", "veraenderung")],
            value="heute", description="Karte zeigt", style={"description_width": "initial"})
        spec = map_spec(data.region, None, title="Anteil außerhalb", unit="%",
                        higher_is_better=False, categories=[category],
                        geometries=data.geometries)
        self.map = LeafletMap(spec, height=map_height)
        import ipyleaflet

        self.new_layer = ipyleaflet.GeoJSON(
            data={"type": "FeatureCollection", "features": []},
            point_style={**NEW_STYLE, "pane": "kpFacilities"}, name="Neue Standorte")
        self.removed_layer = ipyleaflet.GeoJSON(
            data={"type": "FeatureCollection", "features": []},
            point_style={**REMOVED_STYLE, "pane": "kpFacilities"}, name="Entfernt")
        for layer in (self.removed_layer, self.new_layer):
            self.map.widget.add(layer)
            layer.on_hover(self.map._on_hover)
        self.map.facilities.point_style = {**self.map.facilities.point_style,
                                           **FACILITY_CLICK_STYLE}
        self._marker_clicked = 0.0
        self._map_added = (0.0, -1, 0.0, 0.0)
        self.map.facilities.on_click(self._on_marker_click)
        self.new_layer.on_click(self._on_marker_click)
        self.removed_layer.on_click(self._on_removed_click)
        self.map.widget.on_interaction(self._on_map_interaction)
        self.chart = FigureView(draw=False)
        self.k = w.IntSlider(value=2, min=1, max=5, description="Neue Standorte",
                             style={"description_width": "initial"},
                             layout=w.Layout(width="320px"))
        self.objective = w.RadioButtons(
            options=[(text, key) for key, text in OBJECTIVES.items()], value="mclp",
            description="Ziel", style={"description_width": "initial"})
        self.propose_button = w.Button(description="Vorschlag berechnen", button_style="primary",
                                       icon="", layout=w.Layout(width="220px"))
        self.status = w.HTML()
        self.propose_intro = w.HTML()
        self.edit_list = w.HTML()
        self.undo_button = w.Button(description="Letzte Änderung zurücknehmen",
                                    layout=w.Layout(width="260px"))
        self.reset_button = w.Button(description="Alles zurücksetzen",
                                     layout=w.Layout(width="200px"))
        self.name = w.Text(value="", placeholder="z. B. Zwei Zweigstellen Süd",
                           description="Name", layout=w.Layout(width="360px"))
        self.keep_button = w.Button(description="Szenario behalten", layout=w.Layout(width="200px"))
        self.compare_with = w.Dropdown(options=[("– keines –", "")], value="",
                                       description="Vergleichen mit",
                                       style={"description_width": "initial"},
                                       layout=w.Layout(width="420px"))
        self.comparison_html = w.HTML()
        self.table = w.HTML()
        self.download = w.HTML()
        self.excel_button = w.Button(description="Vergleich als Excel erstellen",
                                     layout=w.Layout(width="260px"))
        self.excel_button.on_click(lambda _: self.prepare_download())
        self.propose_button.on_click(self._on_propose)
        self.undo_button.on_click(lambda _: self._after_edit(self.model.undo))
        self.reset_button.on_click(lambda _: self._after_edit(self.model.reset))
        self.keep_button.on_click(self._on_keep)
        self.compare_with.observe(lambda _: self._update_comparison(), names="value")
        self.view.observe(lambda _: self._update_map(), names="value")
        controls = w.HBox([self.category_picker, self.slider],
                          layout=w.Layout(flex_flow="row wrap", grid_gap="8px 32px",
                                          align_items="flex-start"))
        propose_box = w.VBox([
            style.section("Vorschlag berechnen"),
            self.propose_intro,
            self.k, self.objective, self.propose_button, self.status,
        ])
        edit_box = w.VBox([
            style.section("Änderungen im Szenario"), self.edit_list,
            w.HBox([self.undo_button, self.reset_button]),
        ])
        top = w.HBox([
            w.Box([self.map.widget], layout=w.Layout(flex="3 1 560px", min_width="420px")),
            w.VBox([edit_box, propose_box], layout=w.Layout(flex="2 1 380px",
                                                            min_width="340px")),
        ], layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"))
        super().__init__(children=[
            w.HTML(BUSY_CSS), controls, self.headline, w.HBox([self.view, w.HTML(MAP_KEY)]),
            top,
            style.section("Veränderung je Gemeinde"), self.chart,
            w.HBox([self.excel_button, self.download]), self.table,
            style.section("Szenarien behalten und vergleichen"),
            w.HBox([self.name, self.keep_button]), self.compare_with, self.comparison_html,
        ], **kwargs)
        t.link((self.category_picker, "value"), (self, "category"))
        t.link((self.slider, "value"), (self, "threshold"))
        t.link((self.slider, "unit"), (self, "unit"))
        self.refresh()

    # -- events ------------------------------------------------------------------------
    @t.observe("category", "threshold", "unit")
    def _on_change(self, change: dict[str, Any]) -> None:
        if not hasattr(self, "chart"):
            return
        if change["name"] == "category":
            self.model.reset()  # edits belong to one Sparte
        self.model.category = self.category
        self.model.threshold = float(self.threshold)
        self.model.unit = self.unit
        self.model.proposal = None
        self.refresh()

    def _on_map_interaction(self, **event: Any) -> None:
        if event.get("type") != "click" or not event.get("coordinates"):
            return
        if time.monotonic() - self._marker_clicked < MARKER_CLICK_S:
            self._marker_clicked = 0.0  # the same click, bubbled up from a marker
            return
        lat, lon = event["coordinates"]
        self.click(float(lat), float(lon))
        self._map_added = (time.monotonic(), len(self.model.edits), float(lat), float(lon))

    def _same_click_added(self, feature: dict[str, Any] | None) -> None:
        """Take back the site that the map click of this very marker click has just added
        (when the browser reported the map click first): added less than
        :data:`MARKER_CLICK_S` ago, still the last edit, and on the marker."""
        at, n_edits, lat, lon = self._map_added
        self._map_added = (0.0, -1, 0.0, 0.0)
        coords = ((feature or {}).get("geometry") or {}).get("coordinates")
        if (time.monotonic() - at >= MARKER_CLICK_S or n_edits != len(self.model.edits)
                or not coords):
            return
        if math.hypot(coords[0] - lon, coords[1] - lat) < SAME_CLICK_DEG:
            self.model.undo()

    def _on_marker_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        self._same_click_added(feature)
        try:
            if feature and feature.get("id"):
                self.click_facility(str(feature["id"]))
        finally:
            self._marker_clicked = time.monotonic()  # after the (slow) update

    def _on_removed_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        self._same_click_added(feature)
        try:
            if feature and feature.get("id"):
                self.model.restore(str(feature["id"]))
                self.status.value = '<div class="kp-note">Wieder im Szenario.</div>'
                self.refresh()
        finally:
            self._marker_clicked = time.monotonic()

    def click(self, lat: float, lon: float) -> None:
        """A click into the map at ``lat``, ``lon``: a new site of the Sparte there."""
        edit = self.model.add_latlon(lat, lon)
        self.status.value = (f'<div class="kp-note">Hinzugefügt: '
                             f"{html_text(edit.name)}</div>")
        self._show_changes()

    def click_facility(self, facility_id: str) -> None:
        """A click on a facility marker: out of the scenario (a new site: taken back)."""
        fac = self.model.facilities()
        if facility_id not in fac.index:  # e.g. a marker of a state already replaced
            return
        name = str(fac.at[facility_id, "name"])
        what = self.model.remove(facility_id)
        self.status.value = (f'<div class="kp-note">{html_text(name)}: {what}. '
                             "Ein Klick auf den gestrichelten Kreis nimmt sie wieder auf."
                             "</div>" if what == "entfernt" else
                             f'<div class="kp-note">{html_text(name)}: {what}.</div>')
        self._show_changes()

    def _show_changes(self) -> None:
        if self.view.value != "veraenderung":
            with self.view.hold_trait_notifications():
                self.view.value = "veraenderung"
        self.refresh()

    def _after_edit(self, action) -> None:
        action()
        self.status.value = ""
        self.refresh()

    def propose(self) -> Proposal | None:
        """Compute a proposal (progress shown while the solver runs) and show it."""
        self.propose_button.disabled = True
        plural = catalog.category_label(self.category, plural=True)
        self.status.value = (
            f'<div class="kp-text">Vorschlag für {self.k.value} neue {html_text(plural)} '
            "wird berechnet …</div><div class=\"kp-busy\"></div>")
        try:
            proposal = self.model.propose(self.k.value, self.objective.value)
        except KulturplanError as exc:
            self.status.value = f'<div class="kp-notice">{html_text(str(exc))}</div>'
            return None
        finally:
            self.propose_button.disabled = False
        self.status.value = self._proposal_text(proposal)
        self.view.value = "veraenderung"
        self.refresh()
        return proposal

    def _on_propose(self, _: Any) -> None:
        self.propose()

    def _on_keep(self, _: Any) -> None:
        try:
            scenario = self.model.keep(self.name.value)
        except KulturplanError as exc:
            self.comparison_html.value = f'<div class="kp-notice">{html_text(str(exc))}</div>'
            return
        options = [("– keines –", "")] + [(n, n) for n in self.model.kept]
        self.compare_with.options = options
        self.compare_with.value = scenario.name
        self.name.value = ""
        self._update_comparison()
        self._update_download()

    # -- texts -------------------------------------------------------------------------
    @property
    def threshold_text(self) -> str:
        return f"{format_number(self.threshold, 0)} {UNIT_TEXT[self.unit]}"

    def _proposal_text(self, proposal: Proposal) -> str:
        r = proposal.result
        names = ", ".join(html_text(str(n)) for n in proposal.sites["name"])
        quality = ("nachweislich die beste Lösung" if r.status == "optimal" else
                   f"beste gefundene Lösung, höchstens {format_number(r.gap * 100, 1)} % "
                   "vom Optimum entfernt")
        grid = ""
        if proposal.candidates.index.str.startswith("raster-").all():
            grid = (" Die Region hat keine Veranstaltungsräume; vorgeschlagen werden "
                    "Mittelpunkte eines 2-km-Rasters.")
        return (f'<div class="kp-text">Vorschlag ({OBJECTIVES[proposal.kind]}): '
                f"<b>{names}</b> – {quality}.{grid}</div>")

    def _propose_intro(self) -> str:
        if self.model.has_candidate_facilities():
            where = ("unter den Veranstaltungsräumen der Region (Bürgerhäuser, "
                     "Dorfgemeinschaftshäuser, Stadthallen)")
        else:
            where = ("auf einem 2-km-Raster (für die Region sind keine Veranstaltungsräume "
                     "erfasst)")
        return (f'<div class="kp-text">Die besten neuen Standorte {where}, exakt berechnet; '
                "bestehende Einrichtungen bleiben.</div>")

    @property
    def has_supply_today(self) -> bool:
        """Whether the region has a facility of the chosen Sparte (else nothing to measure)."""
        return bool(self.model.key_figures([])["einrichtungen_vorher"] > 0)

    def key_figure_cards(self) -> list[tuple[str, str]]:
        """The key figures as ``(number, label)`` pairs (German)."""
        f = self.model.key_figures()
        diff = f["veraenderung"]
        sign = "+" if diff > 0 else ""
        today = (
            (format_number(f["vorher"], 0),
             f"Einw. heute in Reichweite ({format_number(f['anteil_vorher'], 1)} %)")
            if f["einrichtungen_vorher"] > 0 else
            ("–", "Einw. heute in Reichweite: keine Einrichtung erfasst"))
        return [
            today,
            (format_number(f["nachher"], 0),
             f"Einw. im Szenario in Reichweite ({format_number(f['anteil_nachher'], 1)} %)"),
            (sign + format_number(diff, 0), "Veränderung: Einw. in Reichweite"),
            (f"{format_number(f['einrichtungen_vorher'], 0)} → "
             f"{format_number(f['einrichtungen_nachher'], 0)}",
             f"{catalog.category_label(self.category, plural=True)} (heute → Szenario)"),
        ]

    def reach_text(self) -> str:
        """German definition of "in Reichweite" for the current Sparte and threshold."""
        return (f"In Reichweite: höchstens {self.threshold_text} bis zur nächsten "
                f"Einrichtung „{catalog.category_label(self.category)}“.")

    # -- update ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute everything for the current state and update the views in place."""
        notice = ""
        if self.model.facilities().empty and not self.model.edits:
            notice = (
                '<div class="kp-notice">Für diese Sparte ist in der Region noch keine '
                "Einrichtung erfasst: ein erster Standort kann in die Karte gesetzt oder "
                "vorgeschlagen werden.</div>")
        self.headline.value = notice + style.cards_html(self.key_figure_cards()) + (
            f'<div class="kp-note">{html_text(self.reach_text())} Einwohner:innen '
            "gleichmäßig auf ein 1-km-Raster je Gemeinde verteilt; Entfernungen als "
            "Luftlinie, Fahrzeiten geschätzt mit Umwegfaktor 1,3 und 50 km/h.</div>")
        self._update_map()
        changes = self.model.change_table()
        trace, layout = charts.reach_change_props(
            changes, title="<b>Mehr oder weniger Einw. in Reichweite</b> je Gemeinde – "
            f"höchstens {self.threshold_text}")
        self.chart.update(trace, layout)
        self.propose_intro.value = self._propose_intro()
        self._update_edits()
        self._update_table(changes)
        self._update_comparison()
        self._update_download()

    def _update_map(self) -> None:
        cat = self.category
        if self.view.value == "veraenderung":
            values = self.model.change_table()["veraenderung"].round()
            spec = replace(self.map.spec, values=values,
                           scale=ChangeScale.from_changes(values, unit="Einw."),
                           title="Veränderung: Einw. in Reichweite", unit="Einw.")
        elif not self.has_supply_today:  # nothing to measure: no "100 % beyond" map
            nothing = pd.Series(np.nan, index=self.data.region.municipalities.index)
            spec = self.map.spec.with_values(
                nothing, title=f"{catalog.category_label(cat)}: keine Einrichtung erfasst",
                unit="", higher_is_better=False)
        else:
            beyond = 100.0 - self.model.change_table([])["anteil_vorher"]
            spec = self.map.spec.with_values(
                beyond, title=f"Anteil außerhalb ({self.threshold_text})",
                unit="%", higher_is_better=False)
        fac = self.model.facilities()
        shown = fac[fac["status"].isin(["unverändert", "geändert", "verschoben"])].index
        points = prepare.facility_points(self.data.region, [cat])
        spec = spec.with_facilities(points[points.index.isin(shown)])
        self.map.update(spec)
        self.map._on_hover()  # the info box must not name a marker that is gone
        label = catalog.category_label(cat)
        self.new_layer.data = _points_collection(
            fac[fac["status"] == "neu"], NEW_STYLE, f"neu: {label}")
        self.removed_layer.data = _points_collection(
            fac[fac["status"] == "entfernt"], REMOVED_STYLE, f"entfernt: {label}")

    def _update_edits(self) -> None:
        lines = self.model.scenario().describe(self.model.region)
        if not lines:
            self.edit_list.value = (
                '<div class="kp-text">Noch keine Änderung. Ein Klick in die Karte setzt '
                "einen neuen Standort; ein Klick auf eine Einrichtung (Punkt) nimmt sie aus "
                "dem Szenario.</div>")
        else:
            items = "".join(f"<li>{html_text(x)}</li>" for x in lines)
            self.edit_list.value = f'<ol class="kp-edits">{items}</ol>'
        self.undo_button.disabled = not lines
        self.reset_button.disabled = not lines

    def _update_table(self, changes: pd.DataFrame) -> None:
        frame = changes[changes["veraenderung"].round() != 0].sort_values(
            "veraenderung", ascending=False)
        if frame.empty:
            self.table.value = ('<div class="kp-text">Keine Gemeinde verändert sich '
                                "(noch keine wirksame Änderung).</div>")
            return
        shown = pd.DataFrame({
            "Gemeinde": frame["name"],
            "Einwohner:innen": [format_number(v, 0) for v in frame["einwohner"]],
            "in Reichweite heute": [format_number(v, 0) for v in frame["vorher"]],
            "im Szenario": [format_number(v, 0) for v in frame["nachher"]],
            "Veränderung": [("+" if v > 0 else "") + format_number(v, 0)
                            for v in frame["veraenderung"]],
            "Anteil heute → Szenario": [
                f"{format_number(a, 1)} % → {format_number(b, 1)} %"
                for a, b in zip(frame["anteil_vorher"], frame["anteil_nachher"], strict=True)],
        }, index=frame.index)
        self.table.value = style.table_html(shown, right=tuple(shown.columns[1:]))

    def _update_comparison(self) -> None:
        other = self.compare_with.value
        if not other:
            self.comparison_html.value = (
                '<div class="kp-text">Ein Szenario benennen und behalten, um es später mit '
                "einem anderen zu vergleichen.</div>" if not self.model.kept else "")
            return
        current = self.model.key_figures()
        kept = self.model.key_figures(self.model.kept[other].edits)
        rows = {
            "Einw. in Reichweite": ("vorher", "nachher"),
            "Anteil in Reichweite (%)": ("anteil_vorher", "anteil_nachher"),
            "Einrichtungen der Sparte": ("einrichtungen_vorher", "einrichtungen_nachher"),
        }
        decimals = {"Anteil in Reichweite (%)": 1}
        frame = pd.DataFrame({
            "Kennzahl": list(rows),
            "heute": [format_number(current[a], decimals.get(r, 0)) for r, (a, _) in rows.items()],
            other: [format_number(kept[b], decimals.get(r, 0)) for r, (_, b) in rows.items()],
            CURRENT: [format_number(current[b], decimals.get(r, 0))
                      for r, (_, b) in rows.items()],
        })
        self.comparison_html.value = style.table_html(
            frame.set_index("Kennzahl", drop=False), right=("heute", other, CURRENT))

    def _update_download(self) -> None:
        """After every change the Excel file is offered anew (built on request: the
        comparison computes every scenario's indicators, too slow for each click)."""
        self.download.value = ""
        self.excel_button.layout.display = "" if self.model.scenarios() else "none"

    def prepare_download(self) -> None:
        """Build the comparison as .xlsx and show the download link."""
        self.excel_button.disabled = True
        self.download.value = ('<div class="kp-note" style="line-height:32px">Die Tabelle '
                               "wird erstellt …</div>")
        try:
            unit = "km" if self.unit == "km" else "min"
            name = (f"planungswerkstatt_{self.category}_{format_number(self.threshold, 0)}"
                    f"{unit}.xlsx")
            self.download.value = download_link(self.model.excel_bytes(), name,
                                                "Vergleich als Excel herunterladen")
        finally:
            self.excel_button.disabled = False


class Planungswerkstatt(_App):
    """Planungswerkstatt: add, remove or propose sites and compare scenarios."""

    title = "Planungswerkstatt"
    needs_indicators = False  # reach comes from access; the comparison computes what it needs

    def __init__(self, data: DashboardData, **kwargs: Any) -> None:
        self.data = data
        self.workshop = PlanningWorkshop(data)
        self.report = ReportDownload(data.region, municipalities=False,
                                     selection=self.workshop.model.report_selection)
        children = [
            style.css(),
            style.header(f"{self.title} – {data.region.name}", _subtitle(data)),
            w.HTML(
                '<div class="kp-text">Was ändert sich, wenn eine Einrichtung dazukommt, '
                "schließt oder umzieht? Sparte und Reichweite wählen, Standorte in der Karte "
                "setzen oder entfernen oder einen Vorschlag berechnen lassen – und sehen, "
                "wie viele Einwohner:innen das Angebot danach erreichen.</div>"
            ),
            self.workshop,
            style.section("Bericht und Tabellen"),
            self.report,
            style.section("Datenquellen"),
            w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)


__all__ = ["OBJECTIVES", "PlanningModel", "PlanningWorkshop", "Planungswerkstatt"]
