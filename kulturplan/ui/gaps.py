"""Versorgungslücken: who lives beyond a reachability standard, and where.

:class:`GapModel` spreads each municipality's population over a grid
(:func:`kulturplan.demand.population_points`), computes the cost to the nearest facility
of a category once per category and unit (:func:`kulturplan.demand.nearest_cost`) and then
answers every threshold with :func:`kulturplan.demand.population_beyond` by filtering,
so a slider move is cheap. :class:`GapExplorer` shows the result as map, chart and table
and offers the table as an Excel download (aggregated numbers only — no personal data).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import geopandas as gpd
import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from kulturplan import catalog, demand
from kulturplan._format import format_number
from kulturplan._safe import cell_frame, cell_text, html_text
from kulturplan.indicators import basic, reachability
from kulturplan.region import Region
from kulturplan.ui import style
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.widgets import CategoryFilter, ThresholdSlider
from kulturplan.viz import charts, prepare
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.spec import map_spec

UNIT_TEXT = {"km": "km Luftlinie", "min": "Minuten Fahrzeit (geschätzt)"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAP_POINT_STYLE = {"radius": 3, "weight": 0, "fillOpacity": 0.8, "fillColor": "#b4532a"}

COLUMNS_DE: dict[str, str] = {
    "name": "Gemeinde",
    "population": "Einwohner:innen",
    "population_beyond": "Einwohner:innen außerhalb",
    "share_beyond": "Anteil außerhalb (%)",
    "mean_cost": "Mittlere Entfernung/Fahrzeit",
}
"""German headers of the exported gap table (English columns of :class:`GapModel`)."""


class GapModel:
    """Cache over :func:`kulturplan.demand.population_beyond` for one region.

    Population points are built once; the cost of every point to the nearest facility
    is computed once per category and unit (:func:`kulturplan.demand.nearest_cost`), so
    a slider move only filters.

    Parameters
    ----------
    region
        The region.
    cell_km
        Grid size of the population points in km.
    """

    def __init__(self, region: Region, *, cell_km: float = 1.0) -> None:
        self.region = region
        self.cell_km = float(cell_km)
        self.points = demand.population_points(region, cell_km=self.cell_km)
        self._costs: dict[tuple[str, str], pd.Series] = {}

    def costs(self, category: str, unit: str = "km") -> pd.Series:
        """Cost (km or minutes) from every population point to the nearest facility.

        Every facility of ``category`` counts, also those outside the Kreis; ``inf``
        when there is none.
        """
        key = (category, unit)
        if key not in self._costs:
            supply = reachability.category_facilities(self.region, category)
            self._costs[key] = demand.nearest_cost(self.points, supply, unit)
        return self._costs[key]

    def table(self, category: str, threshold: float, unit: str = "km") -> pd.DataFrame:
        """Per municipality: :data:`kulturplan.demand.COLUMNS` plus ``name``.

        Returns
        -------
        pandas.DataFrame
            Index AGS (all municipalities), columns ``name``, ``population``,
            ``population_beyond``, ``share_beyond`` (percent) and ``mean_cost``
            (see :func:`kulturplan.demand.population_beyond`), sorted by inhabitants
            beyond (descending), then name.
        """
        supply = reachability.category_facilities(self.region, category)
        muni = self.region.municipalities
        frame = demand.population_beyond(
            self.points, supply, float(threshold), unit, index=muni.index,
            costs=self.costs(category, unit),
        )
        frame.insert(0, "name", muni["name"].astype(str))
        return frame.sort_values(["population_beyond", "name"], ascending=[False, True])

    def beyond_points(self, category: str, threshold: float, unit: str = "km") -> gpd.GeoDataFrame:
        """Inhabited population points beyond ``threshold`` (EPSG:25832)."""
        cost = self.costs(category, unit)
        mask = (cost > threshold) & (self.points["population"] > 0)
        return self.points[mask.to_numpy()]


def excel_bytes(frame: pd.DataFrame, *, sheet: str = "Versorgungslücken",
                title: str = "", attribution: str = "") -> bytes:
    """The gap table as an .xlsx file (German headers, aggregated numbers only)."""
    out = frame.rename(columns=COLUMNS_DE).copy()
    out.index.name = "AGS"
    out = cell_frame(out)  # names from registers and users: text, never a formula
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        out.to_excel(writer, sheet_name=sheet[:31], startrow=3)
        ws = writer.sheets[sheet[:31]]
        ws["A1"] = cell_text(title)
        ws["A2"] = cell_text(attribution)
        for col, width in zip("ABCDEF", (12, 28, 18, 24, 20, 26), strict=True):
            ws.column_dimensions[col].width = width
    return buf.getvalue()


def download_link(data: bytes, filename: str, text: str, mime: str = XLSX_MIME) -> str:
    """HTML link offering ``data`` as a file download (data URI, works offline)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'<div class="kp-download"><a download="{html_text(filename)}" '
        f'href="data:{html_text(mime)};base64,{b64}">{html_text(text)}</a></div>'
    )


