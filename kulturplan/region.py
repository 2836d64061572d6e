"""The :class:`Region`: validated tables of one planning area.

A region holds municipalities (the unit of every indicator), cultural facilities,
organisations, events, funding and survey answers. Constructing a ``Region``
normalises and validates every table; all problems of a table are collected and
raised together as one :class:`~kulturplan.errors.ValidationError`. Problems that
do not make a table unusable (e.g. a facility outside every municipality) are
kept in :attr:`Region.report` instead of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.errors import Problem, ValidationError, spreadsheet_row

CRS = "EPSG:25832"
"""Coordinate reference system of every geometry in a region (ETRS89 / UTM 32N)."""

TABLES: tuple[str, ...] = (
    "municipalities",
    "facilities",
    "organisations",
    "events",
    "funding",
    "survey",
)

TABLE_LABELS: dict[str, str] = {
    "municipalities": "Gemeinden",
    "facilities": "Einrichtungen",
    "organisations": "Organisationen",
    "events": "Veranstaltungen",
    "funding": "Förderung",
    "survey": "Befragung",
}

KEYS: dict[str, str | None] = {
    "municipalities": "ags",
    "facilities": "facility_id",
    "organisations": "org_id",
    "events": "event_id",
    "funding": None,
    "survey": "respondent_id",
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "municipalities": ("name", "population", "area_km2", "geometry"),
    "facilities": ("name", "category", "geometry"),
    "organisations": ("name", "category", "ags"),
    "events": ("title", "category", "start"),
    "funding": ("year", "ags", "category", "source", "amount_eur"),
    "survey": ("ags", "age_group"),
}

PERSONAL_COLUMNS: tuple[str, ...] = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "email",
    "phone",
    "telefon",
    "ansprechpartner",
)
"""Columns holding personal data (GDPR); never shown in dashboards or exports."""


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


def _missing_columns(frame: pd.DataFrame, table: str, required: Iterable[str]) -> list[Problem]:
    cols = set(frame.columns) | ({frame.index.name} if frame.index.name else set())
    return [
        Problem(
            TABLE_LABELS[table],
            f"Pflichtspalte „{c}“ fehlt. Vorhandene Spalten: {', '.join(map(str, frame.columns))}.",
            column=c,
        )
        for c in required
        if c not in cols
    ]


def normalise_ags(values: pd.Series, *, width: int = 8) -> pd.Series:
    """Return AGS values as zero-padded strings of ``width`` digits.

    Integers and floats lose their leading zeros in spreadsheets, so ``5762004``
    becomes ``"05762004"``. Values that are not digits are returned unchanged as
    strings (validation reports them); missing values stay missing.
    """

    if len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        # fast path (all values are text): same result as ``fix`` below, vectorised
        text = pd.Series(values, dtype=object).str.strip()
        short = text.str.fullmatch(r"\d+") & (text.str.len() < width)
        text = text.where(~short, text.str.zfill(width))
        out = np.array(text.to_numpy(dtype=object), dtype=object)
        out[text.isna().to_numpy()] = None
        return pd.Series(out, index=values.index, dtype=object)

    def fix(value: Any) -> Any:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return None
        if isinstance(value, (int, np.integer)):
            return str(int(value)).zfill(width)
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value)).zfill(width)
        text = str(value).strip()
        if text.isdigit() and len(text) < width:
            return text.zfill(width)
        return text

    return pd.Series([fix(v) for v in values], index=values.index, dtype=object)


def _check_ags(values: pd.Series, table: str, column: str = "ags") -> list[Problem]:
    problems = []
    bad = ~values.astype(str).str.fullmatch(r"\d{8}") | values.isna()
    for pos in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                TABLE_LABELS[table],
                f"AGS „{values.iloc[pos]}“ ist kein 8-stelliger Gemeindeschlüssel "
                "(erwartet z. B. „05762004“).",
                row=spreadsheet_row(pos),
                column=column,
            )
        )
    return problems


def _check_numeric(
    frame: pd.DataFrame,
    table: str,
    column: str,
    *,
    non_negative: bool = True,
    allow_missing: bool = False,
) -> tuple[pd.Series, list[Problem]]:
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce")
    problems = []
    not_number = numbers.isna() & raw.notna()
    for pos in np.flatnonzero(not_number.to_numpy()):
        problems.append(
            Problem(
                TABLE_LABELS[table],
                f"„{raw.iloc[pos]}“ ist keine Zahl.",
                row=spreadsheet_row(pos),
                column=column,
            )
        )
    if not allow_missing:
        for pos in np.flatnonzero((raw.isna()).to_numpy()):
            problems.append(
                Problem(TABLE_LABELS[table], "Wert fehlt.", row=spreadsheet_row(pos), column=column)
            )
    if non_negative:
        for pos in np.flatnonzero((numbers < 0).to_numpy()):
            problems.append(
                Problem(
                    TABLE_LABELS[table],
                    f"Wert {numbers.iloc[pos]} ist negativ; erwartet wird eine Zahl ≥ 0.",
                    row=spreadsheet_row(pos),
                    column=column,
                )
            )
    return numbers, problems


def _check_unique(keys: pd.Series, table: str, column: str) -> list[Problem]:
    dup = keys.duplicated(keep="first")
    return [
        Problem(
            TABLE_LABELS[table],
            f"Schlüssel „{keys.iloc[pos]}“ kommt mehrfach vor; jeder Schlüssel darf nur einmal "
            "vorkommen.",
            row=spreadsheet_row(pos),
            column=column,
        )
        for pos in np.flatnonzero(dup.to_numpy())
    ]


def _with_key_column(frame: pd.DataFrame, key: str | None) -> pd.DataFrame:
    """Return a copy with the key as a column and a fresh RangeIndex."""
    frame = frame.copy()
    if key is not None and key not in frame.columns and frame.index.name == key:
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    return frame


def _to_geodataframe(
    frame: pd.DataFrame, table: str
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Convert to a GeoDataFrame in :data:`CRS`; a missing CRS is an error."""
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        gdf = frame
    else:
        gdf = gpd.GeoDataFrame(frame, geometry="geometry")
    if gdf.crs is None:
        return None, [
            Problem(
                TABLE_LABELS[table],
                "Die Geometrien haben kein Koordinatenreferenzsystem (CRS). Bitte das CRS "
                "angeben, z. B. EPSG:25832 oder EPSG:4326.",
                column="geometry",
            )
        ]
    if gdf.crs != CRS:
        gdf = gdf.to_crs(CRS)
    return gdf, []


