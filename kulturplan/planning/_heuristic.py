"""Vectorised construction and swap heuristics for the location models.

All functions work on the reachable demand–candidate pairs only (three parallel arrays
``rows``, ``cols``, ``vals`` as in a COO matrix), never on a dense matrix, so they scale
with the number of pairs. They are used as warm starts for HiGHS and alone for very large
instances (with a bound computed elsewhere).

References
----------
Teitz, M. B. & Bart, P. (1968). Heuristic methods for estimating the generalized vertex
median of a weighted graph. *Operations Research* 16(5), 955–961.
Whitaker, R. A. (1983). A fast algorithm for the greedy interchange for large-scale
clustering and median location problems. *INFOR* 21(2), 95–108.
Densham, P. J. & Rushton, G. (1992). A more efficient heuristic for solving large p-median
problems. *Papers in Regional Science* 71(3), 307–329.
Resende, M. G. C. & Werneck, R. F. (2007). A fast swap-based local search procedure for
location problems. *Annals of Operations Research* 150, 205–230.
Chvátal, V. (1979). A greedy heuristic for the set-covering problem. *Mathematics of
Operations Research* 4(3), 233–235.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_MAX_SWAPS = 10_000


@dataclass(frozen=True)
class Pairs:
    """Reachable demand–candidate pairs grouped by row (like a CSR matrix).

    ``by_cost`` marks pairs sorted by row, then cost, then column (see
    :meth:`sorted_by_cost`); nearest-site queries then need no sorting.
    """

    n: int
    m: int
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    by_cost: bool = False

    def sorted_by_cost(self) -> Pairs:
        """The same pairs ordered by row, cost and column."""
        if self.by_cost:
            return self
        order = np.lexsort((self.cols, self.vals, self.rows))
        return Pairs(self.n, self.m, self.rows[order], self.cols[order], self.vals[order], True)

    def subset(self, keep: np.ndarray) -> Pairs:
        """The pairs where ``keep`` is true (order and ``by_cost`` kept)."""
        return Pairs(self.n, self.m, self.rows[keep], self.cols[keep], self.vals[keep],
                     self.by_cost)

    def by_column(self) -> tuple[np.ndarray, np.ndarray]:
        """Pair positions sorted by column and the column pointer (like a CSC matrix)."""
        order = np.argsort(self.cols, kind="stable")
        ptr = np.zeros(self.m + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.cols, minlength=self.m), out=ptr[1:])
        return order, ptr


def unreachable_penalty(pairs: Pairs, weights: np.ndarray) -> float:
    """A cost for unreachable pairs large enough that serving every row always pays off."""
    top = float(pairs.vals.max()) if pairs.vals.size else 0.0
    positive = weights[weights > 0]
    ratio = float(positive.sum() / positive.min()) if positive.size else 1.0
    return (top + 1.0) * (2.0 * ratio + 1.0)


def nearest_two(
    pairs: Pairs, is_open: np.ndarray, big: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost of the nearest and second-nearest open candidate per row, and the nearest one.

    Rows without an open candidate get ``big`` and position -1.
    """
    keep = is_open[pairs.cols]
    r, c, v = pairs.rows[keep], pairs.cols[keep], pairs.vals[keep]
    if not pairs.by_cost:
        order = np.lexsort((c, v, r))
        r, c, v = r[order], c[order], v[order]
    d1 = np.full(pairs.n, big)
    d2 = np.full(pairs.n, big)
    f1 = np.full(pairs.n, -1, dtype=np.int64)
    if r.size == 0:
        return d1, d2, f1
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    i1 = np.flatnonzero(first)
    d1[r[i1]] = v[i1]
    f1[r[i1]] = c[i1]
    i2 = i1 + 1
    i2 = i2[i2 < r.size]
    i2 = i2[~first[i2]]
    d2[r[i2]] = v[i2]
    return d1, d2, f1


def median_greedy(
    pairs: Pairs, weights: np.ndarray, fixed: np.ndarray, k: int, big: float
) -> np.ndarray:
    """Greedy ADD start for the p-median: open, one at a time, the site saving most cost.

    Returns the ``k`` new positions.
    """
    order, ptr = pairs.by_column()
    is_open = np.zeros(pairs.m, dtype=bool)
    is_open[fixed] = True
    d1, _, _ = nearest_two(pairs, is_open, big)
    wr = weights[pairs.rows]
    new: list[int] = []
    for _ in range(k):
        gain = np.bincount(
            pairs.cols, weights=wr * np.maximum(d1[pairs.rows] - pairs.vals, 0.0),
            minlength=pairs.m,
        )
        gain[is_open] = -1.0
        j = int(np.argmax(gain))
        is_open[j] = True
        new.append(j)
        at = order[ptr[j]:ptr[j + 1]]
        d1[pairs.rows[at]] = np.minimum(d1[pairs.rows[at]], pairs.vals[at])
    return np.array(sorted(new), dtype=np.int64)


