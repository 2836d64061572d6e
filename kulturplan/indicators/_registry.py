"""Registry connecting indicator catalog ``method`` names to Python functions.

An indicator method is a pure function indexed by AGS, registered with
:func:`register`, which also declares what the method needs:

* a plain method is called as ``f(region, **params)``, plus ``year=`` when it is
  registered with ``uses_year=True`` (events, funding);
* a method registered with ``depends_on="<param>"`` is computed from other indicators:
  the catalog parameter ``<param>`` lists their ids, :func:`kulturplan.indicators.compute`
  computes them first (into the same results, so nothing is computed twice) and calls
  ``f(table, **params)`` with the table of those indicators (the composite index).

A family method (catalog entry with ``per``) returns a DataFrame with one column per key
(category id, funding source, target group); a plain method returns a Series.
:func:`kulturplan.indicators.compute` names the columns with the catalog ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from kulturplan.errors import ParameterError

IndicatorFunction = Callable[..., "pd.Series | pd.DataFrame"]


@dataclass(frozen=True)
class Method:
    """A registered indicator method.

    Attributes
    ----------
    name
        The catalog ``method`` name.
    func
        The function (see the module documentation for how it is called).
    uses_year
        Whether ``compute`` passes ``year=``.
    depends_on
        Name of the catalog parameter listing the indicator ids this method is computed
        from (``None``: computed from the region).
    """

    name: str
    func: IndicatorFunction
    uses_year: bool = False
    depends_on: str | None = None


_METHODS: dict[str, Method] = {}


def register(
    name: str, *, uses_year: bool = False, depends_on: str | None = None
) -> Callable[[IndicatorFunction], IndicatorFunction]:
    """Register the decorated function as the implementation of catalog method ``name``.

    Parameters
    ----------
    name
        Catalog ``method`` name.
    uses_year
        ``True`` when the method takes ``year=`` (year-based data).
    depends_on
        Catalog parameter that lists the indicator ids the method is computed from.
    """

    def decorate(func: IndicatorFunction) -> IndicatorFunction:
        _METHODS[name] = Method(name, func, uses_year=uses_year, depends_on=depends_on)
        return func

    return decorate


def method(name: str) -> Method:
    """Return the method registered for catalog method ``name``."""
    try:
        return _METHODS[name]
    except KeyError:
        raise ParameterError(
            f"Für die Indikator-Methode „{name}“ ist keine Funktion registriert. "
            f"Bekannt: {', '.join(sorted(_METHODS))}."
        ) from None


def methods() -> dict[str, Method]:
    """Return a copy of the registry."""
    return dict(_METHODS)
