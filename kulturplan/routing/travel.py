"""Travel times on a road network: origin–destination tables for :mod:`kulturplan.access`.

:func:`travel_times` snaps origins and destinations (points in any CRS; polygons are
replaced by a representative point, as in :mod:`kulturplan.access`) to the nearest node
of the network's largest strongly connected component with a KD-tree
(:class:`scipy.spatial.cKDTree`). The way from a point to its node is walked at
:data:`~kulturplan.routing.network.WALK_SPEED_KMH` and added to the time at both ends.

Then one bounded Dijkstra search runs per destination on the *reversed* graph
(:func:`scipy.sparse.csgraph.dijkstra` with ``limit=max_minutes``): the distance of node
``i`` in the search from destination ``j`` on the reversed graph is the time from ``i``
to ``j`` on the real one, so one-way streets are respected in the direction of travel
(origin → facility). Destinations are processed in batches so that memory stays bounded
(a batch holds ``batch × nodes`` distances); pairs beyond ``max_minutes`` are absent.

The result has the columns ``origin``, ``destination`` and ``cost`` (minutes): exactly
the origin–destination table that ``cost=`` of :func:`kulturplan.access.nearest`,
:func:`~kulturplan.access.coverage`, :func:`~kulturplan.access.two_step_fca` etc. accept.

References
----------
Dijkstra, E. W. (1959). A note on two problems in connexion with graphs. *Numerische
Mathematik* 1, 269–271.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from kulturplan._format import format_number
from kulturplan.access import DEFAULT_DETOUR, DEFAULT_SPEED_KMH, _points
from kulturplan.demand import aggregate
from kulturplan.errors import ParameterError
from kulturplan.routing.network import WALK_SPEED_KMH, Network

BATCH_BYTES = 128 * 2**20
"""Memory budget of one batch of searches (distances held at once), 128 MiB."""


class Snapped(NamedTuple):
    """Points snapped to a network: node position, distance (m), walking time (min)."""

    node: np.ndarray
    metres: np.ndarray
    minutes: np.ndarray


@dataclass(frozen=True)
class TravelReport:
    """What :func:`travel_times` did, attached as ``result.attrs["report"]``.

    Attributes
    ----------
    mode, max_minutes
        Network mode and bound.
    n_origins, n_destinations, n_pairs
        Points and pairs within the bound.
    origin_snap_m, destination_snap_m
        Distance in metres from each point to its network node (index = the points'
        index); walked at ``walk_speed_kmh`` and included in the times.
    walk_speed_kmh
        Speed of the way to and from the network.
    """

    mode: str
    max_minutes: float
    n_origins: int
    n_destinations: int
    n_pairs: int
    origin_snap_m: pd.Series
    destination_snap_m: pd.Series
    walk_speed_kmh: float = WALK_SPEED_KMH

    def far_snaps(self, metres: float = 500.0) -> int:
        """Number of points (origins and destinations) farther than ``metres`` from the network."""
        return int((self.origin_snap_m > metres).sum() + (self.destination_snap_m > metres).sum())

    def __str__(self) -> str:
        snap_median = float(np.median(self.origin_snap_m)) if len(self.origin_snap_m) else 0.0
        return (
            f"Fahrzeiten ({self.mode}, bis {format_number(self.max_minutes, 1)} min): "
            f"{format_number(self.n_pairs)} Start–Ziel-Paare in Reichweite von "
            f"{format_number(self.n_origins)} Startpunkten × "
            f"{format_number(self.n_destinations)} Zielen; Weg zum Straßennetz im Median "
            f"{format_number(snap_median)}"
            f" m (Startpunkte), {self.far_snaps()} Punkte liegen mehr als 500 m vom Netz entfernt."
        )


def _check_bound(max_minutes: Any) -> float:
    try:
        value = float(max_minutes)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value >= 0):
        raise ParameterError(
            f"max_minutes muss eine endliche Zahl ≥ 0 sein, erhalten: {max_minutes!r}."
        )
    return value


def point_xy(points: Any, table: str) -> tuple[pd.Index, np.ndarray]:
    """Index and EPSG:25832 coordinates of a point GeoDataFrame (validated as in access)."""
    pts = _points(points, None, table)
    return pts.index, pts.xy


def snap(network: Network, xy: np.ndarray) -> Snapped:
    """Nearest node of the network's main component for each point (EPSG:25832 metres)."""
    candidates = np.flatnonzero(network.main_component)
    if len(candidates) == 0:
        raise ParameterError("Das Straßennetz hat keine Knoten.")
    metres, k = cKDTree(network.xy[candidates]).query(xy)
    metres = np.asarray(metres, dtype=float).reshape(-1)
    node = candidates[np.asarray(k, dtype=np.int64).reshape(-1)]
    return Snapped(node, metres, metres / 1000.0 / WALK_SPEED_KMH * 60.0)


