"""Events from iCalendar files (``.ics``), matched to the region's facilities.

Municipal and community calendars are usually published as iCalendar feeds. Each
``VEVENT`` becomes one event with ``start``, ``end``, ``title`` (SUMMARY),
``location`` (LOCATION), ``categories`` (CATEGORIES) and coordinates (GEO).
Venues are matched to facilities by normalised name (the LOCATION or one of its
comma-separated parts equals a facility's name) and/or by distance (nearest
facility within ``max_distance_m`` of GEO, via a KD-tree). Times are converted to
local time (Europe/Berlin) without time zone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kulturplan._format import format_decimal, format_number
from kulturplan.errors import InputFileError, Problem
from kulturplan.region import CRS
from kulturplan.sources._cells import in_germany, normalise_label, normalise_name
from kulturplan.sources._files import display_name, read_bytes
from kulturplan.sources._report import ReadResult, RowProblems
from kulturplan.sources.facilities import category_lookup, match_category

TIMEZONE = ZoneInfo("Europe/Berlin")

KEYWORDS: dict[str, str] = {
    "konzert": "musikschule",
    "musik": "musikschule",
    "chor": "musikschule",
    "orchester": "musikschule",
    "theater": "theater",
    "schauspiel": "theater",
    "kabarett": "theater",
    "oper": "theater",
    "musical": "theater",
    "lesung": "bibliothek",
    "literatur": "bibliothek",
    "vorlesen": "bibliothek",
    "film": "kino",
    "kino": "kino",
    "vernissage": "galerie",
    "kunst": "galerie",
    "ausstellung": "museum",
    "fuehrung": "museum",
    "museum": "museum",
    "heimat": "heimatverein_archiv",
    "geschichte": "heimatverein_archiv",
    "workshop": "jugendkunstschule",
    "vortrag": "volkshochschule",
    "kurs": "volkshochschule",
}
"""Words in CATEGORIES or the title → catalog category, when nothing else matches."""


def _keyword_category(text: str) -> str | None:
    norm = normalise_name(text)
    for word, cid in KEYWORDS.items():
        if word in norm:
            return cid
    return None


def _local(value: Any) -> tuple[pd.Timestamp | None, bool]:
    """Naive local timestamp and whether the value was an all-day date."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(TIMEZONE).replace(tzinfo=None)
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


_COLUMNS = ["event_id", "title", "start", "end", "all_day", "location", "categories",
            "category", "lat", "lon", "recurring", "source"]


def _load_events(path: Path) -> tuple[str, list[Any]]:
    """File name and the VEVENT components of every calendar in the file."""
    import icalendar

    name = display_name(path)
    data = read_bytes(path)
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine iCalendar-Datei (erwartet „BEGIN:VCALENDAR“)."
        )
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:  # icalendar's parse errors
        raise InputFileError(
            f"{name}: Die iCalendar-Datei kann nicht gelesen werden ({exc})."
        ) from None
    return name, [ev for cal in calendars for ev in cal.walk("VEVENT")]


def _time(component: Any, key: str) -> tuple[pd.Timestamp | None, bool, bool]:
    """``(naive local time, all day, present)`` of DTSTART/DTEND; time ``None`` if invalid.

    icalendar keeps an unparsable value as text (``vBroken``), which :func:`_local` does not
    accept, so an invalid value gives ``(None, False, True)``.
    """
    if component.get(key) is None:
        return None, False, False
    try:
        value = component.decoded(key)
    except (KeyError, ValueError, TypeError):
        return None, False, True
    start, all_day = _local(value)
    return start, all_day, True


def _coordinates(component: Any, label: str, k: int, found: RowProblems) -> tuple[float, float]:
    lat, lon = _geo(component)
    if not np.isnan(lat) and not in_germany(np.array([lon]), np.array([lat]))[0]:
        found.add(k, f"Veranstaltung {label}: GEO ({format_decimal(lat)}; "
                  f"{format_decimal(lon)}) liegt außerhalb Deutschlands und wird ignoriert.",
                  "GEO", reject=False)
        return np.nan, np.nan
    return lat, lon


def _category(component: Any, lookup: dict[str, str]) -> tuple[list[str], str | None]:
    cats = _categories(component)
    for c in cats:
        category, _ = match_category(c, lookup)
        if category:
            return cats, category
    return cats, None


