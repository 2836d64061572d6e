"""Needs against supply: potential users per municipality and Sparte versus places in reach.

For every municipality :math:`m` and Sparte :math:`c` (optionally by age group):

**Demand** (potential users) — the adult population by age group times the
weighted usage rate of that age group (e.g. the share who used the offer at least
once in the last 12 months, from the raked survey):

.. math:: D_{mc} = \\sum_a P_{ma} \\, r_{ca}

with the population of today or of a projection year. Using the Kreis-wide rate of
each age group (not the municipality's own, often few answers) makes demand a
*need* that does not already reflect the lack of supply near home, and lets the
projection year show the effect of ageing. The interval of the rate
:math:`[r^-, r^+]` (Wilson with the effective sample size) gives
:math:`[D^-, D^+] = [\\sum_a P_{ma} r^-_{ca}, \\sum_a P_{ma} r^+_{ca}]` — conservative,
as if the errors of the age groups were perfectly correlated.

**Supply in reach** — places (capacity) the municipality's residents can reach:
the E2SFCA accessibility :math:`A_i` (Luo & Qi 2009; :func:`kulturplan.access.
enhanced_two_step_fca`, places per inhabitant with distance decay and competition
between places) averaged over the municipality's population points, times its
population: :math:`S_{mc} = P_m \\bar A_{mc}`. Facilities without a capacity count
with the median capacity of their Sparte (reported).

**Ratio** — places per 1,000 potential users :math:`R = 1000\\, S / D` with the
interval :math:`[1000\\, S / D^+, 1000\\, S / D^-]`. The reference is by default the
Kreis ratio of today, :math:`1000 \\sum S / \\sum D`. A municipality is flagged as a
**gap** only when the whole interval lies below ``gap_below`` times the reference
(default: less than half the Kreis value), and as **above** only when the whole
interval lies above the reference; otherwise the data do not say (``"im Rahmen"``).
Half the Kreis value is a planning convention of kulturplan, not a norm: pass
another ``gap_below`` where the Kreis has set its own standard.

References
----------
Luo, W., & Qi, Y. (2009). An enhanced two-step floating catchment area (E2SFCA)
method for measuring spatial accessibility to primary care physicians. *Health &
Place* 15(4), 1100–1107.

Kish, L. (1965). *Survey Sampling*. New York: Wiley (effective sample size).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.access import E2SFCA_STEPS, enhanced_two_step_fca
from kulturplan.demand import aggregate, population_points
from kulturplan.errors import ParameterError, Problem

__all__ = [
    "STATUS_LABELS",
    "SupplyReport",
    "compare_needs_supply",
    "demand_table",
    "needs_against_supply",
    "supply_in_reach",
]

STATUS_LABELS: dict[str, str] = {
    "gap": "Lücke",
    "ok": "im Rahmen",
    "above": "über dem Kreiswert",
    "too_few": "zu wenige Antworten",
    "no_demand": "kein Bedarf berechenbar",
}
"""Status of a municipality × Sparte (id → German label)."""

ADULT_GROUPS: tuple[str, ...] = ("18_29", "30_64", "65_plus")
"""Age groups of the standard questionnaire (value ``X`` ↔ population column ``pop_X``)."""


@dataclass(frozen=True)
class SupplyReport:
    """What the supply side assumed: facilities counted with an assumed capacity."""

    assumed_capacity: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def notes(self) -> list[str]:
        """German sentences for the page next to the table."""
        out = []
        for cat, k in self.assumed_capacity.items():
            if k:
                out.append(
                    f"{catalog.category_label(cat, plural=True)}: {k} ohne Platzzahl, gezählt mit "
                    "dem Median ihrer Sparte."
                )
        return out


def _band_column(group: str) -> str:
    return f"pop_{group}"


def demand_table(population: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Potential users per municipality and Sparte from age-specific rates.

    Parameters
    ----------
    population
        Residents per municipality (index AGS) with the columns ``pop_18_29``,
        ``pop_30_64``, ``pop_65_plus`` (e.g. the region's municipalities or
        :meth:`kulturplan.needs.demography.Projection.year`).
    rates
        Long table with ``sparte``, ``age_group``, ``estimate``, ``ci_low``,
        ``ci_high``, ``n`` and optionally ``suppressed`` (e.g.
        ``sparte_table(survey, w, by="age_group")``). A suppressed or missing rate
        makes the demand of that Sparte unknown (NaN), never silently zero.

    Returns
    -------
    pandas.DataFrame
        Long: ``ags``, ``sparte``, ``adults``, ``demand``, ``demand_low``,
        ``demand_high``, ``n`` (respondents behind the smallest age-group rate).
    """
    need = {"sparte", "age_group", "estimate", "ci_low", "ci_high", "n"}
    missing = need - set(rates.columns)
    if missing:
        raise ParameterError("rates: es fehlen die Spalten " + ", ".join(sorted(missing)) + ".")
    groups = sorted(set(rates["age_group"].astype(str)))
    cols = [_band_column(g) for g in groups]
    absent = [c for c in cols if c not in population.columns]
    if absent:
        raise ParameterError(
            "population: es fehlen die Altersgruppen " + ", ".join(absent) + " (gebraucht für "
            "die Altersgruppen der Befragung)."
        )
    r = rates.copy()
    r["age_group"] = r["age_group"].astype(str)
    if "suppressed" in r.columns:
        bad = r["suppressed"].fillna(False).astype(bool).to_numpy()
        r.loc[bad, ["estimate", "ci_low", "ci_high"]] = np.nan
    pop = population[cols].astype(float).to_numpy()  # (m, a)
    out = []
    for sparte, part in r.groupby("sparte", sort=False):
        part = part.set_index("age_group").reindex(groups)
        est = part["estimate"].to_numpy(dtype=float)
        low = part["ci_low"].to_numpy(dtype=float)
        high = part["ci_high"].to_numpy(dtype=float)
        out.append(pd.DataFrame({
            "ags": population.index.astype(str),
            "sparte": sparte,
            "adults": pop.sum(axis=1),
            "demand": pop @ est,
            "demand_low": pop @ low,
            "demand_high": pop @ high,
            "n": float(part["n"].min()),
        }))
    if not out:
        return pd.DataFrame(columns=["ags", "sparte", "adults", "demand", "demand_low",
                                     "demand_high", "n"])
    return pd.concat(out, ignore_index=True)


