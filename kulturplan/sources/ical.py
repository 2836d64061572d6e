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

from kulturplan.errors import InputFileError, Problem, ValidationError
from kulturplan.region import CRS
from kulturplan.sources._cells import in_germany, normalise_label, normalise_name
from kulturplan.sources._files import display_name, read_bytes
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
    for f, n in zip(fac.index, fac["name"], strict=False):
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


def read_events(
    path: str | Path,
    facilities: gpd.GeoDataFrame | None = None,
    *,
    max_distance_m: float = 300.0,
    problems: list[Problem] | None = None,
) -> pd.DataFrame:
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
    problems
        If given, events that are unusable (no start) or whose venue matches no
        facility are listed here; unusable events are left out. If ``None``,
        unusable events raise one :class:`~kulturplan.errors.ValidationError`
        (unmatched venues are not an error: their ``facility_id`` is ``None``).

    Returns
    -------
    pandas.DataFrame
        Index ``event_id`` (UID, made unique); columns ``title``, ``start``, ``end``
        (naive local time), ``all_day``, ``location``, ``categories`` (as in the
        file, comma-separated), ``category`` (catalog id or ``None``), ``lat``,
        ``lon``, ``facility_id``, ``venue_match``, ``recurring``, ``source``.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is missing, empty or not an iCalendar file.
    """
    import icalendar

    p = Path(path)
    name = display_name(p)
    data = read_bytes(p)
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine iCalendar-Datei (erwartet „BEGIN:VCALENDAR“)."
        )
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:
        raise InputFileError(
            f"{name}: Die iCalendar-Datei kann nicht gelesen werden ({exc})."
        ) from None
    found: list[Problem] = []
    records: list[dict[str, Any]] = []
    lookup = category_lookup()
    for cal in calendars:
        for ev in cal.walk("VEVENT"):
            title = str(ev.get("SUMMARY") or "").strip() or "(ohne Titel)"
            uid = str(ev.get("UID") or "").strip() or f"{p.stem}-{len(records) + 1}"
            try:
                start, all_day = _local(ev.decoded("DTSTART")) if ev.get("DTSTART") else (None,
                                                                                          False)
            except Exception:
                start, all_day = None, False
            if start is None:
                found.append(
                    Problem(name, f"Veranstaltung „{title}“ (UID {uid}): Beginn (DTSTART) fehlt "
                            "oder ist ungültig; sie wird nicht übernommen.", column="DTSTART")
                )
                continue
            try:
                end, _ = _local(ev.decoded("DTEND")) if ev.get("DTEND") else (None, False)
            except Exception:
                end = None
            lat, lon = _geo(ev)
            if not np.isnan(lat) and not in_germany(np.array([lon]), np.array([lat]))[0]:
                found.append(
                    Problem(name, f"Veranstaltung „{title}“: GEO ({lat:g}; {lon:g}) liegt "
                            "außerhalb Deutschlands und wird ignoriert.", column="GEO")
                )
                lat = lon = np.nan
            cats = _categories(ev)
            category = None
            for c in cats:
                category, _ = match_category(c, lookup)
                if category:
                    break
            records.append(
                {
                    "event_id": uid,
                    "title": title,
                    "start": start,
                    "end": end,
                    "all_day": all_day,
                    "location": str(ev.get("LOCATION") or "").strip() or None,
                    "categories": ", ".join(cats) or None,
                    "category": category,
                    "lat": lat,
                    "lon": lon,
                    "recurring": ev.get("RRULE") is not None,
                    "source": name,
                }
            )
    if not records and not found:
        raise InputFileError(f"{name}: Die iCalendar-Datei enthält keine Veranstaltungen (VEVENT).")
    frame = pd.DataFrame(
        records,
        columns=["event_id", "title", "start", "end", "all_day", "location", "categories",
                 "category", "lat", "lon", "recurring", "source"],
    )
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
    frame = frame.set_index("event_id")
    fid, how = match_venues(frame, facilities, max_distance_m=max_distance_m)
    frame["facility_id"] = fid
    frame["venue_match"] = how
    if facilities is not None and len(facilities):
        venue_cat = frame["facility_id"].map(facilities["category"])
        frame["category"] = frame["category"].where(frame["category"].notna(), venue_cat)
    need = frame["category"].isna()
    if need.any():
        guess = [
            _keyword_category(f"{c or ''} {t}")
            for c, t in zip(frame.loc[need, "categories"], frame.loc[need, "title"], strict=False)
        ]
        frame.loc[need, "category"] = pd.Series(guess, index=frame.index[need], dtype=object)
    frame["category"] = frame["category"].astype(object)
    for eid in frame.index[frame["category"].isna()]:
        rec = frame.loc[eid]
        found.append(
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
            found.append(
                Problem(
                    name,
                    f"Veranstaltung „{rec['title']}“ am {rec['start']:%d.%m.%Y}: Ort "
                    f"„{rec['location'] or '–'}“ passt zu keiner Einrichtung (weder Name noch "
                    f"Lage im Umkreis von {max_distance_m:g} m){geo}.",
                    column="LOCATION",
                )
            )
    recurring = frame.index[frame["recurring"]]
    if len(recurring) and problems is not None:
        found.append(
            Problem(name, f"{len(recurring)} Serientermine (RRULE): gezählt wird nur der erste "
                    "Termin jeder Serie.", column="RRULE")
        )
    if problems is None:
        fatal = [p for p in found if p.column in ("DTSTART",)]
        if fatal:
            raise ValidationError(fatal, title=f"{name}: Der Kalender enthält Fehler")
    else:
        problems.extend(found)
    return frame
