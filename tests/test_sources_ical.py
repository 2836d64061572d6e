"""Tests of the iCalendar reader and venue matching."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from sources_helpers import FACILITIES_FIXTURE, ICS_FIXTURE

from kulturplan.errors import InputFileError
from kulturplan.sources import facilities, ical


@pytest.fixture(scope="module")
def fac():
    return facilities.read_table(FACILITIES_FIXTURE).data


def test_events_times_and_fields():
    ev, report = ical.read_events(ICS_FIXTURE)
    # every event has a Sparte (CATEGORIES or an event keyword); the count closes the report
    assert [str(p) for p in report.problems] == [
        "veranstaltungen_hoexter.ics: 6 Einträge (VEVENT) gelesen, 9 Termine übernommen; "
        "1 Serie im Zeitraum 17.05.2025–03.10.2026 in einzelne Termine aufgelöst."
    ]
    weekly = [f"ev-6@test/202510{d:02d}T1000" for d in (4, 11, 18, 25)]  # RRULE COUNT=4
    assert ev.index.tolist() == [f"ev-{i}@test" for i in range(1, 6)] + weekly
    assert ev.attrs["counts"]["termine"] == 9 and ev.attrs["counts"]["serien"] == 1
    # TZID=Europe/Berlin stays local; 16:00 UTC in June is 18:00 local (CEST)
    assert ev.loc["ev-1@test", "start"] == pd.Timestamp("2025-05-17 19:30")
    assert ev.loc["ev-1@test", "end"] == pd.Timestamp("2025-05-17 21:30")
    assert ev.loc["ev-2@test", "start"] == pd.Timestamp("2025-06-01 18:00")
    assert ev.loc["ev-4@test", "start"] == pd.Timestamp("2025-08-09")
    assert bool(ev.loc["ev-4@test", "all_day"]) and not bool(ev.loc["ev-1@test", "all_day"])
    assert ev.loc["ev-2@test", ["lat", "lon"]].tolist() == [51.7171, 9.1852]
    assert ev.loc["ev-1@test", "categories"] == "Lesung"
    assert ev.loc["ev-3@test", "category"] == "museum"  # CATEGORIES = catalog label
    assert ev["recurring"].tolist() == [False] * 5 + [True] * 4
    assert ev.loc["ev-4@test", "end"] == pd.Timestamp("2025-08-10")  # date-only: one day
    assert ev.loc["ev-4@test", "category"] == "soziokulturelles_zentrum"  # "Dorffest"
    assert ev.loc[weekly[0], "target_group"] == "kinder"
    assert ev["facility_id"].isna().all()  # no facilities given


def test_venue_matching_by_name_parts_and_distance(fac):
    ev, report = ical.read_events(ICS_FIXTURE, facilities=fac)
    problems = report.problems
    assert ev["facility_id"].to_dict() == {
        "ev-1@test": "B1",  # LOCATION equals the facility name
        "ev-2@test": "V1",  # "Stadthalle" alone is no name; GEO 11 m from V1
        "ev-3@test": "M1",  # first comma-separated part of LOCATION
        "ev-4@test": None,  # Festwiese: no facility within 300 m
        "ev-5@test": None,  # Gasthof: unknown, no GEO
        **{f"ev-6@test/202510{d:02d}T1000": "B1" for d in (4, 11, 18, 25)},
    }
    assert ev["venue_match"].tolist() == ["name", "koordinaten", "name", None, None] + [
        "name"] * 4
    # category: CATEGORIES if it is a catalog term, else the venue's, else a title keyword
    assert ev["category"].to_dict() == {
        "ev-1@test": "bibliothek",
        "ev-2@test": "musikschule",  # "Sommerkonzert" at a Stadthalle: the title decides
        "ev-3@test": "museum",
        "ev-4@test": "soziokulturelles_zentrum",  # "Dorffest" (longer than "Theater")
        "ev-5@test": "theater",  # "Kabarett"
        **{f"ev-6@test/202510{d:02d}T1000": "bibliothek" for d in (4, 11, 18, 25)},
    }
    unmatched = [p for p in problems if p.column == "LOCATION"]
    assert len(unmatched) == 2
    assert "„Dorffest mit Theater“ am 09.08.2025: Ort „Festwiese Nieheim“ passt zu keiner " \
        "Einrichtung" in unmatched[0].message
    assert "über ihre Koordinaten (GEO) einer Gemeinde zugeordnet" in unmatched[0].message
    assert "„Kabarettabend“" in unmatched[1].message


def test_distance_limit(fac):
    ev, _ = ical.read_events(ICS_FIXTURE, facilities=fac, max_distance_m=5)
    assert pd.isna(ev.loc["ev-2@test", "facility_id"])


def test_match_venues_tolerates_spelling():
    f = gpd.GeoDataFrame(
        {"name": ["Bürgerhaus Ottbergen"], "category": ["veranstaltungsraum"]},
        geometry=gpd.points_from_xy([9.30], [51.72]), crs=4326,
        index=pd.Index(["F1"], name="facility_id"),
    )
    events = pd.DataFrame({"location": ["BÜRGERHAUS  OTTBERGEN", "Buergerhaus Ottbergen",
                                        None], "lat": [None, None, 51.7201],
                           "lon": [None, None, 9.3001]})
    fid, how = ical.match_venues(events, f)
    assert fid.tolist() == ["F1", "F1", "F1"]  # case, spaces and ü = ue do not matter
    assert how.tolist() == ["name", "name", "koordinaten"]


def test_not_icalendar(tmp_path):
    path = tmp_path / "termine.ics"
    path.write_text("Termin: 17.05.2025 Lesung", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"termine\.ics, Zeile 1: Die Datei ist keine "
                       r"iCalendar-Datei"):
        ical.read_events(path)
    empty = tmp_path / "leer.ics"
    empty.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"leer\.ics: Die iCalendar-Datei enthält keine "
                       r"Veranstaltungen"):
        ical.read_events(empty)


def test_missing_start(tmp_path):
    path = tmp_path / "ohne_start.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nSUMMARY:Ohne Beginn\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:b\nDTSTART:20250101T100000\nSUMMARY:Neujahrskonzert\nEND:VEVENT\n"
        "END:VCALENDAR\n",
        encoding="utf-8",
    )
    ev, report = ical.read_events(path)
    problem, count = report.problems
    assert count.message == (
        "2 Einträge (VEVENT) gelesen, 1 Termin übernommen; 1 ohne gültigen Beginn.")
    assert str(problem) == (
        "ohne_start.ics, Spalte „DTSTART“: Veranstaltung „Ohne Beginn“ (UID a): Beginn "
        "(DTSTART) fehlt oder ist ungültig; sie wird nicht übernommen."
    )
    assert ev.index.tolist() == ["b"]
    assert ev.loc["b", "category"] == "musikschule"  # keyword "Konzert"


def test_invalid_end_is_reported_not_silently_dropped(tmp_path):
    # issue 8 / review finding 7: an invalid DTEND became ``end = None`` without a word
    path = tmp_path / "kaputtes_ende.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nDTSTART:20250517T193000\n"
        "DTEND:2025-13-45x\nSUMMARY:Lesung im Rathaus\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:b\nDTSTART:20250518T100000\nDTEND:20250518T120000\n"
        "SUMMARY:Konzert\nEND:VEVENT\nEND:VCALENDAR\n",
        encoding="utf-8",
    )
    ev, report = ical.read_events(path)
    assert ev.index.tolist() == ["a", "b"]  # the event itself is kept
    assert pd.isna(ev.loc["a", "end"])
    assert ev.loc["b", "end"] == pd.Timestamp("2025-05-18 12:00")
    assert [str(p) for p in report.problems] == [
        "kaputtes_ende.ics, Spalte „DTEND“: Veranstaltung „Lesung im Rathaus“ (UID a): Ende "
        "(DTEND) „2025-13-45x“ ist ungültig; sie wird ohne Ende übernommen.",
        "kaputtes_ende.ics: 2 Einträge (VEVENT) gelesen, 2 Termine übernommen.",
    ]
