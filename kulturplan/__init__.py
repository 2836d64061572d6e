"""kulturplan — indicators and planning tools for cultural provision in German districts.

Quick start::

    import kulturplan as kp
    region = kp.demo.musterland(seed=0)
    table = kp.indicators.compute(region)
"""

from __future__ import annotations

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


def __getattr__(name: str):  # lazy submodules keep `import kulturplan` fast
    import importlib

    if name in {"demo", "indicators", "access", "io", "sources", "viz", "ui", "planning",
                "needs", "report", "overview"}:
        return importlib.import_module(f"kulturplan.{name}")
    if name in {"load_region", "write_region"}:
        io = importlib.import_module("kulturplan.io")
        return getattr(io, {"load_region": "read_region", "write_region": "write_region"}[name])
    raise AttributeError(f"module 'kulturplan' has no attribute {name!r}")
