"""Compare scenarios with the baseline: catalog indicators and reachability per municipality.

:func:`compare` computes the requested catalog indicators
(:func:`kulturplan.indicators.compute`) and the inhabitants within reach of each chosen
category (population points of :func:`kulturplan.demand.population_points`, nearest
facility, see :func:`kulturplan.indicators.reachability.population_beyond`) for the
baseline and for every scenario, once per region, and returns one long table. The
effect of each edit is measured by leaving it out (value of the full scenario minus
the value without that edit); where an indicator cannot react to a kind of edit at
all, a note says so, so that "no change" is never mistaken for "no effect".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.errors import ParameterError
from kulturplan.indicators import catalog as indicator_catalog
from kulturplan.indicators import compute
from kulturplan.indicators.reachability import population_beyond
from kulturplan.planning.scenario import (
    AddFacility,
    ChangeFacility,
    MobileOffer,
    MoveFacility,
    RemoveFacility,
    ScaleDemand,
    Scenario,
    facilities_with_status,
)
from kulturplan.region import Region

__all__ = [
    "DEFAULT_REACH",
    "Comparison",
    "compare",
    "reach_id",
    "reaction_note",
    "within_reach",
]

DEFAULT_REACH: tuple[float, str] = (15.0, "min")
"""Threshold of the reachability rows for the categories a scenario touches."""

COLUMNS = ["scenario", "indicator", "label", "ags", "baseline", "value", "change", "change_pct"]

EDIT_LABELS: dict[type, str] = {
    AddFacility: "neue Einrichtung",
    RemoveFacility: "Einrichtung entfernen",
    MoveFacility: "Einrichtung verschieben",
    ChangeFacility: "Kapazität/Öffnungszeiten ändern",
    MobileOffer: "mobiles Angebot",
    ScaleDemand: "Bevölkerung skalieren",
}

_NO_FACILITIES = "hängt nicht von den Einrichtungen ab (Vereine, Veranstaltungen, Förderung)"
_EQUAL_WEIGHT = "jede Einrichtung zählt gleich; Kapazität und Öffnungszeiten gehen nicht ein"
_SAME_MUNI = ("zählt Einrichtungen je Gemeinde: reagiert nur, wenn die Einrichtung in eine "
              "andere Gemeinde verschoben wird")
_SHARE = ("Anteil bzw. Mittelwert innerhalb der Gemeinde: ändert sich nicht, wenn deren "
          "Bevölkerung gleichmäßig wächst oder schrumpft")
_NO_CAPACITY = "zählt Einrichtungen; Kapazität und Öffnungszeiten gehen nicht ein"
_COUNT_ONLY = "zählt Sparten, nicht Einwohner:innen"
_CHANGE_OF_RATES = ("Veränderung zwischen zwei Jahren: gleiche Skalierung in beiden Jahren "
                    "hebt sich auf")

# method -> {edit type: note}; edit types not listed can change the indicator
_CANNOT_REACT: dict[str, dict[type, str]] = {
    "facilities_per_10k": {MoveFacility: _SAME_MUNI, ChangeFacility: _NO_CAPACITY},
    "facilities_total_per_10k": {MoveFacility: _SAME_MUNI, ChangeFacility: _NO_CAPACITY},
    "categories_present": {MoveFacility: _SAME_MUNI, ChangeFacility: _NO_CAPACITY,
                           ScaleDemand: _COUNT_ONLY},
    "shannon_diversity": {MoveFacility: _SAME_MUNI, ChangeFacility: _NO_CAPACITY,
                          ScaleDemand: _COUNT_ONLY},
    "capacity_per_1000": {
        MoveFacility: _SAME_MUNI,
        AddFacility: "zählt nur neue Einrichtungen mit Kapazitätsangabe",
        MobileOffer: "Haltestellen haben keine Kapazitätsangabe",
    },
    "mean_km_to_nearest": {ChangeFacility: _EQUAL_WEIGHT, ScaleDemand: _SHARE},
    "share_within_minutes": {ChangeFacility: _EQUAL_WEIGHT, ScaleDemand: _SHARE},
    "reach_population": {ChangeFacility: _EQUAL_WEIGHT},
    "e2sfca_per_10k": {ChangeFacility: _EQUAL_WEIGHT},
    "public_funding_change": {ScaleDemand: _CHANGE_OF_RATES},
}
_FACILITY_EDITS = (AddFacility, RemoveFacility, MoveFacility, ChangeFacility, MobileOffer)
for _method in ("events_per_1000", "events_per_1000_by_category", "events_per_1000_by_target_group",
                "volunteers_per_1000", "organisations_per_10k", "public_funding_per_capita",
                "funding_per_capita_by_source", "public_funding_change"):
    _CANNOT_REACT.setdefault(_method, {}).update({t: _NO_FACILITIES for t in _FACILITY_EDITS})


def reach_id(category: str, threshold: float, unit: str) -> str:
    """Id of a reachability row, e.g. ``erreichbar__musikschule__20min``."""
    return f"erreichbar__{category}__{threshold:g}{unit}"


def _reach_label(category: str, threshold: float, unit: str) -> str:
    from kulturplan._format import format_number

    what = "km (Luftlinie)" if unit == "km" else "Min. (Auto, geschätzt)"
    return (f"Einw. bis {format_number(threshold, 0)} {what}: "
            f"{catalog.category_label(category)}")


def reaction_note(method: str, edit_type: type) -> str | None:
    """German note when indicators of ``method`` cannot react to ``edit_type`` (else ``None``)."""
    return _CANNOT_REACT.get(method, {}).get(edit_type)


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`.

    Attributes
    ----------
    table
        Long table: ``scenario``, ``indicator``, ``label``, ``ags``, ``baseline``,
        ``value``, ``change`` (value − baseline) and ``change_pct`` (change in % of the
        baseline; empty where the baseline is 0 or missing). Reachability rows have ids
        from :func:`reach_id` and count inhabitants.
    effects
        Per edit (leave one out): ``scenario``, ``edit`` (1-based), ``description``,
        ``indicator``, ``ags``, ``effect`` (full scenario minus scenario without the edit).
    notes
        ``scenario``, ``edit_type``, ``indicator``, ``note``: indicators that cannot react
        to a kind of edit used in the scenario.
    """

    table: pd.DataFrame
    effects: pd.DataFrame
    notes: pd.DataFrame

    def totals(self) -> pd.DataFrame:
        """Region totals of the reachability rows (inhabitants within reach) per scenario."""
        reach = self.table[self.table["indicator"].str.startswith("erreichbar__")]
        return reach.groupby(["scenario", "indicator"], sort=False)[
            ["baseline", "value", "change"]].sum()


