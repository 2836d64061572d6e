"""Duplicated offers: events of the same kind, at the same time, nearby, with similar titles.

A pair of events is a *possible duplicate* when all of these hold:

1. same Sparte (``category``) and the same target group (``target_group``, when the
   table has one);
2. the starts are at most ``max_days`` apart (default 3 days: the same weekend) and the
   places at most ``max_km`` apart in a straight line (default 15 km);
3. different organisers (two dates of one organiser's series are no duplicate; events
   without ``org_id`` count as different organisers) and different venues (two events
   at one venue are its programme; a double booking is a calendar collision, not a
   duplicated offer);
4. the titles are alike: the larger of :func:`rapidfuzz.fuzz.ratio` (normalised
   Levenshtein similarity: "Sommerleseclub" ≈ "Sommer-Leseclub") and
   :func:`rapidfuzz.fuzz.token_sort_ratio` (word order ignored: "Konzert im Park" ≈
   "Park-Konzert"), both on lower-case text without punctuation
   (:func:`rapidfuzz.utils.default_process`), is at least ``min_similarity``.

The score (0–100) is the title similarity, lowered by up to half for distance in space
and up to half for distance in time::

    score = similarity × (1 − ½ · km / max_km) × (1 − ½ · days / max_days)

The result is a warning list for the culture office to look at, never an automatic
merge. Candidate pairs come from :func:`kulturplan.cooperation._events.near_pairs`
(KD-tree), so 50,000 events take a few seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan.cooperation._events import event_days, near_pairs
from kulturplan.errors import ParameterError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = ["COLUMNS_DE", "duplicate_offers", "event_positions", "find_duplicates"]

COLUMNS_DE: dict[str, str] = {
    "event_a": "Veranstaltung A",
    "title_a": "Titel A",
    "start_a": "Beginn A",
    "ags_a": "AGS A",
    "event_b": "Veranstaltung B",
    "title_b": "Titel B",
    "start_b": "Beginn B",
    "ags_b": "AGS B",
    "category": "Sparte",
    "target_group": "Zielgruppe",
    "km": "Entfernung (km)",
    "days": "Abstand (Tage)",
    "similarity": "Titel-Ähnlichkeit (%)",
    "score": "Punktzahl",
    "reason": "Begründung",
}
"""German headers of the duplicate list (for exports)."""


def event_positions(region: Region) -> pd.DataFrame:
    """Events with ``x``/``y`` (EPSG:25832 metres): the venue, else the municipality.

    The municipality's position is its representative point (inside the polygon, as in
    :mod:`kulturplan.access`); events with neither venue nor known municipality get NaN.
    """
    events = region.events.copy()
    x = pd.Series(np.nan, index=events.index)
    y = pd.Series(np.nan, index=events.index)
    muni = region.municipalities
    if len(muni) and "ags" in events.columns:
        rep = shapely.point_on_surface(muni.geometry.to_numpy())
        mx = pd.Series(shapely.get_x(rep), index=muni.index)
        my = pd.Series(shapely.get_y(rep), index=muni.index)
        x = events["ags"].map(mx).astype(float)
        y = events["ags"].map(my).astype(float)
    fac = region.facilities
    if len(fac) and "facility_id" in events.columns:
        geom = fac.geometry
        point = (geom.geom_type == "Point").to_numpy()
        fx = pd.Series(np.where(point, geom.x.where(point), np.nan), index=fac.index)
        fy = pd.Series(np.where(point, geom.y.where(point), np.nan), index=fac.index)
        vx = events["facility_id"].map(fx).astype(float)
        vy = events["facility_id"].map(fy).astype(float)
        x = vx.where(vx.notna(), x)
        y = vy.where(vy.notna(), y)
    events["x"] = x.to_numpy()
    events["y"] = y.to_numpy()
    return events


def _group_codes(events: pd.DataFrame) -> np.ndarray:
    key = events["category"].astype(str)
    if "target_group" in events.columns:
        key = key + "|" + events["target_group"].fillna("").astype(str)
    codes, _ = pd.factorize(key)
    return codes


def _title_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from rapidfuzz import fuzz, process, utils

    if len(a) == 0:
        return np.array([], dtype=float)
    pa = [utils.default_process(t) for t in a]
    pb = [utils.default_process(t) for t in b]
    plain = process.cpdist(pa, pb, scorer=fuzz.ratio, workers=1)
    sorted_words = process.cpdist(pa, pb, scorer=fuzz.token_sort_ratio, workers=1)
    return np.maximum(np.asarray(plain, dtype=float), np.asarray(sorted_words, dtype=float))


def _reason(category: str, target: str, similarity: float, days: float, km: float) -> str:
    if days < 1:
        h = round(days * 24)
        when = f"Beginn {format_number(h, 0)} {'Stunde' if h == 1 else 'Stunden'} auseinander"
    else:
        n = round(days)
        when = f"Beginn {format_number(n, 0)} {'Tag' if n == 1 else 'Tage'} auseinander"
    group = f"Gleiche Sparte ({catalog.category_label(category)})"
    if target:
        group += f" und Zielgruppe ({catalog.TARGET_GROUPS.get(target, target)})"
    return (f"{group}, Titel zu {format_number(similarity, 0)} % gleich, {when}, "
            f"{format_number(km, 1)} km entfernt.")


def find_duplicates(
    events: pd.DataFrame,
    *,
    max_km: float = 15.0,
    max_days: float = 3.0,
    min_similarity: float = 85.0,
) -> pd.DataFrame:
    """Possible duplicated offers among ``events`` (rule and score: module notes).

    Parameters
    ----------
    events
        Index event id; columns ``title``, ``category``, ``start``, ``x``, ``y``
        (EPSG:25832 metres, e.g. from :func:`event_positions`); optional
        ``target_group``, ``org_id``, ``facility_id``, ``ags``.
    max_km, max_days
        Largest straight-line distance and difference of the starts (inclusive).
    min_similarity
        Smallest title similarity (0–100).

    Returns
    -------
    pandas.DataFrame
        One row per pair (``event_a`` before ``event_b`` in table order), columns of
        :data:`COLUMNS_DE`, highest score first.
    """
    missing = [c for c in ("title", "category", "start", "x", "y") if c not in events.columns]
    if missing:
        raise ParameterError("find_duplicates: Spalten fehlen: " + ", ".join(missing) + ".")
    if not 0 <= min_similarity <= 100:
        raise ParameterError(f"min_similarity muss zwischen 0 und 100 liegen: {min_similarity!r}.")
    days = event_days(events["start"])
    pairs = near_pairs(events["x"].to_numpy(float), events["y"].to_numpy(float), days,
                       groups=_group_codes(events), max_km=max_km, max_days=max_days)
    i, j = pairs.i, pairs.j
    same = np.zeros(len(i), dtype=bool)
    for col in ("org_id", "facility_id"):
        if col in events.columns:
            key = events[col].to_numpy(dtype=object)
            same |= pd.notna(key[i]) & (key[i] == key[j])
    i, j, km, dd = i[~same], j[~same], pairs.km[~same], pairs.days[~same]
    titles = events["title"].fillna("").astype(str).to_numpy(dtype=object)
    sim = _title_similarity(titles[i], titles[j])
    keep = sim >= min_similarity
    i, j, km, dd, sim = i[keep], j[keep], km[keep], dd[keep], sim[keep]
    time_factor = 1.0 - 0.5 * dd / max_days if max_days > 0 else np.ones(len(dd))
    score = np.round(sim * (1.0 - 0.5 * km / max_km) * time_factor, 1)
    target = (events["target_group"].fillna("").astype(str).to_numpy(dtype=object)
              if "target_group" in events.columns else np.full(len(events), "", dtype=object))
    ags = (events["ags"].to_numpy(dtype=object) if "ags" in events.columns
           else np.full(len(events), None, dtype=object))
    ids = events.index.to_numpy(dtype=object)
    start = pd.to_datetime(events["start"]).to_numpy()
    cats = events["category"].astype(str).to_numpy(dtype=object)
    out = pd.DataFrame({
        "event_a": ids[i], "title_a": titles[i], "start_a": start[i], "ags_a": ags[i],
        "event_b": ids[j], "title_b": titles[j], "start_b": start[j], "ags_b": ags[j],
        "category": cats[i], "target_group": target[i],
        "km": np.round(km, 1), "days": np.round(dd, 1), "similarity": np.round(sim, 0),
        "score": score,
    })
    out["reason"] = [
        _reason(c, t, s, d, k)
        for c, t, s, d, k in zip(out["category"], out["target_group"], out["similarity"],
                                 dd, km, strict=True)
    ]
    return out.sort_values(["score", "event_a"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def duplicate_offers(
    region: Region,
    *,
    max_km: float = 15.0,
    max_days: float = 3.0,
    min_similarity: float = 85.0,
) -> pd.DataFrame:
    """Possible duplicated offers among the region's events (see :func:`find_duplicates`)."""
    if len(region.events) == 0:
        return find_duplicates(
            pd.DataFrame(columns=["title", "category", "start", "x", "y"]),
            max_km=max_km, max_days=max_days, min_similarity=min_similarity,
        )
    return find_duplicates(event_positions(region), max_km=max_km, max_days=max_days,
                           min_similarity=min_similarity)
