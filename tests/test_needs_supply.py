"""Needs against supply: demand from age-specific rates, places in reach, ratio and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kulturplan.errors import ParameterError
from kulturplan.needs.supply import (
    compare_needs_supply,
    demand_table,
    needs_against_supply,
    supply_in_reach,
)

ALL_IN_REACH = {1000.0: 1.0}  # one zone of 1000 km, weight 1: every place reaches everyone


def _population() -> pd.DataFrame:
    return pd.DataFrame(
        {"pop_18_29": [100.0, 200.0], "pop_30_64": [400.0, 600.0], "pop_65_plus": [500.0, 200.0]},
        index=pd.Index(["99001001", "99001002"], name="ags"),
    )


def _rates(suppress_old: bool = False) -> pd.DataFrame:
    return pd.DataFrame({
        "sparte": ["kino"] * 3,
        "age_group": ["18_29", "30_64", "65_plus"],
        "n": [60, 300, 340],
        "estimate": [0.5, 0.3, 0.1],
        "ci_low": [0.4, 0.25, 0.08],
        "ci_high": [0.6, 0.35, 0.12],
        "suppressed": [False, False, suppress_old],
    })


def test_demand_is_population_times_age_specific_rate():
    d = demand_table(_population(), _rates()).set_index("ags")
    # 100*.5 + 400*.3 + 500*.1 = 220; low 40 + 100 + 40 = 180; high 60 + 140 + 60 = 260
    assert d.loc["99001001", "demand"] == pytest.approx(220.0)
    assert d.loc["99001001", "demand_low"] == pytest.approx(180.0)
    assert d.loc["99001001", "demand_high"] == pytest.approx(260.0)
    # 200*.5 + 600*.3 + 200*.1 = 300
    assert d.loc["99001002", "demand"] == pytest.approx(300.0)
    assert d.loc["99001002", "adults"] == 1000
    assert d.loc["99001002", "n"] == 60


def test_suppressed_rate_makes_demand_unknown_not_zero():
    d = demand_table(_population(), _rates(suppress_old=True))
    assert d["demand"].isna().all()
    out = needs_against_supply(d, pd.DataFrame({"ags": ["99001001", "99001002"],
                                                "sparte": "kino", "places": [10.0, 20.0]}))
    assert set(out["status_label"]) == {"zu wenige Antworten"}


def test_ratio_interval_and_gap_only_where_the_interval_says_so():
    demand = pd.DataFrame({
        "ags": ["a", "b", "c", "d"], "sparte": "kino",
        "demand": [200.0, 100.0, 100.0, 500.0], "demand_low": [160.0, 90.0, 50.0, 400.0],
        "demand_high": [250.0, 110.0, 200.0, 700.0], "n": 100,
    })
    supply = pd.DataFrame({"ags": ["a", "b", "c", "d"], "sparte": "kino",
                           "places": [1.0, 2.0, 1.0, 4.0]})
    out = needs_against_supply(demand, supply).set_index("ags")
    # Kreis: 1000 * 8 / 900 = 8.89 places per 1,000 potential users; gap below half: 4.44
    ref = 8000 / 900
    assert out["reference"].iloc[0] == pytest.approx(ref)
    # a: 5 per 1,000, interval [4, 6.25]: below the Kreis value but not below half -> ok
    assert out.loc["a", ["ratio", "ratio_low", "ratio_high"]].tolist() == pytest.approx(
        [5.0, 4.0, 6.25])
    assert out.loc["a", "status"] == "ok"
    # b: 20, interval [18.18, 22.2] above 8.89 -> above
    assert out.loc["b", "ratio_low"] == pytest.approx(2000 / 110)
    assert out.loc["b", "status"] == "above"
    # c: 10, interval [5, 20] contains the reference -> the data do not say
    assert out.loc["c", "status"] == "ok"
    assert out.loc["c", "status_label"] == "im Rahmen"
    # d: 8, interval [5.71, 10]; with a stricter standard (gap below 90 % of 8.89 = 8.0)
    # it is still "ok", a gets flagged: 6.25 < 8.0
    strict = needs_against_supply(demand, supply, gap_below=0.9).set_index("ags")
    assert strict.loc["a", "status"] == "gap"
    assert strict.loc["d", "status"] == "ok"
    # with a given reference (e.g. today's) the flag follows it: 6.25 < 0.5 * 13
    again = needs_against_supply(demand, supply, reference={"kino": 13.0}).set_index("ags")
    assert again.loc["a", "status"] == "gap"
    assert again.loc["a", "status_label"] == "Lücke"
    with pytest.raises(ParameterError, match="gap_below"):
        needs_against_supply(demand, supply, gap_below=0)


def test_places_in_reach_by_hand(tiny_region):
    table, report = supply_in_reach(tiny_region, ["kino", "bibliothek"], weights=ALL_IN_REACH,
                                    cost="euclidean")
    kino = table[table["sparte"] == "kino"].set_index("ags")
    # one cinema with 180 places shared by 16,000 residents, all in reach with weight 1
    assert kino.loc["99001001", "places_per_1000"] == pytest.approx(1000 * 180 / 16000)
    assert kino.loc["99001001", "places"] == pytest.approx(1000 * 180 / 16000)
    assert kino["places"].sum() == pytest.approx(180.0)
    # libraries 120 + 30 + one without capacity counted with the median 75
    lib = table[table["sparte"] == "bibliothek"]
    assert lib["places"].sum() == pytest.approx(225.0)
    assert report.assumed_capacity == {"kino": 0, "bibliothek": 1}
    assert "1 ohne Platzzahl" in report.notes()[0]


def test_projected_population_changes_competition(tiny_region):
    future = pd.Series({"99001001": 1000.0, "99001002": 2500.0, "99001003": 24000.0,
                        "99001004": 500.0})
    table, _ = supply_in_reach(tiny_region, ["kino"], population=future, weights=ALL_IN_REACH,
                               cost="euclidean")
    t = table.set_index("ags")
    assert t.loc["99001003", "population"] == pytest.approx(24000.0)
    assert t.loc["99001003", "places"] == pytest.approx(24000 * 180 / 28000)
    assert t.loc["99001001", "places_per_1000"] == pytest.approx(1000 * 180 / 28000)


def test_compare_needs_supply_today_and_projection(tiny_region):
    rates = _rates()
    today, _ = compare_needs_supply(tiny_region, rates, weights=ALL_IN_REACH, cost="euclidean")
    t = today.set_index("ags")
    # Aheim: adults 130 / 450 / 250 -> demand 65 + 135 + 25 = 225; places 11.25
    assert t.loc["99001001", "demand"] == pytest.approx(225.0)
    assert t.loc["99001001", "ratio"] == pytest.approx(1000 * 11.25 / 225)
    # everyone shares the same places per inhabitant: ratios differ by the demand per head
    ref = t["reference"].iloc[0]
    demand_total = (today["demand"]).sum()
    assert ref == pytest.approx(1000 * 180 / demand_total)
    # a projection with twice as many old people in Aheim: more demand, fewer places each
    future = tiny_region.municipalities[["pop_0_5", "pop_6_17", "pop_18_29", "pop_30_64",
                                         "pop_65_plus"]].astype(float).copy()
    future.loc["99001001", "pop_65_plus"] = 500.0
    proj, _ = compare_needs_supply(tiny_region, rates, population=future,
                                   reference={"kino": ref}, weights=ALL_IN_REACH,
                                   cost="euclidean")
    p = proj.set_index("ags")
    assert p.loc["99001001", "demand"] == pytest.approx(250.0)
    assert p.loc["99001001", "reference"] == pytest.approx(ref)
    assert p.loc["99001001", "places"] == pytest.approx(1250 * 180 / 16250)


def test_bad_parameters_are_german():
    with pytest.raises(ParameterError, match="es fehlen die Spalten"):
        demand_table(_population(), _rates().drop(columns="ci_low"))
    with pytest.raises(ParameterError, match="pop_65_plus"):
        demand_table(_population().drop(columns="pop_65_plus"), _rates())
    assert np.isfinite(demand_table(_population(), _rates())["demand"]).all()