def within_reach(region: Region, category: str, threshold: float, unit: str
                 ) -> pd.DataFrame:
    """Inhabitants per municipality and those within ``threshold`` of ``category``.

    Population points and nearest facility as in
    :func:`kulturplan.indicators.reachability.population_beyond` (unrounded).

    Returns
    -------
    pandas.DataFrame
        Index AGS (all municipalities): ``population`` and ``within``.
    """
    part = population_beyond(region, category, float(threshold), unit)
    beyond = part["population_beyond"]
    return pd.DataFrame({"population": part["population"],
                         "within": part["population"] - beyond}, index=part.index)


def _measure(region: Region, ids: Sequence[str], reach: Mapping[str, tuple[float, str]],
             year: int | None) -> pd.DataFrame:
    """Wide table AGS × (indicator ids, reach ids) for one region."""
    frames = [compute(region, list(ids), year=year)] if ids else []
    index = pd.Index(region.municipalities.index, name="ags")
    cols = {}
    for cat, (threshold, unit) in reach.items():
        cols[reach_id(cat, threshold, unit)] = within_reach(region, cat, threshold,
                                                           unit)["within"]
    if cols:
        frames.append(pd.DataFrame(cols, index=index))
    if not frames:
        return pd.DataFrame(index=index)
    return pd.concat(frames, axis=1).astype(float)


def _long(scenario: str, base: pd.DataFrame, value: pd.DataFrame,
          labels: Mapping[str, str]) -> pd.DataFrame:
    b = base.stack(future_stack=True)
    v = value.reindex(index=base.index, columns=base.columns).stack(future_stack=True)
    out = pd.DataFrame({"baseline": b, "value": v})
    out.index.names = ["ags", "indicator"]
    out = out.reset_index()
    out["change"] = _clean(out["value"] - out["baseline"], out["baseline"])
    ok = out["baseline"].notna() & (out["baseline"] != 0)
    out["change_pct"] = np.where(ok, out["change"] / out["baseline"].where(ok) * 100.0, np.nan)
    out["scenario"] = scenario
    out["label"] = out["indicator"].map(labels)
    return out[COLUMNS]


def _clean(change: pd.Series, reference: pd.Series) -> pd.Series:
    """``change`` with floating-point noise (|change| ≤ 1e-9 · |reference|) set to 0."""
    noise = change.abs() <= 1e-9 * np.maximum(reference.abs().fillna(0.0), 1.0)
    return change.mask(noise & change.notna(), 0.0)


