"""Facility lists of a Kreis (Excel or CSV) and the Excel template to collect them.

A facility list has one row per cultural facility with German column names
(``Name``, ``Sparte``, ``Straße``, ``PLZ``, ``Ort``, ``Breitengrad``,
``Längengrad``, ``Kapazität``, ``Träger``, ``Barrierefrei`` …) or any names
together with a ``mapping``. The ``Sparte`` may be a catalog id
(``bibliothek``), its label (``Bibliothek``) or a known alias (``Stadtbücherei``).
There is no online geocoding: rows need coordinates (WGS84 degrees; or
``Rechtswert``/``Hochwert`` in EPSG:25832).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._format import format_decimal
from kulturplan._geo import wgs84_points
from kulturplan.errors import ParameterError
from kulturplan.region import CRS
from kulturplan.sources._cells import (
    GERMANY_BBOX,
    cell_text,
    check_unique,
    in_germany,
    is_empty,
    normalise_label,
    normalise_name,
)
from kulturplan.sources._files import RawTable, read_any
from kulturplan.sources._report import ReadResult, RowProblems
from kulturplan.sources.lists import (
    ListView,
    category_lookup,
    category_problem,
    find_list_columns,
    match_category,
    note_unused,
    require_columns,
    write_list_template,
)

__all__ = ["FIELDS", "TEMPLATE_COLUMNS", "category_lookup", "match_category", "read_table",
           "write_template"]

FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # field: (German column name in the template, accepted spellings)
    "facility_id": ("ID", ("Kennung", "Nr", "Nummer", "Einrichtungs-ID", "facility_id")),
    "name": ("Name", ("Bezeichnung", "Einrichtung", "Einrichtungsname", "Name der Einrichtung")),
    "category": ("Sparte", ("Kategorie", "Art", "Typ", "Einrichtungsart", "Sparte/Art")),
    "street": ("Straße", ("Strasse", "Str", "Str.", "Adresse", "Anschrift", "Straße und Nr.")),
    "postcode": ("PLZ", ("Postleitzahl",)),
    "city": ("Ort", ("Stadt", "Gemeinde", "Ortsteil")),
    "lat": ("Breitengrad", ("Breite", "lat", "latitude", "Geo-Breite", "N")),
    "lon": ("Längengrad", ("Länge", "lon", "lng", "long", "longitude", "Geo-Länge", "E")),
    "x": ("Rechtswert", ("UTM Ost", "Ostwert", "x")),
    "y": ("Hochwert", ("UTM Nord", "Nordwert", "y")),
    "capacity": ("Kapazität", ("Plätze", "Sitzplätze", "Kapazitaet", "Besucherplätze")),
    "operator": ("Träger", ("Traeger", "Betreiber", "Trägerschaft")),
    "barrier_free": ("Barrierefrei", ("Barrierefreiheit", "barrierefreier Zugang")),
    "hours_per_week": (
        "Öffnungsstunden pro Woche",
        ("Öffnungsstunden", "Stunden pro Woche", "Wochenstunden", "Öffnungszeit Std./Woche"),
    ),
    "mobile": ("Mobil", ("Mobiles Angebot", "mobil")),
    "ags": ("AGS", ("Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel")),
    "note": ("Bemerkung", ("Hinweis", "Anmerkung", "Kommentar")),
}
"""Canonical fields of a facility list with their German names and synonyms."""

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "name",
    "category",
    "street",
    "postcode",
    "city",
    "lat",
    "lon",
    "capacity",
    "operator",
    "barrier_free",
    "hours_per_week",
    "mobile",
    "note",
)

_YES = {"ja", "j", "x", "yes", "y", "true", "wahr", "1"}
_NO = {"nein", "n", "no", "false", "falsch", "0"}
_PARTLY = {"teilweise", "teils", "eingeschraenkt", "bedingt"}


def _label(field: str) -> str:
    return FIELDS[field][0]


def _resolve_mapping(mapping: dict[str, str] | None, source: str) -> dict[str, str]:
    """Turn ``{file column: field or German name}`` into ``{file column: field}``."""
    if not mapping:
        return {}
    names: dict[str, str] = {}
    for field, (german, synonyms) in FIELDS.items():
        for n in (field, german, *synonyms):
            names.setdefault(normalise_name(n), field)
    out = {}
    for file_col, target in mapping.items():
        found = names.get(normalise_name(target))
        if found is None:
            raise ParameterError(
                f"{source}: Zuordnung „{file_col}“ → „{target}“: Ziel ist unbekannt; erlaubt "
                "sind " + ", ".join(f"„{FIELDS[f][0]}“" for f in FIELDS) + "."
            )
        out[str(file_col)] = found
    return out


_SPECIFIC_NAMES = tuple(normalise_name(n) for n in FIELDS["name"][1])


def _facility_name_column(header: list[str], cols: dict[str, int]) -> dict[str, int]:
    """Prefer „Einrichtung“/„Bezeichnung“ over a plain „Name“ for the facility name.

    In a list with „Einrichtung“ next to „Name“ and „Vorname“, „Name“ is the contact
    person's surname (personal data), not the facility's name.
    """
    keys = [normalise_name(h) for h in header]
    specific = next((j for j, k in enumerate(keys) if k in _SPECIFIC_NAMES), None)
    if specific is None or cols.get("name") == specific:
        return cols
    out = {f: j for f, j in cols.items() if j != specific}
    out["name"] = specific
    return out


def _resolve_columns(table: RawTable, mapping: dict[str, str] | None) -> ListView:
    """Find the fields' columns; a missing required column raises (nothing can be read)."""
    explicit = _resolve_mapping(mapping, table.source)
    view = find_list_columns(table, FIELDS, explicit)
    if "name" not in explicit:
        view = replace(view, cols=_facility_name_column(table.header, view.cols))
    required = ["name", "category"]
    if not (view.has("lat") and view.has("lon")) and not (view.has("x") and view.has("y")):
        required += ["lat", "lon"]
    require_columns(view, required, what="Die Einrichtungsliste")
    return view


