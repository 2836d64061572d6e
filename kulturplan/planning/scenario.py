"""What-if scenarios: small, frozen edits applied to a region without changing it.

A :class:`Scenario` is a name and a sequence of edits. :meth:`Scenario.apply` returns a
:class:`ScenarioRegion` — a :class:`~kulturplan.Region` like any other, so every
indicator, accessibility measure, map and report works on it unchanged — whose
facilities carry a ``status`` column:

``unverändert``
    untouched facility of the region;
``neu``
    added by :class:`AddFacility` or a stop of a :class:`MobileOffer` (``mobile`` true);
``geändert``
    capacity or opening hours changed (:class:`ChangeFacility`);
``verschoben``
    moved to another place (:class:`MoveFacility`); its municipality is assigned anew;
``entfernt``
    removed (:class:`RemoveFacility`).

Removed facilities are kept, flagged, in :attr:`ScenarioRegion.removed` (and in
:attr:`ScenarioRegion.all_facilities`), but not in ``facilities``: indicators, access
and planning all read ``region.facilities``, so taking them out of that one table is
the single place where they are excluded from every measure.

Coordinates of edits are metres in EPSG:25832 (the CRS of every region); the
dashboard converts clicked map positions before creating an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan.errors import ParameterError
from kulturplan.region import CRS, Region, ValidationReport

__all__ = [
    "STATUSES",
    "AddFacility",
    "ChangeFacility",
    "Edit",
    "MobileOffer",
    "MoveFacility",
    "RemoveFacility",
    "ScaleDemand",
    "Scenario",
    "ScenarioRegion",
    "facilities_with_status",
]

STATUSES: tuple[str, ...] = ("unverändert", "neu", "geändert", "verschoben", "entfernt")
"""Values of the ``status`` column of a scenario region's facilities."""

_POPULATION_COLUMNS = ("population", *catalog.AGE_GROUPS)


def _point(value: Any, what: str) -> shapely.Point:
    """A shapely Point from a Point or an ``(x, y)`` pair (metres, EPSG:25832)."""
    if isinstance(value, shapely.Point):
        point = value
    else:
        try:
            x, y = value
            point = shapely.Point(float(x), float(y))
        except (TypeError, ValueError):
            raise ParameterError(
                f"{what}: erwartet wird ein Punkt (shapely.Point) oder ein Paar (x, y) in "
                f"Metern (EPSG:25832), erhalten: {value!r}."
            ) from None
    if point.is_empty or not np.isfinite(shapely.get_coordinates(point)).all():
        raise ParameterError(f"{what}: der Punkt hat keine gültigen Koordinaten.")
    return point


def _category(value: str, what: str) -> str:
    ids = catalog.category_ids()
    if value not in ids:
        raise ParameterError(
            f"{what}: Sparte „{value}“ ist unbekannt; erlaubt sind: {', '.join(ids)}."
        )
    return value


def _optional_number(value: Any, name: str, what: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{what}: {name} muss eine Zahl ≥ 0 sein, erhalten: {value!r}."
        ) from None
    if not (np.isfinite(number) and number >= 0):
        raise ParameterError(f"{what}: {name} muss eine Zahl ≥ 0 sein, erhalten: {value!r}.")
    return number


@dataclass(frozen=True)
class AddFacility:
    """A new facility.

    Parameters
    ----------
    category
        Category id of the catalog, e.g. ``"musikschule"``.
    name
        Name shown on maps and in tables.
    point
        Position: a ``shapely.Point`` or ``(x, y)`` in metres, EPSG:25832.
    capacity, hours_per_week
        Optional seats/places and opening hours.
    facility_id
        Optional id; ``"neu-1"``, ``"neu-2"``, … (first free) when omitted.
    mobile
        Whether the site is a stop of a mobile offer.
    """

    category: str
    name: str
    point: Any
    capacity: float | None = None
    hours_per_week: float | None = None
    facility_id: str | None = None
    mobile: bool = False

    def __post_init__(self) -> None:
        what = f"Neue Einrichtung „{self.name}“"
        object.__setattr__(self, "category", _category(self.category, what))
        object.__setattr__(self, "point", _point(self.point, what))
        for name in ("capacity", "hours_per_week"):
            object.__setattr__(self, name, _optional_number(getattr(self, name), name, what))

    @classmethod
    def at(cls, category: str, name: str, x: float, y: float, **kwargs: Any) -> AddFacility:
        """A new facility at ``x``, ``y`` (metres, EPSG:25832)."""
        return cls(category, name, (x, y), **kwargs)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"{catalog.category_label(self.category)} neu: {self.name}"


