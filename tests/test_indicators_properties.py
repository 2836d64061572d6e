"""Property tests (hypothesis) for the indicator library."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import AGS, make_tiny_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kulturplan as kp
from kulturplan.indicators import _registry, composite_index, compute, normalise
from kulturplan.indicators.diversity import shannon_diversity

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

def _per_capita_families() -> set[str]:
    """Catalog families "… je … Einw." computed from counts or sums per municipality
    (reachability measures such as E2SFCA are left to their own tests)."""
    cat = kp.indicators.catalog()
    methods = _registry.methods()
    return {
        fam for fam, unit, m in zip(cat["family"], cat["unit"], cat["method"], strict=True)
        if "je" in str(unit).split() and "Einw." in str(unit)
        and methods[m].func.__module__ != "kulturplan.indicators.reachability"
    }


PER_CAPITA_FAMILIES = _per_capita_families()


def test_per_capita_families_from_the_catalog():
    assert len(PER_CAPITA_FAMILIES) == 10 and "foerderung_veraenderung" not in PER_CAPITA_FAMILIES
    assert "e2sfca_je_10000" not in PER_CAPITA_FAMILIES


def _per_capita_ids() -> list[str]:
    cat = kp.indicators.catalog()
    return list(cat.index[cat["family"].isin(PER_CAPITA_FAMILIES)])


populations = st.fixed_dictionaries({a: st.integers(1, 200_000) for a in AGS})


@settings(max_examples=10, deadline=None)
@given(populations)
def test_doubling_population_halves_per_capita_indicators(pops):
    ids = _per_capita_ids()
    base = compute(make_tiny_region(pops), ids)
    doubled = compute(make_tiny_region({a: 2 * p for a, p in pops.items()}), ids)
    np.testing.assert_allclose(doubled.to_numpy(), base.to_numpy() / 2, rtol=1e-12)


def _tables(min_rows: int = 2, max_rows: int = 12, cols: int = 3):
    value = st.one_of(st.integers(-1000, 1000).map(float), st.just(float("nan")))
    return st.integers(min_rows, max_rows).flatmap(
        lambda n: st.lists(
            st.lists(value, min_size=n, max_size=n), min_size=cols, max_size=cols
        ).map(
            lambda data: pd.DataFrame(
                {f"i{j}": col for j, col in enumerate(data)},
                index=[f"{k:08d}" for k in range(len(data[0]))],
            )
        )
    )


weights_st = st.lists(st.integers(0, 10), min_size=3, max_size=3).filter(lambda w: sum(w) > 0)
HIB = {"i0": True, "i1": False, "i2": True}


@FAST
@given(_tables(), weights_st, st.integers(-10_000, 10_000), st.sampled_from(["i0", "i1", "i2"]))
def test_zscore_index_unchanged_by_shift(table, weights, shift, col):
    before = composite_index(table, None, weights, "zscore", HIB)
    after = composite_index(table.assign(**{col: table[col] + shift}), None, weights, "zscore", HIB)
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), atol=1e-9)


@FAST
@given(_tables(), weights_st, st.floats(0.01, 1000), st.sampled_from(["i0", "i1", "i2"]))
def test_zscore_index_unchanged_by_positive_scaling(table, weights, factor, col):
    before = composite_index(table, None, weights, "zscore", HIB)
    scaled = table.assign(**{col: table[col] * factor})
    after = composite_index(scaled, None, weights, "zscore", HIB)
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), atol=1e-9)


@FAST
@given(_tables(), weights_st, st.sampled_from(["minmax", "rank"]))
def test_minmax_and_rank_index_in_unit_interval(table, weights, method):
    got = composite_index(table, None, weights, method, HIB).dropna()
    assert ((got >= -1e-12) & (got <= 1 + 1e-12)).all()


@FAST
@given(_tables(), weights_st, st.sampled_from(["zscore", "minmax", "rank"]))
def test_flipping_higher_is_better_flips_the_ranking(table, weights, method):
    index = composite_index(table, None, weights, method, HIB)
    flipped = composite_index(table, None, weights, method, {k: not v for k, v in HIB.items()})
    # z-scores change sign, min-max and rank scores s become 1 - s
    mirror = -index if method == "zscore" else 1 - index
    np.testing.assert_allclose(flipped.to_numpy(), mirror.to_numpy(), atol=1e-9)
    # every pair that is clearly ordered by the index is ordered the other way round
    a = index.dropna().to_numpy()
    b = flipped.dropna().to_numpy()
    clearly = np.abs(a[:, None] - a[None, :]) > 1e-6
    assert (np.sign(a[:, None] - a[None, :]) == -np.sign(b[:, None] - b[None, :]))[clearly].all()


@FAST
@given(st.lists(st.integers(-50, 50).map(float), min_size=2, max_size=20), st.booleans())
def test_single_indicator_normalisations_are_monotone(values, hib):
    x = pd.Series(values)
    for method in ("zscore", "minmax", "rank"):
        s = normalise(x, method, higher_is_better=hib)
        order = np.argsort(x.to_numpy(), kind="stable")
        diffs = np.diff(s.to_numpy()[order])
        assert (diffs >= -1e-12).all() if hib else (diffs <= 1e-12).all()


categories = st.sampled_from(kp.catalog.category_ids())


@FAST
@given(st.lists(st.lists(categories, max_size=30), min_size=1, max_size=5))
def test_shannon_between_zero_and_log_k(per_municipality):
    ags = [f"99{k:06d}" for k in range(len(per_municipality))]
    facilities = pd.DataFrame(
        {
            "ags": [a for a, cats in zip(ags, per_municipality, strict=False) for _ in cats],
            "category": [c for cats in per_municipality for c in cats],
        }
    )
    population = pd.Series(1000.0, index=ags)
    if len(facilities) == 0:
        assert shannon_diversity(facilities, population).isna().all()
        return
    h = shannon_diversity(facilities, population)
    for a, cats in zip(ags, per_municipality, strict=False):
        k = len(set(cats))
        assert h[a] >= 0.0
        assert h[a] <= (math.log(k) if k else 0.0) + 1e-12
        counts = pd.Series(cats).value_counts()
        if k and counts.nunique() == 1:  # equal shares: the maximum ln k
            assert h[a] == pytest.approx(math.log(k))
