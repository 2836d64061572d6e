"""Scenarios (kulturplan.planning.scenario) and their comparison (planning.compare).

Expected values are computed by hand on the tiny region of ``conftest.py`` (four 5-km
squares; Musikschule F03 in Cestadt, 12,000 inhabitants) or by a brute-force numpy
reference over the population points.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import make_tiny_region
from hypothesis import given, settings
from hypothesis import strategies as st

import kulturplan as kp
from kulturplan import access, demand
from kulturplan.errors import ParameterError
from kulturplan.planning.compare import compare, reach_id
from kulturplan.planning.scenario import (
    AddFacility,
    ChangeFacility,
    MobileOffer,
    MoveFacility,
    RemoveFacility,
    ScaleDemand,
    Scenario,
    ScenarioRegion,
)

AHEIM, BEDORF, CESTADT, DEWALD = "99001001", "99001002", "99001003", "99001004"


def _value(comparison, indicator: str, ags: str, column: str = "value") -> float:
    t = comparison.table
    row = t[(t["indicator"] == indicator) & (t["ags"] == ags)]
    assert len(row) == 1
    return float(row[column].iloc[0])


# -- scenario.apply ------------------------------------------------------------------------
def test_apply_flags_every_kind_of_edit_and_keeps_input(tiny_region):
    before = tiny_region.facilities.copy()
    s = Scenario("alles", (
        AddFacility("musikschule", "Zweigstelle Aheim", (502_500, 5_702_500), capacity=40),
        RemoveFacility("F02"),
        MoveFacility("F04", (507_500, 5_707_500)),
        ChangeFacility("F05", hours_per_week=12),
        MobileOffer("Bücherbus", "bibliothek", (("Dewald", (508_000, 5_708_000), 1.5),
                                                ("Aheim", (501_000, 5_701_500), 2.0))),
    ))
    out = s.apply(tiny_region)
    assert isinstance(out, ScenarioRegion) and isinstance(out, kp.Region)
    pd.testing.assert_frame_equal(tiny_region.facilities, before)  # input unchanged
    assert "status" not in tiny_region.facilities.columns
    status = out.all_facilities["status"]
    assert status["F02"] == "entfernt" and "F02" not in out.facilities.index
    assert list(out.removed.index) == ["F02"]
    assert status["F04"] == "verschoben" and out.facilities.at["F04", "ags"] == DEWALD
    assert status["F05"] == "geändert" and out.facilities.at["F05", "hours_per_week"] == 12
    new = out.facilities[out.facilities["status"] == "neu"]
    assert list(new.index) == ["neu-1", "neu-2", "neu-3"]
    assert list(new["ags"]) == [AHEIM, DEWALD, AHEIM]
    assert list(new["mobile"]) == [False, True, True]
    assert list(new["hours_per_week"].iloc[1:]) == [1.5, 2.0]
    assert new.at["neu-2", "name"] == "Bücherbus – Haltestelle Dewald"
    assert (status == "unverändert").sum() == 10 - 3
    assert len(out.changed_facilities()) == 6
    # the same hints as the region itself: events at the removed library are no "unknown venue"
    assert out.report.problems == tiny_region.report.problems


def test_removed_facilities_are_excluded_from_every_measure(tiny_region):
    out = Scenario("ohne Musikschule", (RemoveFacility("F03"),)).apply(tiny_region)
    table = kp.indicators.compute(out, ["einrichtungen_je_10000__musikschule",
                                        "anteil_15_minuten__musikschule"])
    assert table.loc[CESTADT, "einrichtungen_je_10000__musikschule"] == 0.0
    # no Musikschule left: 0 % within reach (catalog convention)
    assert (table["anteil_15_minuten__musikschule"] == 0.0).all()


def test_empty_scenario_changes_nothing(tiny_region):
    out = Scenario("leer").apply(tiny_region)
    pd.testing.assert_frame_equal(kp.indicators.compute(out), kp.indicators.compute(tiny_region))
    c = compare(tiny_region, Scenario("leer"), ids=None)
    assert (c.table["change"].fillna(0) == 0).all()


def test_scale_demand_factor_and_series(tiny_region):
    out = Scenario("x2", (ScaleDemand(2.0),)).apply(tiny_region)
    assert out.population[CESTADT] == 24_000
    assert out.municipalities.loc[CESTADT, "pop_65_plus"] == 4_320
    part = Scenario("Prognose", (ScaleDemand(pd.Series({DEWALD: 0.8})),)).apply(tiny_region)
    assert part.population[DEWALD] == 400 and part.population[AHEIM] == 1_000
    with pytest.raises(ParameterError, match="unbekannte AGS 99009999"):
        Scenario("x", (ScaleDemand({"99009999": 1.1}),)).apply(tiny_region)


@pytest.mark.parametrize("edit, message", [
    (RemoveFacility("F99"), "„F99“ gibt es in der Region nicht"),
    (MoveFacility("nope", (0, 0)), "„nope“ gibt es in der Region nicht"),
    (ChangeFacility("F77", capacity=3), "„F77“ gibt es in der Region nicht"),
])
def test_unknown_ids_give_german_errors(tiny_region, edit, message):
    with pytest.raises(ParameterError, match=message):
        Scenario("falsch", (edit,)).apply(tiny_region)


def test_bad_edits_give_german_errors(tiny_region):
    with pytest.raises(ParameterError, match="Sparte „oper“ ist unbekannt"):
        AddFacility("oper", "Oper", (0, 0))
    with pytest.raises(ParameterError, match="erwartet wird ein Punkt"):
        AddFacility("kino", "Kino", "Marktplatz")
    with pytest.raises(ParameterError, match="bereits entfernt"):
        Scenario("2x", (RemoveFacility("F01"), RemoveFacility("F01"))).apply(tiny_region)
    with pytest.raises(ParameterError, match="keine Szenario-Änderung"):
        Scenario("falsch", ("F01",))  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="mindestens eine Haltestelle"):
        MobileOffer("Bus", "bibliothek", ())


def test_adding_then_removing_a_new_site_is_nothing(tiny_region):
    s = Scenario("hin und zurück", (AddFacility("kino", "Kino", (501_000, 5_701_000)),
                                    RemoveFacility("neu-1")))
    out = s.apply(tiny_region)
    assert len(out.all_facilities) == 10 and out.removed.empty


# -- compare ---------------------------------------------------------------------------------
def test_compare_hand_computed_values(tiny_region):
    scenarios = [
        Scenario("Zweigstelle Aheim",
                 (AddFacility("musikschule", "MS Aheim", (502_500, 5_702_500)),)),
        Scenario("Schließung", (RemoveFacility("F03"),)),
        Scenario("Umzug", (MoveFacility("F03", (507_500, 5_707_500)),)),
        Scenario("Ausbau", (ChangeFacility("F03", capacity=600),)),
    ]
    ids = ["einrichtungen_je_10000__musikschule", "kapazitaet_je_1000"]
    c = compare(tiny_region, scenarios, ids=ids, reach={})
    ind = "einrichtungen_je_10000__musikschule"
    t = c.table.set_index(["scenario", "indicator", "ags"])
    # 1 / 1,000 * 10,000 = 10 (baseline 0: no change in %)
    assert t.loc[("Zweigstelle Aheim", ind, AHEIM), "value"] == pytest.approx(10.0)
    assert np.isnan(t.loc[("Zweigstelle Aheim", ind, AHEIM), "change_pct"])
    # 1 / 12,000 * 10,000 = 0.8333 -> 0: -100 %
    assert t.loc[("Schließung", ind, CESTADT), "baseline"] == pytest.approx(10 / 12)
    assert t.loc[("Schließung", ind, CESTADT), "change_pct"] == pytest.approx(-100.0)
    # moved to Dewald (500 inhabitants): 20 per 10,000
    assert t.loc[("Umzug", ind, DEWALD), "value"] == pytest.approx(20.0)
    assert t.loc[("Umzug", ind, CESTADT), "value"] == 0.0
    # capacity in Cestadt: 120 + 300 + 180 + 30 = 630 -> 52.5 per 1,000; with 600: 77.5
    cap = t.loc[("Ausbau", "kapazitaet_je_1000", CESTADT)]
    assert (cap["baseline"], cap["value"]) == (pytest.approx(52.5), pytest.approx(77.5))
    assert cap["change_pct"] == pytest.approx(25 / 52.5 * 100)
    assert list(c.table.columns) == ["scenario", "indicator", "label", "ags", "baseline",
                                     "value", "change", "change_pct"]
    assert len(c.table) == 4 * 2 * 4  # scenarios × ids × municipalities: only ids asked


def test_reach_rows_match_brute_force_reference(tiny_region):
    s = Scenario("Dewald", (AddFacility("musikschule", "MS Dewald", (507_500, 5_707_500)),))
    c = compare(tiny_region, s, ids=[], reach={"musikschule": (3.0, "km")})
    rid = reach_id("musikschule", 3.0, "km")
    pts = demand.population_points(tiny_region)
    xy = shapely.get_coordinates(pts.geometry.values)
    for sites, column in (([(502_000, 5_707_000)], "baseline"),
                          ([(502_000, 5_707_000), (507_500, 5_707_500)], "value")):
        d = np.min(np.hypot(xy[:, :1] - np.array(sites)[:, 0], xy[:, 1:] - np.array(sites)[:, 1]),
                   axis=1) / 1000
        expected = pts.assign(w=np.where(d <= 3.0, pts["population"], 0)).groupby("ags")["w"].sum()
        got = c.table.set_index("ags")[column]
        np.testing.assert_allclose(got.reindex(expected.index), expected, rtol=1e-9)
    assert c.totals().loc[("Dewald", rid), "change"] == pytest.approx(
        c.table["change"].sum())


def test_leave_one_out_effect_and_notes(tiny_region):
    s = Scenario("zwei", (
        AddFacility("musikschule", "MS Aheim", (502_500, 5_702_500)),
        MoveFacility("F03", (502_600, 5_707_100)),  # stays in Cestadt
    ))
    ind = "einrichtungen_je_10000__musikschule"
    c = compare(tiny_region, s, ids=[ind, "vereine_je_10000"])
    eff = c.effects.set_index(["edit", "indicator", "ags"])["effect"]
    assert eff[(1, ind, AHEIM)] == pytest.approx(10.0)
    assert eff[(1, ind, CESTADT)] == 0.0
    assert (eff.xs(2, level="edit").xs(ind, level="indicator") == 0).all()
    notes = c.notes.set_index(["edit_type", "indicator"])["note"]
    assert "andere Gemeinde verschoben" in notes[("Einrichtung verschieben", ind)]
    assert "hängt nicht von den Einrichtungen ab" in notes[("neue Einrichtung",
                                                             "vereine_je_10000")]
    assert ("neue Einrichtung", ind) not in notes.index


def test_compare_rejects_duplicate_names(tiny_region):
    with pytest.raises(ParameterError, match="verschiedene Namen"):
        compare(tiny_region, [Scenario("a"), Scenario("a")], ids=[])


# -- invariants ------------------------------------------------------------------------------
coords = st.tuples(st.floats(500_000, 510_000), st.floats(5_700_000, 5_710_000))


def _nearest(region: kp.Region, category: str) -> np.ndarray:
    pts = demand.population_points(region)
    fac = region.facilities[region.facilities["category"] == category]
    return access.nearest(pts, fac).to_numpy()


TINY = make_tiny_region()  # read-only in the property test below


@settings(max_examples=25, deadline=None)
@given(xy=coords, cat=st.sampled_from(["bibliothek", "museum", "musikschule"]))
def test_adding_never_worsens_and_removing_never_improves(xy, cat):
    tiny_region = TINY
    base = _nearest(tiny_region, cat)
    added = Scenario("neu", (AddFacility(cat, "Neu", xy),)).apply(tiny_region)
    assert (_nearest(added, cat) <= base + 1e-12).all()
    fac = tiny_region.facilities
    ids = fac.index[fac["category"] == cat]
    if len(ids) > 1:
        removed = Scenario("weg", (RemoveFacility(ids[0]),)).apply(tiny_region)
        assert (_nearest(removed, cat) >= base - 1e-12).all()


def test_scenario_region_of_a_scenario_keeps_removed(tiny_region):
    first = Scenario("eins", (RemoveFacility("F01"),)).apply(tiny_region)
    second = Scenario("zwei", (RemoveFacility("F02"),)).apply(first)
    assert sorted(second.removed.index) == ["F01", "F02"]
    assert isinstance(second.facilities, gpd.GeoDataFrame)


# -- demo: the Bücherbus route ------------------------------------------------------------
def test_demo_bookmobile_route_as_mobile_offer():
    region = kp.demo.musterland(seed=0)
    route = kp.demo.bookmobile_route(region)
    libraries = region.facilities[region.facilities["category"] == "bibliothek"]
    assert len(route) == 6 and not route["ags"].isin(libraries["ags"]).any()
    muni = region.municipalities.loc[route["ags"]]
    assert shapely.contains(np.asarray(muni.geometry.values), route.geometry.values).all()
    assert list(muni["population"]) == sorted(muni["population"], reverse=True)
    offer = MobileOffer(kp.demo.BOOKMOBILE_NAME, "bibliothek", tuple(
        zip(route["stop"], route.geometry, route["hours_per_week"], strict=True)))
    out = Scenario("Bücherbus", (offer,)).apply(region)
    stops = out.facilities[out.facilities["mobile"] & (out.facilities["status"] == "neu")]
    assert list(stops["ags"]) == list(route["ags"]) and (stops["hours_per_week"] == 1.5).all()
    # one library (the stop) per stop municipality
    table = kp.indicators.compute(out, ["einrichtungen_je_10000__bibliothek"])
    expected = 1 / muni["population"] * 10_000
    np.testing.assert_allclose(table.loc[route["ags"], "einrichtungen_je_10000__bibliothek"],
                               expected.to_numpy())
    # the same route again from the same seed; a new random stream leaves the region as is
    pd.testing.assert_frame_equal(kp.demo.bookmobile_route(region), route)
    pd.testing.assert_frame_equal(kp.demo.musterland(seed=0).facilities, region.facilities)
