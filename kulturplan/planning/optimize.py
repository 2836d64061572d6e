"""Exact location optimisation with HiGHS: p-median, MCLP, LSCP and p-center.

Every model takes a demand × candidate ``cost`` matrix (numpy array or scipy.sparse). In a
sparse matrix an absent pair is unreachable (an explicitly stored 0 is a real cost 0); in
a dense array ``np.inf`` marks an unreachable pair. Only reachable pairs become variables
— the point of building the models from sparse arrays instead of a dense matrix as PySAL
spopt does. Each model is passed to HiGHS in one call (``passModel`` with a column-wise
sparse matrix), never row by row.

``fixed`` are the candidate columns of existing facilities: they are always open and are
**not** counted in ``k``, which is the number of *new* sites.

A result is ``"optimal"`` only when HiGHS proves it with a relative and absolute MIP gap
of 0 (HiGHS' default ``mip_rel_gap`` is 1e-4, which would label a solution up to 0.01 %
worse as optimal). After a time limit the best feasible solution is returned with status
``"zeitlimit"``, the best proven bound and the finite gap between them.

References
----------
Hakimi, S. L. (1964). Optimum locations of switching centers and the absolute centers and
medians of a graph. *Operations Research* 12(3), 450–459.
Hakimi, S. L. (1965). Optimum distribution of switching centers in a communication network
and some related graph theoretic problems. *Operations Research* 13(3), 462–475.
ReVelle, C. S. & Swain, R. W. (1970). Central facilities location. *Geographical Analysis*
2(1), 30–42.
Toregas, C., Swain, R., ReVelle, C. & Bergman, L. (1971). The location of emergency service
facilities. *Operations Research* 19(6), 1363–1373.
Church, R. & ReVelle, C. (1974). The maximal covering location problem. *Papers of the
Regional Science Association* 32, 101–118.
Daskin, M. S. (2013). *Network and Discrete Location: Models, Algorithms, and
Applications*, 2nd ed. Wiley (ch. 5 p-center, ch. 6 p-median).
Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
*Mathematical Programming Computation* 10, 119–142 (HiGHS).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from kulturplan.errors import ParameterError
from kulturplan.planning import _heuristic as heur
from kulturplan.planning._heuristic import Pairs

#: above this many reachable pairs ``method="auto"`` uses the swap heuristic alone
AUTO_HEURISTIC_PAIRS = 2_000_000
#: up to this many pairs the heuristic's bound also comes from the LP relaxation
LP_BOUND_PAIRS = 500_000
_METHODS = ("auto", "highs", "heuristik")


@dataclass(frozen=True)
class LocationResult:
    """Result of a location model.

    Attributes
    ----------
    model
        ``"p_median"``, ``"mclp"``, ``"lscp"`` or ``"p_center"``.
    selected
        Candidate positions of all open sites: existing (fixed) first, then new, each sorted.
    new
        The new positions only.
    objective
        p-median: Σ weight · cost; MCLP: covered demand; LSCP: number of sites (existing
        included); p-center: largest (weighted) cost of a demand point.
    bound
        Best proven bound (lower bound when minimising, upper bound for the MCLP);
        equal to ``objective`` when optimal.
    gap
        ``|objective - bound| / max(|objective|, 1e-12)``; 0.0 when optimal.
    status
        ``"optimal"`` (proven, gap 0), ``"zeitlimit"`` (feasible, not proven) or
        ``"unzulässig"`` (no feasible solution exists).
    assignment
        Per demand row the candidate position serving it, -1 = none / not covered.
    baseline_objective
        The same objective with only the fixed sites (nan if there are none or they
        cannot serve every demand point where the model requires it).
    seconds
        Wall-clock time of the call.
    method
        ``"highs"`` (exact MIP) or ``"heuristik"`` (swap heuristic with an LP bound).
    """

    model: str
    selected: np.ndarray
    new: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    assignment: np.ndarray
    baseline_objective: float
    seconds: float
    method: str


# -- input checks ---------------------------------------------------------------------------
def _as_pairs(cost: Any) -> Pairs:
    """Reachable pairs of ``cost`` in row-major order; German errors for unusable values."""
    if sp.issparse(cost):
        coo = sp.coo_array(cost)
        if coo.ndim != 2:
            raise ParameterError(
                "Die Kostenmatrix muss zweidimensional sein (Nachfrage × Kandidaten)."
            )
        coo.sum_duplicates()
        rows = np.asarray(coo.row, dtype=np.int64)
        cols = np.asarray(coo.col, dtype=np.int64)
        try:
            vals = np.asarray(coo.data, dtype=float)
        except (TypeError, ValueError) as err:
            raise ParameterError("Die Kostenmatrix enthält Werte, die keine Zahlen sind.") from err
        n, m = coo.shape
    else:
        try:
            dense = np.asarray(cost, dtype=float)
        except (TypeError, ValueError) as err:
            raise ParameterError("Die Kostenmatrix enthält Werte, die keine Zahlen sind.") from err
        if dense.ndim != 2:
            raise ParameterError(
                "Die Kostenmatrix muss zweidimensional sein (Nachfrage × Kandidaten), "
                f"sie hat {dense.ndim} Dimension(en)."
            )
        n, m = dense.shape
        rows, cols = np.nonzero(~(np.isposinf(dense)))
        vals = dense[rows, cols]
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    _check_values(rows, cols, vals)
    keep = np.isfinite(vals)  # +inf stored in a sparse matrix: unreachable as well
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, rows))
    return Pairs(int(n), int(m), rows[order], cols[order], vals[order])


def _check_values(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
    bad = np.isnan(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"Die Kostenmatrix enthält {int(bad.sum())} fehlende Werte (NaN), zuerst in "
            f"Nachfragezeile {rows[i]}, Kandidatenspalte {cols[i]} (0-basiert). Nicht "
            "erreichbare Paare bitte als np.inf (dichte Matrix) oder gar nicht "
            "(dünnbesetzte Matrix) angeben."
        )
    neg = vals < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise ParameterError(
            f"Die Kostenmatrix enthält {int(neg.sum())} negative Werte, zuerst "
            f"{vals[i]} in Nachfragezeile {rows[i]}, Kandidatenspalte {cols[i]} "
            "(0-basiert). Kosten (Entfernungen, Fahrzeiten) müssen ≥ 0 sein."
        )


def _nonnegative(values: Any, n: int, *, not_numbers: str, wrong_size: str, bad: str
                 ) -> np.ndarray:
    """``values`` as a float vector of length ``n`` with finite entries ≥ 0, else a German
    :class:`ParameterError` (``wrong_size`` and ``bad`` are formatted with ``size``/``n`` and
    ``count``/``i``/``value``)."""
    try:
        v = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as err:
        raise ParameterError(not_numbers) from err
    if v.size != n:
        raise ParameterError(wrong_size.format(size=v.size, n=n))
    invalid = ~np.isfinite(v) | (v < 0)
    if invalid.any():
        i = int(np.flatnonzero(invalid)[0])
        raise ParameterError(bad.format(count=int(invalid.sum()), i=i, value=v[i]))
    return v


def _as_weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    return _nonnegative(
        weights, n,
        not_numbers="Die Gewichte (Nachfrage) müssen Zahlen sein.",
        wrong_size="Es gibt {size} Gewichte, aber {n} Nachfragezeilen in der Kostenmatrix; "
        "je Nachfragepunkt ist genau ein Gewicht nötig.",
        bad="{count} Gewicht(e) sind fehlend, unendlich oder negativ, zuerst an Position {i} "
        "(0-basiert): {value}. Gewichte müssen Zahlen ≥ 0 sein.",
    )


def _as_fixed(fixed: Any, m: int) -> np.ndarray:
    if fixed is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(fixed).reshape(-1)
    if arr.dtype == bool:
        if arr.size != m:
            raise ParameterError(
                f"Die Maske der bestehenden Standorte hat {arr.size} Einträge, es gibt aber "
                f"{m} Kandidaten."
            )
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    try:
        as_float = arr.astype(float)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            "Bestehende Standorte (fixed) müssen Spaltenpositionen der Kandidaten sein."
        ) from err
    unknown = ~np.isfinite(as_float) | (as_float != np.round(as_float)) | (as_float < 0) | (
        as_float >= m
    )
    if unknown.any():
        raise ParameterError(
            f"Unbekannte Positionen bestehender Standorte: {arr[unknown][:10].tolist()}; "
            f"gültig sind ganze Zahlen von 0 bis {m - 1} (Spalten der Kostenmatrix)."
        )
    pos = as_float.astype(np.int64)
    uniq, counts = np.unique(pos, return_counts=True)
    if (counts > 1).any():
        raise ParameterError(
            f"Bestehende Standorte sind doppelt angegeben: {uniq[counts > 1][:10].tolist()}."
        )
    return uniq


def _as_k(k: Any, m: int, n_fixed: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ParameterError(f"k (Zahl neuer Standorte) muss eine ganze Zahl sein, nicht {k!r}.")
    k = int(k)
    if k < 0:
        raise ParameterError(f"k (Zahl neuer Standorte) darf nicht negativ sein (k = {k}).")
    if k > m - n_fixed:
        raise ParameterError(
            f"k = {k} neue Standorte verlangt, es gibt aber nur {m - n_fixed} freie "
            f"Kandidaten ({m} Kandidaten, davon {n_fixed} bestehend)."
        )
    return k


def _as_time_limit(time_limit: Any) -> float | None:
    if time_limit is None:
        return None
    try:
        t = float(time_limit)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"Zeitlimit muss eine Zahl in Sekunden sein, nicht {time_limit!r}."
        ) from err
    if not (t > 0 and math.isfinite(t)):
        raise ParameterError(
            f"Zeitlimit muss eine positive Zahl von Sekunden sein, nicht {time_limit!r}."
        )
    return t


def _as_max_cost(max_cost: Any) -> float:
    try:
        r = float(max_cost)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"max_cost (Reichweite) muss eine Zahl sein, nicht {max_cost!r}."
        ) from err
    if math.isnan(r) or r < 0:
        raise ParameterError(
            f"max_cost (Reichweite) muss eine Zahl ≥ 0 sein, nicht {max_cost!r}."
        )
    return r


def _as_method(method: str) -> str:
    if method not in _METHODS:
        raise ParameterError(
            f"Unbekanntes Verfahren {method!r}; möglich sind: {', '.join(_METHODS)}."
        )
    return method


def _require_reachable(pairs: Pairs, what: str) -> None:
    reach = np.bincount(pairs.rows, minlength=pairs.n)
    lonely = np.flatnonzero(reach == 0)
    if lonely.size:
        raise ParameterError(
            f"{lonely.size} Nachfragepunkt(e) erreichen keinen Kandidaten ({what}), z. B. "
            f"die Zeilen {lonely[:10].tolist()} (0-basiert). Reichweite erhöhen, Kandidaten "
            "ergänzen oder diese Punkte vorher herausnehmen."
        )


# -- HiGHS ----------------------------------------------------------------------------------
@dataclass
class _Mip:
    """A MIP in HiGHS' column-wise form, built from sparse triplets in one go."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool per column
    matrix: sp.csc_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximize: bool = False
    offset: float = 0.0
    start: np.ndarray | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    status: str  # "optimal" | "zeitlimit" | "unzulässig"
    x: np.ndarray | None
    objective: float
    bound: float
    extra: dict = field(default_factory=dict)


