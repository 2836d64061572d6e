"""Calendar import on feeds in the shape of real municipal exports (issue 14, issue 9 §3).

Real municipal calendars carry no CATEGORIES and no GEO, give date-only starts without
``VALUE=DATE``, floating times with ``X-WR-TIMEZONE``, multi-day festivals and weekly series
with exceptions. Every VEVENT must be kept and counted; the expansion must equal
``recurring-ical-events`` on the same file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kulturplan.sources import ical

MUNICIPAL = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Gemeinde Nieheim//Veranstaltungskalender//DE
X-WR-CALNAME:Veranstaltungen Nieheim
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VEVENT
UID:1001@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20250809
SUMMARY:Heimatfest am Holsterturm
LOCATION:Holsterturm, Nieheim
END:VEVENT
BEGIN:VEVENT
UID:1002@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20250822
DTEND:20250825
SUMMARY:Schützenfest Nieheim
LOCATION:Festzelt an der Weberstraße
END:VEVENT
BEGIN:VEVENT
UID:1003@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20251014T190000
DTEND:20251014T210000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE:20251021T190000
SUMMARY:Chorprobe Männergesangverein
LOCATION:Alte Schule
END:VEVENT
BEGIN:VEVENT
UID:1004@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20250601T160000Z
SUMMARY:Sommerkonzert im Park
LOCATION:Kurpark
END:VEVENT
BEGIN:VEVENT
UID:1005@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20250910T180000
DTEND:20250910T200000
SUMMARY:Sitzung des Gemeinderats
LOCATION:Rathaus
END:VEVENT
BEGIN:VEVENT
UID:1006@nieheim.de
DTSTAMP:20250101T000000Z
DTSTART:20251115T150000
DTEND:20251115T163000
SUMMARY:Bilderbuchkino für Kinder
DESCRIPTION:Für Kinder ab 4 Jahren
LOCATION:Bücherei Nieheim
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture()
def municipal(tmp_path):
    path = tmp_path / "nieheim.ics"
    path.write_text(MUNICIPAL.replace("\n", "\r\n"), encoding="utf-8")
    return path


def test_municipal_feed_every_event_kept_and_counted(municipal):
    ev, report = ical.read_events(municipal, ags="05762028")
    # 6 VEVENTs: 5 single events + a weekly series of 6 minus one EXDATE = 10 dates
    assert ev.attrs["counts"] == {
        "vevents": 6, "ohne_beginn": 0, "serien": 1, "termine": 10, "ausserhalb_zeitraum": 0,
        "ohne_sparte": 1, "ohne_gemeinde": 0,
    }
    assert len(ev) == 10 and (ev["ags"] == "05762028").all()
    assert (ev["ags_from"] == "Kalender").all()
    # date-only start without VALUE=DATE: an all-day event of one day
    fest = ev.loc["1001@nieheim.de"]
    assert bool(fest["all_day"]) and fest["start"] == pd.Timestamp("2025-08-09")
    assert fest["end"] == pd.Timestamp("2025-08-10") and not bool(fest["multi_day"])
    # multi-day: DTEND of a date is exclusive (Fri–Sun)
    sch = ev.loc["1002@nieheim.de"]
    assert sch["end"] == pd.Timestamp("2025-08-25") and bool(sch["multi_day"])
    # UTC: 16:00Z in June is 18:00 in Berlin (CEST)
    assert ev.loc["1004@nieheim.de", "start"] == pd.Timestamp("2025-06-01 18:00")
    assert pd.isna(ev.loc["1004@nieheim.de", "end"])  # no DTEND in the feed
    # the weekly series: 19:00 local before and after the DST change of 26.10.2025
    series = ev[ev["uid"] == "1003@nieheim.de"]
    assert series["start"].tolist() == [
        pd.Timestamp(f"2025-{d} 19:00") for d in ("10-14", "10-28", "11-04", "11-11", "11-18")
    ]
    assert (series["end"] - series["start"] == pd.Timedelta(hours=2)).all()
    # Sparte from the catalog's event keywords; the council meeting stays without, listed
    assert ev.loc["1001@nieheim.de", "category"] == "soziokulturelles_zentrum"  # Heimatfest
    assert ev.loc["1002@nieheim.de", "category"] == "soziokulturelles_zentrum"
    assert set(series["category"]) == {"musikschule"}
    assert ev.loc["1006@nieheim.de", "category"] == "bibliothek"  # Bilderbuchkino ≠ Kino
    assert ev.loc["1006@nieheim.de", "target_group"] == "kinder"
    assert pd.isna(ev.loc["1005@nieheim.de", "category"])
    assert (ev["category_from"].dropna() == "Stichwort").all()
    messages = [str(p) for p in report.problems]
    assert messages == [
        "nieheim.ics, Spalte „CATEGORIES“: Veranstaltung „Sitzung des Gemeinderats“ am "
        "10.09.2025: Sparte nicht erkannt (CATEGORIES „–“, kein passender Ort, kein Stichwort); "
        "sie wird ohne Sparte übernommen.",
        "nieheim.ics: 6 Einträge (VEVENT) gelesen, 10 Termine übernommen; 1 Serie im Zeitraum "
        "01.06.2025–14.11.2026 in einzelne Termine aufgelöst; 1 Termin ohne erkannte Sparte "
        "(übernommen).",
    ]


def test_expansion_equals_recurring_ical_events(municipal):
    import icalendar
    import recurring_ical_events
    import x_wr_timezone

    window = ("2025-01-01", "2026-01-01")
    ev, _ = ical.read_events(municipal, window=window)
    cal = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(municipal.read_bytes()))
    ref = recurring_ical_events.of(cal).between(dt.date(2025, 1, 1), dt.date(2026, 1, 1))

    def local(value):
        if isinstance(value, dt.datetime):
            return pd.Timestamp(value.astimezone(ical.TIMEZONE).replace(tzinfo=None))
        return pd.Timestamp(value)

    expected = sorted((str(o["UID"]), local(o.decoded("DTSTART"))) for o in ref)
    assert sorted(zip(ev["uid"], ev["start"], strict=True)) == expected
    assert len(expected) == 10


def test_window_limits_series_and_reports_single_events_outside(municipal):
    ev, report = ical.read_events(municipal, window=("2025-10-01", "2025-11-01"))
    # the two October dates of the series; the five single events lie outside
    assert ev["start"].tolist() == [pd.Timestamp("2025-10-14 19:00"),
                                    pd.Timestamp("2025-10-28 19:00")]
    assert ev.attrs["counts"]["ausserhalb_zeitraum"] == 5
    assert "5 Einzeltermine liegen außerhalb dieses Zeitraums" in report.problems[-1].message


def test_recurrence_id_moves_one_date_and_rdate_adds_one(tmp_path):
    path = tmp_path / "serie.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:s\nDTSTART;TZID=Europe/Berlin:"
        "20250301T100000\nDTEND;TZID=Europe/Berlin:20250301T110000\nRRULE:FREQ=WEEKLY;COUNT=3\n"
        "RDATE;TZID=Europe/Berlin:20250401T100000\nSUMMARY:Vorlesestunde\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:s\nRECURRENCE-ID;TZID=Europe/Berlin:20250308T100000\n"
        "DTSTART;TZID=Europe/Berlin:20250309T150000\nDTEND;TZID=Europe/Berlin:20250309T160000\n"
        "SUMMARY:Vorlesestunde (verlegt)\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    ev, _ = ical.read_events(path)
    assert ev["start"].tolist() == [pd.Timestamp(s) for s in (
        "2025-03-01 10:00", "2025-03-09 15:00", "2025-03-15 10:00", "2025-04-01 10:00")]
    assert ev["title"].tolist()[1] == "Vorlesestunde (verlegt)"
    assert ev.attrs["counts"]["vevents"] == 2 and ev.attrs["counts"]["termine"] == 4


def test_dtend_before_dtstart_is_reported_and_event_kept(tmp_path):
    # issue 9 minor: DTEND before DTSTART was accepted silently
    path = tmp_path / "verdreht.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nDTSTART:20250517T193000\n"
        "DTEND:20250517T180000\nSUMMARY:Lesung\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    ev, report = ical.read_events(path)
    assert ev.index.tolist() == ["a"] and pd.isna(ev.loc["a", "end"])
    assert str(report.problems[0]) == (
        "verdreht.ics, Spalte „DTEND“: Veranstaltung „Lesung“ (UID a): Ende (DTEND 17.05.2025 "
        "18:00) liegt vor dem Beginn (17.05.2025 19:30); sie wird ohne Ende übernommen."
    )


def test_latin1_calendar_is_decoded(tmp_path):
    # issue 9 §3.21: „M�rchenlesung“ and the venue not matched
    import geopandas as gpd

    path = tmp_path / "latin1.ics"
    path.write_bytes(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nDTSTART:20250517T150000\n"
        "SUMMARY:Märchenlesung\nLOCATION:Stadtbücherei Höxter\nEND:VEVENT\nEND:VCALENDAR\n"
        .encode("latin-1"))
    fac = gpd.GeoDataFrame(
        {"name": ["Stadtbücherei Höxter"], "category": ["bibliothek"], "ags": ["05762020"]},
        geometry=gpd.points_from_xy([9.38], [51.77]), crs=4326,
        index=pd.Index(["B1"], name="facility_id"))
    ev, _ = ical.read_events(path, fac)
    assert ev.loc["a", "title"] == "Märchenlesung"
    assert ev.loc["a", "facility_id"] == "B1" and ev.loc["a", "ags"] == "05762020"
    assert ev.loc["a", "ags_from"] == "Einrichtung" and ev.loc["a", "category"] == "bibliothek"


def test_unknown_time_zone_and_repeated_uid_in_one_file(tmp_path):
    path = tmp_path / "komisch.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\nDTSTART;TZID=Mars/Olympus:"
        "20250901T100000\nSUMMARY:Vortrag\nEND:VEVENT\nBEGIN:VEVENT\nUID:x\n"
        "DTSTART:20250902T100000\nSUMMARY:Konzert\nEND:VEVENT\nEND:VCALENDAR\n",
        encoding="utf-8")
    ev, report = ical.read_events(path)
    assert ev.index.tolist() == ["x", "x#2"]  # both kept
    assert ev.loc["x", "start"] == pd.Timestamp("2025-09-01 10:00")
    messages = [p.message for p in report.problems]
    assert "Die Zeitzone „Mars/Olympus“ ist unbekannt" in messages[0]
    assert "Die UID „x“ kommt in der Datei für verschiedene Veranstaltungen vor; „Konzert“ " \
        "wird als „x#2“ übernommen." in messages


FEED_A = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:fest@kreis
DTSTART:20250705T140000
SUMMARY:Sommerfest
LOCATION:Marktplatz Brakel
END:VEVENT
BEGIN:VEVENT
UID:42
DTSTART:20250706T110000
SUMMARY:Frühschoppenkonzert
LOCATION:Kurpark Bad Driburg
END:VEVENT
BEGIN:VEVENT
UID:lesung-1
DTSTART:20250710T190000
SUMMARY:Lesung mit Musik
LOCATION:Bücherei Brakel
END:VEVENT
END:VCALENDAR
"""