def _names(view: ListView, found: RowProblems) -> list[str]:
    names = [cell_text(v) for v in view.values("name")]
    found.add_each((k for k, v in enumerate(names) if not v), "Name fehlt.", view.name("name"))
    return names


def _categories(view: ListView, found: RowProblems) -> list[str | None]:
    lookup = category_lookup()
    out: list[str | None] = []
    for k, value in enumerate(view.values("category")):
        cid, problem = category_problem(cell_text(value), lookup)
        if problem is not None:
            found.add(k, problem, view.name("category"))
        out.append(cid)
    return out


_MISSING_COORDINATES = (
    "Koordinaten fehlen; bitte Breitengrad und Längengrad in Grad (WGS84, z. B. 51,7757 und "
    "9,3816) eintragen – eine Online-Adresssuche gibt es hier nicht."
)


def _degree_points(view: ListView, found: RowProblems) -> gpd.GeoSeries:
    """Points from Breitengrad/Längengrad; empty, swapped and foreign coordinates reported."""
    lat = view.numbers("lat", found)
    lon = view.numbers("lon", found)
    missing = np.isnan(lat) | np.isnan(lon)
    lat_empty = np.array([is_empty(v) for v in view.values("lat")], dtype=bool)
    lon_empty = np.array([is_empty(v) for v in view.values("lon")], dtype=bool)
    inside = in_germany(lon, lat)
    swapped = ~missing & ~inside & in_germany(lat, lon)
    outside = ~missing & ~inside & ~swapped
    found.add_each(np.flatnonzero(lat_empty | lon_empty), _MISSING_COORDINATES,
                   lambda k: view.name("lat") if lat_empty[k] else view.name("lon"))
    found.add_each(
        np.flatnonzero(swapped),
        lambda k: f"Breitengrad ({format_decimal(lat[k])}) und Längengrad "
        f"({format_decimal(lon[k])}) sind vertauscht: in Deutschland liegt der Breitengrad "
        "zwischen 47,2 und 55,1, der Längengrad zwischen 5,8 und 15,1. Bitte die beiden Werte "
        "tauschen.",
        view.name("lat"),
    )
    found.add_each(
        np.flatnonzero(outside),
        lambda k: f"Koordinaten (Breitengrad {format_decimal(lat[k])}, Längengrad "
        f"{format_decimal(lon[k])}) liegen außerhalb Deutschlands; erwartet Breitengrad "
        "47,2–55,1 und Längengrad 5,8–15,1 (Grad, WGS84).",
        lambda k: view.name("lat")
        if not (GERMANY_BBOX[1] <= lat[k] <= GERMANY_BBOX[3]) else view.name("lon"),
    )
    found.rejected |= missing
    return wgs84_points(np.nan_to_num(lon), np.nan_to_num(lat))


