"""The official municipality register of Destatis (Gemeindeverzeichnis, GV-ISys extract).

The register lists every German municipality with area, population (total, male,
female), postcode, the coordinates of the municipal centre and the settlement type
(Grad der Verstädterung), together with records for Länder (``satzart`` 10),
Regierungsbezirke (20), Regionen (30), Kreise (40) and Gemeindeverbände (50).
Municipalities are records of ``satzart`` 60; their AGS is
``land + rb + kreis + gemeinde``.

Two layouts are read:

* the CSV extract (``AuszugGV4QAktuell_2020.csv``): one header row with technical
  names (``satzart``, ``land``, …, ``bevoelkerung``), UTF-8 with BOM or Latin-1,
  spaces as thousands separators, decimal commas in the coordinates;
* the official XLSX workbook with its multi-row header (title rows, a group row
  such as "Amtlicher Regionalschlüssel (ARS)" over "Land | RB | Kreis | VB | Gem",
  a row numbering the columns, data below, footnotes at the end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kulturplan._format import format_decimal
from kulturplan.errors import InputFileError, Problem, ValidationError
from kulturplan.sources._cells import (
    cell_text,
    check_unique,
    in_germany,
    is_empty,
    missing_column_problem,
    normalise_name,
    parse_numbers,
)
from kulturplan.sources._files import (
    RawTable,
    display_name,
    read_bytes,
    read_csv,
    table_kind,
    xlsx_rows,
)
from kulturplan.sources._report import RowProblems

LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"

RECORD_TYPES: dict[str, str] = {
    "10": "Land",
    "20": "Regierungsbezirk",
    "30": "Region",
    "40": "Kreis",
    "50": "Gemeindeverband",
    "60": "Gemeinde",
}
"""Record types (``satzart``) of the register."""

KREIS_TYPES: dict[str, str] = {
    "41": "Kreisfreie Stadt",
    "42": "Stadtkreis",
    "43": "Kreis",
    "44": "Landkreis",
    "45": "Regionalverband",
}
"""Text codes (``textkennzeichen``) of Kreis records."""

REQUIRED: tuple[str, ...] = (
    "satzart",
    "land",
    "rb",
    "kreis",
    "gemeinde",
    "gemeindename",
    "flaeche",
    "bevoelkerung",
)
"""Columns the register must have (technical names of the CSV extract)."""

_KEY_WIDTHS: dict[str, int] = {"land": 2, "rb": 1, "kreis": 2, "vb": 4, "gemeinde": 3}


def _register_field(key: str, group: str = "") -> str | None:
    """Canonical register column of a header cell (``key``) below a group header."""
    both = group + key
    if "verstaedterung" in both:
        return "verstaedterungbezeichnung" if "bez" in key else "verstaedterungschluessel"
    if "reisegebiet" in both:
        return "bezeichnung" if "bez" in key else "schluessel"
    rules: list[tuple[str, str]] = [
        (r"^satz", "satzart"),
        (r"^textkenn", "textkennzeichen"),
        (r"^land$", "land"),
        (r"^(rb|regierungsbezirk)$", "rb"),
        (r"^kreis$", "kreis"),
        (r"^(vb|gemeindeverband)$", "vb"),
        (r"^(gem|gemeinde)$", "gemeinde"),
        (r"gemeindename|^name$", "gemeindename"),
        (r"^flaeche", "flaeche"),
        (r"^(insgesamt|bevoelkerung|einwohner)", "bevoelkerung"),
        (r"^maennlich", "maennlich"),
        (r"^weiblich", "weiblich"),
        (r"^jekm", "jekm2"),
        (r"^(postleit|plz)", "postleitzahl"),
        (r"^laengengrad", "laengengrad"),
        (r"^breitengrad", "breitengrad"),
        (r"^schluessel$", "schluessel"),
        (r"^bezeichnung$", "bezeichnung"),
    ]
    for pattern, name in rules:
        if re.search(pattern, key):
            return name
    return None


@dataclass(frozen=True)
class Register:
    """The parsed municipality register.

    Attributes
    ----------
    municipalities
        One row per municipality record (``satzart`` 60), index ``ags`` (8-digit
        string). Columns: ``name``, ``kreis_ags``, ``kreis_name``, ``verband``
        (Gemeindeverband), ``land``, ``area_km2``, ``population``, ``male``,
        ``female``, ``postcode``, ``lon``, ``lat`` (WGS84 centre; ``NaN`` when the
        register has none), ``urban_degree`` (1 dicht, 2 mittel, 3 gering
        besiedelt), ``text_code`` and ``source_row`` (row in the file, header = 1).
    kreise
        One row per Kreis (``satzart`` 40), index ``kreis_ags`` (5 digits):
        ``name``, ``kreis_type`` (e.g. "Landkreis"), ``display_name``
        ("Landkreis Mittelsachsen"), ``land``, ``land_name`` and the sums
        ``n_municipalities``, ``population``, ``area_km2`` of its municipalities.
    laender
        Länder (``satzart`` 10), index ``land`` (2 digits), column ``name``.
    source
        File name, for messages and the region's source list.
    encoding
        Detected text encoding (CSV only).
    """

    municipalities: pd.DataFrame
    kreise: pd.DataFrame
    laender: pd.DataFrame
    source: str
    path: Path
    encoding: str | None = None

    def source_info(self) -> dict[str, str]:
        """Source entry for :attr:`kulturplan.Region.sources`."""
        return {
            "name": f"Gemeindeverzeichnis (GV-ISys), Statistisches Bundesamt – {self.source}",
            "licence": LICENCE,
            "attribution": f"© Statistisches Bundesamt (Destatis), {publication_year(self.path)}",
            "date": territorial_date(self.path),
        }

    def select(self, ags_prefix: str | None) -> pd.DataFrame:
        """Municipalities whose AGS starts with ``ags_prefix`` (all when empty)."""
        if not ags_prefix:
            return self.municipalities
        return self.municipalities[self.municipalities.index.str.startswith(ags_prefix)]

    def region_name(self, ags_prefix: str | None) -> str:
        """German name of the area selected by ``ags_prefix``."""
        if not ags_prefix:
            return "Deutschland"
        if len(ags_prefix) == 5 and ags_prefix in self.kreise.index:
            return str(self.kreise.loc[ags_prefix, "display_name"])
        if len(ags_prefix) == 2 and ags_prefix in self.laender.index:
            return str(self.laender.loc[ags_prefix, "name"])
        if len(ags_prefix) == 8 and ags_prefix in self.municipalities.index:
            return str(self.municipalities.loc[ags_prefix, "name"])
        return f"Gebiet {ags_prefix}"


def publication_year(path: str | Path) -> int:
    """Year of publication of a register extract.

    The quarterly extract of Gebietsstand 31.12.YYYY (``…_YYYY.csv``) is published
    in YYYY+1; without a year in the file name the file's modification year is used.
    """
    p = Path(path)
    match = re.search(r"(19|20)\d{2}", p.stem)
    if match:
        return int(match.group(0)) + 1
    try:
        return pd.Timestamp(p.stat().st_mtime, unit="s").year
    except OSError:
        return pd.Timestamp.now().year


QUARTER_ENDS = {"1": "31.03.", "2": "30.06.", "3": "30.09.", "4": "31.12."}


def territorial_date(path: str | Path) -> str:
    """Gebietsstand of a register extract from its official file name, or ``""``.

    Destatis names the quarterly extracts ``AuszugGV<Q>QAktuell_<YYYY>`` (e.g.
    ``AuszugGV4QAktuell_2020`` = Gebietsstand 31.12.2020); other names give ``""``
    (the date is unknown, none is made up).
    """
    match = re.search(r"GV([1-4])Q\w*?_((?:19|20)\d{2})", Path(path).stem)
    if not match:
        return ""
    return f"Gebietsstand {QUARTER_ENDS[match.group(1)]}{match.group(2)}"


# --------------------------------------------------------------------------------------
# reading the two layouts into a RawTable with canonical column names
# --------------------------------------------------------------------------------------
def _is_record_start(cells: list[Any]) -> bool:
    return (
        len(cells) >= 3
        and cell_text(cells[0]) in RECORD_TYPES
        and cell_text(cells[2]).isdigit()
    )


def _data_sheet(
    path: Path, data: bytes, sheet: str | None
) -> tuple[str, list[tuple[int, list[Any]]]]:
    """The sheet holding register records: ``sheet``, else the first one that has them."""
    title, rows = xlsx_rows(path, data, sheet=sheet)
    if sheet is not None or any(_is_record_start(c) for _, c in rows[:200]):
        return title, rows
    # the data sheet is often not the first one (Deckblatt, Erläuterungen …)
    import io as _io

    import openpyxl

    book = openpyxl.load_workbook(_io.BytesIO(data), read_only=True, data_only=True)
    names = list(book.sheetnames)
    book.close()
    for other in names:
        if other == title:
            continue
        t2, r2 = xlsx_rows(path, data, sheet=other)
        if any(_is_record_start(c) for _, c in r2[:200]):
            return t2, r2
    return title, rows


def _is_numbering(filled: list[str]) -> bool:
    """Whether header cells are the column numbering 1, 2, 3, … of the official layout."""
    return all(t.isdigit() for t in filled) and [int(t) for t in filled] == list(
        range(1, len(filled) + 1)
    )


def _header_grid(rows: list[tuple[int, list[Any]]], start: int, width: int) -> list[list[str]]:
    """Header rows above the data (title lines and the numbering row left out), padded."""
    grid = []
    for _, cells in rows[:start]:
        texts = [cell_text(c) for c in cells]
        filled = [t for t in texts if t]
        if len(filled) > 1 and not _is_numbering(filled):
            grid.append((texts + [""] * width)[:width])
    return grid


def _fill_groups(grid: list[list[str]]) -> None:
    """Forward-fill group headers to the right where a row below has a sub-header."""
    width = len(grid[0]) if grid else 0
    for level in range(len(grid) - 1):
        current = ""
        for j in range(width):
            if grid[level][j]:
                current = grid[level][j]
            elif current and any(grid[k][j] for k in range(level + 1, len(grid))):
                grid[level][j] = current
            else:
                current = ""


def _column_names(grid: list[list[str]], width: int) -> list[str]:
    """Canonical column names from the (group, sub-header) stack of each column."""
    header: list[str] = []
    for j in range(width):
        parts = [row[j] for row in grid if row[j]]
        if not parts:
            header.append(f"Spalte {j + 1}")
            continue
        canonical = _register_field(normalise_name(parts[-1]), normalise_name(" ".join(parts[:-1])))
        header.append(canonical or " ".join(parts))
    return header


def _xlsx_register(path: Path, data: bytes, sheet: str | None) -> RawTable:
    """Read the official XLSX layout (multi-row header) into canonical columns."""
    name = display_name(path)
    title, rows = _data_sheet(path, data, sheet)
    start = next((i for i, (_, c) in enumerate(rows) if _is_record_start(c)), None)
    if start is None:
        raise InputFileError(
            f"{name}, Tabellenblatt „{title}“: Keine Datenzeile des Gemeindeverzeichnisses "
            "gefunden (erwartet: Satzart 10–60 in Spalte A, Land-Schlüssel in Spalte C)."
        )
    width = max(len(c) for _, c in rows)
    grid = _header_grid(rows, start, width)
    if not grid:
        raise InputFileError(
            f"{name}, Tabellenblatt „{title}“: Die Kopfzeilen über den Daten fehlen."
        )
    _fill_groups(grid)
    table = RawTable(name, _column_names(grid, width), [], [], sheet=title)
    for number, cells in rows[start:]:
        texts = [cell_text(c) for c in cells]
        if cell_text(cells[0]) not in RECORD_TYPES and sum(1 for t in texts if t) <= 1:
            continue  # footnote below the table
        table.rows.append((cells + [None] * width)[:width])
        table.row_numbers.append(number)
    return table


def _csv_register(path: Path, data: bytes) -> RawTable:
    table = read_csv(path, data)
    names = []
    for h in table.header:
        canonical = _register_field(normalise_name(h))
        names.append(canonical or h)
    table.header = names
    return table


def read_register(path: str | Path, *, sheet: str | None = None) -> Register:
    """Read the Destatis municipality register (GV-ISys extract) as CSV or XLSX.

    Parameters
    ----------
    path
        CSV extract (UTF-8 with or without BOM, or Latin-1; separator sniffed) or
        the official XLSX workbook.
    sheet
        Sheet of the workbook; by default the first sheet holding register records.

    Returns
    -------
    Register
        Municipalities, Kreise and Länder.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is missing, empty or not a table.
    kulturplan.errors.ValidationError
        With every problem found: missing columns, unknown record types, malformed
        keys, duplicate AGS, text in number columns, missing population or area.
    """
    p = Path(path)
    data = read_bytes(p)
    if table_kind(p, data) == "xlsx":
        table = _xlsx_register(p, data, sheet)
    else:
        table = _csv_register(p, data)
    return _parse_register(table, p)


@dataclass(frozen=True)
class _Cells:
    """The register's cells by canonical column, with one problem collector."""

    table: RawTable
    col: dict[str, int]
    found: RowProblems

    def has(self, field: str) -> bool:
        return field in self.col

    def values(self, field: str) -> list[Any]:
        j = self.col.get(field)
        return [r[j] for r in self.table.rows] if j is not None else [None] * len(self.table.rows)

    def picked(self, field: str, positions: np.ndarray) -> list[Any]:
        values = self.values(field)
        return [values[i] for i in positions]

    def rows(self, positions: np.ndarray) -> list[int]:
        return [self.table.row_numbers[i] for i in positions]


