"""Events from iCalendar feeds (``.ics``): every VEVENT kept, series expanded, feeds merged.

Municipal and community calendars are published as iCalendar feeds, and real ones rarely
carry ``CATEGORIES`` or ``GEO``: free-text locations, date-only starts (with or without
``VALUE=DATE``), multi-day festivals, weekly series with exceptions, an ``X-WR-TIMEZONE``
instead of ``TZID``. :func:`read_events` keeps every ``VEVENT``:

* series (``RRULE``/``RDATE``/``EXDATE``/``RECURRENCE-ID``) are expanded into single dates
  within a window by ``recurring-ical-events`` (RFC 5545 semantics, DST-aware);
* times become naive local time (Europe/Berlin, or the feed's ``X-WR-TIMEZONE``);
  ``Z`` (UTC) and ``TZID`` values are converted; date-only starts are all-day events whose
  ``DTEND`` is exclusive (RFC 5545 §3.6.1);
* the Sparte (``category``) comes from ``CATEGORIES`` when it names a catalog category,
  else from the venue (a matched facility), else from the German ``event_keywords`` of the
  category catalog (title, description, CATEGORIES); at a general venue (Bürgerhaus,
  Stadthalle) the keyword comes before the venue. Events matching nothing stay without
  Sparte — kept, counted and listed;
* the municipality (``ags``) comes from the matched facility, else from the ``ags`` the feed
  belongs to (a municipality's own calendar), else it stays open and is reported;
* an invalid or reversed ``DTEND`` is reported and the event kept without end; an event
  without a valid ``DTSTART`` is the only one left out, and reported.

:func:`read_calendars` merges several feeds into one Kreis calendar and reports the
duplicates it recognises across feeds (same UID and start, or same title, start and place).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kulturplan import catalog
from kulturplan._format import format_decimal, format_number
from kulturplan.errors import InputFileError, ParameterError, Problem
from kulturplan.region import CRS, ValidationReport
from kulturplan.sources._cells import in_germany, normalise_label, normalise_name
from kulturplan.sources._files import decode, display_name, read_bytes
from kulturplan.sources._report import ReadResult, RowProblems
from kulturplan.sources.lists import category_lookup, match_category

TIMEZONE = ZoneInfo("Europe/Berlin")
"""Local time of the calendars (also when a feed gives no time zone at all)."""

GENERAL_VENUE = "veranstaltungsraum"
"""Category of venues that host every Sparte: their events take the Sparte of the title."""

DEFAULT_SPAN_DAYS = 365
"""Without a window, series are expanded from the first start to this many days after the last."""

TARGET_KEYWORDS: dict[str, tuple[str, ...]] = {
    "kinder": ("kinder", "kita", "bilderbuch", "vorlese", "puppentheater", "grundschul"),
    "jugendliche": ("jugend", "teens", "schueler"),
    "familien": ("familie",),
    "senioren": ("senior",),
}
"""Words in title, description or CATEGORIES → target group (:data:`catalog.TARGET_GROUPS`)."""

_COLUMNS = ["event_id", "uid", "title", "start", "end", "all_day", "multi_day", "location",
            "description", "categories", "category", "category_from", "target_group", "lat",
            "lon", "recurring", "source"]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """IANA time zone names (read once: the scan of the zone files is slow)."""
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def event_keywords() -> tuple[tuple[str, str], ...]:
    """``(normalised keyword, category id)`` from the catalog, longest keyword first.

    The list is documented in ``kulturplan/catalog/categories.yaml`` (``event_keywords``);
    on equal length the catalog order decides.
    """
    cats = catalog.categories()
    pairs = [
        (normalise_name(word), str(cid))
        for cid, words in cats.get("event_keywords", pd.Series(dtype=object)).items()
        for word in (words if isinstance(words, list) else [])
    ]
    order = {cid: k for k, cid in enumerate(cats.index)}
    pairs = [p for p in pairs if p[0]]
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), order[p[1]])))


def keyword_category(text: str) -> str | None:
    """Catalog category of the first (longest) event keyword contained in ``text``.

    Examples
    --------
    >>> keyword_category("Bilderbuchkino für Kinder"), keyword_category("Kinderkonzert")
    ('bibliothek', 'musikschule')
    >>> keyword_category("Sitzung des Gemeinderats") is None
    True
    """
    norm = normalise_name(text)
    for word, cid in event_keywords():
        if word in norm:
            return cid
    return None


def keyword_target_group(text: str) -> str | None:
    """Target group from :data:`TARGET_KEYWORDS` (first group whose word occurs), else ``None``."""
    norm = normalise_name(text)
    for group, words in TARGET_KEYWORDS.items():
        if any(word in norm for word in words):
            return group
    return None


def _local(value: Any, tz: dt.tzinfo = TIMEZONE) -> tuple[pd.Timestamp | None, bool]:
    """Naive local timestamp and whether the value was an all-day date."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz).replace(tzinfo=None)
        return pd.Timestamp(value), False
    if isinstance(value, dt.date):
        return pd.Timestamp(value), True
    return None, False