def _utm_points(view: ListView, found: RowProblems) -> gpd.GeoSeries:
    """Points from Rechtswert/Hochwert (EPSG:25832); missing or foreign values reported."""
    x = view.numbers("x", found)
    y = view.numbers("y", found)
    missing = np.isnan(x) | np.isnan(y)
    points = gpd.GeoSeries(gpd.points_from_xy(np.nan_to_num(x), np.nan_to_num(y)), crs=CRS)
    degrees = points.to_crs("EPSG:4326")
    inside = in_germany(degrees.x.to_numpy(), degrees.y.to_numpy())
    found.add_each(
        np.flatnonzero(missing | ~inside),
        lambda k: "Koordinaten fehlen." if missing[k] else
        f"Rechts-/Hochwert ({format_decimal(x[k])}, {format_decimal(y[k])}) liegt nicht in "
        "Deutschland; erwartet werden UTM-Koordinaten in EPSG:25832 (z. B. 520000 / 5735000).",
        view.name("x"),
    )
    return points


def _amounts(view: ListView, found: RowProblems) -> tuple[np.ndarray, np.ndarray]:
    """Kapazität (whole number) and opening hours per week; negative values reported."""
    capacity = view.numbers("capacity", found, integer=True)
    hours = view.numbers("hours_per_week", found)
    for field, values in (("capacity", capacity), ("hours_per_week", hours)):
        found.add_each(np.flatnonzero(values < 0),
                       lambda k, v=values: f"Wert {format_decimal(v[k])} ist negativ.",
                       view.name(field))
    return capacity, hours


def _flag_value(value: Any) -> Any:
    """``True``/``False``/``pd.NA`` for a ja/nein cell; ``None`` if it is neither."""
    if isinstance(value, bool):
        return value
    text = normalise_name(cell_text(value))
    if not text:
        return pd.NA
    if text in _YES:
        return True
    if text in _NO or text in _PARTLY:
        return False
    return None


def _flags(view: ListView, field: str, found: RowProblems) -> list[Any]:
    if not view.has(field):
        return [pd.NA] * view.n
    out: list[Any] = []
    for k, value in enumerate(view.values(field)):
        flag = _flag_value(value)
        if flag is None:
            found.add(k, f"„{cell_text(value)}“ ist keine gültige Angabe; erwartet „ja“, "
                      "„nein“ oder „teilweise“.", view.name(field))
            flag = pd.NA
        out.append(flag)
    return out


def _ids(view: ListView, stem: str, found: RowProblems) -> list[str]:
    """The file's IDs (empty ones and a missing column give ``<file>-<row>``); repeats reported."""
    rows = view.table.row_numbers
    if not view.has("facility_id"):
        return [f"{stem}-{r}" for r in rows]
    ids = [cell_text(v) or f"{stem}-{r}"
           for v, r in zip(view.values("facility_id"), rows, strict=True)]
    found.extend(check_unique(ids, source=view.table.source, column=view.name("facility_id"),
                              rows=rows, what="Kennung"))
    return ids


def _texts(view: ListView, field: str) -> list[str | None]:
    """Texts of ``field``, ``None`` where empty."""
    return [t or None for t in view.texts(field)]


def _postcodes(view: ListView) -> list[str | None]:
    return [(t.zfill(5) if t and t.isdigit() and len(t) == 4 else t)
            for t in _texts(view, "postcode")]


def _assemble(view: ListView, found: RowProblems, stem: str) -> gpd.GeoDataFrame:
    """Parse every field and build the frame (all rows; the caller drops the rejected ones)."""
    names = _names(view, found)
    categories = _categories(view, found)
    has_degrees = view.has("lat") and view.has("lon")
    points = _degree_points(view, found) if has_degrees else _utm_points(view, found)
    capacity, hours = _amounts(view, found)
    barrier_free = _flags(view, "barrier_free", found)
    mobile = _flags(view, "mobile", found)
    data: dict[str, Any] = {
        "facility_id": pd.Series(_ids(view, stem, found), dtype=object),
        "name": pd.Series(names, dtype=object),
        "category": pd.Series(categories, dtype=object),
        "street": pd.Series(_texts(view, "street"), dtype=object),
        "postcode": pd.Series(_postcodes(view), dtype=object),
        "city": pd.Series(_texts(view, "city"), dtype=object),
        "capacity": capacity,
        "operator": pd.Series(_texts(view, "operator"), dtype=object),
        "barrier_free": pd.array(barrier_free, dtype="boolean"),
        "hours_per_week": hours,
        "mobile": pd.array(mobile, dtype="boolean"),
    }
    if view.has("ags"):
        data["ags"] = pd.Series(_texts(view, "ags"), dtype=object)
    data["source"] = view.table.source
    data["source_row"] = np.asarray(view.table.row_numbers, dtype=int)
    return gpd.GeoDataFrame(data, geometry=points.to_numpy(), crs=CRS)