def _point_collection(points: gpd.GeoDataFrame, names: pd.Series, unit_label: str,
                      cost: pd.Series) -> dict[str, Any]:
    if len(points) == 0:
        return {"type": "FeatureCollection", "features": []}
    ll = points.geometry.to_crs(prepare.WGS84)
    lat = np.round(ll.y.to_numpy(), 4)
    lon = np.round(ll.x.to_numpy(), 4)
    feats = []
    for i, (y, x, a, p) in enumerate(
        zip(lat, lon, points["ags"], points["population"], strict=True)
    ):
        c = cost.iloc[i]
        dist = "keine Einrichtung" if not np.isfinite(c) else f"{format_number(c, 1)} {unit_label}"
        feats.append({
            "type": "Feature",
            "properties": {
                # the style comes from the layer's point_style (same for every point)
                "tooltip": f"{names.get(a, a)}: etwa {format_number(p, 0)} Einw., "
                           f"nächste Einrichtung {dist}",
            },
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
        })
    return {"type": "FeatureCollection", "features": feats}


class GapExplorer(w.VBox):
    """Choose a category and a threshold; see inhabitants beyond it, where, and which places.

    Attributes
    ----------
    category, threshold, unit
        Synced with the category picker and the threshold slider.
    summary
        Current result as a table (see :meth:`GapModel.table`).
    """

    category = t.Unicode("bibliothek").tag(sync=True)
    threshold = t.Float(10.0).tag(sync=True)
    unit = t.Unicode("km").tag(sync=True)

    def __init__(
        self,
        data: DashboardData,
        *,
        category: str = "bibliothek",
        threshold: float = 10.0,
        unit: str = "km",
        cell_km: float = 1.0,
        map_height: str = "600px",
        **kwargs: Any,
    ) -> None:
        self.data = data
        self.model = GapModel(data.region, cell_km=cell_km)
        self.category_picker = CategoryFilter(include_all=False, value=category)
        self.slider = ThresholdSlider(unit=unit, value=threshold)
        self.headline = w.HTML()
        spec = map_spec(
            data.region, None, title="Anteil außerhalb", unit="%", higher_is_better=False,
            categories=[category], geometries=data.geometries,
        )
        self.map = LeafletMap(spec, height=map_height)
        import ipyleaflet

        self.gap_layer = ipyleaflet.GeoJSON(
            data={"type": "FeatureCollection", "features": []},
            point_style={**GAP_POINT_STYLE, "pane": "kpPoints"}, name="Wohnorte außerhalb",
        )
        self.map.widget.add(self.gap_layer)
        self.map.widget.remove(self.map.facilities)  # keep facilities above the points
        self.map.widget.add(self.map.facilities)
        self.gap_layer.on_hover(self.map._on_hover)
        self.chart = FigureView(draw=False)  # drawn by refresh()
        self.chart.add_class("kp-gapchart")
        self.table = w.HTML()
        self.table.add_class("kp-gaptable")
        self.download = w.HTML()
        self.summary = pd.DataFrame()
        controls = w.HBox([self.category_picker, self.slider],
                          layout=w.Layout(flex_flow="row wrap", grid_gap="8px 32px",
                                          align_items="flex-start"))
        top = w.HBox(
            [
                w.Box([self.map.widget], layout=w.Layout(flex="3 1 560px", min_width="420px")),
                w.Box([self.chart], layout=w.Layout(flex="2 1 420px", min_width="360px")),
            ],
            layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"),
        )
        super().__init__(
            children=[controls, self.headline, top,
                      style.section("Gemeinden unterhalb des Standards"),
                      self.download, self.table],
            **kwargs,
        )
        t.link((self.category_picker, "value"), (self, "category"))
        t.link((self.slider, "value"), (self, "threshold"))
        t.link((self.slider, "unit"), (self, "unit"))
        self.refresh()

    @t.observe("category", "threshold", "unit")
    def _on_change(self, change: dict[str, Any]) -> None:
        if hasattr(self, "chart"):
            self.refresh()

    # -- texts ------------------------------------------------------------------------------
    @property
    def category_label(self) -> str:
        return catalog.category_label(self.category)

    @property
    def threshold_text(self) -> str:
        return f"{format_number(self.threshold, 0)} {UNIT_TEXT[self.unit]}"

    @property
    def n_facilities(self) -> int:
        """Facilities of the chosen category that count for reachability (also outside)."""
        return len(reachability.category_facilities(self.data.region, self.category))

    @property
    def n_own_facilities(self) -> int:
        """Facilities of the chosen category in the region's own municipalities."""
        return int(basic.facility_counts(self.data.region).get(self.category, 0))

    def below_standard(self) -> pd.DataFrame:
        """Municipalities with inhabitants beyond the threshold, most affected first.

        Empty when the region has no facility of the category (nothing to measure).
        """
        if self.summary.empty or self.n_facilities == 0:
            return self.summary.iloc[0:0]
        return self.summary[self.summary["population_beyond"] > 0]

    def export_frame(self) -> pd.DataFrame:
        """The table offered for download (numbers, German headers applied on export)."""
        frame = self.below_standard().copy()
        frame["population_beyond"] = frame["population_beyond"].round()
        frame["share_beyond"] = frame["share_beyond"].round(1)
        frame["mean_cost"] = frame["mean_cost"].round(1)
        return frame

    # -- update -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute for the current category/threshold and update every view in place."""
        cat, thr, unit = self.category, float(self.threshold), self.unit
        self.summary = self.model.table(cat, thr, unit)
        if self.n_facilities == 0:
            self._show_no_supply()
            return
        whole = demand.overall(self.summary)
        beyond, share = whole["population_beyond"], whole["share_beyond"]
        n_fac = self.n_own_facilities
        plural = catalog.category_label(cat, plural=True)
        n_bad = len(self.below_standard())
        self.headline.value = style.cards_html(
            [
                (format_number(beyond, 0), f"Einwohner:innen weiter als {self.threshold_text} "
                 f"von der nächsten Einrichtung „{self.category_label}“"),
                (f"{format_number(share, 1)} %", "Anteil an allen Einwohner:innen"),
                (format_number(n_bad, 0), "Gemeinden mit Betroffenen"),
                (format_number(n_fac, 0), f"{plural} in der Region"),
            ]
        ) + (
            '<div class="kp-note">Einwohner:innen sind gleichmäßig auf ein '
            f"{format_number(self.model.cell_km, 0)}-km-Raster je Gemeinde verteilt; "
            "Entfernungen als Luftlinie, Fahrzeiten geschätzt mit Umwegfaktor 1,3 und "
            f"50 km/h.{self._outside_note()}</div>"
        )
        # map: municipalities by share beyond (lower is better) + affected grid points
        shares = self.summary["share_beyond"]
        spec = self.map.spec.with_values(
            shares, title=f"Anteil außerhalb ({self.threshold_text})", unit="%",
            higher_is_better=False,
        )
        if spec.facilities.empty or set(spec.facilities["category"]) != {cat}:
            spec = spec.with_facilities(prepare.facility_points(self.data.region, [cat]))
        self.map.update(spec)
        pts = self.model.beyond_points(cat, thr, unit)
        cost = self.model.costs(cat, unit).loc[pts.index]
        self.gap_layer.data = _point_collection(
            pts, self.data.names, "km" if unit == "km" else "min", cost
        )
        trace, layout = charts.gap_props(
            self.summary,
            title=f"<b>Betroffene je Gemeinde</b>: weiter als {self.threshold_text} "
            f"von „{self.category_label}“",
        )
        self.chart.update(trace, layout)
        self._update_table()

    def _outside_note(self) -> str:
        """Sentence on facilities beyond the Kreis that count for reachability ('' if none)."""
        outside = self.n_facilities - self.n_own_facilities
        if outside <= 0:
            return ""
        return (f" Weitere {format_number(outside, 0)} Einrichtungen „{self.category_label}“ "
                "außerhalb des Kreises zählen für die Erreichbarkeit mit (hohle Punkte).")

    def no_supply_text(self) -> str:
        """German note when the region has no facility of the chosen category."""
        region = html_text(self.data.region.name)
        if len(self.data.region.facilities) == 0:
            first = f"Für die Region „{region}“ sind noch keine Kultureinrichtungen erfasst."
            todo = "Bitte eine Einrichtungsliste (Excel-Vorlage) für die Region einlesen."
        else:
            first = (f"Für die Region „{region}“ ist noch keine Einrichtung der Sparte "
                     f"„{html_text(self.category_label)}“ erfasst.")
            todo = ("Bitte eine andere Sparte wählen oder die Einrichtungsliste der Region "
                    "ergänzen.")
        return (
            f'<div class="kp-notice">{first} Ohne Standorte lässt sich nicht berechnen, wer '
            f"wie weit von der nächsten Einrichtung entfernt wohnt. {todo}</div>"
        )

    def _show_no_supply(self) -> None:
        """Calm note instead of "100 % beyond" when there is nothing to measure."""
        self.headline.value = self.no_supply_text()
        nothing = pd.Series(np.nan, index=self.data.region.municipalities.index, dtype=float)
        spec = self.map.spec.with_values(
            nothing, title=f"{self.category_label}: keine Einrichtung erfasst", unit="",
            higher_is_better=False,
        ).with_facilities(prepare.facility_points(self.data.region, [self.category]))
        self.map.update(spec)
        self.gap_layer.data = {"type": "FeatureCollection", "features": []}
        trace, layout = charts.gap_props(
            self.summary.iloc[0:0],
            title=f"<b>Betroffene je Gemeinde</b>: „{self.category_label}“",
            empty_text="Keine Einrichtung dieser Sparte erfasst – keine Berechnung möglich.",
        )
        self.chart.update(trace, layout)
        self.table.value = (
            '<div class="kp-text">Ohne erfasste Einrichtungen dieser Sparte gibt es keine '
            "Liste.</div>"
        )
        self.download.value = ""

    def _update_table(self) -> None:
        frame = self.below_standard()
        if frame.empty:
            self.table.value = (
                '<div class="kp-text">Alle Gemeinden erfüllen den Standard: niemand wohnt '
                f"weiter als {self.threshold_text} von der nächsten Einrichtung "
                f"„{self.category_label}“ entfernt.</div>"
            )
            self.download.value = ""
            return
        unit = "km" if self.unit == "km" else "min"
        shown = pd.DataFrame(
            {
                "Gemeinde": frame["name"],
                "Einwohner:innen": [format_number(v, 0) for v in frame["population"]],
                "außerhalb": [format_number(v, 0) for v in frame["population_beyond"]],
                "Anteil": [f"{format_number(v, 1)} %" for v in frame["share_beyond"]],
                f"Mittel ({unit})": [format_number(v, 1) for v in frame["mean_cost"]],
            },
            index=frame.index,
        )
        self.table.value = style.table_html(
            shown, right=("Einwohner:innen", "außerhalb", "Anteil", f"Mittel ({unit})")
        )
        name = f"versorgungsluecken_{self.category}_{format_number(self.threshold, 0)}{unit}.xlsx"
        data = excel_bytes(
            self.export_frame(),
            title=f"Versorgungslücken {self.data.region.name}: {self.category_label}, "
            f"Schwelle {self.threshold_text}",
            attribution=prepare.attribution(self.data.region),
        )
        self.download.value = download_link(data, name, "Tabelle als Excel herunterladen")
