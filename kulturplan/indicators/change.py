"""Change of a value between two years (for tables with a ``year`` column).

Used by the funding indicator ``foerderung_veraenderung`` and usable for any table
with years (funding, events per year, future population series).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kulturplan.errors import ParameterError
from kulturplan.indicators._common import check_year


def available_years(frame: pd.DataFrame, year_col: str = "year") -> list[int]:
    """Return the sorted distinct years of ``frame[year_col]`` (empty list if none)."""
    if year_col not in frame.columns or len(frame) == 0:
        return []
    years = pd.to_numeric(frame[year_col], errors="coerce").dropna()
    return sorted({int(y) for y in years})


def change_between_years(
    frame: pd.DataFrame,
    value_col: str,
    year_a: int,
    year_b: int,
    *,
    by: str = "ags",
    year_col: str = "year",
    index: Sequence[str] | pd.Index | None = None,
) -> pd.DataFrame:
    """Return the change of ``value_col`` (summed per ``by``) from ``year_a`` to ``year_b``.

    Parameters
    ----------
    frame
        Long table with columns ``by``, ``year_col`` and ``value_col`` (e.g. the
        funding table of a region).
    value_col
        Column to sum, e.g. ``"amount_eur"``.
    year_a, year_b
        The earlier (reference) and the later year. Both must occur in the data.
    by
        Grouping column, by default ``"ags"``.
    year_col
        Column holding the year.
    index
        Keys the result is reindexed to (e.g. all AGS of a region). A key without rows
        in a year counts 0 in that year — the year is in the data, the group simply has
        no entry. By default the keys present in either year.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``, columns ``value_a`` and ``value_b`` (sums; ``NaN`` only if
        every value of the group is missing), ``absolute`` = ``value_b - value_a`` and
        ``relative_pct`` = ``100 * (value_b - value_a) / value_a``. ``relative_pct`` is
        ``NaN`` where ``value_a`` is 0 (a change from nothing has no percentage;
        ``absolute`` still shows it).

    Raises
    ------
    kulturplan.errors.ParameterError
        If a column is missing, the years are equal or invalid, or a year does not
        occur in the data.
    """
    missing = [c for c in (by, year_col, value_col) if c not in frame.columns]
    if missing:
        raise ParameterError(
            "Für die Veränderung zwischen zwei Jahren fehlen Spalte(n) "
            + ", ".join(f"„{c}“" for c in missing)
            + ". Vorhandene Spalten: "
            + ", ".join(map(str, frame.columns))
            + "."
        )
    a, b = check_year(year_a), check_year(year_b)
    if a is None or b is None:
        raise ParameterError("Für die Veränderung müssen zwei Jahre angegeben werden.")
    if a == b:
        raise ParameterError(
            f"Für die Veränderung werden zwei verschiedene Jahre gebraucht, beide sind {a}."
        )
    years = available_years(frame, year_col)
    absent = [y for y in (a, b) if y not in years]
    if absent:
        raise ParameterError(
            "Für das Jahr "
            + " und ".join(str(y) for y in absent)
            + f" gibt es keine Daten in Spalte „{year_col}“; vorhanden: "
            + (", ".join(map(str, years)) if years else "keine")
            + "."
        )
    year = pd.to_numeric(frame[year_col], errors="coerce")
    values = pd.to_numeric(frame[value_col], errors="coerce").astype(float)
    sums = {}
    for label, y in (("value_a", a), ("value_b", b)):
        rows = year == y
        sums[label] = (
            pd.DataFrame({"key": frame.loc[rows, by].to_numpy(), "v": values[rows].to_numpy()})
            .groupby("key")["v"]
            .sum(min_count=1)
        )
    out = pd.DataFrame(sums)
    if index is not None:
        out = out.reindex(pd.Index(index))
    for col, y in (("value_a", a), ("value_b", b)):
        has_rows = out.index.isin(set(frame.loc[year == y, by].dropna()))
        out[col] = out[col].where(has_rows, 0.0)
    out.index.name = by
    out["absolute"] = out["value_b"] - out["value_a"]
    base = out["value_a"].where(out["value_a"] != 0)
    out["relative_pct"] = (out["absolute"] / base * 100.0).replace([np.inf, -np.inf], np.nan)
    out.attrs["year_a"], out.attrs["year_b"] = a, b
    return out