_NOT_TAKEN = ("note",)
"""Fields recognised but not taken over (free text may name persons): listed in the report."""


def _report_duplicates(frame: gpd.GeoDataFrame, found: RowProblems) -> None:
    """Rows repeating an earlier row (same name, Sparte and place within 1 m) are left out.

    A copy would count the facility twice in every per-capita indicator.
    """
    usable = ~found.rejected
    if not usable.any():
        return
    keys = pd.DataFrame({
        "name": frame["name"].map(normalise_label),
        "category": frame["category"],
        "x": np.round(frame.geometry.x.to_numpy()),
        "y": np.round(frame.geometry.y.to_numpy()),
    })[usable]
    repeated = keys.duplicated(keep="first")
    first_row = dict(zip(map(tuple, keys[~repeated].to_numpy()),
                         frame["source_row"].to_numpy()[usable][~repeated.to_numpy()],
                         strict=True))
    positions = np.flatnonzero(usable)[repeated.to_numpy()]
    for k, key in zip(positions, map(tuple, keys[repeated].to_numpy()), strict=True):
        found.add(int(k), f"Die Zeile wiederholt Zeile {first_row[key]} (gleicher Name, gleiche "
                  "Sparte, gleicher Ort); sie wird nicht doppelt gezählt.")


def read_table(
    path: str | Path,
    mapping: dict[str, str] | None = None,
    *,
    sheet: str | None = None,
    id_prefix: str | None = None,
) -> ReadResult:
    """Read a facility list (CSV or XLSX) into facilities for a :class:`~kulturplan.Region`.

    Parameters
    ----------
    path
        CSV (encoding and separator detected) or Excel workbook (first sheet, or
        ``sheet``; a workbook made with :func:`write_template` is read as is).
    mapping
        ``{column in the file: field}``, where field is a German column name of the
        template (``"Sparte"``) or a field id (``"category"``); for files with other
        column names.
    sheet
        Sheet of a workbook (default: the first visible one).
    id_prefix
        Prefix of the generated IDs ``<prefix>-<row>`` (default: the file name without
        suffix); two lists with the same file name need different prefixes.

    Returns
    -------
    ReadResult
        ``facilities, report``. ``facilities``: index ``facility_id`` (the file's ID
        column, else ``<file>-<row>``); columns ``name``, ``category`` (catalog id),
        ``street``, ``postcode``, ``city``, ``capacity``, ``operator``, ``barrier_free``
        (``teilweise`` counts as not barrier-free), ``hours_per_week``, ``mobile``,
        ``ags`` (if given), ``source``, ``source_row``, ``geometry`` (points in
        EPSG:25832). Columns not listed in :data:`FIELDS` are not taken over (they may
        hold personal data). ``report``: every row left out with row, column and reason
        (missing name, unknown Sparte with the closest catalog ids, missing, swapped or
        foreign coordinates, text in number columns, duplicate IDs), how many rows that
        were, and the columns not taken over.

    Raises
    ------
    kulturplan.errors.InputFileError
        Missing, empty or unreadable file (e.g. not a spreadsheet).
    kulturplan.errors.ValidationError
        Missing required columns or no data rows (nothing can be read).
    """
    table = read_any(path, sheet=sheet)
    view = _resolve_columns(table, mapping)
    found = RowProblems(table.source, table.row_numbers)
    frame = _assemble(view, found, id_prefix or Path(path).stem)
    _report_duplicates(frame, found)
    note_unused(view, found, taken={j for f, j in view.cols.items() if f not in _NOT_TAKEN})
    report = found.report(first=table.problems)
    return ReadResult(frame[~found.rejected].set_index("facility_id"), report)