FEED_B = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:fest@kreis
DTSTART:20250705T140000
SUMMARY:Sommerfest
LOCATION:Marktplatz Brakel
END:VEVENT
BEGIN:VEVENT
UID:42
DTSTART:20250801T200000
SUMMARY:Kinoabend
LOCATION:Aula
END:VEVENT
BEGIN:VEVENT
UID:b-77
DTSTART:20250710T190000
SUMMARY:Lesung  mit Musik
LOCATION:Bücherei  Brakel
END:VEVENT
END:VCALENDAR
"""


def test_feeds_merged_duplicates_recognised_and_reported(tmp_path):
    # issue 9 §3.30: same UID in two feeds — the second event was dropped without a word
    a, b = tmp_path / "brakel.ics", tmp_path / "kreis.ics"
    a.write_text(FEED_A, encoding="utf-8")
    b.write_text(FEED_B, encoding="utf-8")
    ev, report = ical.read_calendars({a: "05762008", b: None})
    # 6 dates: the festival (same UID and start) and the reading (same title, time and
    # place under another UID) are duplicates; UID 42 names two different events: both kept
    assert ev.attrs["counts"] == {"feeds": 2, "termine": 6, "doppelt": 2, "kalender": 4}
    assert ev.index.tolist() == ["fest@kreis", "42", "lesung-1", "42@kreis"]
    assert ev.loc["fest@kreis", "also_in"] == "kreis.ics"
    assert ev.loc["lesung-1", "also_in"] == "kreis.ics"
    assert ev.loc["42@kreis", "title"] == "Kinoabend"
    messages = [str(p) for p in report.problems if p.column == "UID"]
    assert messages == [
        "kreis.ics, Spalte „UID“: Veranstaltung „Sommerfest“ am 05.07.2025 14:00 steht auch in "
        "brakel.ics (UID „fest@kreis“); sie wird einmal gezählt.",
        "kreis.ics, Spalte „UID“: Veranstaltung „Lesung  mit Musik“ am 10.07.2025 19:00 steht "
        "auch in brakel.ics (UID „lesung-1“); sie wird einmal gezählt.",
        "kreis.ics, Spalte „UID“: Die UID „42“ steht auch in einem anderen Kalender für eine "
        "andere Veranstaltung; „Kinoabend“ am 01.08.2025 wird als „42@kreis“ übernommen.",
    ]
    assert report.problems[-1].message == (
        "2 Kalender mit zusammen 6 Terminen zusammengeführt; 2 doppelt (einmal gezählt), "
        "4 Termine im Kreiskalender."
    )


def test_ics_export_reads_back(tmp_path, municipal):
    ev, _ = ical.read_events(municipal)
    out = tmp_path / "kreiskalender.ics"
    out.write_bytes(ical.write_ics(ev))
    back, _ = ical.read_events(out)
    assert back["start"].tolist() == ev["start"].tolist()
    assert back["title"].tolist() == ev["title"].tolist()
    assert back["all_day"].tolist() == ev["all_day"].tolist()


def test_formula_titles_arrive_as_text_in_events_csv(tmp_path):
    # issue 9 §3.13: SUMMARY „=HYPERLINK(…)“ was written raw to events.csv
    from dataclasses import replace

    from kulturplan.demo import musterland
    from kulturplan.io import read_region, write_region

    region = musterland(n_municipalities=3)
    events = region.events.copy()
    titles = ['=HYPERLINK("http://x","klick")', "+SUM(1;2)", "@cmd", "-5 °C Winterlesung"]
    events.iloc[:4, events.columns.get_loc("title")] = titles
    region = replace(region, events=events)
    write_region(region, tmp_path / "r")
    text = (tmp_path / "r" / "events.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",'+SUM(1;2)," in text and ",'@cmd," in text
    assert "\n=" not in text and ",=" not in text and ",@cmd" not in text
    back = read_region(tmp_path / "r")
    assert back.events["title"].iloc[:4].tolist() == titles  # the apostrophe is undone
