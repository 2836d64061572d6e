"""Sharing the cost of a joint facility between municipalities: keys and cost games.

Practice knows *keys*: by inhabitants, by use (e.g. music-school teaching hours by the
pupils' residence, as Zweckverbände split their deficit), by fiscal capacity with one rate
for all (Saxony's Kulturumlage on the members' Umlagegrundlagen,
:func:`kulturumlage`), or by benefit weighted with accessibility. Proportional keys can
charge a member more than it would pay on its own (Young, Okada & Hashimoto 1982); the
allocations of cooperative game theory avoid that when possible:

* :func:`shapley` — the Shapley value (Shapley 1953): each member's average marginal
  cost over all orders of joining. Exact by enumerating the ``2^n`` coalitions with
  bitmasks (vectorised) up to :data:`EXACT_MAX` members, beyond by sampling orders
  (Castro, Gómez & Tejada 2009) with a stated standard error.
* :func:`nucleolus` — the nucleolus (Schmeidler 1969): lexicographically maximises the
  smallest saving of every coalition; by sequential linear programmes (Kohlberg 1971;
  Maschler, Peleg & Shapley 1979) solved with HiGHS (``highspy``). It lies in the core
  whenever the core is non-empty.
* :func:`airport` — the airport rule (Littlechild & Owen 1973): each segment of a
  facility is shared equally by the members that need it; it equals the Shapley value of
  the airport game ``c(S) = max_{i in S} c_i``.
* :func:`core_violations` — every coalition that would be better off alone under an
  allocation (the core check).

A cost game ``cost`` maps ``frozenset`` of members → cost, or is a function of such a
set; :func:`cost_vector` turns either into an array indexed by bitmask.

References
----------
Shapley, L. S. (1953). A value for n-person games. *Contributions to the Theory of Games*
II, 307–317. — Schmeidler, D. (1969). The nucleolus of a characteristic function game.
*SIAM J. Appl. Math.* 17, 1163–1170. — Kohlberg, E. (1971). On the nucleolus of a
characteristic function game. *SIAM J. Appl. Math.* 20, 62–66. — Littlechild, S. C. &
Owen, G. (1973). A simple expression for the Shapley value in a special case. *Management
Science* 20, 370–372. — Maschler, M., Peleg, B. & Shapley, L. S. (1979). Geometric
properties of the kernel, nucleolus, and related solution concepts. *Math. Oper. Res.* 4,
303–338. — Young, H. P., Okada, N. & Hashimoto, T. (1982). Cost allocation in water
resources development. *Water Resources Research* 18, 463–475. — Castro, J., Gómez, D. &
Tejada, J. (2009). Polynomial calculation of the Shapley value based on sampling.
*Computers & Operations Research* 36, 1726–1730.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kulturplan._format import format_number
from kulturplan.errors import ParameterError

CostGame = Mapping[frozenset, float] | Callable[[frozenset], float] | np.ndarray
"""A cost function over coalitions: mapping ``frozenset`` → cost, a callable of a
``frozenset``, or the cost vector itself (length ``2^n``, indexed by bitmask, see
:func:`cost_vector`)."""

EXACT_MAX = 20
"""Largest number of members for which :func:`shapley` enumerates all coalitions."""

NUCLEOLUS_MAX = 16
"""Largest number of members for :func:`nucleolus` (its LPs have ``2^n`` rows)."""

TOLERANCE = 1e-7
"""Absolute tolerance (in cost units) of the core check and of the LPs' tight rows."""


# --------------------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------------------
def proportional(total: float, weights: pd.Series) -> pd.Series:
    """Split ``total`` in proportion to ``weights`` (a key: inhabitants, hours, …).

    Raises
    ------
    kulturplan.errors.ParameterError
        If a weight is negative or missing, or all weights are zero.
    """
    w = pd.Series(weights, dtype=float)
    if w.isna().any() or (w < 0).any():
        bad = ", ".join(map(str, w.index[w.isna() | (w < 0)]))
        raise ParameterError(f"Die Schlüsselwerte müssen Zahlen ≥ 0 sein; ungültig für: {bad}.")
    if w.sum() <= 0:
        raise ParameterError("Die Schlüsselwerte sind alle 0; so lässt sich nichts aufteilen.")
    return float(total) * w / w.sum()


