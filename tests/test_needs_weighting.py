"""Tests of kulturplan.needs.weighting: raking against closed forms and weightipy."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kulturplan import demo
from kulturplan.errors import ParameterError
from kulturplan.needs import population_margins, rake, weight_survey
from kulturplan.needs.weighting import design_effect, effective_n


def _sample_2x2(counts: np.ndarray) -> pd.DataFrame:
    rows = []
    for i, a in enumerate("xy"):
        for j, b in enumerate("pq"):
            rows += [(a, b)] * int(counts[i, j])
    return pd.DataFrame(rows, columns=["a", "b"])


def _closed_form_2x2(n: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Raked 2 × 2 table: margins r (rows), c (columns), odds ratio of ``n`` kept.

    With m11 = x: m12 = r1 − x, m21 = c1 − x, m22 = c2 − r1 + x, and
    x·m22 = θ·m12·m21 gives (1 − θ)x² + (c2 − r1 + θ(r1 + c1))x − θ r1 c1 = 0.
    """
    theta = n[0, 0] * n[1, 1] / (n[0, 1] * n[1, 0])
    a, b, k = 1 - theta, c[1] - r[0] + theta * (r[0] + c[0]), -theta * r[0] * c[0]
    roots = np.roots([a, b, k]) if abs(a) > 1e-15 else np.array([-k / b])
    lo, hi = max(0.0, r[0] - c[1]), min(r[0], c[0])
    x = float(next(v.real for v in roots if lo < v.real < hi and abs(v.imag) < 1e-12))
    return np.array([[x, r[0] - x], [c[0] - x, c[1] - r[0] + x]])


@pytest.mark.parametrize(
    ("counts", "rows", "cols"),
    [
        ([[10, 20], [30, 40]], [60.0, 40.0], [45.0, 55.0]),
        ([[5, 1], [2, 12]], [1000.0, 3000.0], [2500.0, 1500.0]),
        ([[7, 7], [7, 7]], [30.0, 70.0], [20.0, 80.0]),
    ],
)
def test_rake_2x2_closed_form_keeps_odds_ratio(counts, rows, cols):
    n = np.array(counts, dtype=float)
    sample = _sample_2x2(n)
    margins = {
        "a": pd.Series(rows, index=["x", "y"]),
        "b": pd.Series(cols, index=["p", "q"]),
    }
    result = rake(sample, margins, tol=1e-13)
    expected = _closed_form_2x2(n, np.array(rows), np.array(cols))
    cell_weight = {
        (a, b): expected[i, j] / n[i, j] for i, a in enumerate("xy") for j, b in enumerate("pq")
    }
    want = np.array([cell_weight[(a, b)] for a, b in zip(sample["a"], sample["b"], strict=True)])
    assert result.converged
    np.testing.assert_allclose(result.weights.to_numpy(), want, rtol=1e-9)
    raked = pd.crosstab(sample["a"], sample["b"], values=result.weights, aggfunc="sum").to_numpy()
    odds = raked[0, 0] * raked[1, 1] / (raked[0, 1] * raked[1, 0])
    assert odds == pytest.approx(n[0, 0] * n[1, 1] / (n[0, 1] * n[1, 0]), rel=1e-9)


def test_one_margin_is_post_stratification_with_design_weights():
    # two respondents in x (design 1 and 3), one in y (design 2): x → 100 · d / 4, y → 50
    sample = pd.DataFrame({"a": ["x", "x", "y"]}, index=["r1", "r2", "r3"])
    result = rake(sample, {"a": pd.Series({"x": 100.0, "y": 50.0})}, weights=[1.0, 3.0, 2.0])
    assert result.weights.to_dict() == pytest.approx({"r1": 25.0, "r2": 75.0, "r3": 50.0})
    # design weights scaled to the total (150 / 6 = 25 each) already fit: one cycle
    assert result.converged and result.iterations == 1
    # Kish: n Σw² / (Σw)² = 3 · (625 + 5625 + 2500) / 150² = 26250 / 22500
    assert result.design_effect == pytest.approx(26250 / 22500, rel=1e-12)
    assert result.effective_n == pytest.approx(22500 / 8750, rel=1e-12)


def test_design_effect_and_effective_n_by_hand():
    assert design_effect([1, 1, 2]) == pytest.approx(3 * 6 / 16)
    assert effective_n([1, 1, 2]) == pytest.approx(16 / 6)
    assert design_effect([2.0, 2.0]) == 1.0
    assert math.isnan(design_effect([]))


