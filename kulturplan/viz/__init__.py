"""Maps and charts: one map-building layer for dashboards (ipyleaflet) and reports (folium).

* :mod:`kulturplan.viz.prepare` — simplified geometries, colour scale, facility markers,
  attribution, German number formatting (shared by both renderers);
* :mod:`kulturplan.viz.spec` — :class:`MapSpec`, the renderer-independent map;
* :mod:`kulturplan.viz.leaflet` — ipyleaflet renderer for dashboards (in-place updates);
* :mod:`kulturplan.viz.folium_map` — offline folium renderer for notebooks/HTML reports;
* :mod:`kulturplan.viz.charts` — plotly charts (ranking, profile, gaps).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kulturplan._format import format_number
from kulturplan.viz.prepare import (
    GEOBASIS_ATTRIBUTION,
    ColourScale,
    attribution,
    display_geometries,
    facility_points,
    source_table,
)
from kulturplan.viz.spec import MapSpec, gap_spec, map_spec

if TYPE_CHECKING:
    import pandas as pd

    from kulturplan.region import Region
    from kulturplan.viz.folium_map import OfflineMap

__all__ = [
    "GEOBASIS_ATTRIBUTION",
    "ColourScale",
    "MapSpec",
    "attribution",
    "display_geometries",
    "facility_points",
    "folium_map",
    "format_number",
    "gap_map",
    "gap_spec",
    "indicator_map",
    "map_spec",
    "source_table",
]


def folium_map(*args: Any, **kwargs: Any) -> OfflineMap:  # thin lazy wrapper
    """See :func:`kulturplan.viz.folium_map.folium_map` (imported lazily)."""
    from kulturplan.viz.folium_map import folium_map as _folium_map

    return _folium_map(*args, **kwargs)


def indicator_map(
    region: Region,
    table: pd.DataFrame,
    indicator: str,
    *,
    categories: Iterable[str] | None = None,
    **kwargs: Any,
) -> OfflineMap:
    """Offline folium map of one catalog indicator (for notebooks and HTML reports).

    Parameters
    ----------
    region
        The :class:`~kulturplan.Region`.
    table
        Indicator table (index AGS, one column per indicator id).
    indicator
        Indicator id (column of ``table``, row of the indicator catalog).
    categories
        Facility categories to draw; ``None`` = all, ``()`` = none.
    **kwargs
        Passed to :func:`kulturplan.viz.folium_map.folium_map` (``cluster``, ``tiles``).
    """
    from kulturplan.viz.charts import indicator_meta
    from kulturplan.viz.folium_map import folium_map as _folium_map
    from kulturplan.viz.spec import map_spec as _map_spec

    meta = indicator_meta(indicator, region)
    spec = _map_spec(
        region,
        table[indicator],
        title=meta["label"],
        unit=meta["unit"],
        higher_is_better=meta["higher_is_better"],
        categories=categories,
    )
    return _folium_map(spec, **kwargs)


def gap_map(
    region: Region, category: str, threshold: float, unit: str = "km", **kwargs: Any
) -> OfflineMap:
    """Offline folium map: share of inhabitants beyond a reachability threshold.

    The municipalities are coloured by the share (percent) of their inhabitants farther
    than ``threshold`` from the nearest facility of ``category``
    (:func:`kulturplan.indicators.reachability.population_beyond`; lower is better);
    the facilities of the category are drawn as markers (see :func:`gap_spec`).

    Parameters
    ----------
    region
        The :class:`~kulturplan.Region`.
    category
        Category id, e.g. ``"bibliothek"``.
    threshold
        Distance in km (straight line) or estimated car minutes.
    unit
        ``"km"`` or ``"min"``.
    **kwargs
        Passed to :func:`kulturplan.viz.folium_map.folium_map` (``cluster``, ``tiles``).
    """
    from kulturplan.viz.folium_map import folium_map as _folium_map

    return _folium_map(gap_spec(region, category, threshold, unit), **kwargs)
