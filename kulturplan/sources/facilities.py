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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._format import format_decimal
from kulturplan._geo import wgs84_points
from kulturplan.errors import (
    OverwriteRefusedError,
    ParameterError,
    Problem,
    ValidationError,
)
from kulturplan.region import CRS, is_personal_column
from kulturplan.sources._cells import (
    GERMANY_BBOX,
    cell_text,
    check_unique,
    closest,
    find_columns,
    in_germany,
    is_empty,
    missing_column_problem,
    normalise_label,
    normalise_name,
    parse_numbers,
)
from kulturplan.sources._files import RawTable, read_any
from kulturplan.sources._report import ReadResult, RowProblems

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


def category_lookup() -> dict[str, str]:
    """Normalised spelling → category id, from catalog ids, labels and aliases."""
    table = catalog.categories()
    lookup: dict[str, str] = {}
    for cid, row in table.iterrows():
        names = [cid, row["label"], row.get("label_plural", ""), *(row.get("aliases") or [])]
        for n in names:
            if n:
                lookup.setdefault(normalise_label(n), str(cid))
                lookup.setdefault(normalise_name(n), str(cid))
    return lookup


def match_category(
    value: Any, lookup: dict[str, str] | None = None
) -> tuple[str | None, list[str]]:
    """Return ``(category id, suggestions)`` for a user's Sparte text.

    The id is ``None`` when the text matches no id, label or alias; then the
    suggestions name the closest catalog ids (difflib).
    """
    lookup = lookup if lookup is not None else category_lookup()
    text = cell_text(value)
    for key in (normalise_label(text), normalise_name(text)):
        if key in lookup:
            return lookup[key], []
    hits = closest(text, [k for k in lookup if " " in k or k.isalnum()], n=5)
    ids = list(dict.fromkeys(lookup[h] for h in hits))[:3]
    return None, ids


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


@dataclass(frozen=True)
class _Columns:
    """The cells of a facility list by field (column resolution done once)."""

    table: RawTable
    cols: dict[str, int]

    @property
    def n(self) -> int:
        return len(self.table.rows)

    def has(self, field: str) -> bool:
        return field in self.cols

    def values(self, field: str) -> list[Any]:
        j = self.cols.get(field)
        return [r[j] for r in self.table.rows] if j is not None else [None] * self.n

    def name(self, field: str) -> str:
        """The column name as in the file (the template's name when the column is absent)."""
        return self.table.header[self.cols[field]] if field in self.cols else _label(field)

    def texts(self, field: str) -> list[str | None]:
        return [cell_text(v) or None for v in self.values(field)]

    def numbers(self, field: str, found: RowProblems, *, integer: bool = False) -> np.ndarray:
        if field not in self.cols:
            return np.full(self.n, np.nan)
        values, problems = parse_numbers(self.values(field), source=self.table.source,
                                         column=self.name(field), rows=self.table.row_numbers,
                                         integer=integer)
        found.extend(problems)
        return values


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


def _resolve_columns(table: RawTable, mapping: dict[str, str] | None) -> _Columns:
    """Find the fields' columns; a missing required column raises (nothing can be read)."""
    source = table.source
    explicit = _resolve_mapping(mapping, source)
    synonyms = {f: (german, *syn) for f, (german, syn) in FIELDS.items()}
    cols = find_columns(table.header, synonyms, explicit)
    if "name" not in explicit:
        cols = _facility_name_column(table.header, cols)
    required = ["name", "category"]
    if not ("lat" in cols and "lon" in cols) and not ("x" in cols and "y" in cols):
        required += ["lat", "lon"]
    fatal = [missing_column_problem(source, _label(f), table.header)
             for f in required if f not in cols]
    if fatal:
        raise ValidationError(fatal, title=f"{source}: Die Einrichtungsliste ist unvollständig")
    if not table.rows:
        raise ValidationError(
            [Problem(source, "Die Tabelle hat keine Datenzeilen unter der Kopfzeile.", row=2)],
            title=f"{source}: Die Einrichtungsliste ist leer",
        )
    return _Columns(table, cols)


