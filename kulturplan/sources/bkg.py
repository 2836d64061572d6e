"""Administrative boundaries of the BKG (VG250, VG5000) for municipalities, Kreise, Länder.

BKG ships the levels ``STA`` (Staat), ``LAN`` (Länder), ``RBZ``, ``KRS`` (Kreise),
``VWG`` (Gemeindeverbände) and ``GEM`` (Gemeinden) as shapefiles
(``VG5000_GEM.shp``), as a GeoPackage with one layer per level (``vg250_gem``) or
as GeoJSON exports. The attribute ``GF`` (Geofaktor) says what a part covers:

====  ============================================================
GF    meaning
====  ============================================================
1     Gewässer ohne Struktur (water without administrative structure)
2     Gewässer mit Struktur (water belonging to a unit, e.g. Bodensee,
      coastal waters in VG250)
3     Land ohne Struktur
4     Land mit Struktur (the land area of a unit)
9     Gebiet mit Struktur (land and water not separated, e.g. VG5000)
====  ============================================================

:func:`read_boundaries` keeps the land parts (``GF`` 3, 4 and 9), leaves the
water parts (1, 2) out and dissolves the remaining parts by AGS, so that every
unit has exactly one (Multi-)Polygon and no area is counted twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan._format import format_number
from kulturplan.errors import (
    InputFileError,
    ParameterError,
    Problem,
    ValidationError,
    problems_where,
)
from kulturplan.region import CRS
from kulturplan.sources._cells import cell_text, is_empty
from kulturplan.sources._files import display_name, read_bytes

LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0"

LEVELS: dict[str, int] = {"LAN": 2, "RBZ": 3, "KRS": 5, "VWG": 9, "GEM": 8}
"""Levels and the number of AGS digits of their keys."""

LAND_GF: tuple[int, ...] = (3, 4, 9)
"""Geofaktor values of land parts (kept); 1 and 2 are water parts."""

_GDAL_ERRORS = RuntimeError
"""Base of pyogrio's DataSourceError, DataLayerError, FieldError, GeometryError, CRSError."""

_KEY_COLUMNS = ("AGS", "ags", "AGS_0", "ARS")
_NAME_COLUMNS = ("GEN", "gen", "name", "NAME")


def _find_file(path: Path, level: str) -> tuple[Path, str | None]:
    """Resolve a folder or GeoPackage to the file (and layer) holding ``level``."""
    name = display_name(path)
    if path.is_dir():
        candidates = sorted(
            p
            for p in path.rglob("*")
            if p.suffix.lower() in {".shp", ".gpkg", ".geojson", ".json"}
            and re.search(rf"(^|_){level.lower()}(\.|_|$)", p.name.lower())
        )
        if not candidates:
            gpkgs = sorted(path.rglob("*.gpkg"))
            if len(gpkgs) == 1:
                return _find_file(gpkgs[0], level)
            raise InputFileError(
                f"{name}: Im Ordner wurde keine Datei der Ebene {level} gefunden "
                f"(erwartet z. B. VG5000_{level}.shp oder eine GeoPackage-Datei)."
            )
        return _find_file(candidates[0], level)
    if not path.exists():
        raise InputFileError(f"{name}: Die Datei wurde nicht gefunden ({path}).")
    if path.suffix.lower() == ".gpkg":
        import pyogrio
        from pyogrio.errors import DataLayerError, DataSourceError

        try:
            layers = [str(layer) for layer in pyogrio.list_layers(path)[:, 0]]
        except (DataSourceError, DataLayerError, OSError) as exc:
            raise InputFileError(
                f"{name}: Die GeoPackage-Datei kann nicht gelesen werden ({exc})."
            ) from None
        match = [layer for layer in layers if layer.lower().endswith(level.lower())]
        if not match:
            raise InputFileError(
                f"{name}: Die GeoPackage-Datei hat keine Ebene „…_{level.lower()}“; "
                "vorhanden: " + ", ".join(layers) + "."
            )
        return path, match[0]
    return path, None


def _aktualitaet(path: Path) -> str | None:
    """Reference date from BKG's ``aktualitaet.txt`` next to the data, if present."""
    for folder in (path.parent, path.parent.parent):
        f = folder / "aktualitaet.txt"
        if f.is_file():
            text = f.read_text(encoding="utf-8", errors="replace").strip()
            return text or None
    return None


