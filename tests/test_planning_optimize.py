"""Tests of kulturplan.planning.optimize: hand-computed instances, spopt, invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kulturplan.errors import ParameterError
from kulturplan.planning import LocationResult, lscp, mclp, p_center, p_median

# Three points on a line at 0, 4 and 9 with a candidate site at each point:
# cost[i, j] = |x_i - x_j|.
LINE = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
LINE_W = np.array([1.0, 2.0, 4.0])

# Coverage example: 4 demand points (weights 5, 3, 2, 4), 3 candidates.
COVER = np.array(
    [[2.0, 15.0, 30.0], [8.0, 6.0, 30.0], [30.0, 9.0, 12.0], [30.0, 30.0, 1.0]]
)
COVER_W = np.array([5.0, 3.0, 2.0, 4.0])


def _proven(res: LocationResult) -> None:
    assert res.status == "optimal"
    assert res.gap == 0.0
    assert res.bound == res.objective
    assert res.method == "highs"


def _median_value(cost: np.ndarray, w: np.ndarray, sites) -> float:
    return float(np.dot(w, cost[:, list(sites)].min(axis=1)))


# -- hand-computed instances -----------------------------------------------------------------
def test_p_median_by_hand():
    # k=1: site 0: 0·1 + 4·2 + 9·4 = 44; site 1: 4·1 + 0 + 5·4 = 24; site 2: 9 + 5·2 + 0 = 19
    res = p_median(LINE, LINE_W, k=1)
    _proven(res)
    assert res.selected.tolist() == [2] and res.objective == 19.0
    assert res.assignment.tolist() == [2, 2, 2]
    assert math.isnan(res.baseline_objective)
    # k=2: {0,1}: 5·4 = 20; {0,2}: 4·2 = 8; {1,2}: 4·1 = 4
    res = p_median(LINE, LINE_W, k=2)
    assert res.selected.tolist() == [1, 2] and res.objective == 4.0
    assert res.assignment.tolist() == [1, 1, 2]


def test_p_median_with_fixed_site_by_hand():
    # site 0 exists (baseline 44); adding 1 gives 20, adding 2 gives 8
    res = p_median(LINE, LINE_W, k=1, fixed=[0])
    _proven(res)
    assert res.selected.tolist() == [0, 2] and res.new.tolist() == [2]
    assert res.objective == 8.0 and res.baseline_objective == 44.0
    # k = 0: only the existing site
    res0 = p_median(LINE, LINE_W, k=0, fixed=[0])
    assert res0.objective == 44.0 and res0.selected.tolist() == [0] and res0.status == "optimal"


def test_capacitated_p_median_by_hand():
    # capacities 7, 7, 3; demand 1 + 2 + 4 = 7; each point served by exactly one site.
    # {0,1}: point 2 (demand 4) to site 1 (load 2 + 4 = 6 ≤ 7): 5·4 = 20
    # {1,2}: point 2 does not fit site 2 (4 > 3), goes to site 1: 5·4 + 4·1 = 24 at best
    # {0,2}: point 2 to site 0: 9·4 = 36 at least.  Uncapacitated {1,2} = 4 is not allowed.
    res = p_median(LINE, LINE_W, k=2, capacity=[7.0, 7.0, 3.0])
    _proven(res)
    assert res.selected.tolist() == [0, 1] and res.objective == 20.0
    assert res.assignment.tolist() == [0, 1, 1]
    # with site 2 existing: {2,0}: point 2 to 0 (36); {2,1}: point 2 to 1 (20) + point 0 to 1 (4)
    # or point 0 to 2 (9, load 1 ≤ 3): best 24 with site 1
    res = p_median(LINE, LINE_W, k=1, fixed=[2], capacity=[7.0, 7.0, 3.0])
    assert res.selected.tolist() == [2, 1] and res.objective == 24.0
    # site 2 alone cannot serve 7 with capacity 3
    assert math.isnan(res.baseline_objective)


def test_capacitated_p_median_infeasible():
    # total capacity of any two sites 2 + 2 < demand 7
    res = p_median(LINE, LINE_W, k=2, capacity=[2.0, 2.0, 2.0])
    assert res.status == "unzulässig" and math.isnan(res.objective)


def test_mclp_by_hand():
    # within 10: site 0 covers points 0, 1 (5 + 3 = 8), site 1 points 1, 2 (3 + 2 = 5),
    # site 2 point 3 (4).  k=1: site 0 (8).  k=2: {0,1} 10, {0,2} 12, {1,2} 9.
    res = mclp(COVER, COVER_W, k=1, max_cost=10)
    _proven(res)
    assert res.selected.tolist() == [0] and res.objective == 8.0
    res = mclp(COVER, COVER_W, k=2, max_cost=10)
    assert res.selected.tolist() == [0, 2] and res.objective == 12.0
    assert res.assignment.tolist() == [0, 0, -1, 2]


def test_mclp_with_fixed_site_by_hand():
    # site 1 exists: covers points 1, 2 (5); adding 0 covers point 0 too (+5 = 10),
    # adding 2 covers point 3 (+4 = 9)
    res = mclp(COVER, COVER_W, k=1, max_cost=10, fixed=[1])
    _proven(res)
    assert res.selected.tolist() == [1, 0] and res.new.tolist() == [0]
    assert res.objective == 10.0 and res.baseline_objective == 5.0


def test_lscp_by_hand():
    # within 12: point 0 {0}, point 1 {0,1}, point 2 {1,2}, point 3 {2} -> sites 0 and 2
    res = lscp(COVER, max_cost=12)
    _proven(res)
    assert res.selected.tolist() == [0, 2] and res.objective == 2.0
    assert res.assignment.tolist() == [0, 0, 2, 2]
    # site 1 exists: points 0 and 3 still need 0 and 2 -> 3 sites in all
    res = lscp(COVER, max_cost=12, fixed=[1])
    assert res.selected.tolist() == [1, 0, 2] and res.objective == 3.0
    assert math.isnan(res.baseline_objective)
    # site 2 exists: covers points 2, 3; site 0 covers 0, 1 -> 2 sites
    res = lscp(COVER, max_cost=12, fixed=[2])
    assert res.selected.tolist() == [2, 0] and res.objective == 2.0


def test_p_center_by_hand():
    # k=1: site 0 max 9, site 1 max 5, site 2 max 9 -> site 1, radius 5
    res = p_center(LINE, k=1)
    _proven(res)
    assert res.selected.tolist() == [1] and res.objective == 5.0
    # k=2: {0,1} 5, {0,2} 4, {1,2} 4 -> 4
    assert p_center(LINE, k=2).objective == 4.0
    # site 0 exists (radius 9): adding 1 -> 5, adding 2 -> 4
    res = p_center(LINE, k=1, fixed=[0])
    assert res.selected.tolist() == [0, 2] and res.objective == 4.0
    assert res.baseline_objective == 9.0
    # weighted (1, 2, 4): site 0 max(0, 8, 36) = 36, site 1 max(4, 0, 20) = 20,
    # site 2 max(9, 10, 0) = 10 -> site 2
    res = p_center(LINE, LINE_W, k=1)
    assert res.selected.tolist() == [2] and res.objective == 10.0


def test_sparse_absent_pair_is_unreachable_and_stored_zero_is_a_cost():
    # point 0 reaches only site 0 (explicit 0), point 1 sites 0 (cost 3) and 1 (cost 1)
    cost = sp.csr_array(
        (np.array([0.0, 3.0, 1.0]), (np.array([0, 1, 1]), np.array([0, 0, 1]))), shape=(2, 2)
    )
    res = p_median(cost, k=1)
    # site 1 cannot serve point 0, so site 0: 0 + 3 = 3
    assert res.selected.tolist() == [0] and res.objective == 3.0
    res = p_median(cost, k=2)
    assert res.objective == 1.0 and res.assignment.tolist() == [0, 1]
    # dense with np.inf means the same
    dense = np.array([[0.0, np.inf], [3.0, 1.0]])
    assert p_median(dense, k=1).objective == 3.0
    # k=1 with point 0 only reaching site 0 and point 2 only site 1: no feasible p-median
    only = sp.csr_array((np.ones(2), (np.array([0, 1]), np.array([0, 1]))), shape=(2, 2))
    assert p_median(only, k=1).status == "unzulässig"


def test_sparse_p_center_infeasible_and_feasible():
    # point 0 reaches only site 0 (cost 2), point 1 only site 1 (cost 3); site 2 nobody
    cost = sp.csr_array(
        (np.array([2.0, 3.0]), (np.array([0, 1]), np.array([0, 1]))), shape=(2, 3)
    )
    assert p_center(cost, k=1).status == "unzulässig"
    res = p_center(cost, k=2)
    _proven(res)
    assert res.selected.tolist() == [0, 1] and res.objective == 3.0
    assert res.assignment.tolist() == [0, 1]


def test_heuristic_states_bound_and_gap():
    rng = np.random.default_rng(5)
    cost = np.linalg.norm(rng.uniform(0, 10, (80, 1, 2)) - rng.uniform(0, 10, (1, 40, 2)), axis=2)
    w = rng.integers(1, 9, 80).astype(float)
    exact = p_median(cost, w, k=4)
    _proven(exact)
    heur = p_median(cost, w, k=4, method="heuristik")
    assert heur.method == "heuristik" and heur.new.size == 4
    assert heur.objective == pytest.approx(_median_value(cost, w, heur.selected), rel=1e-12)
    assert heur.bound <= exact.objective * (1 + 1e-9) <= heur.objective * (1 + 1e-9)
    assert math.isfinite(heur.gap)
    assert heur.gap == pytest.approx(abs(heur.objective - heur.bound) / heur.objective)
    mh = mclp(cost, w, k=3, max_cost=2.5, method="heuristik")
    me = mclp(cost, w, k=3, max_cost=2.5)
    assert mh.objective <= me.objective <= mh.bound + 1e-9


@pytest.mark.parametrize("fixed", [[], [2, 17]])
def test_lagrangian_bound_is_a_valid_lower_bound(fixed):
    from kulturplan.planning import _heuristic, optimize

    rng = np.random.default_rng(8)
    cost = np.linalg.norm(rng.uniform(0, 10, (90, 1, 2)) - rng.uniform(0, 10, (1, 30, 2)), axis=2)
    w = rng.integers(1, 9, 90).astype(float)
    exact = p_median(cost, w, k=3, fixed=fixed or None)
    _proven(exact)
    pairs = optimize._as_pairs(cost).sorted_by_cost()
    upper = exact.objective * 1.05  # an upper bound as a heuristic would give it
    bound = _heuristic.median_lagrangian_bound(pairs, w, np.array(fixed, dtype=int), 3, upper)
    trivial = float(np.dot(w, cost.min(axis=1)))
    assert trivial <= bound <= exact.objective * (1 + 1e-12)
    assert bound >= 0.95 * exact.objective  # subgradient ascent gets close (LP bound)


# -- spopt reference -------------------------------------------------------------------------
spopt_locate = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pulp 3 → 4 notices


def _instance(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    demand, sites = rng.uniform(0, 20, (n, 2)), rng.uniform(0, 20, (m, 2))
    cost = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    return cost, rng.integers(1, 50, n).astype(float), rng


def _cbc():
    return pulp.PULP_CBC_CMD(msg=False, gapRel=0)


def _spopt_sites(model) -> list[int]:
    return [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5]


def _mask(m: int, fixed):
    return None if not fixed else np.isin(np.arange(m), fixed).astype(int)


@pytest.mark.parametrize(("seed", "fixed"), [(1, []), (2, [3, 11]), (3, [0])])
def test_p_median_equals_spopt(seed, fixed):
    cost, w, _ = _instance(seed, 40, 20)
    k = 3
    ref = spopt_locate.PMedian.from_cost_matrix(
        cost, w, k + len(fixed), predefined_facilities_arr=_mask(20, fixed)
    ).solve(_cbc())
    ref_value = _median_value(cost, w, _spopt_sites(ref))
    res = p_median(cost, w, k=k, fixed=fixed or None)
    _proven(res)
    assert res.objective == pytest.approx(ref_value, rel=1e-9)
    assert set(fixed) <= set(res.selected.tolist()) and res.new.size == k


def test_capacitated_p_median_equals_spopt():
    cost, w, rng = _instance(4, 30, 12)
    cap = rng.uniform(0.15, 0.4, 12) * w.sum()
    ref = spopt_locate.PMedian.from_cost_matrix(cost, w, 4, facility_capacities=cap).solve(
        _cbc()
    )
    res = p_median(cost, w, k=4, capacity=cap)
    _proven(res)
    assert res.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)
    load = np.bincount(res.assignment, weights=w, minlength=12)
    assert (load <= cap + 1e-9).all() and (res.assignment >= 0).all()


@pytest.mark.parametrize(("seed", "fixed"), [(5, []), (6, [2, 9])])
def test_mclp_equals_spopt(seed, fixed):
    cost, w, _ = _instance(seed, 60, 20)
    k, radius = 3, 4.0
    ref = spopt_locate.MCLP.from_cost_matrix(
        cost, w, radius, k + len(fixed), predefined_facilities_arr=_mask(20, fixed)
    ).solve(_cbc())
    ref_sites = _spopt_sites(ref)
    ref_value = float(w[(cost[:, ref_sites] <= radius).any(axis=1)].sum())
    res = mclp(cost, w, k=k, max_cost=radius, fixed=fixed or None)
    _proven(res)
    assert res.objective == pytest.approx(ref_value, rel=1e-9)
    assert res.objective == float(w[(cost[:, res.selected] <= radius).any(axis=1)].sum())


@pytest.mark.parametrize(("seed", "fixed"), [(7, []), (8, [1, 4])])
def test_lscp_equals_spopt(seed, fixed):
    cost, _, _ = _instance(seed, 60, 25)
    radius = float(cost.min(axis=1).max()) + 1.0  # every point has a site within reach
    ref = spopt_locate.LSCP.from_cost_matrix(
        cost, radius, predefined_facilities_arr=_mask(25, fixed)
    ).solve(_cbc())
    res = lscp(cost, max_cost=radius, fixed=fixed or None)
    _proven(res)
    assert res.objective == pytest.approx(len(_spopt_sites(ref)), rel=1e-9)
    assert (cost[:, res.selected] <= radius).any(axis=1).all()


@pytest.mark.parametrize(("seed", "fixed"), [(9, []), (10, [5])])
def test_p_center_equals_spopt(seed, fixed):
    cost, _, _ = _instance(seed, 40, 15)
    k = 3
    ref = spopt_locate.PCenter.from_cost_matrix(
        cost, k + len(fixed), predefined_facilities_arr=_mask(15, fixed)
    ).solve(_cbc())
    ref_value = float(cost[:, _spopt_sites(ref)].min(axis=1).max())
    res = p_center(cost, k=k, fixed=fixed or None)
    _proven(res)
    assert res.objective == pytest.approx(ref_value, rel=1e-9)
    assert res.objective == float(cost[:, res.selected].min(axis=1).max())


# -- invariants ------------------------------------------------------------------------------
@st.composite
def instances(draw):
    n = draw(st.integers(2, 9))
    m = draw(st.integers(2, 7))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 20, (n, m)).astype(float)  # integer costs: many ties
    w = rng.integers(0, 5, n).astype(float)
    n_fixed = draw(st.integers(1, m - 1))
    fixed = np.sort(rng.choice(m, n_fixed, replace=False))
    k = draw(st.integers(0, m - n_fixed))
    return cost, w, fixed, k, rng


_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_SETTINGS
@given(instances())
def test_k_zero_reproduces_the_baseline(case):
    cost, w, fixed, _, _ = case
    base_median = _median_value(cost, w, fixed)
    res = p_median(cost, w, k=0, fixed=fixed)
    assert res.objective == pytest.approx(base_median) == res.baseline_objective
    assert res.selected.tolist() == fixed.tolist() and res.new.size == 0
    covered = float(w[(cost[:, fixed] <= 8).any(axis=1)].sum())
    assert mclp(cost, w, k=0, max_cost=8, fixed=fixed).objective == covered
    radius = float((cost[:, fixed].min(axis=1) * w).max())
    assert p_center(cost, w, k=0, fixed=fixed).objective == radius


@_SETTINGS
@given(instances())
def test_result_holds_every_fixed_site(case):
    cost, w, fixed, k, _ = case
    for res in (
        p_median(cost, w, k=k, fixed=fixed),
        mclp(cost, w, k=k, max_cost=8, fixed=fixed),
        p_center(cost, w, k=k, fixed=fixed),
        lscp(cost, max_cost=float(cost.max()), fixed=fixed),
    ):
        assert res.selected[: fixed.size].tolist() == fixed.tolist()
        assert not set(res.new.tolist()) & set(fixed.tolist())
        assert res.status == "optimal"
    assert p_median(cost, w, k=k, fixed=fixed).new.size == k


@_SETTINGS
@given(instances())
def test_adding_a_candidate_never_worsens_the_optimum(case):
    cost, w, fixed, k, rng = case
    more = np.column_stack([cost, rng.integers(0, 20, cost.shape[0]).astype(float)])
    assert p_median(more, w, k=k, fixed=fixed).objective <= p_median(
        cost, w, k=k, fixed=fixed
    ).objective + 1e-9
    assert mclp(more, w, k=k, max_cost=8, fixed=fixed).objective >= mclp(
        cost, w, k=k, max_cost=8, fixed=fixed
    ).objective
    assert p_center(more, w, k=k, fixed=fixed).objective <= p_center(
        cost, w, k=k, fixed=fixed
    ).objective
    top = float(cost.max())
    assert lscp(more, max_cost=top, fixed=fixed).objective <= lscp(
        cost, max_cost=top, fixed=fixed
    ).objective


def _brute_force(cost, w, fixed, k, radius):
    """Optimum of each model by trying every set of k new sites (tiny instances only)."""
    free = [j for j in range(cost.shape[1]) if j not in set(fixed.tolist())]
    med, cov, cen = math.inf, -math.inf, math.inf
    for new in itertools.combinations(free, k):
        d = cost[:, list(fixed) + list(new)].min(axis=1)
        med = min(med, float(np.dot(w, d)))
        cov = max(cov, float(w[d <= radius].sum()))
        cen = min(cen, float((w * d).max()))
    sizes = (
        size for size in range(len(free) + 1) for new in itertools.combinations(free, size)
        if (cost[:, list(fixed) + list(new)] <= radius).any(axis=1).all()
    )
    return med, cov, cen, len(fixed) + next(sizes, math.nan)


@_SETTINGS
@given(instances(), st.integers(0, 19))
def test_optimum_equals_brute_force(case, radius):
    cost, w, fixed, k, _ = case
    med, cov, cen, sites = _brute_force(cost, w, fixed, k, radius)
    assert p_median(cost, w, k=k, fixed=fixed).objective == pytest.approx(med, rel=1e-12)
    assert mclp(cost, w, k=k, max_cost=radius, fixed=fixed).objective == cov
    assert p_center(cost, w, k=k, fixed=fixed).objective == cen
    if math.isnan(sites):
        with pytest.raises(ParameterError, match="keinen Kandidaten innerhalb"):
            lscp(cost, max_cost=radius, fixed=fixed)
    else:
        assert lscp(cost, max_cost=radius, fixed=fixed).objective == sites


def test_p_median_with_fractional_lp_relaxation_is_solved_by_branching():
    # non-metric integer costs whose disaggregated LP relaxation is fractional (204.5),
    # so optimality must come from HiGHS' branch and bound, checked by enumeration
    rng = np.random.default_rng(2)
    cost = rng.integers(1, 10, (20, 10)).astype(float)
    w = rng.integers(1, 10, 20).astype(float)
    best = min(_median_value(cost, w, s) for s in itertools.combinations(range(10), 3))
    res = p_median(cost, w, k=3)
    _proven(res)
    assert res.objective == best and best > 204.5


# -- time limit ------------------------------------------------------------------------------
def test_time_limit_returns_feasible_solution_bound_and_gap():
    for n in (200, 400, 800):  # deterministic escalation should HiGHS prove one anyway
        cost, w, _ = _instance(11, n, n)
        res = p_median(cost, w, k=5, time_limit=0.01)
        if res.status == "zeitlimit":
            break
    assert res.status == "zeitlimit"
    assert res.new.size == 5
    assert res.objective == pytest.approx(_median_value(cost, w, res.selected), rel=1e-12)
    assert math.isfinite(res.bound) and res.bound <= res.objective
    assert math.isfinite(res.gap) and res.gap == pytest.approx(
        (res.objective - res.bound) / res.objective
    )
    assert (res.assignment >= 0).all()


def test_time_limit_for_coverage_models_keeps_bounds_consistent():
    # whether or not the tiny limit suffices here, the answer is feasible and bounded
    cost, w, _ = _instance(12, 400, 150)
    cen = p_center(cost, k=6, time_limit=0.02)
    assert cen.status in ("optimal", "zeitlimit") and cen.new.size == 6
    assert cen.objective == float(cost[:, cen.selected].min(axis=1).max())
    assert cen.bound <= cen.objective and math.isfinite(cen.gap)
    cov = mclp(cost, w, k=6, max_cost=2.0, time_limit=0.02)
    assert cov.status in ("optimal", "zeitlimit") and cov.new.size == 6
    assert cov.objective == float(w[(cost[:, cov.selected] <= 2.0).any(axis=1)].sum())
    assert cov.bound >= cov.objective and math.isfinite(cov.gap)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: p_median(np.array([[1.0, np.nan]]), k=1), "fehlende Werte"),
        (lambda: mclp(np.array([[1.0, -2.0]]), None, k=1, max_cost=3), "negative"),
        (lambda: p_median(LINE, k=1, fixed=[5]), "Unbekannte Positionen"),
        (lambda: p_median(LINE, k=1, fixed=[1, 1]), "doppelt"),
        (lambda: p_center(LINE, k=3, fixed=[0]), "nur 2 freie Kandidaten"),
        (lambda: mclp(LINE, [1.0, 2.0], k=1, max_cost=3), "3 Nachfragezeilen"),
        (lambda: p_median(LINE, [1.0, -1.0, 1.0], k=1), "negativ"),
        (lambda: p_median(LINE, k=-1), "nicht negativ"),
        (lambda: p_median(LINE, k=1.5), "ganze Zahl"),
        (lambda: p_median(LINE, k=0), "mindestens 1"),
        (lambda: p_median(LINE, k=1, capacity=[1.0]), "Kapazitäten"),
        (lambda: p_median(LINE, k=1, time_limit=-1), "Zeitlimit"),
        (lambda: p_median(LINE, k=1, method="schnell"), "Unbekanntes Verfahren"),
        (lambda: mclp(LINE, None, k=1, max_cost=float("nan")), "max_cost"),
        (lambda: lscp(COVER, max_cost=1.5), "keinen Kandidaten innerhalb"),
        (lambda: p_median(np.array([[1.0, np.inf]] * 2 + [[np.inf, np.inf]]), k=1),
         "erreichen keinen Kandidaten"),
        (lambda: p_median(np.ones(3), k=1), "zweidimensional"),
        (lambda: p_median([["a", "b"]], k=1), "keine Zahlen"),
    ],
)
def test_bad_input_gives_german_parameter_error(call, message):
    with pytest.raises(ParameterError, match=message):
        call()