def by_inhabitants(total: float, population: pd.Series) -> pd.Series:
    """Split ``total`` by inhabitants (the simplest key)."""
    return proportional(total, population)


def by_usage(total: float, usage: pd.Series) -> pd.Series:
    """Split ``total`` by use from each member: pupils, teaching hours or visits by residence.

    Music-school Zweckverbände split their deficit this way (hours of the pupils living in
    each member municipality).
    """
    return proportional(total, usage)


def by_benefit(total: float, population: pd.Series, accessibility: pd.Series) -> pd.Series:
    """Split ``total`` by benefit: inhabitants weighted by how well they reach the facility.

    Parameters
    ----------
    population
        Inhabitants per member.
    accessibility
        Reachability of the facility per member between 0 and 1, e.g. a distance-decay
        weight of the travel time (:mod:`kulturplan.access`, Hansen 1959) or the share of
        inhabitants within a catchment (:func:`kulturplan.demand.population_beyond`).
    """
    acc = pd.Series(accessibility, dtype=float).reindex(population.index)
    return proportional(total, population.astype(float) * acc)


class Umlage(NamedTuple):
    """Result of :func:`kulturumlage`: one ``rate`` and the ``amounts`` per member.

    ``bases`` are the Umlagegrundlagen after deducting member cities from their Kreis.
    """

    rate: float
    amounts: pd.Series
    bases: pd.Series


def kulturumlage(
    required: float, bases: pd.Series, *, city_members: Mapping[Hashable, Hashable] | None = None
) -> Umlage:
    """One levy rate on every member's fiscal capacity, as the Saxon Kulturumlage.

    In a Saxon Kulturraum the Landkreise and (some) member cities pay the same rate
    (Hebesatz) on their Umlagegrundlagen; a city that is a member in its own right has its
    bases deducted from its Landkreis's, so nothing is counted twice (SächsKRG §6).

    Parameters
    ----------
    required
        Amount the levy has to raise (EUR).
    bases
        Umlagegrundlagen (fiscal capacity, EUR) per member.
    city_members
        Member city → the member Landkreis whose bases include it.

    Returns
    -------
    Umlage
        ``rate`` (share of the bases), ``amounts`` (= rate × bases, summing to
        ``required``) and the deducted ``bases``.

    Raises
    ------
    kulturplan.errors.ParameterError
        If a city's Kreis is not a member, or a Kreis would keep negative bases.
    """
    b = pd.Series(bases, dtype=float).copy()
    for city, kreis in (city_members or {}).items():
        if city not in b.index or kreis not in b.index:
            raise ParameterError(
                f"Mitgliedsstadt „{city}“ oder ihr Kreis „{kreis}“ fehlt in den "
                "Umlagegrundlagen."
            )
        b[kreis] -= b[city]
    if (b < 0).any():
        raise ParameterError(
            "Nach Abzug der Mitgliedsstädte blieben negative Umlagegrundlagen für: "
            + ", ".join(map(str, b.index[b < 0])) + "."
        )
    if b.sum() <= 0:
        raise ParameterError("Die Umlagegrundlagen sind zusammen 0.")
    rate = float(required) / float(b.sum())
    return Umlage(rate, rate * b, b)


# --------------------------------------------------------------------------------------
# cost games
# --------------------------------------------------------------------------------------
def _members_of(cost: CostGame, members: Sequence[Hashable] | None) -> list[Hashable]:
    if members is not None:
        out = list(members)
    elif isinstance(cost, np.ndarray):
        out = list(range(int(round(math.log2(len(cost))))))
    elif isinstance(cost, Mapping):
        grand = max(cost, key=len) if cost else frozenset()
        out = sorted(grand, key=str)
    else:
        raise ParameterError("Bei einer Kostenfunktion müssen die Mitglieder angegeben werden.")
    if len(set(out)) != len(out) or not out:
        raise ParameterError("Die Mitglieder müssen verschieden sein (mindestens eines).")
    return out


