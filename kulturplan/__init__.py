"""kulturplan — indicators and planning tools for cultural provision in German districts.

Quick start::

    import kulturplan as kp
    region = kp.demo.musterland(seed=0)
    table = kp.indicators.compute(region)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded on first access below (the Voilà server imports kulturplan.serve
    # and must not pay for pandas/geopandas)
    from kulturplan import catalog, errors
    from kulturplan.errors import KulturplanError, ValidationError
    from kulturplan.region import CRS, Region, ValidationReport

__all__ = [
    "CRS",
    "KulturplanError",
    "Region",
    "ValidationError",
    "ValidationReport",
    "catalog",
    "errors",
    "load_region",
    "write_region",
]

__version__ = "0.1.0"


_SUBMODULES = frozenset(
    {"access", "catalog", "cooperation", "demand", "demo", "errors", "indicators", "io", "needs",
     "overview", "planning", "routing", "scale", "sources", "testing", "ui", "viz"}
)
"""Submodules loaded on first attribute access (keeps ``import kulturplan`` fast).

Only modules that exist are listed, so ``hasattr(kp, name)`` is honest."""

_ALIASES = {"load_region": "read_region", "write_region": "write_region"}
"""Functions of :mod:`kulturplan.io` offered at the top level."""

_NAMES = {
    "CRS": "kulturplan.region",
    "Region": "kulturplan.region",
    "ValidationReport": "kulturplan.region",
    "KulturplanError": "kulturplan.errors",
    "ValidationError": "kulturplan.errors",
}
"""Classes offered at the top level, imported on first access."""


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"kulturplan.{name}")
    if name in _ALIASES:
        return getattr(importlib.import_module("kulturplan.io"), _ALIASES[name])
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'kulturplan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_ALIASES) | set(_NAMES))
