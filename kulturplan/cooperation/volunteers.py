"""Volunteer matching (Freiwilligenbörse): offers of volunteers against organisations' requests.

:func:`match_volunteers` scores every (offer, request) pair and :func:`assign` picks the
pairs that maximise the total score, each volunteer at most once and each request at
most as often as it asks for people. The assignment is a linear assignment problem
(Kuhn 1955; Munkres 1957) solved exactly by :func:`scipy.optimize.linear_sum_assignment`
(Crouse 2016): a request for ``c`` people becomes ``c`` columns, and one "stay free"
column of score 0 per volunteer lets the optimum leave a volunteer unmatched rather
than take a pair that is not allowed.

Only pseudonymous ids and municipalities go in or out: the region keeps no names,
e-mail addresses or phone numbers of persons (:mod:`kulturplan.sources.volunteers` strips
such columns when a file is read).

References
----------
Kuhn, H. W. (1955). The Hungarian method for the assignment problem. *Naval Research
Logistics Quarterly* 2, 83–97.

Munkres, J. (1957). Algorithms for the assignment and transportation problems. *Journal
of the SIAM* 5(1), 32–38.

Crouse, D. F. (2016). On implementing 2D rectangular assignment algorithms. *IEEE
Transactions on Aerospace and Electronic Systems* 52(4), 1679–1696.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy.optimize import linear_sum_assignment

from kulturplan.errors import ParameterError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "INTEREST_WEIGHT",
    "SLOT_WEIGHT",
    "VolunteerMatch",
    "assign",
    "match_volunteers",
    "split_list",
]

INTEREST_WEIGHT = 0.6
"""Weight of the interest overlap in the pair score (the slot overlap has the rest)."""

SLOT_WEIGHT = 0.4
"""Weight of the slot overlap in the pair score."""


def split_list(value: object) -> frozenset[str]:
    """``"musik; technik"`` → ``{"musik", "technik"}`` (lower case; empty cells → ``{}``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [str(v) for v in value]
    else:
        items = str(value).replace(",", ";").split(";")
    return frozenset(t.strip().lower() for t in items if t.strip())


def _capacities(scores: pd.DataFrame, capacity: pd.Series | None) -> np.ndarray:
    if capacity is None:
        return np.ones(scores.shape[1], dtype=int)
    cap = pd.Series(capacity)
    missing = [c for c in scores.columns if c not in cap.index]
    if missing:
        raise ParameterError(
            "capacity fehlt für die Gesuche: " + ", ".join(map(str, missing)) + "."
        )
    values = pd.to_numeric(cap.reindex(scores.columns), errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ParameterError("capacity muss je Gesuch eine ganze Zahl ≥ 0 sein.")
    return values.astype(int)


def assign(scores: pd.DataFrame, *, capacity: pd.Series | None = None) -> pd.DataFrame:
    """The pairs of volunteers and requests with the largest total score.

    Parameters
    ----------
    scores
        Rows = volunteers, columns = requests; the score of each pair, ``NaN`` where the
        pair is not allowed. Pairs with a score ≤ 0 are never needed for the optimum and
        are not returned.
    capacity
        Number of people each request (column label) takes (default 1 each).

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: the row label (column named like ``scores.index``,
        default ``volunteer``), the column label (named like ``scores.columns``,
        default ``request``) and ``score``; sorted by row order. The total is optimal
        (linear assignment, module notes).

    Raises
    ------
    kulturplan.errors.ParameterError
        For non-numeric scores, repeated labels or invalid capacities.
    """
    row_name = scores.index.name or "volunteer"
    col_name = scores.columns.name or "request"
    out_cols = [row_name, col_name, "score"]
    if scores.index.has_duplicates or scores.columns.has_duplicates:
        raise ParameterError("assign: Zeilen- und Spaltenbeschriftungen müssen eindeutig sein.")
    try:
        values = scores.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            "assign: scores muss aus Zahlen bestehen (NaN = nicht erlaubt)."
        ) from exc
    if np.isinf(values).any():
        raise ParameterError("assign: scores darf nicht unendlich sein (NaN = nicht erlaubt).")
    cap = _capacities(scores, capacity)
    n = values.shape[0]
    cols = np.repeat(np.arange(values.shape[1]), cap)
    if n == 0 or len(cols) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in out_cols[:2]}
                            | {"score": pd.Series(dtype=float)})
    useful = values[:, cols]
    allowed = np.isfinite(useful) & (useful > 0)
    big = float(np.nansum(np.abs(values[np.isfinite(values)]))) + 1.0
    matrix = np.hstack([np.where(allowed, useful, -big), np.zeros((n, n))])
    rows, picked = linear_sum_assignment(matrix, maximize=True)
    real = picked < len(cols)
    rows, picked = rows[real], picked[real]
    ok = allowed[rows, picked]
    rows, picked = rows[ok], picked[ok]
    j = cols[picked]
    return pd.DataFrame({
        row_name: scores.index.to_numpy()[rows],
        col_name: scores.columns.to_numpy()[j],
        "score": values[rows, j],
    }, columns=out_cols).reset_index(drop=True)