def cost_vector(cost: CostGame, members: Sequence[Hashable]) -> np.ndarray:
    """Costs of all ``2^n`` coalitions, indexed by bitmask (bit ``i`` = ``members[i]``).

    ``c[0] = 0`` (the empty coalition).

    Raises
    ------
    kulturplan.errors.ParameterError
        If a mapping lacks a coalition's cost.
    """
    n = len(members)
    if n > 30:
        raise ParameterError(f"{n} Mitglieder: alle Koalitionen aufzuzählen ist zu groß.")
    if isinstance(cost, np.ndarray):
        if len(cost) != 1 << n:
            raise ParameterError(
                f"Der Kostenvektor hat {len(cost)} Einträge; für {n} Mitglieder werden "
                f"{1 << n} erwartet (eine Zahl je Koalition)."
            )
        return np.asarray(cost, dtype=float)
    c = np.zeros(1 << n)
    if isinstance(cost, Mapping):
        missing = []
        for mask in range(1, 1 << n):
            key = frozenset(members[i] for i in range(n) if mask >> i & 1)
            if key in cost:
                c[mask] = float(cost[key])
            else:
                missing.append(key)
        if missing:
            shown = "; ".join("{" + ", ".join(map(str, sorted(m, key=str))) + "}"
                              for m in missing[:5])
            raise ParameterError(
                f"Für {len(missing)} Koalitionen fehlen die Kosten, z. B. {shown}."
            )
        return c
    for mask in range(1, 1 << n):
        c[mask] = float(cost(frozenset(members[i] for i in range(n) if mask >> i & 1)))
    return c


def _popcount(masks: np.ndarray) -> np.ndarray:
    """Number of members of each bitmask (vectorised over masks, one pass per bit)."""
    bits = int(masks.max()).bit_length() if len(masks) else 0
    size = np.zeros(len(masks), dtype=np.int64)
    for i in range(bits):
        size += (masks >> i) & 1
    return size


def shapley_exact(c: np.ndarray) -> np.ndarray:
    """Shapley value of the cost vector ``c`` (length ``2^n``, by bitmask).

    ``phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! · (c(S ∪ i) − c(S))``,
    vectorised over all coalitions for each member.
    """
    n = int(round(math.log2(len(c))))
    masks = np.arange(1 << n, dtype=np.int64)
    size = _popcount(masks).astype(np.int64)
    fact = np.array([math.factorial(k) for k in range(n + 1)], dtype=float)
    weight = fact[: n] * fact[n - 1:: -1] / fact[n]  # by |S| = 0 … n-1
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i & 1) == 0]
        phi[i] = np.dot(weight[size[without]], c[without | (1 << i)] - c[without])
    return phi


def shapley(
    cost: CostGame,
    members: Sequence[Hashable] | None = None,
    *,
    samples: int = 20_000,
    seed: int = 0,
) -> pd.Series:
    """Shapley value of a cost game: each member's average marginal cost.

    Parameters
    ----------
    cost
        Mapping ``frozenset`` → cost, or a function of a ``frozenset``.
    members
        Member order (default: the largest coalition of the mapping, sorted).
    samples
        Beyond :data:`EXACT_MAX` members: number of random orders (Castro et al. 2009).
    seed
        Seed of the sampling.

    Returns
    -------
    pandas.Series
        Share per member, summing to ``c(N)``. Exact up to :data:`EXACT_MAX` members;
        beyond, ``attrs["standard_error"]`` (Series) holds the standard error of each
        share and ``attrs["method"]`` says how it was computed.
    """
    mem = _members_of(cost, members)
    n = len(mem)
    if n <= EXACT_MAX:
        phi = pd.Series(shapley_exact(cost_vector(cost, mem)), index=mem, name="shapley")
        phi.attrs["method"] = "exakt (alle Koalitionen)"
        return phi
    return _shapley_sampled(cost, mem, samples, seed)