def _categories(component: Any) -> list[str]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        if cats is None:
            cats = str(item).split(",")
        out += [str(c).strip() for c in cats if str(c).strip()]
    return out


def _geo(component: Any) -> tuple[float, float]:
    geo = component.get("GEO")
    if geo is None:
        return np.nan, np.nan
    try:
        return float(geo.latitude), float(geo.longitude)
    except (AttributeError, TypeError, ValueError):
        try:
            lat, lon = str(geo).replace(",", ";").split(";")[:2]
            return float(lat), float(lon)
        except ValueError:
            return np.nan, np.nan


def match_venues(
    events: pd.DataFrame, facilities: gpd.GeoDataFrame | None, *, max_distance_m: float = 300.0
) -> tuple[pd.Series, pd.Series]:
    """Match event venues to facilities by normalised name and by distance.

    Parameters
    ----------
    events
        Columns ``location``, ``lat``, ``lon`` (WGS84; may be missing).
    facilities
        Index ``facility_id``; ``name`` and point ``geometry`` (any CRS).
    max_distance_m
        Largest distance (m) between GEO and a facility for a coordinate match.

    Returns
    -------
    (pandas.Series, pandas.Series)
        ``facility_id`` per event (``None`` when unmatched) and how it matched
        (``"name"``, ``"koordinaten"``, ``"name+koordinaten"`` or ``None``).
    """
    fid = pd.Series([None] * len(events), index=events.index, dtype=object)
    how = pd.Series([None] * len(events), index=events.index, dtype=object)
    if facilities is None or len(facilities) == 0 or len(events) == 0:
        return fid, how
    fac = facilities.to_crs(CRS) if facilities.crs is not None else facilities
    names: dict[str, str] = {}
    for f, n in zip(fac.index, fac["name"], strict=True):
        if isinstance(n, str) and n.strip():
            names.setdefault(normalise_label(n), str(f))
    # by name: the whole location or one of its comma-separated parts
    by_name: list[str | None] = []
    for loc in events["location"]:
        hit = None
        if isinstance(loc, str) and loc.strip():
            parts = [loc, *loc.split(",")]
            for part in parts:
                key = normalise_label(part)
                if key in names:
                    hit = names[key]
                    break
        by_name.append(hit)
    name_hit = pd.Series(by_name, index=events.index, dtype=object)
    # by coordinates: nearest facility within max_distance_m (KD-tree)
    geo_hit = pd.Series([None] * len(events), index=events.index, dtype=object)
    has_geo = events["lat"].notna() & events["lon"].notna()
    if has_geo.any():
        pts = gpd.GeoSeries(
            gpd.points_from_xy(events.loc[has_geo, "lon"], events.loc[has_geo, "lat"]),
            crs="EPSG:4326",
        ).to_crs(CRS)
        tree = cKDTree(np.column_stack([fac.geometry.x, fac.geometry.y]))
        dist, idx = tree.query(np.column_stack([pts.x, pts.y]),
                               distance_upper_bound=max_distance_m)
        ok = np.isfinite(dist)
        values = np.full(len(idx), None, dtype=object)
        values[ok] = fac.index.to_numpy()[idx[ok]]
        geo_hit.loc[has_geo] = values
    both = name_hit.notna() & (name_hit == geo_hit)
    fid[:] = name_hit.where(name_hit.notna(), geo_hit)
    how[name_hit.notna()] = "name"
    how[name_hit.isna() & geo_hit.notna()] = "koordinaten"
    how[both] = "name+koordinaten"
    return fid, how


# --------------------------------------------------------------------------------------
# reading and checking one file
# --------------------------------------------------------------------------------------
def _text(path: Path) -> tuple[str, str]:
    """File name and decoded text (UTF-8 with or without BOM, UTF-16 with BOM, Latin-1)."""
    name = display_name(path)
    data = read_bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        text, _ = decode(data)  # a Latin-1 calendar no longer garbles its umlauts
    text = text.lstrip("\ufeff")
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine iCalendar-Datei (erwartet „BEGIN:VCALENDAR“)."
        )
    return name, text


def _calendars(name: str, text: str) -> list[Any]:
    """The VCALENDARs of the file, with ``X-WR-TIMEZONE`` applied to floating times."""
    import icalendar
    import x_wr_timezone

    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:  # icalendar's parse errors
        raise InputFileError(
            f"{name}: Die iCalendar-Datei kann nicht gelesen werden ({exc})."
        ) from None
    out = []
    for cal in calendars:
        tzname = str(cal.get("X-WR-TIMEZONE") or "").strip()
        if tzname and tzname in _zones():
            cal = x_wr_timezone.to_standard(cal)
        out.append(cal)
    return out


def _decoded(component: Any, key: str) -> tuple[Any, bool]:
    """``(decoded date/datetime or None, present)`` of DTSTART/DTEND."""
    if component.get(key) is None:
        return None, False
    try:
        value = component.decoded(key)
    except (KeyError, ValueError, TypeError):
        return None, True
    if not isinstance(value, dt.date):  # icalendar keeps unparsable text as vBroken
        return None, True
    return value, True


