"""Renderer-independent description of a choropleth map (:class:`MapSpec`).

Both renderers — :mod:`kulturplan.viz.leaflet` (ipyleaflet, dashboards) and
:mod:`kulturplan.viz.folium_map` (folium, notebooks and HTML reports) — draw a
:class:`MapSpec`; nothing about colours, legends, tooltips or attribution is decided
by a renderer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._format import format_decimal
from kulturplan._safe import html_text
from kulturplan.region import Region
from kulturplan.viz import prepare
from kulturplan.viz.prepare import ColourScale

BASE_STYLE: dict[str, Any] = {
    "color": prepare.BORDER_COLOUR,
    "weight": 1,
    "opacity": 1.0,
    "fillOpacity": 0.85,
}
SELECTED_STYLE: dict[str, Any] = {"color": prepare.HIGHLIGHT_COLOUR, "weight": 4}
HOVER_STYLE: dict[str, Any] = {"weight": 3, "color": "#555555"}
FACILITY_STYLE: dict[str, Any] = {
    "radius": 4,
    "weight": 1,
    "color": "#ffffff",
    "opacity": 1.0,
    "fillOpacity": 0.95,
}
OUTSIDE_FILL = "#ffffff"
"""Fill of a facility outside the region: a hollow ring in its category colour."""


def facility_style(colour: str, outside: bool = False) -> dict[str, Any]:
    """Marker style of one facility: filled in its category colour, or a hollow ring in
    that colour when it lies outside the region (counts only for reachability)."""
    if outside:
        return {**FACILITY_STYLE, "color": colour, "weight": 2, "fillColor": OUTSIDE_FILL,
                "fillOpacity": 0.9}
    return {**FACILITY_STYLE, "fillColor": colour}


@dataclass(frozen=True)
class MapSpec:
    """Everything a choropleth map of one indicator shows.

    Attributes
    ----------
    geometries
        Display outlines (EPSG:4326, simplified, rounded), index AGS, column ``name``.
    values
        Indicator value per AGS (NaN = no value).
    scale
        Colour scale with legend.
    title
        Legend title (German indicator label).
    unit
        Unit of the values.
    facilities
        Facility markers from :func:`kulturplan.viz.prepare.facility_points`.
    attribution
        Attribution text of every data source.
    selected
        AGS of the highlighted municipality, if any.
    """

    geometries: gpd.GeoDataFrame
    values: pd.Series
    scale: ColourScale
    title: str = ""
    unit: str = ""
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)
    attribution: str = ""
    selected: str | None = None

    # -- per municipality ----------------------------------------------------------------
    @property
    def names(self) -> pd.Series:
        return self.geometries["name"]

    def fill_colours(self) -> pd.Series:
        """Fill colour per AGS."""
        vals = self.values.reindex(self.geometries.index)
        return pd.Series(self.scale.colour(vals), index=self.geometries.index, dtype=object)

    def tooltips(self) -> pd.Series:
        """German tooltip per AGS."""
        return prepare.municipality_tooltips(
            self.names,
            self.values,
            label=self.title,
            unit=self.unit,
            decimals=self.scale.decimals,
        )

    def styles(self) -> dict[str, dict[str, Any]]:
        """Leaflet path style per AGS (fill colour; the selected one outlined)."""
        out = {}
        for ags, colour in self.fill_colours().items():
            style = {**BASE_STYLE, "fillColor": colour}
            if ags == self.selected:
                style.update(SELECTED_STYLE)
            out[str(ags)] = style
        return out

    def feature_collection(self) -> dict[str, Any]:
        """GeoJSON of the municipalities with ``name``, ``value``, ``tooltip``, ``style``."""
        vals = self.values.reindex(self.geometries.index)
        props = pd.DataFrame(
            {
                "name": self.names.astype(object),
                "value": vals.round(6).astype(object).where(vals.notna(), None),
                "tooltip": self.tooltips(),
            },
            index=self.geometries.index,
        )
        data = prepare.feature_collection(self.geometries, props)
        styles = self.styles()
        for feature in data["features"]:
            feature["properties"]["style"] = styles[feature["id"]]
        return data

    def facility_collection(self) -> dict[str, Any]:
        """GeoJSON points of the facilities with ``tooltip`` and ``style``."""
        fac = self.facilities
        if fac.empty:
            return {"type": "FeatureCollection", "features": []}
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": str(fid),
                    "properties": {
                        "tooltip": tip,
                        "category": cat,
                        "style": facility_style(colour, bool(out)),
                    },
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                }
                for fid, lat, lon, tip, cat, colour, out in zip(
                    fac.index,
                    fac["lat"],
                    fac["lon"],
                    fac["tooltip"],
                    fac["category"],
                    fac["colour"],
                    _outside(fac),
                    strict=True,
                )
            ],
        }

    def legend(self) -> list[tuple[str, str]]:
        """Legend entries of the choropleth (best class first)."""
        return self.scale.legend()

    def legend_title(self) -> str:
        if not self.unit or self.unit in self.title:
            return self.title
        return f"{self.title} ({self.unit})"

    def facility_legend(self) -> list[tuple[str, str]]:
        """Legend entries ``(label, colour)`` of the facility categories shown."""
        return prepare.facility_legend(self.facilities) if not self.facilities.empty else []

    def has_outside_facilities(self) -> bool:
        """Whether facilities outside the region are drawn (hollow, own legend entry)."""
        return bool(_outside(self.facilities).any()) if not self.facilities.empty else False

    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((south, west), (north, east))``."""
        minx, miny, maxx, maxy = self.geometries.total_bounds
        return (float(miny), float(minx)), (float(maxy), float(maxx))

    def center(self) -> tuple[float, float]:
        (s, w), (n, e) = self.bounds()
        return (s + n) / 2, (w + e) / 2

    def with_values(
        self,
        values: pd.Series,
        *,
        title: str,
        unit: str = "",
        higher_is_better: bool = True,
        scale: ColourScale | None = None,
    ) -> MapSpec:
        """Return a copy showing another indicator (same geometries).

        The colour scale is ``scale`` or quantile classes of the values
        (:meth:`~kulturplan.viz.prepare.ColourScale.from_values`).
        """
        if scale is None:
            scale = ColourScale.from_values(
                values.reindex(self.geometries.index),
                higher_is_better=higher_is_better,
                unit=unit,
            )
        return replace(self, values=values, scale=scale, title=title, unit=unit)

    def with_selected(self, ags: str | None) -> MapSpec:
        return replace(self, selected=ags)

    def with_facilities(self, facilities: pd.DataFrame) -> MapSpec:
        return replace(self, facilities=facilities)


