"""Beyond one machine: routing and KD-tree measures on ``dask.distributed``.

By default everything in kulturplan runs in one process, and so does every function
here when ``client=None``. With a :class:`dask.distributed.Client` the work is split:

* :func:`travel_times` – origins and destinations are snapped once (here), the network
  is sent to every worker once (``client.scatter(..., broadcast=True, hash=False)``), and the
  destinations are split into partitions; each worker runs the bounded Dijkstra searches
  of its partition (:func:`kulturplan.routing.travel.od_arrays`) on its copy of the graph.
* :func:`by_demand` – a demand-separable KD-tree measure of :mod:`kulturplan.access`
  (``nearest``, ``coverage``: each grid cell's value depends only on that cell and the
  facilities) on partitions of the demand points (e.g. the 3 million cells of a Land's
  100 m grid), each worker holding all facilities.
* :func:`catchment` – the facility-coupled measures (2SFCA, E2SFCA, gravity) on an
  origin–destination table (e.g. of :func:`travel_times`): the table is checked here
  exactly as :mod:`kulturplan.access` does, then step 1 (demand in reach of each
  facility) runs on partitions of the pairs by facility and step 2 (accessibility of
  each demand point) on partitions by demand point; gravity needs step 2 only.

Results are identical to the single-process run (same searches, same floating-point
operations, concatenated in the single-process order; every sum of :func:`catchment`
runs over the pairs of one facility or one demand point in the table's order, as in
:mod:`kulturplan.access`); the tests check this on a ``LocalCluster``.

Pointing it at a real cluster
-----------------------------
A Land office with several machines starts one scheduler and workers (same Python and
kulturplan version everywhere, one thread per worker: the searches hold the GIL only
briefly, and each worker keeps one copy of the graph, about 30 bytes per edge)::

    # on the scheduler machine
    dask scheduler --port 8786
    # on every worker machine (e.g. 8 processes with 1 thread each)
    dask worker tcp://scheduler:8786 --nworkers 8 --nthreads 1 --memory-limit 4GB

and in the notebook::

    from dask.distributed import Client
    from kulturplan import routing, scale

    client = Client("tcp://scheduler:8786")
    network = routing.build_network("bayern-latest.osm.pbf", "car")
    table = scale.travel_times(network, grid, facilities, max_minutes=30, client=client)

Only the client reads files; workers receive the network and the points over the
network. On one machine ``Client(LocalCluster(n_workers=4, threads_per_worker=1))``
uses four cores.

Workers start their processes by spawning, so everything sent to them is a module-level
function of this module (never a lambda or a notebook function).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kulturplan import access
from kulturplan.errors import ParameterError
from kulturplan.routing.network import Network
from kulturplan.routing.travel import (
    Snapped,
    _check_bound,
    od_arrays,
    od_table,
    point_xy,
    snap,
    travel_report,
)
from kulturplan.routing.travel import (
    travel_times as _travel_times_local,
)

SEPARABLE = ("nearest", "coverage")
"""access measures whose value per demand point depends only on that point."""

COUPLED = ("two_step_fca", "enhanced_two_step_fca", "gravity")
"""access measures coupled through the facilities (:func:`catchment`)."""


def _n_partitions(client: Any, partitions: int | None, n: int) -> int:
    if partitions is None:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        partitions = 2 * workers
    if not isinstance(partitions, (int, np.integer)) or partitions < 1:
        raise ParameterError(f"partitions muss eine ganze Zahl ≥ 1 sein, erhalten: {partitions!r}.")
    return int(max(1, min(partitions, n)))


def _route_part(network: Network, origins: Snapped, destinations: Snapped, bound: float,
                batch_size: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Worker task: the pairs of one partition of the destinations."""
    return od_arrays(network, origins, destinations, bound, batch_size=batch_size)


