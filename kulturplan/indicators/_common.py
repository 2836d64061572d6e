"""Small helpers shared by the indicator modules.

Conventions used by every indicator (see the package docstring of
:mod:`kulturplan.indicators`):

* Results are indexed by the AGS of **all** municipalities, in the order of the
  municipalities table.
* Rows without a municipality (``ags`` missing or not in the region) are not counted;
  the region lists them in :attr:`kulturplan.Region.report`.
* A per-capita value of a municipality with population 0 is ``NaN`` (undefined),
  never ``inf``.
* An empty input table means "no data" and gives ``NaN`` for every municipality; a
  municipality without rows in a non-empty table gets 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kulturplan.errors import ParameterError


def municipality_index(population: pd.Series) -> pd.Index:
    """Return the AGS index of ``population`` named ``ags``."""
    return pd.Index(population.index, name="ags")


def per_capita(counts: pd.Series | pd.DataFrame, population: pd.Series, per: float):
    """Return ``counts / population * per`` with ``NaN`` where the population is 0.

    Parameters
    ----------
    counts
        Counts or sums indexed by AGS (Series) or AGS × keys (DataFrame); reindexed to
        the municipalities of ``population``.
    population
        Inhabitants per municipality, indexed by AGS.
    per
        Reference size, e.g. ``10_000`` for "je 10.000 Einwohner:innen".
    """
    pop = pd.to_numeric(population, errors="coerce").astype(float)
    pop = pop.where(pop > 0)  # 0 inhabitants -> NaN, never inf
    index = municipality_index(population)
    if isinstance(counts, pd.DataFrame):
        counts = counts.reindex(index)
        out = counts.astype(float).div(pop.to_numpy(), axis=0) * per
        out.index = index
        return out
    counts = counts.reindex(index).astype(float)
    out = counts / pop.to_numpy() * per
    out.index = index
    return out


def assigned(frame: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Return the rows of ``frame`` whose ``ags`` is a municipality of ``population``."""
    if "ags" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["ags"].isin(set(population.index))]


def count_table(
    frame: pd.DataFrame,
    population: pd.Series,
    column: str,
    keys: Sequence[str],
    *,
    weights: str | None = None,
) -> pd.DataFrame:
    """Count (or sum ``weights``) rows per AGS × value of ``column``.

    Every municipality of ``population`` and every key of ``keys`` is present (0 when
    there are no rows); values of ``column`` that are not in ``keys`` are ignored.
    """
    index = municipality_index(population)
    rows = assigned(frame, population)
    rows = rows[rows[column].isin(list(keys))]
    if weights is None:
        values = pd.Series(1.0, index=rows.index)
    else:
        values = pd.to_numeric(rows[weights], errors="coerce").astype(float)
    table = (
        pd.DataFrame(
            {
                "ags": rows["ags"].astype(object).to_numpy(),
                "key": rows[column].astype(object).to_numpy(),
                "value": values.to_numpy(),
            }
        )
        .groupby(["ags", "key"])["value"]
        .sum()
        .unstack("key")
    )
    table = table.reindex(index=index, columns=list(keys)).fillna(0.0)
    table.columns.name = None
    return table


def nan_series(population: pd.Series, name: str | None = None) -> pd.Series:
    """Return a ``NaN`` Series over the municipalities of ``population``."""
    return pd.Series(np.nan, index=municipality_index(population), name=name, dtype=float)


def nan_frame(population: pd.Series, keys: Sequence[str]) -> pd.DataFrame:
    """Return a ``NaN`` DataFrame over the municipalities × ``keys``."""
    return pd.DataFrame(np.nan, index=municipality_index(population), columns=list(keys))


def check_year(year: object) -> int | None:
    """Return ``year`` as int (or ``None``); raise a German error if it is no year."""
    if year is None:
        return None
    if isinstance(year, bool):
        raise ParameterError(
            f"Jahr „{year}“ ist ungültig; erwartet wird eine Jahreszahl wie 2024."
        )
    try:
        value = int(year)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ParameterError(
            f"Jahr „{year}“ ist ungültig; erwartet wird eine Jahreszahl wie 2024."
        ) from None
    if value != year and not (isinstance(year, str) and year.strip().isdigit()):
        raise ParameterError(
            f"Jahr „{year}“ ist ungültig; erwartet wird eine Jahreszahl wie 2024."
        )
    return value