def _names(view: _Columns, found: RowProblems) -> list[str]:
    names = [cell_text(v) for v in view.values("name")]
    found.add_each((k for k, v in enumerate(names) if not v), "Name fehlt.", view.name("name"))
    return names


def _category_problem(text: str, lookup: dict[str, str]) -> tuple[str | None, str | None]:
    """``(category id, None)`` or ``(None, German problem message)`` for one Sparte cell."""
    allowed = ", ".join(catalog.category_ids())
    if not text:
        return None, f"Sparte fehlt; erlaubt sind: {allowed}."
    cid, suggestions = match_category(text, lookup)
    if cid is not None:
        return cid, None
    hint = (
        "; meinten Sie: "
        + ", ".join(f"{s} ({catalog.category_label(s)})" for s in suggestions) + "?"
        if suggestions
        else ""
    )
    return None, (
        f"Sparte „{text}“ ist unbekannt{hint} Erlaubt sind die Kennungen, Bezeichnungen und "
        f"Synonyme des Sparten-Katalogs: {allowed}."
    )


def _categories(view: _Columns, found: RowProblems) -> list[str | None]:
    lookup = category_lookup()
    out: list[str | None] = []
    for k, value in enumerate(view.values("category")):
        cid, problem = _category_problem(cell_text(value), lookup)
        if problem is not None:
            found.add(k, problem, view.name("category"))
        out.append(cid)
    return out


_MISSING_COORDINATES = (
    "Koordinaten fehlen; bitte Breitengrad und Längengrad in Grad (WGS84, z. B. 51,7757 und "
    "9,3816) eintragen – eine Online-Adresssuche gibt es hier nicht."
)


def _degree_points(view: _Columns, found: RowProblems) -> gpd.GeoSeries:
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


def _utm_points(view: _Columns, found: RowProblems) -> gpd.GeoSeries:
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


def _amounts(view: _Columns, found: RowProblems) -> tuple[np.ndarray, np.ndarray]:
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


def _flags(view: _Columns, field: str, found: RowProblems) -> list[Any]:
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


def _ids(view: _Columns, stem: str, found: RowProblems) -> list[str]:
    """The file's IDs (empty ones and a missing column give ``<file>-<row>``); repeats reported."""
    rows = view.table.row_numbers
    if not view.has("facility_id"):
        return [f"{stem}-{r}" for r in rows]
    ids = [cell_text(v) or f"{stem}-{r}"
           for v, r in zip(view.values("facility_id"), rows, strict=True)]
    found.extend(check_unique(ids, source=view.table.source, column=view.name("facility_id"),
                              rows=rows, what="Kennung"))
    return ids


def _postcodes(view: _Columns) -> list[str | None]:
    return [(t.zfill(5) if t and t.isdigit() and len(t) == 4 else t)
            for t in view.texts("postcode")]


