"""Read and write a region folder.

A region folder holds one :class:`~kulturplan.region.Region`::

    musterland/
        region.toml             name, Kreis AGS, sources, format version, table list
                                and the column types of every table
        municipalities.geojson  geometry tables: GeoJSON in EPSG:25832, one feature
        facilities.geojson      per line, coordinates rounded to centimetres
        organisations.csv       other tables: CSV, UTF-8, comma-separated
        events.csv
        funding.csv
        survey.csv
        report.csv              (only if the region has validation notes)

Reading restores the column types recorded in ``region.toml`` (AGS as text with
leading zeros, integers, booleans, datetimes, lists such as ``target_groups``
stored as ``;``-joined text) and validates the tables again through ``Region``.
A region written and read back is equal to the original
(:func:`kulturplan.testing.assert_region_equal`), provided its coordinates were
already on a centimetre grid (the demo's are).

Writes are atomic: the folder is built beside the target under a hidden temporary
name and then renamed into place. An existing folder is only replaced if it is a
region folder written by kulturplan and holds nothing else; anything else is
refused, so user input is never destroyed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import shutil
import sys
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from kulturplan._format import is_ambiguous_number
from kulturplan._safe import cell_text, is_formula_like
from kulturplan._validate import AMBIGUOUS_NUMBER, german_numbers
from kulturplan.errors import (
    InputFileError,
    KulturplanError,
    OutputFileError,
    OverwriteRefusedError,
    ParameterError,
    Problem,
    ValidationError,
    problems_where,
)
from kulturplan.region import CRS, KEYS, TABLE_LABELS, TABLES, Region, ValidationReport

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "INPUT_KINDS",
    "input_file",
    "read_region",
    "read_stored_table",
    "write_region",
]

FORMAT = "kulturplan-region"
"""Value of ``format`` in every ``region.toml``."""

FORMAT_VERSION = 1
"""Version of the folder layout written by this module."""

MANIFEST = "region.toml"
REPORT_FILE = "report.csv"
GEO_TABLES = ("municipalities", "facilities")
LIST_SEPARATOR = ";"
_CRS_URN = "urn:ogc:def:crs:EPSG::25832"

INPUT_KINDS: dict[str, str] = {
    "osm": "OpenStreetMap-Datei (.osm.pbf) für das Straßennetz",
    "grid": "Zensus-2022-Gitter (Einwohner:innen je Gitterzelle)",
}
"""Input files a region folder may name (``kind`` of a source entry in ``region.toml``).

