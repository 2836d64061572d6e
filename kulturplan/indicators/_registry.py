"""Registry connecting indicator catalog ``method`` names to Python functions.

An indicator method is a pure function ``f(region, **params) -> DataFrame | Series``
indexed by AGS. A family method (catalog entry with ``per``) returns a DataFrame
with one column per key (category id, funding source, target group); a plain method
returns a Series. :func:`kulturplan.indicators.compute` names the columns with the
catalog ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

IndicatorFunction = Callable[..., "pd.Series | pd.DataFrame"]

_METHODS: dict[str, IndicatorFunction] = {}


def register(name: str) -> Callable[[IndicatorFunction], IndicatorFunction]:
    """Register ``func`` as the implementation of catalog method ``name``."""

    def decorate(func: IndicatorFunction) -> IndicatorFunction:
        _METHODS[name] = func
        return func

    return decorate


def method(name: str) -> IndicatorFunction:
    """Return the function registered for catalog method ``name``."""
    from kulturplan.errors import KulturplanError

    try:
        return _METHODS[name]
    except KeyError:
        raise KulturplanError(
            f"Für die Indikator-Methode „{name}“ ist keine Funktion registriert. "
            f"Bekannt: {', '.join(sorted(_METHODS))}."
        ) from None


def methods() -> dict[str, Any]:
    """Return a copy of the registry."""
    return dict(_METHODS)
