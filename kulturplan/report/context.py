"""What a report is built from: the region, its indicator table and the user's choices.

:class:`ReportContext` computes the shared tables once (indicators, reachability gaps,
peer comparison, survey weights) so that every block of a report and the Excel workbook
use the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.catalog import KEY_INDICATORS  # re-exported by kulturplan.report
from kulturplan.errors import ParameterError
from kulturplan.region import Region

DEFAULT_INDICATOR = "einrichtungen_gesamt_je_10000"
"""Indicator of the Kreisbericht's map and ranking unless another one is chosen."""

DEFAULT_CRITERIA: dict[str, tuple[float, str]] = {
    "bibliothek": (10.0, "km"),
    "musikschule": (15.0, "km"),
    "museum": (15.0, "km"),
}
"""Reachability standards of the gap chapter: Sparte → (threshold, unit)."""

KEY_DECIMALS = 1
"""Decimals of every indicator value printed in a report (German format)."""


def informative(values: pd.Series) -> bool:
    """Whether an indicator has at least two different finite values (worth a map)."""
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite = arr[np.isfinite(arr)]
    return finite.size > 1 and bool(np.ptp(finite) > 0)


def german_date(text: str) -> str:
    """An ISO date ("2025-12-31") the German way ("31.12.2025"); other text unchanged."""
    try:
        return f"{dt.date.fromisoformat(text.strip()):%d.%m.%Y}"
    except ValueError:
        return text


def data_date(region: Region) -> str:
    """Date of the data: the dates of the region's sources ("nicht angegeben" if none)."""
    dates = [german_date(str(s.get("date", "")).strip()) for s in region.sources]
    dates = list(dict.fromkeys(d for d in dates if d))
    return ", ".join(dates) if dates else "nicht angegeben"


def _check_criteria(region: Region, criteria: Mapping[str, Sequence[Any]]
                    ) -> dict[str, tuple[float, str, str]]:
    """Criteria as ``{Sparte: (threshold, unit, mode)}`` (see :class:`ReportContext`)."""
    from kulturplan.indicators.reachability import check_gap_mode
    from kulturplan.overview import criterion_parts

    known = set(catalog.category_ids())
    out = {}
    for cat, criterion in criteria.items():
        if cat not in known:
            raise ParameterError(
                f"Unbekannte Sparte „{cat}“ für die Erreichbarkeit; erlaubt: "
                + ", ".join(sorted(known)) + "."
            )
        threshold, unit, mode = criterion_parts(criterion)
        if unit not in ("km", "min"):
            raise ParameterError(f"Einheit „{unit}“ unbekannt; erlaubt sind „km“ und „min“.")
        out[cat] = (threshold, unit, check_gap_mode(region, mode, unit))
    return out