def _shapley_sampled(cost: CostGame, mem: list[Hashable], samples: int, seed: int) -> pd.Series:
    """Permutation sampling; the last member of each order absorbs rounding, so sums hold."""
    rng = np.random.default_rng(seed)
    n = len(mem)
    if isinstance(cost, np.ndarray):
        raise ParameterError("Ein Kostenvektor für mehr als 20 Mitglieder ist zu groß.")

    def get(s: frozenset) -> float:
        return float(cost[s]) if isinstance(cost, Mapping) else float(cost(s))

    total = np.zeros(n)
    square = np.zeros(n)
    cache: dict[frozenset, float] = {}
    for _ in range(int(samples)):
        order = rng.permutation(n)
        coalition: frozenset = frozenset()
        before = 0.0
        for i in order:
            coalition = coalition | {mem[i]}
            now = cache.get(coalition)
            if now is None:
                now = cache[coalition] = get(coalition)
            total[i] += now - before
            square[i] += (now - before) ** 2
            before = now
    mean = total / samples
    var = np.maximum(square / samples - mean**2, 0.0)
    phi = pd.Series(mean, index=mem, name="shapley")
    phi.attrs["standard_error"] = pd.Series(np.sqrt(var / samples), index=mem)
    phi.attrs["method"] = (
        f"Stichprobe von {format_number(samples)} Beitrittsreihenfolgen (Castro et al. 2009); "
        f"größter Standardfehler {format_number(float(np.sqrt(var / samples).max()), 2)}"
    )
    return phi


def shared_facility_game(
    usage: pd.Series,
    *,
    fixed: float,
    per_unit: float,
    exponent: float = 1.0,
    per_member: float = 0.0,
) -> np.ndarray:
    """Cost vector of a facility shared by a coalition: ``c(S) = F + a·U_S^e + b·(|S| − 1)``.

    ``U_S`` is the use of the coalition's members (e.g. teaching hours of a music school),
    ``F`` the fixed cost of running one facility (management, building), ``a·U^e`` the
    cost of the teaching (``e < 1``: economies of scale), ``b`` the extra cost of each
    further member (a branch, travel). Each member alone runs its own facility. Computed
    for all ``2^n`` coalitions at once (vectorised over bitmasks).
    """
    u = pd.Series(usage, dtype=float).to_numpy()
    n = len(u)
    masks = np.arange(1 << n)
    total = np.zeros(1 << n)
    for i in range(n):
        total += ((masks >> i) & 1) * u[i]
    size = _popcount(masks)
    c = fixed + per_unit * total**exponent + per_member * np.maximum(size - 1, 0)
    c[0] = 0.0
    return c


def airport(stand_alone_costs: pd.Series) -> pd.Series:
    """Airport rule (Littlechild & Owen 1973): shared segments split among those who need them.

    Members sorted by stand-alone cost ``c_(1) ≤ … ≤ c_(n)``: the first segment ``c_(1)`` is
    split by all ``n``, the next ``c_(2) − c_(1)`` by the ``n − 1`` who need more, and so
    on. Equals the Shapley value of the game ``c(S) = max_{i in S} c_i``.
    """
    s = pd.Series(stand_alone_costs, dtype=float)
    if s.isna().any() or (s < 0).any():
        raise ParameterError("Die Einzelkosten müssen Zahlen ≥ 0 sein.")
    order = np.argsort(s.to_numpy(), kind="stable")
    sorted_c = s.to_numpy()[order]
    n = len(s)
    steps = np.diff(np.concatenate([[0.0], sorted_c]))
    per = np.cumsum(steps / (n - np.arange(n)))
    out = np.empty(n)
    out[order] = per
    return pd.Series(out, index=s.index, name="airport")


