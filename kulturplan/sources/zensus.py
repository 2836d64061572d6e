"""Reader for the official Zensus 2022 grid files (population on the INSPIRE grid).

The Statistische Ämter des Bundes und der Länder publish census results per grid cell
as semicolon-separated CSV files, one per resolution (10 km, 1 km, 100 m), packed in one
zip per topic (e.g. ``Zensus2022_Bevoelkerungszahl.zip``)::

    GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner
    CRS3035RES1000mN2689000E4337000;4337500;2689500;8

``GITTER_ID_…`` names the cell by its lower-left corner (EPSG:3035, metres), ``x_mp_…`` /
``y_mp_…`` are the cell centre. Other topics have the same three leading columns and more
value columns (e.g. age groups), some with a text column ``werterlaeuternde_Zeichen…``.
Uninhabited cells are absent.

:func:`read_grid` reads such a file (or the zip as downloaded) in chunks, keeps only the
cells whose centre lies in the bounding box of the region (or ``bbox``) and returns them
as points in EPSG:25832 with ``population`` (from ``Einwohner``), the other value columns
and, when a region is given, the municipality ``ags`` by point-in-polygon. Cells outside
the region are not dropped silently: the report lists those inside the bounding box and
counts the rest, both with their inhabitants.

Marks instead of numbers
------------------------
Cells that hold a mark instead of a number are *not* errors; the value becomes missing
(``NaN``) and the marks are counted in the report (:attr:`GridReport.marked`). What the
Zensus 2022 grid files use is an assumption of this reader: files of the 2022 grid
release are reported to hold the en dash ``–`` for suppressed or missing values and
decimal commas (``50,00``) in averages; the 1 km population file has no mark at all
(all 214,633 cells are numbers). Also accepted are the other signs of the Destatis
explanation of symbols (``-`` / ``—`` for "nichts vorhanden", ``.`` "unbekannt oder
geheim zu halten", ``/`` "keine Angabe", ``x`` "Tabellenfach gesperrt", ``…``) and empty
cells. Any other text in a value column, a wrong delimiter, a missing column or a
``GITTER_ID`` that does not match its coordinates is an error naming file, row (header =
row 1) and column. Negative inhabitants are errors (the 2011 grid's ``-1`` for secret
values does not occur in 2022; if it does, it is reported, not guessed).

References
----------
Statistisches Bundesamt (Destatis), *Zensus 2022 – Gitterdaten*, Datenlizenz Deutschland –
Namensnennung – Version 2.0, https://www.zensus2022.de (Ergebnisse, Gitterdaten).
INSPIRE Data Specification on Statistical Units (grid ``CRS3035RES{size}mN{y}E{x}``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from kulturplan._format import format_number
from kulturplan.errors import (
    EmptyInputError,
    InputFileError,
    ParameterError,
    Problem,
    ValidationError,
    spreadsheet_row,
)
from kulturplan.sources._cells import missing_column_problem
from kulturplan.sources._files import display_name

CRS = "EPSG:25832"
GRID_CRS = "EPSG:3035"
RESOLUTIONS = {"100m": 100, "1km": 1000, "10km": 10000}
"""Grid layouts by the suffix of their column names, with the cell size in metres."""

SECRECY_MARKS = ("–", "—", "-", ".", "/", "x", "X", "…", "...")
"""Marks accepted instead of a number (see the module documentation); counted, never errors."""

POPULATION_COLUMN = "Einwohner"
DEFAULT_CHUNKSIZE = 500_000
MAX_PROBLEMS = 500
"""Problems collected per file (further ones are counted, not listed)."""

_ID = re.compile(r"^CRS3035RES(\d+)mN(\d+)E(\d+)$")
_DECIMAL_COMMA = r"^[+-]?\d+,\d+$"
_TEXT_PREFIX = "werterlaeuternde_zeichen"


@dataclass(frozen=True)
class GridReport:
    """What :func:`read_grid` read, kept and left out.

    Attributes
    ----------
    source
        File name (``zip → member`` for a zip).
    resolution
        ``"100m"``, ``"1km"`` or ``"10km"``.
    rows
        Data rows in the file.
    population_file
        Inhabitants of all rows of the file.
    cells, population
        Cells returned and their inhabitants.
    outside_bbox_rows, outside_bbox_population
        Rows whose centre lies outside the bounding box, and their inhabitants.
    outside
        Cells inside the bounding box but in no municipality of the region (index =
        ``GITTER_ID``, ``population``, geometry in EPSG:25832); empty without a region.
    marked
        ``{column: {mark: count}}`` of marks instead of numbers (value set to missing).
    """

    source: str
    resolution: str
    rows: int
    population_file: float
    cells: int
    population: float
    outside_bbox_rows: int = 0
    outside_bbox_population: float = 0.0
    outside: gpd.GeoDataFrame = field(default_factory=lambda: gpd.GeoDataFrame(
        {"population": []}, geometry=gpd.GeoSeries([], crs=CRS)))
    marked: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def outside_population(self) -> float:
        """Inhabitants of the cells in the bounding box but outside the region."""
        return float(np.nansum(self.outside["population"])) if len(self.outside) else 0.0

    def __str__(self) -> str:
        lines = [
            f"Zensus-Gitter {self.source} ({self.resolution}): "
            f"{format_number(self.rows)} Zellen mit {format_number(self.population_file)} "
            "Einwohner:innen in der Datei.",
            f"Übernommen: {format_number(self.cells)} Zellen mit "
            f"{format_number(self.population)} Einwohner:innen.",
        ]
        if self.outside_bbox_rows:
            lines.append(
                f"Außerhalb des Gebietsrechtecks: {format_number(self.outside_bbox_rows)} Zellen "
                f"mit {format_number(self.outside_bbox_population)} Einwohner:innen."
            )
        if len(self.outside):
            lines.append(
                "Im Rechteck, aber in keiner Gemeinde der Region: "
                f"{format_number(len(self.outside))} Zellen mit "
                f"{format_number(self.outside_population)} Einwohner:innen."
            )
        for column, marks in self.marked.items():
            shown = ", ".join(f"„{m}“ {format_number(n)}×" for m, n in marks.items())
            lines.append(f"Spalte „{column}“: Zeichen statt Zahlen (als fehlend gezählt): {shown}.")
        return "\n".join(lines)


class GridResult(NamedTuple):
    """Cells as points (EPSG:25832) and the :class:`GridReport`."""

    data: gpd.GeoDataFrame
    report: GridReport


@dataclass(frozen=True)
class _Layout:
    source: str
    columns: list[str]
    id_col: str
    x_col: str
    y_col: str
    resolution: str
    population_col: str | None
    value_cols: list[str]
    text_cols: list[str]

    @property
    def size(self) -> int:
        return RESOLUTIONS[self.resolution]


# -- opening ------------------------------------------------------------------------------------
def _pick_member(path: Path, names: list[str], member: str | None) -> str:
    csvs = [n for n in names if n.lower().endswith(".csv")]
    if member is not None:
        if member in RESOLUTIONS:
            hits = [n for n in csvs if re.search(rf"[_-]{member}[-_.]", Path(n).name)]
        else:
            hits = [n for n in csvs if n == member or Path(n).name == member]
        if len(hits) == 1:
            return hits[0]
    elif len(csvs) == 1:
        return csvs[0]
    listed = ", ".join(f"„{Path(n).name}“" for n in csvs) or "keine CSV-Datei"
    raise ParameterError(
        f"{path.name}: Welche Datei des Archivs soll gelesen werden? Enthalten: {listed}. "
        "Bitte member= angeben, z. B. member=\"1km\" oder member=\"100m\"."
    )


@contextmanager
def _open_text(path: str | Path, member: str | None) -> Iterator[tuple[io.TextIOBase, str]]:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p.name}: Die Datei wurde nicht gefunden ({p}).")
    if zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as archive:
            name = _pick_member(p, archive.namelist(), member)
            with archive.open(name) as raw:
                yield (io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""),
                       f"{p.name} → {Path(name).name}")
        return
    with p.open(encoding="utf-8-sig", newline="") as handle:
        yield handle, display_name(p)


def _layout(header_line: str, source: str, population_column: str | None) -> _Layout:
    columns = [c.strip().strip('"') for c in header_line.rstrip("\r\n").split(";")]
    if len(columns) == 1:
        used = next((name for sep, name in ((",", "Komma"), ("\t", "Tabulator"), ("|", "Strich"))
                     if sep in columns[0]), None)
        found = f" (gefunden: {used})" if used else ""
        raise ValidationError([Problem(
            source, "Die Kopfzeile hat nur eine Spalte: falscher Spaltentrenner"
            f"{found}; Zensus-Gitterdateien sind mit Semikolon getrennt "
            "(GITTER_ID_…;x_mp_…;y_mp_…;Einwohner).", row=1)],
            title=f"Zensus-Gitterdatei „{source}“ ist nicht lesbar")
    id_cols = [c for c in columns if c.startswith("GITTER_ID_")]
    if not id_cols:
        raise ValidationError([missing_column_problem(source, "GITTER_ID_1km", columns)],
                              title=f"Zensus-Gitterdatei „{source}“ ist nicht lesbar")
    resolution = id_cols[0][len("GITTER_ID_"):]
    if resolution not in RESOLUTIONS:
        raise ValidationError([Problem(
            source, f"Unbekannte Gitterweite „{resolution}“ in „{id_cols[0]}“; erwartet "
            "wird 100m, 1km oder 10km.", row=1, column=id_cols[0])],
            title=f"Zensus-Gitterdatei „{source}“ ist nicht lesbar")
    needed = [f"x_mp_{resolution}", f"y_mp_{resolution}"]
    if population_column is not None:
        needed.append(population_column)
    missing = [missing_column_problem(source, c, columns) for c in needed if c not in columns]
    if missing:
        raise ValidationError(missing, title=f"Zensus-Gitterdatei „{source}“ ist unvollständig")
    fixed = {id_cols[0], *needed[:2]}
    text = [c for c in columns if c.lower().startswith(_TEXT_PREFIX)]
    values = [c for c in columns if c not in fixed and c not in text]
    return _Layout(source, columns, id_cols[0], needed[0], needed[1], resolution,
                   population_column, values, text)


# -- parsing one chunk ----------------------------------------------------------------------------
class _Collector:
    """Problems of a file (at most :data:`MAX_PROBLEMS` listed) and mark counts."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.more = 0
        self.marked: dict[str, dict[str, int]] = {}

    def add(self, positions: np.ndarray, column: str, messages: Any) -> None:
        for k, pos in enumerate(positions):
            if len(self.problems) >= MAX_PROBLEMS:
                self.more += len(positions) - k
                return
            message = messages if isinstance(messages, str) else messages[k]
            self.problems.append(Problem.at(self.source, int(pos), message, column))

    def count_marks(self, column: str, values: pd.Series) -> None:
        if len(values):
            target = self.marked.setdefault(column, {})
            for mark, n in values.value_counts().items():
                target[str(mark)] = target.get(str(mark), 0) + int(n)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _numbers(
    series: pd.Series, offset: int, column: str, out: _Collector, *, negative_ok: bool = True
) -> np.ndarray:
    """Floats of a value column; marks → NaN (counted); other text → problems."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        empty = np.isnan(values)
        out.count_marks(column, pd.Series(["(leer)"] * int(empty.sum()), dtype=object))
    else:
        text = series.astype("string").str.strip()
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        failed = np.isnan(values)
        if failed.any():
            rest = text[failed]
            comma = rest.str.fullmatch(_DECIMAL_COMMA).fillna(False).to_numpy(dtype=bool)
            if comma.any():
                fixed = pd.to_numeric(rest[comma].str.replace(",", ".", regex=False))
                values[np.flatnonzero(failed)[comma]] = fixed.to_numpy(float)
            rest = rest[~comma]
            empty = rest.isna() | (rest == "")
            marks = rest.isin(SECRECY_MARKS).fillna(False) & ~empty
            out.count_marks(column, rest[marks].astype(object))
            out.count_marks(column, pd.Series(["(leer)"] * int(empty.sum()), dtype=object))
            bad = ~(marks | empty).to_numpy(dtype=bool)
            positions = np.flatnonzero(failed)[~comma][bad]
            out.add(positions + offset, column, [
                f"„{_shown(v)}“ ist keine Zahl und kein Zeichen der amtlichen Geheimhaltung "
                f"({', '.join(SECRECY_MARKS[:6])}); erwartet wird eine Zahl."
                for v in series.iloc[positions]
            ])
    if not negative_ok:
        neg = np.flatnonzero(values < 0)
        out.add(neg + offset, column,
                [f"{format_number(values[p])} ist negativ; erwartet wird eine Zahl ≥ 0."
                 for p in neg])
    return values


def _coordinates(frame: pd.DataFrame, offset: int, lay: _Layout, out: _Collector
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centre coordinates (EPSG:3035), a mask of rows whose id and centre agree, the ids."""
    coords = []
    for col in (lay.x_col, lay.y_col):
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(np.isnan(values))
        out.add(bad + offset, col, [
            "Wert fehlt; erwartet wird eine Koordinate in Metern (EPSG:3035)."
            if pd.isna(frame[col].iloc[p]) else
            f"„{_shown(frame[col].iloc[p])}“ ist keine Koordinate; erwartet wird eine ganze Zahl "
            "in Metern (EPSG:3035)." for p in bad])
        coords.append(values)
    x, y = coords
    coords_ok = np.isfinite(x) & np.isfinite(y)
    ids = frame[lay.id_col].to_numpy(dtype=object)
    # fast path: the id each centre must have, compared as text (regex only for the rest)
    half = lay.size // 2
    east = np.where(coords_ok, x - half, 0).astype(np.int64)
    north = np.where(coords_ok, y - half, 0).astype(np.int64)
    expected = (f"CRS3035RES{lay.size}mN" + pd.Series(north).astype(str) + "E"
                + pd.Series(east).astype(str)).to_numpy(dtype=object)
    same = coords_ok & (east + half == x) & (north + half == y) & (ids == expected)
    check = np.flatnonzero(~same)
    parts = pd.Series(ids[check], dtype="string").str.strip().str.extract(_ID)
    numbers = parts.apply(pd.to_numeric).to_numpy(dtype=float, na_value=np.nan)
    unparsed = np.isnan(numbers[:, 0]) if len(check) else np.zeros(0, bool)
    mismatch = ~unparsed & coords_ok[check] & (
        (numbers[:, 0] != lay.size) | (numbers[:, 2] + half != x[check])
        | (numbers[:, 1] + half != y[check]))
    bad = check[unparsed]
    out.add(bad + offset, lay.id_col, [
        ("Kennung fehlt" if pd.isna(ids[p]) else
         f"„{_shown(ids[p])}“ ist keine Gitterzellen-Kennung")
        + f"; erwartet wird z. B. CRS3035RES{lay.size}mN2689000E4337000." for p in bad])
    bad = check[mismatch]
    out.add(bad + offset, lay.id_col, [
        f"„{_shown(ids[p])}“ passt nicht zu den Koordinaten "
        f"{lay.x_col} = {x[p]:.0f}, {lay.y_col} = {y[p]:.0f}: erwartet wird der Mittelpunkt "
        f"der {lay.size}-m-Zelle (Ecke + {half:g} m)." for p in bad])
    ok = same.copy()
    fixed = coords_ok[check] & ~unparsed & ~mismatch  # e.g. an id with blanks around it
    ok[check] = fixed
    ids[check[fixed]] = expected[check[fixed]]
    return x, y, ok, ids