def _outside(facilities: pd.DataFrame) -> np.ndarray:
    """``outside`` flags of facility markers (all ``False`` for markers without them)."""
    if "outside" not in facilities.columns:
        return np.zeros(len(facilities), dtype=bool)
    return facilities["outside"].fillna(False).to_numpy(dtype=bool)


def map_spec(
    region: Region,
    values: pd.Series | None = None,
    *,
    title: str = "",
    unit: str = "",
    higher_is_better: bool = True,
    categories: Iterable[str] | None = (),
    tolerance_m: float = prepare.DEFAULT_TOLERANCE_M,
    precision: int = prepare.DEFAULT_PRECISION,
    extra_attribution: Iterable[str] = (),
    geometries: gpd.GeoDataFrame | None = None,
) -> MapSpec:
    """Build the :class:`MapSpec` of an indicator map of ``region``.

    Parameters
    ----------
    region
        The region (municipalities, facilities, sources).
    values
        Indicator values indexed by AGS; ``None`` draws plain outlines.
    title, unit, higher_is_better
        From the indicator catalog (label, unit, direction).
    categories
        Facility categories to draw as markers; ``None`` = all, ``()`` = none.
    tolerance_m, precision
        Simplification (metres) and coordinate rounding (decimals) for display.
    extra_attribution
        Attributions beyond the region's sources.
    geometries
        Precomputed :func:`~kulturplan.viz.prepare.display_geometries` (reused
        between maps of the same region).
    """
    geoms = (
        geometries
        if geometries is not None
        else prepare.display_geometries(
            region.municipalities, tolerance_m=tolerance_m, precision=precision
        )
    )
    if values is None:
        values = pd.Series(np.nan, index=geoms.index, dtype=float)
    scale = ColourScale.from_values(
        values.reindex(geoms.index), higher_is_better=higher_is_better, unit=unit
    )
    cats = None if categories is None else tuple(categories)
    fac = prepare.facility_points(region, cats, precision=precision)
    return MapSpec(
        geometries=geoms,
        values=values.astype(float),
        scale=scale,
        title=title,
        unit=unit,
        facilities=fac,
        attribution=prepare.attribution(region, extra_attribution),
    )


