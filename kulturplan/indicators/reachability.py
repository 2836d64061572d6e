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

Travel times of the indicators in minutes (share within 15 minutes, E2SFCA)
---------------------------------------------------------------------------
When the region names an OpenStreetMap file (:func:`kulturplan.io.input_file`, kind
``"osm"``), :func:`travel_basis` is ``"network"``: car times on the road network
(:class:`kulturplan.routing.region.RegionNetwork`, the same computation as the gap
dashboard). Population points farther than
:data:`~kulturplan.routing.region.ON_NETWORK_M` from the network lie outside the file's
extract and are not counted – neither as inhabitants of their municipality nor in the
catchments of E2SFCA; a municipality without inhabitants on the network gets ``NaN``.
Otherwise (``"estimate"``) the minutes are estimated from the straight line
(:data:`kulturplan.access.DEFAULT_DETOUR`, :data:`kulturplan.access.DEFAULT_SPEED_KMH`).
The catalog labels say which (:func:`kulturplan.indicators.catalog` with the region).
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
from kulturplan.io import input_file

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "category_facilities",
    "check_category",
    "e2sfca_per_10k",
    "mean_km_to_nearest",
    "population_beyond",
    "share_within_minutes",
    "travel_basis",
]

NETWORK_MODE = "car"
"""Mode of the network travel times of the indicators in minutes."""

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


def _od_rows(cost: str | pd.DataFrame, column: str, frame: gpd.GeoDataFrame
             ) -> str | pd.DataFrame:
    """An OD table cut to the rows whose ``column`` (``"origin"``/``"destination"``) is a
    label of ``frame`` (rows of other points or facilities would only be reported);
    ``cost`` itself when it is no table."""
    if isinstance(cost, str):
        return cost
    ids = pd.Index(frame.index.astype(str))
    return cost[ids.get_indexer(cost[column].astype(str)) >= 0]


def share_within_minutes(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    index: pd.Index,
    minutes: float = 15.0,
    *,
    cost: str | pd.DataFrame = "minutes",
) -> pd.DataFrame:
    """Share (%) of inhabitants within ``minutes`` of a facility, per category.

    With ``cost="minutes"`` the travel time is estimated from the straight-line distance
    with :data:`kulturplan.access.DEFAULT_DETOUR` and
    :data:`kulturplan.access.DEFAULT_SPEED_KMH`; an origin–destination table (``origin``
    = labels of ``points``, ``destination`` = labels of ``facilities``, ``cost`` in
    minutes, e.g. :meth:`kulturplan.routing.region.RegionNetwork.od_table`) gives real
    travel times instead (missing pairs are out of reach). The threshold is inclusive.

    Returns
    -------
    pandas.DataFrame
        AGS × category id, percent 0–100; 0 for categories without any facility.
    """
    cost = _od_rows(cost, "origin", points)
    frame = _per_category(
        points,
        facilities,
        index,
        lambda p, f: access.coverage(p, f, minutes,
                                     cost=_od_rows(cost, "destination", f)).astype(float),
        empty_value=0.0,
    )
    return frame * 100.0


def e2sfca_per_10k(
    points: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, index: pd.Index, *,
    cost: str | pd.DataFrame = "minutes",
) -> pd.DataFrame:
    """E2SFCA accessibility (Luo & Qi 2009) per 10,000 inhabitants, per category.

    Every facility counts 1; costs are estimated minutes or an origin–destination table
    of minutes (``cost``, see :func:`share_within_minutes`); step weights
    :data:`kulturplan.access.E2SFCA_STEPS`
    (1 / 0.68 / 0.22 for 0–10 / 10–20 / 20–30 minutes). The value of a municipality is
    the population-weighted mean of its points' :math:`A_i`, times 10,000: "facilities
    within reach per 10,000 inhabitants, shared with everyone else in their catchment".

    Returns
    -------
    pandas.DataFrame
        AGS × category id; 0 for categories without any facility.
    """
    cost = _od_rows(cost, "origin", points)
    frame = _per_category(
        points,
        facilities,
        index,
        lambda p, f: access.enhanced_two_step_fca(p, f, cost=_od_rows(cost, "destination", f)),
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
    mode: str = "line",
) -> pd.DataFrame:
    """Inhabitants per municipality farther than ``threshold`` from the nearest facility.

    The region-level entry to :func:`kulturplan.demand.population_beyond`: population
    points of ``region`` (``cell_km`` grid) and every facility of ``category`` (also
    those outside the region's municipalities). With a network ``mode`` the minutes
    are travel times on the road network of the region's OSM file and only the points
    on that network count
    (:meth:`kulturplan.routing.region.RegionNetwork.population_beyond`), as in the gap
    dashboard.

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
        ``"km"`` or ``"min"`` (network modes: ``"min"`` only).
    cell_km
        Grid size of the population points.
    mode
        ``"line"`` (straight line / estimated minutes) or a network mode of
        :data:`GAP_MODES` (needs an OSM file named by the region).

    Returns
    -------
    pandas.DataFrame
        Index AGS (all municipalities), columns ``population``, ``population_beyond``,
        ``share_beyond`` (percent 0–100; NaN without inhabitants) and ``mean_cost``
        (see :func:`kulturplan.demand.population_beyond`). Without any facility of the
        category in the region every inhabitant is beyond.
    """
    check_category(category)
    index = pd.Index(region.municipalities.index, name="ags")
    if check_gap_mode(region, mode, unit) != "line":
        from kulturplan.routing import region as region_network

        # (checked above that the region names an OSM file; else RegionNetwork says so)
        road = (region_network.for_region(region, cell_km=cell_km)
                or region_network.RegionNetwork(region))
        return road.population_beyond(category_facilities(region, category), threshold, mode,
                                      index=index)
    points = demand.population_points(region, cell_km)
    return demand.population_beyond(
        points, category_facilities(region, category), threshold, unit,
        index=pd.Index(region.municipalities.index, name="ags"),
    )