# --------------------------------------------------------------------------------------
# Excel template
# --------------------------------------------------------------------------------------
_HINTS: dict[str, str] = {
    "name": "Name der Einrichtung, z. B. „Stadtbücherei Höxter“. Pflichtfeld.",
    "category": "Sparte aus der Liste wählen (Blatt „Sparten“). Pflichtfeld.",
    "street": "Straße und Hausnummer.",
    "postcode": "Fünfstellige Postleitzahl, z. B. 37671.",
    "city": "Ort bzw. Ortsteil.",
    "lat": "Breitengrad in Grad (WGS84), z. B. 51,7757 – in Deutschland 47,2 bis 55,1. "
    "Pflichtfeld.",
    "lon": "Längengrad in Grad (WGS84), z. B. 9,3816 – in Deutschland 5,8 bis 15,1. Pflichtfeld.",
    "capacity": "Plätze/Sitzplätze als ganze Zahl (leer lassen, wenn unbekannt).",
    "operator": "Träger, z. B. Kommune, Kreis, Verein, Kirche, privat.",
    "barrier_free": "ja, nein oder teilweise.",
    "hours_per_week": "Öffnungsstunden pro Woche (Zahl).",
    "mobile": "ja bei mobilen Angeboten (Bücherbus, Kulturbus).",
    "note": "Freitext; bitte keine Namen, E-Mail-Adressen oder Telefonnummern von Personen.",
}


def write_template(path: str | Path, *, rows: int = 1000, overwrite: bool = False) -> Path:
    """Write an Excel template for a facility list with dropdowns and input hints.

    The first sheet "Einrichtungen" has the German column names of
    :data:`TEMPLATE_COLUMNS`, a dropdown for ``Sparte`` (labels of the category
    catalog, listed on sheet "Sparten"), dropdowns for ``Barrierefrei`` and
    ``Mobil``, range checks for the coordinates and an input hint on every column;
    sheet "Hinweise" explains each column. :func:`read_table` reads the filled-in
    template as is.

    Parameters
    ----------
    path
        Target ``.xlsx`` file.
    rows
        Number of rows prepared with dropdowns and checks.
    overwrite
        Replace an existing file (default: refuse, to never destroy a user's list).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    from openpyxl.worksheet.datavalidation import DataValidation

    validations: dict[int, DataValidation] = {}
    for j, field in enumerate(TEMPLATE_COLUMNS):
        dv = _validation(field, len(catalog.category_ids()))
        if dv is not None:
            validations[j] = dv
    return write_list_template(
        path, sheet="Einrichtungen", rows=rows, overwrite=overwrite,
        columns=[(_label(f), _HINTS[f]) for f in TEMPLATE_COLUMNS],
        validations=validations,
        widths={j: 34 if f in ("name", "street", "note") else 16
                for j, f in enumerate(TEMPLATE_COLUMNS)},
        text_columns=[TEMPLATE_COLUMNS.index("postcode")],
        footer="Eine Zeile je Einrichtung. Die Datei wird mit "
               "kulturplan.sources.facilities.read_table gelesen; fehlerhafte Zeilen werden "
               "mit Zeilennummer und Spalte gemeldet.",
    )


def _validation(field: str, n_categories: int) -> Any:
    """The input check of a template column (dropdown, range), ``None`` for free input."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv: DataValidation
    if field == "category":
        dv = DataValidation(type="list", formula1=f"=Sparten!$B$2:$B${n_categories + 1}",
                            allow_blank=True)
        dv.error = "Bitte eine Sparte aus der Liste wählen."
        dv.errorTitle = "Unbekannte Sparte"
    elif field in ("barrier_free", "mobile"):
        choices = '"ja,nein,teilweise"' if field == "barrier_free" else '"ja,nein"'
        dv = DataValidation(type="list", formula1=choices, allow_blank=True)
        dv.error = "Bitte ja, nein" + (" oder teilweise" if field == "barrier_free" else "")
    elif field in ("lat", "lon"):
        lo, hi = ((GERMANY_BBOX[1], GERMANY_BBOX[3]) if field == "lat"
                  else (GERMANY_BBOX[0], GERMANY_BBOX[2]))
        dv = DataValidation(type="decimal", operator="between", formula1=str(lo),
                            formula2=str(hi), allow_blank=True)
        dv.error = f"Wert muss zwischen {lo:g} und {hi:g} liegen (Grad, WGS84)."
    elif field == "capacity":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True)
        dv.error = "Bitte eine ganze Zahl ≥ 0 eintragen."
    elif field == "hours_per_week":
        dv = DataValidation(type="decimal", operator="between", formula1="0",
                            formula2="168", allow_blank=True)
        dv.error = "Bitte eine Zahl zwischen 0 und 168 eintragen."
    else:
        return None
    dv.showErrorMessage = True
    return dv
