"""Offline folium maps for notebooks and exported HTML reports.

folium loads Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default; offline
(municipal networks, the test machine) the map then stays blank. :class:`OfflineMap`
inlines the vendored Leaflet (and, for clustering, Leaflet.markercluster) from
``kulturplan/viz/assets`` into the HTML instead and loads nothing else: facilities are
CircleMarkers, so no icon fonts are needed, and no base tiles are drawn by default.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from kulturplan._paths import write_atomic
from kulturplan._safe import html_text
from kulturplan.viz.spec import HOVER_STYLE, LEGEND_CSS, MapSpec, legend_html

_CDN_TAG = re.compile(
    r"<script[^>]+src=[\"']https?://[^>]*>\s*</script>|<link[^>]+href=[\"']https?://[^>]*>",
    re.IGNORECASE,
)
_CSS_IMAGE = re.compile(r"url\(images/[^)]*\)")


@cache
def asset(relative: str) -> str:
    """Text of a vendored asset, e.g. ``"leaflet/leaflet.js"``."""
    return (
        resources.files("kulturplan.viz")
        .joinpath("assets", *relative.split("/"))
        .read_text(encoding="utf-8")
    )


def _inline_css(relative: str) -> str:
    # Leaflet's CSS names marker/layer-control images we do not ship or use.
    return "<style>" + _CSS_IMAGE.sub("none", asset(relative)) + "</style>"


def _inline_js(relative: str) -> str:
    return "<script>" + asset(relative).replace("</script", "<\\/script") + "</script>"


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that inlines Leaflet instead of loading it from a CDN.

    Parameters are those of :class:`folium.Map`; ``tiles`` defaults to ``None``
    (plain light background).
    """

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def __init__(self, *args: Any, tiles: Any = None, **kwargs: Any) -> None:
        kwargs["tiles"] = tiles
        super().__init__(*args, **kwargs)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium: None
        figure: Any = self.get_root()
        figure.header.add_child(Element(_inline_css("leaflet/leaflet.css")), name="leaflet_css")
        figure.header.add_child(Element(_inline_js("leaflet/leaflet.js")), name="leaflet")
        figure.header.add_child(
            Element(
                "<style>.leaflet-container{background:#f7f7f5;"
                "font-family:'Source Sans Pro','Segoe UI',Arial,sans-serif;}</style>"
            ),
            name="kulturplan_css",
        )
        super().render(**kwargs)

    def to_html(self) -> str:
        """Return the complete, self-contained HTML page of the map."""
        return to_html(self)

    def _repr_html_(self, **kwargs: Any) -> str:
        """Show the map in a notebook as an ``<iframe srcdoc>`` (no "Trust" notice)."""
        page = html_text(self.to_html())
        return (
            f'<iframe srcdoc="{page}" style="width:100%;height:560px;border:none;" '
            'title="Karte"></iframe>'
        )


class OfflineMarkerCluster(MarkerCluster):
    """:class:`folium.plugins.MarkerCluster` with vendored Leaflet.markercluster."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium: None
        figure: Any = self.get_root()
        figure.header.add_child(
            Element(
                _inline_css("markercluster/MarkerCluster.css")
                + _inline_css("markercluster/MarkerCluster.Default.css")
            ),
            name="markercluster_css",
        )
        figure.header.add_child(
            Element(_inline_js("markercluster/leaflet.markercluster.js")),
            name="markercluster",
        )
        super().render(**kwargs)


class _Attribution(MacroElement):
    """Set the attribution line of the map (data sources)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.text|tojson }});
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


def tooltip_html(text: Any) -> str:
    """``text`` for a folium tooltip: escaped HTML, safe inside a JavaScript template literal.

    folium writes a tooltip into ``bindTooltip(`<div>…</div>`)`` and Leaflet shows GeoJSON
    tooltip fields as HTML; names from OpenStreetMap or a register are third-party text. Besides
    :func:`kulturplan._safe.html_text`, backticks, ``$`` and backslashes are written as
    character references so that the template literal cannot be closed or interpolated.
    """
    return (html_text(text).replace("\\", "&#92;").replace("`", "&#96;")
            .replace("$", "&#36;"))