def travel_times(
    network: Network,
    origins: Any,
    destinations: Any,
    *,
    max_minutes: float,
    client: Any = None,
    partitions: int | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """:func:`kulturplan.routing.travel_times`, partitioned by destinations on ``client``.

    Parameters
    ----------
    network, origins, destinations, max_minutes, batch_size
        As in :func:`kulturplan.routing.travel_times`.
    client
        A :class:`dask.distributed.Client`; ``None`` runs in this process.
    partitions
        Number of destination partitions (default: twice the number of workers).

    Returns
    -------
    pandas.DataFrame
        The same table as the single-process run (``origin``, ``destination``, ``cost``).
    """
    if client is None:
        return _travel_times_local(network, origins, destinations, max_minutes=max_minutes,
                                   batch_size=batch_size)
    bound = _check_bound(max_minutes)
    o_index, o_xy = point_xy(origins, "Startpunkte")
    d_index, d_xy = point_xy(destinations, "Ziele")
    o_snap, d_snap = snap(network, o_xy), snap(network, d_xy)
    report = travel_report(network, bound, o_index, d_index, o_snap, d_snap)
    n_parts = _n_partitions(client, partitions, len(d_index))
    # hash=False: with content hashing, a second call with the same data reuses the key of
    # the first call's futures, which are released when that call returns ("lost
    # dependencies"; seen in test_scale when a test calls twice)
    shared_net = client.scatter(network, broadcast=True, hash=False)
    shared_origins = client.scatter(o_snap, broadcast=True, hash=False)
    parts = np.array_split(np.arange(len(d_index)), n_parts)
    futures = [
        client.submit(_route_part, shared_net, shared_origins,
                      Snapped(*(a[part] for a in d_snap)), bound, batch_size, pure=False)
        for part in parts
    ]
    results = client.gather(futures)
    i = np.concatenate([r[0] for r in results])
    j = np.concatenate([part[r[1]] for part, r in zip(parts, results, strict=True)])
    c = np.concatenate([r[2] for r in results])
    return od_table(i, j, c, o_index, d_index, report=report)


def _measure_part(name: str, demand: Any, supply: Any, kwargs: dict[str, Any]) -> pd.Series:
    """Worker task: an access measure on one partition of the demand points."""
    return getattr(access, name)(demand, supply, **kwargs)


def by_demand(
    measure: str,
    demand: Any,
    supply: Any,
    *,
    client: Any = None,
    partitions: int | None = None,
    **kwargs: Any,
) -> pd.Series:
    """A demand-separable access measure (``"nearest"``, ``"coverage"``) on partitions.

    Parameters
    ----------
    measure
        Name of the function in :mod:`kulturplan.access` (one of :data:`SEPARABLE`;
        2SFCA, E2SFCA and gravity need all demand points at once: :func:`catchment`).
    demand, supply, kwargs
        As for the access function (e.g. ``max_cost=15, cost="minutes"``).
    client
        A :class:`dask.distributed.Client`; ``None`` runs in this process.
    partitions
        Number of demand partitions (default: twice the number of workers).

    Returns
    -------
    pandas.Series
        The same values as the single-process call; the reports of the partitions are
        in ``result.attrs["reports"]`` (one per partition).
    """
    if measure not in SEPARABLE:
        raise ParameterError(
            f"measure={measure!r} lässt sich nicht nach Nachfragepunkten aufteilen; möglich "
            f"sind {', '.join(SEPARABLE)} (2SFCA, E2SFCA und Gravitation brauchen alle Punkte "
            "zugleich: scale.catchment)."
        )
    if client is None:
        result = _measure_part(measure, demand, supply, kwargs)
        result.attrs["reports"] = [result.attrs.get("report")]
        return result
    n_parts = _n_partitions(client, partitions, len(demand))
    shared_supply = client.scatter(supply, broadcast=True, hash=False)
    bounds = np.linspace(0, len(demand), n_parts + 1).astype(int)
    futures = [
        client.submit(_measure_part, measure, demand.iloc[a:b], shared_supply, kwargs,
                      pure=False)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a
    ]
    results = client.gather(futures)
    out = pd.concat(results)
    out.attrs = {"reports": [r.attrs.get("report") for r in results]}
    return out


# -- facility-coupled measures -------------------------------------------------------------
def _sums_part(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, x: np.ndarray,
               shape: tuple[int, int]) -> np.ndarray:
    """Worker task: the weighted sums of one partition of rows (facilities or points)."""
    return access._weighted_sums(rows, cols, w, x, shape)


def _gravity_part(rows: np.ndarray, contrib: np.ndarray, n: int) -> np.ndarray:
    """Worker task: the gravity sums of one partition of the demand points."""
    return access._gravity_sums(rows, contrib, n)


def _row_parts(rows: np.ndarray, n_rows: int, n_parts: int
               ) -> list[tuple[int, int, np.ndarray]]:
    """Contiguous row ranges ``[a, b)`` and the positions of their pairs.

    Within a row the pairs keep their order (stable sort), so every sum of a row runs
    over the same values in the same order as in the single-process run.
    """
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    bounds = np.linspace(0, n_rows, n_parts + 1).astype(int)
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a:
            lo, hi = np.searchsorted(sorted_rows, [a, b], side="left")
            parts.append((int(a), int(b), order[lo:hi]))
    return parts


def _sums_on(client: Any, partitions: int | None, rows: np.ndarray, cols: np.ndarray,
             w: np.ndarray, x: np.ndarray, n_rows: int) -> np.ndarray:
    """:func:`kulturplan.access._weighted_sums` with the rows split over the workers."""
    shared_x = client.scatter(x, broadcast=True, hash=False)
    parts = _row_parts(rows, n_rows, _n_partitions(client, partitions, n_rows))
    futures = [
        client.submit(_sums_part, rows[k] - a, cols[k], w[k], shared_x, (b - a, len(x)),
                      pure=False)
        for a, b, k in parts
    ]
    out = np.zeros(n_rows)
    for (a, b, _), part in zip(parts, client.gather(futures), strict=True):
        out[a:b] = part
    return out


def _fca_on(client: Any, partitions: int | None, measure: str, demand: Any, supply: Any,
            cost: pd.DataFrame, *, max_cost: float | None = None,
            weights: Any = access.E2SFCA_STEPS, sigma: float | None = None,
            demand_col: str = "population", supply_col: str | None = None,
            normalize: bool = False) -> pd.Series:
    """2SFCA / E2SFCA as :mod:`kulturplan.access` computes them, sums on the workers."""
    if measure == "two_step_fca":
        fn, mc = None, access._check_max_cost(max_cost, required=True)
    else:
        fn, mc = access._decay(weights, max_cost, sigma)
    dem, sup = access._prepare(demand, supply, demand_col, supply_col)
    pairs = access._od_pairs(dem, sup, cost, mc)
    w = np.ones(len(pairs.i)) if fn is None else access._decay_weights(fn, pairs.cost)
    n, m = len(dem.xy), len(sup.xy)
    demand_in_reach = _sums_on(client, partitions, pairs.j, pairs.i, w, dem.weight, m)
    ratio = access._supply_ratio(sup.weight, demand_in_reach)
    values = _sums_on(client, partitions, pairs.i, pairs.j, w, ratio, n)
    if normalize:
        values = access._normalise(values, dem)
    name = "2sfca" if measure == "two_step_fca" else "e2sfca"
    return access._result(values, dem, name, access._fca_report(pairs, demand_in_reach))


def _gravity_on(client: Any, partitions: int | None, demand: Any, supply: Any,
                cost: pd.DataFrame, *, beta: float, max_cost: float | None = None,
                scale: float = 1.0, min_cost: float = 1.0, demand_col: str | None = None,
                supply_col: str | None = None, normalize: bool = False) -> pd.Series:
    """Gravity as :func:`kulturplan.access.gravity` computes it, sums on the workers."""
    weight = access._gravity_weight(beta, scale, min_cost)
    if normalize and demand_col is None:
        demand_col = "population"
    mc = access._check_max_cost(max_cost, required=False)
    dem, sup = access._prepare(demand, supply, demand_col, supply_col)
    pairs = access._od_pairs(dem, sup, cost, mc)
    contrib = sup.weight[pairs.j] * weight(pairs.cost)
    n = len(dem.xy)
    parts = _row_parts(pairs.i, n, _n_partitions(client, partitions, n))
    futures = [client.submit(_gravity_part, pairs.i[k] - a, contrib[k], b - a, pure=False)
               for a, b, k in parts]
    values = np.zeros(n)
    for (a, b, _), part in zip(parts, client.gather(futures), strict=True):
        values[a:b] = part
    if normalize:
        values = access._normalise(values, dem)
    return access._result(values, dem, "gravity", pairs.report)


def catchment(
    measure: str,
    demand: Any,
    supply: Any,
    *,
    cost: Any,
    client: Any = None,
    partitions: int | None = None,
    **kwargs: Any,
) -> pd.Series:
    """A facility-coupled access measure (2SFCA, E2SFCA, gravity) on the cluster.

    Two-step floating catchment areas couple all demand points through the facilities
    (Luo & Wang 2003; Luo & Qi 2009): step 1 sums the demand in reach of each facility,
    :math:`D_j = \\sum_i P_i W(c_{ij})`, step 2 the supply-to-demand ratios in reach of
    each demand point, :math:`A_i = \\sum_j R_j W(c_{ij})`. Here the pairs of the
    origin–destination table are partitioned by facility for step 1 and by demand point
    for step 2; gravity (Hansen 1959) is a step 2 with :math:`R_j = S_j`.

    Parameters
    ----------
    measure
        Name of the function in :mod:`kulturplan.access` (one of :data:`COUPLED`).
    demand, supply
        As for the access function.
    cost
        Origin–destination table (``origin``, ``destination``, ``cost``), e.g. of
        :func:`travel_times`; with ``client=None`` any ``cost=`` of the access function.
    client
        A :class:`dask.distributed.Client`; ``None`` runs in this process.
    partitions
        Number of partitions of each step (default: twice the number of workers).
    **kwargs
        The other parameters of the access function (``max_cost``, ``weights``,
        ``beta``, ``normalize``, …).

    Returns
    -------
    pandas.Series
        The same values as the single-process call (and its report in
        ``result.attrs["report"]``).
    """
    if measure not in COUPLED:
        raise ParameterError(
            f"measure={measure!r} ist keine über die Einrichtungen gekoppelte Maßzahl; "
            f"möglich sind {', '.join(COUPLED)} (nearest und coverage: by_demand)."
        )
    if client is None:
        return getattr(access, measure)(demand, supply, cost=cost, **kwargs)
    if not isinstance(cost, pd.DataFrame):
        raise ParameterError(
            "Verteilt rechnet catchment mit einer Kostentabelle (Start–Ziel-Tabelle mit "
            "origin, destination, cost, z. B. aus scale.travel_times); Luftlinienkosten "
            "bitte ohne client berechnen."
        )
    if measure == "gravity":
        return _gravity_on(client, partitions, demand, supply, cost, **kwargs)
    return _fca_on(client, partitions, measure, demand, supply, cost, **kwargs)
