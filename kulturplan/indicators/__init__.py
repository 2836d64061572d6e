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
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from kulturplan import catalog as _catalog
from kulturplan.errors import KulturplanError, UnknownIndicatorError

# The modules below register their catalog methods with @register when imported.
from kulturplan.indicators import (  # noqa: F401  (registration)
    basic,
    change,
    composite,
    diversity,
    peers,
    reachability,
)
from kulturplan.indicators._common import check_year
from kulturplan.indicators._registry import Method
from kulturplan.indicators._registry import method as _method
from kulturplan.indicators.change import change_between_years
from kulturplan.indicators.composite import composite_index, normalise, normalise_table
from kulturplan.indicators.peers import SIZE_CLASSES, peer_comparison, size_class

if TYPE_CHECKING:
    from kulturplan.region import Region

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


def catalog(region: Region | None = None) -> pd.DataFrame:
    """Return the indicator catalog (families expanded), indexed by indicator id.

    See :func:`kulturplan.catalog.indicators` for the columns. With ``region`` the labels
    and descriptions of the indicators in minutes say how :func:`compute` measures travel
    time for it (:func:`kulturplan.indicators.reachability.travel_basis`: car times on
    the road network of its OSM file, or estimated from the straight line).
    """
    return _catalog.indicators(travel=reachability.travel_basis(region))


def _unknown_ids_error(unknown: list[str], known: list[str]) -> UnknownIndicatorError:
    parts = []
    for i in unknown:
        close = difflib.get_close_matches(str(i), known, n=3, cutoff=0.6)
        parts.append(f"„{i}“" + (" (meinten Sie: " + ", ".join(close) + "?)" if close else ""))
    return UnknownIndicatorError(
        "Unbekannte Indikator-ID(s): "
        + "; ".join(parts)
        + ". Alle IDs liefert kulturplan.indicators.catalog()."
    )


def _check_ids(ids: str | Iterable[str] | None, cat: pd.DataFrame) -> list[str]:
    if ids is None:
        return list(cat.index)
    wanted = [ids] if isinstance(ids, str) else list(ids)
    wanted = list(dict.fromkeys(str(i) for i in wanted))
    unknown = [i for i in wanted if i not in cat.index]
    if unknown:
        raise _unknown_ids_error(unknown, list(cat.index))
    return wanted


def compute(
    region: Region,
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
    kulturplan.errors.UnknownIndicatorError
        For unknown ids (the message lists similar ids).
    kulturplan.errors.ParameterError
        For an invalid year.

    Notes
    -----
    Each catalog method is called once per call, even when several ids of its family
    are requested or an indicator is also a component of the composite index: a method
    registered with ``depends_on`` (see :mod:`kulturplan.indicators._registry`) gets
    its components computed first, into the same results.
    """
    year = check_year(year)
    cat = catalog()
    wanted = _check_ids(ids, cat)
    return _Computation(region, cat, year).table(wanted)


class _Computation:
    """One :func:`compute` call: method results keyed by (method, params)."""

    def __init__(self, region: Region, cat: pd.DataFrame, year: int | None) -> None:
        self.region = region
        self.cat = cat
        self.year = year
        self.index = pd.Index(region.municipalities.index, name="ags")
        self.results: dict[tuple[str, str], pd.Series | pd.DataFrame] = {}
        self.running: set[tuple[str, str]] = set()

    def table(self, ids: list[str]) -> pd.DataFrame:
        out = pd.DataFrame({i: self.column(i) for i in ids}, index=self.index)
        out.columns.name = None
        return out

    def column(self, ind: str) -> pd.Series:
        row = self.cat.loc[ind]
        result = self.result(row)
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
        return pd.to_numeric(series.reindex(self.index), errors="coerce").astype(float)

    def result(self, row: pd.Series) -> pd.Series | pd.DataFrame:
        params: dict[str, Any] = dict(row["params"] or {})
        key = (str(row["method"]), repr(sorted(params.items())))
        if key not in self.results:
            if key in self.running:
                raise KulturplanError(
                    f"Die Indikator-Methode „{row['method']}“ hängt von sich selbst ab "
                    "(Katalogparameter prüfen)."
                )
            self.running.add(key)
            self.results[key] = self.call(_method(row["method"]), params)
            self.running.discard(key)
        return self.results[key]

    def call(self, method: Method, params: dict[str, Any]) -> pd.Series | pd.DataFrame:
        kwargs = dict(params)
        if method.uses_year:
            kwargs["year"] = self.year
        if method.depends_on is None:
            return method.func(self.region, **kwargs)
        components = _check_ids(params.get(method.depends_on, ()), self.cat)
        return method.func(self.table(components), **kwargs)