def _escaped_tooltips(collection: dict[str, Any]) -> dict[str, Any]:
    """A copy of a GeoJSON collection whose ``tooltip`` properties are :func:`tooltip_html`."""
    features = []
    for feature in collection["features"]:
        props = dict(feature["properties"])
        props["tooltip"] = tooltip_html(props.get("tooltip"))
        props["name"] = tooltip_html(props.get("name"))
        features.append({**feature, "properties": props})
    return {**collection, "features": features}


def _legend_html(spec: MapSpec) -> str:
    """The shared legend (:func:`kulturplan.viz.spec.legend_html`) fixed to the top right
    of the standalone map page."""
    return (
        LEGEND_CSS
        + '<div style="position:fixed;top:12px;right:12px;z-index:1000">'
        + legend_html(spec)
        + "</div>"
    )


def folium_map(
    spec: MapSpec,
    *,
    cluster: bool = False,
    tiles: Any = None,
    height: str = "100%",
) -> OfflineMap:
    """Draw a :class:`~kulturplan.viz.spec.MapSpec` as an offline folium map.

    Parameters
    ----------
    spec
        What to draw (see :func:`kulturplan.viz.map_spec`).
    cluster
        Cluster facility markers (vendored Leaflet.markercluster).
    tiles
        Optional folium tiles (need network); ``None`` = plain background.
    height
        CSS height of the map inside its page.

    Returns
    -------
    OfflineMap
        Render with :meth:`OfflineMap.to_html` or display it in a notebook.
    """
    (s, w), (n, e) = spec.bounds()
    fmap = OfflineMap(location=list(spec.center()), tiles=tiles, height=height, zoom_start=10)
    fmap.fit_bounds([[s, w], [n, e]])
    data = _escaped_tooltips(spec.feature_collection())
    folium.GeoJson(
        data,
        name="Gemeinden",
        style_function=lambda feature: feature["properties"]["style"],
        highlight_function=lambda feature: HOVER_STYLE,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    ).add_to(fmap)
    fac = spec.facilities
    if not fac.empty:
        target: Any = (
            OfflineMarkerCluster(name="Einrichtungen")
            if cluster
            else folium.FeatureGroup(name="Einrichtungen")
        )
        target.add_to(fmap)
        for feature in spec.facility_collection()["features"]:
            style = feature["properties"]["style"]
            lon, lat = feature["geometry"]["coordinates"]
            folium.CircleMarker(
                location=[float(lat), float(lon)],
                radius=style["radius"],
                weight=style["weight"],
                color=style["color"],
                fill=True,
                fill_color=style["fillColor"],
                fill_opacity=style["fillOpacity"],
                tooltip=tooltip_html(feature["properties"]["tooltip"]),
            ).add_to(target)
    _Attribution(html_text(spec.attribution) + " | Leaflet").add_to(fmap)
    root: Any = fmap.get_root()  # a branca Figure (typed as Element)
    root.html.add_child(Element(_legend_html(spec)), name="kp_legend")
    return fmap


def strip_cdn(page: str) -> str:
    """Remove any ``<script src=http…>`` / ``<link href=http…>`` left in ``page``."""
    return _CDN_TAG.sub("", page)


def cdn_references(page: str) -> list[str]:
    """Return every remote ``<script src>``/``<link href>`` tag of ``page``."""
    return _CDN_TAG.findall(page)


def to_html(fmap: folium.Map) -> str:
    """Render ``fmap`` to a self-contained HTML page without CDN references."""
    page = fmap.get_root().render()
    page = strip_cdn(page)
    return page.replace("<head>", '<head><meta charset="utf-8"><title>Karte</title>', 1)


def save_html(fmap: folium.Map, path: str) -> None:
    """Write the self-contained HTML of ``fmap`` to ``path`` (UTF-8, atomic; readable
    like any new file, an export to share)."""
    write_atomic(path, to_html(fmap).encode("utf-8"))