A source entry ``{name, licence, attribution, date, kind, file}`` names a file the region
refers to but does not copy (``file`` absolute, or relative to the region folder): the
road network is built from the OSM file, population points come from the grid. The
files themselves are never copied into the folder or written to.
"""


# --- column types --------------------------------------------------------------------------
def _dtype_code(series: pd.Series) -> str:
    """Name of the stored type of ``series`` (written to ``region.toml``)."""
    dtype = series.dtype
    if isinstance(dtype, gpd.array.GeometryDtype):
        return "geometry"
    if dtype == object:  # noqa: E721 - a numpy dtype comparison, not a type check
        values = series.dropna()
        if len(values) and values.map(lambda v: isinstance(v, (list, tuple))).all():
            return "list"
        return "object"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    return str(dtype)


def _float_text(value: Any) -> Any:
    """A float as CSV text that cannot be mistaken for a thousands group (``12.3450``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    text = repr(float(value))
    return text + "0" if is_ambiguous_number(text) else text


def _to_text(series: pd.Series, code: str) -> pd.Series:
    """Values of ``series`` as CSV text (missing values stay missing).

    Floats are written so that they read back unambiguously (:func:`_float_text`).
    """
    if code.startswith(("float", "Float")):
        return series.map(_float_text, na_action="ignore").astype(object)
    if code == "list":
        return series.map(
            lambda v: _cell_out(LIST_SEPARATOR.join(map(str, v)))
            if isinstance(v, (list, tuple)) else v
        )
    if code in _TEXT_CODES:
        return series.map(_cell_out, na_action="ignore")
    return series


_TEXT_CODES = ("object", "str", "string", "category")


def _cell_out(value: Any) -> Any:
    """Text for a CSV cell that a spreadsheet never runs as a formula (:func:`cell_text`).

    A text already starting with ``'`` before a formula character gets one more, so that
    :func:`_cell_in` restores every text exactly.
    """
    if isinstance(value, str) and value.startswith("'") and _cell_in(value) != value:
        return "'" + value
    return cell_text(value)


def _cell_in(value: Any) -> Any:
    """The text :func:`_cell_out` wrote: one protecting ``'`` removed."""
    if isinstance(value, str) and value.startswith("'"):
        rest = value[1:]
        if is_formula_like(rest) or (rest.startswith("'") and _cell_in(rest) != rest):
            return rest
    return value


def _to_json_values(series: pd.Series, code: str) -> list[Any]:
    """Values of ``series`` as JSON-compatible Python objects (``None`` for missing)."""
    missing = series.isna().to_numpy()
    if code == "list":
        values = _to_text(series, code).tolist()
    elif code.startswith("datetime64"):
        values = [None if m else v.isoformat() for v, m in zip(series, missing, strict=True)]
    elif code in ("bool", "boolean"):
        values = [None if m else bool(v) for v, m in zip(series, missing, strict=True)]
    elif code.startswith(("int", "uint", "Int", "UInt")):
        values = [None if m else int(v) for v, m in zip(series, missing, strict=True)]
    elif code.startswith(("float", "Float")):
        values = [None if m else float(v) for v, m in zip(series, missing, strict=True)]
    else:
        values = [None if m else str(v) for v, m in zip(series, missing, strict=True)]
    return values


_Bad = Callable[[np.ndarray, str], None]
"""Reports the values at a mask as invalid, naming what was expected."""

_NUMBER_CODES = ("int", "uint", "Int", "UInt", "float", "Float")


def _as_text(raw: pd.Series, code: str) -> pd.Series | None:
    """Text-like types (``str``, ``object``, ``list``, ``category``); ``None`` for others."""
    if code in ("str", "string", "object", "list", "category"):
        raw = pd.Series([_cell_in(v) for v in raw], index=raw.index, dtype=object)
    if code in ("str", "string"):
        return pd.Series(raw.map(lambda v: v if v is None else str(v)), dtype=code)
    if code == "object":
        return raw.map(lambda v: v if v is None else str(v))
    if code == "list":
        return raw.map(
            lambda v: [] if v is None or v == "" else str(v).split(LIST_SEPARATOR)
        ).astype(object)
    if code == "category":
        return raw.astype("category")
    return None


def _as_bool(raw: pd.Series, code: str, present: np.ndarray, bad: _Bad) -> pd.Series:
    truth = {"true": True, "false": False, "1": True, "0": False}
    conv = raw.map(
        lambda v: v if v is None or isinstance(v, bool) else truth.get(str(v).lower())
    )
    bad(present & conv.isna().to_numpy(), "wahr/falsch (True/False)")
    if code == "bool" and not present.all():
        bad(~present, "wahr/falsch (True/False); der Wert fehlt")
        return conv.fillna(False).astype(bool)
    return conv.astype(code)


def _as_datetime(raw: pd.Series, code: str, present: np.ndarray, bad: _Bad) -> pd.Series:
    aware = "," in code
    conv = pd.to_datetime(raw.astype("str"), format="ISO8601", errors="coerce", utc=aware)
    bad(present & conv.isna().to_numpy(), "ein Datum wie 2025-05-17 19:30:00")
    if aware:
        conv = conv.dt.tz_convert(code.split(",", 1)[1].strip(" ]"))
    return conv.astype(code)


def _as_number(raw: pd.Series, code: str, present: np.ndarray, bad: _Bad) -> pd.Series:
    integer = code.startswith(("int", "uint", "Int", "UInt"))
    numbers, ambiguous = german_numbers(raw, integer=integer)
    bad(ambiguous, AMBIGUOUS_NUMBER)
    bad(present & ~ambiguous & np.isnan(numbers), "eine Zahl")
    if integer:
        bad(np.isfinite(numbers) & (numbers != np.round(numbers)), "eine ganze Zahl")
    conv = pd.Series(numbers, index=raw.index)
    if code.startswith(("int", "uint")):
        if not present.all():
            bad(~present, "eine ganze Zahl; der Wert fehlt")
        conv = conv.fillna(0)  # only reached with problems reported above
    elif integer:
        conv = conv.round()
    return conv.astype(code)


def _from_text(
    values: pd.Series, code: str, source: str, column: str
) -> tuple[pd.Series, list[Problem]]:
    """Convert stored values (text or JSON values) back to the type ``code``."""
    problems: list[Problem] = []
    raw = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    raw = raw.where(raw.notna(), None)

    def bad(mask: np.ndarray, expected: str) -> None:
        problems.extend(problems_where(
            source, mask,
            lambda pos: f"„{raw.iloc[pos]}“ ist kein gültiger Wert; erwartet wird {expected}.",
            column,
        ))

    present = raw.notna().to_numpy()
    text = _as_text(raw, code)
    if text is not None:
        out = text
    elif code in ("bool", "boolean"):
        out = _as_bool(raw, code, present, bad)
    elif code.startswith("datetime64"):
        out = _as_datetime(raw, code, present, bad)
    elif code.startswith(_NUMBER_CODES):
        out = _as_number(raw, code, present, bad)
    else:
        try:
            out = raw.astype(code)
        except (TypeError, ValueError):
            out = raw
            problems.append(Problem(source, f"Unbekannter Spaltentyp „{code}“.", column=column))
    out.index = values.index
    return out, problems


# --- writing -----------------------------------------------------------------------------------
def _schema(frame: pd.DataFrame, key: str | None) -> dict[str, str]:
    columns: dict[str, str] = {}
    if key is not None and frame.index.name == key:
        columns[key] = _dtype_code(frame.index.to_series())
    for col in frame.columns:
        columns[str(col)] = _dtype_code(frame[col])
    return columns


def _round_cm(coords: np.ndarray) -> np.ndarray:
    return np.round(coords * 100.0) / 100.0


def _geojson_text(frame: gpd.GeoDataFrame, table: str, columns: dict[str, str]) -> str:
    """GeoJSON FeatureCollection with one feature per line (diffable)."""
    geo_col = frame.geometry.name
    props = {
        col: _to_json_values(frame[col], code) if col in frame.columns else None
        for col, code in columns.items()
        if code != "geometry"
    }
    if frame.index.name in props and props[frame.index.name] is None:
        props[frame.index.name] = _to_json_values(
            frame.index.to_series(), columns[frame.index.name]
        )
    geoms = shapely.transform(frame[geo_col].to_numpy(), _round_cm)
    names = list(props)
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "name": table,
            "crs": {"type": "name", "properties": {"name": _CRS_URN}},
        },
        ensure_ascii=False,
    )
    lines = [head[:-1] + ', "features": [']
    rows = list(zip(*(props[c] for c in names), strict=True)) if names else [()] * len(frame)
    for i, (geom, row) in enumerate(zip(geoms, rows, strict=True)):
        feature = {
            "type": "Feature",
            "properties": dict(zip(names, row, strict=True)),
            "geometry": None if geom is None else shapely.geometry.mapping(geom),
        }
        sep = "," if i < len(frame) - 1 else ""
        lines.append(json.dumps(feature, ensure_ascii=False, allow_nan=False) + sep)
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _csv_text(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    out = pd.DataFrame(index=range(len(frame)))
    for col, code in columns.items():
        values = frame.index.to_series() if col not in frame.columns else frame[col]
        out[col] = _to_text(values, code).to_numpy()
    return out.to_csv(index=False, lineterminator="\n", na_rep="")


def _report_text(report: ValidationReport) -> str:
    frame = pd.DataFrame(
        {
            "source": [_cell_out(p.source) for p in report.problems],
            "row": pd.array([p.row for p in report.problems], dtype="Int64"),
            "column": [_cell_out(p.column) for p in report.problems],
            "message": [_cell_out(p.message) for p in report.problems],
        }
    )
    return frame.to_csv(index=False, lineterminator="\n", na_rep="")


def _manifest_text(
    region: Region,
    tables: dict[str, dict[str, Any]],
    report: bool,
    attachments: tuple[str, ...] = (),
) -> str:
    import tomli_w

    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": region.name,
    }
    if region.kreis_ags is not None:
        doc["kreis_ags"] = region.kreis_ags
    if report:
        doc["report"] = REPORT_FILE
    if attachments:
        doc["attachments"] = list(attachments)
    doc["sources"] = [{k: str(v) for k, v in s.items()} for s in region.sources]
    doc["tables"] = tables
    header = (
        "# kulturplan-Regionsordner. Geschrieben von kulturplan.io.write_region;\n"
        "# die Spaltentypen unter [tables.*.columns] stellen die Daten beim Lesen wieder her.\n"
    )
    return header + tomli_w.dumps(doc)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _existing_region_files(path: Path) -> set[str]:
    """Names a region folder at ``path`` may hold; raises if it is not one."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise OverwriteRefusedError(
            f"„{path}“ existiert bereits und ist kein kulturplan-Regionsordner (es fehlt "
            f"„{MANIFEST}“). Der Ordner wird nicht überschrieben; bitte einen anderen Zielordner "
            "wählen."
        )
    try:
        doc = tomllib.loads(manifest.read_text(encoding="utf-8").removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OverwriteRefusedError(
            f"„{manifest}“ ist nicht lesbar ({exc}); „{path}“ wird nicht überschrieben."
        ) from exc
    if doc.get("format") != FORMAT:
        raise OverwriteRefusedError(
            f"„{manifest}“ stammt nicht von kulturplan (format = „{doc.get('format')}“); "
            f"„{path}“ wird nicht überschrieben."
        )
    allowed = {MANIFEST, REPORT_FILE}
    allowed |= {str(t.get("file")) for t in doc.get("tables", {}).values()}
    allowed |= {str(name) for name in doc.get("attachments", [])}
    return allowed


def _check_target(path: Path) -> bool:
    """Return whether ``path`` exists (and may be replaced); raise if it must not be."""
    if not path.exists():
        return False
    if not path.is_dir():
        raise OverwriteRefusedError(
            f"„{path}“ ist eine Datei, kein Regionsordner; sie wird nicht überschrieben."
        )
    entries = {p.name for p in path.iterdir()}
    if not entries:
        return True  # an empty folder holds nothing that could be lost
    allowed = _existing_region_files(path)
    extra = sorted(entries - allowed)
    if extra:
        raise OverwriteRefusedError(
            f"Der Regionsordner „{path}“ enthält weitere Dateien ({', '.join(extra)}), die "
            "kulturplan nicht geschrieben hat. Er wird nicht überschrieben; bitte die Dateien "
            "sichern oder einen anderen Zielordner wählen."
        )
    return True


AT_FDCWD = -100
"""``dirfd`` meaning "paths relative to the current directory" (``<fcntl.h>``, Linux)."""

RENAME_EXCHANGE = 2
"""``renameat2`` flag: atomically exchange both paths (``<linux/fs.h>``, ``1 << 1``)."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories with Linux ``renameat2``; False if unsupported.

    ``renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)`` swaps both names in one step
    (man 2 rename, section "renameat2()", RENAME_EXCHANGE; Linux ≥ 3.15, glibc ≥ 2.28), so
    the target folder is never missing. Python has no binding, hence ``ctypes``; on other
    systems or file systems without support the caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        ctypes.c_int(AT_FDCWD), os.fsencode(a), ctypes.c_int(AT_FDCWD), os.fsencode(b),
        ctypes.c_uint(RENAME_EXCHANGE),
    )
    return result == 0