def _comparable(value: dt.date) -> pd.Timestamp:
    return _local(value)[0]


class _Checked:
    """The VEVENTs of one file after the checks, ready for expansion."""

    def __init__(self, name: str, stem: str, n: int) -> None:
        self.name = name
        self.stem = stem
        self.found = RowProblems(name, None, n=n)
        self.components: list[Any] = []
        self.timezones: list[Any] = []
        self.has_end: dict[str, bool] = {}
        self.starts: list[pd.Timestamp] = []
        self.series: set[str] = set()
        self.uids: dict[str, int] = {}


def _label(component: Any) -> tuple[str, str]:
    title = str(component.get("SUMMARY") or "").strip() or "(ohne Titel)"
    return title, f"„{title}“ (UID {component.get('UID')})"


def _check_uid(component: Any, k: int, checked: _Checked) -> None:
    """Give every VEVENT a UID; a UID used twice (not a RECURRENCE-ID) is made unique."""
    uid = str(component.get("UID") or "").strip() or f"{checked.stem}-{k + 1}"
    if component.get("RECURRENCE-ID") is None:
        seen = checked.uids.get(uid, 0)
        checked.uids[uid] = seen + 1
        if seen:
            new = f"{uid}#{seen + 1}"
            checked.found.note(
                f"Die UID „{uid}“ kommt in der Datei für verschiedene Veranstaltungen vor; "
                f"„{_label(component)[0]}“ wird als „{new}“ übernommen.", column="UID")
            uid = new
    if "UID" in component:
        del component["UID"]
    component.add("UID", uid)


def _check_tzid(component: Any, key: str, known: set[str], checked: _Checked, k: int) -> None:
    prop = component.get(key)
    tzid = getattr(prop, "params", {}).get("TZID") if prop is not None else None
    if tzid and tzid not in known and tzid not in _zones():
        checked.found.add(
            k, f"Veranstaltung {_label(component)[1]}: Die Zeitzone „{tzid}“ ist unbekannt; "
            "die Zeit wird als Ortszeit (Europe/Berlin) gelesen.", key, reject=False)


def _check_end(component: Any, start: dt.date, k: int, checked: _Checked) -> None:
    """Invalid or reversed DTEND: reported, removed (the event is kept without end)."""
    raw = component.get("DTEND")
    end, has_end = _decoded(component, "DTEND")
    label = _label(component)[1]
    if has_end and end is None:
        checked.found.add(k, f"Veranstaltung {label}: Ende (DTEND) „{raw}“ ist ungültig"
                          "; sie wird ohne Ende übernommen.", "DTEND", reject=False)
        del component["DTEND"]
    elif end is not None and type(end) is type(start) and _comparable(end) < _comparable(start):
        checked.found.add(
            k, f"Veranstaltung {label}: Ende (DTEND {_comparable(end):%d.%m.%Y %H:%M}) liegt vor "
            f"dem Beginn ({_comparable(start):%d.%m.%Y %H:%M}); sie wird ohne Ende übernommen.",
            "DTEND", reject=False)
        del component["DTEND"]
    checked.has_end[str(component.get("UID"))] = (
        component.get("DTEND") is not None or component.get("DURATION") is not None
    )


def _check(name: str, stem: str, calendars: list[Any]) -> _Checked:
    """Check every VEVENT: start, end, UID, time zone; collect the usable ones."""
    events = [ev for cal in calendars for ev in cal.walk("VEVENT")]
    checked = _Checked(name, stem, len(events))
    for cal in calendars:
        checked.timezones += cal.walk("VTIMEZONE")
    known = {str(tz.get("TZID")) for tz in checked.timezones}
    for k, component in enumerate(events):
        _check_uid(component, k, checked)
        start, _ = _decoded(component, "DTSTART")
        if start is None:
            checked.found.add(k, f"Veranstaltung {_label(component)[1]}: Beginn (DTSTART) fehlt "
                              "oder ist ungültig; sie wird nicht übernommen.", "DTSTART")
            continue
        _check_tzid(component, "DTSTART", known, checked, k)
        _check_end(component, start, k, checked)
        if any(component.get(key) is not None for key in ("RRULE", "RDATE")):
            checked.series.add(str(component.get("UID")))
        checked.starts.append(_comparable(start))
        checked.components.append(component)
    return checked


