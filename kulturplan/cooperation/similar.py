"""Places like mine: nearest neighbours on standardised profiles (CIPFA style).

Method
------
The model follows CIPFA's *Nearest Neighbours Model* (CIPFA 2019, *Nearest Neighbours
Model (England): technical documentation*; Chartered Institute of Public Finance and
Accountancy), the established anchor for "places like mine" in local government
benchmarking: every authority is described by standardised indicators, the Euclidean
distance between two profiles measures how alike they are, distances are rescaled so
that the farthest authority has distance 1, and the nearest ones are listed.

kulturplan's choices, step by step:

1. **Indicators** (``indicators``): the numeric columns of ``table`` (by default every
   numeric column with at least two distinct values; :func:`profile_table` builds the
   default profile of a region: size, density, age structure, settlement type and the
   cultural profile).
2. **Robust scaling**: each indicator is centred on its median and divided by its
   interquartile range (IQR; if the IQR is 0, by 1.4826 × the median absolute deviation,
   else by the standard deviation; an indicator without spread is left out). Outliers
   (one large town) therefore do not squeeze everybody else together as with z-scores,
   and multiplying an indicator by a constant (a change of unit) changes nothing.
3. **Missing values**: a pair is compared on the indicators both have; the sum of
   squares is scaled up by ``p / p_common`` (the "nan-Euclidean" distance of
   Dixon 1979, also used by scikit-learn's ``nan_euclidean_distances``). Pairs without
   any common indicator are never neighbours.
4. **Rescaling**: the distances of each municipality are divided by its distance to
   the farthest municipality of the table, so every row runs from 0 (itself) to 1
   (the least alike); this is what CIPFA reports.
5. **Why alike**: per pair, the three indicators with the smallest and the largest
   scaled difference.

Without missing values the neighbours come from a KD-tree (:class:`scipy.spatial.cKDTree`)
and the farthest municipality from blocks of rows with one matrix product each; with
missing values all distances are computed in such blocks. No Python loop runs over pairs,
so all ~11,000 German municipalities take a few seconds.

References
----------
CIPFA (2019). *Nearest Neighbours Model (England) – technical documentation*.
Chartered Institute of Public Finance and Accountancy, London.

Dixon, J. K. (1979). Pattern recognition with partly missing data. *IEEE Transactions
on Systems, Man, and Cybernetics* 9(10), 617–621.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.errors import ParameterError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "PROFILE_LABELS",
    "indicator_label",
    "profile_table",
    "robust_scale",
    "similar_municipalities",
]

PROFILE_LABELS: dict[str, str] = {
    "population": "Einwohnerzahl",
    "log_population": "Einwohnerzahl (logarithmiert)",
    "density": "Einwohner:innen je km²",
    "log_density": "Bevölkerungsdichte (logarithmiert)",
    "share_65_plus": "Anteil 65 Jahre und älter",
    "share_under_18": "Anteil unter 18 Jahren",
    "urban_degree": "Grad der Verstädterung",
    "area_km2": "Fläche",
}
"""German labels of the profile columns that are not catalog indicators."""

PROFILE_INDICATORS: tuple[str, ...] = (
    "einrichtungen_gesamt_je_10000",
    "sparten_anzahl",
    "veranstaltungen_je_1000",
    "ehrenamtliche_je_1000",
    "vereine_je_10000",
    "foerderung_je_einw",
)
"""Catalog indicators of the default cultural profile (:func:`profile_table`)."""

_BLOCK = 1024


@lru_cache(maxsize=1)
def _catalog_labels() -> dict[str, str]:
    cat = catalog.indicators()
    return {str(k): str(v) for k, v in cat["label"].items()}


def indicator_label(name: str) -> str:
    """German label of a profile column or catalog indicator (the id when unknown)."""
    if name in PROFILE_LABELS:
        return PROFILE_LABELS[name]
    return _catalog_labels().get(name, name)


def profile_table(region: Region, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """The default profile of each municipality for :func:`similar_municipalities`.

    Columns: ``log_population``, ``log_density``, ``share_65_plus`` and
    ``share_under_18`` (when age groups exist), ``urban_degree`` (when known) and the
    catalog indicators of :data:`PROFILE_INDICATORS` that ``indicators`` holds (default:
    :func:`kulturplan.indicators.compute` of those). Population and density enter as
    logarithms, as size differences matter in ratios, not in absolute numbers.
    """
    muni = region.municipalities
    pop = muni["population"].astype(float)
    area = muni["area_km2"].astype(float)
    out = pd.DataFrame(index=muni.index)
    out["log_population"] = np.log10(pop.clip(lower=1.0))
    out["log_density"] = np.log10((pop / area.where(area > 0)).clip(lower=0.01))
    if {"pop_65_plus", "pop_0_5", "pop_6_17"} <= set(muni.columns):
        out["share_65_plus"] = muni["pop_65_plus"] / pop.where(pop > 0)
        out["share_under_18"] = (muni["pop_0_5"] + muni["pop_6_17"]) / pop.where(pop > 0)
    if "urban_degree" in muni.columns:
        out["urban_degree"] = pd.to_numeric(muni["urban_degree"], errors="coerce").astype(float)
    if indicators is None:
        from kulturplan.indicators import compute

        indicators = compute(region, list(PROFILE_INDICATORS))
    for col in PROFILE_INDICATORS:
        if col in indicators.columns:
            out[col] = indicators[col].reindex(out.index).astype(float)
    return out


def robust_scale(values: pd.DataFrame) -> pd.DataFrame:
    """Centre each column on its median and divide by its IQR (MAD, SD as fallbacks).

    Columns without any spread (or without values) are dropped.
    """
    frame = values.astype(float)
    med = frame.median()
    iqr = frame.quantile(0.75) - frame.quantile(0.25)
    mad = (frame - med).abs().median() * 1.4826
    sd = frame.std(ddof=0)
    scale = iqr.where(iqr > 0, mad.where(mad > 0, sd.where(sd > 0)))
    keep = scale.notna() & (scale > 0)
    return (frame.loc[:, keep] - med[keep]) / scale[keep]


def _numeric_columns(table: pd.DataFrame, indicators: Sequence[str] | None) -> list[str]:
    if indicators is not None:
        cols = list(indicators)
        unknown = [c for c in cols if c not in table.columns]
        if unknown:
            raise ParameterError(
                "Indikatoren fehlen in der Tabelle: " + ", ".join(unknown)
                + ". Vorhanden: " + ", ".join(map(str, table.columns)) + "."
            )
        return cols
    numeric = table.select_dtypes(include="number")
    return [c for c in numeric.columns if numeric[c].nunique(dropna=True) > 1]


def _groups(table: pd.DataFrame, within: str | pd.Series | None) -> np.ndarray | None:
    if within is None:
        return None
    if isinstance(within, str):
        if within not in table.columns:
            raise ParameterError(
                f"within=„{within}“ ist keine Spalte der Tabelle; erwartet wird eine Spalte "
                "(z. B. Größenklasse oder Siedlungstyp) oder eine Series je Gemeinde."
            )
        series = table[within]
    else:
        series = pd.Series(within).reindex(table.index)
    codes, _ = pd.factorize(series, use_na_sentinel=True)
    return codes


def _dense_distances(z: np.ndarray, mask: np.ndarray, rows: np.ndarray, cols: np.ndarray
                     ) -> np.ndarray:
    """nan-Euclidean distances of ``rows`` to ``cols`` (scaled to p indicators)."""
    zz = np.where(mask, z, 0.0)
    m = mask.astype(float)
    a, am = zz[rows], m[rows]
    b, bm = zz[cols], m[cols]
    ss = (a**2) @ bm.T + am @ (b**2).T - 2.0 * (a @ b.T)
    common = am @ bm.T
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = np.where(common > 0, np.maximum(ss, 0.0) * (z.shape[1] / common), np.inf)
    return np.sqrt(d2)


def _farthest(z: np.ndarray) -> np.ndarray:
    """Distance of every row to its farthest row (complete data), exact in float64.

    Blocks of rows against all rows with one float32 matrix product each find the
    farthest row; its distance is then recomputed exactly.
    """
    n = len(z)
    z32 = z.astype(np.float32)
    sq = (z32**2).sum(axis=1)
    arg = np.empty(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        # |a - b|² = |a|² + |b|² - 2 a·b; |a|² is the same along a row, so the farthest b
        # maximises |b|² - 2 a·b (computed in place)
        d2 = z32[start:stop] @ z32.T
        d2 *= -2.0
        d2 += sq[None, :]
        arg[start:stop] = d2.argmax(axis=1)
    return np.sqrt(((z - z[arg]) ** 2).sum(axis=1))


def _tree_neighbours(z: np.ndarray, k: int, groups: np.ndarray | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, neighbour, distance)`` of the ``k`` nearest (KD-tree; complete data)."""
    from scipy.spatial import cKDTree

    members = [np.arange(len(z))] if groups is None else [
        np.flatnonzero(groups == g) for g in np.unique(groups[groups >= 0])]
    out_i, out_j, out_d = [], [], []
    for pos in members:
        kk = min(k, len(pos) - 1)
        if kk <= 0:
            continue
        dist, idx = cKDTree(z[pos]).query(z[pos], k=kk + 1)
        dist, idx = dist.reshape(len(pos), -1), idx.reshape(len(pos), -1)
        own = idx == np.arange(len(pos))[:, None]
        # drop the row itself (or, among exact duplicates, the last candidate)
        drop = np.where(own.any(axis=1), own.argmax(axis=1), kk)
        keep = np.ones_like(own)
        keep[np.arange(len(pos)), drop] = False
        idx = idx[keep].reshape(len(pos), kk)
        dist = dist[keep].reshape(len(pos), kk)
        order = np.lexsort((idx, dist), axis=1)
        out_i.append(np.repeat(pos, kk))
        out_j.append(pos[np.take_along_axis(idx, order, axis=1)].ravel())
        out_d.append(np.take_along_axis(dist, order, axis=1).ravel())
    if not out_i:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def _smallest(d: np.ndarray, cand: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest distances per row and their candidates, by (distance, index)."""
    part = np.argpartition(d, k - 1, axis=1)[:, :k]
    dist = np.take_along_axis(d, part, axis=1)
    idx = np.take_along_axis(cand, part, axis=1) if cand.ndim == 2 else cand[part]
    order = np.lexsort((idx, dist), axis=1)
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)


_Four = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _dense_neighbours(z: np.ndarray, mask: np.ndarray, k: int, groups: np.ndarray | None,
                      queries: np.ndarray) -> _Four:
    """``(row, neighbour, distance, farthest)`` by comparing ``queries`` with every row."""
    n = len(z)
    everyone = np.arange(n)
    out: list[_Four] = []
    kk = min(k, n - 1)
    for start in range(0, len(queries), _BLOCK):
        idx = queries[start:start + _BLOCK]
        d = _dense_distances(z, mask, idx, everyone)
        far = np.where(np.isfinite(d), d, -np.inf).max(axis=1)
        d[np.arange(len(idx)), idx] = np.inf  # not its own neighbour
        if groups is not None:
            d[(groups[idx][:, None] != groups[None, :]) | (groups[idx] < 0)[:, None]] = np.inf
        if kk <= 0:
            continue
        dist, part = _smallest(d, everyone, kk)
        out.append((np.repeat(idx, kk), part.ravel(), dist.ravel(), np.repeat(far, kk)))
    return _joined(out)


def _joined(parts: list[_Four]) -> _Four:
    if not parts:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([], dtype=float), np.array([], dtype=float)
    i, j, d, f = (np.concatenate([p[c] for p in parts]) for c in range(4))
    return i, j, d, f


def _mixed_neighbours(z: np.ndarray, mask: np.ndarray, k: int) -> _Four:
    """Complete rows: KD-tree among complete rows plus dense comparison with the rest."""
    complete = np.flatnonzero(mask.all(axis=1))
    partial = np.flatnonzero(~mask.all(axis=1))
    zc = z[complete]
    i, j, dist = _tree_neighbours(zc, k, None)
    far = _farthest(zc)
    parts: list[_Four] = []
    if len(partial) == 0:
        parts.append((complete[i], complete[j], dist, far[i]))
    else:
        kk = min(k, len(z) - 1)
        tree_d = dist.reshape(len(complete), -1)
        tree_j = complete[j].reshape(len(complete), -1)
        for start in range(0, len(complete), _BLOCK):
            rows = slice(start, start + _BLOCK)
            extra = _dense_distances(z, mask, complete[rows], partial)
            d = np.hstack([tree_d[rows], extra])
            cand = np.hstack([tree_j[rows], np.broadcast_to(partial, extra.shape)])
            top_d, top_j = _smallest(d, cand, kk)
            f = np.maximum(far[rows], np.where(np.isfinite(extra), extra, -np.inf).max(axis=1))
            parts.append((np.repeat(complete[rows], kk), top_j.ravel(), top_d.ravel(),
                          np.repeat(f, kk)))
        parts.append(_dense_neighbours(z, mask, k, None, partial))
    return _joined(parts)


def _neighbours(
    z: np.ndarray, mask: np.ndarray, k: int, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, neighbour, distance rescaled)`` for the ``k`` nearest of every row.

    Without missing values (or without a group restriction) the neighbours among the
    complete rows come from a KD-tree; rows with missing values are compared densely.
    """
    complete_rows = int(mask.all(axis=1).sum())
    if mask.all():
        i, j, dist = _tree_neighbours(z, k, groups)
        far = _farthest(z)[i]
    elif groups is None and complete_rows > 1:
        i, j, dist, far = _mixed_neighbours(z, mask, k)
    else:
        i, j, dist, far = _dense_neighbours(z, mask, k, groups, np.arange(len(z)))
    ok = np.isfinite(dist)
    i, j, dist, far = i[ok], j[ok], dist[ok], far[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(far > 0, np.minimum(dist / far, 1.0), 0.0)
    order = np.lexsort((dist, i))
    return i[order], j[order], scaled[order]


def _reasons(
    z: np.ndarray, mask: np.ndarray, i: np.ndarray, j: np.ndarray, columns: list[str]
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Three most alike and three most different indicators of every pair."""
    diff = np.abs(z[i] - z[j])
    both = mask[i] & mask[j]
    n_top = min(3, len(columns))
    low = np.argsort(np.where(both, diff, np.inf), axis=1, kind="stable")[:, :n_top]
    high = np.argsort(np.where(both, -diff, np.inf), axis=1, kind="stable")[:, :n_top]
    cols = np.asarray(columns, dtype=object)
    n_common = both.sum(axis=1)
    if (n_common >= n_top).all():
        return list(map(tuple, cols[low])), list(map(tuple, cols[high]))
    alike = [tuple(cols[r[: min(n_top, c)]]) for r, c in zip(low, n_common, strict=True)]
    different = [tuple(cols[r[: min(n_top, c)]]) for r, c in zip(high, n_common, strict=True)]
    return alike, different


def _reason_texts(distance: np.ndarray, alike: list[tuple[str, ...]],
                  different: list[tuple[str, ...]]) -> list[str]:
    """German "why alike" text per pair (label texts cached per combination)."""
    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
    out = []
    for dist, a, b in zip(distance, alike, different, strict=True):
        tail = cache.get((a, b))
        if tail is None:
            tail = ""
            if a:
                tail += "; ähnlich bei " + ", ".join(indicator_label(c) for c in a)
            if b:
                tail += "; verschieden bei " + ", ".join(indicator_label(c) for c in b)
            cache[(a, b)] = tail + "."
            tail = cache[(a, b)]
        number = f"{dist:.2f}".replace(".", ",")
        out.append(f"Abstand {number} (0 = gleich, 1 = am wenigsten ähnlich){tail}")
    return out


def similar_municipalities(
    table: pd.DataFrame,
    *,
    k: int = 10,
    indicators: Sequence[str] | None = None,
    within: str | pd.Series | None = None,
    reasons: bool = True,
) -> pd.DataFrame:
    """The ``k`` most similar municipalities of each municipality (CIPFA nearest neighbours).

    Parameters
    ----------
    table
        One row per municipality (index AGS), numeric indicator columns, e.g.
        :func:`profile_table`.
    k
        Number of neighbours per municipality (CIPFA lists 15).
    indicators
        Columns to compare (default: every numeric column with at least two distinct
        values).
    within
        Only neighbours of the same group: a column of ``table`` (e.g. a size class or
        ``urban_degree``) or a Series per municipality. Municipalities without a group
        get no neighbours. The rescaling still uses the farthest municipality of the whole
        table, so distances stay comparable.
    reasons
        Whether to add the most alike/different indicators and the German text.

    Returns
    -------
    pandas.DataFrame
        One row per (municipality, neighbour): ``ags``, ``neighbour``, ``rank`` (1 =
        most similar), ``distance`` (0 to 1, see the module notes) and with ``reasons``
        ``alike``, ``different`` (tuples of three indicator columns) and ``reason``
        (German text).

    Raises
    ------
    kulturplan.errors.ParameterError
        If ``k`` is not a positive integer, an indicator is missing or none varies.

    Examples
    --------
    Places like mine among municipalities of the same official size class::

        from kulturplan.indicators.peers import size_class
        profile = profile_table(region)
        similar_municipalities(profile, within=size_class(region.population))
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError(f"k muss eine ganze Zahl ≥ 1 sein, erhalten: {k!r}.")
    cols = _numeric_columns(table, indicators)
    scaled = robust_scale(table[cols].apply(pd.to_numeric, errors="coerce"))
    if scaled.shape[1] == 0:
        raise ParameterError(
            "Kein Indikator unterscheidet die Gemeinden (alle Werte gleich oder fehlend); "
            "ein Vergleich ähnlicher Orte ist so nicht möglich."
        )
    z = scaled.to_numpy(dtype=float)
    mask = np.isfinite(z)
    i, j, d = _neighbours(z, mask, int(k), _groups(table, within))
    ags = table.index.to_numpy()
    out = pd.DataFrame({"ags": ags[i], "neighbour": ags[j], "distance": d})
    out["rank"] = out.groupby("ags", sort=False).cumcount() + 1
    out = out[["ags", "neighbour", "rank", "distance"]]
    if reasons and len(out):
        columns = list(scaled.columns)
        alike, different = _reasons(z, mask, i, j, columns)
        out["alike"] = alike
        out["different"] = different
        out["reason"] = _reason_texts(out["distance"].to_numpy(), alike, different)
    return out.reset_index(drop=True)
