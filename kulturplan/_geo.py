"""Small geometry helpers shared by the Region validators and the importers (bottom layer).

* :func:`wgs84_points` – longitude/latitude columns → points in the region CRS;
* :func:`locate` – the one point-in-polygon assignment (which polygon holds each point).

Only geopandas/shapely are imported here, no other kulturplan module, so ``region``,
``_validate`` and ``sources`` can all use it.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

CRS = "EPSG:25832"
"""Coordinate reference system of every geometry in a region (ETRS89 / UTM 32N)."""


def wgs84_points(lon: Any, lat: Any, index: Any = None) -> gpd.GeoSeries:
    """Points from WGS84 degrees (EPSG:4326), converted to :data:`CRS`.

    Parameters
    ----------
    lon, lat
        Parallel sequences of longitudes and latitudes in degrees.
    index
        Index of the result (default: a RangeIndex).
    """
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=index, crs="EPSG:4326")
    return points.to_crs(CRS)


def locate(points: gpd.GeoSeries, polygons: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Index label of the polygon holding each point (point-in-polygon via the spatial index).

    A point on the shared border of two polygons belongs to the first of them (in the
    order of ``polygons``), so every point gets at most one label. The query uses the
    STRtree of :attr:`geopandas.GeoSeries.sindex` with the ``intersects`` predicate
    (GEOS; Leutenegger, Lopez & Edgington 1997 for the STR packing).

    Parameters
    ----------
    points
        Points in the CRS of ``polygons``.
    polygons
        Polygons, e.g. municipalities indexed by AGS.

    Returns
    -------
    pandas.Series
        Indexed like ``points``; the label of the holding polygon, ``None`` where no
        polygon holds the point (object dtype).
    """
    out = pd.Series([None] * len(points), index=points.index, dtype=object)
    if len(points) == 0 or len(polygons) == 0:
        return out
    idx_points, idx_polys = polygons.sindex.query(points, predicate="intersects")
    hits = pd.DataFrame({"point": idx_points, "polygon": idx_polys})
    hits = hits.sort_values(["point", "polygon"]).drop_duplicates("point", keep="first")
    labels = polygons.index.to_numpy()[hits["polygon"].to_numpy()]
    out.iloc[hits["point"].to_numpy()] = labels
    return out