@dataclass(frozen=True)
class RemoveFacility:
    """Close the facility ``facility_id`` (kept in the scenario, flagged ``entfernt``)."""

    facility_id: str

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"Entfernt: {(names or {}).get(self.facility_id, self.facility_id)}"


@dataclass(frozen=True)
class MoveFacility:
    """Move the facility ``facility_id`` to ``point`` (Point or ``(x, y)``, EPSG:25832)."""

    facility_id: str
    point: Any

    def __post_init__(self) -> None:
        what = f"Verschieben von „{self.facility_id}“"
        object.__setattr__(self, "point", _point(self.point, what))

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"Verschoben: {(names or {}).get(self.facility_id, self.facility_id)}"


@dataclass(frozen=True)
class ChangeFacility:
    """Change capacity and/or opening hours of ``facility_id`` (``None`` = unchanged)."""

    facility_id: str
    capacity: float | None = None
    hours_per_week: float | None = None

    def __post_init__(self) -> None:
        what = f"Änderung von „{self.facility_id}“"
        if self.capacity is None and self.hours_per_week is None:
            raise ParameterError(f"{what}: capacity oder hours_per_week angeben.")
        for name in ("capacity", "hours_per_week"):
            object.__setattr__(self, name, _optional_number(getattr(self, name), name, what))

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"Geändert: {(names or {}).get(self.facility_id, self.facility_id)}"


@dataclass(frozen=True)
class MobileOffer:
    """A mobile offer (e.g. a Bücherbus route): every stop becomes a supply point.

    Parameters
    ----------
    name
        Name of the offer, e.g. ``"Bücherbus Nord"``.
    category
        Category id, e.g. ``"bibliothek"``.
    stops
        ``(stop name, point, hours per week)`` per stop; point as in
        :class:`AddFacility`. Each stop becomes a facility with ``mobile`` true and
        ``hours_per_week`` the hours of the stop.
    """

    name: str
    category: str
    stops: tuple[tuple[str, Any, float], ...]

    def __post_init__(self) -> None:
        what = f"Mobiles Angebot „{self.name}“"
        object.__setattr__(self, "category", _category(self.category, what))
        stops = []
        for number, stop in enumerate(self.stops, start=1):
            try:
                stop_name, point, hours = stop
            except (TypeError, ValueError):
                raise ParameterError(
                    f"{what}: Haltestelle {number} muss (Name, Punkt, Stunden je Woche) sein, "
                    f"erhalten: {stop!r}."
                ) from None
            stops.append((
                str(stop_name),
                _point(point, f"{what}, Haltestelle {number}"),
                _optional_number(hours, "Stunden", f"{what}, Haltestelle {number}"),
            ))
        if not stops:
            raise ParameterError(f"{what}: mindestens eine Haltestelle angeben.")
        object.__setattr__(self, "stops", tuple(stops))

    def facilities(self) -> list[AddFacility]:
        """The stops as new mobile facilities."""
        return [
            AddFacility(self.category, f"{self.name} – Haltestelle {stop}", point,
                        hours_per_week=hours, mobile=True)
            for stop, point, hours in self.stops
        ]

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        return f"Mobil: {self.name} ({len(self.stops)} Haltestellen)"


@dataclass(frozen=True)
class ScaleDemand:
    """Scale the population (and its age groups), e.g. by a population projection.

    Parameters
    ----------
    factor
        One factor for every municipality, or factors by AGS (a Series or mapping;
        municipalities not listed keep factor 1).
    """

    factor: Any

    def __post_init__(self) -> None:
        value = self.factor
        if isinstance(value, (pd.Series, Mapping)):
            items = tuple((str(k), float(v)) for k, v in dict(value).items())
            bad = [k for k, v in items if not (np.isfinite(v) and v >= 0)]
            if bad:
                raise ParameterError(
                    "Bevölkerung skalieren: die Faktoren müssen Zahlen ≥ 0 sein; ungültig für "
                    f"AGS {', '.join(bad[:5])}."
                )
            object.__setattr__(self, "factor", items)
            return
        number = _optional_number(value, "factor", "Bevölkerung skalieren")
        if number is None:
            raise ParameterError("Bevölkerung skalieren: factor fehlt.")
        object.__setattr__(self, "factor", number)

    def factors(self, index: pd.Index) -> pd.Series:
        """Factor per AGS of ``index`` (German error for AGS not in ``index``)."""
        if isinstance(self.factor, float):
            return pd.Series(self.factor, index=index)
        given = pd.Series(dict(self.factor), dtype=float)
        unknown = given.index.difference(index)
        if len(unknown):
            raise ParameterError(
                "Bevölkerung skalieren: unbekannte AGS " + ", ".join(map(str, unknown[:5]))
                + (" …" if len(unknown) > 5 else "") + "."
            )
        return given.reindex(index).fillna(1.0)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        if isinstance(self.factor, float):
            return f"Bevölkerung × {self.factor:g}".replace(".", ",")
        return f"Bevölkerung skaliert ({len(self.factor)} Gemeinden)"