def airport_game(stand_alone_costs: pd.Series) -> Callable[[frozenset], float]:
    """The airport cost game ``c(S) = max_{i in S} c_i`` (for checks and comparisons)."""
    s = pd.Series(stand_alone_costs, dtype=float)
    return lambda coalition: float(s[list(coalition)].max()) if coalition else 0.0


# --------------------------------------------------------------------------------------
# core and nucleolus
# --------------------------------------------------------------------------------------
def _membership(n: int) -> np.ndarray:
    """``(2^n, n)`` 0/1 matrix: row ``mask`` marks the members of that coalition."""
    masks = np.arange(1 << n)
    return ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)


def core_violations(
    cost: CostGame,
    allocation: pd.Series,
    *,
    tolerance: float = TOLERANCE,
) -> pd.DataFrame:
    """Coalitions that would be better off alone under ``allocation`` (the core check).

    Returns
    -------
    pandas.DataFrame
        One row per coalition ``S`` (not the grand coalition) with ``x(S) > c(S)``:
        ``members`` (tuple), ``alone`` (``c(S)``), ``pays`` (``x(S)``) and ``saving``
        (``x(S) − c(S)``), largest saving first. Empty when the allocation is in the core.
    """
    mem = list(allocation.index)
    n = len(mem)
    c = cost_vector(cost, mem)
    pays = _membership(n) @ allocation.to_numpy(dtype=float)
    masks = np.arange(1 << n)
    bad = (pays > c + tolerance) & (masks > 0) & (masks < (1 << n) - 1)
    rows = masks[bad]
    frame = pd.DataFrame({
        "members": [tuple(mem[i] for i in range(n) if m >> i & 1) for m in rows],
        "alone": c[rows],
        "pays": pays[rows],
        "saving": pays[rows] - c[rows],
    })
    return frame.sort_values("saving", ascending=False, kind="stable").reset_index(drop=True)


