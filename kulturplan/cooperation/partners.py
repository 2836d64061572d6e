"""Complementary partners: a municipality lacks something that a neighbour within reach has.

Three kinds of complement are found, the first two for each Sparte (``category``):

``facility``
    Municipality A has no facility of the Sparte; B (another municipality) has one
    within ``max_cost`` of A's representative point. Offer strength = the facility's
    capacity divided by the largest capacity of that Sparte in the region (0.5 when
    unknown).
``organisations``
    A has no organisation (Verein) of the Sparte; B has at least one, within
    ``max_cost`` (between the representative points). Offer strength = B's volunteers
    of that Sparte divided by the largest such number (0.5 when unknown).

``events`` (only when no single Sparte is asked for)
    A has few events for a target group (Kinder, Jugendliche, Familien, Erwachsene,
    Senior:innen): fewer than half the median number per 1,000 inhabitants of the
    region's municipalities; B has at least the median (and at least one event), within
    ``max_cost``. Offer strength = B's number of such events divided by the largest.

The score (0–100) is ``100 × (1 − cost / max_cost) × (0.5 + 0.5 × strength)``: near,
strong partners first. Costs are straight-line km or estimated car minutes with the
detour factor and speed of :mod:`kulturplan.access` (:data:`~kulturplan.access.DEFAULT_DETOUR`,
:data:`~kulturplan.access.DEFAULT_SPEED_KMH`); candidate pairs come from a KD-tree
bounded by ``max_cost``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from kulturplan import access, catalog, demand
from kulturplan._format import format_number
from kulturplan.errors import ParameterError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = ["COLUMNS_DE", "km_per_unit", "partners"]

COLUMNS_DE: dict[str, str] = {
    "ags": "AGS (sucht)",
    "name": "Gemeinde (sucht)",
    "partner_ags": "AGS (Partner)",
    "partner_name": "Gemeinde (Partner)",
    "category": "Sparte",
    "target_group": "Zielgruppe",
    "kind": "Art",
    "offer": "Angebot",
    "cost": "Entfernung/Fahrzeit",
    "score": "Punktzahl",
    "reason": "Begründung",
}
"""German headers of the partner list (for exports)."""

KIND_LABELS = {"facility": "Einrichtung", "organisations": "Vereine",
               "events": "Veranstaltungen für eine Zielgruppe"}


def km_per_unit(unit: str) -> float:
    """Straight-line km per unit of cost: 1 for ``"km"``, km per estimated car minute."""
    if unit == "km":
        return 1.0
    if unit == "min":
        return access.DEFAULT_SPEED_KMH / 60.0 / access.DEFAULT_DETOUR
    raise ParameterError(f"unit={unit!r} ist unbekannt; erlaubt sind „km“ und „min“.")


def _cost_text(cost: float, unit: str) -> str:
    return f"{format_number(cost, 0)} Minuten" if unit == "min" else (
        f"{format_number(cost, 1)} km")


def _centres(region: Region) -> tuple[np.ndarray, pd.Index]:
    muni = region.municipalities
    rep = shapely.point_on_surface(muni.geometry.to_numpy())
    return np.column_stack([shapely.get_x(rep), shapely.get_y(rep)]), muni.index


def _facility_pairs(region: Region, category: str, max_cost: float, unit: str) -> pd.DataFrame:
    xy, ags = _centres(region)
    fac = demand.facility_points(region.facilities)
    fac = fac[(fac["category"] == category).to_numpy()]
    has = set(fac["ags"].dropna())
    lacking = np.flatnonzero(~ags.isin(has))
    fac = fac[fac["ags"].isin(set(ags)).to_numpy()]  # partners are the region's municipalities
    if len(lacking) == 0 or len(fac) == 0:
        return pd.DataFrame()
    fxy = np.column_stack([fac.geometry.x.to_numpy(), fac.geometry.y.to_numpy()])
    radius = max_cost * km_per_unit(unit) * 1000.0
    hits = cKDTree(fxy).query_ball_point(xy[lacking], r=radius)
    a = np.repeat(lacking, [len(h) for h in hits])
    f = np.concatenate([np.asarray(h, dtype=int) for h in hits]) if len(a) else np.array([], int)
    if len(a) == 0:
        return pd.DataFrame()
    cost = np.hypot(*(xy[a] - fxy[f]).T) / 1000.0 / km_per_unit(unit)
    cap = pd.to_numeric(fac["capacity"], errors="coerce").to_numpy(float) if (
        "capacity" in fac.columns) else np.full(len(fac), np.nan)
    top = np.nanmax(cap) if np.isfinite(cap).any() else np.nan
    strength = np.where(np.isfinite(cap[f]) & (top > 0), cap[f] / top, 0.5)
    frame = pd.DataFrame({
        "ags": ags[a], "partner_ags": fac["ags"].to_numpy()[f], "category": category,
        "kind": "facility", "offer": fac["name"].astype(str).to_numpy()[f],
        "capacity": cap[f], "cost": cost, "strength": strength,
    })
    # one row per (A, B): the best facility of B
    frame["score"] = _score(frame["cost"], frame["strength"], max_cost)
    frame = frame.sort_values(["ags", "partner_ags", "score"], ascending=[True, True, False])
    return frame.drop_duplicates(["ags", "partner_ags"])


def _organisation_pairs(region: Region, category: str, max_cost: float, unit: str
                        ) -> pd.DataFrame:
    xy, ags = _centres(region)
    org = region.organisations
    if len(org) == 0:
        return pd.DataFrame()
    org = org[(org["category"] == category) & org["ags"].isin(set(ags))]
    if len(org) == 0:
        return pd.DataFrame()
    vol = (pd.to_numeric(org["volunteers"], errors="coerce") if "volunteers" in org.columns
           else pd.Series(np.nan, index=org.index))
    per = pd.DataFrame({"n": org.groupby("ags").size(),
                        "volunteers": vol.groupby(org["ags"]).sum(min_count=1)})
    lacking = np.flatnonzero(~ags.isin(set(per.index)))
    a, b, cost = _centre_pairs(xy, lacking, ags.get_indexer(per.index), max_cost, unit)
    if len(a) == 0:
        return pd.DataFrame()
    v = per["volunteers"].reindex(ags[b]).to_numpy(float)
    top = np.nanmax(v) if np.isfinite(v).any() else np.nan
    frame = pd.DataFrame({
        "ags": ags[a], "partner_ags": ags[b], "category": category, "kind": "organisations",
        "offer": [f"{format_number(n, 0)} {'Verein' if n == 1 else 'Vereine'}"
                  for n in per["n"].reindex(ags[b])],
        "volunteers": v, "cost": cost,
        "strength": np.where(np.isfinite(v) & (top > 0), v / top, 0.5),
    })
    frame["score"] = _score(frame["cost"], frame["strength"], max_cost)
    return frame


def _centre_pairs(xy: np.ndarray, lacking: np.ndarray, having: np.ndarray, max_cost: float,
                  unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (lacking, having) of municipality positions within reach, with their cost."""
    if len(lacking) == 0 or len(having) == 0:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([], dtype=float)
    radius = max_cost * km_per_unit(unit) * 1000.0
    hits = cKDTree(xy[having]).query_ball_point(xy[lacking], r=radius)
    a = np.repeat(lacking, [len(h) for h in hits])
    if len(a) == 0:
        return a, a, np.array([], dtype=float)
    b = having[np.concatenate([np.asarray(h, dtype=int) for h in hits])]
    return a, b, np.hypot(*(xy[a] - xy[b]).T) / 1000.0 / km_per_unit(unit)