def _validate_municipalities(frame: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    table = "municipalities"
    frame = _with_key_column(frame, "ags")
    problems = _missing_columns(frame, table, ("ags", *REQUIRED[table]))
    if problems:
        raise ValidationError(problems, title="Tabelle „Gemeinden“ ist unvollständig")
    frame["ags"] = normalise_ags(frame["ags"])
    problems += _check_ags(frame["ags"], table)
    problems += _check_unique(frame["ags"], table, "ags")
    frame["population"], p = _check_numeric(frame, table, "population")
    problems += p
    frame["area_km2"], p = _check_numeric(frame, table, "area_km2")
    problems += p
    age_cols = [c for c in catalog.AGE_GROUPS if c in frame.columns]
    if age_cols:
        for c in age_cols:
            frame[c], p = _check_numeric(frame, table, c)
            problems += p
        if len(age_cols) == len(catalog.AGE_GROUPS):
            total = frame[age_cols].sum(axis=1, min_count=len(age_cols))
            off = (total - frame["population"]).abs() > 0.5
            for pos in np.flatnonzero(off.to_numpy()):
                problems.append(
                    Problem(
                        TABLE_LABELS[table],
                        f"Die Altersgruppen ergeben zusammen {total.iloc[pos]:.0f}, die "
                        f"Einwohnerzahl ist aber {frame['population'].iloc[pos]:.0f}.",
                        row=spreadsheet_row(pos),
                        column=",".join(age_cols),
                    )
                )
        else:
            missing = [c for c in catalog.AGE_GROUPS if c not in frame.columns]
            problems.append(
                Problem(
                    TABLE_LABELS[table],
                    "Altersgruppen sind nur teilweise vorhanden; es fehlen: "
                    + ", ".join(missing)
                    + ".",
                    column=missing[0],
                )
            )
    if "urban_degree" in frame.columns:
        deg = pd.to_numeric(frame["urban_degree"], errors="coerce")
        bad = ~deg.isin([1, 2, 3]) & frame["urban_degree"].notna()
        for pos in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(
                    TABLE_LABELS[table],
                    f"Grad der Verstädterung „{frame['urban_degree'].iloc[pos]}“ ist ungültig; "
                    "erlaubt sind 1 (dicht), 2 (mittel), 3 (gering besiedelt).",
                    row=spreadsheet_row(pos),
                    column="urban_degree",
                )
            )
        frame["urban_degree"] = deg.astype("Int64")
    if "kreis_ags" in frame.columns:
        frame["kreis_ags"] = normalise_ags(frame["kreis_ags"], width=5)
    gdf, p = _to_geodataframe(frame, table)
    problems += p
    if gdf is not None:
        geom = gdf.geometry
        for pos in np.flatnonzero(geom.isna().to_numpy() | geom.is_empty.to_numpy()):
            problems.append(
                Problem.at(TABLE_LABELS[table], pos, "Geometrie fehlt.", column="geometry")
            )
        types = geom.geom_type
        bad_type = ~types.isin(["Polygon", "MultiPolygon"]) & geom.notna() & ~geom.is_empty
        for pos in np.flatnonzero(bad_type.to_numpy()):
            problems.append(
                Problem(
                    TABLE_LABELS[table],
                    f"Geometrie ist ein {types.iloc[pos]}; erwartet wird ein (Multi-)Polygon.",
                    row=spreadsheet_row(pos),
                    column="geometry",
                )
            )
        invalid = ~geom.is_valid & ~bad_type & geom.notna()
        if invalid.any():
            gdf.loc[invalid, "geometry"] = geom[invalid].make_valid()
    if problems:
        raise ValidationError(problems, title="Tabelle „Gemeinden“ enthält Fehler")
    assert gdf is not None
    gdf = gdf.set_index("ags")
    gdf["population"] = gdf["population"].astype(float)
    return gdf, []