# -- bounding boxes and regions --------------------------------------------------------------
def _region_frame(region: Any) -> gpd.GeoDataFrame | None:
    if region is None:
        return None
    munis = getattr(region, "municipalities", region)
    if not isinstance(munis, gpd.GeoDataFrame):
        raise ParameterError(
            "region muss eine Region (kulturplan.Region) oder ein GeoDataFrame der Gemeinden "
            f"sein, erhalten: {type(region).__name__}."
        )
    if munis.crs is None:
        raise ParameterError("Die Gemeindegrenzen der Region haben kein Koordinatensystem.")
    return munis.to_crs(CRS) if munis.crs != CRS else munis


def _bbox(munis: gpd.GeoDataFrame | None, bbox: Any) -> tuple[float, float, float, float] | None:
    box = None
    if bbox is not None:
        try:
            xmin, ymin, xmax, ymax = (float(v) for v in bbox)
        except (TypeError, ValueError):
            raise ParameterError(
                f"bbox muss (xmin, ymin, xmax, ymax) in EPSG:25832 sein, erhalten: {bbox!r}."
            ) from None
        if not (xmin < xmax and ymin < ymax):
            raise ParameterError(f"bbox ist leer oder verdreht: {bbox!r}.")
        box = (xmin, ymin, xmax, ymax)
    if munis is not None and len(munis):
        rx0, ry0, rx1, ry1 = (float(v) for v in munis.total_bounds)
        box = (rx0, ry0, rx1, ry1) if box is None else (
            max(box[0], rx0), max(box[1], ry0), min(box[2], rx1), min(box[3], ry1))
    return box