def _event_pairs(region: Region, target: str, max_cost: float, unit: str) -> pd.DataFrame:
    """A has few events for a target group (below half the median rate), B has many."""
    xy, ags = _centres(region)
    events = region.events
    if len(events) == 0 or "target_group" not in events.columns:
        return pd.DataFrame()
    counts = events.loc[events["target_group"] == target, "ags"].value_counts()
    n = counts.reindex(ags, fill_value=0).to_numpy(dtype=float)
    pop = region.municipalities["population"].to_numpy(dtype=float)
    rate = np.where(pop > 0, n / np.where(pop > 0, pop, 1.0) * 1000.0, np.nan)
    median = float(np.nanmedian(rate)) if np.isfinite(rate).any() else 0.0
    if not median > 0:
        return pd.DataFrame()
    lacking = np.flatnonzero(rate < 0.5 * median)
    having = np.flatnonzero((rate >= median) & (n > 0))
    a, b, cost = _centre_pairs(xy, lacking, having, max_cost, unit)
    if len(a) == 0:
        return pd.DataFrame()
    label = catalog.TARGET_GROUPS.get(target, target)
    frame = pd.DataFrame({
        "ags": ags[a], "partner_ags": ags[b], "category": "", "target_group": target,
        "kind": "events",
        "offer": [f"{format_number(k, 0)} Veranstaltungen für {label}" for k in n[b]],
        "rate": rate[a], "median": median, "cost": cost, "strength": n[b] / n[having].max(),
    })
    frame["score"] = _score(frame["cost"], frame["strength"], max_cost)
    return frame


