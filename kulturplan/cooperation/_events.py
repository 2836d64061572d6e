"""Events near each other in time and space (shared by duplicate and collision checks).

:func:`near_pairs` finds every pair of events of the same group (e.g. same Sparte and
target group) that lie at most ``max_km`` apart (straight line) and start at most
``max_days`` apart, without comparing all pairs: events become points in a scaled space
(x and y divided by ``max_km``, time by ``max_days``, groups far apart) and a KD-tree
returns the pairs within Chebyshev distance 1 (:meth:`scipy.spatial.cKDTree.query_pairs`
with ``p=inf``); the straight-line distance is then checked exactly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kulturplan.errors import ParameterError

__all__ = ["NearPairs", "event_days", "near_pairs"]


class NearPairs(NamedTuple):
    """Positions ``i < j`` of the pairs found, their distance in km and in days."""

    i: np.ndarray
    j: np.ndarray
    km: np.ndarray
    days: np.ndarray


def event_days(start: pd.Series) -> np.ndarray:
    """Start times as (fractional) days since 1970-01-01; missing times as NaN."""
    values = pd.to_datetime(start, errors="coerce")
    ns = values.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    ns[values.isna().to_numpy()] = np.nan
    return ns / 86_400e9


def near_pairs(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    max_km: float,
    max_days: float,
) -> NearPairs:
    """Pairs of points at most ``max_km`` and ``max_days`` apart, within the same group.

    Parameters
    ----------
    x, y
        Coordinates in metres (EPSG:25832).
    days
        Start times in days (:func:`event_days`).
    groups
        Integer group code per event (pairs only within a group); negative codes never
        pair. Default: one group.
    max_km, max_days
        Inclusive limits.

    Returns
    -------
    NearPairs
        Sorted by ``i``, then ``j``. Rows with a missing coordinate or time never pair.
    """
    if not (max_km > 0 and max_days >= 0):
        raise ParameterError(
            f"max_km muss > 0 und max_days ≥ 0 sein, erhalten: {max_km!r}, {max_days!r}."
        )
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    t = np.asarray(days, dtype=float)
    g = np.zeros(len(x), dtype=float) if groups is None else np.asarray(groups, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(t) & (g >= 0)
    pos = np.flatnonzero(ok)
    empty = NearPairs(np.array([], int), np.array([], int), np.array([]), np.array([]))
    if len(pos) < 2:
        return empty
    scale_t = max_days if max_days > 0 else 1e-9
    pts = np.column_stack([
        x[pos] / (max_km * 1000.0),
        y[pos] / (max_km * 1000.0),
        (t[pos] - np.nanmin(t[pos])) / scale_t,
        g[pos] * 2.0,  # different groups are always 2 or more apart
    ])
    pairs = cKDTree(pts).query_pairs(1.0 + 1e-9, p=np.inf, output_type="ndarray")
    if len(pairs) == 0:
        return empty
    i, j = pos[pairs[:, 0]], pos[pairs[:, 1]]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    km = np.hypot(x[lo] - x[hi], y[lo] - y[hi]) / 1000.0
    dd = np.abs(t[lo] - t[hi])
    keep = (km <= max_km + 1e-9) & (g[lo] == g[hi]) & (dd <= max_days + 1e-9)
    lo, hi, km, dd = lo[keep], hi[keep], km[keep], dd[keep]
    order = np.lexsort((hi, lo))
    return NearPairs(lo[order], hi[order], km[order], dd[order])
