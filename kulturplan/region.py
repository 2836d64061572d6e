"""The :class:`Region`: validated tables of one planning area.

A region holds municipalities (the unit of every indicator), cultural facilities,
organisations, events, funding and survey answers. Constructing a ``Region``
normalises and validates every table (:mod:`kulturplan._validate`); all problems of a
table are collected and raised together as one :class:`~kulturplan.errors.ValidationError`.
Problems that do not make a table unusable (e.g. a facility outside every municipality) are
kept in :attr:`Region.report` instead of being dropped silently.

The schema constants (:data:`TABLES`, :data:`KEYS`, :data:`REQUIRED`, …) are defined in
:mod:`kulturplan._schema` and available here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from kulturplan import _validate
from kulturplan._format import format_number
from kulturplan._schema import CRS, KEYS, PERSONAL_COLUMNS, REQUIRED, TABLE_LABELS, TABLES
from kulturplan._validate import normalise_ags
from kulturplan.errors import ParameterError, Problem

__all__ = [
    "CRS",
    "KEYS",
    "PERSONAL_COLUMNS",
    "REQUIRED",
    "TABLES",
    "TABLE_LABELS",
    "Region",
    "ValidationReport",
    "drop_personal_data",
    "is_personal_column",
    "normalise_ags",
]


@dataclass(frozen=True)
class ValidationReport:
    """Problems that did not stop a region from being built, for the user to see.

    Attributes
    ----------
    problems
        Each :class:`~kulturplan.errors.Problem` found (e.g. a facility outside every
        municipality, an AGS without boundary).
    """

    problems: tuple[Problem, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a table with German column names."""
        return pd.DataFrame(
            [
                {"Quelle": p.source, "Zeile": p.row, "Spalte": p.column, "Hinweis": p.message}
                for p in self.problems
            ],
            columns=["Quelle", "Zeile", "Spalte", "Hinweis"],
        )

    def extend(self, problems: Iterable[Problem]) -> ValidationReport:
        """Return a new report with ``problems`` appended."""
        return ValidationReport(self.problems + tuple(problems))

    def __str__(self) -> str:
        if not self.problems:
            return "Keine Hinweise."
        return "\n".join(f"- {p}" for p in self.problems)


@dataclass(frozen=True, eq=False, init=False)
class Region:
    """A validated planning region (Kreis, Land, or any set of municipalities).

    Parameters
    ----------
    municipalities
        Municipalities (Gemeinden), index ``ags`` (8-digit string); required columns
        ``name``, ``population``, ``area_km2``, ``geometry`` (Polygon/MultiPolygon).
    facilities
        Cultural facilities, index ``facility_id``; ``name``, ``category`` (catalog id),
        ``geometry`` (Point). ``ags`` is assigned by point-in-polygon when missing.
    organisations, events, funding, survey
        Optional tables as described in ``docs``/architecture; empty when ``None``.
    projects
        Cultural projects, index ``project_id``; ``title``, ``category``, ``ags``;
        optional ``target_groups``, ``org_id``, ``start_year``, ``status`` (geplant,
        laufend, abgeschlossen), ``tags`` and ``best_practice`` (ja/nein); used by
        :mod:`kulturplan.cooperation` for best-practice tandems.
    name
        Name of the region, e.g. "Landkreis Musterland".
    kreis_ags
        AGS prefix of the region (5 digits for a Kreis, 2 for a Land), if any.
    sources
        Data sources with ``name``, ``licence``, ``attribution`` and ``date``; maps and
        reports show their attributions.
    report
        Problems that did not stop the region from being built.

    Raises
    ------
    kulturplan.errors.ValidationError
        With every problem of the first invalid table.

    Notes
    -----
    Only ``municipalities`` may be given by position; everything else by keyword. After
    construction every table is filled (an empty table with the required columns where
    ``None`` was given), so the attributes are never ``None``.

    **The tables are read-only.** The region is frozen and its tables are shared, not
    copied, by callers and caches (e.g. the population points of
    :mod:`kulturplan.access`, keyed by the region object, and the dashboards' gap model).
    Changing a table in place (``region.municipalities.loc[…, "population"] = …``)
    leaves those caches stale; build a new ``Region`` (or use :meth:`subset`) instead.
    """

    municipalities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    organisations: pd.DataFrame
    events: pd.DataFrame
    funding: pd.DataFrame
    survey: pd.DataFrame
    projects: pd.DataFrame
    name: str
    kreis_ags: str | None
    sources: tuple[dict[str, str], ...]
    report: ValidationReport

    def __init__(
        self,
        municipalities: pd.DataFrame,
        *,
        facilities: pd.DataFrame | None = None,
        organisations: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        funding: pd.DataFrame | None = None,
        survey: pd.DataFrame | None = None,
        projects: pd.DataFrame | None = None,
        name: str = "Region",
        kreis_ags: str | None = None,
        sources: Iterable[dict[str, str]] = (),
        report: ValidationReport | None = None,
    ) -> None:
        set_ = object.__setattr__  # frozen dataclass
        notes = list(report.problems) if report is not None else []
        muni = _validate.validate_municipalities(municipalities)
        if facilities is None or len(facilities) == 0:
            fac = _validate.empty_facilities()
        else:
            fac, p = _validate.validate_facilities(facilities, muni)
            notes += p
        tables: dict[str, pd.DataFrame] = {"municipalities": muni, "facilities": fac}
        for table, frame, check_cat, numeric in (
            ("organisations", organisations, True, ("members", "volunteers")),
            ("survey", survey, False, ("weight",)),
        ):
            if frame is None or len(frame) == 0:
                tables[table] = _validate.empty_table(table)
                continue
            tables[table], p = _validate.validate_keyed_table(
                frame, table, muni, check_category=check_cat, numeric=numeric
            )
            notes += p
        if events is None or len(events) == 0:
            tables["events"] = _validate.empty_table("events")
        else:
            tables["events"], p = _validate.validate_events(events, muni, fac)
            notes += p
        if funding is None or len(funding) == 0:
            tables["funding"] = _validate.empty_table("funding").reset_index(drop=True)
        else:
            tables["funding"], p = _validate.validate_funding(funding, muni)
            notes += p
        if projects is None or len(projects) == 0:
            tables["projects"] = _validate.empty_table("projects")
        else:
            tables["projects"], p = _validate.validate_projects(projects, muni)
            notes += p
        for table in TABLES:
            set_(self, table, tables[table])
        set_(self, "name", name)
        set_(self, "kreis_ags", kreis_ags)
        set_(self, "sources", tuple(dict(s) for s in sources))
        set_(self, "report", ValidationReport(tuple(notes)))

    # -- convenience -------------------------------------------------------------
    @property
    def population(self) -> pd.Series:
        """Population per municipality, indexed by AGS."""
        return self.municipalities["population"]

    @property
    def attribution(self) -> str:
        """Attribution text of all data sources, e.g. for map footers."""
        parts = [s.get("attribution", "") for s in self.sources]
        return " | ".join(dict.fromkeys(p for p in parts if p))

    def subset(self, ags_prefix: str) -> Region:
        """Return the part of the region whose AGS starts with ``ags_prefix``.

        Parameters
        ----------
        ags_prefix
            2 digits (Land), 3 (Regierungsbezirk), 5 (Kreis) or 8 (one municipality).

        Raises
        ------
        kulturplan.errors.ParameterError
            If the prefix is not digits or selects no municipality.
        """
        prefix = str(ags_prefix).strip()
        if not prefix.isdigit() or len(prefix) > 8:
            raise ParameterError(
                f"AGS-Präfix „{ags_prefix}“ ist ungültig; erwartet werden 2 (Land), 5 (Kreis) "
                "oder 8 Ziffern."
            )
        keep = self.municipalities.index.str.startswith(prefix)
        if not keep.any():
            raise ParameterError(
                f"Keine Gemeinde der Region „{self.name}“ hat einen AGS, der mit „{prefix}“ "
                "beginnt."
            )
        muni = self.municipalities[keep]
        ags = set(muni.index)

        def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            if frame is None or "ags" not in frame.columns:
                return frame
            return frame[frame["ags"].isin(ags)]

        return Region(
            municipalities=muni,
            facilities=cut(self.facilities),
            organisations=cut(self.organisations),
            events=cut(self.events),
            funding=cut(self.funding),
            survey=cut(self.survey),
            projects=cut(self.projects),
            name=(
                self.name
                if len(prefix) <= (len(self.kreis_ags or ""))
                else f"{self.name} ({prefix})"
            ),
            kreis_ags=prefix,
            sources=self.sources,
        )

    def public_facilities(self) -> gpd.GeoDataFrame:
        """Facilities without personal-data columns (safe to show or export)."""
        return drop_personal_data(self.facilities)

    def __repr__(self) -> str:
        return (
            f"Region({self.name!r}: {format_number(len(self.municipalities))} Gemeinden, "
            f"{format_number(self.municipalities['population'].sum())} Einw., "
            f"{format_number(len(self.facilities))} Einrichtungen, "
            f"{format_number(len(self.organisations))} Organisationen, "
            f"{format_number(len(self.events))} Veranstaltungen)"
        )


