"""Collisions in the shared event calendar: what must and must not be found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kulturplan.cooperation import calendar
from kulturplan.errors import ParameterError


def _events(rows):
    """Events at points given in km (x east, y north) of an arbitrary origin."""
    frame = pd.DataFrame(rows, columns=["event_id", "title", "start", "end", "km_x", "km_y",
                                        "category", "target_group", "facility_id"])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["x"] = 500_000 + 1000.0 * frame.pop("km_x")
    frame["y"] = 5_700_000 + 1000.0 * frame.pop("km_y")
    return frame.set_index("event_id")


# Saturday 5 July and Sunday 6 July 2025
EVENTS = _events([
    ("fest_a", "Sommerfest Adlerwang", "2025-07-05 14:00", "2025-07-05 22:00", 0, 0,
     "soziokulturelles_zentrum", "alle", None),
    ("fest_b", "Dorffest Biberwald", "2025-07-05 15:00", "2025-07-05 23:00", 6, 8,
     "soziokulturelles_zentrum", "familien", None),     # 10 km away, overlaps 7 h
    ("fest_far", "Stadtfest Zell", "2025-07-05 15:00", "2025-07-05 23:00", 40, 0,
     "soziokulturelles_zentrum", "alle", None),         # same weekend but 40 km away
    ("fest_sun", "Kirmes Cranz", "2025-07-06 11:00", "2025-07-06 18:00", 3, 4,
     "soziokulturelles_zentrum", "alle", None),         # next day, 5 km from fest_a
    ("kids", "Kinderkonzert", "2025-07-05 10:00", "2025-07-05 11:00", 1, 0,
     "musikschule", "kinder", "V1"),
    ("seniors", "Seniorenkonzert", "2025-07-05 16:00", "2025-07-05 17:00", 1, 0,
     "musikschule", "senioren", "V1"),                  # same day, other target group
    ("lesung", "Lesung", "2025-07-05 10:30", "2025-07-05 12:00", 1, 0,
     "bibliothek", "erwachsene", "V1"),                 # same hall as the kids' concert
])


def test_overlap_finds_nearby_festival_and_double_booking_only():
    found = calendar.event_collisions(EVENTS)
    pairs = list(zip(found["event_a"], found["event_b"], strict=True))
    assert pairs == [("kids", "lesung"), ("fest_a", "fest_b")]
    fest = found.iloc[1]
    assert fest["distance_km"] == pytest.approx(10.0)
    assert fest["overlap_h"] == pytest.approx(7.0)
    assert fest["reasons"] == ("gleichzeitig (7,0 Std. Überschneidung); 10,0 km entfernt; "
                               "gleiche Sparte (Soziokulturelles Zentrum); gleiche Zielgruppe "
                               "(alle)")
    hall = found.iloc[0]
    assert bool(hall["same_venue"]) and not bool(hall["same_attributes"])
    assert hall["reasons"] == ("gleichzeitig (0,5 Std. Überschneidung); derselbe Ort doppelt "
                               "belegt")


def test_same_weekend_40_km_apart_is_no_collision():
    found = calendar.event_collisions(EVENTS, window="weekend")
    assert "fest_far" not in set(found["event_a"]) | set(found["event_b"])
    wide = calendar.event_collisions(EVENTS, window="weekend", radius_km=45)
    assert {("fest_a", "fest_far"), ("fest_b", "fest_far")} <= set(
        zip(wide["event_a"], wide["event_b"], strict=True))


def test_same_day_different_target_group_is_no_collision():
    found = calendar.event_collisions(EVENTS, window="day")
    pairs = set(zip(found["event_a"], found["event_b"], strict=True))
    assert ("kids", "seniors") not in pairs  # same day, same hall, but no overlap
    assert ("kids", "lesung") in pairs  # the double booking stays
    assert ("fest_a", "fest_b") in pairs
    # without the target group the concerts collide on the same day
    by_sparte = calendar.event_collisions(EVENTS, window="day", same=("category",))
    assert ("kids", "seniors") in set(zip(by_sparte["event_a"], by_sparte["event_b"],
                                          strict=True))


def test_adjacent_days_collide_only_with_the_weekend_window():
    day = calendar.event_collisions(EVENTS, window="day")
    weekend = calendar.event_collisions(EVENTS, window="weekend")
    day_pairs = set(zip(day["event_a"], day["event_b"], strict=True))
    weekend_pairs = set(zip(weekend["event_a"], weekend["event_b"], strict=True))
    assert ("fest_a", "fest_sun") not in day_pairs
    assert ("fest_a", "fest_sun") in weekend_pairs
    row = weekend[(weekend["event_a"] == "fest_a") & (weekend["event_b"] == "fest_sun")].iloc[0]
    assert row["distance_km"] == pytest.approx(5.0) and row["overlap_h"] == 0
    assert row["reasons"].startswith("am selben Wochenende; 5,0 km entfernt")
    # Friday and Saturday are not one weekend
    friday = EVENTS.loc[["fest_a"]].assign(start=pd.Timestamp("2025-07-04 18:00"),
                                            end=pd.Timestamp("2025-07-04 23:00"))
    both = pd.concat([friday.rename(index={"fest_a": "fri"}), EVENTS.loc[["fest_sun"]]])
    assert calendar.event_collisions(both, window="weekend").empty


def test_series_dates_do_not_collide_with_each_other_and_all_day_events_count_whole_days():
    ev = EVENTS.loc[["fest_a", "fest_sun"]].assign(uid="serie-1")
    assert calendar.event_collisions(ev, window="weekend").empty
    allday = EVENTS.loc[["fest_a", "fest_b"]].copy()
    allday["start"] = pd.Timestamp("2025-07-05")
    allday["end"] = pd.Timestamp("2025-07-06")  # exclusive end: one day
    found = calendar.event_collisions(allday)
    assert found["overlap_h"].tolist() == [24.0]


def test_places_from_venue_geo_and_municipality():
    import geopandas as gpd
    from shapely.geometry import Point, box

    fac = gpd.GeoDataFrame({"name": ["Halle"]}, geometry=[Point(500_000, 5_700_000)],
                           crs="EPSG:25832", index=pd.Index(["V1"], name="facility_id"))
    muni = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(510_000, 5_700_000, 512_000,
                                                           5_702_000)], crs="EPSG:25832",
                            index=pd.Index(["99001001"], name="ags"))
    ev = pd.DataFrame({"facility_id": ["V1", None, None, None],
                       "lat": [np.nan, 51.4, np.nan, np.nan], "lon": [np.nan, 9.0, np.nan,
                                                                       np.nan],
                       "ags": [None, None, "99001001", None]}, index=list("abcd"))
    places = calendar.event_places(ev, fac, muni)
    assert places["place_from"].tolist()[:3] == ["Einrichtung", "GEO", "Gemeinde"]
    assert pd.isna(places.loc["d", "place_from"])
    assert places.loc["a", ["x", "y"]].tolist() == [500_000, 5_700_000]
    assert places.loc["c", ["x", "y"]].tolist() == [511_000, 5_701_000]
    assert np.isnan(places.loc["d", "x"])


def test_brute_force_agrees_on_random_calendars():
    rng = np.random.default_rng(5)
    n = 300
    start = pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 60 * 24, n) * 60,
                                                         unit="min")
    ev = pd.DataFrame({
        "start": start, "end": start + pd.to_timedelta(rng.integers(1, 6, n), unit="h"),
        "x": rng.uniform(0, 60_000, n), "y": rng.uniform(0, 60_000, n),
        "category": rng.choice(["a", "b"], n), "target_group": rng.choice(["kinder", "alle"], n),
    }, index=[f"e{i}" for i in range(n)])
    for window in ("overlap", "day", "weekend"):
        found = calendar.event_collisions(ev, window=window)
        got = set(zip(found["event_a"], found["event_b"], strict=True))
        lo, hi = calendar._window(*calendar._intervals(ev, 2.0), window)
        expected = set()
        for i in range(n):
            for j in range(n):
                if i == j or not (lo[i] < hi[j] and lo[j] < hi[i]):
                    continue
                if np.hypot(ev.x.iloc[i] - ev.x.iloc[j], ev.y.iloc[i] - ev.y.iloc[j]) > 15_000:
                    continue
                if ev.category.iloc[i] != ev.category.iloc[j]:
                    continue
                ti, tj = ev.target_group.iloc[i], ev.target_group.iloc[j]
                if ti != tj and "alle" not in (ti, tj):
                    continue
                first, second = sorted((i, j), key=lambda k: (ev.start.iloc[k], k))
                expected.add((ev.index[first], ev.index[second]))
        assert {frozenset(p) for p in got} == {frozenset(p) for p in expected}, window
        assert len(got) == len(expected)


def test_bad_parameters_are_named():
    with pytest.raises(ParameterError, match="Zeitfenster „monat“ ist unbekannt"):
        calendar.event_collisions(EVENTS, window="monat")
    with pytest.raises(ParameterError, match="fehlen die Spalten: zielgruppe"):
        calendar.event_collisions(EVENTS, same=("zielgruppe",))
