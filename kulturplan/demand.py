"""Demand: where the inhabitants are, and how many live beyond a reachability threshold.

The Region-aware part of the accessibility toolkit (:mod:`kulturplan.access` keeps
costs and measures):

* :func:`population_points` — each municipality's population spread over grid cells
  clipped to its polygon (cached per region and cell size);
* :func:`aggregate`, :func:`weighted_mean`, :func:`share_covered` — a per-point measure
  summarised per municipality (or any group), population-weighted;
* :func:`nearest_cost` and :func:`population_beyond` — **the one** computation of
  "inhabitants beyond a distance or travel time" used by the reachability indicators,
  the gap dashboard, the key figures of the Kreisübersicht and the notebooks. Its
  columns are ``population``, ``population_beyond``, ``share_beyond`` (percent) and
  ``mean_cost``; German headers and totals are added by the presentation layer
  (:func:`kulturplan.overview.gap_table`, :mod:`kulturplan.ui.gaps`).

The tables of a :class:`~kulturplan.Region` are read-only by convention: the point
cache is keyed by the region object and would not notice a changed population.

References
----------
Luo, W., & Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
environment. *Environment and Planning B* 30(6), 865–884 (population-weighted
aggregation of point measures).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import access
from kulturplan.errors import EmptyInputError, ParameterError, Problem, ValidationError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "COLUMNS",
    "UNITS",
    "aggregate",
    "facility_points",
    "nearest_cost",
    "overall",
    "population_beyond",
    "population_points",
    "share_covered",
    "weighted_mean",
]

CRS = access.CRS

UNITS: dict[str, str] = {"km": "euclidean", "min": "minutes"}
"""Units of :func:`population_beyond` and the ``cost=`` of :func:`kulturplan.access.nearest`."""

COLUMNS = ("population", "population_beyond", "share_beyond", "mean_cost")
"""Columns of :func:`population_beyond` (the data contract of every gap view)."""


# ---------------------------------------------------------------------------------
# population points

_POINT_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, gpd.GeoDataFrame]] = (
    weakref.WeakKeyDictionary()
)

SOURCES = ("auto", "uniform", "grid")
"""``source=`` of :func:`population_points`."""


def _grid_pieces(polys: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of a ``size`` m grid inside every polygon: owner position, piece, area."""
    bounds = shapely.bounds(polys)
    ix0 = np.floor(bounds[:, 0] / size).astype(np.int64)
    iy0 = np.floor(bounds[:, 1] / size).astype(np.int64)
    nx = np.floor(bounds[:, 2] / size).astype(np.int64) - ix0 + 1
    ny = np.floor(bounds[:, 3] / size).astype(np.int64) - iy0 + 1
    counts = nx * ny
    owner = np.repeat(np.arange(len(polys)), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cx = ix0[owner] + local % nx[owner]
    cy = iy0[owner] + local // nx[owner]
    cells = shapely.box(cx * size, cy * size, (cx + 1) * size, (cy + 1) * size)
    shapely.prepare(polys)
    hit = shapely.intersects(polys[owner], cells)
    owner, cells = owner[hit], cells[hit]
    pieces = shapely.intersection(cells, polys[owner])
    area = shapely.area(pieces)
    keep = area > 0
    return owner[keep], pieces[keep], area[keep]


def _municipality_population(muni: pd.DataFrame) -> np.ndarray:
    pop = pd.to_numeric(muni["population"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(pop).any():
        raise ValidationError(
            [Problem.at("Gemeinden", int(r), "Einwohnerzahl fehlt.", column="population")
             for r in np.flatnonzero(np.isnan(pop))],
            title="Tabelle „Gemeinden“ enthält Fehler",
        )
    return pop


def population_points(
    region: Region, cell_km: float = 1.0, *, source: str = "auto"
) -> gpd.GeoDataFrame:
    """Population points: Zensus grid cells, or the population spread over a grid.

    With ``source="grid"`` — and with the default ``"auto"`` when the region names a
    Zensus grid file (:func:`kulturplan.io.input_file`, kind ``"grid"``) — the points are
    the inhabited cells of the official Zensus 2022 grid inside the region's
    municipalities (:func:`kulturplan.sources.zensus.read_grid`): ``population`` is the
    grid's count, which differs from the register (never rescaled); ``cell_km`` is then
    ignored (the file's resolution counts). Otherwise (``"uniform"``, or ``"auto"``
    without a grid) each municipality's population is spread uniformly as follows.

    A square grid of ``cell_km`` km, aligned to multiples of ``cell_km`` in
    EPSG:25832, is intersected with every municipality polygon. Each piece gets the
    population share of its area (uniform density within a municipality):
    :math:`P_{piece} = P_{muni} \\cdot a_{piece} / a_{muni}`, so the points of a
    municipality add up to its population exactly (up to rounding). The point of a
    piece is its centroid, or a point on its surface when the centroid lies outside the
    piece. Uniform spreading ignores where people actually live inside a municipality;
    it is a better demand model than one centre per municipality for large, rural
    municipalities.

    Parameters
    ----------
    region
        The region; its municipalities need ``population`` and polygon geometries.
    cell_km
        Edge length of the grid cells in km (uniform spread).
    source
        ``"auto"``, ``"uniform"`` or ``"grid"`` (see above).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``ags``, ``population``, ``area_km2`` (of the piece or cell) and
        ``geometry`` (Point, EPSG:25832), with a fresh RangeIndex; grid points also have
        ``cell`` (the ``GITTER_ID``). Results are cached per region, source and cell size
        (a copy is returned).
    """
    if not (isinstance(cell_km, (int, float)) and np.isfinite(cell_km) and cell_km > 0):
        raise ParameterError(f"cell_km muss eine positive Zahl sein, erhalten: {cell_km!r}.")
    grid_file = _grid_file(region, source)
    key: Any = ("grid", str(grid_file)) if grid_file is not None else float(cell_km)
    try:
        cache = _POINT_CACHE.setdefault(region, {})
    except TypeError:  # not weak-referenceable: no cache
        cache = {}
    if key in cache:
        return cache[key].copy()
    out = _grid_points(region, grid_file) if grid_file is not None else _uniform_points(
        region, float(cell_km))
    cache[key] = out
    return out.copy()


def _grid_file(region: Region, source: str) -> Any:
    """The grid file to use for ``source`` (``None``: uniform spread)."""
    if source not in SOURCES:
        raise ParameterError(
            f"source={source!r} ist unbekannt; erlaubt sind {', '.join(SOURCES)}."
        )
    if source == "uniform":
        return None
    from kulturplan.io import input_file

    path = input_file(region, "grid")
    if path is None and source == "grid":
        raise ParameterError(
            f"Die Region „{region.name}“ nennt kein Zensus-Gitter (region.toml, Quelle mit "
            "kind = \"grid\"); bitte mit „kulturplan build-region --grid DATEI“ ergänzen."
        )
    return path


def grid_size_km(points: gpd.GeoDataFrame) -> float:
    """Cell size in km of grid points (from ``area_km2``; 1 for the 1-km grid)."""
    return float(np.sqrt(points["area_km2"].iloc[0])) if len(points) else float("nan")


def _grid_points(region: Region, path: Any) -> gpd.GeoDataFrame:
    from kulturplan.sources.zensus import RESOLUTIONS, read_grid

    cells, report = read_grid(path, region=region)
    size_m = RESOLUTIONS[report.resolution]
    return gpd.GeoDataFrame(
        {
            "ags": pd.Series(cells["ags"].to_numpy(), dtype=object),
            "population": cells["population"].fillna(0.0).to_numpy(dtype=float),
            "area_km2": np.full(len(cells), size_m * size_m / 1e6),
            "cell": cells.index.to_numpy(),
        },
        geometry=gpd.GeoSeries(cells.geometry.to_numpy(), crs=CRS),
        crs=CRS,
    )


def _uniform_points(region: Region, cell_km: float) -> gpd.GeoDataFrame:
    muni = region.municipalities
    if len(muni) == 0:
        raise EmptyInputError("Die Region enthält keine Gemeinden.")
    if muni.crs != CRS:
        muni = muni.to_crs(CRS)
    pop = _municipality_population(muni)
    polys = np.asarray(muni.geometry.values, dtype=object)
    owner, pieces, area = _grid_pieces(polys, float(cell_km) * 1000.0)
    total = np.bincount(owner, weights=area, minlength=len(polys))
    pts = shapely.centroid(pieces)
    outside = ~shapely.contains(pieces, pts)
    if outside.any():
        pts[outside] = shapely.point_on_surface(pieces[outside])
    share = np.divide(area, total[owner], out=np.zeros_like(area), where=total[owner] > 0)
    out = gpd.GeoDataFrame(
        {
            "ags": pd.Series(muni.index.to_numpy()[owner], dtype=object),
            "population": pop[owner] * share,
            "area_km2": area / 1e6,
        },
        geometry=gpd.GeoSeries(pts, crs=CRS),
        crs=CRS,
    )
    return out


# ---------------------------------------------------------------------------------
# aggregation


def _group_keys(demand: pd.DataFrame, by: str | pd.Series) -> pd.Series:
    if isinstance(by, pd.Series):
        return by
    if by in demand.columns:
        return demand[by]
    if demand.index.name == by:
        return pd.Series(demand.index, index=demand.index)
    raise ValidationError(
        [Problem("Nachfrage", f"Spalte „{by}“ zum Zusammenfassen fehlt.", column=by)],
        title="Tabelle „Nachfrage“ ist unvollständig",
    )


def _demand_weights(demand: pd.DataFrame, demand_col: str) -> np.ndarray:
    pop = pd.to_numeric(demand[demand_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(pop).any():
        raise ValidationError(
            [Problem.at("Nachfrage", int(r), "Einwohnerzahl fehlt.", column=demand_col)
             for r in np.flatnonzero(np.isnan(pop))],
            title="Tabelle „Nachfrage“ enthält Fehler",
        )
    return pop


def _group_codes(demand: pd.DataFrame, by: str | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(_group_keys(demand, by).to_numpy(), sort=True)
    if (codes < 0).any():
        raise ValidationError(
            [Problem.at("Nachfrage", int(r), "Gruppenschlüssel fehlt.",
                        column=by if isinstance(by, str) else None)
             for r in np.flatnonzero(codes < 0)],
            title="Tabelle „Nachfrage“ enthält Fehler",
        )
    return codes, np.asarray(uniques)


def aggregate(
    values: pd.Series,
    demand: pd.DataFrame,
    *,
    by: str | pd.Series = "ags",
    demand_col: str = "population",
    threshold: float | None = None,
) -> pd.DataFrame:
    """Summarise a per-point measure per municipality (or any group).

    Parameters
    ----------
    values
        A measure indexed like ``demand`` (costs from :func:`kulturplan.access.nearest`,
        booleans from :func:`kulturplan.access.coverage`, or 2SFCA values).
    demand
        The demand points with ``demand_col`` and the grouping column ``by``.
    by
        Grouping column (default ``"ags"``), the index name, or a Series.
    demand_col
        Population column.
    threshold
        Optional cost threshold for ``population_beyond`` / ``share_within``.

    Returns
    -------
    pandas.DataFrame
        Indexed by group: ``population``; ``mean`` — population-weighted mean
        :math:`\\sum P_i v_i / \\sum P_i` (``inf`` if any inhabited point has ``inf``;
        NaN for groups without inhabitants); with ``threshold``: ``population_beyond``
        (population with value ``> threshold``) and ``share_within`` (share 0–1 of the
        population with value ``<= threshold``).
    """
    if not values.index.equals(demand.index):
        raise ParameterError(
            "values und demand müssen denselben Index haben (Ergebnis einer Maßzahl für "
            "genau diese Nachfragepunkte)."
        )
    pop = _demand_weights(demand, demand_col)
    codes, uniques = _group_codes(demand, by)
    k = len(uniques)
    v = values.to_numpy(dtype=float, na_value=np.nan)
    inhabited = pop > 0
    # uninhabited points do not count (avoids 0 * inf); NaN of an inhabited point -> NaN
    with np.errstate(invalid="ignore"):
        weighted = np.where(inhabited, pop * np.nan_to_num(v, nan=0.0, posinf=np.inf), 0.0)
    total = np.bincount(codes, weights=pop, minlength=k)
    nan_count = np.bincount(codes, weights=(inhabited & np.isnan(v)), minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=weighted, minlength=k) / total
    mean[(total <= 0) | (nan_count > 0)] = np.nan
    out = pd.DataFrame({"population": total, "mean": mean}, index=pd.Index(uniques))
    if threshold is not None:
        beyond = np.bincount(codes, weights=np.where(v > threshold, pop, 0.0), minlength=k)
        out["population_beyond"] = beyond
        with np.errstate(invalid="ignore", divide="ignore"):
            out["share_within"] = np.where(total > 0, 1 - beyond / np.where(total > 0, total, 1),
                                           np.nan)
    out.index.name = by if isinstance(by, str) else by.name
    return out


def weighted_mean(values: pd.Series, demand: pd.DataFrame, *, by: str | pd.Series = "ags",
                  demand_col: str = "population") -> pd.Series:
    """Population-weighted mean of ``values`` per group (see :func:`aggregate`)."""
    return aggregate(values, demand, by=by, demand_col=demand_col)["mean"]


def share_covered(covered: pd.Series, demand: pd.DataFrame, *, by: str | pd.Series = "ags",
                  demand_col: str = "population") -> pd.Series:
    """Share (0–1) of the population per group with ``covered`` true."""
    return aggregate(covered.astype(float), demand, by=by, demand_col=demand_col)["mean"]


# ---------------------------------------------------------------------------------
# inhabitants beyond a threshold


def facility_points(facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Facilities with a usable point geometry (others cannot be reached or drawn)."""
    if len(facilities) == 0:
        return facilities
    geom = facilities.geometry
    ok = geom.notna() & ~geom.is_empty & (geom.geom_type == "Point")
    return facilities[ok.to_numpy()]


def _check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ParameterError(f"unit={unit!r} ist unbekannt; erlaubt sind „km“ und „min“.")
    return UNITS[unit]


def nearest_cost(
    points: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, unit: str = "km"
) -> pd.Series:
    """Cost from every demand point to the nearest facility (``inf`` without facilities).

    Parameters
    ----------
    points
        Demand points (e.g. :func:`population_points`).
    facilities
        The facilities that count (any, also outside the region: people cross borders).
    unit
        ``"km"`` (straight line) or ``"min"`` (estimated car minutes, see
        :data:`kulturplan.access.DEFAULT_DETOUR` and
        :data:`kulturplan.access.DEFAULT_SPEED_KMH`).
    """
    cost = _check_unit(unit)
    supply = facility_points(facilities)
    if len(supply) == 0:
        return pd.Series(np.inf, index=points.index, dtype=float)
    return access.nearest(points, supply, cost=cost)


def population_beyond(
    points: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    threshold: float,
    unit: str = "km",
    *,
    index: pd.Index | None = None,
    costs: pd.Series | None = None,
    by: str = "ags",
) -> pd.DataFrame:
    """Inhabitants per municipality farther than ``threshold`` from the nearest facility.

    .. math:: B_g = \\sum_{i \\in g,\\; c_i > t} P_i, \\qquad
              s_g = 100 \\cdot B_g / \\sum_{i \\in g} P_i

    with :math:`c_i` the cost from point :math:`i` to its nearest facility
    (Luo & Wang 2003 aggregate point measures the same population-weighted way).

    Parameters
    ----------
    points
        Population points with ``population`` and the group column ``by``
        (:func:`population_points`).
    facilities
        The facilities that count (e.g. one category; facilities outside the region
        count too).
    threshold
        Distance in km or minutes; a resident exactly at the threshold is *not* beyond.
    unit
        ``"km"`` or ``"min"`` (see :func:`nearest_cost`).
    index
        Rows of the result (e.g. all AGS of the region, in region order); groups
        without points get population 0. Default: the groups of ``points``.
    costs
        Precomputed :func:`nearest_cost` of ``points`` to ``facilities`` (a cache may
        pass it; the facilities are then not searched again).
    by
        Group column of ``points``.

    Returns
    -------
    pandas.DataFrame
        Index AGS, columns :data:`COLUMNS`: ``population``, ``population_beyond``
        (unrounded), ``share_beyond`` (percent 0–100, from the unrounded numbers; NaN
        without inhabitants) and ``mean_cost`` (population-weighted mean cost to the
        nearest facility; NaN without inhabitants or without any facility). Without any
        facility every inhabitant is beyond.
    """
    if costs is None:
        costs = nearest_cost(points, facilities, unit)
    else:
        _check_unit(unit)
    table = aggregate(costs, points, by=by, threshold=float(threshold))
    if index is not None:
        table = table.reindex(index)
    out = pd.DataFrame(
        {
            "population": table["population"].fillna(0.0),
            "population_beyond": table["population_beyond"].fillna(0.0),
        },
        index=table.index,
    )
    out["share_beyond"] = _percent(out["population_beyond"], out["population"])
    out["mean_cost"] = table["mean"].replace([np.inf, -np.inf], np.nan)
    out.index.name = by
    return out


def _percent(part: pd.Series | float, whole: pd.Series | float) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(whole) > 0, np.asarray(part) / np.asarray(whole) * 100.0,
                        np.nan)


def overall(table: pd.DataFrame) -> dict[str, float]:
    """Totals of a :func:`population_beyond` table (the whole region).

    Returns
    -------
    dict
        ``population``, ``population_beyond`` (sums) and ``share_beyond`` (percent of
        the summed population; NaN without inhabitants).
    """
    population = float(table["population"].sum())
    beyond = float(table["population_beyond"].sum())
    return {"population": population, "population_beyond": beyond,
            "share_beyond": float(_percent(beyond, population))}