def _edit_categories(region: Region, scenario: Scenario) -> set[str]:
    """Categories touched by the edits (added, removed, moved or changed facilities)."""
    fac = facilities_with_status(region)
    cats = set(scenario.categories())
    for edit in scenario.edits:
        fid = getattr(edit, "facility_id", None)
        if fid is not None and fid in fac.index:
            cats.add(str(fac.at[fid, "category"]))
    return cats


def _notes(region: Region, scenario: Scenario, columns: Iterable[str]) -> list[dict]:
    cat = indicator_catalog(region)
    rows = []
    for edit_type in dict.fromkeys(type(e) for e in scenario.edits):
        touched = _edit_categories(region, Scenario("", tuple(
            e for e in scenario.edits if type(e) is edit_type)))
        for ind in columns:
            key: str | None = None
            if ind.startswith("erreichbar__"):
                method, key = "reach_population", ind.split("__")[1]
            else:
                method = str(cat.at[ind, "method"])
                if cat.at[ind, "per"] == "category":
                    key = str(cat.at[ind, "key"])
            note = reaction_note(method, edit_type)
            if note is None and key is not None and edit_type is not ScaleDemand \
                    and key not in touched:
                note = "die Änderungen betreffen eine andere Sparte"
            if note is not None:
                rows.append({"scenario": scenario.name, "edit_type": EDIT_LABELS[edit_type],
                             "indicator": ind, "note": note})
    return rows


def compare(
    region: Region,
    scenarios: Scenario | Sequence[Scenario],
    ids: str | Iterable[str] | None = None,
    *,
    reach: Mapping[str, tuple[float, str]] | None = None,
    edit_effects: bool = True,
    year: int | None = None,
) -> Comparison:
    """Compare scenarios with the baseline, per indicator and municipality.

    Parameters
    ----------
    region
        The baseline region (not changed).
    scenarios
        One scenario or several (names must be unique).
    ids
        Catalog indicator ids to compute (all catalog indicators when ``None``; an empty
        list computes only the reachability rows). Only these are computed.
    reach
        ``{category: (threshold, unit)}`` for the rows "inhabitants within reach"
        (unit ``"km"`` straight line or ``"min"`` estimated car minutes); default
        :data:`DEFAULT_REACH` for every category the scenarios touch.
    edit_effects
        Whether to compute the effect of each edit (one extra evaluation per edit of a
        scenario with more than one edit).
    year
        Year of the year-based indicators.

    Returns
    -------
    Comparison
        Long table, per-edit effects and notes (see :class:`Comparison`).
    """
    scenarios = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        raise ParameterError("Die Szenarien brauchen verschiedene Namen; doppelt: "
                             + ", ".join(sorted({n for n in names if names.count(n) > 1})) + ".")
    cat = indicator_catalog(region)
    wanted = list(cat.index) if ids is None else (
        [ids] if isinstance(ids, str) else list(dict.fromkeys(ids)))
    if reach is None:
        touched = set().union(*(_edit_categories(region, s) for s in scenarios)) if scenarios \
            else set()
        reach = {c: DEFAULT_REACH for c in catalog.category_ids() if c in touched}
    labels = {i: str(cat.at[i, "label"]) for i in wanted if i in cat.index}
    labels.update({reach_id(c, *tu): _reach_label(c, *tu) for c, tu in reach.items()})
    base = _measure(region, wanted, reach, year)
    names = facilities_with_status(region)["name"].astype(str).to_dict()
    tables, effects, notes = [], [], []
    for scenario in scenarios:
        full = _measure(scenario.apply(region), wanted, reach, year)
        tables.append(_long(scenario.name, base, full, labels))
        notes += _notes(region, scenario, base.columns)
        if not edit_effects:
            continue
        for pos, edit in enumerate(scenario.edits):
            without = base if len(scenario.edits) == 1 else _measure(
                scenario.without(pos).apply(region), wanted, reach, year)
            diff = full - without
            diff = diff.apply(lambda c, ref=full: _clean(c, ref[c.name]))
            eff = diff.stack(future_stack=True).rename("effect").reset_index()
            eff.columns = ["ags", "indicator", "effect"]
            eff.insert(0, "description", edit.describe(names))
            eff.insert(0, "edit", pos + 1)
            eff.insert(0, "scenario", scenario.name)
            effects.append(eff)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    eff_cols = ["scenario", "edit", "description", "ags", "indicator", "effect"]
    return Comparison(
        table=table,
        effects=pd.concat(effects, ignore_index=True) if effects else pd.DataFrame(
            columns=eff_cols),
        notes=pd.DataFrame(notes, columns=["scenario", "edit_type", "indicator", "note"]),
    )