Edit = (
    AddFacility | RemoveFacility | MoveFacility | ChangeFacility | MobileOffer | ScaleDemand
)
"""One scenario edit."""

EDIT_TYPES: tuple[type, ...] = (
    AddFacility, RemoveFacility, MoveFacility, ChangeFacility, MobileOffer, ScaleDemand,
)


@dataclass(frozen=True, eq=False, init=False)
class ScenarioRegion(Region):
    """A region after a scenario: ``facilities`` without the removed ones.

    Built like a :class:`~kulturplan.Region` (every table validated, the removed
    facilities too, so that events at their venues stay known) plus ``scenario``.

    Attributes
    ----------
    removed
        Facilities removed by the scenario (``status`` ``entfernt``).
    scenario
        Name of the scenario.
    """

    removed: gpd.GeoDataFrame | None = None
    scenario: str = ""

    def __init__(self, municipalities: pd.DataFrame, *, scenario: str = "",
                 **tables: Any) -> None:
        tables.setdefault("report", ValidationReport())
        super().__init__(municipalities, **tables)
        fac = cast(gpd.GeoDataFrame, self.facilities)
        if "status" not in fac.columns:
            fac = fac.assign(status="unverändert")
        gone = (fac["status"] == "entfernt").to_numpy()
        object.__setattr__(self, "removed", fac[gone])
        object.__setattr__(self, "facilities", fac[~gone])
        object.__setattr__(self, "scenario", scenario)

    @property
    def all_facilities(self) -> gpd.GeoDataFrame:
        """Every facility with its ``status``, the removed ones included."""
        return pd.concat([self.facilities, self.removed])

    def changed_facilities(self) -> gpd.GeoDataFrame:
        """Facilities whose status is not ``unverändert`` (removed ones included)."""
        fac = self.all_facilities
        return fac[fac["status"] != "unverändert"]


def facilities_with_status(region: Region) -> gpd.GeoDataFrame:
    """Every facility of ``region`` with its ``status`` (removed ones of a scenario too)."""
    if isinstance(region, ScenarioRegion):
        return region.all_facilities
    fac = cast(gpd.GeoDataFrame, region.facilities)  # a Region always has one (maybe empty)
    return fac.assign(status="unverändert")


def _new_ids(existing: set[str], n: int) -> list[str]:
    out: list[str] = []
    i = 1
    while len(out) < n:
        candidate = f"neu-{i}"
        if candidate not in existing:
            out.append(candidate)
            existing.add(candidate)
        i += 1
    return out


