"""Indicators per municipality: per-capita supply, diversity, composite index, peers.

Quick start::

    import kulturplan as kp
    region = kp.demo.musterland(seed=0)
    table = kp.indicators.compute(region)                 # every catalog indicator
    table = kp.indicators.compute(region, ["sparten_vielfalt"], year=2024)
    index = kp.indicators.composite_index(table, ["einrichtungen_gesamt_je_10000",
                                                  "veranstaltungen_je_1000"])
    peers = kp.indicators.peer_comparison(region, table)

Every indicator is described in the catalog (``kulturplan/catalog/indicators.yaml``,
:func:`catalog`) and computed by the function registered under its ``method``
(:mod:`kulturplan.indicators._registry`). Indicator functions are pure: tables in,
Series/DataFrame indexed by AGS out.

Conventions
-----------
* Every municipality of the region is a row of the result, in region order.
* Per-capita values use ``region.municipalities["population"]``; 0 inhabitants give
  ``NaN`` (undefined), never ``inf``.
* Rows without a municipality (facilities outside every municipality, events at
  such venues, unknown AGS) are not counted; they are listed in ``region.report``.
  Events count for their venue's municipality when they have no AGS of their own.
* An empty table means "no data" (``NaN`` for all municipalities); in a non-empty
  table a municipality without rows gets 0. Capacity and volunteers: unknown values
  do not count; a municipality whose rows all lack the value gets ``NaN``.
* Year-based indicators (events, funding) use the latest year of their table, or
  ``year``; a year without data gives ``NaN``.

Reachability indicators (``kulturplan.indicators.reachability``, built on
:mod:`kulturplan.access`) register themselves here too; their own conventions are in
their catalog descriptions (e.g. 0 % within reach when the region has no facility of
a category).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
from collections.abc import Iterable
from contextvars import ContextVar

import pandas as pd

from kulturplan import catalog as _catalog
from kulturplan.errors import KulturplanError
from kulturplan.indicators import basic, change, composite, diversity, peers  # noqa: F401  (register)
from kulturplan.indicators._common import check_year
from kulturplan.indicators._registry import method as _method
from kulturplan.indicators.change import change_between_years
from kulturplan.indicators.composite import composite_index, normalise, normalise_table
from kulturplan.indicators.peers import SIZE_CLASSES, peer_comparison, size_class

# Indicator modules written by other parts of the project register themselves on import.
# They are optional only until they exist; once present, import errors must surface.
if importlib.util.find_spec("kulturplan.indicators.reachability") is not None:
    importlib.import_module("kulturplan.indicators.reachability")

__all__ = [
    "SIZE_CLASSES",
    "catalog",
    "change_between_years",
    "composite_index",
    "compute",
    "normalise",
    "normalise_table",
    "peer_comparison",
    "size_class",
]


# Results of the compute() call in progress, so that a method calling compute() itself
# (the composite index) reuses what is already computed for the same region and year.
_RUNNING: ContextVar[tuple | None] = ContextVar("kulturplan_indicators_running", default=None)


def catalog() -> pd.DataFrame:
    """Return the indicator catalog (families expanded), indexed by indicator id.

    See :func:`kulturplan.catalog.indicators` for the columns.
    """
    return _catalog.indicators()


def _unknown_ids_error(unknown: list[str], known: list[str]) -> KulturplanError:
    parts = []
    for i in unknown:
        close = difflib.get_close_matches(str(i), known, n=3, cutoff=0.6)
        parts.append(f"„{i}“" + (" (meinten Sie: " + ", ".join(close) + "?)" if close else ""))
    return KulturplanError(
        "Unbekannte Indikator-ID(s): "
        + "; ".join(parts)
        + ". Alle IDs liefert kulturplan.indicators.catalog()."
    )


def _accepts(func, name: str) -> bool:
    params = inspect.signature(func).parameters.values()
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def compute(
    region,
    ids: str | Iterable[str] | None = None,
    *,
    year: int | None = None,
) -> pd.DataFrame:
    """Compute indicators for every municipality of ``region``.

    Parameters
    ----------
    region
        A :class:`kulturplan.Region`.
    ids
        Indicator ids of the catalog (e.g. ``"einrichtungen_je_10000__bibliothek"``);
        all catalog indicators when ``None``.
    year
        Year for year-based indicators (events, funding); their latest data year
        when ``None``.

    Returns
    -------
    pandas.DataFrame
        One float column per requested id (in the requested or catalog order), indexed
        by the AGS of all municipalities.

    Raises
    ------
    kulturplan.errors.KulturplanError
        For unknown ids (the message lists similar ids) or an invalid year.

    Notes
    -----
    Each catalog method is called once, even when several ids of its family are
    requested.
    """
    year = check_year(year)
    cat = catalog()
    if ids is None:
        wanted = list(cat.index)
    else:
        wanted = [ids] if isinstance(ids, str) else list(ids)
        wanted = list(dict.fromkeys(str(i) for i in wanted))
        unknown = [i for i in wanted if i not in cat.index]
        if unknown:
            raise _unknown_ids_error(unknown, list(cat.index))
    running = _RUNNING.get()
    if running is not None and running[0] is region and running[1] == year:
        results: dict[tuple, pd.Series | pd.DataFrame] = running[2]
        token = None
    else:
        results = {}
        token = _RUNNING.set((region, year, results))
    try:
        return _compute(region, wanted, cat, year, results)
    finally:
        if token is not None:
            _RUNNING.reset(token)


def _compute(
    region, wanted: list[str], cat: pd.DataFrame, year: int | None, results: dict
) -> pd.DataFrame:
    index = pd.Index(region.municipalities.index, name="ags")
    columns: dict[str, pd.Series] = {}
    for ind in wanted:
        row = cat.loc[ind]
        params = dict(row["params"] or {})
        key = (row["method"], repr(sorted(params.items())))
        if key not in results:
            func = _method(row["method"])
            kwargs = dict(params)
            if _accepts(func, "year"):
                kwargs["year"] = year
            results[key] = func(region, **kwargs)
        result = results[key]
        if row["per"] is not None and not pd.isna(row["per"]):
            if not isinstance(result, pd.DataFrame) or row["key"] not in result.columns:
                raise KulturplanError(
                    f"Die Methode „{row['method']}“ liefert keine Spalte „{row['key']}“ "
                    f"für den Indikator „{ind}“."
                )
            series = result[row["key"]]
        else:
            if isinstance(result, pd.DataFrame):
                raise KulturplanError(
                    f"Die Methode „{row['method']}“ liefert eine Tabelle, für den Indikator "
                    f"„{ind}“ wird aber eine einzelne Spalte erwartet."
                )
            series = result
        columns[ind] = pd.to_numeric(series.reindex(index), errors="coerce").astype(float)
    out = pd.DataFrame(columns, index=index)
    out.columns.name = None
    return out
