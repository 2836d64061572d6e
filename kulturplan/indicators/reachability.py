"""Reachability indicators per category (Sparte), built on :mod:`kulturplan.access`.

Demand model: every municipality's population is spread uniformly over 1-km grid
cells clipped to its polygon (:func:`kulturplan.demand.population_points`); each
indicator is the population-weighted result over these points, per municipality.
This is more honest than one centre per municipality for large rural municipalities
and still fast (a few thousand points for a district; the points are cached per
region).

Supply: every facility of the region with a point geometry counts, also facilities
outside every municipality of the region (they are near the border and reachable);
facilities beyond the region's data are unknown, so values near the district border
are pessimistic (edge effect).

Categories without any facility in the region:

* mean distance → ``NaN`` (the nearest facility lies outside the data; no number
  would be honest, and ``inf`` would break charts, z-scores and composites);
* share of inhabitants within the time threshold → 0 % (nobody reaches a facility of
  the region);
* E2SFCA → 0 (no supply within reach).

A municipality without inhabitants gets ``NaN`` for every indicator here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import access, demand
from kulturplan import catalog as _catalog
from kulturplan.errors import ParameterError
from kulturplan.indicators._registry import register

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "category_facilities",
    "check_category",
    "e2sfca_per_10k",
    "mean_km_to_nearest",
    "population_beyond",
    "share_within_minutes",
]

CELL_KM = 1.0
"""Grid cell size (km) of the population points used by the registered indicators."""


def _per_category(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    index: pd.Index,
    measure,
    *,
    empty_value: float,
    column: str = "mean",
    **aggregate_kwargs,
) -> pd.DataFrame:
    """Apply ``measure(points, facilities_of_category)`` and aggregate per AGS."""
    facilities = demand.facility_points(facilities)
    out = {}
    for category in _catalog.category_ids():
        subset = facilities[facilities["category"] == category] if len(facilities) else facilities
        if len(subset) == 0:
            values = pd.Series(empty_value, index=points.index, dtype=float)
        else:
            values = measure(points, subset)
        table = demand.aggregate(values, points, by="ags", **aggregate_kwargs)
        out[category] = table[column].reindex(index)
    frame = pd.DataFrame(out, index=index)
    pop = table["population"].reindex(index)
    frame.loc[(pop.fillna(0) <= 0).to_numpy()] = np.nan
    return frame


def mean_km_to_nearest(
    points: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, index: pd.Index
) -> pd.DataFrame:
    """Population-weighted mean straight-line km to the nearest facility, per category.

    Parameters
    ----------
    points
        Population points with ``ags`` and ``population``
        (:func:`kulturplan.demand.population_points`).
    facilities
        Facilities with ``category`` and point geometries.
    index
        AGS of all municipalities (rows of the result, in this order).

    Returns
    -------
    pandas.DataFrame
        AGS × category id, km; ``NaN`` for categories without any facility.
    """
    return _per_category(
        points, facilities, index, lambda p, f: access.nearest(p, f), empty_value=np.nan
    )


def share_within_minutes(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    index: pd.Index,
    minutes: float = 15.0,
) -> pd.DataFrame:
    """Share (%) of inhabitants within ``minutes`` of a facility, per category.

    Travel time is estimated from the straight-line distance with
    :data:`kulturplan.access.DEFAULT_DETOUR` and
    :data:`kulturplan.access.DEFAULT_SPEED_KMH`; the threshold is inclusive.

    Returns
    -------
    pandas.DataFrame
        AGS × category id, percent 0–100; 0 for categories without any facility.
    """
    frame = _per_category(
        points,
        facilities,
        index,
        lambda p, f: access.coverage(p, f, minutes, cost="minutes").astype(float),
        empty_value=0.0,
    )
    return frame * 100.0


def e2sfca_per_10k(
    points: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, index: pd.Index
) -> pd.DataFrame:
    """E2SFCA accessibility (Luo & Qi 2009) per 10,000 inhabitants, per category.

    Every facility counts 1; costs are estimated minutes (see
    :func:`share_within_minutes`); step weights :data:`kulturplan.access.E2SFCA_STEPS`
    (1 / 0.68 / 0.22 for 0–10 / 10–20 / 20–30 minutes). The value of a municipality is
    the population-weighted mean of its points' :math:`A_i`, times 10,000: "facilities
    within reach per 10,000 inhabitants, shared with everyone else in their catchment".

    Returns
    -------
    pandas.DataFrame
        AGS × category id; 0 for categories without any facility.
    """
    frame = _per_category(
        points,
        facilities,
        index,
        lambda p, f: access.enhanced_two_step_fca(p, f, cost="minutes"),
        empty_value=0.0,
    )
    return frame * 10_000.0


# -- gaps: inhabitants beyond a distance or travel time ----------------------------------------
def population_beyond(
    region: Region,
    category: str,
    threshold: float,
    unit: str = "km",
    *,
    cell_km: float = CELL_KM,
) -> pd.DataFrame:
    """Inhabitants per municipality farther than ``threshold`` from the nearest facility.

    The region-level entry to :func:`kulturplan.demand.population_beyond`: population
    points of ``region`` (``cell_km`` grid) and every facility of ``category`` (also
    those outside the region's municipalities).

    Parameters
    ----------
    region
        The :class:`~kulturplan.Region`.
    category
        Category id of the catalog, e.g. ``"bibliothek"``.
    threshold
        Distance in km (straight line) or estimated car minutes (see
        :data:`kulturplan.access.DEFAULT_DETOUR`, :data:`kulturplan.access.DEFAULT_SPEED_KMH`).
        A resident exactly at the threshold is *not* beyond it.
    unit
        ``"km"`` or ``"min"``.
    cell_km
        Grid size of the population points.

    Returns
    -------
    pandas.DataFrame
        Index AGS (all municipalities), columns ``population``, ``population_beyond``,
        ``share_beyond`` (percent 0–100; NaN without inhabitants) and ``mean_cost``
        (see :func:`kulturplan.demand.population_beyond`). Without any facility of the
        category in the region every inhabitant is beyond.
    """
    check_category(category)
    points = demand.population_points(region, cell_km)
    return demand.population_beyond(
        points, category_facilities(region, category), threshold, unit,
        index=pd.Index(region.municipalities.index, name="ags"),
    )


def check_category(category: str) -> str:
    """``category`` if it is a catalog category id, else a German :class:`ParameterError`."""
    if category not in _catalog.category_ids():
        raise ParameterError(
            f"Sparte „{category}“ ist unbekannt; erlaubt sind: "
            f"{', '.join(_catalog.category_ids())}."
        )
    return category


def category_facilities(region: Region, category: str) -> gpd.GeoDataFrame:
    """Facilities of ``category`` that count for reachability (also those outside the Kreis)."""
    fac = demand.facility_points(region.facilities)
    return fac[(fac["category"] == category).to_numpy()] if len(fac) else fac


# -- registered catalog methods ----------------------------------------------------------
def _inputs(region: Region) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Index]:
    points = demand.population_points(region, CELL_KM)
    index = pd.Index(region.municipalities.index, name="ags")
    return points, region.facilities, index


@register("mean_km_to_nearest")
def _mean_km_to_nearest(region: Region) -> pd.DataFrame:
    return mean_km_to_nearest(*_inputs(region))


@register("share_within_minutes")
def _share_within_minutes(region: Region, minutes: float = 15.0) -> pd.DataFrame:
    return share_within_minutes(*_inputs(region), minutes=minutes)


@register("e2sfca_per_10k")
def _e2sfca_per_10k(region: Region) -> pd.DataFrame:
    return e2sfca_per_10k(*_inputs(region))