def _validate_facilities(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    table = "facilities"
    frame = _with_key_column(frame, "facility_id")
    problems = _missing_columns(frame, table, ("facility_id", *REQUIRED[table]))
    if problems:
        raise ValidationError(problems, title="Tabelle „Einrichtungen“ ist unvollständig")
    frame["facility_id"] = frame["facility_id"].astype(str)
    problems += _check_unique(frame["facility_id"], table, "facility_id")
    problems += _check_categories(frame["category"], table)
    for col in ("capacity", "hours_per_week"):
        if col in frame.columns:
            frame[col], p = _check_numeric(frame, table, col, allow_missing=True)
            problems += p
    gdf, p = _to_geodataframe(frame, table)
    problems += p
    report: list[Problem] = []
    if gdf is not None:
        geom = gdf.geometry
        missing = geom.isna() | geom.is_empty
        for pos in np.flatnonzero(missing.to_numpy()):
            problems.append(
                Problem.at(TABLE_LABELS[table], pos, "Koordinaten fehlen.", column="geometry")
            )
        bad_type = (geom.geom_type != "Point") & ~missing
        for pos in np.flatnonzero(bad_type.to_numpy()):
            problems.append(
                Problem(
                    TABLE_LABELS[table],
                    f"Geometrie ist ein {geom.geom_type.iloc[pos]}; erwartet wird ein Punkt.",
                    row=spreadsheet_row(pos),
                    column="geometry",
                )
            )
        if not problems:
            gdf, report = _assign_ags(gdf, municipalities)
    if problems:
        raise ValidationError(problems, title="Tabelle „Einrichtungen“ enthält Fehler")
    assert gdf is not None
    return gdf.set_index("facility_id"), report


def _assign_ags(
    facilities: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill missing ``ags`` by point-in-polygon; report points outside every municipality."""
    facilities = facilities.copy()
    if "ags" not in facilities.columns:
        facilities["ags"] = None
    facilities["ags"] = normalise_ags(facilities["ags"])
    need = facilities["ags"].isna().to_numpy()
    report: list[Problem] = []
    if need.any() and len(municipalities):
        points = facilities.geometry[need]
        idx_points, idx_polys = municipalities.sindex.query(points, predicate="intersects")
        hit = pd.Series(
            municipalities.index.to_numpy()[idx_polys],
            index=points.index.to_numpy()[idx_points],
        )
        hit = hit[~hit.index.duplicated(keep="first")]
        facilities.loc[hit.index, "ags"] = hit.to_numpy()
    known = set(municipalities.index)
    outside = facilities["ags"].isna() | ~facilities["ags"].isin(known)
    for pos in np.flatnonzero(outside.to_numpy()):
        ags = facilities["ags"].iloc[pos]
        msg = (
            f"Einrichtung „{facilities['name'].iloc[pos]}“ liegt in keiner Gemeinde der Region."
            if ags is None
            else f"Einrichtung „{facilities['name'].iloc[pos]}“ verweist auf AGS „{ags}“, "
            "die nicht zur Region gehört."
        )
        report.append(
            Problem(TABLE_LABELS["facilities"], msg + " Sie wird mitgeführt, aber keiner "
                    "Gemeinde zugerechnet.", row=spreadsheet_row(pos), column="ags")
        )
    return facilities, report


def _check_categories(values: pd.Series, table: str) -> list[Problem]:
    known = set(catalog.category_ids())
    bad = ~values.isin(known)
    return [
        Problem(
            TABLE_LABELS[table],
            f"Sparte „{values.iloc[pos]}“ ist unbekannt; erlaubt sind: "
            + ", ".join(sorted(known))
            + ".",
            row=spreadsheet_row(pos),
            column="category",
        )
        for pos in np.flatnonzero(bad.to_numpy())
    ]


def _validate_keyed_table(
    frame: pd.DataFrame,
    table: str,
    municipalities: gpd.GeoDataFrame,
    *,
    check_category: bool,
    numeric: Iterable[str] = (),
    collect: list[Problem] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    key = KEYS[table]
    frame = _with_key_column(frame, key)
    required = ((key,) if key else ()) + REQUIRED[table]
    problems = _missing_columns(frame, table, required)
    if problems:
        raise ValidationError(
            problems, title=f"Tabelle „{TABLE_LABELS[table]}“ ist unvollständig"
        )
    if key:
        frame[key] = frame[key].astype(str)
        problems += _check_unique(frame[key], table, key)
    if check_category:
        problems += _check_categories(frame["category"], table)
    for col in numeric:
        if col in frame.columns:
            frame[col], p = _check_numeric(
                frame, table, col, allow_missing=col not in REQUIRED[table]
            )
            problems += p
    report: list[Problem] = []
    if "ags" in frame.columns:
        frame["ags"] = normalise_ags(frame["ags"])
        present = frame["ags"].notna()
        problems += _check_ags(frame.loc[present, "ags"], table) if table != "events" else []
        unknown = present & ~frame["ags"].isin(set(municipalities.index))
        for pos in np.flatnonzero(unknown.to_numpy()):
            report.append(
                Problem(
                    TABLE_LABELS[table],
                    f"AGS „{frame['ags'].iloc[pos]}“ gehört nicht zur Region; die Zeile wird "
                    "keiner Gemeinde zugerechnet.",
                    row=spreadsheet_row(pos),
                    column="ags",
                )
            )
    if problems and collect is not None:
        collect.extend(problems)  # the caller adds its own checks and raises once
    elif problems:
        raise ValidationError(
            problems, title=f"Tabelle „{TABLE_LABELS[table]}“ enthält Fehler"
        )
    if key:
        frame = frame.set_index(key)
    return frame, report


def _validate_events(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    table = "events"
    problems: list[Problem] = []
    frame, report = _validate_keyed_table(
        frame, table, municipalities, check_category=True, numeric=("attendance",),
        collect=problems,
    )
    for col in ("start", "end"):
        if col in frame.columns:
            parsed = pd.to_datetime(frame[col], errors="coerce")
            bad = parsed.isna() & frame[col].notna()
            if col == "start":
                bad |= frame[col].isna()
            for pos in np.flatnonzero(bad.to_numpy()):
                problems.append(
                    Problem(
                        TABLE_LABELS[table],
                        "Wert fehlt."
                        if pd.isna(frame[col].iloc[pos])
                        else f"„{frame[col].iloc[pos]}“ ist kein gültiges Datum "
                        "(erwartet z. B. 2025-05-17 19:30).",
                        row=spreadsheet_row(pos),
                        column=col,
                    )
                )
            frame[col] = parsed
    has_ags = frame["ags"].notna() if "ags" in frame.columns else pd.Series(False, frame.index)
    if "facility_id" in frame.columns:
        frame["facility_id"] = frame["facility_id"].where(
            frame["facility_id"].isna(), frame["facility_id"].astype(str)
        )
        has_fac = frame["facility_id"].notna()
        # fill ags from the venue where missing
        fac_ags = frame["facility_id"].map(facilities["ags"]) if "ags" in facilities else None
        if fac_ags is not None:
            if "ags" not in frame.columns:
                frame["ags"] = None
            frame["ags"] = frame["ags"].where(has_ags, fac_ags)
        unknown_fac = has_fac & ~frame["facility_id"].isin(set(facilities.index))
        for pos in np.flatnonzero(unknown_fac.to_numpy()):
            report.append(
                Problem(
                    TABLE_LABELS[table],
                    f"Veranstaltungsort „{frame['facility_id'].iloc[pos]}“ ist keine bekannte "
                    "Einrichtung.",
                    row=spreadsheet_row(pos),
                    column="facility_id",
                )
            )
    else:
        has_fac = pd.Series(False, index=frame.index)
    neither = ~(has_ags | has_fac)
    for pos in np.flatnonzero(neither.to_numpy()):
        problems.append(
            Problem(
                TABLE_LABELS[table],
                "Weder Gemeinde (ags) noch Veranstaltungsort (facility_id) angegeben.",
                row=spreadsheet_row(pos),
                column="ags",
            )
        )
    if problems:
        raise ValidationError(problems, title="Tabelle „Veranstaltungen“ enthält Fehler")
    return frame, report


def _validate_funding(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    table = "funding"
    problems: list[Problem] = []
    frame, report = _validate_keyed_table(
        frame, table, municipalities, check_category=False, numeric=("amount_eur", "year"),
        collect=problems,
    )
    allowed = set(catalog.FUNDING_SOURCES)
    bad = ~frame["source"].isin(allowed)
    for pos in np.flatnonzero(bad.to_numpy()):
        problems.append(
            Problem(
                TABLE_LABELS[table],
                f"Quelle „{frame['source'].iloc[pos]}“ ist unbekannt; erlaubt sind: "
                + ", ".join(sorted(allowed))
                + ".",
                row=spreadsheet_row(pos),
                column="source",
            )
        )
    cats = set(catalog.category_ids()) | {"allgemein"}
    badcat = ~frame["category"].isin(cats)
    for pos in np.flatnonzero(badcat.to_numpy()):
        problems.append(
            Problem(
                TABLE_LABELS[table],
                f"Sparte „{frame['category'].iloc[pos]}“ ist unbekannt; erlaubt sind die "
                "Sparten des Katalogs oder „allgemein“.",
                row=spreadsheet_row(pos),
                column="category",
            )
        )
    parts = frame[["year", "ags", "category", "source"]].astype(str)
    keys = parts["year"] + "|" + parts["ags"] + "|" + parts["category"] + "|" + parts["source"]
    problems += _check_unique(keys, table, "year,ags,category,source")
    if problems:
        raise ValidationError(problems, title="Tabelle „Förderung“ enthält Fehler")
    frame["year"] = frame["year"].astype(int)
    return frame, report


def _empty(table: str) -> pd.DataFrame:
    key = KEYS[table]
    cols = [c for c in REQUIRED[table] if c != "geometry"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if key:
        frame.index = pd.Index([], dtype=object, name=key)
    return frame


@dataclass(frozen=True, eq=False)
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
    """

    municipalities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame | None = None
    organisations: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    funding: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None
    name: str = "Region"
    kreis_ags: str | None = None
    sources: tuple[dict[str, str], ...] = ()
    report: ValidationReport = field(default_factory=ValidationReport)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        report = list(self.report.problems)
        muni, _ = _validate_municipalities(self.municipalities)
        set_(self, "municipalities", muni)
        if self.facilities is None or len(self.facilities) == 0:
            fac = gpd.GeoDataFrame(
                {
                    "name": pd.Series(dtype=object),
                    "category": pd.Series(dtype=object),
                    "ags": pd.Series(dtype=object),
                },
                geometry=gpd.GeoSeries([], crs=CRS),
                crs=CRS,
            )
            fac.index = pd.Index([], dtype=object, name="facility_id")
        else:
            fac, p = _validate_facilities(self.facilities, muni)
            report += p
        set_(self, "facilities", fac)
        for table, check_cat, numeric in (
            ("organisations", True, ("members", "volunteers")),
            ("survey", False, ("weight",)),
        ):
            frame = getattr(self, table)
            if frame is None or len(frame) == 0:
                set_(self, table, _empty(table))
                continue
            out, p = _validate_keyed_table(
                frame, table, muni, check_category=check_cat, numeric=numeric
            )
            report += p
            set_(self, table, out)
        if self.events is None or len(self.events) == 0:
            set_(self, "events", _empty("events"))
        else:
            ev, p = _validate_events(self.events, muni, fac)
            report += p
            set_(self, "events", ev)
        if self.funding is None or len(self.funding) == 0:
            set_(self, "funding", _empty("funding").reset_index(drop=True))
        else:
            fu, p = _validate_funding(self.funding, muni)
            report += p
            set_(self, "funding", fu)
        set_(self, "sources", tuple(dict(s) for s in self.sources))
        set_(self, "report", ValidationReport(tuple(report)))

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
        kulturplan.errors.KulturplanError
            If the prefix is not digits or selects no municipality.
        """
        from kulturplan.errors import KulturplanError

        prefix = str(ags_prefix).strip()
        if not prefix.isdigit() or len(prefix) > 8:
            raise KulturplanError(
                f"AGS-Präfix „{ags_prefix}“ ist ungültig; erwartet werden 2 (Land), 5 (Kreis) "
                "oder 8 Ziffern."
            )
        keep = self.municipalities.index.str.startswith(prefix)
        if not keep.any():
            raise KulturplanError(
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
        def de(n: float) -> str:
            return f"{int(n):,}".replace(",", ".")

        return (
            f"Region({self.name!r}: {len(self.municipalities)} Gemeinden, "
            f"{de(self.municipalities['population'].sum())} Einw., "
            f"{de(len(self.facilities))} Einrichtungen, "
            f"{de(len(self.organisations))} Organisationen, "
            f"{de(len(self.events))} Veranstaltungen)"
        )


def drop_personal_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` without columns holding personal data (GDPR)."""
    personal = [c for c in frame.columns if str(c).lower() in PERSONAL_COLUMNS]
    return frame.drop(columns=personal)
