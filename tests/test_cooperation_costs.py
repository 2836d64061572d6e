"""Cost sharing: keys, Kulturumlage, Shapley value, nucleolus, airport rule, core check."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kulturplan.cooperation import costs
from kulturplan.errors import ParameterError

F = frozenset
GAME = {F("A"): 120, F("B"): 90, F("C"): 60, F("AB"): 170, F("AC"): 150, F("BC"): 130,
        F("ABC"): 200}


def test_shapley_of_the_three_member_game():
    # by hand: A = (120 + 120 + 80 + 70·2)/6 … = 91.667, B = 66.667, C = 41.667
    phi = costs.shapley(GAME)
    assert phi.index.tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(phi.to_numpy(), [275 / 3, 200 / 3, 125 / 3])
    assert phi.sum() == pytest.approx(200)
    assert phi.attrs["method"] == "exakt (alle Koalitionen)"


def test_nucleolus_of_the_three_member_game_by_hand():
    # smallest savings: C and AB (60 − x_C = x_C − 30 → x_C = 45, saving 15); then
    # AC/BC: x_B − 50 = 85 − x_B → x_B = 67.5 (saving 17.5); x_A = 87.5
    nu = costs.nucleolus(GAME)
    np.testing.assert_allclose(nu.to_numpy(), [87.5, 67.5, 45.0], atol=1e-7)
    assert costs.core_violations(GAME, nu).empty


def test_game_given_as_function_or_vector_gives_the_same():
    vector = costs.cost_vector(GAME, list("ABC"))
    assert vector.tolist() == [0, 120, 90, 170, 60, 150, 130, 200]
    by_function = costs.shapley(lambda s: GAME[s] if s else 0.0, list("ABC"))
    by_vector = costs.shapley(vector, list("ABC"))
    pd.testing.assert_series_equal(by_function, costs.shapley(GAME))
    pd.testing.assert_series_equal(by_vector, costs.shapley(GAME))


def test_missing_coalition_is_named():
    game = {k: v for k, v in GAME.items() if k != F("BC")}
    with pytest.raises(ParameterError, match=r"Für 1 Koalitionen fehlen die Kosten, z. B. "
                       r"\{B, C\}"):
        costs.shapley(game)


def test_core_check_lists_coalitions_better_off_alone():
    # inhabitants 10/10/80 → (20, 20, 160): C pays 160 > 60 alone, B+C 180 > 130, A+C 180 > 150
    shares = costs.by_inhabitants(200, pd.Series({"A": 10, "B": 10, "C": 80}))
    bad = costs.core_violations(GAME, shares)
    assert bad["members"].tolist() == [("C",), ("B", "C"), ("A", "C")]
    assert bad["saving"].tolist() == pytest.approx([100, 50, 30])
    first = bad.iloc[0]
    assert first["alone"] == 60 and first["pays"] == pytest.approx(160)
    assert not costs.core_is_empty(GAME)


def test_empty_core_is_recognised():
    # every pair pays 100 but all three 160 > 3/2 · 100: no allocation satisfies all pairs
    game = {F("A"): 60, F("B"): 60, F("C"): 60, F("AB"): 100, F("AC"): 100, F("BC"): 100,
            F("ABC"): 160}
    assert costs.core_is_empty(game)
    nu = costs.nucleolus(game)
    np.testing.assert_allclose(nu.to_numpy(), [160 / 3] * 3)


def test_airport_rule_by_hand_and_equal_to_shapley_of_the_airport_game():
    stand_alone = pd.Series({"Klein": 10.0, "Mittel": 20.0, "Groß": 40.0})
    air = costs.airport(stand_alone)
    # 10/3 each; (20 − 10)/2 more for Mittel and Groß; (40 − 20) more for Groß alone
    np.testing.assert_allclose(air.to_numpy(), [10 / 3, 10 / 3 + 5, 10 / 3 + 5 + 20])
    phi = costs.shapley(costs.airport_game(stand_alone), list(stand_alone.index))
    np.testing.assert_allclose(air.to_numpy(), phi.to_numpy())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1000), min_size=1, max_size=7))
def test_airport_equals_shapley_for_random_costs(values):
    s = pd.Series(values, index=[f"m{i}" for i in range(len(values))])
    phi = costs.shapley(costs.airport_game(s), list(s.index))
    np.testing.assert_allclose(costs.airport(s).to_numpy(), phi.to_numpy(), atol=1e-6)


def _random_game(draw, n):
    """Random cost game: c(S) = sum of random facility costs needed by S, made subadditive."""
    values = draw(st.lists(st.floats(1, 100), min_size=(1 << n) - 1, max_size=(1 << n) - 1))
    return np.concatenate([[0.0], values])


@settings(max_examples=40, deadline=None)
@given(st.data(), st.integers(2, 5))
def test_shapley_sums_to_total_and_is_symmetric(data, n):
    c = _random_game(data.draw, n)
    # make members 0 and 1 symmetric: c(S ∪ 0) = c(S ∪ 1) for S without both
    masks = np.arange(1 << n)
    for m in masks[(masks & 3) == 1]:
        c[m ^ 3] = c[m]  # swap the role of member 0 and 1
    phi = costs.shapley(c)
    assert phi.sum() == pytest.approx(c[-1])
    assert phi.iloc[0] == pytest.approx(phi.iloc[1])


@settings(max_examples=40, deadline=None)
@given(st.data(), st.integers(2, 5), st.floats(0, 500))
def test_dummy_member_pays_its_stand_alone_cost(data, n, own):
    c = _random_game(data.draw, n - 1)
    # member n-1 is a dummy: c(S ∪ d) = c(S) + c(d)
    full = np.concatenate([c, c + own])
    phi = costs.shapley(full)
    assert phi.iloc[-1] == pytest.approx(own)
    assert phi.sum() == pytest.approx(full[-1])


@st.composite
def concave_games(draw):
    """Submodular cost games (non-empty core): c(S) = f(sum of weights), f concave."""
    n = draw(st.integers(2, 6))
    w = np.array(draw(st.lists(st.floats(1, 50), min_size=n, max_size=n)))
    fixed = draw(st.floats(0, 100))
    power = draw(st.floats(0.3, 1.0))
    masks = np.arange(1 << n)
    total = ((masks[:, None] >> np.arange(n)) & 1) @ w
    c = fixed + total**power
    c[0] = 0.0
    return c


@settings(max_examples=30, deadline=None)
@given(concave_games())
def test_nucleolus_lies_in_the_core_when_it_is_non_empty(c):
    assert not costs.core_is_empty(c)
    nu = costs.nucleolus(c)
    assert nu.sum() == pytest.approx(c[-1])
    assert costs.core_violations(c, nu, tolerance=1e-6).empty


@settings(max_examples=30, deadline=None)
@given(st.data(), st.integers(2, 5))
def test_nucleolus_of_random_games_in_core_if_core_exists(data, n):
    c = _random_game(data.draw, n)
    singles = c[1 << np.arange(n)]
    c[-1] = min(c[-1], singles.sum())  # an imputation exists
    nu = costs.nucleolus(c)
    assert nu.sum() == pytest.approx(c[-1])
    assert (nu.to_numpy() <= singles + 1e-6).all()  # individually rational
    if not costs.core_is_empty(c):
        assert costs.core_violations(c, nu, tolerance=1e-6).empty


def test_usage_keys_reproduce_their_proportions():
    hours = pd.Series({"Adlerwang": 1200.0, "Biberwald": 300.0, "Cranz": 500.0})
    shares = costs.by_usage(100_000, hours)
    assert shares.tolist() == pytest.approx([60_000, 15_000, 25_000])
    assert (shares / shares.sum()).tolist() == pytest.approx((hours / hours.sum()).tolist())
    inh = costs.by_inhabitants(90, pd.Series({"a": 1, "b": 2}))
    assert inh.tolist() == pytest.approx([30, 60])
    benefit = costs.by_benefit(100, pd.Series({"a": 100, "b": 100}), pd.Series({"a": 1.0,
                                                                                "b": 0.25}))
    assert benefit.tolist() == pytest.approx([80, 20])
    with pytest.raises(ParameterError, match="Zahlen ≥ 0"):
        costs.by_usage(10, pd.Series({"a": -1.0, "b": 2.0}))


def test_kulturumlage_rate_times_bases_is_required_and_cities_are_deducted():
    # Kulturraum of two Landkreise and one Große Kreisstadt inside the first
    bases = pd.Series({"LK Nord": 500e6, "LK Süd": 300e6, "Stadt Nordheim": 100e6})
    result = costs.kulturumlage(14e6, bases, city_members={"Stadt Nordheim": "LK Nord"})
    assert result.bases.tolist() == [400e6, 300e6, 100e6]
    assert result.rate == pytest.approx(14e6 / 800e6)  # 1,75 %
    assert (result.rate * result.bases).sum() == pytest.approx(14e6)
    assert result.amounts.tolist() == pytest.approx([7e6, 5.25e6, 1.75e6])
    with pytest.raises(ParameterError, match="„Stadt X“ oder ihr Kreis"):
        costs.kulturumlage(1, bases, city_members={"Stadt X": "LK Nord"})


def test_cost_shares_side_by_side_flags_members_paying_more_than_alone():
    table = costs.cost_shares(GAME, list("ABC"),
                              keys={"inhabitants": pd.Series({"A": 10, "B": 10, "C": 80})})
    assert table.columns.tolist() == ["alone", "inhabitants", "shapley", "nucleolus"]
    for col in ("inhabitants", "shapley", "nucleolus"):
        assert table[col].sum() == pytest.approx(200)
    assert table.attrs["above_alone"] == {"inhabitants": ["C"], "shapley": [], "nucleolus": []}
    assert table.attrs["core_violations"] == {"inhabitants": 3, "shapley": 0, "nucleolus": 0}


def test_shared_facility_game_and_sampling_beyond_twenty():
    hours = pd.Series([100.0, 200.0, 300.0])
    c = costs.shared_facility_game(hours, fixed=1000, per_unit=2, per_member=50)
    assert c.tolist() == [0, 1200, 1400, 1650, 1600, 1850, 2050, 2300]
    # 22 members: sampled, with a standard error; an additive game has no sampling error
    w = pd.Series(np.arange(1, 23, dtype=float), index=[f"g{i}" for i in range(22)])
    phi = costs.shapley(lambda s: float(w[list(s)].sum()), list(w.index), samples=50)
    np.testing.assert_allclose(phi.to_numpy(), w.to_numpy())
    assert phi.attrs["standard_error"].max() == pytest.approx(0, abs=1e-9)
    assert "Stichprobe von 50 Beitrittsreihenfolgen" in phi.attrs["method"]


def test_sampled_shapley_is_within_its_stated_error():
    # airport game of 22 members: exact value known from the airport rule
    s = pd.Series(np.linspace(10, 220, 22), index=[f"g{i}" for i in range(22)])
    phi = costs.shapley(costs.airport_game(s), list(s.index), samples=4000, seed=3)
    err = phi.attrs["standard_error"]
    assert (np.abs(phi - costs.airport(s)) <= 4 * err + 1e-9).all()


def test_exact_enumeration_matches_permutations_for_small_games():
    # Shapley by definition: average marginal cost over all 3! orders
    members = list("ABC")
    total = dict.fromkeys(members, 0.0)
    for order in itertools.permutations(members):
        seen: frozenset = frozenset()
        for m in order:
            before = GAME.get(seen, 0.0)
            seen = seen | {m}
            total[m] += GAME[seen] - before
    assert costs.shapley(GAME).tolist() == pytest.approx([v / 6 for v in total.values()])