def _capacities(facilities: pd.DataFrame, category: str) -> tuple[pd.DataFrame, int]:
    """Stationary facilities of ``category`` with a capacity (median where missing)."""
    fac = facilities[facilities["category"] == category]
    if "mobile" in fac.columns:
        fac = fac[~fac["mobile"].fillna(False).astype(bool)]
    fac = fac.copy()
    if "capacity" in fac.columns:
        cap = pd.to_numeric(fac["capacity"], errors="coerce")
    else:
        cap = pd.Series(np.nan, index=fac.index)
    k = int(cap.isna().sum())
    median = cap.median()
    fac["places"] = cap.fillna(median if np.isfinite(median) else 1.0)
    return fac, k


def supply_in_reach(
    region: Any,
    categories: Sequence[str],
    *,
    population: pd.Series | None = None,
    weights: Mapping[float, float] = E2SFCA_STEPS,
    cell_km: float = 1.0,
    cost: str = "minutes",
) -> tuple[pd.DataFrame, SupplyReport]:
    """Places in reach of each municipality's residents, per Sparte (E2SFCA).

    Parameters
    ----------
    region
        The region (municipalities with polygons and population, facilities).
    categories
        Sparten (category ids) to compute.
    population
        Total population per municipality (index AGS) of a projection year; the
        population points of each municipality are scaled to it (same spread within
        the municipality). Default: today's population.
    weights
        Step weights of the E2SFCA (default Luo & Qi 2009: 10/20/30 minutes).
    cell_km
        Cell size of the population points (:func:`kulturplan.demand.population_points`).
    cost
        ``"minutes"`` (estimated car time, default) or ``"euclidean"`` (km).

    Returns
    -------
    (pandas.DataFrame, SupplyReport)
        Long table ``ags``, ``sparte``, ``population``, ``places_per_1000``
        (E2SFCA × 1,000) and ``places`` (places attributable to the residents); the
        report lists facilities counted with an assumed capacity.
    """
    points = population_points(region, cell_km)
    if population is not None:
        base = points.groupby("ags")["population"].sum()
        factor = (population.reindex(base.index).astype(float) / base.where(base > 0)).fillna(0.0)
        points["population"] = points["population"] * points["ags"].map(factor).to_numpy()
    assumed: dict[str, int] = {}
    rows = []
    for cat in categories:
        fac, k = _capacities(region.facilities, cat)
        assumed[cat] = k
        if len(fac) == 0:
            values = pd.Series(0.0, index=points.index)
        else:
            values = enhanced_two_step_fca(
                points, fac, weights, demand_col="population", supply_col="places", cost=cost
            )
        agg = aggregate(values, points, by="ags")
        rows.append(pd.DataFrame({
            "ags": agg.index.astype(str),
            "sparte": cat,
            "population": agg["population"].to_numpy(),
            "places_per_1000": agg["mean"].fillna(0.0).to_numpy() * 1000.0,
            "places": (agg["mean"].fillna(0.0) * agg["population"]).to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True), SupplyReport(assumed_capacity=assumed)


def needs_against_supply(
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    reference: Mapping[str, float] | None = None,
    gap_below: float = 0.5,
) -> pd.DataFrame:
    """Places per 1,000 potential users with its interval, flagged where the interval says so.

    Parameters
    ----------
    demand
        From :func:`demand_table` (``ags``, ``sparte``, ``demand``, ``demand_low``,
        ``demand_high``, ``n``).
    supply
        ``ags``, ``sparte``, ``places`` (e.g. from :func:`supply_in_reach`).
    reference
        Places per 1,000 potential users to compare with, per Sparte; default the Kreis
        value of these tables (:math:`1000 \\sum S / \\sum D`). Pass today's reference
        when comparing a projection year, so that a general decline shows.
    gap_below
        A gap is flagged where even the upper end of the interval is below
        ``gap_below × reference`` (default 0.5).

    Returns
    -------
    pandas.DataFrame
        Long: the demand and supply columns plus ``ratio``, ``ratio_low``,
        ``ratio_high``, ``reference``, ``status`` (``gap``, ``ok``, ``above``,
        ``too_few``, ``no_demand``) and ``status_label`` (German).
    """
    table = demand.merge(supply[["ags", "sparte", "places"]], on=["ags", "sparte"], how="left",
                         validate="one_to_one")
    table["places"] = table["places"].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ratio"] = 1000.0 * table["places"] / table["demand"]
        table["ratio_low"] = 1000.0 * table["places"] / table["demand_high"]
        table["ratio_high"] = 1000.0 * table["places"] / table["demand_low"]
    known = table["demand"].notna()
    if reference is None:
        sums = table[known].groupby("sparte")[["places", "demand"]].sum()
        ref = (1000.0 * sums["places"] / sums["demand"].where(sums["demand"] > 0)).to_dict()
    else:
        ref = dict(reference)
    table["reference"] = table["sparte"].map(ref).astype(float)
    status = np.full(len(table), "ok", dtype=object)
    if not 0 < gap_below <= 1:
        raise ParameterError(f"gap_below muss zwischen 0 und 1 liegen, erhalten: {gap_below!r}.")
    status[(table["ratio_high"] < gap_below * table["reference"]).to_numpy()] = "gap"
    status[(table["ratio_low"] > table["reference"]).to_numpy()] = "above"
    status[(known & ~(table["demand"] > 0)).to_numpy()] = "no_demand"
    status[(~known).to_numpy()] = "too_few"
    table["status"] = status
    table["status_label"] = table["status"].map(STATUS_LABELS)
    return table


def compare_needs_supply(
    region: Any,
    rates: pd.DataFrame,
    *,
    population: pd.DataFrame | None = None,
    reference: Mapping[str, float] | None = None,
    gap_below: float = 0.5,
    **supply_kwargs: Any,
) -> tuple[pd.DataFrame, SupplyReport]:
    """:func:`demand_table`, :func:`supply_in_reach` and :func:`needs_against_supply` in one.

    Parameters
    ----------
    region
        The region.
    rates
        Age-specific weighted rates per Sparte (see :func:`demand_table`).
    population
        Residents by age group per municipality of a projection year (columns
        ``pop_0_5 … pop_65_plus``, index AGS); default the region's of today.
    reference, gap_below
        See :func:`needs_against_supply`.
    supply_kwargs
        Passed to :func:`supply_in_reach` (``weights``, ``cell_km``, ``cost``).
    """
    today = region.municipalities
    pop = today if population is None else population
    demand = demand_table(pop, rates)
    total = None
    if population is not None:
        bands = [c for c in catalog.AGE_GROUPS if c in population.columns]
        total = population["population"] if "population" in population.columns else (
            population[bands].sum(axis=1))
    supply, report = supply_in_reach(
        region, list(dict.fromkeys(demand["sparte"])), population=total, **supply_kwargs
    )
    table = needs_against_supply(demand, supply, reference=reference, gap_below=gap_below)
    return table, report