@contextlib.contextmanager
def _temporary_folder(target: Path) -> Iterator[Path]:
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _check_attachments(attachments: Mapping[str, str]) -> tuple[str, ...]:
    reserved = {MANIFEST, REPORT_FILE} | {f"{t}.geojson" for t in GEO_TABLES}
    reserved |= {f"{t}.csv" for t in TABLES if t not in GEO_TABLES}
    for name in attachments:
        if Path(name).name != name or name.startswith(".") or name in reserved:
            raise ParameterError(
                f"Beilage „{name}“: erwartet wird ein einfacher Dateiname, der keiner Datei "
                "des Regionsordners gleicht (z. B. „importbericht.csv“)."
            )
    return tuple(attachments)


def write_region(
    region: Region,
    path: str | os.PathLike[str],
    *,
    attachments: Mapping[str, str] | None = None,
) -> Path:
    """Write ``region`` as a region folder at ``path``, atomically.

    Parameters
    ----------
    region
        The region to write.
    path
        Target folder. If it exists, it must be a region folder written by kulturplan
        (with ``region.toml`` and no other files) or empty; it is then replaced as a
        whole. Anything else is refused.
    attachments
        Extra text files written into the folder, ``{file name: text}`` (e.g. the full
        import report ``importbericht.csv``); listed in ``region.toml`` so that the next
        write may replace them, never read back.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If ``path`` is a file or a folder that is not a kulturplan region folder.
    """
    if not isinstance(region, Region):
        raise ParameterError("write_region erwartet eine kulturplan.Region.")
    extra = _check_attachments(attachments or {})
    target = Path(path).absolute()
    exists = _check_target(target)
    try:
        _write_folder(region, target, exists, extra, attachments or {})
    except OSError as exc:
        if isinstance(exc, KulturplanError):
            raise
        raise OutputFileError(
            f"Der Regionsordner „{target}“ konnte nicht geschrieben werden "
            f"({exc.strerror or exc}); ein vorhandener Ordner ist unverändert. Bitte "
            "Speicherplatz und Schreibrechte prüfen."
        ) from None
    return target