def batch_size_for(network: Network, n_origins: int) -> int:
    """Destinations per batch so that one batch stays within :data:`BATCH_BYTES`."""
    per_destination = 8 * (network.n_nodes + 2 * n_origins)
    return int(max(1, min(4096, BATCH_BYTES // max(per_destination, 1))))


def _batches(n: int, size: int) -> Iterator[np.ndarray]:
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size))


def od_arrays(
    network: Network,
    origins: Snapped,
    destinations: Snapped,
    max_minutes: float,
    *,
    batch_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(i, j, minutes)`` with ``minutes <= max_minutes`` (positions of snapped points).

    Sorted by destination, then origin. The lower layer of :func:`travel_times`, also used
    by :mod:`kulturplan.scale` on partitions of the destinations.
    """
    bound = _check_bound(max_minutes)
    n_o, n_d = len(origins.node), len(destinations.node)
    if n_o == 0 or n_d == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0)
    size = batch_size_for(network, n_o) if batch_size is None else int(batch_size)
    if size < 1:
        raise ParameterError(f"batch_size muss ≥ 1 sein, erhalten: {batch_size!r}.")
    rev = network.reversed
    o_nodes, o_inverse = np.unique(origins.node, return_inverse=True)
    iis, jjs, ccs = [], [], []
    for batch in _batches(n_d, size):
        d_nodes, d_inverse = np.unique(destinations.node[batch], return_inverse=True)
        dist = csgraph.dijkstra(rev, directed=True, indices=d_nodes, limit=bound)
        at_origins = dist[:, o_nodes]
        del dist
        total = at_origins[d_inverse][:, o_inverse]
        total += origins.minutes[None, :]
        total += destinations.minutes[batch][:, None]
        jj, ii = np.nonzero(total <= bound)
        iis.append(ii.astype(np.int32))  # positions < 2**31: 4 bytes per pair
        jjs.append(batch[jj].astype(np.int32))
        ccs.append(total[jj, ii])
        del total, at_origins
    return _concat_free(iis, np.int32), _concat_free(jjs, np.int32), _concat_free(ccs, float)


def _concat_free(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    """Concatenate ``parts`` into one array, releasing each part as it is copied."""
    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    start = 0
    while parts:
        part = parts.pop(0)
        out[start:start + len(part)] = part
        start += len(part)
    return out


def travel_report(
    network: Network, bound: float, origin_index: pd.Index, destination_index: pd.Index,
    origins: Snapped, destinations: Snapped,
) -> TravelReport:
    """The :class:`TravelReport` of a run (``n_pairs`` is filled in by :func:`od_table`)."""
    return TravelReport(
        mode=network.mode, max_minutes=bound, n_origins=len(origin_index),
        n_destinations=len(destination_index), n_pairs=0,
        origin_snap_m=pd.Series(origins.metres, index=origin_index, name="snap_m"),
        destination_snap_m=pd.Series(destinations.metres, index=destination_index,
                                     name="snap_m"),
    )


def od_table(
    i: np.ndarray, j: np.ndarray, minutes: np.ndarray, origin_index: pd.Index,
    destination_index: pd.Index, *, report: TravelReport | None = None,
) -> pd.DataFrame:
    """The access OD table (``origin``, ``destination``, ``cost``) of position arrays."""
    table = pd.DataFrame({
        "origin": origin_index.take(i),
        "destination": destination_index.take(j),
        "cost": minutes,
    }, copy=False)
    if report is not None:
        table.attrs["report"] = replace(report, n_pairs=len(table))
    return table


def travel_times(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    max_minutes: float,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Travel minutes from every origin to every destination within ``max_minutes``.

    Parameters
    ----------
    network
        From :func:`kulturplan.routing.build_network` or :meth:`Network.from_edges`.
    origins, destinations
        Point GeoDataFrames in any CRS (e.g. Zensus grid cells and facilities); their
        index labels become the ``origin`` / ``destination`` values.
    max_minutes
        Bound of the searches; pairs beyond it are absent (unreachable for access).
    batch_size
        Destinations searched at once (default: as many as fit into
        :data:`BATCH_BYTES`).

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``cost`` (minutes, including the walk to
        and from the network), sorted by destination then origin; the
        :class:`TravelReport` is in ``result.attrs["report"]``. Use it directly as
        ``cost=`` of the :mod:`kulturplan.access` measures.
    """
    bound = _check_bound(max_minutes)
    o_index, o_xy = point_xy(origins, "Startpunkte")
    d_index, d_xy = point_xy(destinations, "Ziele")
    o_snap = snap(network, o_xy)
    d_snap = snap(network, d_xy)
    i, j, minutes = od_arrays(network, o_snap, d_snap, bound, batch_size=batch_size)
    return od_table(i, j, minutes, o_index, d_index,
                    report=travel_report(network, bound, o_index, d_index, o_snap, d_snap))


class RatioResult(NamedTuple):
    """Network time against the straight-line estimate of :mod:`kulturplan.access`."""

    median: float
    p10: float
    p90: float
    n_pairs: int
    pairs: pd.DataFrame


def straight_line_ratio(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    max_minutes: float = 90.0,
    min_km: float = 1.0,
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    include_walk: bool = True,
) -> RatioResult:
    """How much longer the network time is than access's straight-line estimate.

    The estimate is ``km_straight × detour ÷ speed_kmh`` (access' ``cost="minutes"``,
    defaults 1.3 and 50 km/h). Pairs within ``max_minutes`` on the network and at least
    ``min_km`` apart (short trips are dominated by the walk to the network) are compared.

    With ``include_walk=True`` (door to door) the network time includes the walk to and
    from the network and the straight line joins the points themselves; with ``False``
    both refer to the network nodes the points are snapped to (the road alone).

    Returns
    -------
    RatioResult
        Median, 10th and 90th percentile of ``network / estimate``, the number of pairs
        and the pairs (``origin``, ``destination``, ``minutes_network``,
        ``minutes_straight``, ``ratio``).
    """
    bound = _check_bound(max_minutes)
    o_index, o_xy = point_xy(origins, "Startpunkte")
    d_index, d_xy = point_xy(destinations, "Ziele")
    o_snap, d_snap = snap(network, o_xy), snap(network, d_xy)
    i, j, minutes = od_arrays(network, o_snap, d_snap, bound)
    if include_walk:
        km = np.hypot(*(o_xy[i] - d_xy[j]).T) / 1000.0
    else:
        minutes = minutes - o_snap.minutes[i] - d_snap.minutes[j]
        km = np.hypot(*(network.xy[o_snap.node[i]] - network.xy[d_snap.node[j]]).T) / 1000.0
    estimate = km * detour / speed_kmh * 60.0
    pairs = pd.DataFrame({
        "origin": o_index.take(i), "destination": d_index.take(j),
        "minutes_network": minutes, "minutes_straight": estimate,
    })[km >= min_km]
    pairs["ratio"] = pairs["minutes_network"] / pairs["minutes_straight"]
    if len(pairs) == 0:
        return RatioResult(float("nan"), float("nan"), float("nan"), 0, pairs)
    p10, median, p90 = np.percentile(pairs["ratio"].to_numpy(), [10, 50, 90])
    return RatioResult(float(median), float(p10), float(p90), len(pairs),
                       pairs.reset_index(drop=True))


def population_within(
    minutes: pd.DataFrame,
    demand: pd.DataFrame,
    thresholds: Any = (10, 15, 20, 30),
    *,
    demand_col: str = "population",
) -> pd.DataFrame:
    """Share of the population within each threshold, per column of ``minutes``.

    Parameters
    ----------
    minutes
        Minutes to the nearest facility per demand point, one column per mode (e.g.
        ``{"Auto": access.nearest(..., cost=car_table), "Fahrrad": ...}``); ``inf`` =
        not reachable.
    demand
        The demand points (same index) with ``demand_col``.
    thresholds
        Minutes.

    Returns
    -------
    pandas.DataFrame
        Index = threshold (minutes), one column per mode: share 0–1 of the population
        with ``minutes <= threshold`` (:func:`kulturplan.access.aggregate`).
    """
    everyone = pd.Series("alle", index=demand.index)
    rows = {}
    for t in thresholds:
        rows[t] = {
            mode: float(aggregate(minutes[mode], demand, by=everyone, demand_col=demand_col,
                                  threshold=float(t))["share_within"].iloc[0])
            for mode in minutes.columns
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "minutes"
    return table
