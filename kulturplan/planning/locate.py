"""Best locations for new facilities of a category: the geographic front end.

:func:`locate` turns a region into a location model and solves it exactly with the
optimisation core (:func:`kulturplan.planning.mclp`, :func:`~kulturplan.planning.p_median`,
:func:`~kulturplan.planning.lscp`, :func:`~kulturplan.planning.p_center`):

* **demand**: the population spread over grid cells (``demand="points"``,
  :func:`kulturplan.demand.population_points`) or one point per municipality
  (``demand="centres"``), weighted by inhabitants; uninhabited points are left out;
* **sites**: the existing facilities of the category are always open (``fixed``, not
  counted in ``k``); new sites come from a user list (GeoDataFrame), the region's
  facilities of other categories (default: every Veranstaltungsraum — Bürgerhaus,
  Dorfgemeinschaftshaus, Stadthalle — as a possible branch) or a regular grid;
* **cost**: the sparse demand × site matrix of every pair within ``max_cost``
  (:func:`kulturplan.access.cost_matrix`: straight-line km, estimated car minutes, or an
  origin–destination table from a routing engine) — never a dense matrix.

The result lists the chosen sites as a GeoDataFrame and turns into a
:class:`~kulturplan.planning.scenario.Scenario` (:meth:`Proposal.as_scenario`) for
:func:`kulturplan.planning.compare.compare`.

References
----------
Church, R. & ReVelle, C. (1974). The maximal covering location problem. *Papers of the
Regional Science Association* 32, 101–118.
Hakimi, S. L. (1964). Optimum locations of switching centers and the absolute centers and
medians of a graph. *Operations Research* 12(3), 450–459.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from kulturplan import access, catalog
from kulturplan.demand import population_points
from kulturplan.errors import ParameterError
from kulturplan.planning import optimize
from kulturplan.planning.scenario import AddFacility, Scenario
from kulturplan.region import CRS, Region

__all__ = ["CANDIDATE_CATEGORIES", "KINDS", "Proposal", "candidate_sites", "locate"]

CANDIDATE_CATEGORIES: tuple[str, ...] = ("veranstaltungsraum",)
"""Categories whose facilities are offered as possible sites by default (Bürgerhäuser,
Dorfgemeinschaftshäuser, Stadthallen: rooms a branch or a stop can use)."""

KINDS: dict[str, str] = {
    "mclp": "möglichst viele Menschen in Reichweite",
    "p_median": "möglichst kurze Wege",
    "lscp": "alle in Reichweite mit möglichst wenigen Standorten",
    "p_center": "möglichst kurzer längster Weg",
}
"""Location models offered, with their plain German description."""

UNITS: dict[str, str] = {"km": "euclidean", "min": "minutes"}


@dataclass(frozen=True)
class Proposal:
    """Proposed new sites for one category.

    Attributes
    ----------
    result
        The optimisation result (:class:`kulturplan.planning.LocationResult`); its
        positions refer to the columns ``existing`` then ``candidates``.
    category, kind, max_cost, unit
        What was asked.
    sites
        The chosen new sites: index candidate id, ``name``, ``ags``, ``population``
        (inhabitants assigned to the site: nearest open site, within ``max_cost`` for
        MCLP/LSCP) and ``geometry`` (EPSG:25832).
    existing, candidates
        Existing facilities of the category (always open) and the offered sites.
    demand
        Demand points used (``population`` > 0).
    unreachable
        Inhabitants with no site of either kind within ``max_cost`` (not part of a
        p-median / p-center model, which must serve every demand point).
    """

    result: optimize.LocationResult
    category: str
    kind: str
    max_cost: float | None
    unit: str
    sites: gpd.GeoDataFrame
    existing: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    unreachable: float

    @property
    def gain(self) -> float:
        """Improvement over the existing facilities alone (MCLP: more inhabitants
        covered; p-median: less Σ inhabitants × cost; p-center: shorter longest cost)."""
        before, after = self.result.baseline_objective, self.result.objective
        if not math.isfinite(before):
            return math.nan
        return after - before if self.kind == "mclp" else before - after

    def as_scenario(self, name: str | None = None) -> Scenario:
        """The proposal as a scenario that adds the chosen sites as new facilities."""
        label = catalog.category_label(self.category)
        edits = tuple(
            AddFacility(self.category, f"{site} (Vorschlag {i})", point)
            for i, (site, point) in enumerate(
                zip(self.sites["name"], self.sites.geometry, strict=True), start=1)
        )
        return Scenario(name or f"Vorschlag: {len(edits)} × {label} ({KINDS[self.kind]})", edits)


def _demand(region: Region, demand: str, cell_km: float) -> gpd.GeoDataFrame:
    if demand == "points":
        pts = population_points(region, cell_km)
    elif demand == "centres":
        muni = region.municipalities
        pts = gpd.GeoDataFrame(
            {"ags": muni.index.to_numpy(), "population": muni["population"].astype(float)},
            geometry=shapely.point_on_surface(np.asarray(muni.geometry.values, dtype=object)),
            index=muni.index, crs=muni.crs,
        )
    else:
        raise ParameterError(
            f"demand={demand!r} ist unbekannt; erlaubt sind „points“ (Bevölkerung im "
            "Raster) und „centres“ (ein Punkt je Gemeinde)."
        )
    return pts[pts["population"].to_numpy() > 0]


def _grid(region: Region, grid_km: float) -> gpd.GeoDataFrame:
    """Centres of a ``grid_km`` grid that lie inside a municipality."""
    if not (isinstance(grid_km, (int, float)) and np.isfinite(grid_km) and grid_km > 0):
        raise ParameterError(f"grid_km muss eine positive Zahl sein, erhalten: {grid_km!r}.")
    size = float(grid_km) * 1000.0
    muni = region.municipalities.to_crs(CRS)
    x0, y0, x1, y1 = muni.total_bounds
    xs = np.arange(math.floor(x0 / size), math.ceil(x1 / size)) * size + size / 2
    ys = np.arange(math.floor(y0 / size), math.ceil(y1 / size)) * size + size / 2
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    idx_pt, idx_poly = muni.sindex.query(pts, predicate="within")
    order = np.unique(idx_pt, return_index=True)[1]
    idx_pt, idx_poly = idx_pt[order], idx_poly[order]
    names = muni["name"].astype(str).to_numpy()[idx_poly]
    return gpd.GeoDataFrame(
        {"name": [f"Rasterpunkt {i + 1} ({n})" for i, n in enumerate(names)],
         "ags": muni.index.to_numpy()[idx_poly]},
        geometry=pts[idx_pt],
        index=pd.Index([f"raster-{i + 1}" for i in range(len(idx_pt))], name="candidate_id"),
        crs=CRS,
    )


def candidate_sites(
    region: Region,
    category: str,
    candidates: Any = "facilities",
    *,
    candidate_categories: tuple[str, ...] = CANDIDATE_CATEGORIES,
    grid_km: float = 2.0,
) -> gpd.GeoDataFrame:
    """Possible new sites: a user list, facilities of other categories, or a grid.

    Parameters
    ----------
    region
        The region.
    category
        The category to plan (its own facilities are never candidates).
    candidates
        ``"facilities"`` (facilities of ``candidate_categories``), ``"grid"`` (centres of
        a ``grid_km`` grid inside the municipalities) or a GeoDataFrame of points (its
        index becomes the candidate id; ``name`` column optional).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``candidate_id``; ``name``, ``ags`` (if known), ``geometry`` (EPSG:25832).
    """
    if isinstance(candidates, gpd.GeoDataFrame):
        if len(candidates) == 0:
            raise ParameterError("Die Liste möglicher Standorte ist leer.")
        if candidates.crs is None:
            raise ParameterError(
                "Die möglichen Standorte haben kein Koordinatenreferenzsystem (CRS); bitte "
                "angeben, z. B. EPSG:25832 oder EPSG:4326."
            )
        out = candidates.to_crs(CRS)
        bad = (out.geometry.geom_type != "Point") | out.geometry.is_empty
        if bad.any():
            raise ParameterError(
                "Mögliche Standorte müssen Punkte sein; keine gültigen Punkte in Zeile(n) "
                + ", ".join(str(int(p) + 2) for p in np.flatnonzero(bad.to_numpy())[:10]) + "."
            )
        names = out["name"].astype(str) if "name" in out.columns else pd.Series(
            [f"Standort {i}" for i in out.index], index=out.index)
        ags = out["ags"] if "ags" in out.columns else pd.Series(None, index=out.index,
                                                                  dtype=object)
        frame = gpd.GeoDataFrame({"name": names, "ags": ags}, geometry=out.geometry, crs=CRS)
        frame.index = pd.Index(out.index.astype(str), name="candidate_id")
    elif candidates == "grid":
        frame = _grid(region, grid_km)
    elif candidates == "facilities":
        fac = cast(gpd.GeoDataFrame, region.facilities)
        keep = fac["category"].isin([c for c in candidate_categories if c != category])
        frame = fac.loc[keep.to_numpy(), ["name", "ags", "geometry"]].copy()
        frame.index = pd.Index(frame.index.astype(str), name="candidate_id")
        if len(frame) == 0:
            labels = ", ".join(catalog.category_label(c, plural=True)
                               for c in candidate_categories)
            raise ParameterError(
                f"Die Region hat keine möglichen Standorte ({labels}). Bitte eine Liste "
                "möglicher Standorte übergeben oder candidates=\"grid\" wählen."
            )
    else:
        raise ParameterError(
            f"candidates={candidates!r} ist unbekannt; erlaubt sind „facilities“, „grid“ "
            "oder eine Tabelle (GeoDataFrame) möglicher Standorte."
        )
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique()[:5]
        raise ParameterError("Mögliche Standorte: doppelte IDs " + ", ".join(dup) + ".")
    return frame


def _bound(demand: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, unit: str) -> float:
    """A cost larger than every straight-line pair (so that no pair is cut off)."""
    x0, y0, x1, y1 = pd.concat([demand.geometry.to_crs(CRS), supply.geometry]).total_bounds
    km = math.hypot(x1 - x0, y1 - y0) / 1000.0 + 1.0
    return km if unit == "km" else km * access.DEFAULT_DETOUR / access.DEFAULT_SPEED_KMH * 60


def _beyond_existing_dropped(matrix: sparse.csr_array, n_fixed: int) -> sparse.csr_array:
    """Drop pairs costlier than the row's nearest existing facility (exact for p-median
    and p-center: an existing facility is always open, so a farther site never serves
    that demand point in an optimal solution — see Daskin 2013, ch. 5–6)."""
    if n_fixed == 0:
        return matrix
    coo = matrix.tocoo()
    nearest_fixed = np.full(matrix.shape[0], np.inf)
    is_fixed = coo.col < n_fixed
    np.minimum.at(nearest_fixed, coo.row[is_fixed], coo.data[is_fixed])
    keep = coo.data <= nearest_fixed[coo.row]
    return sparse.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)


def _solve(kind: str, cost: Any, weights: np.ndarray, *, k: int, max_cost: float | None,
           fixed: np.ndarray | None, time_limit: float | None) -> optimize.LocationResult:
    if kind == "mclp":
        return optimize.mclp(cost, weights, k=k, max_cost=cast(float, max_cost), fixed=fixed,
                             time_limit=time_limit)
    if kind == "p_median":
        return optimize.p_median(cost, weights, k=k, fixed=fixed, time_limit=time_limit)
    if kind == "lscp":
        return optimize.lscp(cost, max_cost=cast(float, max_cost), fixed=fixed,
                             time_limit=time_limit)
    # unweighted: the longest way of any inhabitant, not of the largest population point
    return optimize.p_center(cost, None, k=k, fixed=fixed, time_limit=time_limit)


def locate(
    region: Region,
    category: str,
    kind: str = "mclp",
    *,
    k: int = 1,
    candidates: Any = "facilities",
    max_cost: float | None = None,
    unit: str = "km",
    cost: pd.DataFrame | None = None,
    demand: str = "points",
    cell_km: float = 1.0,
    candidate_categories: tuple[str, ...] = CANDIDATE_CATEGORIES,
    grid_km: float = 2.0,
    time_limit: float | None = None,
) -> Proposal:
    """Propose ``k`` new sites of ``category`` that serve the population best.

    Parameters
    ----------
    region
        The region (its facilities of ``category`` are kept and always open).
    category
        Category id to plan, e.g. ``"musikschule"``.
    kind
        ``"mclp"`` (most inhabitants within ``max_cost``), ``"p_median"`` (least total
        inhabitant-weighted cost), ``"lscp"`` (fewest new sites so that everyone is
        within ``max_cost``; ``k`` is ignored) or ``"p_center"`` (shortest longest cost).
    k
        Number of new sites (existing facilities are not counted).
    candidates, candidate_categories, grid_km
        Possible new sites, see :func:`candidate_sites`.
    max_cost
        Reach standard in ``unit`` (required for MCLP and LSCP). For p-median and
        p-center leave it out: then every pair up to the nearest existing facility of a
        demand point is considered (exact). Given, it cuts pairs off: inhabitants
        without any site within it are left out (:attr:`Proposal.unreachable`), and the
        model is infeasible when ``k`` new sites cannot reach all others.
    unit
        ``"km"`` (straight line) or ``"min"`` (estimated car minutes, see
        :mod:`kulturplan.access`); ignored with ``cost``.
    cost
        Optional origin–destination table (``origin``, ``destination``, ``cost``):
        origins are the demand index (AGS with ``demand="centres"``), destinations the
        facility ids and candidate ids.
    demand
        ``"points"`` (population grid of ``cell_km``) or ``"centres"``.
    time_limit
        Seconds for the solver; after it the best solution found is returned with
        status ``"zeitlimit"`` and its gap.

    Returns
    -------
    Proposal
    """
    if category not in catalog.category_ids():
        raise ParameterError(f"Sparte „{category}“ ist unbekannt; erlaubt sind: "
                             f"{', '.join(catalog.category_ids())}.")
    if kind not in KINDS:
        raise ParameterError(f"kind={kind!r} ist unbekannt; erlaubt sind: "
                             + ", ".join(f"„{k_}“ ({t})" for k_, t in KINDS.items()) + ".")
    if unit not in UNITS:
        raise ParameterError(f"unit={unit!r} ist unbekannt; erlaubt sind „km“ und „min“.")
    if kind in ("mclp", "lscp") and max_cost is None:
        raise ParameterError(f"Für „{KINDS[kind]}“ muss max_cost (Reichweite) angegeben werden.")
    dem = _demand(region, demand, cell_km)
    fac = cast(gpd.GeoDataFrame, region.facilities)
    existing = fac[(fac["category"] == category).to_numpy()]
    cand = candidate_sites(region, category, candidates,
                           candidate_categories=candidate_categories, grid_km=grid_km)
    supply = gpd.GeoDataFrame(
        geometry=pd.concat([existing.geometry, cand.geometry]).to_numpy(), crs=CRS,
        index=pd.Index([*map(str, existing.index), *cand.index]),
    )
    if supply.index.has_duplicates:
        raise ParameterError("IDs möglicher Standorte und bestehender Einrichtungen überschneiden "
                             "sich: " + ", ".join(supply.index[supply.index.duplicated()][:5]))
    bound = max_cost if max_cost is not None else (
        _bound(dem, supply, unit) if cost is None else math.inf)
    if cost is None:
        matrix, _ = access.cost_matrix(dem, supply, bound, cost=UNITS[unit])
    else:
        matrix, _ = access.cost_matrix(dem, supply, bound if math.isfinite(bound) else 1e300,
                                       cost=cost)
    weights = dem["population"].to_numpy(dtype=float)
    reached = np.diff(matrix.indptr) > 0
    unreachable = float(weights[~reached].sum())
    if kind in ("p_median", "p_center"):
        matrix, weights, dem = matrix[reached], weights[reached], dem[reached]
        matrix = _beyond_existing_dropped(matrix, len(existing))
    fixed = np.arange(len(existing)) if len(existing) else None
    result = _solve(kind, matrix, weights, k=int(k), max_cost=max_cost, fixed=fixed,
                    time_limit=time_limit)
    new = np.asarray(result.new, dtype=int) - len(existing)
    served = pd.Series(weights).groupby(np.asarray(result.assignment)).sum()
    sites = cand.iloc[new].copy()
    sites["population"] = served.reindex(new + len(existing)).fillna(0.0).to_numpy()
    sites = sites[["name", "ags", "population", "geometry"]]
    return Proposal(result=result, category=category, kind=kind, max_cost=max_cost, unit=unit,
                    sites=sites, existing=existing, candidates=cand, demand=dem,
                    unreachable=unreachable)