def _quiet_highs() -> Any:
    """A HiGHS instance that prints nothing (library code never prints).

    ``highspy.Highs()`` (1.16) prints its banner when it enables its Python callbacks,
    before any option can be set; the core solver class it wraps does not, and offers the
    same LP interface (``passModel``, ``run``, ``getSolution``). Older highspy versions
    without it fall back to ``Highs``.
    """
    import highspy

    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _solve(lp_cost: np.ndarray, a: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           col_lower: np.ndarray, col_upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Minimise ``lp_cost · x`` s.t. ``lower ≤ A x ≤ upper`` with HiGHS; primal, duals, value.

    Raises
    ------
    kulturplan.errors.ParameterError
        If HiGHS does not prove the LP optimal (e.g. an empty imputation set).
    """
    import highspy

    h = _quiet_highs()
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = lp_cost.astype(np.double)
    lp.col_lower_ = col_lower.astype(np.double)
    lp.col_upper_ = col_upper.astype(np.double)
    lp.row_lower_ = lower.astype(np.double)
    lp.row_upper_ = upper.astype(np.double)
    rows, cols = np.nonzero(a)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=a.shape[0]))])
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = a[rows, cols].astype(np.double)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise ParameterError(
            "Das lineare Programm des Nukleolus hat keine bewiesene Optimallösung "
            f"({h.modelStatusToString(h.getModelStatus())}); sind die Kosten c(N) größer als "
            "die Summe der Einzelkosten?"
        )
    sol = h.getSolution()
    return (np.asarray(sol.col_value), np.asarray(sol.row_dual),
            float(h.getInfo().objective_function_value))


def _in_span(vectors: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Which rows of ``vectors`` lie in the row space of ``basis`` (least squares)."""
    if len(basis) == 0:
        return np.zeros(len(vectors), dtype=bool)
    coef, *_ = np.linalg.lstsq(basis.T, vectors.T, rcond=None)
    return np.abs(basis.T @ coef - vectors.T).max(axis=0) < 1e-9


def nucleolus(cost: CostGame, members: Sequence[Hashable] | None = None) -> pd.Series:
    """Nucleolus of a cost game by sequential LPs (Kohlberg 1971; Maschler et al. 1979).

    Among the imputations (``x(N) = c(N)``, ``x_i ≤ c({i})``) it maximises the smallest
    saving ``c(S) − x(S)`` of any coalition, then the next smallest, and so on. Each LP
    ``max t  s.t. x(S) + t ≤ c(S)`` (free coalitions), ``x(S) = c(S) − t_S`` (fixed) is
    solved with HiGHS; coalitions with a positive dual are tight in every optimum and
    become fixed, as does every coalition whose members' vector is spanned by the fixed
    ones, so at most ``n`` LPs are needed.

    Returns
    -------
    pandas.Series
        Share per member, summing to ``c(N)``; in the core whenever the core is non-empty.

    Raises
    ------
    kulturplan.errors.ParameterError
        For more than :data:`NUCLEOLUS_MAX` members, or when ``c(N)`` exceeds the sum of
        the stand-alone costs (no imputation).
    """
    mem = _members_of(cost, members)
    n = len(mem)
    if n > NUCLEOLUS_MAX:
        raise ParameterError(
            f"Der Nukleolus wird für höchstens {NUCLEOLUS_MAX} Mitglieder berechnet "
            f"(hier {n}); bitte den Shapley-Wert verwenden."
        )
    c = cost_vector(cost, mem)
    full = (1 << n) - 1
    if n == 1:
        return pd.Series([c[full]], index=mem, name="nucleolus")
    member_of = _membership(n)
    proper = np.arange(1, full)
    free = np.ones(len(proper), dtype=bool)
    fixed_rows: list[int] = []
    fixed_value: dict[int, float] = {}
    x = np.zeros(n)
    singles = c[1 << np.arange(n)]
    for _ in range(len(proper)):
        a_free = member_of[proper[free]]
        fixed = np.array(fixed_rows, dtype=int)
        a = np.vstack([
            np.hstack([a_free, np.ones((len(a_free), 1))]),                 # x(S) + t ≤ c(S)
            np.hstack([member_of[[full]], np.zeros((1, 1))]),               # x(N) = c(N)
            np.hstack([member_of[fixed], np.zeros((len(fixed), 1))]),       # x(S) = c(S) − t_S
        ])
        fixed_rhs = np.array([fixed_value[m] for m in fixed_rows])
        lower = np.concatenate([np.full(len(a_free), -np.inf), [c[full]], fixed_rhs])
        upper = np.concatenate([c[proper[free]], [c[full]], fixed_rhs])
        obj = np.zeros(n + 1)
        obj[-1] = -1.0  # maximise t
        col_lower = np.concatenate([np.full(n, -np.inf), [-np.inf]])
        col_upper = np.concatenate([singles, [np.inf]])
        sol, duals, value = _solve(obj, a, lower, upper, col_lower, col_upper)
        x, t = sol[:n], -value
        tight = np.abs(duals[: len(a_free)]) > TOLERANCE
        new = proper[free][tight]
        for m in new:
            fixed_rows.append(int(m))
            fixed_value[int(m)] = c[m] - t
        free_idx = np.flatnonzero(free)
        free[free_idx[tight]] = False
        spanned = _in_span(member_of[proper[free]], member_of[np.array(fixed_rows + [full])])
        free[np.flatnonzero(free)[spanned]] = False
        if not free.any() or not tight.any():
            break
    return pd.Series(x, index=mem, name="nucleolus")


def core_is_empty(cost: CostGame, members: Sequence[Hashable] | None = None) -> bool:
    """Whether no allocation of ``c(N)`` leaves every coalition at most its own cost.

    The core is non-empty iff ``max x(N)  s.t.  x(S) ≤ c(S)`` for all ``S ≠ N`` reaches
    ``c(N)`` (Bondareva 1963; Shapley 1967).
    """
    mem = _members_of(cost, members)
    n = len(mem)
    c = cost_vector(cost, mem)
    full = (1 << n) - 1
    proper = np.arange(1, full)
    a = _membership(n)[proper]
    sol, _, value = _solve(-np.ones(n), a, np.full(len(proper), -np.inf), c[proper],
                           np.full(n, -np.inf), np.full(n, np.inf))
    del sol
    return -value < c[full] - TOLERANCE


# --------------------------------------------------------------------------------------
# everything side by side
# --------------------------------------------------------------------------------------
KEY_LABELS: dict[str, str] = {
    "alone": "allein",
    "inhabitants": "nach Einwohner:innen",
    "usage": "nach Nutzung (Stunden)",
    "benefit": "nach Nutzen (erreichbarkeitsgewichtet)",
    "umlage": "Umlage (Finanzkraft)",
    "shapley": "Shapley-Wert",
    "nucleolus": "Nukleolus",
}
"""German column labels of :func:`cost_shares`."""


def cost_shares(
    cost: CostGame,
    members: Sequence[Hashable],
    *,
    keys: Mapping[str, pd.Series] | None = None,
    nucleolus_too: bool = True,
) -> pd.DataFrame:
    """What each member pays under each key and each game allocation, and alone.

    Parameters
    ----------
    cost
        Cost game over coalitions of ``members``; ``c(N)`` is the amount to share.
    keys
        Key weights by name, e.g. ``{"inhabitants": population, "usage": hours}``; each
        splits ``c(N)`` proportionally.
    nucleolus_too
        Whether to add the nucleolus (needs ≤ :data:`NUCLEOLUS_MAX` members).

    Returns
    -------
    pandas.DataFrame
        Index: members; columns ``alone`` (stand-alone cost), one per key, ``shapley``
        and ``nucleolus``. Every column but ``alone`` sums to ``c(N)``.
        ``attrs["above_alone"]`` lists, per column, the members that would pay more
        than alone; ``attrs["core_violations"]`` the number of coalitions better off
        alone under each column.
    """
    mem = list(members)
    c = cost_vector(cost, mem)
    total = c[-1]
    out = pd.DataFrame(index=pd.Index(mem, name="member"))
    out["alone"] = c[1 << np.arange(len(mem))]
    for name, weights in (keys or {}).items():
        out[name] = proportional(total, pd.Series(weights).reindex(mem))
    out["shapley"] = shapley_exact(c) if len(mem) <= EXACT_MAX else shapley(cost, mem)
    if nucleolus_too and len(mem) <= NUCLEOLUS_MAX:
        out["nucleolus"] = nucleolus(cost, mem)
    game = _as_mapping(c, mem)
    cols = [col for col in out.columns if col != "alone"]
    out.attrs["above_alone"] = {col: list(out.index[out[col] > out["alone"] + TOLERANCE])
                                for col in cols}
    out.attrs["core_violations"] = {col: len(core_violations(game, out[col])) for col in cols}
    return out


def _as_mapping(c: np.ndarray, members: Sequence[Hashable]) -> dict[frozenset, float]:
    n = len(members)
    return {frozenset(members[i] for i in range(n) if m >> i & 1): float(c[m])
            for m in range(1, 1 << n)}


def game_table(cost: CostGame, members: Sequence[Hashable]) -> pd.DataFrame:
    """All coalitions with their cost and the saving against paying alone (for display)."""
    c = cost_vector(cost, members)
    n = len(members)
    masks = np.arange(1, 1 << n)
    member_of = _membership(n)[masks]
    alone = member_of @ c[1 << np.arange(n)]
    return pd.DataFrame({
        "members": [tuple(members[i] for i in range(n) if m >> i & 1) for m in masks],
        "size": member_of.sum(axis=1).astype(int),
        "cost": c[masks],
        "alone": alone,
        "saving": alone - c[masks],
    })
