"""Best-practice tandems: where a successful project could be transferred, and with whom.

KreativLandTransfer pairs best-practice projects with tandem partners in rural places.
For every project of the region's ``projects`` table marked ``best_practice``, the
candidate places are its municipality's most similar municipalities
(:func:`~kulturplan.cooperation.similar.similar_municipalities`) that have **no project
of the same Sparte** yet. A candidate is stronger when an organisation of the same Sparte
is active there (a local tandem partner) — or, failing that, within ``max_km`` of it::

    score = 100 × (1 − distance) × (1 if a Verein of the Sparte is on site,
                                    0.75 if one is within max_km, else 0.5)

with ``distance`` the rescaled profile distance (0 = alike, 1 = least alike).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan.cooperation.similar import indicator_label, profile_table, similar_municipalities

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = ["COLUMNS_DE", "best_practice_projects", "tandems"]

COLUMNS_DE: dict[str, str] = {
    "project_id": "Projekt",
    "title": "Titel",
    "category": "Sparte",
    "ags": "AGS (Projekt)",
    "name": "Gemeinde (Projekt)",
    "target_ags": "AGS (Transfer)",
    "target_name": "Gemeinde (Transfer)",
    "partner_org": "Tandempartner (Verein)",
    "distance": "Profilabstand",
    "score": "Punktzahl",
    "reason": "Begründung",
}
"""German headers of the tandem list (for exports)."""


def best_practice_projects(region: Region) -> pd.DataFrame:
    """The region's projects marked ``best_practice`` (empty without such a column)."""
    projects = region.projects
    if len(projects) == 0 or "best_practice" not in projects.columns:
        return projects.iloc[0:0]
    return projects[projects["best_practice"].fillna(False).astype(bool)]


def _nearby_orgs(region: Region, category: str, target: str, max_km: float
                 ) -> tuple[str | None, bool]:
    """``(organisation name, on site)`` of the Sparte at or near ``target``."""
    org = region.organisations
    org = org[org["category"] == category] if len(org) else org
    if len(org) == 0:
        return None, False
    here = org[org["ags"] == target]
    if len(here):
        best = here.sort_values("volunteers", ascending=False) if "volunteers" in here else here
        return str(best["name"].iloc[0]), True
    muni = region.municipalities
    rep = shapely.point_on_surface(muni.geometry.to_numpy())
    xy = pd.DataFrame({"x": shapely.get_x(rep), "y": shapely.get_y(rep)}, index=muni.index)
    if target not in xy.index:
        return None, False
    pos = xy.reindex(org["ags"])
    km = np.hypot(pos["x"].to_numpy() - xy.at[target, "x"],
                  pos["y"].to_numpy() - xy.at[target, "y"]) / 1000.0
    near = np.flatnonzero(np.nan_to_num(km, nan=np.inf) <= max_km)
    if len(near) == 0:
        return None, False
    k = near[np.argmin(km[near])]
    return f"{org['name'].iloc[k]} ({format_number(km[k], 0)} km entfernt)", False


def tandems(
    region: Region,
    *,
    similar: pd.DataFrame | None = None,
    k: int = 8,
    max_km: float = 15.0,
    per_project: int = 3,
) -> pd.DataFrame:
    """Ranked transfer places and tandem partners for every best-practice project.

    Parameters
    ----------
    region
        The region with a ``projects`` table.
    similar
        Result of :func:`similar_municipalities` (default: on :func:`profile_table`).
    k
        Similar municipalities considered per project place.
    max_km
        Reach of a tandem partner organisation outside the transfer place.
    per_project
        Best candidates kept per project.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`COLUMNS_DE`, best first within each project, projects in table
        order.
    """
    best = best_practice_projects(region)
    columns = list(COLUMNS_DE)
    if len(best) == 0 or len(region.municipalities) < 2:
        return pd.DataFrame(columns=columns)
    if similar is None:
        similar = similar_municipalities(profile_table(region), k=k)
    names = region.municipalities["name"].astype(str)
    projects = region.projects
    rows = []
    for pid, project in best.iterrows():
        cat, home = project["category"], project["ags"]
        covered = set(projects.loc[projects["category"] == cat, "ags"])
        cands = similar[(similar["ags"] == home) & ~similar["neighbour"].isin(covered)]
        for _, cand in cands.head(k).iterrows():
            org, on_site = _nearby_orgs(region, cat, cand["neighbour"], max_km)
            factor = 1.0 if on_site else (0.75 if org else 0.5)
            score = round(100.0 * (1.0 - float(cand["distance"])) * factor, 1)
            alike = ", ".join(indicator_label(c) for c in cand.get("alike", ())[:2])
            label = catalog.category_label(cat)
            partner = (f"Verein „{org}“ vor Ort kann Tandempartner sein" if on_site else
                       f"nächster Verein der Sparte: {org}" if org else
                       "kein Verein der Sparte in der Nähe – Partner über den Kreis suchen")
            rows.append({
                "project_id": pid, "title": project["title"], "category": cat, "ags": home,
                "name": names.get(home, home), "target_ags": cand["neighbour"],
                "target_name": names.get(cand["neighbour"], cand["neighbour"]),
                "partner_org": org or "", "distance": round(float(cand["distance"]), 2),
                "score": score,
                "reason": (f"{names.get(cand['neighbour'])} ähnelt {names.get(home, home)} "
                           f"(Abstand {format_number(cand['distance'], 2)}"
                           + (f"; ähnlich bei {alike}" if alike else "")
                           + f") und hat noch kein Projekt der Sparte „{label}“; {partner}."),
            })
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    order = {pid: n for n, pid in enumerate(best.index)}
    out["_p"] = out["project_id"].map(order)
    out = out.sort_values(["_p", "score"], ascending=[True, False], kind="stable")
    out = out.groupby("_p", sort=False).head(per_project)
    return out[columns].reset_index(drop=True)