def _score(cost: pd.Series, strength: pd.Series, max_cost: float) -> np.ndarray:
    return np.round(100.0 * (1.0 - cost.to_numpy() / max_cost)
                    * (0.5 + 0.5 * strength.to_numpy()), 1)


def _reason(row: pd.Series, names: pd.Series, unit: str) -> str:
    a, b = names.get(row["ags"], row["ags"]), names.get(row["partner_ags"], row["partner_ags"])
    if row["kind"] == "events":
        group = catalog.TARGET_GROUPS.get(row["target_group"], row["target_group"])
        return (f"{a} hat wenige Veranstaltungen für {group} "
                f"({format_number(row['rate'], 1)} je 1.000 Einw.; Median im Kreis "
                f"{format_number(row['median'], 1)}); in {b} "
                f"({_cost_text(row['cost'], unit)} entfernt) gab es {row['offer']}.")
    label = catalog.category_label(row["category"])
    if row["kind"] == "facility":
        cap = row.get("capacity", np.nan)
        extra = f" und hat {format_number(cap, 0)} Plätze" if pd.notna(cap) else ""
        return (f"{a} hat keine Einrichtung „{label}“; „{row['offer']}“ in {b} ist "
                f"{_cost_text(row['cost'], unit)} entfernt{extra}.")
    vol = row.get("volunteers", np.nan)
    extra = f" mit {format_number(vol, 0)} Ehrenamtlichen" if pd.notna(vol) else ""
    return (f"{a} hat keinen Verein der Sparte „{label}“; in {b} "
            f"({_cost_text(row['cost'], unit)} entfernt) sind {row['offer']}{extra} aktiv.")


def partners(
    region: Region,
    *,
    category: str | None = None,
    max_cost: float = 20.0,
    unit: str = "min",
) -> pd.DataFrame:
    """Pairs (A, B) within reach where A lacks something of a Sparte and B has it.

    Parameters
    ----------
    region
        The region.
    category
        One Sparte (catalog id); default every Sparte.
    max_cost
        Reach (inclusive) in ``unit``.
    unit
        ``"min"`` (estimated car minutes) or ``"km"`` (straight line).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`COLUMNS_DE` (``kind`` = ``facility`` or ``organisations``;
        ``cost`` in ``unit``), highest score first; see the module notes for the score.
    """
    km_per_unit(unit)
    if not max_cost > 0:
        raise ParameterError(f"max_cost muss > 0 sein, erhalten: {max_cost!r}.")
    if category is not None and category not in catalog.category_ids():
        raise ParameterError(
            f"Sparte „{category}“ ist unbekannt; erlaubt sind: "
            + ", ".join(catalog.category_ids()) + "."
        )
    cats = [category] if category else list(catalog.category_ids())
    parts = [p for c in cats for p in (_facility_pairs(region, c, max_cost, unit),
                                       _organisation_pairs(region, c, max_cost, unit))
             if len(p)]
    if category is None:  # events by target group belong to no single Sparte
        parts += [p for g in catalog.TARGET_GROUPS if g != "alle"
                  for p in (_event_pairs(region, g, max_cost, unit),) if len(p)]
    columns = list(COLUMNS_DE)
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    names = region.municipalities["name"].astype(str)
    frame["name"] = frame["ags"].map(names)
    frame["partner_name"] = frame["partner_ags"].map(names)
    if "target_group" not in frame.columns:
        frame["target_group"] = ""
    frame["target_group"] = frame["target_group"].fillna("")
    frame["reason"] = [_reason(r, names, unit) for _, r in frame.iterrows()]
    frame["cost"] = frame["cost"].round(1)
    frame = frame.sort_values(["score", "ags", "partner_ags"], ascending=[False, True, True],
                              kind="stable")
    return frame[columns].reset_index(drop=True)
