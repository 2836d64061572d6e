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

The distances are computed in blocks of rows with matrix products (no Python loop over
pairs), so all ~11,000 German municipalities take a few seconds.

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
from kulturplan._format import format_number
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


def _block_distances(z: np.ndarray, mask: np.ndarray, rows: slice) -> np.ndarray:
    """nan-Euclidean distances of the rows ``rows`` to all rows (scaled to p indicators)."""
    zz = np.where(mask, z, 0.0)
    sq = zz**2
    m = mask.astype(float)
    a, am, asq = zz[rows], m[rows], sq[rows]
    ss = asq @ m.T + am @ sq.T - 2.0 * (a @ zz.T)
    common = am @ m.T
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = np.where(common > 0, np.maximum(ss, 0.0) * (z.shape[1] / common), np.inf)
    return np.sqrt(d2)


def _neighbours(
    z: np.ndarray, mask: np.ndarray, k: int, groups: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(row, neighbour, distance rescaled)`` for the ``k`` nearest of every row."""
    n = len(z)
    out_i, out_j, out_d = [], [], []
    for start in range(0, n, _BLOCK):
        rows = slice(start, min(start + _BLOCK, n))
        d = _block_distances(z, mask, rows)
        idx = np.arange(rows.start, rows.stop)
        finite = np.where(np.isfinite(d), d, -np.inf)
        far = finite.max(axis=1)
        d[np.arange(len(idx)), idx] = np.inf  # not its own neighbour
        if groups is not None:
            d[groups[idx][:, None] != groups[None, :]] = np.inf
            d[(groups[idx] < 0)[:, None] | (groups < 0)[None, :]] = np.inf
        kk = min(k, n - 1)
        if kk <= 0:
            continue
        part = np.argpartition(d, kk - 1, axis=1)[:, :kk]
        dist = np.take_along_axis(d, part, axis=1)
        order = np.lexsort((part, dist), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        dist = np.take_along_axis(dist, order, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(far[:, None] > 0, dist / far[:, None], 0.0)
        ok = np.isfinite(dist)
        out_i.append(np.repeat(idx, kk)[ok.ravel()])
        out_j.append(part.ravel()[ok.ravel()])
        out_d.append(scaled.ravel()[ok.ravel()])
    if not out_i:
        empty = np.array([], dtype=int)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


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
    alike = [tuple(cols[r[: min(n_top, c)]]) for r, c in zip(low, n_common, strict=True)]
    different = [tuple(cols[r[: min(n_top, c)]]) for r, c in zip(high, n_common, strict=True)]
    return alike, different


def _reason_text(distance: float, alike: tuple[str, ...], different: tuple[str, ...]) -> str:
    labels = {c: indicator_label(c) for c in (*alike, *different)}
    text = f"Abstand {format_number(distance, 2)} (0 = gleich, 1 = am wenigsten ähnlich)"
    if alike:
        text += "; ähnlich bei " + ", ".join(labels[c] for c in alike)
    if different:
        text += "; verschieden bei " + ", ".join(labels[c] for c in different)
    return text + "."


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
        out["reason"] = [
            _reason_text(dist, a, b)
            for dist, a, b in zip(out["distance"], alike, different, strict=True)
        ]
    return out.reset_index(drop=True)