# --- weightipy as an independent oracle ---------------------------------------------------
def _weightipy(sample: pd.DataFrame, shares: dict[str, dict[str, float]]) -> np.ndarray:
    wp = pytest.importorskip("weightipy")
    # convcrit 0: its stopping rule (relative improvement of Σ|Δw|) only stops at
    # machine precision; its default 0.01 stops early
    scheme = wp.scheme_from_dict(shares, rim_params={"convcrit": 0.0, "max_iterations": 10_000})
    return wp.weight(sample, scheme).to_numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rake_equals_weightipy(seed):
    rng = np.random.default_rng(seed)
    n = 600
    sample = pd.DataFrame(
        {
            "ags": rng.choice([f"0{k}" for k in range(8)], n, p=np.r_[[0.3, 0.2], [0.5 / 6] * 6]),
            "age_group": rng.choice(["18_29", "30_64", "65_plus"], n, p=[0.1, 0.4, 0.5]),
            "sex": rng.choice(["w", "m"], n, p=[0.6, 0.4]),
        }
    )
    total = 50_000.0
    pop = rng.uniform(1, 3, 8)
    shares = {
        "ags": {f"0{k}": 100 * pop[k] / pop.sum() for k in range(8)},
        "age_group": {"18_29": 20.0, "30_64": 55.0, "65_plus": 25.0},
        "sex": {"w": 51.0, "m": 49.0},
    }
    margins = {k: pd.Series(v) * total / 100 for k, v in shares.items()}
    result = rake(sample, margins)
    reference = _weightipy(sample, shares)  # mean 1
    ours = result.weights.to_numpy()
    np.testing.assert_allclose(ours / ours.mean(), reference, rtol=1e-9, atol=0)
    for key, target in margins.items():
        got = result.weights.groupby(sample[key]).sum().reindex(target.index)
        np.testing.assert_allclose(got.to_numpy(), target.to_numpy(), rtol=1e-9)
    wp = pytest.importorskip("weightipy")
    assert result.design_effect == pytest.approx(
        100 / wp.weighting_efficiency(pd.Series(reference)), rel=1e-9
    )
    assert result.design_effect == pytest.approx(n * (ours**2).sum() / ours.sum() ** 2, rel=1e-12)
    assert result.effective_n == pytest.approx(n / result.design_effect, rel=1e-12)
    assert result.max_margin_error < 1e-9
    assert result.margins_table["error"].max() == result.max_margin_error


# --- properties ---------------------------------------------------------------------------
@st.composite
def _samples(draw):
    n = draw(st.integers(20, 120))
    la, lb = draw(st.integers(2, 4)), draw(st.integers(2, 3))
    a = draw(st.lists(st.integers(0, la - 1), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, lb - 1), min_size=n, max_size=n))
    # every level present at least twice, in combination with every other margin's levels
    a = list(range(la)) * lb + a
    b = [j for j in range(lb) for _ in range(la)] + b
    ta = draw(st.lists(st.floats(1, 100), min_size=la, max_size=la))
    tb = draw(st.lists(st.floats(1, 100), min_size=lb, max_size=lb))
    total = sum(ta)
    tb = [t * total / sum(tb) for t in tb]
    sample = pd.DataFrame({"a": a, "b": b})
    return sample, {"a": pd.Series(ta), "b": pd.Series(tb)}


@settings(max_examples=40, deadline=None)
@given(_samples())
def test_property_margins_reproduced(case):
    sample, margins = case
    result = rake(sample, margins)
    assert result.converged
    for key, target in margins.items():
        got = result.weights.groupby(sample[key]).sum().reindex(target.index).to_numpy()
        np.testing.assert_allclose(got, target.to_numpy(), rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(_samples(), st.randoms(use_true_random=False))
def test_property_weights_invariant_to_row_order(case, rnd):
    sample, margins = case
    order = list(range(len(sample)))
    rnd.shuffle(order)
    shuffled = sample.iloc[order]
    a = rake(sample, margins).weights
    b = rake(shuffled, margins).weights
    np.testing.assert_allclose(b.reindex(a.index).to_numpy(), a.to_numpy(), rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=6, max_size=6))
def test_property_matching_sample_keeps_weight_one(counts):
    # a sample whose margins are the population margins (totals = sample counts)
    cells = [(a, b) for a in range(3) for b in range(2)]
    rows = [cell for cell, k in zip(cells, counts, strict=True) for _ in range(k)]
    sample = pd.DataFrame(rows, columns=["a", "b"])
    margins = {k: sample[k].value_counts().astype(float) for k in ("a", "b")}
    result = rake(sample, margins)
    np.testing.assert_allclose(result.weights.to_numpy(), 1.0, rtol=1e-12)
    assert result.design_effect == pytest.approx(1.0)


