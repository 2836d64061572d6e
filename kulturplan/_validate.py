"""Validators of the Region's tables (the OSMnx ``_validate.py`` shape).

Each ``validate_*`` function normalises one table and checks it against
:mod:`kulturplan._schema`. Problems that make a table unusable are collected and raised
together as one :class:`~kulturplan.errors.ValidationError` (a user fixes a spreadsheet
once); problems that do not (a facility outside every municipality, an AGS outside the
region) are returned for :attr:`kulturplan.Region.report`. Rows are named as a user sees
them in a spreadsheet (header = row 1, :func:`~kulturplan.errors.spreadsheet_row`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._format import is_ambiguous_number, parse_german_number
from kulturplan._geo import locate
from kulturplan._schema import CRS, KEYS, PROJECT_STATUS, REQUIRED, TABLE_LABELS
from kulturplan.errors import Problem, ValidationError, problems_where


def missing_columns(frame: pd.DataFrame, table: str, required: Iterable[str]) -> list[Problem]:
    """One problem per required column missing from ``frame`` (index name counts)."""
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


def check_ags(values: pd.Series, table: str, column: str = "ags") -> list[Problem]:
    """One problem per value that is no 8-digit municipality key (AGS)."""
    bad = ~values.astype(str).str.fullmatch(r"\d{8}") | values.isna()
    return problems_where(
        TABLE_LABELS[table], bad,
        lambda pos: f"AGS „{values.iloc[pos]}“ ist kein 8-stelliger Gemeindeschlüssel "
        "(erwartet z. B. „05762004“).",
        column,
    )


AMBIGUOUS_NUMBER = (
    "eine eindeutige Zahl: „12.500“ kann 12500 oder 12,5 bedeuten – bitte ohne Tausenderpunkt "
    "(12500) oder mit Dezimalkomma (12,5) schreiben"
)


def german_numbers(raw: pd.Series, *, integer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of stored or typed values (text as a German spreadsheet or kulturplan writes it).

    Text is parsed with :func:`kulturplan._format.parse_german_number`: ``1.200`` in a
    whole-number column is 1200, ``1.234,56`` is 1234.56. In a decimal column a single dot
    group (``12.500``) is a thousands separator when the column is written the German way
    (decimal commas, several dot groups) or holds whole numbers only; next to point
    decimals (``119800.0``) it is ambiguous (second array: to be refused).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Floats (``nan`` where missing or no number) and the mask of ambiguous values.
    """
    values = raw.to_numpy(dtype=object)
    texts = [v.strip() if isinstance(v, str) else None for v in values]
    point = any(t and t.count(".") == 1 and "," not in t and not is_ambiguous_number(t)
                for t in texts)
    out = np.full(len(values), np.nan)
    ambiguous = np.zeros(len(values), dtype=bool)
    for i, (value, text) in enumerate(zip(values, texts, strict=True)):
        if text is None:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[i] = float(value)
            continue
        if not integer and is_ambiguous_number(text) and point:
            ambiguous[i] = True
            continue
        # a dot group next to German or whole numbers only: a thousands separator
        number = parse_german_number(" ".join(text.split()),
                                     integer=integer or is_ambiguous_number(text))
        if number is not None and math.isfinite(number):
            out[i] = number
    return out, ambiguous


def check_numeric(
    frame: pd.DataFrame,
    table: str,
    column: str,
    *,
    non_negative: bool = True,
    allow_missing: bool = False,
) -> tuple[pd.Series, list[Problem]]:
    """The column as numbers; text, missing (unless allowed) and negative values reported."""
    source = TABLE_LABELS[table]
    raw = frame[column]
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):  # typed by hand: 1.200
        values, ambiguous = german_numbers(raw)
        numbers = pd.Series(values, index=raw.index)
    else:
        numbers, ambiguous = pd.to_numeric(raw, errors="coerce"), np.zeros(len(raw), dtype=bool)
    problems = problems_where(source, ambiguous,
                              lambda pos: f"„{raw.iloc[pos]}“ ist keine eindeutige Zahl; "
                              + AMBIGUOUS_NUMBER.removeprefix("eine eindeutige Zahl: ") + ".",
                              column)
    problems += problems_where(source, numbers.isna() & raw.notna() & ~ambiguous,
                               lambda pos: f"„{raw.iloc[pos]}“ ist keine Zahl.", column)
    if not allow_missing:
        problems += problems_where(source, raw.isna(), "Wert fehlt.", column)
    if non_negative:
        problems += problems_where(
            source, numbers < 0,
            lambda pos: f"Wert {numbers.iloc[pos]} ist negativ; erwartet wird eine Zahl ≥ 0.",
            column,
        )
    return numbers, problems


