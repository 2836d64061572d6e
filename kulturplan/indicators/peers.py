"""Peer comparison: each municipality against municipalities of similar size and type.

Peer group (Vergleichsgruppe)
-----------------------------
The peers of a municipality are the **other** municipalities of the table (the
municipality itself is excluded, so a small group is not pulled towards the own
value) that

1. fall into the same official size class (:data:`SIZE_CLASSES`) **and** have the
   same settlement type (``urban_degree``, Grad der Verstädterung), when the
   municipalities carry one — ``peer_basis`` = "Größenklasse und Siedlungstyp";
2. otherwise — no settlement type known, or fewer than ``min_peers`` (3) such peers —
   fall into the same size class only — ``peer_basis`` = "nur Größenklasse".

If even the size class holds fewer than ``min_peers`` other municipalities, that
small group is still used; ``n_peers`` shows how many values the median rests on
(0 peers → ``NaN``). The choice of the group depends on group membership only; the
median of an indicator uses the peers that have a value for it (``n_peers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kulturplan.errors import ParameterError

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "PEER_BASIS_SIZE",
    "PEER_COLUMN_LABELS",
    "PEER_BASIS_SIZE_AND_TYPE",
    "SIZE_CLASSES",
    "peer_comparison",
    "size_class",
]

SIZE_CLASSES: tuple[tuple[float, float, str], ...] = (
    (0, 2_000, "unter 2.000"),
    (2_000, 5_000, "2.000 bis unter 5.000"),
    (5_000, 10_000, "5.000 bis unter 10.000"),
    (10_000, 20_000, "10.000 bis unter 20.000"),
    (20_000, 50_000, "20.000 bis unter 50.000"),
    (50_000, 100_000, "50.000 bis unter 100.000"),
    (100_000, np.inf, "100.000 und mehr"),
)
"""Official municipality size classes (Gemeindegrößenklassen): lower bound (inclusive),
upper bound (exclusive), German label."""

PEER_BASIS_SIZE_AND_TYPE = "Größenklasse und Siedlungstyp"
PEER_BASIS_SIZE = "nur Größenklasse"

PEER_COLUMN_LABELS: dict[str, str] = {
    "value": "Wert der Gemeinde",
    "peer_median": "Median der Vergleichsgemeinden",
    "difference": "Abweichung vom Median",
    "ratio": "Verhältnis zum Median",
    "n_peers": "Zahl der Vergleichsgemeinden",
    "peer_basis": "Vergleichsgruppe",
    "size_class": "Gemeindegrößenklasse",
    "urban_degree": "Grad der Verstädterung",
}
"""German labels of the columns of :func:`peer_comparison` (for tables shown to users)."""


def size_class(population: pd.Series | float) -> Any:
    """Return the size class label(s) of ``population`` (Einwohnerzahl).

    Parameters
    ----------
    population
        A number or a Series of inhabitants.

    Returns
    -------
    pandas.Series or str
        Ordered categorical labels such as "unter 2.000" or "2.000 bis unter 5.000"
        (``NaN`` for missing or negative values); a str for a single number.

    Examples
    --------
    >>> size_class(1999), size_class(2000), size_class(100_000)
    ('unter 2.000', '2.000 bis unter 5.000', '100.000 und mehr')
    """
    edges = [lo for lo, _, _ in SIZE_CLASSES] + [np.inf]
    labels = [label for _, _, label in SIZE_CLASSES]
    if np.ndim(population) == 0:
        value = pd.to_numeric(pd.Series([population]), errors="coerce").iloc[0]
        if pd.isna(value) or value < 0:
            return np.nan
        return labels[int(np.searchsorted(edges, value, side="right")) - 1]
    values = pd.to_numeric(pd.Series(population), errors="coerce").astype(float)
    return pd.cut(values, bins=edges, labels=labels, right=False, ordered=True)


def _loo_median(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-out median of a 1-D array (``NaN`` ignored).

    Returns, for every element, the median of all *other* valid values and their count.
    """
    n = len(values)
    valid = ~np.isnan(values)
    m = int(valid.sum())
    medians = np.full(n, np.nan)
    counts = np.where(valid, m - 1, m).astype(int)
    if m == 0:
        return medians, counts
    s = np.sort(values[valid])
    if m >= 1:
        medians[~valid] = np.median(s)
    if m >= 2:
        # sorted position of each valid element (ties: any position gives the same result)
        order = np.argsort(values[valid], kind="stable")
        pos = np.empty(m, dtype=int)
        pos[order] = np.arange(m)
        r = m - 1  # size of the remaining array

        def remaining(t: int) -> np.ndarray:
            return np.where(t < pos, s[t], s[min(t + 1, m - 1)])

        med = remaining(r // 2) if r % 2 == 1 else (remaining(r // 2 - 1) + remaining(r // 2)) / 2.0
        medians[valid] = med
    return medians, counts


def _group_loo(values: np.ndarray, groups: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-out medians/counts within groups, and the group size minus one."""
    n, k = values.shape
    medians = np.full((n, k), np.nan)
    counts = np.zeros((n, k), dtype=int)
    others = np.full(n, -1, dtype=int)
    codes, _ = pd.factorize(groups, use_na_sentinel=True)
    for code in np.unique(codes[codes >= 0]):
        rows = np.flatnonzero(codes == code)
        others[rows] = len(rows) - 1
        for j in range(k):
            med, cnt = _loo_median(values[rows, j])
            medians[rows, j] = med
            counts[rows, j] = cnt
    return medians, counts, others


def _municipality_frame(region: Region | pd.DataFrame) -> pd.DataFrame:
    muni = getattr(region, "municipalities", region)
    if not isinstance(muni, pd.DataFrame) or "population" not in muni.columns:
        raise ParameterError(
            "Für den Vergleich mit ähnlichen Gemeinden wird eine Region oder eine Tabelle "
            "der Gemeinden mit Spalte „population“ gebraucht."
        )
    return muni


def peer_comparison(
    region: Region | pd.DataFrame,
    table: pd.DataFrame,
    indicators: Sequence[str] | None = None,
    *,
    min_peers: int = 3,
) -> pd.DataFrame:
    """Compare every municipality with the median of its peers, per indicator.

    Parameters
    ----------
    region
        A :class:`~kulturplan.Region` or its municipalities table (index AGS, column
        ``population``, optional ``urban_degree``).
    table
        Indicator table indexed by AGS (e.g. :func:`kulturplan.indicators.compute`).
        The peers are taken from the municipalities in this table.
    indicators
        Columns of ``table`` to compare (all by default).
    min_peers
        Smallest acceptable number of peers with the same size class and settlement
        type before falling back to the size class only (module docstring).

    Returns
    -------
    pandas.DataFrame
        Long table indexed by (``ags``, ``indicator``) with columns ``value``,
        ``peer_median``, ``difference`` (value − median), ``ratio`` (value / median;
        ``NaN`` when the median is 0 or missing), ``n_peers`` (peers with a value),
        ``peer_basis``, ``size_class`` and ``urban_degree``.

    Raises
    ------
    kulturplan.errors.ParameterError
        If ``table`` holds municipalities unknown to ``region``, an indicator is not a
        column of ``table``, or ``min_peers`` is below 1.
    """
    muni = _municipality_frame(region)
    if int(min_peers) < 1:
        raise ParameterError(f"min_peers muss mindestens 1 sein, nicht {min_peers}.")
    ids = list(table.columns) if indicators is None else list(dict.fromkeys(indicators))
    missing = [i for i in ids if i not in table.columns]
    if missing:
        raise ParameterError(
            "Indikator(en) nicht in der Tabelle: " + ", ".join(f"„{i}“" for i in missing) + "."
        )
    unknown = table.index.difference(muni.index)
    if len(unknown):
        raise ParameterError(
            "Die Indikatortabelle enthält Gemeinden, die nicht zur Region gehören: "
            + ", ".join(map(str, unknown[:10]))
            + (" …" if len(unknown) > 10 else "")
            + "."
        )
    info = muni.loc[table.index]
    classes: pd.Series = size_class(info["population"])
    classes.index = table.index
    if "urban_degree" in info.columns:
        degree = pd.to_numeric(info["urban_degree"], errors="coerce").astype("Float64")
    else:
        degree = pd.Series(pd.NA, index=table.index, dtype="Float64")
    class_key = pd.Series(classes.astype(object).to_numpy(), index=table.index, dtype=object)
    has_type = (degree.notna() & class_key.notna()).to_numpy(dtype=bool)
    type_key = (class_key.astype(str) + "|" + degree.astype(str)).astype(object)
    type_key = type_key.where(has_type, None)
    values = table[ids].apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    values = np.where(np.isfinite(values), values, np.nan)
    med1, cnt1, others1 = _group_loo(values, type_key)
    med2, cnt2, _ = _group_loo(values, class_key)
    use_type = (others1 >= int(min_peers))[:, None]
    med = np.where(use_type, med1, med2)
    cnt = np.where(use_type, cnt1, cnt2)
    basis = np.where(use_type[:, 0], PEER_BASIS_SIZE_AND_TYPE, PEER_BASIS_SIZE)

    n, k = values.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((med != 0) & ~np.isnan(med), values / np.where(med != 0, med, 1.0), np.nan)
    index = pd.MultiIndex.from_arrays(
        [np.repeat(table.index.to_numpy(), k), np.tile(np.asarray(ids, dtype=object), n)],
        names=["ags", "indicator"],
    )
    out = pd.DataFrame(
        {
            "value": values.ravel(),
            "peer_median": med.ravel(),
            "difference": (values - med).ravel(),
            "ratio": ratio.ravel(),
            "n_peers": cnt.ravel(),
            "peer_basis": np.repeat(basis, k),
            "size_class": np.repeat(classes.astype(object).to_numpy(), k),
            "urban_degree": np.repeat(degree.to_numpy(), k),
        },
        index=index,
    )
    out["urban_degree"] = out["urban_degree"].astype("Int64")
    return out
