"""ipywidgets components and the dashboard apps (Kreisübersicht, Versorgungslücken,
Bedarfsanalyse, Planungswerkstatt, Veranstaltungskalender, Kostenteilung, Kooperation).

Dashboard notebooks only do::

    from kulturplan.ui import Kreisuebersicht
    Kreisuebersicht.from_env()
"""

from __future__ import annotations

from kulturplan.ui.data import ENV_VAR, DashboardData, load_region_from_env
from kulturplan.ui.explorer import IndicatorExplorer
from kulturplan.ui.widgets import (
    CategoryFilter,
    IndicatorPicker,
    MunicipalityPicker,
    ThresholdSlider,
)

__all__ = [
    "ENV_VAR",
    "Bedarfsanalyse",
    "CategoryFilter",
    "DashboardData",
    "GapExplorer",
    "IndicatorExplorer",
    "IndicatorPicker",
    "Kooperation",
    "Kostenteilung",
    "Kreisuebersicht",
    "MunicipalityPicker",
    "PlanningModel",
    "PlanningWorkshop",
    "Planungswerkstatt",
    "ReportDownload",
    "ThresholdSlider",
    "Veranstaltungskalender",
    "Versorgungsluecken",
    "load_region_from_env",
]


def __getattr__(name: str):  # lazy: the apps pull in access/indicators
    import importlib

    if name == "GapExplorer":
        return importlib.import_module("kulturplan.ui.gaps").GapExplorer
    if name == "ReportDownload":
        return importlib.import_module("kulturplan.ui.report_download").ReportDownload
    if name == "Kooperation":
        return importlib.import_module("kulturplan.ui.cooperation").Kooperation
    if name == "Bedarfsanalyse":
        return importlib.import_module("kulturplan.ui.needs").Bedarfsanalyse
    if name == "Veranstaltungskalender":
        return importlib.import_module("kulturplan.ui.calendar").Veranstaltungskalender
    if name == "Kostenteilung":
        return importlib.import_module("kulturplan.ui.costs").Kostenteilung
    if name in {"Kreisuebersicht", "Versorgungsluecken"}:
        return getattr(importlib.import_module("kulturplan.ui.apps"), name)
    if name in {"Planungswerkstatt", "PlanningWorkshop", "PlanningModel"}:
        return getattr(importlib.import_module("kulturplan.ui.planning"), name)
    raise AttributeError(f"module 'kulturplan.ui' has no attribute {name!r}")
