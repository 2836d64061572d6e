"""Collisions in a shared event calendar: events that compete for the same audience.

Two events *collide* when they take place at the same time (``window``: overlapping hours,
the same day, or the same weekend), not farther apart than ``radius_km``, and share the
attributes named in ``same`` (by default Sparte and target group; the target group
``"alle"`` matches every group). Independently of Sparte and distance, two events at the
same venue whose hours overlap are a double booking.

The search never compares all pairs: events are sorted by the start of their time window,
so the candidates of an event are the run of events starting before its window ends
(:func:`numpy.searchsorted`, pairs generated vectorised); distances come from a KD-tree
over the distinct event places (:meth:`scipy.spatial.cKDTree.sparse_distance_matrix`
within the radius).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan.errors import ParameterError
from kulturplan.region import CRS

WINDOWS: dict[str, str] = {
    "overlap": "gleichzeitig",
    "day": "am selben Tag",
    "weekend": "am selben Wochenende",
}
"""Time windows of :func:`event_collisions` and their German wording."""

DEFAULT_DURATION_H = 2.0
"""Assumed length (hours) of a timed event without end."""

ALL_GROUPS = "alle"
"""Target group that matches every other one."""

COLUMNS_DE: dict[str, str] = {
    "title_a": "Veranstaltung",
    "start_a": "Beginn",
    "place_a": "Ort",
    "title_b": "kollidiert mit",
    "start_b": "Beginn ",
    "place_b": "Ort ",
    "distance_km": "Entfernung (km)",
    "overlap_h": "Überschneidung (Std.)",
    "reasons": "Gründe",
}
"""German headers of a collision table (export, dashboard)."""


def event_places(
    events: pd.DataFrame,
    facilities: gpd.GeoDataFrame | None = None,
    municipalities: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Coordinates (EPSG:25832) of each event's place: venue, else GEO, else municipality.

    Parameters
    ----------
    events
        Optional columns ``facility_id``, ``lat``/``lon`` (WGS84), ``ags``.
    facilities
        Index ``facility_id``, point ``geometry``.
    municipalities
        Index AGS, polygon ``geometry``; an event known only by its AGS is placed at the
        municipality's representative point.

    Returns
    -------
    pandas.DataFrame
        Index as ``events``; ``x``, ``y`` (NaN where unknown) and ``place_from``
        (``"Einrichtung"``, ``"GEO"``, ``"Gemeinde"`` or ``None``).
    """
    n = len(events)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    how = np.full(n, None, dtype=object)
    if municipalities is not None and "ags" in events.columns and len(municipalities):
        pts = municipalities.to_crs(CRS).geometry.representative_point()
        hit = events["ags"].map(pd.Series(pts.x.to_numpy(), index=municipalities.index))
        ok = hit.notna().to_numpy()
        x[ok] = hit.to_numpy(dtype=float)[ok]
        y[ok] = events["ags"].map(pd.Series(pts.y.to_numpy(), index=municipalities.index)
                                  ).to_numpy(dtype=float)[ok]
        how[ok] = "Gemeinde"
    if {"lat", "lon"} <= set(events.columns):
        ok = (events["lat"].notna() & events["lon"].notna()).to_numpy()
        if ok.any():
            geo = gpd.GeoSeries(gpd.points_from_xy(events["lon"][ok], events["lat"][ok]),
                                crs="EPSG:4326").to_crs(CRS)
            x[ok], y[ok], how[ok] = geo.x.to_numpy(), geo.y.to_numpy(), "GEO"
    if facilities is not None and "facility_id" in events.columns and len(facilities):
        fac = facilities.to_crs(CRS) if facilities.crs is not None else facilities
        fx = events["facility_id"].map(pd.Series(fac.geometry.x.to_numpy(), index=fac.index))
        fy = events["facility_id"].map(pd.Series(fac.geometry.y.to_numpy(), index=fac.index))
        ok = fx.notna().to_numpy()
        x[ok], y[ok], how[ok] = fx.to_numpy(dtype=float)[ok], fy.to_numpy(dtype=float)[ok], \
            "Einrichtung"
    return pd.DataFrame({"x": x, "y": y, "place_from": how}, index=events.index)