def source_info(path: str | Path) -> dict[str, str]:
    """Source entry for :attr:`kulturplan.Region.sources` of a BKG boundary file.

    The year of the attribution („© GeoBasis-DE / BKG 2021“) is taken from
    ``aktualitaet.txt`` next to the data (as BKG ships it), else from the file name.
    """
    p = Path(path)
    date = _aktualitaet(p) if p.exists() else None
    year_match = re.search(r"(19|20)\d{2}", date or "") or re.search(
        r"(19|20)\d{2}", str(p.parent.name) + p.stem
    )
    year = year_match.group(0) if year_match else str(pd.Timestamp.now().year)
    product = "VG5000" if "5000" in p.name + p.parent.name else (
        "VG250" if "250" in p.name + p.parent.name else "Verwaltungsgebiete"
    )
    return {
        "name": f"Verwaltungsgebiete {product}, Bundesamt für Kartographie und Geodäsie – "
        f"{p.name}",
        "licence": LICENCE,
        "attribution": f"© GeoBasis-DE / BKG {year}",
        "date": date or "",
    }


def _read_geofile(file: Path, layer: str | None) -> gpd.GeoDataFrame:
    """The features of ``file`` (a layer of a GeoPackage); unreadable, CRS-less, empty raise."""
    name = display_name(file)
    if file.suffix.lower() == ".shp" and not file.with_suffix(".dbf").exists():
        raise InputFileError(f"{name}: Die zugehörige .dbf-Datei mit den Attributen fehlt.")
    if file.suffix.lower() in {".json", ".geojson"}:
        read_bytes(file)  # German errors for missing and empty files
    try:
        frame = gpd.read_file(file, layer=layer) if layer else gpd.read_file(file)
    except (_GDAL_ERRORS, OSError, ValueError) as exc:  # GDAL's and pyogrio's read errors
        raise InputFileError(
            f"{name}: Die Datei ist keine lesbare Geodatei (Shapefile, GeoPackage, GeoJSON) "
            f"({type(exc).__name__}: {exc})."
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame):  # a CSV or another table without geometry
        raise InputFileError(
            f"{name}: Die Datei enthält keine Geometrie (keine Grenzflächen); erwartet wird "
            "eine Grenzdatei des BKG (Shapefile VG5000_GEM.shp/VG250_GEM.shp, GeoPackage oder "
            "GeoJSON), nicht eine Tabelle."
        )
    if frame.crs is None:
        raise InputFileError(
            f"{name}, Spalte „geometry“: Die Datei hat kein Koordinatenreferenzsystem (CRS); "
            "bei Shapefiles fehlt die .prj-Datei. Bitte die Originaldaten des BKG verwenden "
            "(VG250/VG5000 sind in EPSG:25832 oder EPSG:31467)."
        )
    if len(frame) == 0:
        raise InputFileError(f"{name}: Die Datei enthält keine Flächen.")
    return frame


def _keys(frame: gpd.GeoDataFrame, width: int, name: str) -> pd.Series:
    """The AGS of every feature (``width`` digits, from AGS or ARS); problems raise together."""
    key_col = next((c for c in _KEY_COLUMNS if c in frame.columns), None)
    if key_col is None:
        raise ValidationError(
            [
                Problem(
                    name,
                    "Spalte „AGS“ (Amtlicher Gemeindeschlüssel) fehlt; vorhandene Spalten: "
                    + ", ".join(c for c in frame.columns if c != "geometry")
                    + ".",
                    row=1,
                    column="AGS",
                )
            ],
            title=f"{name}: Die Grenzdatei ist unvollständig",
        )
    keys = frame[key_col].astype(object).map(
        lambda v: "" if is_empty(v) else cell_text(v)
    )
    if key_col == "ARS":
        keys = keys.str[:5] + keys.str[-3:] if width == 8 else keys.str[:width]
    keys = keys.map(lambda k: k.zfill(width) if k.isdigit() and len(k) < width else k)
    bad = ~keys.str.fullmatch(rf"\d{{{width}}}").to_numpy(dtype=bool)
    problems = problems_where(
        name, bad,
        lambda pos: f"AGS „{keys.iloc[pos]}“ ist ungültig; erwartet werden {width} Ziffern "
        f"(Objekt Nr. {pos + 1}).",
        key_col,
    )
    geom = frame.geometry
    problems += problems_where(name, geom.isna() | geom.is_empty, "Geometrie fehlt.", "geometry")
    if problems:
        raise ValidationError(problems, title=f"{name}: Die Grenzdatei enthält Fehler")
    return keys


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """The first of the ``names`` present in ``frame`` as objects (``None`` if none is)."""
    col = next((c for c in names if c in frame.columns), None)
    if col is None:
        return np.full(len(frame), None, dtype=object)
    return frame[col].astype(object).to_numpy()


GERMANY_UTM32: tuple[float, float, float, float] = (150_000.0, 5_150_000.0, 1_000_000.0,
                                                   6_200_000.0)
"""Generous bounds of Germany in EPSG:25832 (x_min, y_min, x_max, y_max), metres."""