# --- problems are reported, not hidden ----------------------------------------------------
def test_level_with_population_but_no_respondents_is_reported():
    sample = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"]})
    margins = {
        "a": pd.Series({"x": 40.0, "y": 40.0, "z": 20.0}),
        "b": pd.Series({"p": 50.0, "q": 50.0}),
    }
    result = rake(sample, margins)
    assert any("ohne Befragte (z)" in p for p in result.problems)
    table = result.margins_table.set_index(["margin", "level"])
    # the 20 persons of z are spread proportionally: x and y aim at 50 each
    assert table.loc[("a", "x"), "fitted_target"] == pytest.approx(50.0)
    assert table.loc[("a", "z"), "respondents"] == 0
    assert result.weights.sum() == pytest.approx(100.0)
    assert result.converged


def test_unknown_sample_value_and_inconsistent_totals_raise_german_errors():
    sample = pd.DataFrame({"a": ["x", "w"], "b": ["p", "q"]})
    with pytest.raises(ParameterError, match="Randverteilung „a“: „w“"):
        rake(sample, {"a": pd.Series({"x": 1.0, "y": 1.0})})
    sample = pd.DataFrame({"a": ["x", "y"], "b": ["p", "q"]})
    with pytest.raises(ParameterError, match="verschiedene Summen"):
        rake(sample, {"a": pd.Series({"x": 1.0, "y": 1.0}), "b": pd.Series({"p": 1.0, "q": 2.0})})
    with pytest.raises(ParameterError, match="keine Spalte „c“"):
        rake(sample, {"c": pd.Series({"x": 1.0})})
    with pytest.raises(ParameterError, match="negative"):
        rake(sample, {"a": pd.Series({"x": -1.0, "y": 3.0})})
    with pytest.raises(ParameterError, match="bounds"):
        rake(sample, {"a": pd.Series({"x": 1.0, "y": 1.0})}, bounds=(2.0, 3.0))
    with pytest.raises(ParameterError, match="Stichprobe ist leer"):
        rake(sample.iloc[:0], {"a": pd.Series({"x": 1.0, "y": 1.0})})
    with pytest.raises(ParameterError, match="Designgewichte"):
        rake(sample, {"a": pd.Series({"x": 1.0, "y": 1.0})}, weights=[1.0])


def test_missing_value_is_not_raked_on_that_margin():
    # r3 has no sex: the sex targets shrink by its weight (25 of 100 → w 37.5, m 37.5)
    sample = pd.DataFrame(
        {"age": ["j", "j", "a", "a"], "sex": ["w", "m", "w", None]}, index=list("ABCD")
    )
    margins = {"age": pd.Series({"j": 50.0, "a": 50.0}), "sex": pd.Series({"w": 50.0, "m": 50.0})}
    result = rake(sample, margins, tol=1e-13)
    w = result.weights
    assert result.converged
    assert w[["A", "B"]].sum() == pytest.approx(50.0) and w[["C", "D"]].sum() == pytest.approx(50)
    outside = w["D"]
    assert w[["A", "C"]].sum() == pytest.approx(50.0 * (100 - outside) / 100, rel=1e-9)
    assert w["B"] == pytest.approx(50.0 * (100 - outside) / 100, rel=1e-9)
    assert any("1 Befragte ohne (passende) Angabe" in p for p in result.problems)


def test_joint_margin_with_multiindex():
    sample = pd.DataFrame({"g": ["1", "1", "2", "2"], "age": ["j", "a", "j", "a"]})
    target = pd.Series(
        [10.0, 20.0, 30.0, 40.0],
        index=pd.MultiIndex.from_tuples([("1", "j"), ("1", "a"), ("2", "j"), ("2", "a")]),
    )
    result = rake(sample, {("g", "age"): target})
    assert result.weights.tolist() == pytest.approx([10.0, 20.0, 30.0, 40.0])
    assert result.margins_table["margin"].iloc[0] == "g × age"