def _intervals(events: pd.DataFrame, default_duration_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Real start and end (ns); a missing or non-positive end gets the default length."""
    start = pd.to_datetime(events["start"])
    end = pd.to_datetime(events["end"]) if "end" in events.columns else pd.Series(
        pd.NaT, index=events.index)
    fallback = start + pd.Timedelta(hours=default_duration_h)
    end = end.where(end.notna() & (end > start), fallback)
    return start.to_numpy("datetime64[ns]").astype(np.int64), \
        end.to_numpy("datetime64[ns]").astype(np.int64)


def _window(start: np.ndarray, end: np.ndarray, window: str) -> tuple[np.ndarray, np.ndarray]:
    """Time windows that must overlap: the hours, the calendar days, or days widened to the
    whole weekend (a Saturday window reaches to Monday 0:00, a Sunday one back to Saturday)."""
    if window == "overlap":
        return start, end
    day = np.int64(86_400 * 10**9)
    lo = start - start % day  # naive local times: floor to midnight
    hi = (end - 1) - (end - 1) % day + day
    if window == "day":
        return lo, hi
    weekday_lo = ((lo // day) + 3) % 7  # 1970-01-01 was a Thursday → Monday = 0
    weekday_last = (((hi - day) // day) + 3) % 7
    lo = np.where(weekday_lo == 6, lo - day, lo)  # Sunday → from Saturday
    hi = np.where(weekday_last == 5, hi + day, hi)  # ends on Saturday → to Monday
    return lo, hi


def _time_pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (positions) whose windows ``[lo, hi)`` overlap, without comparing all pairs.

    Sorted by ``lo``, the partners of ``i`` that start later are the run ``i+1 … k_i − 1``
    with ``k_i`` the first window starting at or after ``hi_i``.
    """
    order = np.argsort(lo, kind="stable")
    lo_s, hi_s = lo[order], hi[order]
    pos = np.arange(len(lo))
    stop = np.searchsorted(lo_s, hi_s, side="left")
    counts = np.maximum(stop - pos - 1, 0)
    first = np.repeat(pos, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    second = first + 1 + offset
    return order[first], order[second]


def _near(xy: np.ndarray, a: np.ndarray, b: np.ndarray, radius_m: float) -> np.ndarray:
    """Distance (m) of each pair if within ``radius_m`` (else ``inf``), via a place KD-tree."""
    places, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    tree = cKDTree(places)
    near = tree.sparse_distance_matrix(tree, radius_m, output_type="coo_matrix")
    n = len(places)
    keys = near.row.astype(np.int64) * n + near.col
    sort = np.argsort(keys)
    keys, dist = keys[sort], near.data[sort]
    want = inverse[a].astype(np.int64) * n + inverse[b]
    out = np.full(len(want), np.inf)
    if len(keys):
        idx = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        found = keys[idx] == want
        out[found] = dist[idx[found]]
    out[inverse[a] == inverse[b]] = 0.0  # the same place (not stored by the sparse matrix)
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column (``-1`` for missing), for fast comparisons of many pairs."""
    codes, _ = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes


def _same(events: pd.DataFrame, col: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether pairs ``(a, b)`` agree on ``col`` (compared as integer codes)."""
    values = events[col]
    if col == "target_group":  # no target group given: the event is for everyone
        values = values.where(values.notna(), ALL_GROUPS)
        codes = _codes(values)
        wild = codes[np.flatnonzero(values.to_numpy(dtype=object) == ALL_GROUPS)[:1]]
        ca, cb = codes[a], codes[b]
        same = ca == cb
        if len(wild):
            same |= (ca == wild[0]) | (cb == wild[0])
        return same
    codes = _codes(values)
    ca, cb = codes[a], codes[b]
    return (ca == cb) & (ca >= 0)


def _check(events: pd.DataFrame, same: Sequence[str], window: str, radius_km: float) -> None:
    if window not in WINDOWS:
        raise ParameterError(
            f"Zeitfenster „{window}“ ist unbekannt; erlaubt sind: {', '.join(WINDOWS)}."
        )
    if not np.isfinite(radius_km) or radius_km < 0:
        raise ParameterError(f"Der Umkreis muss ≥ 0 km sein, nicht {radius_km}.")
    missing = [c for c in ["start", *same] if c not in events.columns]
    if missing:
        raise ParameterError(
            "Für die Kollisionsprüfung fehlen die Spalten: " + ", ".join(missing) + "."
        )


def _value_text(col: str, value: Any) -> str:
    if col == "category":
        return catalog.category_label(str(value))
    if col == "target_group":
        return catalog.TARGET_GROUPS.get(str(value), str(value))
    return str(value)


_SAME_TEXT = {"category": "gleiche Sparte", "target_group": "gleiche Zielgruppe"}


def _reasons(pairs: pd.DataFrame, events: pd.DataFrame, same: Sequence[str], window: str,
             a: np.ndarray, b: np.ndarray) -> list[str]:
    """German reasons of each collision (one text per found pair, values looked up once)."""
    day_a = pd.to_datetime(pairs["start_a"]).dt.normalize().to_numpy()
    day_b = pd.to_datetime(pairs["start_b"]).dt.normalize().to_numpy()
    when = np.where(pairs["overlap_h"].to_numpy() > 0, "", WINDOWS[window])
    if window == "weekend":
        when = np.where((when != "") & (day_a == day_b), WINDOWS["day"], when)
    labels: dict[str, np.ndarray] = {}
    for col in same:
        va = events[col].to_numpy(dtype=object)[a]
        if col == "target_group":
            vb = events[col].to_numpy(dtype=object)[b]
            va = np.where(pd.isna(va), np.where(pd.isna(vb), ALL_GROUPS, vb), va)
        texts = {v: _value_text(col, v) for v in pd.unique(va)}
        labels[col] = np.array([f"{_SAME_TEXT.get(col, 'gleich: ' + col)} ({texts[v]})"
                                for v in va], dtype=object)
    out = []
    for k, (hours, km, venue, alike) in enumerate(zip(
            pairs["overlap_h"].to_numpy(), pairs["distance_km"].to_numpy(),
            pairs["same_venue"].to_numpy(), pairs["same_attributes"].to_numpy(), strict=True)):
        parts = [f"gleichzeitig ({format_number(hours, 1)} Std. Überschneidung)"
                 if hours > 0 else when[k]]
        parts.append("derselbe Ort doppelt belegt" if venue
                     else f"{format_number(km, 1)} km entfernt")
        if alike:
            parts += [labels[col][k] for col in same]
        out.append("; ".join(p for p in parts if p))
    return out


def event_collisions(
    events: pd.DataFrame,
    *,
    radius_km: float = 15.0,
    same: Sequence[str] = ("category", "target_group"),
    window: str = "overlap",
    facilities: gpd.GeoDataFrame | None = None,
    municipalities: gpd.GeoDataFrame | None = None,
    default_duration_h: float = DEFAULT_DURATION_H,
) -> pd.DataFrame:
    """Pairs of events that compete for the same audience, with the reasons (warnings).

    Parameters
    ----------
    events
        Columns ``start`` and ``same``; optional ``end``, ``title``, ``uid`` (dates of one
        series never collide with each other), ``facility_id``, ``lat``/``lon``, ``ags``
        (places, see :func:`event_places`) or ready ``x``/``y`` (EPSG:25832).
    radius_km
        Largest straight-line distance between the places of two colliding events.
    same
        Columns that must be equal (known on both sides); ``()`` for time and place alone.
    window
        ``"overlap"`` (hours overlap), ``"day"`` (same calendar day) or ``"weekend"``
        (same day, or Saturday and Sunday of one weekend).
    facilities, municipalities
        To place events by venue or municipality when ``x``/``y`` are not given.
    default_duration_h
        Length of timed events without end.

    Returns
    -------
    pandas.DataFrame
        One row per colliding pair (``event_a`` starts first): ``event_a``, ``event_b``,
        ``title_a``, ``title_b``, ``start_a``, ``start_b``, ``ags_a``, ``ags_b``,
        ``distance_km``, ``overlap_h`` (hours both run), ``same_venue`` (double booking),
        ``same_attributes``, ``reasons`` (German). ``attrs["unplaced"]`` counts events
        without a known place (not checked).

    Raises
    ------
    kulturplan.errors.ParameterError
        For an unknown window, a negative radius or missing columns.
    """
    _check(events, same, window, radius_km)
    if {"x", "y"} <= set(events.columns):
        xy_all = events[["x", "y"]].to_numpy(dtype=float)
    else:
        xy_all = event_places(events, facilities, municipalities)[["x", "y"]].to_numpy()
    placed = np.isfinite(xy_all).all(axis=1)
    ev = events[placed]
    xy = xy_all[placed]
    start, end = _intervals(ev, default_duration_h)
    a, b = _time_pairs(*_window(start, end, window))
    swap = start[b] < start[a]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    if "uid" in ev.columns:  # dates of one series never collide with each other
        uid = _codes(ev["uid"])
        keep = (uid[a] != uid[b]) | (uid[a] < 0)
        a, b = a[keep], b[keep]
    fid = _codes(ev["facility_id"]) if "facility_id" in ev.columns else None
    venue = (fid[a] >= 0) & (fid[a] == fid[b]) if fid is not None else np.zeros(len(a), bool)
    alike = np.ones(len(a), dtype=bool)
    for col in same:
        alike &= _same(ev, col, a, b)
    # only pairs that can still collide go on: alike, or at the same venue
    keep = alike | venue
    a, b, alike, venue = a[keep], b[keep], alike[keep], venue[keep]
    overlap = np.maximum(np.minimum(end[a], end[b]) - np.maximum(start[a], start[b]), 0) / 3.6e12
    same_venue = venue & (overlap > 0)
    dist = _near(xy, a, b, radius_km * 1000.0) if len(a) else np.zeros(0)
    hit = (np.isfinite(dist) & alike) | same_venue
    a, b = a[hit], b[hit]
    text = {c: ev[c].to_numpy(dtype=object) if c in ev.columns else np.full(len(ev), None)
            for c in ("title", "ags")}
    pairs = pd.DataFrame({
        "event_a": ev.index.to_numpy()[a],
        "event_b": ev.index.to_numpy()[b],
        "title_a": text["title"][a],
        "title_b": text["title"][b],
        "start_a": ev["start"].to_numpy()[a],
        "start_b": ev["start"].to_numpy()[b],
        "ags_a": text["ags"][a],
        "ags_b": text["ags"][b],
        "distance_km": np.round(dist[hit] / 1000.0, 3),
        "overlap_h": np.round(overlap[hit], 3),
        "same_venue": same_venue[hit],
        "same_attributes": alike[hit],
    })
    pairs["reasons"] = _reasons(pairs, ev, same, window, a, b)
    pairs = pairs.sort_values(["start_a", "start_b", "event_a", "event_b"], kind="stable")
    pairs = pairs.reset_index(drop=True)
    pairs.attrs["unplaced"] = int((~placed).sum())
    return pairs