@dataclass
class ReportContext:
    """Region, indicator table and choices of one report (computed tables are cached).

    Parameters
    ----------
    region
        The region.
    table
        Indicator table (:func:`kulturplan.indicators.compute`); computed when ``None``
        or when it has no columns (e.g. a dashboard that shows no indicators).
    ags
        Municipality of a Gemeindesteckbrief (``None`` for a Kreisbericht).
    indicator
        Indicator of the map and ranking (default :data:`DEFAULT_INDICATOR`, or the
        population when the region has no informative indicator yet).
    criteria
        Reachability standards ``{Sparte: (threshold, "km" | "min")}`` or
        ``{Sparte: (threshold, "min", mode)}`` with a network ``mode`` (``"car"``,
        ``"bike"``, ``"walk"``: travel times on the road network of the region's OSM
        file, see :func:`kulturplan.overview.gap_table`); stored as
        ``(threshold, unit, mode)`` with mode ``"line"`` for the straight line.
    extras
        Results of later analysis layers passed in by the caller, one entry per block
        that shows them. The planning hook: ``extras["scenarios"]`` is a scenario
        comparison table (rows = scenarios, German column headers, numbers) shown by
        :func:`kulturplan.report.blocks.scenario_block`; needs and cooperation results
        of other branches get their own key and block the same way.
    created
        Date printed as "erstellt am" (default: today).
    """

    region: Region
    table: pd.DataFrame | None = None
    ags: str | None = None
    indicator: str | None = None
    criteria: Mapping[str, Sequence[Any]] = field(
        default_factory=lambda: dict(DEFAULT_CRITERIA))
    extras: dict[str, Any] = field(default_factory=dict)
    created: dt.date = field(default_factory=dt.date.today)

    def __post_init__(self) -> None:
        if self.table is None or self.table.shape[1] == 0:
            from kulturplan.indicators import compute

            self.table = compute(self.region)
        self.table = self.table.astype(float)
        if self.ags is not None:
            self.ags = str(self.ags).strip()
            if self.ags not in self.region.municipalities.index:
                raise ParameterError(
                    f"Die Gemeinde mit AGS „{self.ags}“ gehört nicht zur Region "
                    f"„{self.region.name}“ (AGS mit 8 Ziffern, z. B. "
                    f"„{self.region.municipalities.index[0]}“)."
                )
        self.criteria = _check_criteria(self.region, self.criteria)
        if self.indicator is not None and self.indicator not in self.table.columns:
            raise ParameterError(
                f"Indikator „{self.indicator}“ ist nicht in der Indikatortabelle; alle IDs "
                "liefert kulturplan.indicators.catalog()."
            )

    # -- basics ---------------------------------------------------------------------------
    @property
    def indicators(self) -> pd.DataFrame:
        """The indicator table (never ``None`` after construction)."""
        return cast(pd.DataFrame, self.table)  # set in __post_init__

    @property
    def municipality(self) -> str:
        """AGS of the Steckbrief's municipality.

        Raises
        ------
        kulturplan.errors.ParameterError
            If the context is a Kreisbericht's (no ``ags``).
        """
        if self.ags is None:
            raise ParameterError("Für einen Gemeindesteckbrief fehlt der AGS der Gemeinde.")
        return self.ags

    @cached_property
    def names(self) -> pd.Series:
        return self.region.municipalities["name"].astype(str)

    @cached_property
    def map_indicator(self) -> str | None:
        """Indicator of map and ranking; ``None``: the region has none worth a map."""
        if self.indicator is not None:
            return self.indicator
        table = self.indicators
        if DEFAULT_INDICATOR in table.columns and informative(table[DEFAULT_INDICATOR]):
            return DEFAULT_INDICATOR
        cat = catalog.indicators()
        return next((c for c in cat.index if c in table.columns and informative(table[c])),
                    None)

    @cached_property
    def stand(self) -> str:
        return f"Stand der Daten: {data_date(self.region)}"

    @cached_property
    def active_criteria(self) -> dict[str, Sequence[Any]]:
        """Criteria whose Sparte has at least one facility (else there is nothing to measure)."""
        cats = set(self.region.facilities["category"].astype(str))
        return {c: v for c, v in self.criteria.items() if c in cats}

    def criterion_label(self, category: str) -> str:
        """„Bibliothek > 10 km“ (:func:`kulturplan.overview.criterion_label`)."""
        from kulturplan.overview import criterion_label, criterion_parts

        return criterion_label(category, *criterion_parts(self.criteria[category]))

    @cached_property
    def gap_modes(self) -> list[str]:
        """Ways of measuring of the active criteria (``"line"``, ``"car"``, …), in order."""
        from kulturplan.overview import criterion_parts

        modes = (criterion_parts(c)[2] for c in self.active_criteria.values())
        return list(dict.fromkeys(modes))

    # -- shared results -------------------------------------------------------------------
    @cached_property
    def gaps(self) -> pd.DataFrame:
        """:func:`kulturplan.overview.gap_table` for the active criteria (empty if none)."""
        from kulturplan.overview import gap_table

        if not self.active_criteria:
            return pd.DataFrame()
        return gap_table(self.region, self.active_criteria)

    @cached_property
    def peers(self) -> pd.DataFrame:
        """:func:`kulturplan.indicators.peer_comparison` of the report's indicators."""
        from kulturplan.indicators import peer_comparison

        ids = [i for i in self.report_indicators if i in self.indicators.columns]
        return peer_comparison(self.region, self.indicators, ids)

    @cached_property
    def report_indicators(self) -> list[str]:
        """Key indicators present in the table, plus the map indicator."""
        ids = [i for i in KEY_INDICATORS if i in self.indicators.columns]
        if self.map_indicator is not None and self.map_indicator not in ids:
            ids.insert(0, self.map_indicator)
        return ids

    @cached_property
    def has_survey(self) -> bool:
        survey = self.region.survey
        return len(survey) > 0 and any(str(c).startswith("besuche_") for c in survey.columns)

    @cached_property
    def survey_weights(self) -> Any:
        """:func:`kulturplan.needs.weight_survey` result (raking to the population)."""
        from kulturplan.needs import weight_survey

        return weight_survey(self.region.survey, self.region)