def _record_types(cells: _Cells) -> np.ndarray:
    satzart = [cell_text(v) for v in cells.values("satzart")]
    for k, value in enumerate(satzart):
        if value not in RECORD_TYPES:
            cells.found.add(
                k,
                f"Satzart „{value}“ ist unbekannt; erwartet wird 10, 20, 30, 40, 50 oder 60."
                if value else "Satzart fehlt; erwartet wird 10, 20, 30, 40, 50 oder 60.",
                "satzart",
            )
    return np.array(satzart, dtype=object)


def _key_part(cells: _Cells, field: str, positions: np.ndarray, *, required: bool) -> list[str]:
    """One part of the AGS (``land``, ``rb`` …), zero-padded; malformed parts reported."""
    if not cells.has(field) and not required:
        return ["0" * _KEY_WIDTHS[field]] * len(positions)
    width = _KEY_WIDTHS[field]
    out = []
    for i, value in zip(positions, cells.picked(field, positions), strict=True):
        text = cell_text(value)
        if text.isdigit() and len(text) <= width:
            out.append(text.zfill(width))
            continue
        if text or required:
            cells.found.add(
                int(i),
                f"Schlüsselteil „{text}“ ist ungültig; erwartet werden {width} Ziffer(n)."
                if text else f"Schlüsselteil fehlt; erwartet werden {width} Ziffer(n).",
                field,
            )
        out.append("?" * width if text or required else "0" * width)
    return out


