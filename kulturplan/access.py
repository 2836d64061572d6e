"""Spatial accessibility: nearest facility, coverage, 2SFCA, E2SFCA and gravity.

Demand points (residents: municipality centres or
:func:`kulturplan.demand.population_points`) and
supply points (facilities) are GeoDataFrames in any CRS; they are converted to
EPSG:25832 (metres). Polygon geometries are replaced by their *representative point*
(``shapely.point_on_surface``, guaranteed to lie inside the polygon; PySAL's
``centroid_o=True`` uses the centroid instead, which can lie outside a concave
municipality).

Costs
-----
``cost="euclidean"`` (default)
    Straight-line distance in **km**, multiplied by ``detour`` when given (then it is
    an estimate of the road distance in km).
``cost="minutes"`` or ``speed_kmh=...``
    Estimated car travel time in **minutes**:
    ``minutes = km_straight * detour / speed_kmh * 60`` with the defaults
    :data:`DEFAULT_DETOUR` and :data:`DEFAULT_SPEED_KMH`.
``cost=<DataFrame>``
    An origin–destination table exported from a routing engine with the columns
    ``origin`` (index value of ``demand``), ``destination`` (or ``dest``; index value
    of ``supply``) and ``cost`` (any unit, e.g. minutes). Pairs missing from the table
    (or with an empty cost) are unreachable; they are counted in the
    :class:`AccessReport` attached to every result as ``result.attrs["report"]``.

Reports
-------
Every measure returns a plain :class:`pandas.Series`; its :class:`AccessReport` (pairs
in reach, unreached demand points, unused facilities, gaps of a cost table) rides along
in ``result.attrs["report"]`` **as a convenience for interactive use**. pandas documents
``attrs`` as experimental, and arithmetic, ``concat`` or ``merge`` may drop it: read the
report right after the call (``report = result.attrs["report"]``) instead of relying on
it downstream. The values themselves never depend on it.

Catchments are inclusive: a pair is *in reach* when ``cost <= max_cost`` (as in
PySAL ``access``' ``weighted_catchment``). Nothing builds a dense demand × supply
matrix when ``max_cost`` is given: pairs in reach come from a KD-tree
(:meth:`scipy.spatial.cKDTree.sparse_distance_matrix`, in chunks of demand points)
and are aggregated with :mod:`scipy.sparse`, so memory grows with the number of pairs
in reach.

Agreement with PySAL ``access`` (1.1.x)
---------------------------------------
:func:`two_step_fca`, :func:`enhanced_two_step_fca` and :func:`gravity` reproduce
``Access.two_stage_fca``, ``Access.enhanced_two_stage_fca`` and
``Access.weighted_catchment`` (with ``weights.step_fn``, ``weights.gaussian`` and
``weights.gravity``) on the same inputs and costs, with two documented differences in
degenerate cases:

* demand points with no facility in reach get **0** (PySAL: NaN, from its join);
* a facility whose weighted demand in reach is 0 (e.g. only uninhabited points)
  serves nobody: its ratio is set to **0** (PySAL divides by zero and returns
  ``inf``/NaN for the demand points that reach it). Such facilities are counted in
  the report (``supply_zero_demand``).

References
----------
Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the American
Institute of Planners* 25(2), 73–76.

Luo, W., & Wang, F. (2003). Measures of spatial accessibility to health care in a GIS
environment: synthesis and a case study in the Chicago region. *Environment and
Planning B* 30(6), 865–884.

Luo, W., & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA)
method for measuring spatial accessibility to primary care physicians. *Health &
Place* 15(4), 1100–1107.

Saxon, J., Koschinsky, J., Acosta, K., Anguiano, V., Anselin, L., & Rey, S. (2022). An
open software environment to make spatial access metrics more accessible. *Journal of
Computational Social Science* 5, 265–284 (PySAL ``access``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan._format import format_decimal
from kulturplan.errors import EmptyInputError, ParameterError, Problem, ValidationError

if TYPE_CHECKING:  # scipy is imported on first use (keeps dashboard kernels cheap)
    from scipy import sparse

CRS = "EPSG:25832"

DEFAULT_DETOUR = 1.3
"""Default ratio of road distance to straight-line distance ("Umwegfaktor").

Wang, Bette, Schreckenberg & Guhr (2024), *How much longer do you have to drive than
the crow has to fly?* (arXiv:2406.06490) find that network distances on large motorway
networks are typically about 1.3 times the straight-line distance. Using the same factor
for rural roads in German districts is an **assumption** of kulturplan, not a measured
value; pass ``detour=`` (or a routing table) when better information exists.
"""

DEFAULT_SPEED_KMH = 50.0
"""Default mean car speed on the (detoured) road distance, in km/h.

