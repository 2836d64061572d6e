"""Freiwilligenbörse: optimal assignment (against exhaustive search), scores, distance limit."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import kulturplan as kp
from kulturplan.cooperation import assign, match_volunteers
from kulturplan.cooperation.volunteers import split_list
from kulturplan.demo import volunteer_offers, volunteer_requests
from kulturplan.errors import ParameterError


def brute_force(values: np.ndarray, cap: list[int]) -> float:
    """Best total over every assignment (each row to one column or none, capacities kept)."""
    n, m = values.shape

    @cache
    def best(i: int, left: tuple[int, ...]) -> float:
        if i == n:
            return 0.0
        total = best(i + 1, left)  # volunteer i stays free
        for j in range(m):
            if left[j] > 0 and np.isfinite(values[i, j]):
                rest = left[:j] + (left[j] - 1,) + left[j + 1:]
                total = max(total, values[i, j] + best(i + 1, rest))
        return total

    return best(0, tuple(cap))


@st.composite
def instances(draw, capacities: bool):
    n = draw(st.integers(0, 7))
    m = draw(st.integers(0, 7))
    cells = draw(st.lists(
        st.one_of(st.none(), st.integers(-3, 10)), min_size=n * m, max_size=n * m))
    values = np.array([np.nan if c is None else float(c) for c in cells]).reshape(n, m)
    cap = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)) if capacities else [1] * m
    return values, cap


def _check(values: np.ndarray, cap: list[int], use_capacity: bool) -> None:
    n, m = values.shape
    scores = pd.DataFrame(values, index=[f"F{i}" for i in range(n)],
                          columns=[f"G{j}" for j in range(m)])
    capacity = pd.Series(cap, index=scores.columns) if use_capacity else None
    out = assign(scores, capacity=capacity)
    assert list(out.columns) == ["volunteer", "request", "score"]
    assert out["score"].sum() == pytest.approx(brute_force(values, cap))
    assert out["volunteer"].is_unique
    used = out["request"].value_counts()
    for req, k in used.items():
        assert k <= cap[int(req[1:])]
    for row in out.itertuples():
        v = values[int(row.volunteer[1:]), int(row.request[1:])]
        assert np.isfinite(v) and v == row.score and v > 0


@settings(max_examples=200, deadline=None)
@given(instances(capacities=False))
def test_assign_equals_brute_force(instance):
    values, cap = instance
    _check(values, cap, use_capacity=False)


@settings(max_examples=200, deadline=None)
@given(instances(capacities=True))
def test_assign_with_capacities_equals_brute_force(instance):
    values, cap = instance
    _check(values, cap, use_capacity=True)


def test_assign_by_hand():
    scores = pd.DataFrame({"G1": [5.0, 4.0, np.nan], "G2": [4.0, np.nan, 1.0]},
                          index=pd.Index(["a", "b", "c"], name="freiwillig"))
    scores.columns.name = "gesuch"
    out = assign(scores)
    # a→G2 (4) + b→G1 (4) = 8 beats a→G1 (5) + c→G2 (1) = 6
    assert out.to_dict("records") == [{"freiwillig": "a", "gesuch": "G2", "score": 4.0},
                                      {"freiwillig": "b", "gesuch": "G1", "score": 4.0}]
    two = assign(scores, capacity=pd.Series({"G1": 2, "G2": 1}))
    assert two["score"].sum() == 5.0 + 4.0 + 1.0


def test_assign_parameter_errors():
    scores = pd.DataFrame({"G1": [1.0]}, index=["a"])
    with pytest.raises(ParameterError, match="capacity fehlt"):
        assign(scores, capacity=pd.Series({"G2": 1}))
    with pytest.raises(ParameterError, match="ganze Zahl"):
        assign(scores, capacity=pd.Series({"G1": 1.5}))
    with pytest.raises(ParameterError, match="Zahlen"):
        assign(pd.DataFrame({"G1": ["x"]}, index=["a"]))


def test_split_list():
    assert split_list("Musik; Technik,  aufbau ") == frozenset({"musik", "technik", "aufbau"})
    assert split_list(np.nan) == frozenset()


def _region() -> kp.Region:
    import geopandas as gpd

    muni = gpd.GeoDataFrame(
        {"ags": ["99001001", "99001002", "99001003"], "name": ["A", "B", "C"],
         "population": [1.0, 1.0, 1.0], "area_km2": [100.0, 100.0, 100.0]},
        geometry=[shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000),
                  shapely.box(30_000, 0, 40_000, 10_000)], crs="EPSG:25832")
    return kp.Region(muni)


def test_match_scores_by_hand_and_distance_is_a_hard_limit():
    offers = pd.DataFrame({
        "interests": ["technik;aufbau", "kasse", "technik"],
        "slots": ["sa_abend", "sa_abend;so_vormittag", "sa_abend"],
        "ags": ["99001001", "99001001", "99001001"],
        "max_km": [15.0, 50.0, 5.0],
    }, index=["F1", "F2", "F3"])
    requests = pd.DataFrame({
        "tasks": ["technik;kasse", "kasse"], "slots": ["sa_abend;fr_abend", "so_vormittag"],
        "ags": ["99001002", "99001003"], "org_id": ["V1", "V2"], "people": [1, 1],
    }, index=["G1", "G2"])
    m = match_volunteers(offers, requests, _region())
    s = m.scores
    # F1–G1: tasks 1 of 2 shared, slots 1 of 2: 0.6·0.5 + 0.4·0.5 = 0.5 (10 km ≤ 15)
    assert s.at["F1", "G1"] == pytest.approx(0.5)
    # F1–G2: no shared task → not allowed; F2–G2: 30 km ≤ 50, tasks 1/1, slots 1/1 → 1.0
    assert np.isnan(s.at["F1", "G2"]) and s.at["F2", "G2"] == pytest.approx(1.0)
    # F3–G1: shares task and slot but 10 km > 5 km → not allowed (hard limit)
    assert np.isnan(s.at["F3", "G1"])
    assert m.pairs[["volunteer", "request"]].to_numpy().tolist() == [["F1", "G1"], ["F2", "G2"]]
    assert list(m.pairs["km"]) == [10.0, 30.0]
    assert m.total == pytest.approx(1.5)


def test_demo_matching_respects_every_limit():
    region = kp.demo.musterland()
    offers, requests = volunteer_offers(region), volunteer_requests(region)
    m = match_volunteers(offers, requests, region)
    assert len(m.pairs) > 5
    rep = shapely.point_on_surface(region.municipalities.geometry.to_numpy())
    xy = pd.DataFrame({"x": shapely.get_x(rep), "y": shapely.get_y(rep)},
                      index=region.municipalities.index)
    for row in m.pairs.itertuples():
        a, b = xy.loc[row.volunteer_ags], xy.loc[row.request_ags]
        km = float(np.hypot(a.x - b.x, a.y - b.y)) / 1000
        assert km <= offers.at[row.volunteer, "max_km"] + 1e-9
        assert split_list(offers.at[row.volunteer, "interests"]) & split_list(
            requests.at[row.request, "tasks"])
    used = m.pairs.groupby("request").size()
    assert (used <= requests["people"].reindex(used.index)).all()
    assert set(m.pairs.columns) == {"volunteer", "request", "score", "volunteer_ags",
                                    "request_ags", "org_id", "km"}