# --------------------------------------------------------------------------------------
# expansion
# --------------------------------------------------------------------------------------
def parse_window(
    window: tuple[Any, Any] | None, starts: Sequence[pd.Timestamp] = ()
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first day, day after the last)`` of the expansion window (naive local time).

    Without ``window``: from the first start in ``starts`` to :data:`DEFAULT_SPAN_DAYS` days
    after the last one.

    Raises
    ------
    kulturplan.errors.ParameterError
        If the window cannot be read or ends before it begins.
    """
    if window is None:
        if not len(starts):
            today = pd.Timestamp.today().normalize()
            return today, today + pd.Timedelta(days=DEFAULT_SPAN_DAYS)
        first = min(starts).normalize()
        return first, max(starts).normalize() + pd.Timedelta(days=DEFAULT_SPAN_DAYS)
    try:
        lo, hi = (pd.Timestamp(v) for v in window)
    except (TypeError, ValueError):
        raise ParameterError(
            f"Zeitraum {window!r} ist ungültig; erwartet werden Beginn und Ende, z. B. "
            "(\"2025-01-01\", \"2026-01-01\")."
        ) from None
    if lo.tzinfo is not None:
        lo = lo.tz_convert(TIMEZONE).tz_localize(None)
    if hi.tzinfo is not None:
        hi = hi.tz_convert(TIMEZONE).tz_localize(None)
    if hi <= lo:
        raise ParameterError(
            f"Der Zeitraum endet ({hi:%d.%m.%Y}) nicht nach seinem Beginn ({lo:%d.%m.%Y})."
        )
    return lo, hi


def expand(components: Iterable[Any], timezones: Iterable[Any], window: tuple[pd.Timestamp,
           pd.Timestamp]) -> list[tuple[Any, Any, Any]]:
    """Occurrences ``(component, start, end)`` of the VEVENTs within ``window``.

    Expanded by ``recurring-ical-events``: RRULE, RDATE, EXDATE and RECURRENCE-ID as in
    RFC 5545 (a moved date comes with its own component). Floating times count as local time
    (Europe/Berlin). The occurrences' times are taken without copying a component for each
    date (``Occurrence.start``/``end``; the copy made by ``between`` costs most of the time
    on large calendars); older versions without that interface fall back to ``between``.
    """
    import icalendar
    import recurring_ical_events

    cal = icalendar.Calendar()
    for tz in timezones:
        cal.add_component(tz)
    for component in components:
        cal.add_component(component)
    lo, hi = (v.to_pydatetime() for v in window)
    query = recurring_ical_events.of(cal)
    lean = getattr(query, "_occurrences_between", None)
    if lean is not None:
        try:
            occurrences = lean(query.to_datetime(lo), query.to_datetime(hi))
            return [(o._adapter._component, o.start, o.end) for o in occurrences]
        except AttributeError:  # another layout of the library's objects
            pass
    return [(c, c.decoded("DTSTART"), c.decoded("DTEND") if c.get("DTEND") is not None
             else None) for c in query.between(lo, hi)]


def _occurrence_times(
    start_value: Any, end_value: Any, has_end: bool
) -> tuple[pd.Timestamp, pd.Timestamp | None, bool]:
    start, all_day = _local(start_value)
    end = _local(end_value)[0] if end_value is not None else None
    if all_day:
        if end is None or end <= start:
            end = start + pd.Timedelta(days=1)  # RFC 5545: a date-only event lasts one day
    elif not has_end:
        end = None  # recurring-ical-events fills DTEND = DTSTART; the feed had none
    return start, end, all_day


def _component_fields(component: Any, lookup: dict[str, str]) -> dict[str, Any]:
    """Fields of a VEVENT that every date of its series shares (read once per component)."""
    cats = _categories(component)
    category = next((c for c in (match_category(x, lookup)[0] for x in cats) if c), None)
    lat, lon = _geo(component)
    return {
        "uid": str(component.get("UID")),
        "title": str(component.get("SUMMARY") or "").strip() or "(ohne Titel)",
        "location": str(component.get("LOCATION") or "").strip() or None,
        "description": str(component.get("DESCRIPTION") or "").strip() or None,
        "categories": ", ".join(cats) or None,
        "category": category,
        "category_from": "CATEGORIES" if category else None,
        "target_group": None,
        "lat": lat,
        "lon": lon,
    }


def _records(occurrences: list[tuple[Any, Any, Any]], checked: _Checked,
             lookup: dict[str, str]) -> list[dict[str, Any]]:
    fields: dict[int, dict[str, Any]] = {}
    out = []
    for component, start_value, end_value in occurrences:
        shared = fields.get(id(component))
        if shared is None:
            shared = fields[id(component)] = _component_fields(component, lookup)
        uid = shared["uid"]
        start, end, all_day = _occurrence_times(start_value, end_value,
                                                checked.has_end.get(uid, True))
        recurring = uid in checked.series
        out.append({
            **shared,
            "event_id": f"{uid}/{start:%Y%m%dT%H%M}" if recurring else uid,
            "start": start,
            "end": end,
            "all_day": all_day,
            "multi_day": end is not None and (end - start) > pd.Timedelta(days=1),
            "recurring": recurring,
            "source": checked.name,
        })
    return out


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records → frame with the documented dtypes and unique ids (index ``event_id``)."""
    frame = pd.DataFrame(records, columns=_COLUMNS)
    for col in ("event_id", "uid", "title", "location", "description", "categories",
                "category", "category_from", "target_group", "source"):
        frame[col] = frame[col].astype(object)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    for col in ("lat", "lon"):
        frame[col] = frame[col].astype(float)
    for col in ("all_day", "multi_day", "recurring"):
        frame[col] = frame[col].astype(bool)
    frame = frame.sort_values(["start", "event_id"], kind="stable")
    dup = frame["event_id"].duplicated(keep=False)
    if dup.any():  # two occurrences of one series at the same minute
        counter = frame.groupby("event_id").cumcount() + 1
        frame.loc[dup, "event_id"] = frame.loc[dup, "event_id"] + "#" + counter[dup].astype(str)
    return frame.set_index("event_id")