_PERSONAL_PATTERN = re.compile(
    r"(^|[^a-z])((e[-_ ]?mail|mail|tel|fax|phone|handy|person|mobil|adresse|anschrift"
    r"|stra(ss|ß)e)([^a-z]|$)"
    r"|telefon|mobiltelefon|mobilnummer|kontakt|contact|ansprechp|vorsitz|vorname|nachname"
    r"|familienname|geburt)"
)
"""Header words that mark a column of personal data (also OSM keys ``contact:*``, ``email``,
``phone``): e-mail addresses, phone numbers, postal addresses, contact persons, chairs, first
and last names. „Mobil“, „Adresse“, „Anschrift“ and „Straße“ count as whole words only
(„mobile“, „Webadresse“ do not)."""


def is_personal_column(name: object, *, plain_name: bool = False) -> bool:
    """Whether a column (or OSM tag key) named ``name`` may hold personal data (GDPR).

    Matches :data:`PERSONAL_COLUMNS` and header words such as „E-Mail“, „Telefon“, „Mobil“,
    „Adresse“, „Straße“, „Kontakt“, „Ansprechpartner:in“, „Vorsitzende“, „Vorname“,
    „Nachname“, „Geburtsdatum“ and OSM keys ``contact:email``, ``phone``.

    Parameters
    ----------
    name
        Column name or tag key.
    plain_name
        Also count a column headed just „Name“: in lists whose records are named otherwise
        (projects by „Titel“, volunteers by a pseudonymous „Kennung“) it holds a person's
        name. Off by default, where „Name“ is the name of a facility or an organisation.

    Examples
    --------
    >>> [is_personal_column(c) for c in ("E-Mail", "Vorsitzende", "contact:phone", "Sparte")]
    [True, True, True, False]
    >>> is_personal_column("Name"), is_personal_column("Name", plain_name=True)
    (False, True)
    """
    text = str(name).strip().lower()
    if plain_name and re.sub(r"[^a-z]", "", text) == "name":
        return True
    return text in PERSONAL_COLUMNS or bool(_PERSONAL_PATTERN.search(text))


def drop_personal_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` without columns holding personal data (GDPR, :func:`is_personal_column`)."""
    personal = [c for c in frame.columns if is_personal_column(c)]
    return frame.drop(columns=personal)
