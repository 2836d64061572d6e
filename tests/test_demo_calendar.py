"""The demo's municipal calendar feeds and its music-school Zweckverband (issue 14)."""

from __future__ import annotations

import pytest

from kulturplan import demo
from kulturplan._paths import project_root
from kulturplan.cooperation import costs, event_collisions
from kulturplan.sources import ical


@pytest.fixture(scope="module")
def region():
    return demo.musterland()


@pytest.fixture(scope="module")
def merged(region, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kalender")
    for name, data in demo.calendar_feeds(region).items():
        (folder / name).write_bytes(data)
    return ical.read_calendars(demo.calendar_feed_map(region, folder), region.facilities)


def test_feeds_are_shaped_like_real_municipal_exports(region):
    feeds = demo.calendar_feeds(region)
    assert sorted(feeds) == ["gemeinde_kronenborn.ics", "gemeinde_otterfeld.ics",
                             "gemeinde_schwanenheim.ics", "gemeinde_waldleben.ics", "kreis.ics"]
    town = feeds["gemeinde_waldleben.ics"].decode("utf-8")
    assert "X-WR-TIMEZONE:Europe/Berlin" in town and "\r\n" in town
    assert "CATEGORIES" not in town and "GEO:" not in town and "VALUE=DATE" not in town
    assert "RRULE:FREQ=WEEKLY;COUNT=12" in town and "EXDATE:20251014T193000" in town
    assert demo.calendar_feeds(region) == feeds  # deterministic


def test_shipped_feeds_equal_the_generator(region):
    folder = project_root() / "data" / "kalender"
    for name, data in demo.calendar_feeds(region).items():
        assert (folder / name).read_bytes() == data, name


def test_every_event_kept_duplicates_reported(merged):
    events, report = merged
    # 4 feeds of 20–28 VEVENTs plus the Kreis' 4; the choir series has 11 dates each
    assert events.attrs["counts"] == {"feeds": 5, "termine": 141, "doppelt": 2,
                                      "kalender": 139}
    doubles = [p for p in report.problems if "sie wird einmal gezählt" in p.message]
    assert [p.source for p in doubles] == ["kreis.ics", "kreis.ics"]
    choir = events[events["uid"] == "waldleben-chor@waldleben.musterland.example"]
    assert len(choir) == 11 and choir["start"].dt.hour.eq(19).all()  # 19:30 before/after DST


def test_deliberate_collisions_are_found(merged, region):
    events, _ = merged
    kw = {"facilities": region.facilities, "municipalities": region.municipalities}
    overlap = event_collisions(events, **kw)
    weekend = event_collisions(events, window="weekend", **kw)
    pairs = set(zip(overlap["title_a"], overlap["title_b"], strict=True))
    # the deliberate one, and one the random programme produced (a concert during a
    # choir rehearsal nearby)
    assert pairs == {("Sommerfest Schwanenheim", "Sommerfest Waldleben"),
                     ("Konzert der Bläserklasse", "Chorprobe Gesangverein")}
    assert "Sommerfest Otterfeld" not in set(weekend["title_a"]) | set(weekend["title_b"])
    kids = weekend[weekend["title_a"].str.startswith("Kinderfest")]
    assert kids[["title_a", "title_b"]].values.tolist() == [
        ["Kinderfest Waldleben", "Kinderfest Kronenborn"]]
    assert kids["reasons"].iloc[0].startswith("am selben Wochenende")
    day = event_collisions(events, window="day", **kw)
    assert not day["title_a"].str.startswith("Kinderfest").any()


def test_music_school_association(region):
    zv = demo.music_school_association(region)
    assert zv.name == "Zweckverband Musikschule Waldleben"
    assert zv.members.tolist() == ["Waldleben", "Schwanenheim", "Kronenborn", "Weißhorst"]
    c = costs.shared_facility_game(zv.hours, fixed=zv.fixed, per_unit=zv.per_hour,
                                   exponent=zv.exponent, per_member=zv.per_member)
    table = costs.cost_shares(c, list(zv.members.index),
                              keys={"inhabitants": zv.population, "usage": zv.hours})
    # the inhabitants key charges the seat more than running its own school
    assert table.attrs["above_alone"]["inhabitants"] == ["99001020"]
    assert table.attrs["core_violations"]["shapley"] == 0
    assert table["shapley"].sum() == pytest.approx(c[-1])
