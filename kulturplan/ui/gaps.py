"""Versorgungslücken: who lives beyond a reachability standard, and where.

:class:`GapModel` spreads each municipality's population over a grid
(:func:`kulturplan.demand.population_points`), computes the cost to the nearest facility
of a category once per category and unit (:func:`kulturplan.demand.nearest_cost`) and then
answers every threshold with :func:`kulturplan.demand.population_beyond` by filtering,
so a slider move is cheap. :class:`GapExplorer` shows the result as map, chart and table
and offers the table as an Excel download (aggregated numbers only — no personal data).

When the region names an OpenStreetMap file (:func:`kulturplan.io.input_file`), the
explorer also offers travel times on the road network ("Auto", "Fahrrad", "zu Fuß"):
:class:`kulturplan.routing.region.RegionNetwork` gives the minutes to the nearest facility
per point, the ``costs=`` of :func:`kulturplan.demand.population_beyond`. Points farther
than :data:`~kulturplan.routing.region.ON_NETWORK_M` from the network (outside the
file's extract) are not counted for these modes (cost ``NaN``), and the note says how
many inhabitants that concerns.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from kulturplan import catalog, demand
from kulturplan._format import format_number
from kulturplan._safe import cell_frame, cell_text, html_text
from kulturplan.errors import ParameterError
from kulturplan.indicators import basic, reachability
from kulturplan.io import input_file
from kulturplan.region import Region
from kulturplan.ui import style
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.style import XLSX_MIME, download_link  # noqa: F401  (re-exported)
from kulturplan.ui.widgets import CategoryFilter, ThresholdSlider
from kulturplan.viz import charts, prepare
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.spec import map_spec

if TYPE_CHECKING:  # the road network code is imported only for a region with an OSM file
    from kulturplan import routing
    from kulturplan.routing import region as region_network

UNIT_TEXT = {"km": "km Luftlinie", "min": "Minuten Fahrzeit (geschätzt)"}

MODES: dict[str, str] = reachability.GAP_MODES
"""Ways of measuring offered by the gap dashboard (id → German label); the last three
need an OSM file named by the region."""

MODE_TEXT: dict[str, str] = {
    "car": "Minuten mit dem Auto",
    "bike": "Minuten mit dem Fahrrad",
    "walk": "Minuten zu Fuß",
}
MODE_SLIDER_LABELS: dict[str, str] = {
    "car": "Minuten (Auto, Straßennetz)",
    "bike": "Minuten (Fahrrad, 15 km/h)",
    "walk": "Minuten (zu Fuß, 5 km/h)",
}

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
        self.grid_file = input_file(region, "grid")
        self.osm_file = input_file(region, "osm")
        self.road: region_network.RegionNetwork | None = None
        if self.osm_file is not None:
            from kulturplan.routing import region as region_network

            self.road = region_network.for_region(region, cell_km=self.cell_km)
        self._costs: dict[tuple[str, str, str], pd.Series] = {}

    @property
    def modes(self) -> list[str]:
        """Ways of measuring available (:data:`MODES`): network modes need an OSM file."""
        return list(MODES) if self.osm_file is not None else ["line"]

    def _check_mode(self, mode: str, unit: str) -> None:
        reachability.check_gap_mode(self.region, mode, unit)

    def _road(self, mode: str) -> region_network.RegionNetwork:
        self._check_mode(mode, "min")
        if self.road is None:  # pragma: no cover - _check_mode allows network modes only then
            raise ParameterError("Die Region nennt keine OpenStreetMap-Datei.")
        return self.road

    def network(self, mode: str) -> routing.Network:
        """Road network of the region's OSM file for ``mode`` (cached per kernel)."""
        return self._road(mode).network(mode)

    def on_network(self, mode: str) -> np.ndarray:
        """Boolean per population point: within
        :data:`~kulturplan.routing.region.ON_NETWORK_M` of the network."""
        return self._road(mode).on_network(mode)

    def network_share(self, mode: str) -> float:
        """Percent of the inhabitants (of the points) living on the network of ``mode``."""
        return self._road(mode).network_share(mode)

    def ratio(self) -> routing.RatioResult:
        """Car time on the network against the straight-line estimate (road alone).

        See :meth:`kulturplan.routing.region.RegionNetwork.ratio`.
        """
        return self._road("car").ratio()

    def costs(self, category: str, unit: str = "km", mode: str = "line") -> pd.Series:
        """Cost (km or minutes) from every population point to the nearest facility.

        Every facility of ``category`` counts, also those outside the Kreis; ``inf``
        when there is none (or, for a network mode, none within
        :data:`~kulturplan.routing.region.NETWORK_MAX_MINUTES`); ``NaN`` for points off the network.
        """
        self._check_mode(mode, unit)
        key = (category, unit, mode)
        if key not in self._costs:
            supply = reachability.category_facilities(self.region, category)
            if mode == "line":
                self._costs[key] = demand.nearest_cost(self.points, supply, unit)
            else:
                self._costs[key] = self._road(mode).nearest_costs(supply, mode)
        return self._costs[key]

    def table(self, category: str, threshold: float, unit: str = "km",
              mode: str = "line") -> pd.DataFrame:
        """Per municipality: :data:`kulturplan.demand.COLUMNS` plus ``name``.

        For a network mode only the points on that network count (``population`` is
        then the inhabitants of those points; municipalities off the network get 0).

        Returns
        -------
        pandas.DataFrame
            Index AGS (all municipalities), columns ``name``, ``population``,
            ``population_beyond``, ``share_beyond`` (percent) and ``mean_cost``
            (see :func:`kulturplan.demand.population_beyond`), sorted by inhabitants
            beyond (descending), then name.
        """
        frame = self._beyond(category, threshold, unit, mode,
                             cells="all" if mode == "line" else mode)
        frame.insert(0, "name", self.region.municipalities["name"].astype(str))
        return frame.sort_values(["population_beyond", "name"], ascending=[False, True])

    def _beyond(self, category: str, threshold: float, unit: str, mode: str,
                cells: str) -> pd.DataFrame:
        """:func:`~kulturplan.demand.population_beyond` over all points (``cells="all"``)
        or over the points on the network of mode ``cells``."""
        supply = reachability.category_facilities(self.region, category)
        index = self.region.municipalities.index
        cost = self.costs(category, unit, mode)
        if cells != "all":
            return self._road(cells).population_beyond(supply, threshold, cells, index=index,
                                                       costs=cost)
        return demand.population_beyond(self.points, supply, float(threshold), unit,
                                        index=index, costs=cost)

    def estimate_on_network(self, category: str, threshold: float, mode: str) -> dict[str, float]:
        """Straight-line estimate (minutes) for the same points a network mode counts.

        :func:`kulturplan.demand.overall` of the estimated car minutes
        (``unit="min"``, mode ``"line"``) over the points on the network of ``mode``:
        the like-for-like comparison with :meth:`table` of that mode.
        """
        return demand.overall(self._beyond(category, threshold, "min", "line", cells=mode))

    def beyond_points(self, category: str, threshold: float, unit: str = "km",
                      mode: str = "line") -> gpd.GeoDataFrame:
        """Inhabited population points beyond ``threshold`` (EPSG:25832)."""
        cost = self.costs(category, unit, mode)
        mask = (cost > threshold) & (self.points["population"] > 0)
        return self.points[mask.to_numpy()]


