"""Cooperation: places like mine, typology, partners, duplicated offers, tandems (hand-computed)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from rapidfuzz import fuzz, utils

import kulturplan as kp
from kulturplan.cooperation import (
    duplicate_offers,
    find_duplicates,
    network_typology,
    partners,
    profile_table,
    similar_municipalities,
    tandems,
    typology_rule_text,
)
from kulturplan.cooperation._events import event_days, near_pairs
from kulturplan.errors import ParameterError

CRS = "EPSG:25832"


# --- places like mine ---------------------------------------------------------------------
def _four() -> pd.DataFrame:
    return pd.DataFrame({"a": [0.0, 1.0, 0.0, 3.0], "b": [0.0, 0.0, 2.0, 4.0]},
                        index=pd.Index(list("ABCD"), name="ags"))


# by hand: a = [0, 1, 0, 3]: median 0.5, quartiles 0 and 1.5 (linear) → IQR 1.5;
#          b = [0, 0, 2, 4]: median 1,   quartiles 0 and 2.5        → IQR 2.5
_IQR = {"a": 1.5, "b": 2.5}
_D = {  # Euclidean distances of the scaled profiles, by hand
    ("A", "B"): math.hypot(1 / 1.5, 0),
    ("A", "C"): math.hypot(0, 2 / 2.5),
    ("A", "D"): math.hypot(3 / 1.5, 4 / 2.5),
    ("B", "C"): math.hypot(1 / 1.5, 2 / 2.5),
    ("B", "D"): math.hypot(2 / 1.5, 4 / 2.5),
    ("C", "D"): math.hypot(3 / 1.5, 2 / 2.5),
}


def _d(x: str, y: str) -> float:
    return _D[tuple(sorted((x, y)))]  # type: ignore[index]


def _expected(x: str) -> dict[str, float]:
    others = [o for o in "ABCD" if o != x]
    far = max(_d(x, o) for o in others)
    return {o: _d(x, o) / far for o in others}


def test_similarity_equals_hand_computed_distances():
    out = similar_municipalities(_four(), k=3)
    assert len(out) == 12
    for x in "ABCD":
        rows = out[out["ags"] == x]
        expected = _expected(x)
        got = dict(zip(rows["neighbour"], rows["distance"], strict=True))
        assert got == pytest.approx(expected, abs=1e-12)
        assert list(rows["rank"]) == [1, 2, 3]
        assert list(rows["distance"]) == sorted(rows["distance"])
        assert rows["distance"].iloc[-1] == 1.0  # the farthest is exactly 1
    a = out[out["ags"] == "A"]
    assert list(a["neighbour"]) == ["B", "C", "D"]
    assert a["distance"].iloc[0] == pytest.approx((1 / 1.5) / math.hypot(2, 1.6))


def test_identical_profile_has_distance_zero_and_self_is_not_listed():
    t = pd.concat([_four(), pd.DataFrame({"a": [0.0], "b": [0.0]}, index=["A2"])])
    out = similar_municipalities(t, k=2)
    first = out[(out["ags"] == "A") & (out["rank"] == 1)].iloc[0]
    assert first["neighbour"] == "A2" and first["distance"] == 0.0
    assert not (out["ags"] == out["neighbour"]).any()


@pytest.mark.parametrize("factor", [1000.0, 0.001, 37.5])
def test_similarity_is_invariant_to_units(factor):
    base = similar_municipalities(_four(), k=3)
    scaled_table = _four()
    scaled_table["a"] *= factor
    scaled = similar_municipalities(scaled_table, k=3)
    pd.testing.assert_frame_equal(base[["ags", "neighbour", "rank"]],
                                  scaled[["ags", "neighbour", "rank"]])
    np.testing.assert_allclose(base["distance"], scaled["distance"], atol=1e-12)


def test_reasons_name_the_most_alike_and_most_different_indicators():
    out = similar_municipalities(_four(), k=3)
    ab = out[(out["ags"] == "A") & (out["neighbour"] == "B")].iloc[0]
    # A and B differ only in a (|Δa|/1.5 = 0.67 > |Δb| = 0)
    assert ab["alike"] == ("b", "a") and ab["different"] == ("a", "b")
    assert ab["reason"].startswith("Abstand 0,26 (0 = gleich")


def test_missing_values_use_the_indicators_both_have():
    t = _four()
    t.loc["C", "a"] = np.nan  # C: only b; median/IQR of a from A, B, D = [0, 1, 3]
    out = similar_municipalities(t, k=3)
    # a: median 1, quartiles 0.5 and 2 → IQR 1.5 (unchanged); b unchanged (2.5)
    # A–C on b only: |0 - 2| / 2.5 = 0.8, scaled by sqrt(2 / 1)
    d_ac = 0.8 * math.sqrt(2)
    far_a = max(d_ac, _d("A", "B"), _d("A", "D"))
    got = out[(out["ags"] == "A") & (out["neighbour"] == "C")]["distance"].iloc[0]
    assert got == pytest.approx(d_ac / far_a)


def test_within_restricts_neighbours_to_the_same_group_but_keeps_the_scale():
    t = _four()
    t["size"] = ["klein", "klein", "gross", "gross"]
    out = similar_municipalities(t, k=3, indicators=["a", "b"], within="size")
    assert set(map(tuple, out[["ags", "neighbour"]].to_numpy())) == {
        ("A", "B"), ("B", "A"), ("C", "D"), ("D", "C")}
    assert out.set_index("ags").loc["A", "distance"] == pytest.approx(_expected("A")["B"])


def test_similarity_parameter_errors():
    with pytest.raises(ParameterError, match="k muss"):
        similar_municipalities(_four(), k=0)
    with pytest.raises(ParameterError, match="fehlen"):
        similar_municipalities(_four(), indicators=["x"])
    with pytest.raises(ParameterError, match="unterscheidet"):
        similar_municipalities(pd.DataFrame({"a": [1.0, 1.0]}, index=["A", "B"]),
                               indicators=["a"])


def test_profile_table_of_the_demo_is_complete():
    region = kp.demo.musterland()
    prof = profile_table(region)
    assert len(prof) == 24 and prof.notna().all().all()
    muni = region.municipalities
    a = muni.index[0]
    assert prof.at[a, "log_population"] == pytest.approx(math.log10(muni.at[a, "population"]))
    assert prof.at[a, "share_65_plus"] == pytest.approx(
        muni.at[a, "pop_65_plus"] / muni.at[a, "population"])


# --- typology ----------------------------------------------------------------------------------
def test_typology_rule():
    t = pd.DataFrame({
        "population": [3_000, 8_000, 9_999, 10_000, 10_000, 19_999, 20_000],
        "sparten": [6, 1, 2, 4, 3, 3, 0],
        "urban_degree": [3, 2, np.nan, 2, 1, 2, 1],
    }, index=list("abcdefg"))
    out = network_typology(t)
    assert list(out["type"]) == ["klein_laendlich", "klein_verdichtet", "klein_laendlich",
                                 "gross_kulturstark", "gross", "gross", "gross"]
    assert list(out["network"]) == ["klein", "klein", "klein", "gross", "klein", "klein",
                                    "gross"]
    assert out.at["d", "reason"] == ("10.000 Einwohner:innen, mittlere Dichte, Einrichtungen in "
                                     "4 Sparten → größere Gemeinde, kulturstark.")
    text = typology_rule_text()
    assert "10.000" in text and "20.000" in text and "4 Sparten" in text


def test_typology_needs_population_and_sparten():
    with pytest.raises(ParameterError, match="sparten"):
        network_typology(pd.DataFrame({"population": [1]}))


# --- partners ------------------------------------------------------------------------------------
def _row_region(**tables) -> kp.Region:
    """Three 10 km squares in a row: A (0–10 km), B (10–20 km), C (20–30 km)."""
    muni = gpd.GeoDataFrame(
        {"ags": ["99001001", "99001002", "99001003"], "name": ["Aheim", "Bedorf", "Cestadt"],
         "population": [1000.0, 2000.0, 3000.0], "area_km2": [100.0, 100.0, 100.0]},
        geometry=[shapely.box(0, 0, 10_000, 10_000), shapely.box(10_000, 0, 20_000, 10_000),
                  shapely.box(20_000, 0, 30_000, 10_000)], crs=CRS)
    return kp.Region(muni, **tables)


def _partner_region() -> kp.Region:
    fac = gpd.GeoDataFrame(
        {"facility_id": ["F1", "F2"], "name": ["Musikschule Bedorf", "Musikschule Cestadt"],
         "category": ["musikschule", "musikschule"], "capacity": [200.0, 100.0]},
        geometry=[shapely.Point(15_000, 5_000), shapely.Point(25_000, 5_000)], crs=CRS)
    org = pd.DataFrame({"org_id": ["V1", "V2"], "name": ["Bühne C e. V.", "Theater C e. V."],
                        "category": ["theater", "theater"], "ags": ["99001003", "99001003"],
                        "volunteers": [10, 20]})
    return _row_region(facilities=fac, organisations=org)


def test_partner_scores_by_hand():
    region = _partner_region()
    out = partners(region, max_cost=25.0, unit="km")
    got = {(r.ags, r.partner_ags, r.category, r.kind): r.score for r in out.itertuples()}
    # A lacks a music school: B's (10 km, capacity 200 = the largest) and C's (20 km, 100)
    assert got[("99001001", "99001002", "musikschule", "facility")] == pytest.approx(60.0)
    assert got[("99001001", "99001003", "musikschule", "facility")] == pytest.approx(15.0)
    # A and B lack a theatre Verein; C has two with 30 volunteers (the largest: strength 1)
    assert got[("99001002", "99001003", "theater", "organisations")] == pytest.approx(60.0)
    assert got[("99001001", "99001003", "theater", "organisations")] == pytest.approx(20.0)
    assert len(out) == 4
    assert list(out["score"]) == sorted(out["score"], reverse=True)
    first = out.iloc[0]
    assert first["reason"] == ("Aheim hat keine Einrichtung „Musikschule“; „Musikschule Bedorf“ "
                               "in Bedorf ist 10,0 km entfernt und hat 200 Plätze.")
    theatre = out[(out["ags"] == "99001002") & (out["category"] == "theater")].iloc[0]
    assert theatre["reason"] == ("Bedorf hat keinen Verein der Sparte „Theater“; in Cestadt "
                                 "(10,0 km entfernt) sind 2 Vereine mit 30 Ehrenamtlichen aktiv.")


def test_partners_in_minutes_and_within_reach_only():
    region = _partner_region()
    out = partners(region, category="musikschule", max_cost=20.0, unit="min")
    # 10 km straight line = 10 × 1.3 / 50 × 60 = 15.6 minutes; 20 km = 31.2 (beyond reach)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["cost"] == pytest.approx(15.6)
    assert row["score"] == pytest.approx(round(100 * (1 - 15.6 / 20.0), 1), abs=0.06)
    assert "16 Minuten entfernt" in row["reason"]
    with pytest.raises(ParameterError, match="unit"):
        partners(region, unit="h")
    with pytest.raises(ParameterError, match="Sparte"):
        partners(region, category="oper")


# --- duplicated offers -----------------------------------------------------------------------
def _events(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["event_id", "title", "category", "target_group",
                                        "start", "x", "y", "org_id"]).set_index("event_id")
    frame["start"] = pd.to_datetime(frame["start"])
    return frame


TITLE = "Sommerleseclub für Kinder"


def test_duplicates_that_must_and_must_not_be_found():
    ev = _events([
        ("e1", TITLE, "bibliothek", "kinder", "2025-07-12 10:00", 0, 0, "V1"),
        ("e2", "Sommer-Leseclub für Kinder", "bibliothek", "kinder", "2025-07-13 10:00",
         5_000, 0, "V2"),
        # same title, different weekend (7 and 6 days later)
        ("e3", TITLE, "bibliothek", "kinder", "2025-07-19 10:00", 1_000, 0, "V3"),
        # same weekend, 40 km apart
        ("e4", TITLE, "bibliothek", "kinder", "2025-07-12 10:00", 40_000, 0, "V4"),
        # same title and time, but another Sparte / another target group
        ("e5", TITLE, "museum", "kinder", "2025-07-12 11:00", 2_000, 0, "V5"),
        ("e6", TITLE, "bibliothek", "senioren", "2025-07-12 11:00", 2_000, 0, "V6"),
        # same place and time, different title
        ("e7", "Orgelkonzert in der Dorfkirche", "bibliothek", "kinder", "2025-07-12 12:00",
         0, 0, "V7"),
    ])
    out = find_duplicates(ev)
    assert list(zip(out["event_a"], out["event_b"], strict=True)) == [("e1", "e2")]
    row = out.iloc[0]
    sim = max(scorer("Sommerleseclub für Kinder", "Sommer-Leseclub für Kinder",
                     processor=utils.default_process)
              for scorer in (fuzz.ratio, fuzz.token_sort_ratio))
    assert row["similarity"] == round(sim)
    assert row["km"] == 5.0 and row["days"] == 1.0
    assert row["score"] == pytest.approx(round(sim * (1 - 0.5 * 5 / 15) * (1 - 0.5 / 3), 1))
    assert row["reason"] == (f"Gleiche Sparte (Bibliothek) und Zielgruppe (Kinder), Titel zu "
                             f"{round(sim)} % gleich, Beginn 1 Tag auseinander, 5,0 km entfernt.")
    # widening the limits finds the far and the late ones too
    wide = find_duplicates(ev, max_km=50.0, max_days=7.0)
    pairs = set(zip(wide["event_a"], wide["event_b"], strict=True))
    assert {("e1", "e3"), ("e1", "e4"), ("e1", "e2")} <= pairs
    assert not any("e5" in p or "e6" in p or "e7" in p for p in pairs)


def test_one_organisers_series_and_one_venues_programme_are_no_duplicates():
    ev = _events([
        ("s1", TITLE, "bibliothek", "kinder", "2025-07-12 10:00", 0, 0, "V1"),
        ("s2", TITLE, "bibliothek", "kinder", "2025-07-13 10:00", 100, 0, "V1"),
    ])
    assert find_duplicates(ev).empty
    ev["org_id"] = [None, None]  # unknown organisers count as different
    assert len(find_duplicates(ev)) == 1
    ev["facility_id"] = ["F1", "F1"]
    assert find_duplicates(ev).empty


def test_near_pairs_equals_brute_force():
    rng = np.random.default_rng(5)
    n = 400
    x, y = rng.uniform(0, 60_000, n), rng.uniform(0, 60_000, n)
    t = rng.uniform(0, 60, n)
    g = rng.integers(0, 3, n)
    got = near_pairs(x, y, t, groups=g, max_km=8.0, max_days=2.5)
    i, j = np.triu_indices(n, k=1)
    km = np.hypot(x[i] - x[j], y[i] - y[j]) / 1000
    ok = (km <= 8.0) & (np.abs(t[i] - t[j]) <= 2.5) & (g[i] == g[j])
    assert set(zip(got.i, got.j, strict=True)) == set(zip(i[ok], j[ok], strict=True))
    assert len(got.i) > 10


def test_event_days_keep_missing_times_missing():
    days = event_days(pd.Series(["2025-01-02", None]))
    assert days[0] == pytest.approx(20090.0) and np.isnan(days[1])


def test_demo_deliberate_duplicates_are_found():
    region = kp.demo.musterland()
    out = duplicate_offers(region)
    pairs = set(zip(out["event_a"], out["event_b"], strict=True)) | set(
        zip(out["event_b"], out["event_a"], strict=True))
    for k in range(4):
        assert (f"E9{2 * k + 1:05d}", f"E9{2 * k + 2:05d}") in pairs
    top = out.head(4)
    assert set(top["event_a"]).issubset(set(out["event_a"]))
    assert (out["km"] <= 15).all() and (out["days"] <= 3).all()


# --- best-practice tandems -------------------------------------------------------------------
def test_tandems_go_to_similar_places_without_such_a_project():
    region = kp.demo.musterland()
    sim = similar_municipalities(profile_table(region), k=8)
    out = tandems(region, similar=sim)
    best = region.projects[region.projects["best_practice"]]
    assert len(best) == 5
    assert set(out["project_id"]) == set(best.index)
    for row in out.itertuples():
        covered = set(region.projects.loc[region.projects["category"] == row.category, "ags"])
        assert row.target_ags not in covered
        d = sim[(sim["ags"] == row.ags) & (sim["neighbour"] == row.target_ags)]["distance"]
        assert row.distance == pytest.approx(round(float(d.iloc[0]), 2))
        orgs = region.organisations
        on_site = ((orgs["category"] == row.category) & (orgs["ags"] == row.target_ags)).any()
        factor = 1.0 if on_site else (0.75 if row.partner_org else 0.5)
        assert row.score == pytest.approx(round(100 * (1 - float(d.iloc[0])) * factor, 1))
        assert "hat noch kein Projekt der Sparte" in row.reason
    assert out.groupby("project_id").size().max() <= 3


def test_region_without_projects_has_no_tandems():
    assert tandems(_row_region()).empty


@pytest.mark.parametrize("missing", [0.0, 0.05, 0.3])
def test_similarity_equals_brute_force_nan_euclidean(missing):
    """KD-tree, mixed and dense paths against a plain double loop (random profiles)."""
    rng = np.random.default_rng(int(missing * 100))
    n, p, k = 70, 4, 6
    t = pd.DataFrame(rng.normal(size=(n, p)) * [1, 10, 100, 0.1], columns=list("abcd"),
                     index=[f"G{i:02d}" for i in range(n)])
    t = t.mask(rng.random((n, p)) < missing)
    t.iloc[0] = t.iloc[0].fillna(0.0)  # at least one complete row
    out = similar_municipalities(t, k=k, reasons=False)
    v = t.to_numpy()
    z = (v - np.nanmedian(v, axis=0)) / (np.nanquantile(v, 0.75, axis=0)
                                         - np.nanquantile(v, 0.25, axis=0))
    for a in range(n):
        d = []
        for b in range(n):
            both = ~np.isnan(z[a]) & ~np.isnan(z[b])
            d.append(np.sqrt(((z[a, both] - z[b, both]) ** 2).sum() * p / both.sum())
                     if both.any() else np.inf)
        d = np.array(d)
        rows = out[out["ags"] == t.index[a]]
        if np.isnan(z[a]).all():  # nothing to compare: no neighbours
            assert rows.empty
            continue
        far = d[np.isfinite(d)].max()
        d[a] = np.inf
        order = np.lexsort((np.arange(n), d))[:k]
        order = order[np.isfinite(d[order])]
        assert list(rows["neighbour"]) == list(t.index[order]), a
        np.testing.assert_allclose(rows["distance"], d[order] / far, rtol=1e-9)


def test_partners_for_a_target_group_with_few_events():
    events = pd.DataFrame({
        "event_id": [f"E{k}" for k in range(5)], "title": "Basteln", "category": "galerie",
        "start": pd.Timestamp("2025-03-01 10:00"), "target_group": "kinder",
        "ags": ["99001002"] * 4 + ["99001003"],
    })
    region = _row_region(events=events)
    out = partners(region, max_cost=25.0, unit="km")
    # per 1,000 inhabitants: A 0, B 4/2000 → 2.0, C 1/3000 → 0.33; median 0.33:
    # A lacks (0 < 0.17), B and C offer (≥ median)
    assert set(out["kind"]) == {"events"}
    got = {(r.ags, r.partner_ags): r.score for r in out.itertuples()}
    assert got == {("99001001", "99001002"): pytest.approx(100 * (1 - 10 / 25) * 1.0),
                   ("99001001", "99001003"): pytest.approx(100 * (1 - 20 / 25) * 0.625)}
    assert out.iloc[0]["reason"] == (
        "Aheim hat wenige Veranstaltungen für Kinder (0,0 je 1.000 Einw.; Median im Kreis 0,3); "
        "in Bedorf (10,0 km entfernt) gab es 4 Veranstaltungen für Kinder.")
    assert partners(region, category="galerie", max_cost=25.0, unit="km").empty
