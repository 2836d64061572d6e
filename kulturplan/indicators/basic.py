"""Per-capita indicators: facilities, capacity, events, volunteers, organisations, funding.

Every public function here is pure: tables in, a Series or DataFrame indexed by the
AGS of all municipalities out. The functions registered for the catalog (private
``_…`` wrappers at the end) only pick the tables out of a :class:`~kulturplan.Region`.

Conventions (also in :mod:`kulturplan.indicators`):

* Per-capita values use ``population`` of the municipalities table; a municipality
  with 0 inhabitants gets ``NaN`` (undefined), never ``inf``.
* Rows without a municipality (facility outside every municipality, event at such a
  venue, AGS not in the region) are not counted; the region lists them in
  :attr:`kulturplan.Region.report`. Events count for the municipality of their venue
  (``facility_id``) when they have no ``ags`` of their own — the region fills that in.
* An empty table means "no data": every municipality gets ``NaN``. In a non-empty
  table a municipality without rows gets 0.
* Year-based indicators use the latest year found in the table, or ``year`` when
  given; a year without any rows in the table gives ``NaN`` everywhere (no data for
  that year).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kulturplan import catalog as _catalog
from kulturplan.indicators._common import (
    assigned,
    check_year,
    count_table,
    municipality_index,
    nan_frame,
    nan_series,
    per_capita,
)
from kulturplan.indicators._registry import register
from kulturplan.indicators.change import available_years, change_between_years

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = [
    "capacity_per_1000",
    "event_years",
    "events_per_1000",
    "events_per_1000_by_category",
    "events_per_1000_by_target_group",
    "facilities_per_10k",
    "facilities_total_per_10k",
    "facility_counts",
    "is_own_facility",
    "own_facilities",
    "funding_per_capita_by_source",
    "organisations_per_10k",
    "public_funding_change",
    "public_funding_per_capita",
    "volunteers_per_1000",
]

TARGET_GROUP_SEPARATORS = r"\s*[,;|/]\s*"
"""Separators of several target groups in one ``target_group`` cell ("kinder; familien")."""


# -- facilities --------------------------------------------------------------------------
def is_own_facility(region: Region) -> pd.Series:
    """Whether each facility lies in a municipality of the region (the Kreis's own).

    A region may carry facilities beyond its municipalities (a Land-wide list, or
    neighbours near the border): they count for reachability, because people cross the
    Kreis border, but not for key figures, counts by Sparte or per-capita indicators.
    Their ``ags`` is missing (point in no municipality) or names a municipality of
    another Kreis.
    """
    fac = region.facilities
    if "ags" not in fac.columns:
        return pd.Series(False, index=fac.index)
    return fac["ags"].isin(set(region.municipalities.index))


def own_facilities(region: Region) -> pd.DataFrame:
    """The facilities of the region's own municipalities (see :func:`is_own_facility`)."""
    return region.facilities[is_own_facility(region).to_numpy()]


def facility_counts(region: Region) -> pd.Series:
    """Number of the region's own facilities per category id (catalog order, 0 included)."""
    fac = own_facilities(region)
    return (fac["category"].value_counts().reindex(_catalog.category_ids(), fill_value=0)
            .astype(int))


def facilities_per_10k(facilities: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Facilities per 10,000 inhabitants, one column per catalog category.

    Parameters
    ----------
    facilities
        Facilities with ``category`` and ``ags``.
    population
        Inhabitants per municipality, indexed by AGS.

    Returns
    -------
    pandas.DataFrame
        AGS × category id; ``count / population * 10_000``.
    """
    keys = _catalog.category_ids()
    if len(facilities) == 0:
        return nan_frame(population, keys)
    counts = count_table(facilities, population, "category", keys)
    return per_capita(counts, population, 10_000)


def facilities_total_per_10k(facilities: pd.DataFrame, population: pd.Series) -> pd.Series:
    """All cultural facilities per 10,000 inhabitants (every category counts once)."""
    if len(facilities) == 0:
        return nan_series(population)
    rows = assigned(facilities, population)
    counts = rows.groupby("ags").size().astype(float)
    counts = counts.reindex(municipality_index(population)).fillna(0.0)
    return per_capita(counts, population, 10_000)


def capacity_per_1000(facilities: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Known capacity (seats/places) of all facilities per 1,000 inhabitants.

    Facilities without a capacity do not count (the sum is a lower bound). A
    municipality without any facility has 0 places; a municipality whose facilities
    all lack a capacity gets ``NaN`` (unknown, not zero). No ``capacity`` column
    means no facility has a known capacity.
    """
    if len(facilities) == 0:
        return nan_series(population)
    rows = assigned(facilities, population)
    if "capacity" in rows.columns:
        cap = pd.to_numeric(rows["capacity"], errors="coerce").astype(float)
    else:
        cap = pd.Series(np.nan, index=rows.index, dtype=float)
    frame = pd.DataFrame(
        {"ags": rows["ags"].astype(object).to_numpy(), "cap": cap.to_numpy()}
    ).groupby("ags")["cap"].agg(["size", "count", "sum"])
    index = municipality_index(population)
    frame = frame.reindex(index)
    total = frame["sum"].where(frame["count"] > 0)  # facilities, none with capacity: NaN
    total = total.where(frame["size"].notna(), 0.0)  # no facility at all: 0 places
    return per_capita(total, population, 1_000)


# -- events ------------------------------------------------------------------------------
def _event_year_values(events: pd.DataFrame) -> pd.Series:
    start = events["start"]
    if not pd.api.types.is_datetime64_any_dtype(start):
        start = pd.to_datetime(start, errors="coerce", utc=True)
    return start.dt.year


def event_years(events: pd.DataFrame, population: pd.Series | None = None) -> list[int]:
    """Years in which events take place (of events in the region when ``population`` given)."""
    if len(events) == 0 or "start" not in events.columns:
        return []
    rows = assigned(events, population) if population is not None else events
    return sorted({int(y) for y in _event_year_values(rows).dropna()})


def _events_of_year(
    events: pd.DataFrame, population: pd.Series, year: int | None
) -> pd.DataFrame | None:
    """Events of the region in ``year`` (latest year if ``None``); ``None`` = no data."""
    year = check_year(year)
    if len(events) == 0:
        return None
    rows = assigned(events, population)
    years = _event_year_values(rows)
    if year is None:
        if years.notna().sum() == 0:
            return None
        year = int(years.max())
    selected = rows[(years == year).to_numpy()]
    if len(selected) == 0:
        return None
    return selected


def events_per_1000(
    events: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.Series:
    """Events per 1,000 inhabitants in ``year`` (latest year of the data by default).

    Events count for their ``ags`` (filled from the venue by the region). Events whose
    venue lies outside the region are not counted.
    """
    rows = _events_of_year(events, population, year)
    if rows is None:
        return nan_series(population)
    counts = rows.groupby("ags").size().astype(float)
    counts = counts.reindex(municipality_index(population)).fillna(0.0)
    return per_capita(counts, population, 1_000)


def events_per_1000_by_category(
    events: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.DataFrame:
    """Events per 1,000 inhabitants in ``year``, one column per category."""
    keys = _catalog.category_ids()
    rows = _events_of_year(events, population, year)
    if rows is None:
        return nan_frame(population, keys)
    return per_capita(count_table(rows, population, "category", keys), population, 1_000)


def events_per_1000_by_target_group(
    events: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.DataFrame:
    """Events per 1,000 inhabitants in ``year``, one column per target group.

    A cell may name several target groups separated by ``,``, ``;``, ``|`` or ``/``
    ("kinder; familien"); such an event counts once for each of them. Values are
    compared case-insensitively with the ids of ``catalog.TARGET_GROUPS``; events
    without a (known) target group count for no target group. Without a
    ``target_group`` column, or when no event of the year has one, the result is
    ``NaN`` (no data).
    """
    keys = list(_catalog.TARGET_GROUPS)
    rows = _events_of_year(events, population, year)
    if rows is None or "target_group" not in rows.columns or rows["target_group"].isna().all():
        return nan_frame(population, keys)
    # split only the distinct cell values (few), then count events per (ags, cell value)
    codes, uniques = pd.factorize(rows["target_group"].astype(object), use_na_sentinel=True)
    split = pd.Series(
        [
            sorted({g for g in re.split(TARGET_GROUP_SEPARATORS, str(u).strip().lower()) if g})
            for u in uniques
        ],
        dtype=object,
    )
    mapping = pd.DataFrame({"code": np.arange(len(uniques)), "target_group": split}).explode(
        "target_group"
    )  # a group named twice in one cell counts once (set above)
    per_cell = (
        pd.DataFrame({"ags": rows["ags"].astype(object).to_numpy(), "code": codes})
        .loc[lambda f: f["code"] >= 0]
        .groupby(["ags", "code"])
        .size()
        .rename("n")
        .reset_index()
    )
    long = per_cell.merge(mapping.dropna(), on="code")
    counts = count_table(long, population, "target_group", keys, weights="n")
    return per_capita(counts, population, 1_000)


# -- organisations -----------------------------------------------------------------------
def volunteers_per_1000(organisations: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Volunteers (Ehrenamtliche) in cultural organisations per 1,000 inhabitants.

    Organisations without a volunteer count do not count. A municipality without
    organisations has 0 volunteers; one whose organisations all lack the count gets
    ``NaN`` (unknown). Without a ``volunteers`` column the result is ``NaN``.
    """
    if len(organisations) == 0 or "volunteers" not in organisations.columns:
        return nan_series(population)
    rows = assigned(organisations, population)
    vol = pd.to_numeric(rows["volunteers"], errors="coerce").astype(float)
    frame = pd.DataFrame(
        {"ags": rows["ags"].astype(object).to_numpy(), "v": vol.to_numpy()}
    ).groupby("ags")["v"].agg(["size", "count", "sum"])
    frame = frame.reindex(municipality_index(population))
    total = frame["sum"].where(frame["count"] > 0).where(frame["size"].notna(), 0.0)
    return per_capita(total, population, 1_000)


def organisations_per_10k(organisations: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Cultural organisations (Vereine, initiatives) per 10,000 inhabitants."""
    if len(organisations) == 0:
        return nan_series(population)
    counts = assigned(organisations, population).groupby("ags").size().astype(float)
    counts = counts.reindex(municipality_index(population)).fillna(0.0)
    return per_capita(counts, population, 10_000)


# -- funding -----------------------------------------------------------------------------
def _funding_year(funding: pd.DataFrame, population: pd.Series, year: int | None):
    """Rows of the region and the selected year; ``(None, None)`` when there is no data."""
    year = check_year(year)
    if len(funding) == 0:
        return None, None
    rows = assigned(funding, population)
    years = available_years(rows)
    if not years:
        return None, None
    if year is None:
        year = years[-1]
    if year not in years:
        return None, year
    return rows[pd.to_numeric(rows["year"]) == year], year


def funding_per_capita_by_source(
    funding: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.DataFrame:
    """Cultural funding in EUR per inhabitant in ``year``, one column per source.

    Sums ``amount_eur`` over all categories (including "allgemein") per source; the
    latest year of the data by default.
    """
    keys = list(_catalog.FUNDING_SOURCES)
    rows, _ = _funding_year(funding, population, year)
    if rows is None:
        return nan_frame(population, keys)
    sums = count_table(rows, population, "source", keys, weights="amount_eur")
    return per_capita(sums, population, 1)


def public_funding_per_capita(
    funding: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.Series:
    """Public cultural funding (``catalog.PUBLIC_FUNDING_SOURCES``) in EUR per inhabitant."""
    rows, _ = _funding_year(funding, population, year)
    if rows is None:
        return nan_series(population)
    public = list(_catalog.PUBLIC_FUNDING_SOURCES)
    sums = count_table(rows, population, "source", public, weights="amount_eur").sum(axis=1)
    return per_capita(sums, population, 1)


def public_funding_change(
    funding: pd.DataFrame, population: pd.Series, year: int | None = None
) -> pd.Series:
    """Relative change (%) of public funding per inhabitant to the previous data year.

    Compares ``year`` (the latest year by default) with the latest earlier year in
    the data: ``100 * (F_b - F_a) / F_a`` with public funding ``F`` of the
    municipality. Both years are divided by the same (current) population, so the
    change per inhabitant equals the change of the totals. ``NaN`` where the earlier
    amount is 0 (no percentage from nothing), where the population is 0, or when the
    data hold fewer than two years up to ``year``.
    """
    year = check_year(year)
    if len(funding) == 0:
        return nan_series(population)
    rows = assigned(funding, population)
    public = rows[rows["source"].isin(list(_catalog.PUBLIC_FUNDING_SOURCES))]
    years = available_years(rows)
    year_b = years[-1] if (year is None and years) else year
    if year_b not in years:
        return nan_series(population)
    earlier = [y for y in years if y < year_b]
    if not earlier:
        return nan_series(population)
    change = _change_with_years(public, earlier[-1], year_b, municipality_index(population))
    pop = pd.to_numeric(population, errors="coerce").astype(float)
    return change.where(pop.to_numpy() > 0)


def _change_with_years(
    public: pd.DataFrame, year_a: int, year_b: int, index: pd.Index
) -> pd.Series:
    """Relative change of public funding; years are taken from all funding rows.

    A year with only non-public money is still a data year in which public funding was
    0; zero rows without AGS make sure :func:`change_between_years` sees both years.
    """
    pad = pd.DataFrame(
        {"ags": [None, None], "year": [year_a, year_b], "amount_eur": [0.0, 0.0]}
    )
    frame = pd.concat(
        [public[["ags", "year", "amount_eur"]], pad], ignore_index=True
    )
    result = change_between_years(frame, "amount_eur", year_a, year_b, index=index)
    out = result["relative_pct"]
    out.index = index
    return out


# -- catalog methods ---------------------------------------------------------------------
@register("facilities_per_10k")
def _m_facilities_per_10k(region: Region) -> pd.DataFrame:
    return facilities_per_10k(region.facilities, region.population)


@register("facilities_total_per_10k")
def _m_facilities_total_per_10k(region: Region) -> pd.Series:
    return facilities_total_per_10k(region.facilities, region.population)


@register("capacity_per_1000")
def _m_capacity_per_1000(region: Region) -> pd.Series:
    return capacity_per_1000(region.facilities, region.population)


@register("events_per_1000", uses_year=True)
def _m_events_per_1000(region: Region, *, year: int | None = None) -> pd.Series:
    return events_per_1000(region.events, region.population, year)


@register("events_per_1000_by_category", uses_year=True)
def _m_events_per_1000_by_category(region: Region, *, year: int | None = None) -> pd.DataFrame:
    return events_per_1000_by_category(region.events, region.population, year)


@register("events_per_1000_by_target_group", uses_year=True)
def _m_events_per_1000_by_target_group(region: Region, *, year: int | None = None) -> pd.DataFrame:
    return events_per_1000_by_target_group(region.events, region.population, year)


@register("volunteers_per_1000")
def _m_volunteers_per_1000(region: Region) -> pd.Series:
    return volunteers_per_1000(region.organisations, region.population)


@register("organisations_per_10k")
def _m_organisations_per_10k(region: Region) -> pd.Series:
    return organisations_per_10k(region.organisations, region.population)


@register("public_funding_per_capita", uses_year=True)
def _m_public_funding_per_capita(region: Region, *, year: int | None = None) -> pd.Series:
    return public_funding_per_capita(region.funding, region.population, year)


@register("funding_per_capita_by_source", uses_year=True)
def _m_funding_per_capita_by_source(region: Region, *, year: int | None = None) -> pd.DataFrame:
    return funding_per_capita_by_source(region.funding, region.population, year)


@register("public_funding_change", uses_year=True)
def _m_public_funding_change(region: Region, *, year: int | None = None) -> pd.Series:
    return public_funding_change(region.funding, region.population, year)