def _record(
    component: Any, k: int, stem: str, lookup: dict[str, str], found: RowProblems
) -> dict[str, Any] | None:
    """One event as a record; ``None`` (and a problem) when it has no valid start."""
    title = str(component.get("SUMMARY") or "").strip() or "(ohne Titel)"
    uid = str(component.get("UID") or "").strip() or f"{stem}-{k + 1}"
    label = f"„{title}“ (UID {uid})"
    start, all_day, _ = _time(component, "DTSTART")
    if start is None:
        found.add(k, f"Veranstaltung {label}: Beginn (DTSTART) fehlt oder ist ungültig; sie "
                  "wird nicht übernommen.", "DTSTART")
        return None
    end, _, has_end = _time(component, "DTEND")
    if end is None and has_end:
        found.add(k, f"Veranstaltung {label}: Ende (DTEND) „{component.get('DTEND')}“ ist "
                  "ungültig; sie wird ohne Ende übernommen.", "DTEND", reject=False)
    lat, lon = _coordinates(component, f"„{title}“", k, found)
    cats, category = _category(component, lookup)
    return {
        "event_id": uid,
        "title": title,
        "start": start,
        "end": end,
        "all_day": all_day,
        "location": str(component.get("LOCATION") or "").strip() or None,
        "categories": ", ".join(cats) or None,
        "category": category,
        "lat": lat,
        "lon": lon,
        "recurring": component.get("RRULE") is not None,
        "source": found.source,
    }


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records → frame with the documented dtypes and unique ids (index ``event_id``)."""
    frame = pd.DataFrame(records, columns=_COLUMNS)
    for col in ("event_id", "title", "location", "categories", "category", "source"):
        frame[col] = frame[col].astype(object)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["lat"] = frame["lat"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    # unique ids (a UID may repeat for recurrence exceptions)
    dup = frame["event_id"].duplicated(keep=False)
    if dup.any():
        counter = frame.groupby("event_id").cumcount() + 1
        frame.loc[dup, "event_id"] = frame.loc[dup, "event_id"] + "#" + counter[dup].astype(str)
    return frame.set_index("event_id")


def _fill_categories(frame: pd.DataFrame, facilities: gpd.GeoDataFrame | None) -> None:
    """Category from CATEGORIES, else from the venue, else from a keyword of the title."""
    if facilities is not None and len(facilities):
        venue_cat = frame["facility_id"].map(facilities["category"])
        frame["category"] = frame["category"].where(frame["category"].notna(), venue_cat)
    need = frame["category"].isna()
    if need.any():
        guess = [
            _keyword_category(f"{c or ''} {t}")
            for c, t in zip(frame.loc[need, "categories"], frame.loc[need, "title"], strict=True)
        ]
        frame.loc[need, "category"] = pd.Series(guess, index=frame.index[need], dtype=object)
    frame["category"] = frame["category"].astype(object)


def _report_unused(
    frame: pd.DataFrame, facilities: gpd.GeoDataFrame | None, max_distance_m: float,
    found: RowProblems,
) -> None:
    """Problems for events without category or venue; a note on recurring events."""
    name = found.source
    for eid in frame.index[frame["category"].isna()]:
        rec = frame.loc[eid]
        found.problems.append(
            Problem(name, f"Veranstaltung „{rec['title']}“ am {rec['start']:%d.%m.%Y}: Sparte "
                    f"nicht erkannt (CATEGORIES „{rec['categories'] or '–'}“, kein passender "
                    "Ort); sie wird nicht übernommen.", column="CATEGORIES")
        )
    if facilities is not None:
        for eid in frame.index[frame["facility_id"].isna()]:
            rec = frame.loc[eid]
            geo = ("; sie wird über ihre Koordinaten (GEO) einer Gemeinde zugeordnet"
                   if pd.notna(rec["lat"]) else "; ohne Koordinaten (GEO) kann sie keiner "
                   "Gemeinde zugeordnet und daher nicht in die Region übernommen werden")
            found.problems.append(
                Problem(
                    name,
                    f"Veranstaltung „{rec['title']}“ am {rec['start']:%d.%m.%Y}: Ort "
                    f"„{rec['location'] or '–'}“ passt zu keiner Einrichtung (weder Name noch "
                    f"Lage im Umkreis von {format_decimal(max_distance_m)} m){geo}.",
                    column="LOCATION",
                )
            )
    n_recurring = int(frame["recurring"].sum())
    if n_recurring:
        found.note(f"{format_number(n_recurring)} Serientermine (RRULE): gezählt wird nur der "
                   "erste Termin jeder Serie.", column="RRULE")


def read_events(
    path: str | Path,
    facilities: gpd.GeoDataFrame | None = None,
    *,
    max_distance_m: float = 300.0,
) -> ReadResult:
    """Read events from an iCalendar file and match their venues to facilities.

    Parameters
    ----------
    path
        ``.ics`` file with ``VEVENT`` components.
    facilities
        Facilities of the region (index ``facility_id``, ``name``, ``category``,
        point ``geometry``) to match venues against.
    max_distance_m
        Largest distance (m) between an event's GEO and a facility.

    Returns
    -------
    ReadResult
        ``events, report``. ``events``: index ``event_id`` (UID, made unique); columns
        ``title``, ``start``, ``end`` (naive local time), ``all_day``, ``location``,
        ``categories`` (as in the file, comma-separated), ``category`` (catalog id or
        ``None``), ``lat``, ``lon``, ``facility_id``, ``venue_match``, ``recurring``,
        ``source``. Events without a valid start are left out. ``report``: each event
        left out, each invalid end (DTEND; the event is kept without end), foreign
        coordinates, events without category or (when ``facilities`` are given) without
        matching venue, and how many recurring events count only once.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is missing, empty or not an iCalendar file.
    """
    p = Path(path)
    name, components = _load_events(p)
    found = RowProblems(name, None, n=len(components))
    lookup = category_lookup()
    records = [
        rec for k, ev in enumerate(components)
        if (rec := _record(ev, k, p.stem, lookup, found)) is not None
    ]
    if not records and not found.problems:
        raise InputFileError(f"{name}: Die iCalendar-Datei enthält keine Veranstaltungen (VEVENT).")
    frame = _frame(records)
    fid, how = match_venues(frame, facilities, max_distance_m=max_distance_m)
    frame["facility_id"] = fid
    frame["venue_match"] = how
    _fill_categories(frame, facilities)
    _report_unused(frame, facilities, max_distance_m, found)
    return ReadResult(frame, found.report(summary=False))