def _number(
    cells: _Cells, field: str, positions: np.ndarray, *, integer: bool, required: bool
) -> np.ndarray:
    """A number column of the municipalities; text, missing and negative values reported."""
    picked = cells.picked(field, positions)
    rows = cells.rows(positions)
    name = cells.table.source
    out, problems = parse_numbers(picked, source=name, column=field, rows=rows, integer=integer)
    cells.found.extend(problems)
    if required:
        cells.found.extend(
            Problem(name, "Wert fehlt; erwartet wird eine Zahl.", row=rows[k], column=field)
            for k, v in enumerate(picked) if is_empty(v)
        )
    cells.found.extend(
        Problem(name, f"Wert {format_decimal(out[k])} ist negativ; erwartet wird eine Zahl ≥ 0.",
                row=rows[k], column=field)
        for k in np.flatnonzero(out < 0)
    )
    return out


def _centres(cells: _Cells, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the municipal centres (``NaN`` where the register has 0)."""
    name = cells.table.source
    rows = cells.rows(positions)
    lon, p1 = parse_numbers(cells.picked("laengengrad", positions), source=name,
                            column="laengengrad", rows=rows)
    lat, p2 = parse_numbers(cells.picked("breitengrad", positions), source=name,
                            column="breitengrad", rows=rows)
    cells.found.extend(p1 + p2)
    no_point = (lon == 0) | (lat == 0)
    lon[no_point] = np.nan
    lat[no_point] = np.nan
    cells.found.extend(
        Problem(name, f"Mittelpunkt ({format_decimal(lon[k])}, {format_decimal(lat[k])}) liegt "
                "nicht in Deutschland (Längengrad 5,8–15,1, Breitengrad 47,2–55,1).",
                row=rows[k], column="laengengrad")
        for k in np.flatnonzero(~np.isnan(lon) & ~in_germany(lon, lat))
    )
    return lon, lat


def _urban_degree(cells: _Cells, positions: np.ndarray) -> list[Any]:
    degree: list[Any] = []
    for i, value in zip(positions, cells.picked("verstaedterungschluessel", positions),
                        strict=True):
        text = cell_text(value)
        if text.isdigit() and int(text) in (1, 2, 3):
            degree.append(int(text))
            continue
        if text:
            cells.found.add(int(i), f"Grad der Verstädterung „{text}“ ist ungültig; erwartet "
                            "01, 02 oder 03.", "verstaedterungschluessel")
        degree.append(pd.NA)
    return degree


def _postcodes(cells: _Cells, positions: np.ndarray) -> list[str | None]:
    texts = [cell_text(v) for v in cells.picked("postleitzahl", positions)]
    return [t.zfill(5) if t.isdigit() and len(t) == 4 else (t or None) for t in texts]


def _names(cells: _Cells, positions: np.ndarray) -> list[str]:
    names = [cell_text(v) for v in cells.picked("gemeindename", positions)]
    for i, text in zip(positions, names, strict=True):
        if not text:
            cells.found.add(int(i), "Gemeindename fehlt.", "gemeindename")
    return names


def _record_keys(
    cells: _Cells, kinds: np.ndarray, kind: str, fields: tuple[str, ...]
) -> dict[str, tuple[str, str, int]]:
    """``{key: (name, text code, row)}`` of the Länder, Kreise or Gemeindeverbände records."""
    positions = np.flatnonzero(kinds == kind)
    parts = [[cell_text(v) for v in cells.picked(f, positions)] for f in fields]
    names = cells.picked("gemeindename", positions)
    codes = cells.picked("textkennzeichen", positions)
    rows = cells.rows(positions)
    out: dict[str, tuple[str, str, int]] = {}
    for k in range(len(positions)):
        key_cells = [part[k] for part in parts]
        if all(c.isdigit() for c in key_cells):
            key = "".join(c.zfill(_KEY_WIDTHS[f]) for c, f in zip(key_cells, fields, strict=True))
            out[key] = (cell_text(names[k]), cell_text(codes[k]), rows[k])
    return out


def _display_name(name: str, code: str) -> str:
    """„Landkreis Mittelsachsen“ from the name and the Kreis text code."""
    ktype = KREIS_TYPES.get(code, "Kreis")
    if code in ("43", "44") and not name.lower().startswith(("region", "kreis", "landkreis")):
        return f"{ktype} {name}"
    return name


def _kreise(
    kreise_rec: dict[str, tuple[str, str, int]],
    laender_rec: dict[str, tuple[str, str, int]],
    munis: pd.DataFrame,
) -> pd.DataFrame:
    stats = munis.groupby("kreis_ags").agg(
        n_municipalities=("name", "size"),
        population=("population", "sum"),
        area_km2=("area_km2", "sum"),
    )
    krows = [
        {
            "kreis_ags": key,
            "name": kname,
            "kreis_type": KREIS_TYPES.get(code, "Kreis"),
            "display_name": _display_name(kname, code),
            "land": key[:2],
            "land_name": laender_rec.get(key[:2], ("", "", 0))[0] or None,
        }
        for key, (kname, code, _) in kreise_rec.items()
    ]
    kreise = pd.DataFrame(
        krows, columns=["kreis_ags", "name", "kreis_type", "display_name", "land", "land_name"]
    ).set_index("kreis_ags")
    kreise = kreise.join(stats, how="left")
    kreise["n_municipalities"] = kreise["n_municipalities"].fillna(0).astype(int)
    return kreise


def _municipalities(cells: _Cells, kinds: np.ndarray) -> tuple[dict[str, Any], list[str]]:
    """The municipality columns (records of Satzart 60), every problem collected."""
    idx = np.flatnonzero(kinds == "60")
    mrows = cells.rows(idx)
    land = _key_part(cells, "land", idx, required=True)
    rb = _key_part(cells, "rb", idx, required=True)
    kreis = _key_part(cells, "kreis", idx, required=True)
    vb = _key_part(cells, "vb", idx, required=False)
    gem = _key_part(cells, "gemeinde", idx, required=True)
    ags = [a + b + c + d for a, b, c, d in zip(land, rb, kreis, gem, strict=True)]
    cells.found.extend(check_unique(ags, source=cells.table.source, column="AGS", rows=mrows,
                                    what="AGS"))
    area = _number(cells, "flaeche", idx, integer=False, required=True)
    population = _number(cells, "bevoelkerung", idx, integer=True, required=True)
    male = _number(cells, "maennlich", idx, integer=True, required=False)
    female = _number(cells, "weiblich", idx, integer=True, required=False)
    lon, lat = _centres(cells, idx)
    degree = _urban_degree(cells, idx)
    postcode = _postcodes(cells, idx)
    names = _names(cells, idx)
    data = {
        "ags": pd.Series(ags, dtype=object),
        "name": pd.Series(names, dtype=object),
        "kreis_ags": pd.Series([a + b + c for a, b, c in zip(land, rb, kreis, strict=True)],
                               dtype=object),
        "land": pd.Series(land, dtype=object),
        "area_km2": area,
        "population": population,
        "male": male,
        "female": female,
        "postcode": pd.Series(postcode, dtype=object),
        "lon": lon,
        "lat": lat,
        "urban_degree": pd.array(degree, dtype="Int64"),
        "text_code": pd.Series([cell_text(v) for v in cells.picked("textkennzeichen", idx)],
                               dtype=object),
        "source_row": np.asarray(mrows, dtype=int),
    }
    return data, vb


def _parse_register(table: RawTable, path: Path) -> Register:
    name = table.source
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise ValidationError(
            [missing_column_problem(name, c, table.header) for c in missing],
            title=f"{name}: Das Gemeindeverzeichnis ist unvollständig",
        )
    cells = _Cells(table, {c: table.header.index(c) for c in dict.fromkeys(table.header)},
                   RowProblems(name, table.row_numbers))
    kinds = _record_types(cells)
    data, vb = _municipalities(cells, kinds)
    # names of Länder, Kreise and Gemeindeverbände from their own records
    laender_rec = _record_keys(cells, kinds, "10", ("land",))
    kreise_rec = _record_keys(cells, kinds, "40", ("land", "rb", "kreis"))
    verband_rec = (_record_keys(cells, kinds, "50", ("land", "rb", "kreis", "vb"))
                   if cells.has("vb") else {})
    problems = table.problems + cells.found.problems
    if problems:
        raise ValidationError(problems, title=f"{name}: Das Gemeindeverzeichnis enthält Fehler")
    kreis_ags = list(data["kreis_ags"])
    data["kreis_name"] = pd.Series(
        [kreise_rec.get(k, ("", "", 0))[0] or None for k in kreis_ags], dtype=object
    )
    data["verband"] = pd.Series(
        [verband_rec.get(k + v, ("", "", 0))[0] or None
         for k, v in zip(kreis_ags, vb, strict=True)],
        dtype=object,
    )
    order = ["ags", "name", "kreis_ags", "kreis_name", "verband", "land", "area_km2",
             "population", "male", "female", "postcode", "lon", "lat", "urban_degree",
             "text_code", "source_row"]
    munis = pd.DataFrame({c: data[c] for c in order}).set_index("ags")
    laender = pd.DataFrame(
        {"name": pd.Series({k: v[0] for k, v in laender_rec.items()}, dtype=object)}
    )
    laender.index.name = "land"
    return Register(
        municipalities=munis,
        kreise=_kreise(kreise_rec, laender_rec, munis),
        laender=laender,
        source=name,
        path=path,
        encoding=table.encoding,
    )