An **assumption** of kulturplan for door-to-door trips in rural districts (country
roads with village passages); no source is claimed. With :data:`DEFAULT_DETOUR`,
15 minutes correspond to about 9.6 km straight-line distance.
"""

E2SFCA_STEPS: dict[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}
"""Step weights of Luo & Qi (2009) for travel-time zones 0–10, 10–20, 20–30 minutes
(also PySAL ``access``' default for ``enhanced_two_stage_fca``)."""

_CHUNK_PAIRS = 4_000_000
"""Target number of candidate pairs handled at once (bounds temporary memory)."""


# ---------------------------------------------------------------------------------
# report


@dataclass(frozen=True)
class AccessReport:
    """What happened while computing an accessibility measure.

    Attached to every result Series as ``result.attrs["report"]`` (a convenience: read it
    right after the call, see the module documentation).

    Attributes
    ----------
    n_demand, n_supply
        Number of demand and supply points.
    n_pairs
        Demand–supply pairs within ``max_cost`` (or, without ``max_cost``, all pairs
        used).
    demand_unreached
        Demand points with no facility in reach (value 0 for 2SFCA/gravity, ``False``
        for coverage, ``inf`` for nearest).
    supply_unused
        Facilities with no demand point in reach.
    supply_zero_demand
        Facilities with demand points in reach whose weighted demand is 0; their
        supply-to-demand ratio is set to 0.
    od_missing_pairs
        Only for origin–destination tables: demand × supply pairs absent from the
        table or with an empty cost (unreachable).
    od_unknown_origins, od_unknown_destinations
        Only for origin–destination tables: ids of the table that are not in the
        demand / supply index (their rows are not used).
    """

    n_demand: int = 0
    n_supply: int = 0
    n_pairs: int = 0
    demand_unreached: int = 0
    supply_unused: int = 0
    supply_zero_demand: int = 0
    od_missing_pairs: int = 0
    od_unknown_origins: tuple[Any, ...] = ()
    od_unknown_destinations: tuple[Any, ...] = ()

    def __str__(self) -> str:
        lines = [
            f"Nachfragepunkte: {self.n_demand}, Einrichtungen: {self.n_supply}, "
            f"Paare in Reichweite: {self.n_pairs}",
            f"Nachfragepunkte ohne Einrichtung in Reichweite: {self.demand_unreached}",
            f"Einrichtungen ohne Nachfrage in Reichweite: {self.supply_unused}",
        ]
        if self.supply_zero_demand:
            lines.append(
                f"Einrichtungen mit Nachfrage 0 in Reichweite (Quote 0 gesetzt): "
                f"{self.supply_zero_demand}"
            )
        if self.od_missing_pairs or self.od_unknown_origins or self.od_unknown_destinations:
            lines.append(f"Fehlende Paare in der Kostentabelle (unerreichbar): "
                         f"{self.od_missing_pairs}")
            lines.append(f"Unbekannte Startpunkte in der Kostentabelle: "
                         f"{len(self.od_unknown_origins)}")
            lines.append(f"Unbekannte Ziele in der Kostentabelle: "
                         f"{len(self.od_unknown_destinations)}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class _Points:
    index: pd.Index
    xy: np.ndarray  # (n, 2) metres in EPSG:25832
    weight: np.ndarray  # (n,) float64


def _row_problems(
    source: str,
    positions: Iterable[int],
    message: str | Callable[[int], str],
    column: str | None,
) -> list[Problem]:
    """One :class:`Problem` per 0-based row position (spreadsheet rows, header = 1)."""
    return [
        Problem.at(source, int(pos), message(int(pos)) if callable(message) else message, column)
        for pos in positions
    ]


def _check_frame(frame: Any, value_col: str | None, table: str) -> None:
    """The table is a GeoDataFrame with a CRS and the value column (else a German error)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ParameterError(
            f"{table}: erwartet wird ein GeoDataFrame mit Punktgeometrien, "
            f"erhalten: {type(frame).__name__}."
        )
    if value_col is not None and value_col not in frame.columns:
        raise ValidationError(
            [Problem(table, f"Spalte „{value_col}“ fehlt. Vorhandene Spalten: "
                     f"{', '.join(map(str, frame.columns))}.", column=value_col)],
            title=f"Tabelle „{table}“ ist unvollständig",
        )
    if frame.crs is None:
        raise ValidationError(
            [Problem(table, "Die Geometrien haben kein Koordinatenreferenzsystem (CRS). Bitte "
                     "das CRS angeben, z. B. EPSG:25832 oder EPSG:4326.", column="geometry")],
            title=f"Tabelle „{table}“ enthält Fehler",
        )


def _geometry_problems(arr: np.ndarray, table: str) -> tuple[np.ndarray, list[Problem]]:
    """Shapely type ids of ``arr`` and the rows whose geometry is missing or not allowed."""
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    types = shapely.get_type_id(arr)
    # 0 Point, 3 Polygon, 6 MultiPolygon; everything else is not allowed
    bad = ~missing & ~np.isin(types, (0, 3, 6))
    problems = _row_problems(table, np.flatnonzero(missing), "Geometrie fehlt.", "geometry")
    problems += _row_problems(
        table, np.flatnonzero(bad),
        lambda pos: f"Geometrie ist ein {arr[pos].geom_type}; erwartet wird ein Punkt oder ein "
        "(Multi-)Polygon.",
        "geometry",
    )
    return types, problems


def _weights(frame: gpd.GeoDataFrame, value_col: str | None, table: str
             ) -> tuple[np.ndarray, list[Problem]]:
    """The numbers of ``value_col`` (ones without it) and the rows that are no number ≥ 0."""
    if value_col is None:
        return np.ones(len(frame)), []
    raw = frame[value_col]
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def not_a_number(pos: int) -> str:
        value = raw.iloc[pos]
        what = "Wert fehlt" if pd.isna(value) else f"„{value}“ ist keine Zahl"
        return f"{what}; erwartet wird eine Zahl ≥ 0."

    problems = _row_problems(table, np.flatnonzero(np.isnan(numbers)), not_a_number, value_col)
    problems += _row_problems(
        table, np.flatnonzero(numbers < 0),
        lambda pos: f"Wert {format_decimal(numbers[pos])} ist negativ; erwartet wird eine "
        "Zahl ≥ 0.",
        value_col,
    )
    problems += _row_problems(
        table, np.flatnonzero(np.isinf(numbers)),
        "Wert ist unendlich; erwartet wird eine endliche Zahl ≥ 0.", value_col,
    )
    return numbers, problems


def _coordinates(arr: np.ndarray, types: np.ndarray, table: str) -> np.ndarray:
    """(n, 2) coordinates: points as they are, polygons by a point on their surface."""
    is_point = types == 0
    if not is_point.all():
        arr = arr.copy()
        arr[~is_point] = shapely.point_on_surface(arr[~is_point])
    xy = shapely.get_coordinates(arr)
    if len(xy) != len(arr):  # pragma: no cover - guarded by _geometry_problems
        raise ParameterError(f"{table}: Geometrien konnten nicht in Punkte umgewandelt werden.")
    bad_xy = ~np.isfinite(xy).all(axis=1)
    if bad_xy.any():
        raise ValidationError(
            _row_problems(table, np.flatnonzero(bad_xy),
                          "Koordinaten sind ungültig (leer oder nicht endlich).", "geometry"),
            title=f"Tabelle „{table}“ enthält Fehler",
        )
    return np.ascontiguousarray(xy, dtype=float)


def _points(
    frame: Any, value_col: str | None, table: str, *, allow_empty: bool = False
) -> _Points:
    """Validate a demand/supply GeoDataFrame and return coordinates and weights."""
    if isinstance(frame, gpd.GeoDataFrame) and len(frame) == 0:
        if allow_empty:
            return _Points(frame.index, np.empty((0, 2)), np.empty(0))
        raise EmptyInputError(f"{table}: die Tabelle ist leer; mindestens ein Punkt wird benötigt.")
    _check_frame(frame, value_col, table)
    geom = frame.geometry if frame.crs == CRS else frame.geometry.to_crs(CRS)
    arr = np.asarray(geom.values, dtype=object)
    types, problems = _geometry_problems(arr, table)
    weight, weight_problems = _weights(frame, value_col, table)
    problems += weight_problems
    if problems:
        raise ValidationError(problems, title=f"Tabelle „{table}“ enthält Fehler")
    return _Points(frame.index, _coordinates(arr, types, table), weight)


@dataclass(frozen=True)
class _Euclid:
    """Straight-line costs: ``cost = metres * per_metre``."""

    per_metre: float
    unit: str


def _cost_spec(
    cost: Any, detour: float | None, speed_kmh: float | None
) -> _Euclid | pd.DataFrame:
    if isinstance(cost, pd.DataFrame):
        if detour is not None or speed_kmh is not None:
            raise ParameterError(
                "detour und speed_kmh gelten nur für Luftlinienkosten, nicht für eine "
                "Kostentabelle (Start–Ziel-Matrix)."
            )
        return cost
    if cost not in ("euclidean", "minutes"):
        raise ParameterError(
            f"cost={cost!r} ist unbekannt; erlaubt sind „euclidean“ (Luftlinie in km), "
            "„minutes“ (geschätzte Fahrzeit) oder eine Kostentabelle (DataFrame mit den "
            "Spalten origin, destination, cost)."
        )
    for name, value in (("detour", detour), ("speed_kmh", speed_kmh)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise ParameterError(f"{name} muss eine positive Zahl sein, erhalten: {value!r}.")
    if detour is not None and detour < 1:
        raise ParameterError(
            f"detour={detour!r} ist kleiner als 1; der Umwegfaktor (Straße / Luftlinie) ist "
            "mindestens 1."
        )
    if cost == "minutes" or speed_kmh is not None:
        d = DEFAULT_DETOUR if detour is None else float(detour)
        v = DEFAULT_SPEED_KMH if speed_kmh is None else float(speed_kmh)
        return _Euclid(d / 1000.0 / v * 60.0, "min")
    d = 1.0 if detour is None else float(detour)
    return _Euclid(d / 1000.0, "km")


def _check_max_cost(max_cost: Any, *, required: bool) -> float | None:
    if max_cost is None:
        if required:
            raise ParameterError("max_cost (Einzugsbereich) muss angegeben werden.")
        return None
    try:
        value = float(max_cost)
    except (TypeError, ValueError):
        raise ParameterError(
            f"max_cost muss eine Zahl sein, erhalten: {max_cost!r}."
        ) from None
    if not value >= 0 or (required and math.isinf(value)):
        raise ParameterError(
            f"max_cost muss eine Zahl ≥ 0 sein, erhalten: {max_cost!r}."
        )
    return value


# ---------------------------------------------------------------------------------
# pairs


@dataclass(frozen=True)
class _Pairs:
    i: np.ndarray  # demand positions (int32 or int64)
    j: np.ndarray  # supply positions
    cost: np.ndarray  # float64
    report: AccessReport


def _kdtree(xy: np.ndarray) -> Any:
    """:class:`scipy.spatial.cKDTree` of ``xy``; scipy is imported on first use (dashboard
    kernels that read every table from the cache never need it, issue 16)."""
    from scipy.spatial import cKDTree

    return cKDTree(xy)


def _euclid_pairs(dem: _Points, sup: _Points, spec: _Euclid, max_cost: float) -> _Pairs:
    """All pairs with ``cost <= max_cost`` via KD-trees, in chunks of demand points.

    Each chunk of demand points gets its own KD-tree and is joined with the supply tree
    by :meth:`scipy.spatial.cKDTree.sparse_distance_matrix`; only pairs within the
    search radius are ever materialised. Positions are stored as int32 and costs as
    float64 (16 bytes per pair).
    """
    radius = max_cost / spec.per_metre
    search = radius * (1 + 1e-9) + 1e-9  # then filtered exactly in cost units
    sup_tree = _kdtree(sup.xy)
    n = len(dem.xy)
    # estimate pairs per demand point from a sample to size the chunks
    sample = dem.xy[:: max(1, n // 2000)]
    per_point = max(1.0, float(np.mean(sup_tree.query_ball_point(sample, search,
                                                                  return_length=True))))
    chunk = int(max(1000, min(n, _CHUNK_PAIRS / per_point)))
    iis, jjs, ccs = [], [], []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        res = _kdtree(dem.xy[start:stop]).sparse_distance_matrix(
            sup_tree, search, output_type="ndarray"
        )
        c = res["v"] * spec.per_metre
        keep = c <= max_cost
        ii = res["i"][keep].astype(np.int32)
        ii += start
        iis.append(ii)
        jjs.append(res["j"][keep].astype(np.int32))
        ccs.append(c[keep])
        del res, c, keep
    i = np.concatenate(iis) if iis else np.empty(0, np.int32)
    del iis
    j = np.concatenate(jjs) if jjs else np.empty(0, np.int32)
    del jjs
    c = np.concatenate(ccs) if ccs else np.empty(0)
    del ccs
    return _Pairs(i, j, c, _pair_report(dem, sup, i, j))


def _pair_report(dem: _Points, sup: _Points, i: np.ndarray, j: np.ndarray, **extra: Any
                 ) -> AccessReport:
    reached = np.bincount(i, minlength=len(dem.xy)) > 0
    used = np.bincount(j, minlength=len(sup.xy)) > 0
    return AccessReport(
        n_demand=len(dem.xy),
        n_supply=len(sup.xy),
        n_pairs=len(i),
        demand_unreached=int((~reached).sum()),
        supply_unused=int((~used).sum()),
        **extra,
    )


_OD_DEST_NAMES = ("destination", "dest")


def _od_pairs(dem: _Points, sup: _Points, table: pd.DataFrame, max_cost: float | None) -> _Pairs:
    """Pairs from an origin–destination table (missing pairs are unreachable)."""
    label = "Kostentabelle"
    dest_col = next((c for c in _OD_DEST_NAMES if c in table.columns), None)
    missing = [c for c in ("origin",) if c not in table.columns]
    if dest_col is None:
        missing.append("destination")
    if "cost" not in table.columns:
        missing.append("cost")
    if missing:
        raise ValidationError(
            [
                Problem(label, f"Pflichtspalte „{c}“ fehlt. Vorhandene Spalten: "
                        f"{', '.join(map(str, table.columns))}.", column=c)
                for c in missing
            ],
            title="Kostentabelle ist unvollständig",
        )
    for idx, what in ((dem.index, "Nachfrage"), (sup.index, "Angebot")):
        if idx.has_duplicates:
            dup = idx[idx.duplicated()].unique()[:5]
            raise ParameterError(
                f"Mit einer Kostentabelle muss der Index der Tabelle „{what}“ eindeutig sein; "
                f"doppelt: {', '.join(map(str, dup))}."
            )
    problems: list[Problem] = []
    raw_cost = table["cost"]
    cost = pd.to_numeric(raw_cost, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    not_number = np.isnan(cost) & raw_cost.notna().to_numpy()
    problems += _row_problems(label, np.flatnonzero(not_number),
                              lambda pos: f"„{raw_cost.iloc[pos]}“ ist keine Zahl.", "cost")
    problems += _row_problems(
        label, np.flatnonzero(cost < 0),
        lambda pos: f"Kosten {format_decimal(cost[pos])} sind negativ; erwartet wird ≥ 0.", "cost",
    )
    origin = table["origin"].astype(str).to_numpy()
    dest = table[dest_col].astype(str).to_numpy()
    key = pd.MultiIndex.from_arrays([origin, dest])
    dup = key.duplicated()
    problems += _row_problems(
        label, np.flatnonzero(dup)[:50],
        lambda pos: f"Paar „{origin[pos]}“ → „{dest[pos]}“ kommt mehrfach vor.", "origin",
    )
    if problems:
        raise ValidationError(problems, title="Kostentabelle enthält Fehler")
    i = pd.Index(dem.index.astype(str)).get_indexer(origin)
    j = pd.Index(sup.index.astype(str)).get_indexer(dest)
    unknown_o = tuple(pd.unique(origin[i < 0]))
    unknown_d = tuple(pd.unique(dest[j < 0]))
    ok = (i >= 0) & (j >= 0) & ~np.isnan(cost)
    n_known = int(ok.sum())
    if max_cost is not None:
        ok &= cost <= max_cost
    i, j, c = i[ok].astype(np.int64), j[ok].astype(np.int64), cost[ok]
    rep = _pair_report(
        dem, sup, i, j,
        od_missing_pairs=len(dem.xy) * len(sup.xy) - n_known,
        od_unknown_origins=unknown_o,
        od_unknown_destinations=unknown_d,
    )
    return _Pairs(i, j, c, rep)


def _pairs(dem: _Points, sup: _Points, spec: _Euclid | pd.DataFrame, max_cost: float | None
           ) -> _Pairs:
    if isinstance(spec, pd.DataFrame):
        return _od_pairs(dem, sup, spec, max_cost)
    if max_cost is None:  # pragma: no cover - callers handle the dense case
        raise ParameterError("max_cost fehlt.")
    return _euclid_pairs(dem, sup, spec, max_cost)


def _result(values: np.ndarray, dem: _Points, name: str, report: AccessReport) -> pd.Series:
    out = pd.Series(values, index=dem.index, name=name)
    out.attrs["report"] = report
    return out


def _prepare(demand: Any, supply: Any, demand_col: str | None, supply_col: str | None
             ) -> tuple[_Points, _Points]:
    dem = _points(demand, demand_col, "Nachfrage")
    sup = _points(supply, supply_col, "Angebot")
    return dem, sup


# ---------------------------------------------------------------------------------
# measures


def nearest(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    k: int = 1,
    *,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
) -> pd.Series:
    """Cost from each demand point to its ``k``-th nearest facility.

    .. math:: n^{(k)}_i = \\operatorname{k\\text{-}min}_j \\; c_{ij}

    Parameters
    ----------
    demand
        Demand points (any CRS; polygons are replaced by representative points).
    supply
        Facilities.
    k
        1 for the nearest facility, 2 for the second nearest, …
    cost, detour, speed_kmh
        Cost definition, see the module documentation (default: straight-line km).

    Returns
    -------
    pandas.Series
        Cost (km or minutes or the unit of the cost table), indexed like ``demand``;
        ``inf`` where fewer than ``k`` facilities are reachable (only possible with a
        cost table, or when ``k`` exceeds the number of facilities).
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"k muss eine ganze Zahl ≥ 1 sein, erhalten: {k!r}.")
    spec = _cost_spec(cost, detour, speed_kmh)
    dem, sup = _prepare(demand, supply, None, None)
    if isinstance(spec, pd.DataFrame):
        pairs = _od_pairs(dem, sup, spec, None)
        order = np.lexsort((pairs.cost, pairs.i))
        i_sorted = pairs.i[order]
        c_sorted = pairs.cost[order]
        first = np.searchsorted(i_sorted, np.arange(len(dem.xy)))
        counts = np.bincount(i_sorted, minlength=len(dem.xy))
        values = np.full(len(dem.xy), np.inf)
        has = counts >= k
        values[has] = c_sorted[first[has] + k - 1]
        return _result(values, dem, f"nearest_{k}", pairs.report)
    dist, idx = _kdtree(sup.xy).query(dem.xy, k=[k])
    values = dist[:, 0] * spec.per_metre
    found = np.isfinite(values)
    report = AccessReport(
        n_demand=len(dem.xy), n_supply=len(sup.xy), n_pairs=int(found.sum()),
        demand_unreached=int((~found).sum()),
        supply_unused=int(len(sup.xy) - len(np.unique(idx[found, 0]))),
    )
    return _result(values, dem, f"nearest_{k}", report)


def coverage(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    max_cost: float,
    *,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
) -> pd.Series:
    """Whether each demand point has at least one facility within ``max_cost``.

    .. math:: \\mathrm{cov}_i = [\\min_j c_{ij} \\le d_0]

    Parameters
    ----------
    demand, supply
        Demand points and facilities.
    max_cost
        Threshold :math:`d_0` (km, minutes, or the unit of the cost table); inclusive.
    cost, detour, speed_kmh
        Cost definition, see the module documentation.

    Returns
    -------
    pandas.Series
        Booleans indexed like ``demand``.
    """
    mc = _check_max_cost(max_cost, required=True)
    assert mc is not None
    spec = _cost_spec(cost, detour, speed_kmh)
    dem, sup = _prepare(demand, supply, None, None)
    if isinstance(spec, pd.DataFrame):
        pairs = _od_pairs(dem, sup, spec, mc)
        covered = np.bincount(pairs.i, minlength=len(dem.xy)) > 0
        return _result(covered, dem, "coverage", pairs.report)
    dist, idx = _kdtree(sup.xy).query(dem.xy, k=1)
    covered = dist * spec.per_metre <= mc
    report = AccessReport(
        n_demand=len(dem.xy), n_supply=len(sup.xy), n_pairs=int(covered.sum()),
        demand_unreached=int((~covered).sum()),
    )
    return _result(covered, dem, "coverage", report)


def cost_matrix(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    max_cost: float,
    *,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
) -> tuple[sparse.csr_array, AccessReport]:
    """Sparse demand × supply cost matrix of every pair within ``max_cost``.

    The input of location models (:mod:`kulturplan.planning`): a stored entry is a
    reachable pair with its cost (an explicitly stored 0 is a real cost of 0, e.g. a
    demand point at a facility); an absent entry is out of reach. Built from the same
    KD-tree pairs (or origin–destination table) as every other measure here, never as
    a dense matrix.

    Parameters
    ----------
    demand, supply
        Demand points and candidate/existing sites (rows and columns of the result,
        in their order).
    max_cost
        Largest cost kept (inclusive), in km, minutes or the unit of the cost table.
    cost, detour, speed_kmh
        Cost definition, see the module documentation.

    Returns
    -------
    tuple
        ``(matrix, report)``: a ``scipy.sparse.csr_array`` of shape
        ``(len(demand), len(supply))`` and the :class:`AccessReport` of the pairs.
    """
    mc = _check_max_cost(max_cost, required=True)
    assert mc is not None
    spec = _cost_spec(cost, detour, speed_kmh)
    dem = _points(demand, None, "Nachfrage")
    sup = _points(supply, None, "Angebot")
    pairs = _pairs(dem, sup, spec, mc)
    shape = (len(dem.xy), len(sup.xy))
    from scipy import sparse

    matrix = sparse.csr_array(
        (pairs.cost.astype(float), (pairs.i.astype(np.int64), pairs.j.astype(np.int64))),
        shape=shape,
    )
    return matrix, pairs.report


def _step_weights(steps: Mapping[float, float]) -> Callable[[np.ndarray], np.ndarray]:
    if not isinstance(steps, Mapping) or not steps:
        raise ParameterError(
            "weights muss ein nicht leeres Wörterbuch {Obergrenze: Gewicht} sein, "
            "z. B. {10: 1.0, 20: 0.68, 30: 0.22}, oder „gaussian“."
        )
    bounds = np.array(sorted(float(b) for b in steps), dtype=float)
    values = np.array([float(steps[b]) for b in sorted(steps, key=float)], dtype=float)
    if np.any(bounds < 0) or np.any(~np.isfinite(values)) or np.any(values < 0):
        raise ParameterError(
            "Stufengewichte: Obergrenzen und Gewichte müssen Zahlen ≥ 0 sein, erhalten: "
            f"{dict(steps)!r}."
        )
    lookup = np.append(values, 0.0)

    def weight(c: np.ndarray) -> np.ndarray:
        # first bound with c <= bound (PySAL step_fn), 0 beyond the last bound
        return lookup[np.searchsorted(bounds, c, side="left")]

    return weight


def _gaussian(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    if sigma is None or not (np.isfinite(sigma) and sigma > 0):
        raise ParameterError(
            f"Für die Gauß-Gewichtung muss sigma eine positive Zahl sein, erhalten: {sigma!r}."
        )
    s2 = 2 * float(sigma) ** 2
    return lambda c: np.exp(-c * c / s2)


def _weighted_sums(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, x: np.ndarray,
                   shape: tuple[int, int]) -> np.ndarray:
    """:math:`y_r = \\sum_k w_k x_{c_k}` over the pairs ``k`` of row ``r`` (in pair order).

    Step 1 of the FCA methods with rows = facilities, step 2 with rows = demand points.
    Each sum only involves the pairs of its row, in their order, so a partition of the
    pairs by row (:mod:`kulturplan.scale`) gives the same floating-point results.
    """
    from scipy import sparse

    # COO: matrix-vector products need no sorting or format conversion; column vectors:
    # scipy returns 0-d results for 1-D products of size 1
    mat = sparse.coo_array((w, (rows, cols)), shape=shape)
    return (mat @ x[:, None]).ravel()


def _supply_ratio(supply: np.ndarray, demand_in_reach: np.ndarray) -> np.ndarray:
    """:math:`R_j = S_j / D_j` (0 where :math:`D_j = 0`)."""
    ratio = np.zeros(len(supply))
    positive = demand_in_reach > 0
    ratio[positive] = supply[positive] / demand_in_reach[positive]
    return ratio


def _fca_report(pairs: _Pairs, demand_in_reach: np.ndarray) -> AccessReport:
    reached_supply = np.bincount(pairs.j, minlength=len(demand_in_reach)) > 0
    zero_demand = int((reached_supply & ~(demand_in_reach > 0)).sum())
    return AccessReport(**{**pairs.report.__dict__, "supply_zero_demand": zero_demand})


def _fca(
    dem: _Points,
    sup: _Points,
    pairs: _Pairs,
    weight: np.ndarray | None,
) -> tuple[np.ndarray, AccessReport]:
    n, m = len(dem.xy), len(sup.xy)
    w = np.ones(len(pairs.i)) if weight is None else weight
    # D_j = sum_i P_i W(c_ij), A_i = sum_j R_j W(c_ij)
    demand_in_reach = _weighted_sums(pairs.j, pairs.i, w, dem.weight, (m, n))
    ratio = _supply_ratio(sup.weight, demand_in_reach)
    access = _weighted_sums(pairs.i, pairs.j, w, ratio, (n, m))
    return access, _fca_report(pairs, demand_in_reach)


def _normalise(values: np.ndarray, dem: _Points) -> np.ndarray:
    total = dem.weight.sum()
    mean = (values * dem.weight).sum() / total if total > 0 else np.nan
    return values / mean


def two_step_fca(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    max_cost: float,
    *,
    demand_col: str = "population",
    supply_col: str | None = None,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
    normalize: bool = False,
) -> pd.Series:
    """Two-step floating catchment area (2SFCA) of Luo & Wang (2003).

    Step 1, for each facility :math:`j` with supply :math:`S_j`:
    :math:`R_j = S_j / \\sum_{k:\\, c_{kj} \\le d_0} P_k`.
    Step 2, for each demand point :math:`i`:
    :math:`A_i = \\sum_{j:\\, c_{ij} \\le d_0} R_j`.

    Parameters
    ----------
    demand
        Demand points with population column ``demand_col``.
    supply
        Facilities; capacity column ``supply_col`` (``None``: every facility counts 1).
    max_cost
        Catchment :math:`d_0` (inclusive) in cost units (km by default).
    demand_col, supply_col
        Column names.
    cost, detour, speed_kmh
        Cost definition, see the module documentation.
    normalize
        Divide by the population-weighted mean of :math:`A` (PySAL ``normalize=True``).

    Returns
    -------
    pandas.Series
        :math:`A_i` in supply units per inhabitant (e.g. facilities per inhabitant;
        multiply by 10,000 for "per 10,000 inhabitants"), indexed like ``demand``;
        0 where no facility is in reach. Identical to PySAL ``Access.two_stage_fca``
        (see the module documentation for the degenerate cases).

    References
    ----------
    Luo, W., & Wang, F. (2003). *Environment and Planning B* 30(6), 865–884.
    """
    mc = _check_max_cost(max_cost, required=True)
    spec = _cost_spec(cost, detour, speed_kmh)
    dem, sup = _prepare(demand, supply, demand_col, supply_col)
    pairs = _pairs(dem, sup, spec, mc)
    values, report = _fca(dem, sup, pairs, None)
    if normalize:
        values = _normalise(values, dem)
    return _result(values, dem, "2sfca", report)


def enhanced_two_step_fca(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    weights: Mapping[float, float] | str | Callable[[np.ndarray], np.ndarray] = E2SFCA_STEPS,
    max_cost: float | None = None,
    *,
    sigma: float | None = None,
    demand_col: str = "population",
    supply_col: str | None = None,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
    normalize: bool = False,
) -> pd.Series:
    """Enhanced two-step floating catchment area (E2SFCA) of Luo & Qi (2009).

    With a distance-decay weight :math:`W(c)`:
    :math:`R_j = S_j / \\sum_{k:\\, c_{kj} \\le d_0} P_k W(c_{kj})` and
    :math:`A_i = \\sum_{j:\\, c_{ij} \\le d_0} R_j W(c_{ij})`.

    Parameters
    ----------
    demand, supply
        Demand points and facilities.
    weights
        Step weights ``{upper_bound: weight}`` over cost zones: a pair with cost
        :math:`c` gets the weight of the smallest bound with :math:`c \\le` bound and 0
        beyond the largest bound (PySAL ``weights.step_fn``); default
        :data:`E2SFCA_STEPS` (Luo & Qi 2009, minutes). ``"gaussian"``:
        :math:`W(c) = \\exp(-c^2 / (2\\sigma^2))` (PySAL ``weights.gaussian``; needs
        ``sigma`` and ``max_cost``). A vectorised callable ``f(costs) -> weights`` is
        also accepted.
    max_cost
        Catchment :math:`d_0` (inclusive); defaults to the largest step bound.
    sigma
        Width of the gaussian weight, in cost units.
    demand_col, supply_col, cost, detour, speed_kmh, normalize
        As in :func:`two_step_fca`.

    Returns
    -------
    pandas.Series
        :math:`A_i` in supply units per (weighted) inhabitant, indexed like ``demand``;
        identical to PySAL ``Access.enhanced_two_stage_fca`` with the same weight
        function and ``max_cost``.

    References
    ----------
    Luo, W., & Qi, Y. (2009). *Health & Place* 15(4), 1100–1107.
    """
    fn, mc = _decay(weights, max_cost, sigma)
    spec = _cost_spec(cost, detour, speed_kmh)
    dem, sup = _prepare(demand, supply, demand_col, supply_col)
    pairs = _pairs(dem, sup, spec, mc)
    values, report = _fca(dem, sup, pairs, _decay_weights(fn, pairs.cost))
    if normalize:
        values = _normalise(values, dem)
    return _result(values, dem, "e2sfca", report)


def _decay(weights: Mapping[float, float] | str | Callable[[np.ndarray], np.ndarray],
           max_cost: float | None, sigma: float | None
           ) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """Weight function and catchment of :func:`enhanced_two_step_fca`."""
    if isinstance(weights, str):
        if weights != "gaussian":
            raise ParameterError(
                f"weights={weights!r} ist unbekannt; erlaubt sind Stufengewichte "
                "{Obergrenze: Gewicht}, „gaussian“ oder eine Funktion."
            )
        fn = _gaussian(sigma)  # type: ignore[arg-type]
    elif callable(weights):
        fn = weights
    else:
        fn = _step_weights(weights)
        if max_cost is None:
            max_cost = max(float(b) for b in weights)
    return fn, cast(float, _check_max_cost(max_cost, required=True))  # required: a number


def _decay_weights(fn: Callable[[np.ndarray], np.ndarray], cost: np.ndarray) -> np.ndarray:
    """``fn(cost)``, checked: one finite weight ≥ 0 per cost."""
    w = np.asarray(fn(cost), dtype=float)
    if w.shape != cost.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ParameterError(
            "Die Gewichtsfunktion muss für jede Kosten-Zahl ein endliches Gewicht ≥ 0 liefern."
        )
    return w


def _gravity_weight(beta: float, scale: float, min_cost: float
                    ) -> Callable[[np.ndarray], np.ndarray]:
    """Checked parameters of :func:`gravity` → :math:`(\\max(c, c_{\\min}) / s)^{-\\beta}`."""
    for name, value in (("beta", beta), ("min_cost", min_cost)):
        if not isinstance(value, (int, float, np.number)) or not np.isfinite(value) or value < 0:
            raise ParameterError(f"{name} muss eine Zahl ≥ 0 sein, erhalten: {value!r}.")
    if not isinstance(scale, (int, float, np.number)) or not np.isfinite(scale) or scale <= 0:
        raise ParameterError(f"scale muss eine positive Zahl sein, erhalten: {scale!r}.")
    if beta > 0 and min_cost <= 0:
        raise ParameterError(
            "min_cost muss > 0 sein, sonst wird die Gewichtung bei Entfernung 0 unendlich."
        )

    def weight(c: np.ndarray) -> np.ndarray:
        return np.power(np.maximum(c, min_cost) / scale, -float(beta))

    return weight


def _gravity_sums(i: np.ndarray, contrib: np.ndarray, n: int) -> np.ndarray:
    """:math:`G_i = \\sum_j` contributions of the pairs of ``i`` (in pair order)."""
    return np.bincount(i, weights=contrib, minlength=n)


def gravity(
    demand: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    beta: float,
    max_cost: float | None = None,
    *,
    scale: float = 1.0,
    min_cost: float = 1.0,
    demand_col: str | None = None,
    supply_col: str | None = None,
    cost: str | pd.DataFrame = "euclidean",
    detour: float | None = None,
    speed_kmh: float | None = None,
    normalize: bool = False,
) -> pd.Series:
    """Gravity (potential) accessibility of Hansen (1959).

    .. math:: G_i = \\sum_{j:\\, c_{ij} \\le d_0} S_j
              \\left(\\frac{\\max(c_{ij}, c_{\\min})}{s}\\right)^{-\\beta}

    This is PySAL ``Access.weighted_catchment`` with
    ``weight_fn=weights.gravity(scale=s, alpha=-beta, min_dist=c_min)``.

    Parameters
    ----------
    demand, supply
        Demand points and facilities (``demand_col`` is only used for ``normalize``).
    beta
        Distance-decay exponent :math:`\\beta \\ge 0` (0: count of facilities in reach).
    max_cost
        Optional catchment :math:`d_0` (inclusive). Without it all facilities count;
        this is computed in blocks of demand points, never as one dense matrix.
    scale
        Cost scale :math:`s` (cost units), default 1 (1 km or 1 minute).
    min_cost
        Costs below :math:`c_{\\min}` count as :math:`c_{\\min}` (default 1 km or 1
        minute), because :math:`c^{-\\beta}` is infinite at :math:`c = 0`.
    supply_col, cost, detour, speed_kmh
        As in :func:`two_step_fca`.
    normalize
        Divide by the population-weighted mean (needs ``demand_col``).

    Returns
    -------
    pandas.Series
        :math:`G_i` in supply units (weighted by :math:`(c/s)^{-\\beta}`), indexed like
        ``demand``; 0 where no facility is in reach.

    References
    ----------
    Hansen, W. G. (1959). *Journal of the American Institute of Planners* 25(2), 73–76.
    """
    weight = _gravity_weight(beta, scale, min_cost)
    if normalize and demand_col is None:
        demand_col = "population"
    mc = _check_max_cost(max_cost, required=False)
    spec = _cost_spec(cost, detour, speed_kmh)
    dem, sup = _prepare(demand, supply, demand_col, supply_col)
    if mc is None and isinstance(spec, _Euclid):
        values, report = _gravity_dense(dem, sup, spec, weight)
    else:
        pairs = _pairs(dem, sup, spec, mc)
        contrib = sup.weight[pairs.j] * weight(pairs.cost)
        values = _gravity_sums(pairs.i, contrib, len(dem.xy))
        report = pairs.report
    if normalize:
        values = _normalise(values, dem)
    return _result(values, dem, "gravity", report)


def _gravity_dense(
    dem: _Points, sup: _Points, spec: _Euclid, weight: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, AccessReport]:
    """Gravity over all pairs, in blocks of demand points (bounded memory)."""
    n, m = len(dem.xy), len(sup.xy)
    out = np.empty(n)
    block = max(1, _CHUNK_PAIRS // max(1, m))
    for start in range(0, n, block):
        xy = dem.xy[start:start + block]
        d = np.hypot(xy[:, :1] - sup.xy[None, :, 0], xy[:, 1:] - sup.xy[None, :, 1])
        out[start:start + block] = weight(d * spec.per_metre) @ sup.weight
    report = AccessReport(n_demand=n, n_supply=m, n_pairs=n * m)
    return out, report