def _assemble(view: _Columns, found: RowProblems, stem: str) -> gpd.GeoDataFrame:
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
        "street": pd.Series(view.texts("street"), dtype=object),
        "postcode": pd.Series(_postcodes(view), dtype=object),
        "city": pd.Series(view.texts("city"), dtype=object),
        "capacity": capacity,
        "operator": pd.Series(view.texts("operator"), dtype=object),
        "barrier_free": pd.array(barrier_free, dtype="boolean"),
        "hours_per_week": hours,
        "mobile": pd.array(mobile, dtype="boolean"),
    }
    if view.has("ags"):
        data["ags"] = pd.Series(view.texts("ags"), dtype=object)
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
    taken = {j for f, j in view.cols.items() if f not in _NOT_TAKEN}
    unused = [h for j, h in enumerate(table.header) if j not in taken and h]
    personal = [u for u in unused if is_personal_column(u)]
    if unused:
        found.note(
            "Spalten nicht übernommen (unbekannt oder möglicherweise personenbezogen): "
            + ", ".join(f"„{u}“" for u in unused) + "."
            + (" Personenbezogen sind vermutlich: " + ", ".join(f"„{u}“" for u in personal)
               + "." if personal else ""),
            row=1,
        )
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
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    target = Path(path)
    if target.exists() and not overwrite:
        raise OverwriteRefusedError(
            f"{target.name}: Die Datei existiert bereits und wird nicht überschrieben. Bitte "
            "einen anderen Dateinamen wählen."
        )
    book = Workbook()
    ws = book.active
    ws.title = "Einrichtungen"
    cats = catalog.categories()
    ref = book.create_sheet("Sparten")
    ref.append(["Kennung", "Sparte", "Bereich", "auch erkannt"])
    for cid, row in cats.iterrows():
        ref.append([cid, row["label"], row.get("sparte", ""), ", ".join(row.get("aliases") or [])])
    for cell in ref[1]:
        cell.font = Font(bold=True)
    ref.column_dimensions["A"].width = 26
    ref.column_dimensions["B"].width = 28
    ref.column_dimensions["C"].width = 22
    ref.column_dimensions["D"].width = 70

    header_fill = PatternFill("solid", fgColor="DDE7F0")
    last = rows + 1
    for j, field in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=1, column=j, value=_label(field))
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(_HINTS[field], "kulturplan")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = 34 if field in ("name", "street", "note") else 16
        rng = f"{letter}2:{letter}{last}"
        dv: DataValidation
        if field == "category":
            dv = DataValidation(type="list", formula1=f"=Sparten!$B$2:$B${len(cats) + 1}",
                                allow_blank=True)
            dv.error = "Bitte eine Sparte aus der Liste wählen."
            dv.errorTitle = "Unbekannte Sparte"
            dv.showErrorMessage = True
        elif field in ("barrier_free", "mobile"):
            choices = '"ja,nein,teilweise"' if field == "barrier_free" else '"ja,nein"'
            dv = DataValidation(type="list", formula1=choices, allow_blank=True)
            dv.showErrorMessage = True
            dv.error = "Bitte ja, nein" + (" oder teilweise" if field == "barrier_free" else "")
        elif field in ("lat", "lon"):
            lo, hi = ((GERMANY_BBOX[1], GERMANY_BBOX[3]) if field == "lat"
                      else (GERMANY_BBOX[0], GERMANY_BBOX[2]))
            dv = DataValidation(type="decimal", operator="between", formula1=str(lo),
                                formula2=str(hi), allow_blank=True)
            dv.showErrorMessage = True
            dv.error = f"Wert muss zwischen {lo:g} und {hi:g} liegen (Grad, WGS84)."
        elif field in ("capacity",):
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                allow_blank=True)
            dv.showErrorMessage = True
            dv.error = "Bitte eine ganze Zahl ≥ 0 eintragen."
        elif field == "hours_per_week":
            dv = DataValidation(type="decimal", operator="between", formula1="0",
                                formula2="168", allow_blank=True)
            dv.showErrorMessage = True
            dv.error = "Bitte eine Zahl zwischen 0 und 168 eintragen."
        else:
            dv = DataValidation(allow_blank=True)
        dv.promptTitle = _label(field)[:32]
        dv.prompt = _HINTS[field][:255]
        dv.showInputMessage = True
        dv.add(rng)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    for r in range(2, last + 1):
        ws.cell(row=r, column=TEMPLATE_COLUMNS.index("postcode") + 1).number_format = "@"

    hints = book.create_sheet("Hinweise")
    hints.append(["Spalte", "Hinweis"])
    for field in TEMPLATE_COLUMNS:
        hints.append([_label(field), _HINTS[field]])
    hints.append([])
    hints.append(["", "Eine Zeile je Einrichtung. Die Datei wird mit "
                  "kulturplan.sources.facilities.read_table gelesen; fehlerhafte Zeilen werden "
                  "mit Zeilennummer und Spalte gemeldet."])
    for cell in hints[1]:
        cell.font = Font(bold=True)
    hints.column_dimensions["A"].width = 28
    hints.column_dimensions["B"].width = 100
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    book.save(tmp)
    tmp.replace(target)
    return target