def _write_folder(
    region: Region, target: Path, exists: bool, extra: tuple[str, ...],
    attachments: Mapping[str, str],
) -> None:
    """Write the folder beside ``target`` and move it into place (see :func:`write_region`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _temporary_folder(target) as tmp:
        tables: dict[str, dict[str, Any]] = {}
        for table in TABLES:
            frame = getattr(region, table)
            key = KEYS[table]
            columns = _schema(frame, key)
            if table in GEO_TABLES:
                file = f"{table}.geojson"
                text = _geojson_text(frame, table, columns)
            else:
                file = f"{table}.csv"
                text = _csv_text(frame, columns)
            _write_file(tmp / file, text)
            entry: dict[str, Any] = {"file": file, "rows": len(frame)}
            if key is not None:
                entry["key"] = key
            entry["columns"] = columns
            tables[table] = entry
        if region.report:
            _write_file(tmp / REPORT_FILE, _report_text(region.report))
        for name in extra:
            _write_file(tmp / name, attachments[name])
        _write_file(
            tmp / MANIFEST, _manifest_text(region, tables, bool(region.report), extra)
        )
        if not exists:
            os.rename(tmp, target)
        elif not _exchange(tmp, target):
            old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        # after an exchange, ``tmp`` holds the old folder and is removed on exit


# --- reading -----------------------------------------------------------------------------------
def input_file(region: Region, kind: str) -> Path | None:
    """The file of ``kind`` (see :data:`INPUT_KINDS`) the region names, or ``None``.

    Relative paths were resolved against the region folder by :func:`read_region`.
    """
    if kind not in INPUT_KINDS:
        raise ParameterError(
            f"kind={kind!r} ist unbekannt; erlaubt sind {', '.join(sorted(INPUT_KINDS))}."
        )
    for source in region.sources:
        if source.get("kind") == kind and str(source.get("file", "")).strip():
            return Path(str(source["file"]))
    return None


def _resolved_source(source: Mapping[str, Any], folder: Path) -> dict[str, str]:
    """A source entry with its ``file`` (if any) made absolute against ``folder``."""
    out = {str(k): str(v) for k, v in source.items()}
    file = out.get("file", "").strip()
    if file and not Path(file).expanduser().is_absolute():
        out["file"] = str((folder / file).absolute())
    elif file:
        out["file"] = str(Path(file).expanduser())
    return out


def _read_text(file: Path) -> str:
    if not file.is_file():
        raise InputFileError(f"Datei „{file}“ fehlt im Regionsordner.")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"Datei „{file}“ ist nicht UTF-8-kodiert (Byte {exc.start})."
        ) from exc
    except OSError as exc:
        raise InputFileError(f"Datei „{file}“ kann nicht gelesen werden: {exc}.") from exc


def _read_manifest(folder: Path) -> dict[str, Any]:
    if not folder.exists():
        raise InputFileError(f"Regionsordner „{folder}“ nicht gefunden.")
    if not folder.is_dir():
        raise InputFileError(f"„{folder}“ ist kein Ordner; erwartet wird ein Regionsordner.")
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise InputFileError(
            f"„{manifest}“ fehlt – „{folder}“ ist kein kulturplan-Regionsordner."
        )
    try:  # a byte order mark (Windows Notepad) is not TOML; it is dropped
        doc = tomllib.loads(_read_text(manifest).removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"Datei „{manifest}“ ist keine gültige TOML-Datei: {exc}.") from exc
    if doc.get("format") != FORMAT:
        raise InputFileError(
            f"Datei „{manifest}“: format = „{doc.get('format')}“, erwartet „{FORMAT}“."
        )
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputFileError(
            f"Datei „{manifest}“: Formatversion „{version}“ wird nicht unterstützt (bekannt bis "
            f"{FORMAT_VERSION}); bitte kulturplan aktualisieren."
        )
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        raise InputFileError(f"Datei „{manifest}“: Abschnitt [tables] fehlt.")
    return doc


def _crs_of(collection: dict[str, Any], file: Path) -> str:
    crs = collection.get("crs")
    if crs is None:
        return "EPSG:4326"  # RFC 7946: GeoJSON without crs is WGS 84
    try:
        name = str(crs["properties"]["name"])
    except (KeyError, TypeError) as exc:
        raise InputFileError(f"Datei „{file}“: Angabe „crs“ ist unlesbar.") from exc
    if name.replace("::", ":").upper().endswith("EPSG:25832"):
        return CRS
    return name


def _read_geojson(file: Path) -> tuple[pd.DataFrame, list[Any], str]:
    text = _read_text(file)
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"Datei „{file}“ ist kein gültiges GeoJSON (Zeile {exc.lineno}, Spalte {exc.colno}): "
            f"{exc.msg}."
        ) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InputFileError(f"Datei „{file}“ ist keine GeoJSON-FeatureCollection.")
    features = collection.get("features") or []
    problems: list[Problem] = []
    geoms: list[Any] = []
    records: list[dict[str, Any]] = []
    for i, feature in enumerate(features):
        try:
            geom = feature.get("geometry")
            geoms.append(None if geom is None else shapely.geometry.shape(geom))
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
            geoms.append(None)
            problems.append(Problem.at(str(file), i, "Geometrie ist unlesbar.", column="geometry"))
        props = feature.get("properties") if isinstance(feature, dict) else None
        records.append(props if isinstance(props, dict) else {})
    if problems:
        raise ValidationError(problems, title=f"Datei „{file}“ enthält Fehler")
    return pd.DataFrame.from_records(records, index=range(len(records))), geoms, _crs_of(
        collection, file
    )


def _read_csv(file: Path) -> pd.DataFrame:
    _read_text(file)  # clear errors for missing files and wrong encodings
    try:
        return pd.read_csv(
            file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
        )
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"Datei „{file}“ ist leer (nicht einmal eine Kopfzeile).") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputFileError(f"Datei „{file}“ ist keine lesbare CSV-Datei: {exc}") from exc


def _read_table(
    folder: Path, table: str, entry: dict[str, Any]
) -> tuple[pd.DataFrame | None, list[Problem]]:
    file = folder / str(entry.get("file", ""))
    columns: dict[str, str] = dict(entry.get("columns") or {})
    if not columns:
        raise InputFileError(
            f"Datei „{folder / MANIFEST}“: Abschnitt [tables.{table}.columns] fehlt; ohne die "
            f"Spaltentypen kann „{file.name}“ nicht gelesen werden. Bitte die Region neu "
            "schreiben lassen oder den Abschnitt aus einer Sicherung ergänzen."
        )
    source = str(file)
    if str(file).endswith((".geojson", ".json")):
        raw, geoms, crs = _read_geojson(file)
    else:
        raw, geoms, crs = _read_csv(file), None, None
    problems: list[Problem] = []
    rows = entry.get("rows")
    if isinstance(rows, int) and rows != len(raw):
        problems.append(
            Problem(
                source,
                f"Die Datei enthält {len(raw)} Zeilen, laut „{MANIFEST}“ aber {rows}; sie ist "
                "unvollständig oder wurde verändert.",
            )
        )
    data: dict[str, Any] = {}
    for col, code in columns.items():
        if code == "geometry":
            continue
        if col not in raw.columns:
            if len(raw):
                problems.append(
                    Problem(source, f"Spalte „{col}“ fehlt (laut „{MANIFEST}“).", column=col)
                )
            continue
        data[col], p = _from_text(raw[col], code, source, col)
        problems += p
    extra = [c for c in raw.columns if c not in columns]
    for col in extra:  # columns added by a user are kept as text
        data[col] = raw[col].astype("str")
    if problems:
        return None, problems
    if len(raw) == 0:
        return None, []
    frame = pd.DataFrame(data, index=range(len(raw)))
    if geoms is not None:
        geo_name = next((c for c, t in columns.items() if t == "geometry"), "geometry")
        order = [c for c in columns if c in frame.columns or c == geo_name] + extra
        frame[geo_name] = gpd.GeoSeries(geoms, index=frame.index, crs=crs)
        frame = gpd.GeoDataFrame(frame[order], geometry=geo_name, crs=crs)
    return frame, problems


def _read_report(folder: Path, doc: dict[str, Any]) -> tuple[Problem, ...]:
    name = doc.get("report")
    if not name:
        return ()
    raw = _read_csv(folder / str(name))
    problems = []
    for row in raw.itertuples(index=False):
        r = getattr(row, "row", None)
        c = getattr(row, "column", None)
        problems.append(
            Problem(
                str(_cell_in(row.source)),
                str(_cell_in(row.message)),
                row=None if r is None or (isinstance(r, float) and math.isnan(r)) else int(r),
                column=None if c is None or (isinstance(c, float) and math.isnan(c))
                else str(_cell_in(c)),
            )
        )
    return tuple(problems)


def read_stored_table(path: str | os.PathLike[str], table: str) -> pd.DataFrame | None:
    """One table of the region folder at ``path`` as stored (types restored, not validated).

    Used before a folder is replaced, to keep tables a user filled in by hand.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` if ``path`` is no region folder, lists no such table or the table is empty.

    Raises
    ------
    kulturplan.errors.ValidationError
        If the stored table has cells that cannot be read (each named with row and column).
    """
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        return None
    entry = _read_manifest(folder)["tables"].get(table)
    if not isinstance(entry, dict):
        return None
    frame, problems = _read_table(folder, table, dict(entry))
    if problems:
        raise ValidationError(problems, title=f"Regionsordner „{folder}“ enthält Fehler")
    key = KEYS.get(table)
    if frame is not None and key is not None and key in frame.columns:
        frame = frame.set_index(key)
    return frame


def read_region(path: str | os.PathLike[str]) -> Region:
    """Read a region folder written by :func:`write_region`.

    Parameters
    ----------
    path
        The folder holding ``region.toml``.

    Returns
    -------
    Region
        Validated again; column types are restored from ``region.toml``.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the folder, ``region.toml`` or a table file is missing or unreadable.
    kulturplan.errors.ValidationError
        With every problem found, each naming its file, row and column.
    """
    folder = Path(path)
    doc = _read_manifest(folder)
    entries: dict[str, Any] = doc["tables"]
    frames: dict[str, pd.DataFrame | None] = {}
    problems: list[Problem] = []
    if "municipalities" not in entries:
        raise InputFileError(
            f"Datei „{folder / MANIFEST}“: Tabelle „municipalities“ (Gemeinden) fehlt."
        )
    for table in TABLES:
        if table in entries:
            frames[table], p = _read_table(folder, table, dict(entries[table]))
            problems += p
    if problems:
        raise ValidationError(problems, title=f"Regionsordner „{folder}“ enthält Fehler")
    if frames.get("municipalities") is None:
        raise InputFileError(
            f"Datei „{folder / entries['municipalities']['file']}“ enthält keine Gemeinden."
        )
    files = {t: str(folder / str(entries[t]["file"])) for t in entries if t in TABLE_LABELS}
    by_label = {TABLE_LABELS[t]: f for t, f in files.items()}
    try:
        region = Region(
            **frames,
            name=str(doc.get("name", folder.name)),
            kreis_ags=doc.get("kreis_ags"),
            sources=tuple(_resolved_source(s, folder) for s in doc.get("sources", [])),
        )
    except ValidationError as exc:
        renamed = [replace(p, source=by_label.get(p.source, p.source)) for p in exc.problems]
        raise ValidationError(
            renamed, title=f"Regionsordner „{folder}“ enthält Fehler"
        ) from exc
    stored = _read_report(folder, doc)
    if stored:
        fresh = set(region.report.problems)
        merged = tuple(p for p in stored if p not in fresh) + region.report.problems
        object.__setattr__(region, "report", ValidationReport(merged))  # frozen dataclass
    return region