@dataclass(frozen=True)
class VolunteerMatch:
    """Scores and the optimal matching of a Freiwilligenbörse.

    Attributes
    ----------
    scores
        Rows = volunteer ids, columns = request ids; NaN where not allowed.
    pairs
        :func:`assign` result with ``volunteer_ags``, ``request_ags``, ``org_id``
        and ``km``.
    """

    scores: pd.DataFrame
    pairs: pd.DataFrame

    @property
    def total(self) -> float:
        """Sum of the scores of the matched pairs."""
        return float(self.pairs["score"].sum()) if len(self.pairs) else 0.0


def _centres(region: Region) -> pd.DataFrame:
    rep = shapely.point_on_surface(region.municipalities.geometry.to_numpy())
    return pd.DataFrame({"x": shapely.get_x(rep), "y": shapely.get_y(rep)},
                        index=region.municipalities.index)


def _overlap(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Counts |a ∩ b| and |b| for every pair (rows a, columns b)."""
    vocab = sorted(set().union(*a, *b)) if len(a) and len(b) else []
    pos = {v: k for k, v in enumerate(vocab)}
    ma = np.zeros((len(a), len(vocab)))
    mb = np.zeros((len(b), len(vocab)))
    for r, items in enumerate(a):
        ma[r, [pos[v] for v in items]] = 1.0
    for r, items in enumerate(b):
        mb[r, [pos[v] for v in items]] = 1.0
    return ma @ mb.T, mb.sum(axis=1)


def match_volunteers(
    offers: pd.DataFrame,
    requests: pd.DataFrame,
    region: Region,
    *,
    default_max_km: float = 15.0,
) -> VolunteerMatch:
    """Score every (offer, request) pair and match them optimally (:func:`assign`).

    Parameters
    ----------
    offers
        Index volunteer id (pseudonymous); ``interests`` (Sparten/tasks, ``;``-separated),
        ``slots`` (weekly availability, e.g. ``sa_nachmittag``), ``ags`` (home
        municipality), optional ``max_km``.
    requests
        Index request id; ``tasks``, ``slots``, ``ags``, optional ``org_id`` and
        ``people`` (number of people wanted, default 1).
    region
        For the municipalities' positions.
    default_max_km
        Distance limit where an offer gives none.

    Returns
    -------
    VolunteerMatch
        ``score = 0.6 × (shared tasks / tasks of the request) + 0.4 × (shared slots /
        slots of the request)``, in [0, 1]. A pair is allowed only with at least one
        shared task, one shared slot and a straight-line distance between the two
        municipalities (representative points) within the volunteer's ``max_km`` —
        a hard limit.
    """
    need_o = [c for c in ("interests", "slots", "ags") if c not in offers.columns]
    need_r = [c for c in ("tasks", "slots", "ags") if c not in requests.columns]
    if need_o or need_r:
        raise ParameterError(
            "match_volunteers: Spalten fehlen – Angebote: " + (", ".join(need_o) or "keine")
            + "; Gesuche: " + (", ".join(need_r) or "keine") + "."
        )
    centres = _centres(region)
    ox = offers["ags"].map(centres["x"]).to_numpy(float)
    oy = offers["ags"].map(centres["y"]).to_numpy(float)
    rx = requests["ags"].map(centres["x"]).to_numpy(float)
    ry = requests["ags"].map(centres["y"]).to_numpy(float)
    km = np.hypot(ox[:, None] - rx[None, :], oy[:, None] - ry[None, :]) / 1000.0
    limit = (pd.to_numeric(offers["max_km"], errors="coerce").fillna(default_max_km)
             if "max_km" in offers.columns else pd.Series(default_max_km, index=offers.index))
    shared_t, n_t = _overlap(offers["interests"].map(split_list), requests["tasks"].map(split_list))
    shared_s, n_s = _overlap(offers["slots"].map(split_list), requests["slots"].map(split_list))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (INTEREST_WEIGHT * shared_t / np.maximum(n_t, 1)[None, :]
                 + SLOT_WEIGHT * shared_s / np.maximum(n_s, 1)[None, :])
    allowed = (shared_t > 0) & (shared_s > 0) & (km <= limit.to_numpy(float)[:, None])
    scores = pd.DataFrame(np.where(allowed, np.round(score, 4), np.nan),
                          index=pd.Index(offers.index, name="volunteer"),
                          columns=pd.Index(requests.index, name="request"))
    people = (pd.to_numeric(requests["people"], errors="coerce").fillna(1).astype(int)
              if "people" in requests.columns else pd.Series(1, index=requests.index))
    pairs = assign(scores, capacity=people)
    o_pos = offers.index.get_indexer(pairs["volunteer"])
    r_pos = requests.index.get_indexer(pairs["request"])
    pairs["volunteer_ags"] = offers["ags"].to_numpy()[o_pos]
    pairs["request_ags"] = requests["ags"].to_numpy()[r_pos]
    if "org_id" in requests.columns:
        pairs["org_id"] = requests["org_id"].to_numpy()[r_pos]
    pairs["km"] = np.round(km[o_pos, r_pos], 1)
    return VolunteerMatch(scores, pairs)