def check_unique(keys: pd.Series, table: str, column: str) -> list[Problem]:
    """One problem per repeated key (the first occurrence is fine)."""
    return problems_where(
        TABLE_LABELS[table], keys.duplicated(keep="first"),
        lambda pos: f"Schlüssel „{keys.iloc[pos]}“ kommt mehrfach vor; jeder Schlüssel darf "
        "nur einmal vorkommen.",
        column,
    )


def check_categories(values: pd.Series, table: str) -> list[Problem]:
    """One problem per category that is not an id of the category catalog."""
    known = set(catalog.category_ids())
    allowed = ", ".join(sorted(known))
    return problems_where(
        TABLE_LABELS[table], ~values.isin(known),
        lambda pos: f"Sparte „{values.iloc[pos]}“ ist unbekannt; erlaubt sind: {allowed}.",
        "category",
    )


def with_key_column(frame: pd.DataFrame, key: str | None) -> pd.DataFrame:
    """Return a copy with the key as a column and a fresh RangeIndex."""
    frame = frame.copy()
    if key is not None and key not in frame.columns and frame.index.name == key:
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    return frame


def to_geodataframe(
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


def check_geometry(
    geom: gpd.GeoSeries, table: str, allowed: tuple[str, ...], *, missing: str, expected: str
) -> tuple[list[Problem], np.ndarray]:
    """Problems for missing geometries and geometries of another type than ``allowed``.

    Returns the problems and the mask of present geometries of an allowed type.
    """
    source = TABLE_LABELS[table]
    absent = (geom.isna() | geom.is_empty).to_numpy()
    types = geom.geom_type
    bad_type = ~types.isin(allowed).to_numpy() & ~absent
    problems = problems_where(source, absent, missing, "geometry")
    problems += problems_where(
        source, bad_type,
        lambda pos: f"Geometrie ist ein {types.iloc[pos]}; erwartet wird {expected}.",
        "geometry",
    )
    return problems, ~absent & ~bad_type


def _check_age_groups(frame: pd.DataFrame, table: str) -> list[Problem]:
    """Age groups must be complete (all or none) and sum to the population."""
    age_cols = [c for c in catalog.AGE_GROUPS if c in frame.columns]
    if not age_cols:
        return []
    problems: list[Problem] = []
    for c in age_cols:
        frame[c], p = check_numeric(frame, table, c)
        problems += p
    if len(age_cols) < len(catalog.AGE_GROUPS):
        missing = [c for c in catalog.AGE_GROUPS if c not in frame.columns]
        return problems + [
            Problem(
                TABLE_LABELS[table],
                "Altersgruppen sind nur teilweise vorhanden; es fehlen: "
                + ", ".join(missing) + ".",
                column=missing[0],
            )
        ]
    total = frame[age_cols].sum(axis=1, min_count=len(age_cols))
    return problems + problems_where(
        TABLE_LABELS[table], (total - frame["population"]).abs() > 0.5,
        lambda pos: f"Die Altersgruppen ergeben zusammen {total.iloc[pos]:.0f}, die "
        f"Einwohnerzahl ist aber {frame['population'].iloc[pos]:.0f}.",
        ",".join(age_cols),
    )


def _check_urban_degree(frame: pd.DataFrame, table: str) -> list[Problem]:
    if "urban_degree" not in frame.columns:
        return []
    raw = frame["urban_degree"]
    degree = pd.to_numeric(raw, errors="coerce")
    problems = problems_where(
        TABLE_LABELS[table], ~degree.isin([1, 2, 3]) & raw.notna(),
        lambda pos: f"Grad der Verstädterung „{raw.iloc[pos]}“ ist ungültig; erlaubt sind 1 "
        "(dicht), 2 (mittel), 3 (gering besiedelt).",
        "urban_degree",
    )
    frame["urban_degree"] = degree.astype("Int64")
    return problems


def validate_municipalities(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The municipalities, index ``ags``; raises :class:`ValidationError` with every problem."""
    table = "municipalities"
    frame = with_key_column(frame, "ags")
    problems = missing_columns(frame, table, ("ags", *REQUIRED[table]))
    if problems:
        raise ValidationError(problems, title="Tabelle „Gemeinden“ ist unvollständig")
    frame["ags"] = normalise_ags(frame["ags"])
    problems += check_ags(frame["ags"], table)
    problems += check_unique(frame["ags"], table, "ags")
    for column in ("population", "area_km2"):
        frame[column], p = check_numeric(frame, table, column)
        problems += p
    problems += _check_age_groups(frame, table)
    problems += _check_urban_degree(frame, table)
    if "kreis_ags" in frame.columns:
        frame["kreis_ags"] = normalise_ags(frame["kreis_ags"], width=5)
    gdf, p = to_geodataframe(frame, table)
    problems += p
    if gdf is not None:
        p, usable = check_geometry(gdf.geometry, table, ("Polygon", "MultiPolygon"),
                                   missing="Geometrie fehlt.", expected="ein (Multi-)Polygon")
        problems += p
        invalid = usable & ~gdf.geometry.is_valid.to_numpy()
        if invalid.any():
            gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
    if problems or gdf is None:
        raise ValidationError(problems, title="Tabelle „Gemeinden“ enthält Fehler")
    gdf = gdf.set_index("ags")
    gdf["population"] = gdf["population"].astype(float)
    return gdf


def validate_facilities(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """The facilities, index ``facility_id``, with ``ags``; and the notes for the report."""
    table = "facilities"
    frame = with_key_column(frame, "facility_id")
    problems = missing_columns(frame, table, ("facility_id", *REQUIRED[table]))
    if problems:
        raise ValidationError(problems, title="Tabelle „Einrichtungen“ ist unvollständig")
    frame["facility_id"] = frame["facility_id"].astype(str)
    problems += check_unique(frame["facility_id"], table, "facility_id")
    problems += check_categories(frame["category"], table)
    for col in ("capacity", "hours_per_week"):
        if col in frame.columns:
            frame[col], p = check_numeric(frame, table, col, allow_missing=True)
            problems += p
    gdf, p = to_geodataframe(frame, table)
    problems += p
    if gdf is not None:
        problems += check_geometry(gdf.geometry, table, ("Point",),
                                   missing="Koordinaten fehlen.", expected="ein Punkt")[0]
    if problems or gdf is None:
        raise ValidationError(problems, title="Tabelle „Einrichtungen“ enthält Fehler")
    gdf, report = assign_ags(gdf, municipalities)
    return gdf.set_index("facility_id"), report


def assign_ags(
    facilities: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill missing ``ags`` by point-in-polygon; report points outside every municipality."""
    facilities = facilities.copy()
    if "ags" not in facilities.columns:
        facilities["ags"] = None
    facilities["ags"] = normalise_ags(facilities["ags"])
    need = facilities["ags"].isna().to_numpy()
    if need.any():
        found = locate(facilities.geometry[need], municipalities)
        hit = found[found.notna()]
        facilities.loc[hit.index, "ags"] = hit.to_numpy()
    ags = facilities["ags"]
    names = facilities["name"]

    def message(pos: int) -> str:
        where = (
            "liegt in keiner Gemeinde der Region."
            if ags.iloc[pos] is None
            else f"verweist auf AGS „{ags.iloc[pos]}“, die nicht zur Region gehört."
        )
        return (f"Einrichtung „{names.iloc[pos]}“ {where} Sie wird mitgeführt, aber keiner "
                "Gemeinde zugerechnet.")

    outside = ags.isna() | ~ags.isin(set(municipalities.index))
    return facilities, problems_where(TABLE_LABELS["facilities"], outside, message, "ags")


def _check_region_ags(
    frame: pd.DataFrame, table: str, municipalities: gpd.GeoDataFrame
) -> tuple[list[Problem], list[Problem]]:
    """``(problems, notes)`` of the ``ags`` column of an organisations/events/… table."""
    if "ags" not in frame.columns:
        return [], []
    frame["ags"] = normalise_ags(frame["ags"])
    present = frame["ags"].notna()
    problems = check_ags(frame.loc[present, "ags"], table) if table != "events" else []
    unknown = present & ~frame["ags"].isin(set(municipalities.index))
    notes = problems_where(
        TABLE_LABELS[table], unknown,
        lambda pos: f"AGS „{frame['ags'].iloc[pos]}“ gehört nicht zur Region; die Zeile wird "
        "keiner Gemeinde zugerechnet.",
        "ags",
    )
    return problems, notes


def validate_keyed_table(
    frame: pd.DataFrame,
    table: str,
    municipalities: gpd.GeoDataFrame,
    *,
    check_category: bool,
    numeric: Iterable[str] = (),
    collect: list[Problem] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """A table with key, optional category, numbers and ``ags``; ``(frame, notes)``.

    With ``collect`` the problems are appended to it for the caller to add its own checks
    and raise once; without, they raise here.
    """
    key = KEYS[table]
    frame = with_key_column(frame, key)
    required = ((key,) if key else ()) + REQUIRED[table]
    problems = missing_columns(frame, table, required)
    if problems:
        raise ValidationError(
            problems, title=f"Tabelle „{TABLE_LABELS[table]}“ ist unvollständig"
        )
    if key:
        frame[key] = frame[key].astype(str)
        problems += check_unique(frame[key], table, key)
    if check_category:
        problems += check_categories(frame["category"], table)
    for col in numeric:
        if col in frame.columns:
            frame[col], p = check_numeric(
                frame, table, col, allow_missing=col not in REQUIRED[table]
            )
            problems += p
    p, report = _check_region_ags(frame, table, municipalities)
    problems += p
    if problems and collect is not None:
        collect.extend(problems)
    elif problems:
        raise ValidationError(
            problems, title=f"Tabelle „{TABLE_LABELS[table]}“ enthält Fehler"
        )
    if key:
        frame = frame.set_index(key)
    return frame, report


def _check_dates(frame: pd.DataFrame, table: str) -> list[Problem]:
    """``start`` (required) and ``end`` as datetimes; missing or invalid dates reported."""
    problems: list[Problem] = []
    for col in ("start", "end"):
        if col not in frame.columns:
            continue
        raw = frame[col]
        parsed = pd.to_datetime(raw, errors="coerce")
        bad = (parsed.isna() & raw.notna()) | (raw.isna() if col == "start" else False)

        def message(pos: int, raw: pd.Series = raw) -> str:
            if pd.isna(raw.iloc[pos]):
                return "Wert fehlt."
            return f"„{raw.iloc[pos]}“ ist kein gültiges Datum (erwartet z. B. 2025-05-17 19:30)."

        problems += problems_where(TABLE_LABELS[table], bad, message, col)
        frame[col] = parsed
    return problems


def _check_venues(
    frame: pd.DataFrame, table: str, facilities: gpd.GeoDataFrame
) -> tuple[pd.Series, list[Problem]]:
    """Fill ``ags`` from the venue; ``(has a venue, notes on unknown venues)``."""
    if "facility_id" not in frame.columns:
        return pd.Series(False, index=frame.index), []
    fid = frame["facility_id"]
    frame["facility_id"] = fid.where(fid.isna(), fid.astype(str))
    has_fac = frame["facility_id"].notna()
    if "ags" in facilities:
        if "ags" not in frame.columns:
            frame["ags"] = None
        venue_ags = frame["facility_id"].map(facilities["ags"])
        frame["ags"] = frame["ags"].where(frame["ags"].notna(), venue_ags)
    unknown = has_fac & ~frame["facility_id"].isin(set(facilities.index))
    notes = problems_where(
        TABLE_LABELS[table], unknown,
        lambda pos: f"Veranstaltungsort „{frame['facility_id'].iloc[pos]}“ ist keine bekannte "
        "Einrichtung.",
        "facility_id",
    )
    return has_fac, notes


def validate_events(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """The events (dates parsed, ``ags`` filled from the venue) and the notes for the report."""
    table = "events"
    problems: list[Problem] = []
    frame, report = validate_keyed_table(
        frame, table, municipalities, check_category=True, numeric=("attendance",),
        collect=problems,
    )
    problems += _check_dates(frame, table)
    has_ags = frame["ags"].notna() if "ags" in frame.columns else pd.Series(False, frame.index)
    has_fac, notes = _check_venues(frame, table, facilities)
    report += notes
    problems += problems_where(
        TABLE_LABELS[table], ~(has_ags | has_fac),
        "Weder Gemeinde (ags) noch Veranstaltungsort (facility_id) angegeben.", "ags",
    )
    if problems:
        raise ValidationError(problems, title="Tabelle „Veranstaltungen“ enthält Fehler")
    return frame, report


def validate_funding(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """The funding table (source, category, unique key per year/AGS/category/source)."""
    table = "funding"
    source = TABLE_LABELS[table]
    problems: list[Problem] = []
    frame, report = validate_keyed_table(
        frame, table, municipalities, check_category=False, numeric=("amount_eur", "year"),
        collect=problems,
    )
    allowed = set(catalog.FUNDING_SOURCES)
    problems += problems_where(
        source, ~frame["source"].isin(allowed),
        lambda pos: f"Quelle „{frame['source'].iloc[pos]}“ ist unbekannt; erlaubt sind: "
        + ", ".join(sorted(allowed)) + ".",
        "source",
    )
    cats = set(catalog.category_ids()) | {"allgemein"}
    problems += problems_where(
        source, ~frame["category"].isin(cats),
        lambda pos: f"Sparte „{frame['category'].iloc[pos]}“ ist unbekannt; erlaubt sind die "
        "Sparten des Katalogs oder „allgemein“.",
        "category",
    )
    parts = frame[["year", "ags", "category", "source"]].astype(str)
    keys = parts["year"] + "|" + parts["ags"] + "|" + parts["category"] + "|" + parts["source"]
    problems += check_unique(keys, table, "year,ags,category,source")
    if problems:
        raise ValidationError(problems, title="Tabelle „Förderung“ enthält Fehler")
    frame["year"] = frame["year"].astype(int)
    return frame, report


_TRUE = {"true", "ja", "1", "x", "yes", "wahr"}
_FALSE = {"false", "nein", "0", "no", "falsch", ""}


def _check_flag(frame: pd.DataFrame, table: str, column: str) -> list[Problem]:
    """A ja/nein column as booleans (missing = ``False``); other texts reported."""
    if column not in frame.columns:
        return []
    raw = frame[column]
    text = raw.where(raw.notna(), "").astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    problems = problems_where(
        TABLE_LABELS[table], bad,
        lambda pos: f"„{raw.iloc[pos]}“ ist keine gültige Angabe; erwartet „ja“ oder „nein“.",
        column,
    )
    frame[column] = text.isin(_TRUE)
    return problems


def validate_projects(
    frame: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """The projects (Sparte, municipality, start year, status, best-practice flag)."""
    table = "projects"
    problems: list[Problem] = []
    frame, report = validate_keyed_table(
        frame, table, municipalities, check_category=True, numeric=("start_year",),
        collect=problems,
    )
    if "status" in frame.columns:
        status = frame["status"]
        allowed = ", ".join(PROJECT_STATUS)
        problems += problems_where(
            TABLE_LABELS[table], status.notna() & ~status.isin(set(PROJECT_STATUS)),
            lambda pos: f"Status „{status.iloc[pos]}“ ist unbekannt; erlaubt sind: {allowed}.",
            "status",
        )
    problems += _check_flag(frame, table, "best_practice")
    if problems:
        raise ValidationError(problems, title="Tabelle „Projekte“ enthält Fehler")
    return frame, report


def empty_table(table: str) -> pd.DataFrame:
    """An empty table with the required columns (and key index) of ``table``."""
    key = KEYS[table]
    cols = [c for c in REQUIRED[table] if c != "geometry"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if key:
        frame.index = pd.Index([], dtype=object, name=key)
    return frame


def empty_facilities() -> gpd.GeoDataFrame:
    """An empty facilities table (``name``, ``category``, ``ags``, points in :data:`CRS`)."""
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
    return fac