# --------------------------------------------------------------------------------------
# Sparte, target group, place
# --------------------------------------------------------------------------------------
def _fill_categories(frame: pd.DataFrame, facilities: gpd.GeoDataFrame | None) -> None:
    """Category from CATEGORIES, else the venue's, else an event keyword.

    A general venue (:data:`GENERAL_VENUE`, a Bürgerhaus or Stadthalle) says less than the
    title: there the keyword comes first and the venue's category is the fallback.
    """
    venue_cat = pd.Series(None, index=frame.index, dtype=object)
    if facilities is not None and len(facilities) and "category" in facilities.columns:
        venue_cat = frame["facility_id"].map(facilities["category"])
        take = frame["category"].isna() & venue_cat.notna() & (venue_cat != GENERAL_VENUE)
        frame.loc[take, "category"] = venue_cat[take]
        frame.loc[take, "category_from"] = "Ort"
    text = (frame["title"].fillna("") + " " + frame["categories"].fillna("") + " "
            + frame["description"].fillna(""))
    need = frame["category"].isna()
    if need.any():
        unique = text[need].unique()
        guess = dict(zip(unique, (keyword_category(u) for u in unique), strict=True))
        cats = text[need].map(guess)
        frame.loc[need, "category"] = cats
        frame.loc[need & frame["category"].notna(), "category_from"] = "Stichwort"
    rest = frame["category"].isna() & venue_cat.notna()
    frame.loc[rest, "category"] = venue_cat[rest]
    frame.loc[rest, "category_from"] = "Ort"
    groups = {u: keyword_target_group(u) for u in text.unique()}
    frame["target_group"] = text.map(groups).astype(object)
    frame["category"] = frame["category"].astype(object)


def _fill_places(
    frame: pd.DataFrame, facilities: gpd.GeoDataFrame | None, ags: str | None
) -> None:
    """``ags`` from the matched facility, else the feed's own ``ags``; ``ags_from`` says which."""
    frame["ags"] = pd.Series(None, index=frame.index, dtype=object)
    frame["ags_from"] = pd.Series(None, index=frame.index, dtype=object)
    if facilities is not None and len(facilities) and "ags" in facilities.columns:
        venue = frame["facility_id"].map(facilities["ags"])
        frame.loc[venue.notna(), "ags"] = venue[venue.notna()]
        frame.loc[venue.notna(), "ags_from"] = "Einrichtung"
    if ags is not None:
        open_ = frame["ags"].isna()
        frame.loc[open_, "ags"] = str(ags)
        frame.loc[open_, "ags_from"] = "Kalender"


