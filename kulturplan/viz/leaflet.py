"""ipyleaflet renderer of a :class:`~kulturplan.viz.spec.MapSpec` for dashboards.

Leaflet ships inside ipyleaflet's front-end, so the map draws offline in Voilà. Changing
the indicator or the selected municipality replaces only the data of one GeoJSON layer
and the legend (no page rebuild, geometries stay simplified and rounded); no base tiles
are loaded unless asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipyleaflet
import ipywidgets as w

from kulturplan._safe import html_text
from kulturplan.viz import prepare
from kulturplan.viz.spec import FACILITY_STYLE, HOVER_STYLE, LEGEND_CSS, MapSpec, legend_html

INFO_DEFAULT = "Gemeinde mit der Maus berühren oder anklicken"


def compact_points(collection: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """``collection`` without the per-point style keys that equal the layer's ``shared``
    point style (the browser applies it to every point): a third of the map payload."""
    features = []
    for feature in collection.get("features", []):
        props = dict(feature.get("properties", {}))
        style = props.get("style")
        if isinstance(style, dict):
            props["style"] = {k: v for k, v in style.items() if shared.get(k) != v}
        features.append({**feature, "properties": props})
    return {**collection, "features": features}


PANES: dict[str, dict[str, Any]] = {
    # Points live in panes above the municipality polygons (overlayPane, z-index 400):
    # redrawing the polygons (another indicator) would otherwise paint them over the
    # markers, which then look faded.
    "kpPoints": {"zIndex": 440},
    "kpFacilities": {"zIndex": 460},
}
LEGEND_ROOM = 0.45
"""Extra room east of the region (share of its width) for the legend in the top right."""


def initial_view(
    bounds: tuple[tuple[float, float], tuple[float, float]],
    width_px: float = 560.0,
    height_px: float = 560.0,
) -> tuple[tuple[float, float], float]:
    """Centre and zoom showing ``bounds`` in a map of about ``width_px`` × ``height_px``.

    A good first guess spares :meth:`ipyleaflet.Map.fit_bounds` most of its round trips
    to the browser (it zooms in whole steps, one message each).
    """
    (south, west), (north, east) = bounds
    lon_span = max(east - west, 1e-6)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    merc_span = max(merc(north) - merc(south), 1e-9)
    zoom_w = math.log2(width_px * 360.0 / (256.0 * lon_span))
    zoom_h = math.log2(height_px * 2 * math.pi / (256.0 * merc_span))
    zoom = max(1.0, min(18.0, math.floor(min(zoom_w, zoom_h) * 4) / 4))
    return ((south + north) / 2, (west + east) / 2), zoom


def with_legend_room(
    bounds: tuple[tuple[float, float], tuple[float, float]], share: float = LEGEND_ROOM
) -> tuple[tuple[float, float], tuple[float, float]]:
    """``bounds`` widened to the east by ``share`` of their width (room for the legend)."""
    (south, west), (north, east) = bounds
    return (south, west), (north, east + (east - west) * share)


class LeafletMap:
    """An ipyleaflet choropleth with facility markers, legend, info box and attribution.

    Parameters
    ----------
    spec
        What to draw.
    height
        CSS height of the map widget.
    tiles
        Optional base tiles (``xyzservices`` provider or ``ipyleaflet.TileLayer``);
        ``None`` (default) draws on a plain light background and loads nothing.

    Attributes
    ----------
    widget
        The ``ipyleaflet.Map`` to display.
    choropleth
        GeoJSON layer of the municipalities (``properties.style`` per feature).
    facilities
        GeoJSON layer of the facilities (CircleMarkers).
    """

    def __init__(self, spec: MapSpec, *, height: str = "560px", tiles: Any = None) -> None:
        self.spec = spec
        self._click: list[Callable[[str], None]] = []
        self.choropleth = ipyleaflet.GeoJSON(
            data=spec.feature_collection(),
            hover_style=HOVER_STYLE,
            name="Gemeinden",
        )
        self.facilities = ipyleaflet.GeoJSON(
            data=compact_points(spec.facility_collection(), FACILITY_STYLE),
            point_style={**FACILITY_STYLE, "pane": "kpFacilities"},
            name="Einrichtungen",
        )
        layers: list[Any] = [self.choropleth, self.facilities]
        if tiles is not None:
            tile_layer = (
                tiles
                if isinstance(tiles, ipyleaflet.TileLayer)
                else ipyleaflet.basemap_to_tiles(tiles)
            )
            layers.insert(0, tile_layer)
        view_bounds = with_legend_room(spec.bounds())
        center, zoom = initial_view(view_bounds, width_px=700.0, height_px=560.0)
        self.widget = ipyleaflet.Map(
            layers=tuple(layers),
            center=center,
            zoom=zoom,
            panes=PANES,
            zoom_snap=0.25,
            scroll_wheel_zoom=True,
            attribution_control=False,
            layout=w.Layout(height=height, width="100%"),
        )
        self.attribution = ipyleaflet.AttributionControl(
            position="bottomright", prefix=self._attribution_text(spec)
        )
        self.legend_html = w.HTML(LEGEND_CSS + legend_html(spec))
        self.legend = ipyleaflet.WidgetControl(widget=self.legend_html, position="topright")
        self.info_html = w.HTML(f'<div class="kp-info">{INFO_DEFAULT}</div>')
        self.info = ipyleaflet.WidgetControl(widget=self.info_html, position="bottomleft")
        for control in (self.attribution, self.legend, self.info):
            self.widget.add(control)
        # Fit once the browser reports the map's size (one round trip, fractional zoom);
        # ipyleaflet's fit_bounds zooms in whole steps with a round trip per step.
        self._view_bounds = view_bounds
        self.widget.observe(self._fit_to_size, names="pixel_bounds")
        self.choropleth.on_hover(self._on_hover)
        self.choropleth.on_click(self._on_click)

    FIT_PADDING_PX = 12

    def _fit_to_size(self, change: dict[str, Any]) -> None:
        """Centre and zoom the region tightly once the map's pixel size is known."""
        try:
            (left, top), (right, bottom) = change["new"]
        except (TypeError, ValueError):
            return
        width, height = float(right) - float(left), float(bottom) - float(top)
        if not (left and top and right and bottom) or width < 50 or height < 50:
            return  # size not (fully) reported yet
        self.widget.unobserve(self._fit_to_size, names="pixel_bounds")
        pad = 2 * self.FIT_PADDING_PX
        center, zoom = initial_view(self._view_bounds, width - pad, height - pad)
        with self.widget.hold_sync():
            self.widget.center = center
            self.widget.zoom = zoom

    @staticmethod
    def _attribution_text(spec: MapSpec) -> str:
        return html_text(spec.attribution) + " | Kartendarstellung: Leaflet"

    # -- updates (in place) ---------------------------------------------------------------
    def update(self, spec: MapSpec) -> None:
        """Show ``spec``: restyle the municipality layer, refresh legend and markers."""
        old = self.spec
        self.spec = spec
        self.choropleth.data = spec.feature_collection()
        if not spec.facilities.equals(old.facilities):
            self.facilities.data = compact_points(spec.facility_collection(), FACILITY_STYLE)
        self.legend_html.value = LEGEND_CSS + legend_html(spec)
        text = self._attribution_text(spec)
        if self.attribution.prefix != text:
            self.attribution.prefix = text

    def styles(self) -> dict[str, dict[str, Any]]:
        """Current style per AGS as sent to the browser."""
        return {
            f["id"]: f["properties"]["style"] for f in self.choropleth.data.get("features", [])
        }

    def legend_text(self) -> str:
        """Plain legend text (for tests and screen readers)."""
        parts = [self.spec.legend_title(), *[label for label, _ in self.spec.legend()]]
        return " | ".join(parts)

    # -- events ---------------------------------------------------------------------------
    def on_click(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(ags)`` when a municipality is clicked."""
        self._click.append(callback)

    def _on_hover(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        props = (feature or {}).get("properties", {})
        tip = props.get("tooltip") or INFO_DEFAULT
        self.info_html.value = f'<div class="kp-info">{html_text(str(tip))}</div>'

    def _on_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        ags = (feature or {}).get("properties", {}).get("ags") or (feature or {}).get("id")
        if ags:
            for cb in self._click:
                cb(str(ags))

    def payload_bytes(self) -> int:
        """Bytes of GeoJSON the map sends (municipalities + facilities)."""
        return prepare.payload_bytes(self.choropleth.data) + prepare.payload_bytes(
            self.facilities.data
        )