def _check_in_germany(out: gpd.GeoDataFrame, name: str) -> None:
    """Refuse boundaries that do not lie in Germany: a wrongly declared CRS.

    Degrees declared as EPSG:25832 give polygons a few centimetres wide off West Africa;
    Gauss-Krüger metres declared as WGS84 fail to project. Most features must lie in
    :data:`GERMANY_UTM32`.
    """
    points = out.geometry.representative_point()
    x0, y0, x1, y1 = GERMANY_UTM32
    inside = (points.x.between(x0, x1) & points.y.between(y0, y1)).to_numpy()
    if len(out) and inside.mean() < 0.5:
        bx0, by0, bx1, by1 = out.total_bounds
        raise InputFileError(
            f"{name}: Die Grenzflächen liegen nicht in Deutschland (Ausdehnung in EPSG:25832: "
            f"x {format_number(bx0)} bis {format_number(bx1)}, y {format_number(by0)} bis "
            f"{format_number(by1)} m). Vermutlich ist das Koordinatenreferenzsystem falsch "
            "angegeben (z. B. Grad als EPSG:25832 oder eine falsche .prj-Datei). Bitte die "
            "Originaldaten des BKG verwenden."
        )


def _check_same_names(out: gpd.GeoDataFrame, name: str) -> None:
    """Parts with the same AGS must belong to one municipality (the same name)."""
    names = out["name"].astype(str)
    clash = names.groupby(out["ags"]).nunique() > 1
    problems = []
    for ags in clash[clash].index:
        rows = np.flatnonzero((out["ags"] == ags).to_numpy())
        shown = ", ".join(f"„{n}“" for n in dict.fromkeys(names.iloc[rows]))
        problems.append(Problem.at(
            name, int(rows[1]),
            f"AGS „{ags}“ gehört zu Flächen verschiedener Gemeinden ({shown}); Teile einer "
            "Gemeinde tragen denselben Namen. Bitte den Gemeindeschlüssel prüfen.",
            column="AGS"))
    if problems:
        raise ValidationError(problems, title=f"{name}: Die Grenzdatei enthält Fehler")


def _dissolved(frame: gpd.GeoDataFrame, keys: pd.Series, name: str = "Grenzdatei"
               ) -> gpd.GeoDataFrame:
    """One valid (Multi-)Polygon per AGS in :data:`CRS`, with name, BEZ and the part count."""
    out = gpd.GeoDataFrame(
        {
            "ags": keys.to_numpy(dtype=object),
            "name": _column(frame, _NAME_COLUMNS),
            "bez": _column(frame, ("BEZ",)),
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    if out.crs != CRS:
        out = out.to_crs(CRS)
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = out.geometry[invalid].make_valid()
    _check_in_germany(out, name)
    out["n_parts"] = 1
    if out["ags"].duplicated().any():
        _check_same_names(out, name)
        out = out.dissolve(
            by="ags", aggfunc={"name": "first", "bez": "first", "n_parts": "sum"}
        )
    else:
        out = out.set_index("ags")
    out.index.name = "ags"
    return out[["name", "bez", "n_parts", "geometry"]]


def read_boundaries(path: str | Path, level: str = "GEM") -> gpd.GeoDataFrame:
    """Read BKG administrative boundaries (VG250/VG5000) of one level.

    Parameters
    ----------
    path
        Shapefile, GeoPackage (layer chosen by ``level``), GeoJSON, or a folder
        holding them.
    level
        ``"GEM"`` (municipalities, 8-digit AGS), ``"KRS"`` (5), ``"LAN"`` (2), …

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``ags``; columns ``name`` (GEN), ``bez`` (BEZ, e.g. "Stadt"),
        ``n_parts`` (land parts dissolved into the geometry), ``geometry``
        (Polygon/MultiPolygon in EPSG:25832). ``attrs["water_parts"]`` counts the
        water parts left out (GF 1 and 2), ``attrs["source"]`` holds the file name.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is missing, unreadable or has no coordinate reference system.
    kulturplan.errors.ValidationError
        If the AGS column is missing or holds malformed keys.
    """
    level = level.upper()
    if level not in LEVELS:
        raise ParameterError(
            f"Ebene „{level}“ ist unbekannt; erlaubt: {', '.join(LEVELS)}."
        )
    file, layer = _find_file(Path(path), level)
    frame = _read_geofile(file, layer)
    keys = _keys(frame, LEVELS[level], display_name(file))
    water_parts = 0
    if "GF" in frame.columns:
        gf = pd.to_numeric(frame["GF"], errors="coerce")
        land = gf.isin(LAND_GF).to_numpy() | gf.isna().to_numpy()
        water_parts = int((~land).sum())
        frame = frame[land]
        keys = keys[land]
    out = _dissolved(frame, keys, display_name(file))
    out.attrs["water_parts"] = water_parts
    out.attrs["source"] = display_name(file)
    out.attrs["path"] = str(file)
    return out