def _per_series(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """First occurrence of each series among ``mask`` and how many occurrences it has."""
    sub = frame[mask]
    first = sub.groupby("uid", sort=False).head(1)
    counts = sub.groupby("uid", sort=False).size()
    return first.assign(n=first["uid"].map(counts).to_numpy())


def _text_or_dash(value: Any) -> str:
    return str(value) if isinstance(value, str) and value else "–"


def _when(rec: pd.Series) -> str:
    n = int(rec["n"])
    more = f" (und {format_number(n - 1)} weitere Termine der Serie)" if n > 1 else ""
    return f"„{rec['title']}“ am {rec['start']:%d.%m.%Y}{more}"


def _report_open(frame: pd.DataFrame, facilities: gpd.GeoDataFrame | None,
                 max_distance_m: float, found: RowProblems) -> None:
    """List events without Sparte and without place (kept; one entry per series)."""
    name = found.source
    for _, rec in _per_series(frame, frame["category"].isna()).iterrows():
        found.problems.append(Problem(
            name, f"Veranstaltung {_when(rec)}: Sparte nicht erkannt (CATEGORIES "
            f"„{_text_or_dash(rec['categories'])}“, kein passender Ort, kein Stichwort); sie "
            "wird ohne Sparte übernommen.", column="CATEGORIES"))
    if facilities is None:
        return
    for _, rec in _per_series(frame, frame["facility_id"].isna()).iterrows():
        if pd.notna(rec["ags"]):
            where = "; sie zählt für die Gemeinde des Kalenders"
        elif pd.notna(rec["lat"]):
            where = "; sie wird über ihre Koordinaten (GEO) einer Gemeinde zugeordnet"
        else:
            where = "; ohne Koordinaten (GEO) bleibt sie ohne Gemeinde"
        found.problems.append(Problem(
            name, f"Veranstaltung {_when(rec)}: Ort „{_text_or_dash(rec['location'])}“ passt zu "
            "keiner Einrichtung (weder Name noch Lage im Umkreis von "
            f"{format_decimal(max_distance_m)} m){where}.", column="LOCATION"))


def _coordinates_check(frame: pd.DataFrame, found: RowProblems) -> None:
    has = frame["lat"].notna() & frame["lon"].notna()
    if not has.any():
        return
    inside = in_germany(frame.loc[has, "lon"].to_numpy(), frame.loc[has, "lat"].to_numpy())
    bad = frame.index[has][~inside]
    for uid in frame.loc[bad, "uid"].unique():
        rec = frame.loc[bad][frame.loc[bad, "uid"] == uid].iloc[0]
        found.problems.append(Problem(
            found.source, f"Veranstaltung „{rec['title']}“: GEO ({format_decimal(rec['lat'])}; "
            f"{format_decimal(rec['lon'])}) liegt außerhalb Deutschlands und wird ignoriert.",
            column="GEO"))
    frame.loc[bad, ["lat", "lon"]] = np.nan


def _counts(checked: _Checked, frame: pd.DataFrame, outside: int) -> dict[str, int]:
    return {
        "vevents": len(checked.found),
        "ohne_beginn": int(checked.found.rejected.sum()),
        "serien": len(checked.series),
        "termine": len(frame),
        "ausserhalb_zeitraum": outside,
        "ohne_sparte": int(frame["category"].isna().sum()),
        "ohne_gemeinde": int(frame["ags"].isna().sum()),
    }


def _n(count: int, one: str, many: str) -> str:
    """``1 Termin`` / ``3 Termine`` (German number, singular or plural)."""
    return f"{format_number(count)} {one if count == 1 else many}"


def _count_note(counts: dict[str, int], window: tuple[pd.Timestamp, pd.Timestamp],
                found: RowProblems) -> None:
    lo, hi = window
    last = hi - pd.Timedelta(days=1)
    parts = [f"{_n(counts['vevents'], 'Eintrag', 'Einträge')} (VEVENT) gelesen, "
             f"{_n(counts['termine'], 'Termin', 'Termine')} übernommen"]
    if counts["serien"]:
        parts.append(f"{_n(counts['serien'], 'Serie', 'Serien')} im Zeitraum "
                     f"{lo:%d.%m.%Y}–{last:%d.%m.%Y} in einzelne Termine aufgelöst")
    if counts["ausserhalb_zeitraum"]:
        outside = counts["ausserhalb_zeitraum"]
        parts.append(_n(outside, "Einzeltermin liegt", "Einzeltermine liegen")
                     + " außerhalb dieses Zeitraums und "
                     + ("wird" if outside == 1 else "werden") + " nicht übernommen")
    if counts["ohne_beginn"]:
        parts.append(f"{format_number(counts['ohne_beginn'])} ohne gültigen Beginn")
    if counts["ohne_sparte"]:
        parts.append(f"{_n(counts['ohne_sparte'], 'Termin', 'Termine')} ohne erkannte Sparte "
                     "(übernommen)")
    found.note("; ".join(parts) + ".")


def read_events(
    path: str | Path,
    facilities: gpd.GeoDataFrame | None = None,
    *,
    ags: str | None = None,
    window: tuple[Any, Any] | None = None,
    max_distance_m: float = 300.0,
) -> ReadResult:
    """Read an iCalendar feed: every VEVENT kept, series expanded within a window.

    Parameters
    ----------
    path
        ``.ics`` file (UTF-8, UTF-16 with byte order mark or Latin-1).
    facilities
        Facilities of the region (index ``facility_id``, ``name``, ``category``, point
        ``geometry``, optionally ``ags``) to match venues against.
    ags
        Municipality the feed belongs to (a municipality's own calendar): events at no
        known facility count for it.
    window
        ``(first day, end)`` within which series (RRULE/RDATE) are expanded and single
        events kept; by default from the first start to :data:`DEFAULT_SPAN_DAYS` days
        after the last one.
    max_distance_m
        Largest distance (m) between an event's GEO and a facility.

    Returns
    -------
    ReadResult
        ``events, report``. ``events``: index ``event_id`` (the UID; ``UID/YYYYMMDDTHHMM``
        for each date of a series), columns ``uid``, ``title``, ``start``, ``end`` (naive
        local time; all-day ends are exclusive), ``all_day``, ``multi_day``, ``location``,
        ``description``, ``categories`` (as in the file), ``category`` (catalog id or
        ``None``), ``category_from`` (``"CATEGORIES"``, ``"Ort"``, ``"Stichwort"``),
        ``target_group``, ``lat``, ``lon``, ``facility_id``, ``venue_match``, ``ags``,
        ``ags_from`` (``"Einrichtung"``, ``"Kalender"``), ``recurring``, ``source``;
        ``events.attrs["counts"]`` counts VEVENTs, series, dates and what was open.
        ``report``: events without valid start (the only ones left out), invalid or
        reversed ends, unknown time zones, repeated UIDs, foreign coordinates, events
        without Sparte or venue (one entry per series), and a count of everything.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is missing, empty or not an iCalendar file.
    """
    p = Path(path)
    name, text = _text(p)
    checked = _check(name, p.stem, _calendars(name, text))
    found = checked.found
    if not len(found):
        raise InputFileError(f"{name}: Die iCalendar-Datei enthält keine Veranstaltungen (VEVENT).")
    win = parse_window(window, checked.starts)
    singles = [s for s, c in zip(checked.starts, checked.components, strict=True)
               if str(c.get("UID")) not in checked.series and c.get("RECURRENCE-ID") is None]
    outside = sum(1 for s in singles if not (win[0] <= s < win[1]))
    lookup = category_lookup()
    occurrences = expand(checked.components, checked.timezones, win)
    frame = _frame(_records(occurrences, checked, lookup))
    _coordinates_check(frame, found)
    fid, how = match_venues(frame, facilities, max_distance_m=max_distance_m)
    frame["facility_id"] = fid
    frame["venue_match"] = how
    _fill_categories(frame, facilities)
    _fill_places(frame, facilities, ags)
    _report_open(frame, facilities, max_distance_m, found)
    counts = _counts(checked, frame, outside)
    _count_note(counts, win, found)
    frame.attrs["counts"] = counts
    return ReadResult(frame, found.report(summary=False))


# --------------------------------------------------------------------------------------
# several feeds → one Kreis calendar
# --------------------------------------------------------------------------------------
def _place_key(frame: pd.DataFrame) -> pd.Series:
    """Where an event takes place, for recognising duplicates: venue, else location, else AGS."""
    loc = frame["location"].map(lambda v: normalise_label(v) if isinstance(v, str) else None)
    key = frame["facility_id"].where(frame["facility_id"].notna(), loc)
    return key.where(key.notna(), frame["ags"]).fillna("").astype(str)


def duplicate_events(events: pd.DataFrame) -> pd.Series:
    """For each event that repeats one of an *earlier feed*, the ``event_id`` it repeats.

    Two events are the same when they have the same UID and start, or the same title
    (normalised), start and place (venue, else normalised location, else AGS). Only
    repeats across feeds (``source``) count; within one feed two such entries may be
    meant.

    Returns
    -------
    pandas.Series
        Index: the repeated events (position order), values: the ``event_id`` of the first.
    """
    ids = pd.Series(events.index, index=events.index)
    start = events["start"].astype("int64").astype(str)
    title = events["title"].map(normalise_label)
    keys = [events["uid"].astype(str) + "|" + start,
            title + "|" + start + "|" + _place_key(events)]
    first = pd.Series(None, index=events.index, dtype=object)
    for key in keys:
        firsts = ids.groupby(key.to_numpy(), sort=False).transform("first")
        source_first = events["source"].groupby(key.to_numpy(), sort=False).transform("first")
        rep = (firsts != ids) & (source_first != events["source"]) & first.isna()
        first[rep] = firsts[rep]
    # a repeat of a repeat points to the original
    orig = first.dropna()
    return orig.map(lambda v: orig.get(v, v))


def merge_feeds(results: Sequence[ReadResult]) -> ReadResult:
    """One calendar from several feeds: duplicates across feeds recognised and reported.

    Parameters
    ----------
    results
        What :func:`read_events` returned for each feed, in order of precedence.

    Returns
    -------
    ReadResult
        The merged events (a repeated event is kept once, from the first feed; its
        ``also_in`` names the other feeds) and a report with each feed's problems plus one
        entry per duplicate and per UID shared by different events of different feeds
        (both kept, the second under ``event_id@file``).
    """
    frames = [r.data for r in results]
    problems: list[Problem] = [p for r in results for p in r.report.problems]
    if not frames:
        raise ParameterError("Es wurde kein Kalender angegeben.")
    events = pd.concat(frames)
    clash = events.index.duplicated(keep="first")
    notes: list[Problem] = []
    if clash.any():
        stems = events["source"].map(lambda s: Path(str(s)).stem)
        new_ids = pd.Index(np.where(clash, events.index + "@" + stems, events.index),
                           name="event_id")
        events.index = new_ids
    dup = duplicate_events(events)
    for eid, orig in dup.items():
        a, b = events.loc[orig], events.loc[eid]
        notes.append(Problem(
            str(b["source"]), f"Veranstaltung „{b['title']}“ am {b['start']:%d.%m.%Y %H:%M} steht "
            f"auch in {a['source']} (UID „{a['uid']}“); sie wird einmal gezählt.", column="UID"))
    if clash.any():
        renamed = events.index[clash]
        for eid in renamed:
            if eid in dup.index:
                continue
            rec = events.loc[eid]
            notes.append(Problem(
                str(rec["source"]), f"Die UID „{rec['uid']}“ steht auch in einem anderen "
                f"Kalender für eine andere Veranstaltung; „{rec['title']}“ am "
                f"{rec['start']:%d.%m.%Y} wird als „{eid}“ übernommen.", column="UID"))
    also = dup.groupby(dup.to_numpy()).apply(
        lambda s: ", ".join(dict.fromkeys(events.loc[s.index, "source"].astype(str))))
    merged = events.drop(index=dup.index)
    merged["also_in"] = pd.Series(also, dtype=object).reindex(merged.index)
    merged = merged.sort_values(["start", "title"], kind="stable")
    counts = {"feeds": len(frames), "termine": int(len(events)), "doppelt": int(len(dup)),
              "kalender": int(len(merged))}
    merged.attrs["counts"] = counts
    notes.append(Problem(
        "Kreiskalender", f"{format_number(len(frames))} Kalender mit zusammen "
        f"{format_number(len(events))} Terminen zusammengeführt; {format_number(len(dup))} "
        f"doppelt (einmal gezählt), {format_number(len(merged))} Termine im Kreiskalender."))
    return ReadResult(merged, ValidationReport(tuple(problems + notes)))


def read_calendars(
    feeds: Iterable[str | Path] | Mapping[str | Path, str | None],
    facilities: gpd.GeoDataFrame | None = None,
    *,
    window: tuple[Any, Any] | None = None,
    max_distance_m: float = 300.0,
) -> ReadResult:
    """Read several feeds into one Kreis calendar (see :func:`read_events`, :func:`merge_feeds`).

    Parameters
    ----------
    feeds
        Paths, or a mapping path → AGS of the municipality each feed belongs to (``None``
        for a feed of the Kreis or of an association).
    facilities, max_distance_m
        As for :func:`read_events`.
    window
        One expansion window for all feeds; by default from the first start of all feeds
        to :data:`DEFAULT_SPAN_DAYS` days after the last one.
    """
    pairs = list(feeds.items()) if isinstance(feeds, Mapping) else [(f, None) for f in feeds]
    if window is None:  # one window for all feeds, so their series cover the same dates
        starts = [s for path, _ in pairs
                  for s in _check(*_stem(path), _calendars(*_text(Path(path)))).starts]
        window = parse_window(None, starts)
    results = [read_events(path, facilities, ags=a, window=window,
                           max_distance_m=max_distance_m) for path, a in pairs]
    return merge_feeds(results)


def name_slug(name: str) -> str:
    """File-name part of a municipality name („Weißbrück“ → ``weissbrueck``)."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "_"})
    return "".join(ch for ch in str(name).lower().translate(table) if ch.isalnum() or ch == "_")


def feed_map(folder: str | Path, names: pd.Series) -> dict[Path, str | None]:
    """The ``.ics`` files of ``folder`` → the AGS each belongs to, for :func:`read_calendars`.

    ``gemeinde_<name>.ics`` belongs to the municipality of that name (``names``: AGS →
    name, matched by :func:`name_slug`); every other file (e.g. ``kreis.ics``) to none.
    """
    by_slug = {name_slug(str(n)): str(a) for a, n in names.items()}
    out: dict[Path, str | None] = {}
    for path in sorted(Path(folder).glob("*.ics")):
        slug = path.stem.removeprefix("gemeinde_")
        out[path] = by_slug.get(slug) if path.stem.startswith("gemeinde_") else None
    return out


def _stem(path: str | Path) -> tuple[str, str]:
    return display_name(path), Path(path).stem


def write_ics(events: pd.DataFrame, *, name: str = "Kreiskalender") -> bytes:
    """The events as one iCalendar file (``icalendar``), e.g. the merged Kreis calendar.

    Each row becomes one VEVENT (series are already expanded) with its ``uid`` (or
    ``event_id``) and the occurrence's start as RECURRENCE-free single dates; times in
    Europe/Berlin, all-day events as dates.
    """
    import icalendar

    cal = icalendar.Calendar()
    cal.add("PRODID", "-//kulturplan//Kreiskalender//DE")
    cal.add("VERSION", "2.0")
    cal.add("X-WR-CALNAME", name)
    cal.add("X-WR-TIMEZONE", "Europe/Berlin")
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for eid, rec in events.iterrows():
        ev = icalendar.Event()
        ev.add("UID", str(eid))
        ev.add("DTSTAMP", stamp)
        ev.add("SUMMARY", str(rec["title"]))
        if bool(rec.get("all_day", False)):
            ev.add("DTSTART", rec["start"].date())
            if pd.notna(rec.get("end")):
                ev.add("DTEND", rec["end"].date())
        else:
            ev.add("DTSTART", rec["start"].to_pydatetime().replace(tzinfo=TIMEZONE))
            if pd.notna(rec.get("end")):
                ev.add("DTEND", rec["end"].to_pydatetime().replace(tzinfo=TIMEZONE))
        if isinstance(rec.get("location"), str):
            ev.add("LOCATION", rec["location"])
        cat = rec.get("category")
        if isinstance(cat, str):
            ev.add("CATEGORIES", [catalog.category_label(cat)])
        cal.add_component(ev)
    return cal.to_ical()

