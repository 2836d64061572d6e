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

Results are identical to the single-process run (same searches, same floating-point
operations, concatenated in the single-process order); the tests check this on a
``LocalCluster``.

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
        2SFCA, E2SFCA and gravity need all demand points at once).
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
            "zugleich)."
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