@dataclass(frozen=True)
class Scenario:
    """A named sequence of edits; :meth:`apply` never changes the region.

    Parameters
    ----------
    name
        Name shown in comparisons, e.g. ``"Zwei neue Musikschul-Zweigstellen"``.
    edits
        The edits, applied in order.
    """

    name: str
    edits: tuple[Edit, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        edits = tuple(self.edits)
        for number, edit in enumerate(edits, start=1):
            if not isinstance(edit, EDIT_TYPES):
                raise ParameterError(
                    f"Szenario „{self.name}“, Änderung {number}: {type(edit).__name__} ist keine "
                    "Szenario-Änderung (AddFacility, RemoveFacility, MoveFacility, "
                    "ChangeFacility, MobileOffer, ScaleDemand)."
                )
        object.__setattr__(self, "edits", edits)

    def without(self, position: int) -> Scenario:
        """The scenario without its ``position``-th edit (leave-one-out)."""
        edits = self.edits[:position] + self.edits[position + 1:]
        return Scenario(f"{self.name} ohne Änderung {position + 1}", edits)

    def plus(self, *edits: Edit) -> Scenario:
        """The scenario with ``edits`` appended."""
        return Scenario(self.name, self.edits + tuple(edits))

    def describe(self, region: Region | None = None) -> list[str]:
        """German one-line description of each edit (facility names from ``region``)."""
        names = None
        if region is not None:
            names = facilities_with_status(region)["name"].astype(str).to_dict()
        return [edit.describe(names) for edit in self.edits]

    def categories(self) -> set[str]:
        """Categories of the facilities the edits add (removed/moved ones need a region)."""
        return {e.category for e in self.edits if isinstance(e, (AddFacility, MobileOffer))}

    def apply(self, region: Region) -> ScenarioRegion:
        """Return a new region with the edits applied (``region`` is not changed).

        Raises
        ------
        kulturplan.errors.ParameterError
            For an unknown facility id, a facility removed twice or an unknown AGS.
        """
        fac = facilities_with_status(region).copy()
        if "mobile" not in fac.columns:
            fac["mobile"] = False
        muni = region.municipalities.copy()
        added: list[AddFacility] = []
        for number, edit in enumerate(self.edits, start=1):
            if isinstance(edit, (AddFacility, MobileOffer)):
                new = edit.facilities() if isinstance(edit, MobileOffer) else [edit]
                fac = _append(fac, new)
                added += new
            elif isinstance(edit, ScaleDemand):
                muni = _scale(muni, edit)
            else:
                fac = _change(fac, edit, number, self.name)
        return ScenarioRegion(
            municipalities=muni,
            facilities=fac,
            organisations=region.organisations,
            events=region.events,
            funding=region.funding,
            survey=region.survey,
            name=region.name,
            kreis_ags=region.kreis_ags,
            sources=region.sources,
            report=ValidationReport(),
            scenario=self.name,
        )


def _append(fac: gpd.GeoDataFrame, new: Sequence[AddFacility]) -> gpd.GeoDataFrame:
    """``fac`` with the new facilities appended (ids ``neu-…`` unless given)."""
    existing = set(map(str, fac.index))
    given = [a.facility_id for a in new if a.facility_id is not None]
    clash = [i for i in given if i in existing]
    if clash or len(set(given)) < len(given):
        raise ParameterError(
            f"Die Einrichtungs-ID „{(clash or given)[0]}“ ist bereits vergeben."
        )
    existing |= set(given)
    auto = iter(_new_ids(existing, sum(a.facility_id is None for a in new)))
    ids = [a.facility_id if a.facility_id is not None else next(auto) for a in new]
    rows = gpd.GeoDataFrame(
        {
            "name": [a.name for a in new],
            "category": [a.category for a in new],
            "ags": None,  # assigned by point-in-polygon
            "capacity": [np.nan if a.capacity is None else a.capacity for a in new],
            "hours_per_week": [np.nan if a.hours_per_week is None else a.hours_per_week
                               for a in new],
            "mobile": [a.mobile for a in new],
            "status": "neu",
        },
        geometry=[a.point for a in new],
        index=pd.Index(ids, name=fac.index.name or "facility_id"),
        crs=CRS,
    )
    if fac.crs is not None and fac.crs != CRS:
        fac = fac.to_crs(CRS)
    out = pd.concat([fac, rows])
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)


def _change(fac: gpd.GeoDataFrame, edit: Edit, number: int, scenario: str) -> gpd.GeoDataFrame:
    """Apply a remove/move/change edit to a copy of ``fac``."""
    fid = str(edit.facility_id)  # type: ignore[union-attr]
    if fid not in fac.index:
        raise ParameterError(
            f"Szenario „{scenario}“, Änderung {number}: Einrichtung „{fid}“ gibt es in der "
            "Region nicht (unbekannte facility_id)."
        )
    status = fac.at[fid, "status"]
    if status == "entfernt":
        raise ParameterError(
            f"Szenario „{scenario}“, Änderung {number}: Einrichtung „{fid}“ ist bereits entfernt."
        )
    fac = fac.copy()
    if isinstance(edit, RemoveFacility):
        if status == "neu":  # adding and removing again: nothing happened
            return fac.drop(index=fid)
        fac.at[fid, "status"] = "entfernt"
    elif isinstance(edit, MoveFacility):
        fac.loc[[fid], "geometry"] = gpd.GeoSeries([edit.point], index=[fid], crs=CRS)
        fac.at[fid, "ags"] = None  # assigned anew by point-in-polygon
        if status != "neu":
            fac.at[fid, "status"] = "verschoben"
    elif isinstance(edit, ChangeFacility):
        for col in ("capacity", "hours_per_week"):
            value = getattr(edit, col)
            if value is not None:
                if col not in fac.columns:
                    fac[col] = np.nan
                fac.at[fid, col] = value
        if status == "unverändert":
            fac.at[fid, "status"] = "geändert"
    return fac


def _scale(muni: gpd.GeoDataFrame, edit: ScaleDemand) -> gpd.GeoDataFrame:
    """Municipalities with population and age groups multiplied by the factors."""
    factors = edit.factors(muni.index).to_numpy()
    cols = [c for c in _POPULATION_COLUMNS if c in muni.columns]
    muni = muni.copy()
    muni[cols] = muni[cols].astype(float).mul(factors, axis=0)
    return muni


def edits_of_type(scenarios: Iterable[Scenario]) -> set[type]:
    """The edit types used in ``scenarios``."""
    return {type(e) for s in scenarios for e in s.edits}
