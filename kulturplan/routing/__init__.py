"""Road networks from OpenStreetMap and exact travel times for :mod:`kulturplan.access`.

* :func:`build_network` – ``.osm.pbf`` (pyrosm) → :class:`Network` (CSR matrix of minutes)
* :func:`travel_times` – bounded Dijkstra → origin–destination table (``origin``,
  ``destination``, ``cost`` in minutes) for ``cost=`` of the access measures
* :func:`straight_line_ratio` – network time against the straight-line estimate
"""

from __future__ import annotations

from kulturplan.routing.network import (
    BIKE_SPEED_KMH,
    CAR_SPEEDS_KMH,
    WALK_SPEED_KMH,
    Network,
    build_network,
    speed_table,
)
from kulturplan.routing.travel import (
    RatioResult,
    TravelReport,
    population_within,
    straight_line_ratio,
    travel_times,
)

__all__ = [
    "BIKE_SPEED_KMH",
    "CAR_SPEEDS_KMH",
    "WALK_SPEED_KMH",
    "Network",
    "RatioResult",
    "TravelReport",
    "build_network",
    "population_within",
    "speed_table",
    "straight_line_ratio",
    "travel_times",
]
