"""ipywidgets components and the dashboard apps (Kreisübersicht, Versorgungslücken,
Bedarfsanalyse, Kooperation).

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
    "Kreisuebersicht",
    "MunicipalityPicker",
    "ThresholdSlider",
    "Versorgungsluecken",
    "load_region_from_env",
]


def __getattr__(name: str):  # lazy: the apps pull in access/indicators
    import importlib

    if name == "GapExplorer":
        return importlib.import_module("kulturplan.ui.gaps").GapExplorer
    if name == "Kooperation":
        return importlib.import_module("kulturplan.ui.cooperation").Kooperation
    if name == "Bedarfsanalyse":
        return importlib.import_module("kulturplan.ui.needs").Bedarfsanalyse
    if name in {"Kreisuebersicht", "Versorgungsluecken"}:
        return getattr(importlib.import_module("kulturplan.ui.apps"), name)
    raise AttributeError(f"module 'kulturplan.ui' has no attribute {name!r}")