def test_bounds_trim_weight_ratios():
    rng = np.random.default_rng(5)
    sample = pd.DataFrame(
        {"a": rng.choice(["x", "y"], 400, p=[0.8, 0.2]), "b": rng.choice(["p", "q"], 400)}
    )
    margins = {"a": pd.Series({"x": 500.0, "y": 500.0}), "b": pd.Series({"p": 500.0, "q": 500.0})}
    free = rake(sample, margins)
    ratio = free.weights / free.weights.mean()
    assert ratio.max() > 2.0  # y is under-represented by a factor of about 2.5
    trimmed = rake(sample, margins, bounds=(0.5, 2.0), max_iter=200)
    r = trimmed.weights / (1000 / 400)
    assert r.max() <= 2.0 + 1e-12 and r.min() >= 0.5 - 1e-12
    assert not trimmed.converged  # 2.0 is too tight to reach 50 % y: said so
    assert any("nicht konvergiert" in p for p in trimmed.problems)
    loose = rake(sample, margins, bounds=(0.3, 3.0))
    assert loose.converged and loose.max_margin_error < 1e-9


# --- margins from the region --------------------------------------------------------------
@pytest.fixture(scope="module")
def region():
    return demo.musterland()


def test_population_margins_from_region(region):
    muni = region.municipalities
    margins = population_margins(region)
    adults = muni[["pop_18_29", "pop_30_64", "pop_65_plus"]].sum(axis=1)
    pd.testing.assert_series_equal(
        margins["ags"], adults.astype(float), check_names=False, check_index_type=False
    )
    assert margins["age_group"]["65_plus"] == muni["pop_65_plus"].sum()
    if "pop_18_29_female" in muni.columns:
        female = muni[["pop_18_29_female", "pop_30_64_female", "pop_65_plus_female"]].sum().sum()
        assert margins["sex"]["w"] == pytest.approx(female)
    joint = population_margins(region, by=[("ags", "age_group")])
    assert joint[("ags", "age_group")][(muni.index[0], "30_64")] == muni["pop_30_64"].iloc[0]


def test_population_margins_fall_back_without_sex_and_age_columns():
    muni = pd.DataFrame(
        {"population": [1000, 3000], "pop_18_29": [100, 300], "pop_30_64": [500, 1500],
         "pop_65_plus": [200, 600], "pop_female": [600, 1500], "pop_male": [400, 1500]},
        index=pd.Index(["01", "02"], name="ags"),
    )
    margins = population_margins(SimpleNamespace(municipalities=muni))
    # adults by sex from the share of the whole population: 800 · 0.6 + 2400 · 0.5
    assert margins["sex"].to_dict() == pytest.approx({"w": 1680.0, "m": 1520.0})
    assert any("pop_female : pop_male" in n for n in margins.notes)
    plain = population_margins(SimpleNamespace(municipalities=muni[["population"]]))
    assert list(plain) == ["ags"]
    assert plain["ags"].to_dict() == {"01": 1000.0, "02": 3000.0}
    assert len(plain.notes) == 2


def test_weight_survey_on_demo(region):
    survey = region.survey
    result = weight_survey(survey, region)
    assert result.converged and result.max_margin_error < 1e-9
    adults = population_margins(region)["ags"].sum()
    assert result.weights.sum() == pytest.approx(adults)
    assert result.design_effect > 1.0
    assert result.effective_n == pytest.approx(len(survey) / result.design_effect)


def test_weight_survey_does_not_rake_divers_and_missing_sex_on_sex():
    muni = pd.DataFrame(
        {"population": [100, 100], "pop_18_29": [20, 30], "pop_30_64": [50, 40],
         "pop_65_plus": [30, 30], "pop_female": [50, 60], "pop_male": [50, 40]},
        index=pd.Index(["01", "02"], name="ags"),
    )
    region = SimpleNamespace(municipalities=muni)
    survey = pd.DataFrame(
        {
            "ags": ["01", "01", "01", "02", "02", "02", "01", "02"],
            "age_group": ["18_29", "30_64", "65_plus", "18_29", "30_64", "65_plus", "30_64",
                          "30_64"],
            "sex": ["w", "m", "w", "m", "w", "d", None, "m"],
        }
    )
    result = weight_survey(survey, region)
    assert result.converged and result.weights.sum() == pytest.approx(200.0)
    w = result.weights
    outside = w[survey["sex"].isin(["d"]) | survey["sex"].isna()].sum()
    # w/m targets 50+60 = 110 and 50+40 = 90 shrink by the weight of "d" and missing
    assert w[survey["sex"] == "w"].sum() == pytest.approx(110 * (200 - outside) / 200, rel=1e-9)
    assert any("2 Befragte ohne (passende) Angabe" in p for p in result.problems)
    assert any("pop_female : pop_male" in p for p in result.problems)