GAP_UNIT_TEXT = {"km": "km (Luftlinie)", "min": "Minuten (geschätzte Fahrzeit)"}
"""German wording of the units of a gap map title."""


def gap_title(category: str, threshold: float, unit: str) -> str:
    """German title of a gap map, e.g. „… weiter als 9,5 km (Luftlinie) …“."""
    return (
        f"Einwohner:innen weiter als {format_decimal(threshold)} "
        f"{GAP_UNIT_TEXT.get(unit, unit)} von der nächsten Einrichtung "
        f"„{catalog.category_label(category)}“"
    )


def gap_spec(region: Region, category: str, threshold: float, unit: str = "km",
             **kwargs: Any) -> MapSpec:
    """:class:`MapSpec` of the share (%) of inhabitants beyond a reachability threshold.

    Values from :func:`kulturplan.indicators.reachability.population_beyond`
    (``share_beyond``, lower is better); markers for the facilities of ``category``.
    ``kwargs`` go to :func:`map_spec`.
    """
    from kulturplan.indicators.reachability import population_beyond

    table = population_beyond(region, category, threshold, unit)
    return map_spec(
        region, table["share_beyond"], title=gap_title(category, threshold, unit), unit="%",
        higher_is_better=False, categories=[category], **kwargs,
    )


def legend_html(spec: MapSpec) -> str:
    """HTML legend of a map (classes, note, facility categories), styled by
    :data:`LEGEND_CSS`; shared by the ipyleaflet and the folium renderer."""
    esc = html_text
    rows = "".join(
        f'<div class="kp-legend-row"><span class="kp-swatch" style="background:{c}"></span>'
        f"{esc(label)}</div>"
        for label, c in spec.legend()
    )
    fac = spec.facility_legend()
    fac_rows = "".join(
        f'<div class="kp-legend-row"><span class="kp-dot" style="background:{c}"></span>'
        f"{esc(label)}</div>"
        for label, c in fac
    )
    if fac_rows and spec.has_outside_facilities():
        fac_rows += (
            '<div class="kp-legend-row"><span class="kp-dot kp-dot-outside"></span>'
            f"{esc(prepare.OUTSIDE_LEGEND)}</div>"
        )
    fac_block = f'<div class="kp-legend-head">Einrichtungen</div>{fac_rows}' if fac_rows else ""
    note = f'<div class="kp-legend-note">{esc(spec.scale.note)}</div>' if rows else ""
    return (
        '<div class="kp-legend">'
        f'<div class="kp-legend-head">{esc(spec.legend_title())}</div>{rows}'
        f"{note}{fac_block}</div>"
    )


LEGEND_CSS = """
<style>
.kp-legend{font:14px/1.5 'Source Sans Pro','Segoe UI',Arial,sans-serif;
 background:rgba(255,255,255,.94);
 padding:8px 12px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.25);max-width:290px;color:#222}
.kp-legend-head{font-weight:600;margin:2px 0 4px}
.kp-legend-note{color:#666;font-size:12.5px;margin-top:2px}
.kp-swatch{display:inline-block;width:16px;height:14px;border:1px solid #999;margin-right:8px;
 vertical-align:-2px}
.kp-dot{display:inline-block;width:10px;height:10px;border-radius:50%;border:1px solid #fff;
 box-shadow:0 0 0 1px #bbb;margin:0 10px 0 3px}
.kp-dot-outside{background:#fff;border:2px solid #777;box-shadow:none;width:8px;height:8px}
.kp-info{font:15px/1.4 'Source Sans Pro','Segoe UI',Arial,sans-serif;
 background:rgba(255,255,255,.94);
 padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.25);color:#222}
.leaflet-container{background:#e3e7ea !important}
.leaflet-control-attribution{font-size:12.5px !important;background:rgba(255,255,255,.9) !important}
</style>
"""