GAP_MODES: dict[str, str] = {"line": "Luftlinie", "car": "Auto", "bike": "Fahrrad",
                             "walk": "zu Fuß"}
"""Ways of measuring inhabitants beyond a threshold (id → German label); the last three
are travel times on the road network of the region's OSM file."""


def check_gap_mode(region: Region, mode: str, unit: str) -> str:
    """``mode`` if the region can measure with it in ``unit``, else a German error."""
    if mode not in GAP_MODES:
        raise ParameterError(
            f"mode={mode!r} ist unbekannt; erlaubt sind {', '.join(GAP_MODES)}."
        )
    if mode != "line" and travel_basis(region) != "network":
        raise ParameterError(
            f"mode={mode!r} ist für die Region „{region.name}“ nicht verfügbar: sie nennt "
            "keine OpenStreetMap-Datei (Straßennetz)."
        )
    if mode != "line" and unit != "min":
        raise ParameterError("Fahrzeiten auf dem Straßennetz gibt es nur in Minuten "
                             "(unit=\"min\").")
    return mode


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


def travel_basis(region: Region | None) -> str:
    """How the indicators in minutes measure travel time for ``region``.

    ``"network"`` when the region names an OpenStreetMap file (car times on its road
    network), else ``"estimate"`` (straight line × detour ÷ speed); ``None`` (no region)
    gives ``"estimate"``. The keys of :data:`kulturplan.catalog.TRAVEL_BASES`.
    """
    if region is not None and input_file(region, "osm") is not None:
        return "network"
    return "estimate"


def _minute_inputs(
    region: Region, minutes: float,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Index, str | pd.DataFrame]:
    """Points, facilities, index and cost of the indicators in minutes (see module).

    The network searches are bounded at ``minutes``, at least at the E2SFCA catchment
    (30 minutes), so both indicators share one table.
    """
    if travel_basis(region) == "estimate":
        return (*_inputs(region), "minutes")
    from kulturplan.routing import region as region_network  # only needed with an OSM file

    road = region_network.for_region(region, cell_km=CELL_KM)
    if road is None:
        return (*_inputs(region), "minutes")
    index = pd.Index(region.municipalities.index, name="ags")
    facilities = demand.facility_points(region.facilities)
    bound = max(float(minutes), *map(float, access.E2SFCA_STEPS))
    od = (road.od_table(facilities, NETWORK_MODE, max_minutes=bound) if len(facilities)
          else pd.DataFrame({"origin": [], "destination": [], "cost": []}))
    return road.points_on(NETWORK_MODE), facilities, index, od


def _no_points(index: pd.Index) -> pd.DataFrame:
    """Every municipality × category ``NaN`` (no inhabitant counts)."""
    return pd.DataFrame(np.nan, index=index, columns=_catalog.category_ids())


@register("share_within_minutes")
def _share_within_minutes(region: Region, minutes: float = 15.0) -> pd.DataFrame:
    points, facilities, index, cost = _minute_inputs(region, minutes)
    if len(points) == 0:
        return _no_points(index)
    return share_within_minutes(points, facilities, index, minutes=minutes, cost=cost)


@register("e2sfca_per_10k")
def _e2sfca_per_10k(region: Region) -> pd.DataFrame:
    points, facilities, index, cost = _minute_inputs(region, 0.0)
    if len(points) == 0:
        return _no_points(index)
    return e2sfca_per_10k(points, facilities, index, cost=cost)