def _grid_box(box: tuple[float, float, float, float], size: int) -> tuple[float, ...]:
    """The EPSG:25832 box in EPSG:3035, widened by one cell (a generous first cut)."""
    to_grid = Transformer.from_crs(CRS, GRID_CRS, always_xy=True)
    x0, y0, x1, y1 = to_grid.transform_bounds(*box, densify_pts=21)
    return (x0 - size, y0 - size, x1 + size, y1 + size)


def _assign(points: gpd.GeoDataFrame, munis: gpd.GeoDataFrame
            ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``ags`` by point-in-polygon (first municipality on a shared border); rest = outside."""
    pos, muni = munis.sindex.query(points.geometry.values, predicate="intersects")
    order = np.lexsort((muni, pos))
    pos, muni = pos[order], muni[order]
    first = np.ones(len(pos), bool)
    first[1:] = pos[1:] != pos[:-1]
    ags = np.full(len(points), None, dtype=object)
    ags[pos[first]] = np.asarray(munis.index)[muni[first]]
    inside = pd.notna(ags)
    data = points[inside].copy()
    data["ags"] = pd.Series(ags[inside], index=data.index, dtype="string").astype(object)
    return data, points[~inside]


# -- the reader -------------------------------------------------------------------------------
def _read_chunks(handle: io.TextIOBase, lay: _Layout, chunksize: int) -> Iterator[pd.DataFrame]:
    dtypes = {c: str for c in [lay.id_col, *lay.text_cols]}
    try:
        yield from pd.read_csv(handle, sep=";", header=None, names=lay.columns, dtype=dtypes,
                               chunksize=chunksize, keep_default_na=False, na_values=[""],
                               engine="c", skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        row = int(found.group(1)) + 1 if found else None
        counts = re.search(r"Expected (\d+) fields.*saw (\d+)", str(exc))
        what = (f"{counts.group(2)} statt {counts.group(1)} Spalten" if counts
                else "Zeile kann nicht gelesen werden")
        raise ValidationError([Problem(
            lay.source, f"{what}; erwartet wird das Format „{';'.join(lay.columns)}“ mit "
            "Semikolon als Trenner.", row=row)],
            title=f"Zensus-Gitterdatei „{lay.source}“ ist nicht lesbar") from None


def read_grid(
    path: str | Path,
    *,
    region: Any = None,
    bbox: Any = None,
    member: str | None = None,
    population_column: str | None = POPULATION_COLUMN,
    chunksize: int = DEFAULT_CHUNKSIZE,
) -> GridResult:
    """Read a Zensus 2022 grid CSV (or its zip) as points in EPSG:25832.

    Parameters
    ----------
    path
        ``…_1km-Gitter.csv`` / ``…_100m-Gitter.csv`` / ``…_10km-Gitter.csv`` or the zip
        as downloaded.
    region
        A :class:`~kulturplan.Region` (or a GeoDataFrame of municipalities, index = AGS):
        only its cells are returned, with ``ags``; cells in its bounding box but in no
        municipality are listed in the report.
    bbox
        ``(xmin, ymin, xmax, ymax)`` in EPSG:25832: only cells whose centre lies inside
        (combined with the region's box when both are given).
    member
        For a zip with several files: ``"100m"``, ``"1km"``, ``"10km"`` or a file name.
    population_column
        Column with the inhabitants, returned as ``population`` (``None`` for attribute
        files without it).
    chunksize
        Rows read at once; memory stays bounded by the chunk and the cells kept.

    Returns
    -------
    GridResult
        ``data``: GeoDataFrame indexed by ``GITTER_ID`` (name ``cell``) with ``population``,
        the other value columns (numbers, ``NaN`` for marks), text columns and ``ags``;
        ``report``: :class:`GridReport`.

    Raises
    ------
    kulturplan.errors.ValidationError
        Wrong delimiter, missing column, values that are neither numbers nor official
        marks, ``GITTER_ID`` not matching its coordinates (file, row, column named).
    kulturplan.errors.InputFileError
        Missing or empty file.
    """
    if not isinstance(chunksize, (int, np.integer)) or chunksize < 1:
        raise ParameterError(f"chunksize muss eine ganze Zahl ≥ 1 sein, erhalten: {chunksize!r}.")
    munis = _region_frame(region)
    box = _bbox(munis, bbox)
    with _open_text(path, member) as (handle, source):
        header = handle.readline()
        if not header.strip():
            raise InputFileError(f"{source}, Zeile 1: Die Datei ist leer; erwartet wird die "
                                 "Kopfzeile GITTER_ID_…;x_mp_…;y_mp_…;Einwohner.")
        lay = _layout(header, source, population_column)
        parts, totals = _scan(handle, lay, box, chunksize)
    rows, pop_file, out_rows, out_pop, collector = totals
    if collector.problems:
        problems = list(collector.problems)
        if collector.more:
            problems.append(Problem(source, f"… und {collector.more} weitere Probleme "
                                    "(nicht einzeln aufgeführt)."))
        raise ValidationError(problems, title=f"Zensus-Gitterdatei „{source}“ enthält Fehler")
    if rows == 0:
        raise EmptyInputError(f"{source}: Die Datei enthält keine Datenzeilen (nur die Kopfzeile).")
    points = _points(parts, lay)
    outside = points.iloc[:0][["population", "geometry"]] if "population" in points else (
        points.iloc[:0][["geometry"]])
    if munis is not None:
        points, outside = _assign(points, munis)
        outside = outside[[c for c in ("population", "geometry") if c in outside.columns]]
    population = float(np.nansum(points["population"])) if "population" in points else 0.0
    report = GridReport(
        source=source, resolution=lay.resolution, rows=rows, population_file=pop_file,
        cells=len(points), population=population, outside_bbox_rows=out_rows,
        outside_bbox_population=out_pop, outside=outside, marked=collector.marked,
    )
    return GridResult(points, report)


def _scan(handle: io.TextIOBase, lay: _Layout, box: tuple[float, float, float, float] | None,
          chunksize: int) -> tuple[list[pd.DataFrame], tuple[int, float, int, float, _Collector]]:
    """Read all chunks: validate every row, keep the rows inside the box."""
    collector = _Collector(lay.source)
    grid_box = _grid_box(box, lay.size) if box is not None else None
    to_utm = Transformer.from_crs(GRID_CRS, CRS, always_xy=True)
    parts: list[pd.DataFrame] = []
    rows, pop_file, out_rows, out_pop = 0, 0.0, 0, 0.0
    for frame in _read_chunks(handle, lay, chunksize):
        offset = rows
        rows += len(frame)
        x, y, ok, ids = _coordinates(frame, offset, lay, collector)
        values = {c: _numbers(frame[c], offset, c, collector,
                              negative_ok=c != lay.population_col) for c in lay.value_cols}
        pop = values.get(lay.population_col or "", np.zeros(len(frame)))
        pop_file += float(np.nansum(pop))
        keep = ok.copy()
        if grid_box is not None:
            keep &= (x >= grid_box[0]) & (x <= grid_box[2]) & (y >= grid_box[1]) & (
                y <= grid_box[3])
        ux, uy = to_utm.transform(x[keep], y[keep])
        ux, uy = np.asarray(ux, float), np.asarray(uy, float)
        if box is not None:
            exact = (ux >= box[0]) & (ux <= box[2]) & (uy >= box[1]) & (uy <= box[3])
            pos = np.flatnonzero(keep)
            keep[pos[~exact]] = False
            ux, uy = ux[exact], uy[exact]
        outside = ok & ~keep
        out_rows += int(outside.sum())
        out_pop += float(np.nansum(pop[outside]))
        part = pd.DataFrame({"cell": ids[keep], "_x": ux, "_y": uy,
                             "_row": np.flatnonzero(keep) + offset})
        for c, v in values.items():
            part["population" if c == lay.population_col else c] = v[keep]
        for c in lay.text_cols:
            part[c] = frame[c].to_numpy()[keep]
        parts.append(part)
        del frame
    return parts, (rows, pop_file, out_rows, out_pop, collector)


def _points(parts: list[pd.DataFrame], lay: _Layout) -> gpd.GeoDataFrame:
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"cell": [], "_x": [], "_y": [], "_row": []})
    rows = table.pop("_row").to_numpy()
    cells = table["cell"].to_numpy()
    twice = table["cell"].duplicated(keep="first").to_numpy()
    if twice.any():
        first_row = dict(zip(cells[~twice], rows[~twice], strict=True))
        raise ValidationError(
            [Problem.at(lay.source, int(rows[k]),
                        f"Gitterzelle „{cells[k]}“ kommt doppelt vor (zuerst in Zeile "
                        f"{spreadsheet_row(first_row[cells[k]])}).", lay.id_col)
             for k in np.flatnonzero(twice)[:MAX_PROBLEMS]],
            title=f"Zensus-Gitterdatei „{lay.source}“ enthält Fehler")
    geometry = gpd.points_from_xy(table.pop("_x"), table.pop("_y"), crs=CRS)
    data = gpd.GeoDataFrame(table.set_index("cell"), geometry=geometry, crs=CRS)
    data.index.name = "cell"
    return data


def population_by_municipality(data: gpd.GeoDataFrame, region: Any) -> pd.DataFrame:
    """Grid inhabitants per municipality against the register's population.

    Returns a table indexed by AGS with ``name``, ``register``, ``grid``, ``difference``
    (grid − register) and ``difference_pct``; nothing is rescaled. The two sources differ
    (different reference dates, and not every person is geocoded in the grid).
    """
    munis = _region_frame(region)
    if munis is None or "ags" not in data.columns:
        raise ParameterError("Der Vergleich braucht eine Region und Gitterzellen mit „ags“ "
                             "(read_grid(..., region=...)).")
    grid = data.groupby("ags")["population"].sum().reindex(munis.index, fill_value=0.0)
    register = munis["population"].astype(float)
    table = pd.DataFrame({"name": munis.get("name"), "register": register, "grid": grid})
    table["difference"] = table["grid"] - table["register"]
    table["difference_pct"] = table["difference"] / table["register"].where(
        table["register"] > 0) * 100
    return table


__all__ = ["GridReport", "GridResult", "population_by_municipality", "read_grid"]
