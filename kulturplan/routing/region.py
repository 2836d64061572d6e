"""A region's population points on the road network of its OpenStreetMap file.

The one place for "costs of a region's population points on its road network", used by
the gap dashboard (:class:`kulturplan.ui.gaps.GapModel`) and the catalog indicators in
minutes (:mod:`kulturplan.indicators.reachability`):

* the region names its OSM file with :func:`kulturplan.io.input_file` (kind ``"osm"``),
  its population points come from :func:`kulturplan.demand.population_points` (the
  Zensus grid when the region names one);
* :func:`network_for` builds the network of a file and mode once per kernel (on disk it
  is cached as ``.npz`` by :func:`kulturplan.routing.build_network`);
* a point counts for a network mode when a node of the network's main component lies
  within :data:`ON_NETWORK_M` (else it lies outside the file's extract); points off the
  network are not counted (:meth:`RegionNetwork.on_network`);
* :meth:`RegionNetwork.od_table` gives the origin–destination table of
  :func:`kulturplan.routing.travel_times` (bounded at :data:`NETWORK_MAX_MINUTES`), which
  every measure of :mod:`kulturplan.access` accepts as ``cost=``.

:func:`for_region` keeps one :class:`RegionNetwork` per region and cell size (weakly, like
the population points), so the indicators and the dashboard of one kernel share the
snapping and the travel times.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import access, demand
from kulturplan.errors import ParameterError
from kulturplan.io import input_file
from kulturplan.routing.network import Network, build_network
from kulturplan.routing.travel import RatioResult, snap, straight_line_ratio, travel_times

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "MODES",
    "NETWORK_MAX_MINUTES",
    "ON_NETWORK_M",
    "RegionNetwork",
    "for_region",
    "network_for",
]

MODES = ("car", "bike", "walk")
"""Network modes (see :func:`kulturplan.routing.build_network`)."""

NETWORK_MAX_MINUTES = 60.0
"""Bound of the network searches: the largest threshold of the gap dashboard's minutes
slider (and above the 30-minute catchment of E2SFCA)."""

ON_NETWORK_M = 1000.0
"""A population point counts for the network modes if a node of the network's main
component lies within this distance (else it lies outside the OSM extract)."""

_NETWORKS: dict[tuple[str, str], Network] = {}
"""Road networks built in this kernel, by (file, mode)."""

_REGION_CACHE: weakref.WeakKeyDictionary[Any, dict[float, RegionNetwork]] = (
    weakref.WeakKeyDictionary()
)


def network_for(path: str | Path, mode: str) -> Network:
    """The road network of ``path`` for ``mode``, built once per kernel."""
    key = (str(path), mode)
    if key not in _NETWORKS:
        _NETWORKS[key] = build_network(path, mode)
    return _NETWORKS[key]


def _facility_key(facilities: gpd.GeoDataFrame) -> tuple[Any, ...]:
    """Cache key of a facility table: index labels and coordinates."""
    xy = shapely.get_coordinates(facilities.geometry.values)
    return (tuple(map(str, facilities.index)), xy.tobytes())


class RegionNetwork:
    """Population points of a region on the road network of its OSM file.

    Parameters
    ----------
    region
        The region; it must name an OSM file (:func:`kulturplan.io.input_file`).
    points
        Its population points (:func:`kulturplan.demand.population_points`); ``None``:
        built with ``cell_km``.
    cell_km
        Grid size of the uniform spread when the region names no Zensus grid.

    Notes
    -----
    Results are cached per instance (networks per kernel, see :func:`network_for`);
    the region's tables are read-only by convention.
    """

    def __init__(self, region: Region, points: gpd.GeoDataFrame | None = None, *,
                 cell_km: float = 1.0) -> None:
        osm = input_file(region, "osm")
        if osm is None:
            raise ParameterError(
                f"Die Region „{region.name}“ nennt keine OpenStreetMap-Datei (region.toml, "
                "Quelle mit kind = \"osm\"); bitte mit „kulturplan build-region --osm DATEI“ "
                "ergänzen."
            )
        self.name = region.name  # no reference to the region: :func:`for_region` caches weakly
        self.osm_file: Path = osm
        self.points = (demand.population_points(region, cell_km) if points is None
                       else points)
        self._on_network: dict[str, np.ndarray] = {}
        self._od: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._ratio: RatioResult | None = None

    @staticmethod
    def check_mode(mode: str) -> str:
        """``mode`` if it is a network mode (:data:`MODES`), else a German error."""
        if mode not in MODES:
            raise ParameterError(
                f"mode={mode!r} ist kein Verkehrsmittel des Straßennetzes; möglich: "
                f"{', '.join(MODES)}."
            )
        return mode

    def network(self, mode: str) -> Network:
        """Road network of the region's OSM file for ``mode`` (cached per kernel)."""
        return network_for(str(self.osm_file), self.check_mode(mode))

    def on_network(self, mode: str) -> np.ndarray:
        """Boolean per population point: within :data:`ON_NETWORK_M` of the network."""
        if mode not in self._on_network:
            xy = shapely.get_coordinates(self.points.geometry.values)
            self._on_network[mode] = snap(self.network(mode), xy).metres <= ON_NETWORK_M
        return self._on_network[mode]

    def points_on(self, mode: str) -> gpd.GeoDataFrame:
        """The population points that count for ``mode`` (index labels kept)."""
        return self.points[self.on_network(mode)]

    def network_share(self, mode: str) -> float:
        """Percent of the inhabitants (of the points) living on the network of ``mode``."""
        pop = self.points["population"].to_numpy(dtype=float)
        total = pop.sum()
        return float(pop[self.on_network(mode)].sum() / total * 100.0) if total > 0 else 0.0

    def od_table(self, facilities: gpd.GeoDataFrame, mode: str, *,
                 max_minutes: float = NETWORK_MAX_MINUTES) -> pd.DataFrame:
        """Travel times (minutes) from every population point to ``facilities``.

        :func:`kulturplan.routing.travel_times` bounded at ``max_minutes`` (columns
        ``origin``, ``destination``, ``cost``); pairs beyond are absent. Also points off
        the network have rows (walk to the network included); the measures leave them
        out (:meth:`points_on`). Cached per facility table and bound.
        """
        supply = demand.facility_points(facilities)
        key = (self.check_mode(mode), float(max_minutes), *_facility_key(supply))
        if key not in self._od:
            self._od[key] = travel_times(self.network(mode), self.points, supply,
                                         max_minutes=max_minutes)
        return self._od[key]

    def nearest_costs(self, facilities: gpd.GeoDataFrame, mode: str) -> pd.Series:
        """Minutes from every population point to the nearest of ``facilities``.

        ``inf`` when none lies within :data:`NETWORK_MAX_MINUTES` (or there is none);
        ``NaN`` for points off the network (:meth:`on_network`).
        """
        supply = demand.facility_points(facilities)
        if len(supply) == 0:
            cost = pd.Series(np.inf, index=self.points.index, dtype=float)
        else:
            cost = access.nearest(self.points, supply, cost=self.od_table(supply, mode))
        return cost.where(self.on_network(mode), np.nan)

    def population_beyond(self, facilities: gpd.GeoDataFrame, threshold: float, mode: str,
                          *, index: pd.Index, costs: pd.Series | None = None) -> pd.DataFrame:
        """:func:`kulturplan.demand.population_beyond` over the points on the network.

        Only the points of :meth:`on_network` count: ``population`` is the inhabitants of
        those points per municipality (0 for municipalities off the network, whose
        ``share_beyond`` is then ``NaN``).

        Parameters
        ----------
        facilities
            Facilities to reach (e.g. those of one category).
        threshold
            Minutes; a resident exactly at the threshold is not beyond it.
        mode
            Network mode whose points count (:data:`MODES`).
        index
            AGS of all municipalities (rows of the result).
        costs
            Minutes per population point (all points, e.g. the straight-line estimate
            for a like-for-like comparison); default :meth:`nearest_costs` of ``mode``.
        """
        on = self.on_network(mode)
        cost = self.nearest_costs(facilities, mode) if costs is None else costs
        return demand.population_beyond(
            self.points[on], facilities, float(threshold), "min", index=index,
            costs=cost[on],
        )

    def ratio(self) -> RatioResult:
        """Car time on the network against the straight-line estimate (road alone).

        :func:`kulturplan.routing.straight_line_ratio` between all inhabited points on
        the car network (pairs at least 1 km apart, up to :data:`NETWORK_MAX_MINUTES`).
        """
        if self._ratio is None:
            inhabited = self.points["population"].to_numpy(dtype=float) > 0
            pts = self.points[self.on_network("car") & inhabited]
            self._ratio = straight_line_ratio(
                self.network("car"), pts, pts, max_minutes=NETWORK_MAX_MINUTES,
                include_walk=False,
            )
        return self._ratio


def for_region(region: Region, *, cell_km: float = 1.0) -> RegionNetwork | None:
    """The :class:`RegionNetwork` of ``region`` (``None`` if it names no OSM file).

    One instance per region object and cell size (kept while the region lives), so
    everything computed on it is shared within a kernel.
    """
    if input_file(region, "osm") is None:
        return None
    try:
        cache = _REGION_CACHE.setdefault(region, {})
    except TypeError:  # not weak-referenceable: no cache
        cache = {}
    key = float(cell_km)
    if key not in cache:
        cache[key] = RegionNetwork(region, cell_km=key)
    return cache[key]