def excel_bytes(frame: pd.DataFrame, *, sheet: str = "Versorgungslücken",
                title: str = "", attribution: str = "",
                headers: dict[str, str] | None = None) -> bytes:
    """The gap table as an .xlsx file (German headers, aggregated numbers only).

    ``headers`` replaces :data:`COLUMNS_DE` (e.g. "Einwohner:innen gezählt" when the
    figures count grid or network inhabitants).
    """
    out = frame.rename(columns=headers or COLUMNS_DE).copy()
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
    mode
        ``"line"`` (straight line / estimated minutes) or, when the region names an OSM
        file, ``"car"``, ``"bike"``, ``"walk"`` (synced with the "Gemessen als" buttons).
    summary
        Current result as a table (see :meth:`GapModel.table`).
    """

    category = t.Unicode("bibliothek").tag(sync=True)
    threshold = t.Float(10.0).tag(sync=True)
    unit = t.Unicode("km").tag(sync=True)
    mode = t.Unicode("line").tag(sync=True)

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
        self._adjusting = False
        self.mode_picker: w.ToggleButtons | None = None
        if len(self.model.modes) > 1:
            self.mode_picker = w.ToggleButtons(
                options=[(MODES[m], m) for m in self.model.modes], value="line",
                description="Gemessen als",
                style={"description_width": "initial", "button_width": "90px"},
            )
            self.mode_picker.add_class("kp-modes")
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
        pickers: list[w.Widget] = [self.category_picker]
        if self.mode_picker is not None:
            pickers = [w.VBox([self.category_picker, self.mode_picker])]
        controls = w.HBox([*pickers, self.slider],
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
        if self.mode_picker is not None:
            t.link((self.mode_picker, "value"), (self, "mode"))
        self.refresh()

    @t.observe("category", "threshold", "unit", "mode")
    def _on_change(self, change: dict[str, Any]) -> None:
        if not hasattr(self, "chart") or self._adjusting:
            return
        if change["name"] == "mode":
            self._adjusting = True
            try:
                self._apply_mode()
            finally:
                self._adjusting = False
        self.refresh()

    def _apply_mode(self) -> None:
        """Network modes measure in minutes only: fix the unit and label the slider."""
        network = self.mode != "line"
        self.slider.units.layout.display = "none" if network else None
        if network and self.slider.unit != "min":
            self.slider.unit = "min"
        self.slider.set_unit_label(MODE_SLIDER_LABELS.get(self.mode))

    # -- texts ------------------------------------------------------------------------------
    @property
    def category_label(self) -> str:
        return catalog.category_label(self.category)

    @property
    def threshold_text(self) -> str:
        text = MODE_TEXT.get(self.mode, UNIT_TEXT[self.unit])
        return f"{format_number(self.threshold, 0)} {text}"

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

    def report_criteria(self) -> dict[str, tuple[float, str, str]]:
        """The current choice as ``criteria`` of :class:`kulturplan.report.ReportContext`:
        ``{category: (threshold, unit, mode)}``, so the report and its Excel tables show the
        figures of the chosen way of measuring (e.g. car times on the road network)."""
        return {self.category: (float(self.threshold), self.unit, self.mode)}

    def report_selection(self) -> dict[str, Any]:
        """Selection for :class:`kulturplan.ui.report_download.ReportDownload`."""
        return {"criteria": self.report_criteria()}

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
        cat, thr, unit, mode = self.category, float(self.threshold), self.unit, self.mode
        self.summary = self.model.table(cat, thr, unit, mode)
        if self.n_facilities == 0:
            self._show_no_supply()
            return
        whole = demand.overall(self.summary)
        beyond, share = whole["population_beyond"], whole["share_beyond"]
        n_fac = self.n_own_facilities
        plural = catalog.category_label(cat, plural=True)
        n_bad = len(self.below_standard())
        cards = [
            (format_number(beyond, 0), f"Einwohner:innen weiter als {self.threshold_text} "
             f"von der nächsten Einrichtung „{self.category_label}“"),
            (f"{format_number(share, 1)} %", f"Anteil an {self.counted_text(whole)}"),
            (format_number(n_bad, 0), "Gemeinden mit Betroffenen"),
            (format_number(n_fac, 0), f"{plural} in der Region"),
        ]
        if mode != "line":
            estimate = self.model.estimate_on_network(cat, thr, mode)
            cards.insert(1, (format_number(estimate["population_beyond"], 0),
                             "nach Luftlinien-Schätzung (dieselben Zellen)"))
            cards[0] = (cards[0][0], f"Einwohner:innen weiter als {self.threshold_text} "
                        f"von „{self.category_label}“")
        self.headline.value = style.cards_html(cards) + (
            f'<div class="kp-note">{self.method_note()}{self._outside_note()}</div>')
        # map: municipalities by share beyond (lower is better) + affected grid points
        shares = self.summary["share_beyond"]
        missing = ("nicht gezählt (kein Straßennetz in der OSM-Datei)" if mode != "line"
                   else "keine Angabe")
        spec = self.map.spec.with_values(
            shares, title=f"Anteil außerhalb in % ({self.threshold_text})", unit="%",
            higher_is_better=False,
            scale=prepare.ShareScale.from_shares(shares, missing_label=missing),
        )
        if spec.facilities.empty or set(spec.facilities["category"]) != {cat}:
            spec = spec.with_facilities(prepare.facility_points(self.data.region, [cat]))
        self.map.update(spec)
        pts = self.model.beyond_points(cat, thr, unit, mode)
        cost = self.model.costs(cat, unit, mode).loc[pts.index]
        self.gap_layer.data = _point_collection(
            pts, self.data.names, "km" if unit == "km" else "min", cost
        )
        trace, layout = charts.gap_props(
            self.summary,
            title=f"<b>Betroffene je Gemeinde</b>: weiter als {self._short_threshold()} "
            f"von „{self.category_label}“",
        )
        self.chart.update(trace, layout)
        self._update_table()

    @property
    def population_source(self) -> str:
        """Where the counted inhabitants come from (German, short)."""
        return ("Zensus-Gitter 2022" if self.model.grid_file is not None
                else "Gemeindeverzeichnis")

    @property
    def counts_register(self) -> bool:
        """Whether the figures count the register's inhabitants (uniform spread, line)."""
        return self.model.grid_file is None and self.mode == "line"

    def counted_text(self, whole: dict[str, float]) -> str:
        """"106.714 Einw. (Zensus-Gitter 2022)": the inhabitants the shares refer to."""
        where = "" if self.mode == "line" else " am Straßennetz"
        return (f"{format_number(whole['population'], 0)} Einw.{where} "
                f"({self.population_source})")

    def export_headers(self) -> dict[str, str]:
        """German headers of the Excel table for the current way of measuring."""
        headers = dict(COLUMNS_DE)
        if not self.counts_register:
            where = "" if self.mode == "line" else ", am Straßennetz"
            headers["population"] = (f"Einwohner:innen gezählt ({self.population_source}"
                                     f"{where})")
        if self.mode != "line":
            headers["mean_cost"] = f"Mittlere Fahrzeit (min, {MODES[self.mode]}, Straßennetz)"
        return headers

    def _short_threshold(self) -> str:
        """Threshold for the chart title (narrow): "20 min Auto" for network modes."""
        if self.mode == "line":
            return self.threshold_text
        return f"{format_number(self.threshold, 0)} min {MODES[self.mode]}"

    def method_note(self) -> str:
        """German note on where the inhabitants come from and how the cost is measured."""
        model = self.model
        if model.grid_file is None:
            people = ("Einwohner:innen sind gleichmäßig auf ein "
                      f"{format_number(model.cell_km, 0)}-km-Raster je Gemeinde verteilt; ")
        else:
            size = format_number(demand.grid_size_km(model.points), 0)
            people = (f"Einwohner:innen nach dem Zensus-2022-Gitter ({size}-km-Zellen, "
                      "ohne Angleichung an das Gemeindeverzeichnis); ")
        if self.mode == "line":
            text = (people + "Entfernungen als Luftlinie, Fahrzeiten geschätzt mit "
                    "Umwegfaktor 1,3 und 50 km/h.")
        else:
            text = people + self._network_note()
        if model.osm_file is not None:
            text += " " + self.ratio_note()
        return text

    def _network_note(self) -> str:
        from kulturplan.routing.region import ON_NETWORK_M

        model = self.model
        speeds = {"car": "Geschwindigkeiten je Straßenart nach dem Routenplaner OSRM, "
                         "eingetragene Höchstgeschwindigkeit × 0,8",
                  "bike": "15 km/h", "walk": "5 km/h"}[self.mode]
        name = html_text(Path(str(model.osm_file)).name)
        share = model.network_share(self.mode)
        off = 100.0 - share
        within_km = format_number(ON_NETWORK_M / 1000, 0)
        text = (f"Fahrzeiten ({MODES[self.mode]}) auf dem Straßennetz der OpenStreetMap-Datei "
                f"„{name}“ ({speeds}; Wege zum Netz zu Fuß).")
        if off >= 0.05:
            text += (f" <b>Das Straßennetz der Datei deckt nur einen Teil der Region ab:</b> "
                     f"{format_number(share, 1)} % der Einwohner:innen wohnen in Gitterzellen "
                     f"höchstens {within_km} km vom Netz; nur sie "
                     f"sind hier gezählt (Zahlen, Anteile und Karte), die übrigen "
                     f"{format_number(off, 1)} % nicht.")
        return text

    def ratio_note(self) -> str:
        """Network against straight line for the region (median of the car-time ratio)."""
        r = self.model.ratio()
        if r.n_pairs == 0:
            return ""
        return (f"Auf dem Straßennetz dauert eine Autofahrt im Median "
                f"{format_number(r.median, 2)}-mal so lange wie die Luftlinien-Schätzung "
                f"(10 % der Wege unter {format_number(r.p10, 2)}, 10 % über "
                f"{format_number(r.p90, 2)}; {format_number(r.n_pairs, 0)} Wege zwischen "
                "bewohnten Gitterzellen).")

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
        people = "Einwohner:innen" if self.counts_register else "Einw. gezählt"
        shown = pd.DataFrame(
            {
                "Gemeinde": frame["name"],
                people: [format_number(v, 0) for v in frame["population"]],
                "außerhalb": [format_number(v, 0) for v in frame["population_beyond"]],
                "Anteil": [f"{format_number(v, 1)} %" for v in frame["share_beyond"]],
                f"Mittel ({unit})": [format_number(v, 1) for v in frame["mean_cost"]],
            },
            index=frame.index,
        )
        self.table.value = style.table_html(
            shown, right=(people, "außerhalb", "Anteil", f"Mittel ({unit})")
        )
        name = f"versorgungsluecken_{self.category}_{format_number(self.threshold, 0)}{unit}.xlsx"
        data = excel_bytes(
            self.export_frame(), headers=self.export_headers(),
            title=f"Versorgungslücken {self.data.region.name}: {self.category_label}, "
            f"Schwelle {self.threshold_text}",
            attribution=prepare.attribution(self.data.region),
        )
        self.download.value = download_link(data, name, "Tabelle als Excel herunterladen")