def _new_highs() -> Any:
    # highspy.Highs() prints the version banner from its constructor before any option
    # can be set (ERGO-Code/HiGHS#1932, #2749); the core class does not, and the
    # Python subclass only adds callbacks, which are not used here.
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _matrix(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> sp.csc_array:
    return sp.csc_array((vals, (rows, cols)), shape=shape)


def _load(mip: _Mip, *, relax: bool = False) -> Any:
    """A silent HiGHS instance holding ``mip`` (gap 0), passed in one ``passModel`` call."""
    h = _new_highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    for name, value in mip.options.items():
        h.setOptionValue(name, value)
    lp = highspy.HighsLp()
    n_col, n_row = mip.matrix.shape[1], mip.matrix.shape[0]
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(mip.cost, dtype=float)
    lp.col_lower_ = np.asarray(mip.lower, dtype=float)
    lp.col_upper_ = np.asarray(mip.upper, dtype=float)
    lp.row_lower_ = np.asarray(mip.row_lower, dtype=float)
    lp.row_upper_ = np.asarray(mip.row_upper, dtype=float)
    lp.offset_ = float(mip.offset)
    lp.sense_ = highspy.ObjSense.kMaximize if mip.maximize else highspy.ObjSense.kMinimize
    csc = mip.matrix
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(csc.indptr, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(csc.indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(csc.data, dtype=float)
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    h.passModel(lp)
    if not relax and mip.integer.any():
        _set_integer(h, np.flatnonzero(mip.integer))
    if mip.start is not None and not relax:
        h.setSolution(
            n_col, np.arange(n_col, dtype=np.int32), np.asarray(mip.start, dtype=float)
        )
    return h


def _set_integer(h: Any, cols: np.ndarray) -> None:
    h.changeColsIntegrality(
        int(cols.size), np.asarray(cols, dtype=np.int32), np.ones(cols.size, dtype=np.uint8)
    )


def _solve(h: Any, mip: _Mip, time_limit: float | None, relax: bool) -> _Outcome:
    h.setOptionValue("time_limit", math.inf if time_limit is None else max(time_limit, 1e-3))
    h.run()
    return _outcome(h, mip, relax)


def _run(mip: _Mip, time_limit: float | None, *, relax: bool = False) -> _Outcome:
    """Solve ``mip`` (or its LP relaxation) with HiGHS and map the status."""
    return _solve(_load(mip, relax=relax), mip, time_limit, relax)


def _outcome(h: Any, mip: _Mip, relax: bool) -> _Outcome:
    status = h.getModelStatus()
    info = h.getInfo()
    ms = highspy.HighsModelStatus
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=float) if feasible else None
    sign = -1.0 if mip.maximize else 1.0
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return _Outcome("unzulässig", None, math.nan, math.nan)
    if status == ms.kOptimal:
        obj = float(info.objective_function_value)
        return _Outcome("optimal", x, obj, obj)
    if status in (ms.kTimeLimit, ms.kInterrupt, ms.kIterationLimit, ms.kSolutionLimit,
                  ms.kUnknown, ms.kMemoryLimit):
        bound = math.nan if relax else float(info.mip_dual_bound)
        if not math.isfinite(bound):
            bound = -sign * math.inf
        obj = float(info.objective_function_value) if feasible else math.nan
        return _Outcome("zeitlimit", x, obj, bound)
    if status == ms.kModelEmpty:
        return _Outcome("optimal", np.zeros(0), mip.offset, mip.offset)
    raise RuntimeError(f"HiGHS meldet einen unerwarteten Zustand: {h.modelStatusToString(status)}.")


def _gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    return abs(objective - bound) / max(abs(objective), 1e-12)


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)


def _result(
    model: str, fixed: np.ndarray, new: np.ndarray, objective: float, bound: float,
    status: str, assignment: np.ndarray, baseline: float, started: float, method: str,
) -> LocationResult:
    new = np.sort(np.asarray(new, dtype=np.int64))
    fixed = np.sort(np.asarray(fixed, dtype=np.int64))
    if status == "optimal":
        bound, gap = objective, 0.0
    else:
        gap = _gap(objective, bound)
    return LocationResult(
        model=model,
        selected=np.concatenate([fixed, new]),
        new=new,
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        status=status,
        assignment=np.asarray(assignment, dtype=np.int64),
        baseline_objective=float(baseline),
        seconds=time.perf_counter() - started,
        method=method,
    )


# -- p-median -------------------------------------------------------------------------------
def _median_pairs(pairs: Pairs, fixed: np.ndarray) -> Pairs:
    """Drop pairs that cannot matter: farther than the nearest existing site (exact).

    A demand point is never served by a candidate farther than its nearest fixed site,
    which stays open (uncapacitated model only).
    """
    if fixed.size == 0:
        return pairs
    is_fixed = np.zeros(pairs.m, dtype=bool)
    is_fixed[fixed] = True
    d_fix, _, f_fix = heur.nearest_two(pairs, is_fixed, math.inf)
    dr = d_fix[pairs.rows]
    return pairs.subset((pairs.vals < dr) | (pairs.cols == f_fix[pairs.rows]))


def _median_mip(
    pairs: Pairs, w: np.ndarray, fixed: np.ndarray, k: int, capacity: np.ndarray | None
) -> _Mip:
    """p-median (ReVelle & Swain 1970) with disaggregated linking x_ij ≤ y_j.

    Columns: y_0..y_{m-1}, then one x per reachable pair. Rows: assignment Σ_j x_ij = 1,
    linking x_ij - y_j ≤ 0, Σ y = k + |fixed|, and with capacities Σ_i w_i x_ij ≤ C_j y_j.
    """
    n, m, p = pairs.n, pairs.m, pairs.rows.size
    pid = np.arange(p)
    r_parts = [pairs.rows, n + pid, n + pid, np.full(m, n + p)]
    c_parts = [m + pid, m + pid, pairs.cols, np.arange(m)]
    v_parts = [np.ones(p), np.ones(p), -np.ones(p), np.ones(m)]
    row_lo = [np.ones(n), np.full(p, -np.inf), [k + fixed.size]]
    row_hi = [np.ones(n), np.zeros(p), [k + fixed.size]]
    if capacity is not None:
        base = n + p + 1
        r_parts += [base + pairs.cols, base + np.arange(m)]
        c_parts += [m + pid, np.arange(m)]
        v_parts += [w[pairs.rows], -capacity]
        row_lo.append(np.full(m, -np.inf))
        row_hi.append(np.zeros(m))
    n_rows = n + p + 1 + (m if capacity is not None else 0)
    matrix = _matrix(
        np.concatenate(r_parts), np.concatenate(c_parts), np.concatenate(v_parts),
        (n_rows, m + p),
    )
    lower = np.zeros(m + p)
    lower[fixed] = 1.0
    integer = np.zeros(m + p, dtype=bool)
    integer[: m if capacity is None else m + p] = True
    return _Mip(
        cost=np.concatenate([np.zeros(m), w[pairs.rows] * pairs.vals]),
        lower=lower, upper=np.ones(m + p), integer=integer, matrix=matrix,
        row_lower=np.concatenate([np.asarray(a, dtype=float) for a in row_lo]),
        row_upper=np.concatenate([np.asarray(a, dtype=float) for a in row_hi]),
    )


def _median_start(pairs: Pairs, fixed: np.ndarray, new: np.ndarray) -> np.ndarray:
    is_open = np.zeros(pairs.m, dtype=bool)
    is_open[fixed] = True
    is_open[new] = True
    _, _, f1 = heur.nearest_two(pairs, is_open, math.inf)
    start = np.zeros(pairs.m + pairs.rows.size)
    start[: pairs.m] = is_open
    start[pairs.m:] = (pairs.cols == f1[pairs.rows]).astype(float)
    return start


def _open_mask(m: int, fix: np.ndarray, new: np.ndarray) -> np.ndarray:
    is_open = np.zeros(m, dtype=bool)
    is_open[fix] = True
    is_open[new] = True
    return is_open


def _median_value(pairs: Pairs, w: np.ndarray, is_open: np.ndarray) -> tuple[float, np.ndarray]:
    d1, _, f1 = heur.nearest_two(pairs, is_open, math.inf)
    if (f1 < 0).any():
        return math.nan, f1
    return float(np.dot(w, d1)), f1


def _capacity(capacity: Any, m: int) -> np.ndarray | None:
    if capacity is None:
        return None
    return _nonnegative(
        capacity, m,
        not_numbers="Kapazitäten müssen Zahlen sein.",
        wrong_size="Es gibt {size} Kapazitäten, aber {n} Kandidaten; je Kandidat ist genau "
        "eine Kapazität nötig.",
        bad="{count} Kapazität(en) sind fehlend, unendlich oder negativ, zuerst bei Kandidat "
        "{i} (0-basiert): {value}.",
    )


def p_median(
    cost: Any,
    weights: Any = None,
    *,
    k: int,
    fixed: Any = None,
    capacity: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
) -> LocationResult:
    """Open ``k`` new sites minimising the weighted total cost (p-median).

    The p-median problem (Hakimi 1964) in the integer programme of ReVelle & Swain (1970)
    with disaggregated linking constraints ``x_ij ≤ y_j`` (its LP relaxation is usually
    integral, Daskin 2013, ch. 6): minimise Σ_i Σ_j w_i c_ij x_ij with Σ_j x_ij = 1,
    Σ_j y_j = k + |fixed|, y_j = 1 for existing sites. Only reachable pairs carry an
    ``x``; pairs farther than a point's nearest existing site are left out (exact). The
    swap heuristic (:func:`_heuristic.median_swap`) gives HiGHS its start solution.

    With ``capacity`` the capacitated p-median (Mulvey & Beck 1984, *European Journal of
    Operational Research* 18, 339–348) as in spopt's ``PMedian(..., facility_capacities)``:
    each demand point is served by exactly one site (binary ``x``) and
    Σ_i w_i x_ij ≤ C_j y_j; solved by HiGHS without a heuristic start.

    Parameters
    ----------
    cost
        Demand × candidate costs (see the module docstring for unreachable pairs).
    weights
        Demand per row (default 1).
    k
        Number of new sites.
    fixed
        Candidate positions (or a boolean mask) of existing sites; always kept.
    capacity
        Capacity per candidate (capacitated p-median); ``None`` = uncapacitated.
    time_limit
        Seconds for HiGHS; without one it runs until optimality is proven.
    method
        ``"auto"`` (HiGHS, the heuristic alone above :data:`AUTO_HEURISTIC_PAIRS` pairs
        without capacities), ``"highs"`` or ``"heuristik"`` (swap heuristic; bound from
        Lagrangian relaxation and, up to :data:`LP_BOUND_PAIRS` pairs, the LP
        relaxation). ``time_limit`` covers heuristic and solver together (approximately:
        HiGHS checks it between its steps).

    Returns
    -------
    LocationResult
        ``objective`` = Σ w · cost of the assignment.
    """
    started = time.perf_counter()
    pairs = _as_pairs(cost)
    w = _as_weights(weights, pairs.n)
    fix = _as_fixed(fixed, pairs.m)
    k = _as_k(k, pairs.m, fix.size)
    cap = _capacity(capacity, pairs.m)
    limit = _as_time_limit(time_limit)
    method = _as_method(method)
    if k + fix.size == 0:
        raise ParameterError("Ohne bestehende Standorte muss k mindestens 1 sein.")
    _require_reachable(pairs, "p-Median")
    if cap is not None:
        return _capacitated(pairs, w, fix, k, cap, limit, started)
    work = _median_pairs(pairs, fix).sorted_by_cost()
    is_fixed = np.zeros(pairs.m, dtype=bool)
    is_fixed[fix] = True
    baseline, base_assign = math.nan, np.full(pairs.n, -1)
    if fix.size:
        baseline, base_assign = _median_value(pairs, w, is_fixed)
    if k == 0:
        if math.isnan(baseline):
            return _result("p_median", fix, np.zeros(0), math.nan, math.nan, "unzulässig",
                           np.full(pairs.n, -1), baseline, started, "highs")
        return _result("p_median", fix, np.zeros(0), baseline, baseline, "optimal",
                       base_assign, baseline, started, "highs")
    big = heur.unreachable_penalty(work, w)
    deadline = None if limit is None else started + limit
    new = heur.median_local_search(work, w, fix, k, big, deadline=deadline)
    use_heur = method == "heuristik" or (method == "auto" and work.rows.size > AUTO_HEURISTIC_PAIRS)
    if use_heur and not math.isnan(_median_value(work, w, _open_mask(pairs.m, fix, new))[0]):
        return _median_heuristic_result(pairs, work, w, fix, new, limit, baseline, started)
    mip = _median_mip(work, w, fix, k, None)
    status, new, bound = _median_exact(work, w, fix, new, mip, deadline)
    if status == "unzulässig":
        return _result("p_median", fix, np.zeros(0), math.nan, math.nan, "unzulässig",
                       np.full(pairs.n, -1), baseline, started, "highs")
    is_open = is_fixed.copy()
    is_open[new] = True
    objective, assign = _median_value(pairs, w, is_open)
    if not math.isfinite(bound):  # no bound in time: every point at its nearest candidate
        bound = float(np.dot(w, heur.nearest_two(work, np.ones(pairs.m, bool), math.inf)[0]))
    return _result("p_median", fix, new, objective, min(bound, objective), status,
                   assign, baseline, started, "highs")


def _median_exact(
    work: Pairs, w: np.ndarray, fix: np.ndarray, new: np.ndarray, mip: _Mip,
    deadline: float | None,
) -> tuple[str, np.ndarray, float]:
    """Prove optimality from the LP relaxation if possible, else solve the MIP.

    The disaggregated LP relaxation of the p-median is very often integral (ReVelle &
    Swain 1970; Daskin 2013, sect. 6.2); then the LP optimum is a proven lower bound
    reached by an integer solution, i.e. a proof of optimality without branching. The LP
    is solved by pair generation (:func:`_median_lp_generated`). Otherwise HiGHS solves
    the full MIP from the heuristic start with gap 0.
    """
    m = work.m
    lp_status, lp_y, lp_bound = _median_lp_generated(work, w, fix, new, deadline)
    if lp_status == "unzulässig":
        return "unzulässig", new, math.nan
    if lp_y is not None and np.all(np.abs(lp_y - np.round(lp_y)) <= 1e-9):
        lp_new = np.setdiff1d(np.flatnonzero(lp_y > 0.5), fix)
        is_open = np.zeros(m, dtype=bool)
        is_open[fix] = True
        is_open[lp_new] = True
        value, _ = _median_value(work, w, is_open)
        if value <= lp_bound + 1e-9 * max(abs(lp_bound), 1.0):
            return "optimal", lp_new, lp_bound
    mip.start = _median_start(work, fix, new)
    out = _run(mip, _remaining(deadline))
    if out.status == "unzulässig":
        return "unzulässig", new, math.nan
    if out.x is not None:
        new = np.setdiff1d(np.flatnonzero(out.x[:m] > 0.5), fix)
    bound = out.bound
    if math.isfinite(lp_bound):
        bound = max(bound, lp_bound) if math.isfinite(bound) else lp_bound
    return out.status, new, bound


def _median_lp_generated(
    work: Pairs, w: np.ndarray, fix: np.ndarray, new: np.ndarray, deadline: float | None
) -> tuple[str, np.ndarray | None, float]:
    """LP relaxation of the p-median by pair generation, warm-started in one HiGHS model.

    Each demand point i starts with its pairs up to twice its cost in the heuristic
    solution, plus a slack column u_i at cost w_i · D_i, D_i being its nearest left-out
    cost. This restricted LP is a relaxation (moving the far part of any assignment to
    u_i never costs more), so its optimum is a valid lower bound; when no u_i is used its
    solution is feasible for the full LP, hence optimal for it. Points using u_i get their
    next pairs (``addCols``/``addRows``, the basis is kept) until none does — in the
    spirit of the radius formulation of García, Labbé & Marín (2011, *INFORMS J. on
    Computing* 23(4), 546–556). Returns status, the y values (``None`` if not solved)
    and the best proven lower bound.
    """
    n, m = work.n, work.m
    is_open = np.zeros(m, dtype=bool)
    is_open[fix] = True
    is_open[new] = True
    limit = 2.0 * heur.nearest_two(work, is_open, math.inf)[0]
    sub = work.subset(work.vals <= limit[work.rows])
    nxt = _next_cost(work, limit)
    base = _median_mip(sub, w, fix, new.size, None)
    slack_rows = np.flatnonzero(np.isfinite(nxt))
    n_base = base.matrix.shape[1]
    slack = sp.csc_array(
        (np.ones(slack_rows.size), (slack_rows, np.arange(slack_rows.size))),
        shape=(base.matrix.shape[0], slack_rows.size),
    )
    base.matrix = sp.hstack([base.matrix, slack], format="csc")
    base.cost = np.concatenate([base.cost, w[slack_rows] * nxt[slack_rows]])
    base.lower = np.concatenate([base.lower, np.zeros(slack_rows.size)])
    base.upper = np.concatenate([base.upper, np.ones(slack_rows.size)])
    base.integer = np.concatenate([base.integer, np.zeros(slack_rows.size, dtype=bool)])
    slack_col = np.full(n, -1, dtype=np.int64)
    slack_col[slack_rows] = n_base + np.arange(slack_rows.size)
    h = _load(base, relax=True)
    n_col, bound = base.matrix.shape[1], -math.inf
    for _ in range(64):
        out = _solve(h, base, _remaining(deadline), True)
        if out.status != "optimal" or out.x is None:
            return out.status, None, bound
        bound = max(bound, out.objective)
        has = slack_col >= 0
        used = np.flatnonzero(has)[out.x[slack_col[has]] > 1e-9]
        if used.size == 0:
            return "optimal", out.x[:m], bound
        old = limit.copy()
        limit[used] = np.maximum(2.0 * limit[used], nxt[used])
        n_col = _add_pairs(h, work, w, old, limit, used, n_col)
        nxt[used] = _next_cost(work, limit)[used]
        _update_slacks(h, w, used, slack_col, nxt)
    return "zeitlimit", None, bound


def _next_cost(work: Pairs, limit: np.ndarray) -> np.ndarray:
    """Per row the smallest cost above ``limit`` (inf if none)."""
    far = work.vals > limit[work.rows]
    nxt = np.full(work.n, np.inf)
    np.minimum.at(nxt, work.rows[far], work.vals[far])
    return nxt


def _add_pairs(
    h: Any, work: Pairs, w: np.ndarray, old: np.ndarray, limit: np.ndarray,
    used: np.ndarray, n_col: int,
) -> int:
    """Add x columns (in their assignment rows) and linking rows x - y ≤ 0 for new pairs."""
    rows = np.zeros(work.n, dtype=bool)
    rows[used] = True
    lim_old, lim_new = old[work.rows], limit[work.rows]
    add = rows[work.rows] & (work.vals > lim_old) & (work.vals <= lim_new)
    r, c, v = work.rows[add], work.cols[add], work.vals[add]
    count = int(r.size)
    if count == 0:
        return n_col
    h.addCols(count, w[r] * v, np.zeros(count), np.ones(count), count,
              np.arange(count, dtype=np.int32), r.astype(np.int32), np.ones(count))
    new_cols = n_col + np.arange(count)
    idx = np.column_stack([new_cols, c]).reshape(-1).astype(np.int32)
    val = np.tile([1.0, -1.0], count)
    h.addRows(count, np.full(count, -np.inf), np.zeros(count), 2 * count,
              np.arange(0, 2 * count, 2, dtype=np.int32), idx, val)
    return n_col + count


def _update_slacks(
    h: Any, w: np.ndarray, used: np.ndarray, slack_col: np.ndarray, nxt: np.ndarray
) -> None:
    """Raise the slack costs to the new next cost; drop slacks with no pair left."""
    cols = slack_col[used]
    done = ~np.isfinite(nxt[used])
    if done.any():
        gone = cols[done].astype(np.int32)
        h.changeColsBounds(int(gone.size), gone, np.zeros(gone.size), np.zeros(gone.size))
        slack_col[used[done]] = -1
    live = ~done
    if live.any():
        h.changeColsCost(int(live.sum()), cols[live].astype(np.int32),
                         w[used[live]] * nxt[used[live]])


def _median_heuristic_result(
    pairs: Pairs, work: Pairs, w: np.ndarray, fix: np.ndarray, new: np.ndarray,
    limit: float | None, baseline: float, started: float,
) -> LocationResult:
    """The swap heuristic's solution with a proven lower bound and the gap.

    The bound is the best of: every point at its nearest candidate (trivial), the
    Lagrangian bound (:func:`_heuristic.median_lagrangian_bound`, linear per iteration)
    and, up to :data:`LP_BOUND_PAIRS` pairs, the LP relaxation by pair generation. The
    status is ``"optimal"`` only when HiGHS' LP bound reaches the heuristic's objective,
    else ``"zeitlimit"`` (feasible, not proven), whatever the reason.
    """
    is_open = np.zeros(pairs.m, dtype=bool)
    is_open[fix] = True
    is_open[new] = True
    objective, assign = _median_value(pairs, w, is_open)
    deadline = None if limit is None else started + limit
    bound = float(np.dot(w, heur.nearest_two(work, np.ones(pairs.m, bool), math.inf)[0]))
    bound = max(bound, heur.median_lagrangian_bound(work, w, fix, new.size, objective, deadline))
    late = deadline is not None and time.perf_counter() >= deadline
    status = "zeitlimit"  # "optimal" only when HiGHS' LP bound certifies the solution
    if work.rows.size <= LP_BOUND_PAIRS and not late:
        lp_status, _, lp_bound = _median_lp_generated(work, w, fix, new, deadline)
        if lp_status == "optimal" and objective <= lp_bound + 1e-9 * max(abs(lp_bound), 1.0):
            status, bound = "optimal", objective
        bound = max(bound, lp_bound)
    return _result("p_median", fix, new, objective, min(bound, objective), status, assign,
                   baseline, started, "heuristik")


def _capacitated(
    pairs: Pairs, w: np.ndarray, fix: np.ndarray, k: int, cap: np.ndarray,
    limit: float | None, started: float,
) -> LocationResult:
    baseline = math.nan
    if fix.size and k > 0:
        baseline = _capacitated(pairs, w, fix, 0, cap, limit, started).objective
    mip = _median_mip(pairs, w, fix, k, cap)
    out = _run(mip, limit)
    if out.x is None:
        status = out.status if out.status == "unzulässig" else "zeitlimit"
        return _result("p_median", fix, np.zeros(0), math.nan, out.bound, status,
                       np.full(pairs.n, -1), baseline, started, "highs")
    x = out.x[pairs.m:] > 0.5
    assign = np.full(pairs.n, -1, dtype=np.int64)
    assign[pairs.rows[x]] = pairs.cols[x]
    objective = float(np.dot(w[pairs.rows[x]], pairs.vals[x]))
    new = np.setdiff1d(np.flatnonzero(out.x[: pairs.m] > 0.5), fix)
    if k == 0:
        baseline = objective
    return _result("p_median", fix, new, objective, min(out.bound, objective), out.status,
                   assign, baseline, started, "highs")


# -- coverage models: exact reductions --------------------------------------------------------
_DOMINANCE_WORK = 30_000_000  # Σ |N_i|² above which the pairwise dominance test is skipped


def _incidence(pairs: Pairs, max_cost: float) -> sp.csr_array:
    """Binary demand × candidate matrix: 1 where the cost is within ``max_cost``."""
    near = pairs.vals <= max_cost
    return sp.csr_array(
        (np.ones(int(near.sum())), (pairs.rows[near], pairs.cols[near])), shape=(pairs.n, pairs.m)
    )


def _merge_rows(rows: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Group rows with identical coverage sets (exact: hashed, then verified).

    Returns the group of every row and the first row of every group.
    """
    n, m = rows.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(20260101)
    keys = np.column_stack(
        [rows @ rng.random(m), rows @ rng.random(m), np.diff(rows.indptr).astype(float)]
    )
    _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    differs = np.diff((abs(rows - rows[first[inv]])).tocsr().indptr) > 0
    if differs.any():  # a hash collision: such rows keep a group of their own
        inv[differs] = inv.max() + 1 + np.arange(int(differs.sum()))
    _, first, group = np.unique(inv, return_index=True, return_inverse=True)
    return group.reshape(-1), first


def _undominated_cols(block: sp.csr_array) -> np.ndarray:
    """Columns whose coverage set is not contained in another column's (ties: lowest kept).

    Dropping such a column never changes the optimum of the MCLP (with Σ y ≤ k) or the
    LSCP: any solution using it can use the dominating column instead.
    """
    size = np.asarray(block.sum(axis=0)).reshape(-1)
    keep = size > 0
    if float(np.square(np.diff(block.indptr)).sum()) > _DOMINANCE_WORK:
        return np.flatnonzero(keep)
    over = (block.T @ block).tocoo()
    j, jp, o = over.row, over.col, over.data
    dom = (j != jp) & (o == size[j]) & ((size[jp] > size[j]) | ((size[jp] == size[j]) & (jp < j)))
    keep[j[dom]] = False
    return np.flatnonzero(keep)


def _dominating_rows(block: sp.csr_array) -> np.ndarray:
    """Rows to keep in a set cover: a row whose set contains another row's set is implied."""
    size = np.diff(block.indptr)
    if float(np.square(size).sum()) > _DOMINANCE_WORK:
        return np.arange(block.shape[0])
    over = (block @ block.T).tocoo()
    i, ip, o = over.row, over.col, over.data
    implied = (i != ip) & (o == size[ip]) & (size[i] > size[ip])
    keep = np.ones(block.shape[0], dtype=bool)
    keep[i[implied]] = False
    return np.flatnonzero(keep)


@dataclass
class _Cover:
    status: str
    chosen: np.ndarray  # column positions of the input block
    bound: float


def _cover_mip(block: sp.csc_array, start: np.ndarray) -> _Mip:
    """LSCP (Toregas et al. 1971): min Σ y_j subject to Σ_{j ∈ N_i} y_j ≥ 1."""
    g, c = block.shape
    x0 = np.zeros(c)
    x0[start] = 1.0
    return _Mip(
        cost=np.ones(c), lower=np.zeros(c), upper=np.ones(c), integer=np.ones(c, dtype=bool),
        matrix=sp.csc_array(block), row_lower=np.ones(g), row_upper=np.full(g, np.inf),
        start=x0,
    )


def _set_cover(block: sp.csr_array, deadline: float | None, target: int | None = None) -> _Cover:
    """Minimum set cover of all rows of ``block`` (each row has at least one entry).

    Exact reductions first (identical rows merged, implied rows and dominated columns
    dropped, repeated until nothing changes), greedy start, then HiGHS. With ``target``
    the search stops as soon as a cover with at most ``target`` columns is known.
    """
    cols = np.arange(block.shape[1])
    for _ in range(6):
        before = block.shape
        _, first = _merge_rows(block)
        block = block[first]
        block = block[_dominating_rows(block)]
        kept = _undominated_cols(block)
        block, cols = block[:, kept], cols[kept]
        if block.shape == before:
            break
    if block.shape[0] == 0:
        return _Cover("optimal", np.zeros(0, dtype=np.int64), 0.0)
    csc = sp.csc_array(block)
    greedy = heur.set_cover_greedy(csc)
    if target is not None and greedy.size <= target:
        return _Cover("zeitlimit", cols[greedy], -math.inf)  # feasible for the target
    out = _run(_cover_mip(csc, greedy), _remaining(deadline))
    if out.status == "unzulässig":
        return _Cover("unzulässig", np.zeros(0, dtype=np.int64), math.nan)
    chosen = greedy if out.x is None else np.flatnonzero(out.x > 0.5)
    bound = out.bound if math.isfinite(out.bound) else 1.0
    return _Cover(out.status, cols[chosen], bound)


def _nearest_within(pairs: Pairs, is_open: np.ndarray, max_cost: float) -> np.ndarray:
    return heur.nearest_two(pairs.subset(pairs.vals <= max_cost), is_open, math.inf)[2]


def _pad(new: np.ndarray, fixed: np.ndarray, m: int, k: int) -> np.ndarray:
    """Fill ``new`` up to ``k`` sites with the lowest free positions (no effect on the optimum)."""
    if new.size >= k:
        return np.sort(new)
    taken = np.zeros(m, dtype=bool)
    taken[fixed] = True
    taken[new] = True
    return np.sort(np.concatenate([new, np.flatnonzero(~taken)[: k - new.size]]))


# -- LSCP -----------------------------------------------------------------------------------
def lscp(
    cost: Any, *, max_cost: float, fixed: Any = None, time_limit: float | None = None
) -> LocationResult:
    """Fewest sites such that every demand point has one within ``max_cost`` (LSCP).

    Location set covering problem (Toregas et al. 1971): minimise Σ_j y_j subject to
    Σ_{j: c_ij ≤ max_cost} y_j ≥ 1 for every demand point, y_j = 1 for existing sites.
    Points already covered by existing sites are dropped, identical coverage sets merged,
    implied rows and dominated candidates removed (exact reductions) before HiGHS solves
    the rest from a greedy start (Chvátal 1979).

    Returns
    -------
    LocationResult
        ``objective`` = number of sites, existing ones included (as spopt counts).
    """
    started = time.perf_counter()
    pairs = _as_pairs(cost)
    fix = _as_fixed(fixed, pairs.m)
    r = _as_max_cost(max_cost)
    limit = _as_time_limit(time_limit)
    deadline = None if limit is None else started + limit
    inc = _incidence(pairs, r)
    covered = np.asarray(inc[:, fix].sum(axis=1)).reshape(-1) > 0
    baseline = float(fix.size) if fix.size and covered.all() else math.nan
    free = np.setdiff1d(np.arange(pairs.m), fix)
    block = inc[np.flatnonzero(~covered)][:, free]
    lonely = np.flatnonzero(~covered)[np.diff(block.indptr) == 0]
    if lonely.size:
        raise ParameterError(
            f"{lonely.size} Nachfragepunkt(e) haben keinen Kandidaten innerhalb von "
            f"max_cost = {r:g}, z. B. die Zeilen {lonely[:10].tolist()} (0-basiert); "
            "eine vollständige Überdeckung ist so unmöglich."
        )
    cover = _set_cover(block, deadline)
    if cover.status == "unzulässig":
        return _result("lscp", fix, np.zeros(0), math.nan, math.nan, "unzulässig",
                       np.full(pairs.n, -1), baseline, started, "highs")
    new = free[cover.chosen]
    is_open = np.zeros(pairs.m, dtype=bool)
    is_open[fix] = True
    is_open[new] = True
    objective = float(fix.size + new.size)
    return _result("lscp", fix, new, objective, fix.size + cover.bound, cover.status,
                   _nearest_within(pairs, is_open, r), baseline, started, "highs")


# -- MCLP -----------------------------------------------------------------------------------
def _mclp_mip(
    block: sp.csc_array, weights: np.ndarray, k: int, start: np.ndarray, base: float
) -> _Mip:
    """MCLP (Church & ReVelle 1974): max Σ w_i z_i, z_i ≤ Σ_{j ∈ N_i} y_j, Σ y_j ≤ k.

    Columns: y per candidate (binary), then z per demand group (continuous in [0, 1];
    integral at the optimum because its only upper bounds are integral sums of y).
    """
    g, c = block.shape
    coo = block.tocoo()
    rows = np.concatenate([coo.row, np.arange(g), np.full(c, g)])
    cols = np.concatenate([coo.col, c + np.arange(g), np.arange(c)])
    vals = np.concatenate([-np.ones(coo.nnz), np.ones(g), np.ones(c)])
    x0 = np.zeros(c + g)
    x0[start] = 1.0
    x0[c:] = np.minimum(block[:, start].sum(axis=1), 1.0)
    return _Mip(
        cost=np.concatenate([np.zeros(c), weights]), lower=np.zeros(c + g),
        upper=np.ones(c + g), integer=np.arange(c + g) < c,
        matrix=_matrix(rows, cols, vals, (g + 1, c + g)),
        row_lower=np.full(g + 1, -np.inf), row_upper=np.concatenate([np.zeros(g), [k]]),
        maximize=True, offset=base, start=x0,
        # with a good start, reduced-cost fixing makes HiGHS restart and redo its root
        # work; without the restart the seeded benchmark instances solve 1.5–4× faster
        options={"mip_allow_restart": False},
    )


def mclp(
    cost: Any,
    weights: Any,
    *,
    k: int,
    max_cost: float,
    fixed: Any = None,
    time_limit: float | None = None,
    method: str = "auto",
) -> LocationResult:
    """Open ``k`` new sites covering as much demand as possible within ``max_cost`` (MCLP).

    Maximal covering location problem (Church & ReVelle 1974). Exact reductions before
    HiGHS: demand already covered by existing sites is counted and dropped, demand points
    with identical coverage sets are merged (weights summed), candidates whose coverage
    set lies inside another's are dropped. Greedy start and swap improvement
    (:func:`_heuristic.cover_swap`) give the warm start.

    Parameters
    ----------
    cost, weights, k, fixed, time_limit, method
        As for :func:`p_median` (``weights`` may be ``None`` for 1 per point).
    max_cost
        A point counts as covered when an open site is within this cost (``≤``).

    Returns
    -------
    LocationResult
        ``objective`` = covered demand (Σ weights of covered points).
    """
    started = time.perf_counter()
    pairs = _as_pairs(cost)
    w = _as_weights(weights, pairs.n)
    fix = _as_fixed(fixed, pairs.m)
    k = _as_k(k, pairs.m, fix.size)
    r = _as_max_cost(max_cost)
    limit = _as_time_limit(time_limit)
    method = _as_method(method)
    deadline = None if limit is None else started + limit
    inc = _incidence(pairs, r)
    covered = np.asarray(inc[:, fix].sum(axis=1)).reshape(-1) > 0
    base = float(w[covered].sum())
    baseline = base if fix.size else math.nan
    free = np.setdiff1d(np.arange(pairs.m), fix)
    open_rows = np.flatnonzero(~covered & (w > 0))
    block = inc[open_rows][:, free]
    has = np.diff(block.indptr) > 0
    block, open_rows = block[has], open_rows[has]
    group, first = _merge_rows(block)
    gw = np.bincount(group, weights=w[open_rows], minlength=first.size)
    block = block[first]
    kept = _undominated_cols(block)
    block = sp.csc_array(block[:, kept])
    status, bound, chosen, used = "optimal", base, np.zeros(0, dtype=np.int64), "highs"
    if k > 0 and block.shape[0] > 0 and kept.size > 0:
        kk = min(k, kept.size)
        start = heur.cover_local_search(block, gw, kk, deadline=deadline)
        mip = _mclp_mip(block, gw, kk, start, base)
        heuristic = method == "heuristik" or (
            method == "auto" and pairs.rows.size > AUTO_HEURISTIC_PAIRS
        )
        out = _run(mip, _remaining(deadline), relax=heuristic)
        if heuristic:
            used, chosen = "heuristik", start
            value = base + float(gw[np.asarray(block[:, start].sum(axis=1)).reshape(-1) > 0].sum())
            bound = out.objective if out.status == "optimal" else base + float(gw.sum())
            status = "optimal" if _gap(value, bound) <= 1e-12 else "zeitlimit"
        else:
            chosen = start if out.x is None else np.flatnonzero(out.x[: kept.size] > 0.5)
            status, bound = out.status, out.bound
            if not math.isfinite(bound):
                bound = base + float(gw.sum())
    new = _pad(free[kept[chosen]], fix, pairs.m, k)
    is_open = np.zeros(pairs.m, dtype=bool)
    is_open[fix] = True
    is_open[new] = True
    assign = _nearest_within(pairs, is_open, r)
    objective = float(w[assign >= 0].sum())
    return _result("mclp", fix, new, objective, max(bound, objective), status, assign,
                   baseline, started, used)


# -- p-center -------------------------------------------------------------------------------
def p_center(
    cost: Any,
    weights: Any = None,
    *,
    k: int,
    fixed: Any = None,
    time_limit: float | None = None,
) -> LocationResult:
    """Open ``k`` new sites minimising the largest (weighted) cost of any demand point.

    The vertex p-center problem (Hakimi 1965; Daskin 2013, ch. 5), solved exactly as a
    binary search over the sorted distinct values of w_i · c_ij: a radius is feasible
    when the set cover (LSCP, :func:`lscp`) of the points not served by existing sites
    needs at most ``k`` new sites, and the optimum is the smallest feasible radius
    (Minieka 1970; Daskin 2013, sect. 5.2). Each cover is either found by the greedy
    start or solved to proven optimality by HiGHS, so the returned radius is proven
    optimal; after a time limit the best radius found and the largest radius proven
    infeasible bound the optimum.

    Returns
    -------
    LocationResult
        ``objective`` = max_i w_i · (cost to the nearest open site).
    """
    started = time.perf_counter()
    pairs = _as_pairs(cost)
    w = _as_weights(weights, pairs.n)
    fix = _as_fixed(fixed, pairs.m)
    k = _as_k(k, pairs.m, fix.size)
    limit = _as_time_limit(time_limit)
    deadline = None if limit is None else started + limit
    if k + fix.size == 0:
        raise ParameterError("Ohne bestehende Standorte muss k mindestens 1 sein.")
    _require_reachable(pairs, "p-Center")
    wp = Pairs(pairs.n, pairs.m, pairs.rows, pairs.cols, w[pairs.rows] * pairs.vals)
    wp = wp.sorted_by_cost()
    is_fixed = np.zeros(pairs.m, dtype=bool)
    is_fixed[fix] = True
    baseline = _center_value(wp, is_fixed)
    if k == 0:
        status = "unzulässig" if math.isnan(baseline) else "optimal"
        return _result("p_center", fix, np.zeros(0), baseline, baseline, status,
                       heur.nearest_two(pairs, is_fixed, math.inf)[2], baseline, started, "highs")
    best = _center_start(wp, fix, k, deadline)
    status, lo_value, best = _center_search(wp, fix, k, best, deadline)
    if status == "unzulässig":
        return _result("p_center", fix, np.zeros(0), math.nan, math.nan, status,
                       np.full(pairs.n, -1), baseline, started, "highs")
    is_open = is_fixed.copy()
    is_open[best] = True
    objective = _center_value(wp, is_open)
    return _result("p_center", fix, best, objective, min(lo_value, objective), status,
                   heur.nearest_two(pairs, is_open, math.inf)[2], baseline, started, "highs")


def _center_value(wp: Pairs, is_open: np.ndarray) -> float:
    if not is_open.any():
        return math.nan
    d1, _, f1 = heur.nearest_two(wp, is_open, math.inf)
    return math.nan if (f1 < 0).any() else float(d1.max()) if d1.size else 0.0


def _center_start(wp: Pairs, fix: np.ndarray, k: int, deadline: float | None) -> np.ndarray:
    """A start: the p-median swap heuristic on the weighted costs (small radius sum)."""
    ones = np.ones(wp.n)
    big = heur.unreachable_penalty(wp, ones)
    start = heur.median_greedy(wp, ones, fix, k, big)
    return heur.median_swap(wp, ones, fix, start, big, deadline)


def _radius_test(
    wp: Pairs, fix: np.ndarray, free: np.ndarray, k: int, radius: float,
    deadline: float | None,
) -> tuple[str, np.ndarray]:
    """Can ``k`` new sites bring every point within ``radius``? ("ja", "nein", "offen")."""
    inc = _incidence(wp, radius)
    covered = np.asarray(inc[:, fix].sum(axis=1)).reshape(-1) > 0
    block = inc[np.flatnonzero(~covered)][:, free]
    if (np.diff(block.indptr) == 0).any():
        return "nein", np.zeros(0, dtype=np.int64)
    cover = _set_cover(block, deadline, target=k)
    if cover.status != "unzulässig" and cover.chosen.size <= k:
        return "ja", _pad(free[cover.chosen], fix, wp.m, k)
    if cover.status in ("optimal", "unzulässig") or cover.bound > k:
        return "nein", np.zeros(0, dtype=np.int64)
    return "offen", np.zeros(0, dtype=np.int64)


def _center_search(
    wp: Pairs, fix: np.ndarray, k: int, best: np.ndarray, deadline: float | None
) -> tuple[str, float, np.ndarray]:
    """Binary search over the candidate radii; returns status, proven lower bound, sites."""
    free = np.setdiff1d(np.arange(wp.m), fix)
    is_open = np.zeros(wp.m, dtype=bool)
    is_open[fix] = True
    is_open[best] = True
    upper = _center_value(wp, is_open)
    # every point needs some site: the radius is at least each point's nearest candidate
    nearest = heur.nearest_two(wp, np.ones(wp.m, dtype=bool), math.inf)[0]
    lower = float(nearest.max()) if nearest.size else 0.0
    if not math.isfinite(upper):  # the start misses points (sparse costs): test the largest
        upper = float(wp.vals.max())
        answer, best = _radius_test(wp, fix, free, k, upper, deadline)
        if answer != "ja":
            return ("unzulässig" if answer == "nein" else "zeitlimit"), lower, best
    radii = np.unique(wp.vals)
    radii = radii[(radii >= lower) & (radii <= upper)]
    lo, hi = 0, radii.size - 1
    while lo < hi:
        mid = (lo + hi) // 2
        answer, sites = _radius_test(wp, fix, free, k, float(radii[mid]), deadline)
        if answer == "ja":
            hi, best = mid, sites
        elif answer == "nein":
            lo = mid + 1
        if answer == "offen" or (deadline is not None and time.perf_counter() >= deadline
                                 and lo < hi):
            return "zeitlimit", float(radii[lo]), best
    return "optimal", float(radii[lo]) if radii.size else upper, best