def _late(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def median_swap(
    pairs: Pairs, weights: np.ndarray, fixed: np.ndarray, new: np.ndarray, big: float,
    deadline: float | None = None,
) -> np.ndarray:
    """Vertex substitution (Teitz & Bart 1968) with Whitaker's fast best-improvement swap.

    Every iteration evaluates all (insert ``j``, remove ``r``) exchanges at once with the
    gain/loss/extra decomposition of Resende & Werneck (2007): the change of the
    objective is ``-gain[j] + loss[r] - extra[j, r]``. Fixed sites are never removed.
    Returns the improved new positions (a local optimum, or the current ones when
    ``deadline`` — a ``time.perf_counter()`` value — has passed).
    """
    k = new.size
    new = new.copy()
    if k == 0:
        return new
    free = np.ones(pairs.m, dtype=bool)
    free[fixed] = False
    wr = weights[pairs.rows]
    for _ in range(_MAX_SWAPS):
        is_open = np.zeros(pairs.m, dtype=bool)
        is_open[fixed] = True
        is_open[new] = True
        d1, d2, f1 = nearest_two(pairs, is_open, big)
        gain = np.bincount(
            pairs.cols, weights=wr * np.maximum(d1[pairs.rows] - pairs.vals, 0.0),
            minlength=pairs.m,
        )
        slot = np.full(pairs.m + 1, -1, dtype=np.int64)  # last entry: f1 == -1
        slot[new] = np.arange(k)
        row_slot = slot[f1]
        served = row_slot >= 0
        loss = np.bincount(
            row_slot[served], weights=(weights * (d2 - d1))[served], minlength=k
        )
        pair_slot = row_slot[pairs.rows]
        d2r = d2[pairs.rows]
        hit = (pair_slot >= 0) & (pairs.vals < d2r)
        extra = np.bincount(
            pairs.cols[hit] * k + pair_slot[hit],
            weights=wr[hit] * (d2r[hit] - np.maximum(pairs.vals[hit], d1[pairs.rows][hit])),
            minlength=pairs.m * k,
        ).reshape(pairs.m, k)
        delta = loss[None, :] - gain[:, None] - extra
        delta[~free | is_open, :] = np.inf
        best = int(np.argmin(delta))
        j, r = divmod(best, k)
        total = float(np.dot(weights, d1))
        if not delta[j, r] < -1e-12 * max(abs(total), 1.0):
            break
        new[r] = j
        if _late(deadline):
            break
    return np.sort(new)


def median_local_search(
    pairs: Pairs, weights: np.ndarray, fixed: np.ndarray, k: int, big: float,
    restarts: int = 8, seed: int = 0, deadline: float | None = None,
) -> np.ndarray:
    """Greedy start plus ``restarts`` seeded random starts, each improved by swaps; the best.

    Multi-start vertex substitution as recommended by Densham & Rushton (1992) and
    Resende & Werneck (2007): local optima of the swap neighbourhood differ, a few restarts
    cost little with the vectorised swap evaluation.
    """
    free = np.setdiff1d(np.arange(pairs.m), fixed)
    rng = np.random.default_rng(seed)
    pairs = pairs.sorted_by_cost()
    # fewer restarts on very large instances (each swap pass is linear in the pairs)
    restarts = int(min(restarts, 4_000_000 // max(pairs.rows.size, 1)))
    starts = [median_greedy(pairs, weights, fixed, k, big)]
    if k < free.size:
        starts += [np.sort(rng.choice(free, k, replace=False)) for _ in range(restarts)]
    best, best_value = starts[0], np.inf
    is_open = np.zeros(pairs.m, dtype=bool)
    for number, start in enumerate(starts):
        if number and _late(deadline):
            break
        new = median_swap(pairs, weights, fixed, start, big, deadline)
        is_open[:] = False
        is_open[fixed] = True
        is_open[new] = True
        value = float(np.dot(weights, nearest_two(pairs, is_open, big)[0]))
        if value < best_value - 1e-12 * max(abs(value), 1.0):
            best, best_value = new, value
    return best


def median_lagrangian_bound(
    pairs: Pairs, weights: np.ndarray, fixed: np.ndarray, k: int, upper: float,
    deadline: float | None = None, iterations: int = 400,
) -> float:
    """Lower bound of the p-median by Lagrangian relaxation of the assignment constraints.

    Relaxing Σ_j x_ij = 1 with multipliers λ_i leaves L(λ) = Σ_i λ_i + Σ_{j open} ρ_j,
    ρ_j = Σ_i min(0, w_i c_ij − λ_i), minimised by opening the fixed sites and the k free
    sites of smallest ρ_j. Every L(λ) is a valid lower bound; the multipliers follow
    the subgradient method with Polyak steps towards ``upper`` (Cornuéjols, Fisher &
    Nemhauser 1977, *Management Science* 23(8), 789–810; Beasley 1993, *European
    Journal of Operational Research* 65, 383–399). Its best value equals the LP bound
    in the limit; each iteration is linear in the pairs.
    """
    wc = weights[pairs.rows] * pairs.vals
    nearest = np.full(pairs.n, np.inf)
    np.minimum.at(nearest, pairs.rows, wc)
    lam = np.where(np.isfinite(nearest), nearest, 0.0)
    free = np.ones(pairs.m, dtype=bool)
    free[fixed] = False
    free_idx = np.flatnonzero(free)
    best, step, stall = -np.inf, 2.0, 0
    for _ in range(iterations):
        red = wc - lam[pairs.rows]
        rho = np.bincount(pairs.cols, weights=np.minimum(red, 0.0), minlength=pairs.m)
        is_open = ~free
        if k:
            pick = free_idx[np.argpartition(rho[free_idx], k - 1)[:k]]
            is_open = is_open.copy()
            is_open[pick] = True
        value = float(lam.sum() + rho[is_open].sum())
        if not np.isfinite(best) or value > best + 1e-12 * max(abs(best), 1.0):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 30:
                step, stall = step / 2.0, 0
        served = is_open[pairs.cols] & (red < 0)
        grad = 1.0 - np.bincount(pairs.rows[served], minlength=pairs.n)
        norm = float(np.dot(grad, grad))
        if norm == 0.0 or step < 1e-4 or _late(deadline) or best >= upper * (1 - 1e-12):
            break
        lam = lam + step * (upper - value) / norm * grad
    return min(best, upper)


def cover_greedy(incidence: sp.csc_array, weights: np.ndarray, k: int) -> np.ndarray:
    """Greedy start for the MCLP: open the site covering most uncovered demand, k times."""
    n, m = incidence.shape
    covered = np.zeros(n, dtype=bool)
    chosen = np.zeros(m, dtype=bool)
    for _ in range(min(k, m)):
        gain = incidence.T @ np.where(covered, 0.0, weights)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen[j] = True
        covered[incidence.indices[incidence.indptr[j]:incidence.indptr[j + 1]]] = True
    return np.flatnonzero(chosen)


def cover_swap(
    incidence: sp.csc_array, weights: np.ndarray, chosen: np.ndarray,
    deadline: float | None = None,
) -> np.ndarray:
    """Best-improvement swap for the MCLP (Teitz–Bart neighbourhood, fast evaluation).

    The coverage change of inserting ``j`` and removing ``r`` is
    ``gain[j] - loss[r] + extra[j, r]`` with ``extra = Aᵀ diag(w·[count = 1]) A_open``.
    """
    n, m = incidence.shape
    chosen = chosen.copy()
    k = chosen.size
    if k == 0 or k >= m:
        return chosen
    csr = incidence.tocsr()
    for _ in range(_MAX_SWAPS):
        count = incidence[:, chosen].sum(axis=1)
        gain = incidence.T @ np.where(count == 0, weights, 0.0)
        single = np.where(count == 1, weights, 0.0)
        loss = incidence[:, chosen].T @ single
        extra = (incidence.T @ (csr[:, chosen].multiply(single[:, None]))).toarray()
        delta = gain[:, None] - loss[None, :] + extra
        delta[chosen, :] = -np.inf
        best = int(np.argmax(delta))
        j, r = divmod(best, k)
        if not delta[j, r] > 1e-12 * max(float(weights.sum()), 1.0):
            break
        chosen[r] = j
        if _late(deadline):
            break
    return np.sort(chosen)


def cover_local_search(
    incidence: sp.csc_array, weights: np.ndarray, k: int, restarts: int = 8, seed: int = 0,
    deadline: float | None = None,
) -> np.ndarray:
    """Greedy start plus seeded random starts, each improved by :func:`cover_swap`; the best."""
    m = incidence.shape[1]
    rng = np.random.default_rng(seed)
    restarts = int(min(restarts, 4_000_000 // max(incidence.nnz, 1)))
    starts = [cover_greedy(incidence, weights, k)]
    if k < m:
        starts += [np.sort(rng.choice(m, k, replace=False)) for _ in range(restarts)]
    best, best_value = starts[0], -np.inf
    for number, start in enumerate(starts):
        if number and _late(deadline):
            break
        chosen = cover_swap(incidence, weights, start, deadline)
        value = float(weights[np.asarray(incidence[:, chosen].sum(axis=1)).reshape(-1) > 0].sum())
        if value > best_value:
            best, best_value = chosen, value
    return best


def set_cover_greedy(incidence: sp.csc_array) -> np.ndarray:
    """Greedy set cover (Chvátal 1979), then redundant sites dropped (last opened first).

    Every row of ``incidence`` must have at least one entry.
    """
    n, m = incidence.shape
    covered = np.zeros(n, dtype=bool)
    chosen: list[int] = []
    while not covered.all():
        gain = incidence.T @ (~covered).astype(float)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        covered[incidence.indices[incidence.indptr[j]:incidence.indptr[j + 1]]] = True
    keep = list(chosen)
    for j in reversed(chosen):
        trial = [x for x in keep if x != j]
        if trial and (incidence[:, trial].sum(axis=1) > 0).all():
            keep = trial
    return np.array(sorted(keep), dtype=np.int64)
