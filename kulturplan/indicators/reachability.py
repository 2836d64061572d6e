"""Reachability indicators per category (Sparte), built on :mod:`kulturplan.access`.

Demand model: every municipality's population is spread uniformly over 1-km grid
cells clipped to its polygon (:func:`kulturplan.access.population_points`); each
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

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import access
from kulturplan import catalog as _catalog
from kulturplan.indicators._registry import register

__all__ = [
    "e2sfca_per_10k",
    "gap_table",
    "mean_km_to_nearest",
    "population_beyond",
    "share_within_minutes",
]

CELL_KM = 1.0
"""Grid cell size (km) of the population points used by the registered indicators."""


def _facility_points(facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Facilities with a usable point geometry (EPSG:25832)."""
    if len(facilities) == 0:
        return facilities
    geom = facilities.geometry
    ok = geom.notna() & ~geom.is_empty & (geom.geom_type == "Point")
    return facilities[ok.to_numpy()]


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
    facilities = _facility_points(facilities)
    out = {}
    for category in _catalog.category_ids():
        subset = facilities[facilities["category"] == category] if len(facilities) else facilities
        if len(subset) == 0:
            values = pd.Series(empty_value, index=points.index, dtype=float)
        else:
            values = measure(points, subset)
        table = access.aggregate(values, points, by="ags", **aggregate_kwargs)
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
        (:func:`kulturplan.access.population_points`).
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
_UNITS = {"km": "euclidean", "min": "minutes"}


def population_beyond(
    region,
    category: str,
    threshold: float,
    unit: str = "km",
    *,
    cell_km: float = CELL_KM,
) -> pd.DataFrame:
    """Inhabitants per municipality farther than ``threshold`` from the nearest facility.

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
        Index AGS (all municipalities): ``population``, ``beyond`` (inhabitants),
        ``share_beyond`` (percent 0–100; NaN without inhabitants). Without any facility
        of the category in the region every inhabitant is beyond.
    """
    if category not in _catalog.category_ids():
        from kulturplan.errors import KulturplanError

        raise KulturplanError(
            f"Sparte „{category}“ ist unbekannt; erlaubt sind: "
            f"{', '.join(_catalog.category_ids())}."
        )
    if unit not in _UNITS:
        raise access.AccessParameterError(
            f"unit={unit!r} ist unbekannt; erlaubt sind „km“ und „min“."
        )
    points = access.population_points(region, cell_km)
    fac = _facility_points(region.facilities)
    fac = fac[fac["category"] == category] if len(fac) else fac
    if len(fac):
        cost = access.nearest(points, fac, cost=_UNITS[unit])
    else:
        cost = pd.Series(np.inf, index=points.index)
    table = access.aggregate(cost, points, by="ags", threshold=threshold)
    index = pd.Index(region.municipalities.index, name="ags")
    out = pd.DataFrame(
        {
            "population": table["population"].reindex(index).fillna(0.0),
            "beyond": table["population_beyond"].reindex(index).fillna(0.0),
        },
        index=index,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_beyond"] = np.where(
            out["population"] > 0, out["beyond"] / out["population"] * 100.0, np.nan
        )
    return out


def gap_table(region, criteria: dict[str, tuple[float, str]]) -> pd.DataFrame:
    """Table of inhabitants beyond several thresholds, with German column labels.

    Parameters
    ----------
    region
        The :class:`~kulturplan.Region`.
    criteria
        ``{category: (threshold, unit)}``, e.g.
        ``{"bibliothek": (10, "km"), "musikschule": (20, "min")}``.

    Returns
    -------
    pandas.DataFrame
        One row per municipality plus a last row „Summe“ (share of the whole region):
        ``Gemeinde``, ``Einwohner`` and per criterion „<Sparte> > <Schwelle>: Einw.“ and
        „… Anteil (%)“. Sorted as the municipalities table.
    """
    muni = region.municipalities
    out = pd.DataFrame({"Gemeinde": muni["name"].astype(str),
                        "Einwohner": muni["population"].astype(float)})
    total = {"Gemeinde": "Summe", "Einwohner": float(muni["population"].sum())}
    for category, (threshold, unit) in criteria.items():
        part = population_beyond(region, category, threshold, unit)
        label = f"{_catalog.category_label(category)} > {threshold:g} {unit}"
        out[f"{label}: Einw."] = part["beyond"].round().to_numpy()
        out[f"{label}: Anteil (%)"] = part["share_beyond"].round(1).to_numpy()
        beyond = float(part["beyond"].sum())
        total[f"{label}: Einw."] = round(beyond)
        total[f"{label}: Anteil (%)"] = (
            round(beyond / total["Einwohner"] * 100, 1) if total["Einwohner"] else np.nan
        )
    out.index.name = "ags"
    return pd.concat([out, pd.DataFrame([total], index=pd.Index(["Summe"], name="ags"))])


# -- registered catalog methods ----------------------------------------------------------
def _inputs(region) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Index]:
    points = access.population_points(region, CELL_KM)
    index = pd.Index(region.municipalities.index, name="ags")
    return points, region.facilities, index


@register("mean_km_to_nearest")
def _mean_km_to_nearest(region) -> pd.DataFrame:
    return mean_km_to_nearest(*_inputs(region))


@register("share_within_minutes")
def _share_within_minutes(region, minutes: float = 15.0) -> pd.DataFrame:
    return share_within_minutes(*_inputs(region), minutes=minutes)


@register("e2sfca_per_10k")
def _e2sfca_per_10k(region) -> pd.DataFrame:
    return e2sfca_per_10k(*_inputs(region))
