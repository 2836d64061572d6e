"""Build a :class:`~kulturplan.Region` from official files and the user's own lists.

:func:`build_region` joins the Destatis municipality register and BKG boundaries
by AGS for one Kreis (5 digits), one Land (2 digits) or all of Germany, adds
facility lists (Excel/CSV or OpenStreetMap) and event calendars (iCal), and
returns the region together with an :class:`ImportReport` that lists everything
that did not fit: municipalities without boundary (they get a fallback geometry
flagged in ``geometry_source``), boundaries without register record, unusable
facility rows, unmatched events. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan._format import format_decimal, format_number
from kulturplan._geo import locate, wgs84_points
from kulturplan._paths import find_data_dir
from kulturplan._safe import cell_text, html_text
from kulturplan.errors import OverwriteRefusedError, ParameterError, Problem, spreadsheet_row
from kulturplan.region import CRS, TABLE_LABELS, Region, ValidationReport, is_personal_column
from kulturplan.sources import bkg, destatis

GEOMETRY_SOURCES: dict[str, str] = {
    "grenze": "Fläche aus der Grenzdatei (BKG)",
    "ersatz_mittelpunkt": "Ersatz: Kreisfläche mit der amtlichen Fläche um den Gemeindemittelpunkt",
    "ersatz_kreismitte": "Ersatz: Kreisfläche um die Mitte der übrigen Gemeinden des Kreises",
}
"""Values of the ``geometry_source`` column of municipalities built here."""

MUNICIPALITY_COLUMNS: tuple[str, ...] = (
    "name",
    "population",
    "area_km2",
    "kreis_ags",
    "kreis_name",
    "verband",
    "male",
    "female",
    "postcode",
    "lon",
    "lat",
    "urban_degree",
    "geometry_source",
    "geometry",
)

OSM_SOURCE: dict[str, str] = {
    "name": "OpenStreetMap",
    "licence": "Open Database License (ODbL) 1.0",
    "attribution": "© OpenStreetMap contributors",
    "date": "",
}

ROAD_NETWORK_SOURCE: dict[str, str] = {
    "name": "OpenStreetMap-Straßennetz",
    "licence": "Open Database License (ODbL) 1.0",
    "attribution": "© OpenStreetMap contributors",
    "date": "",
    "kind": "osm",
}

GRID_SOURCE: dict[str, str] = {
    "name": "Zensus 2022, Bevölkerung im Gitter",
    "licence": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "attribution": "Zensus 2022: © Statistisches Bundesamt (Destatis)",
    "date": "15.05.2022",
    "kind": "grid",
}

KINDS: dict[str, str] = {
    "gemeinde_ohne_grenze": "Gemeinde ohne Grenzfläche",
    "grenze_ohne_gemeinde": "Grenzfläche ohne Gemeinde",
    "gemeinde_nicht_uebernommen": "Gemeinde nicht übernommen",
    "einrichtung": "Einrichtung",
    "ausserhalb": "Einrichtung außerhalb der Region",
    "veranstaltung": "Veranstaltung",
    "organisation": "Organisation",
    "foerderung": "Förderung",
    "zensus": "Zensus-Gitter gegen Gemeindeverzeichnis",
    "hinweis": "Hinweis",
}
"""Kinds of report entries (id → German label)."""


IMPORT_REPORT_CSV = "importbericht.csv"
IMPORT_REPORT_TXT = "importbericht.txt"
"""File names of the full import report written into a region folder by the CLI."""


@dataclass(frozen=True)
class ReportEntry:
    """One entry of an :class:`ImportReport`: a kind (see :data:`KINDS`) and a problem."""

    kind: str
    problem: Problem


@dataclass(frozen=True)
class ImportReport:
    """What happened while building a region, for the user to read.

    Attributes
    ----------
    region_name, ags_prefix
        The area built.
    counts
        Key figures with German labels (e.g. "Gemeinden im Gemeindeverzeichnis").
    entries
        Every record that did not fit, each with file, row, column and a German hint.
    """

    region_name: str
    ags_prefix: str
    counts: dict[str, int] = field(default_factory=dict)
    entries: tuple[ReportEntry, ...] = ()

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems of all entries."""
        return tuple(e.problem for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def of_kind(self, kind: str) -> list[Problem]:
        """Problems of one kind (see :data:`KINDS`)."""
        return [e.problem for e in self.entries if e.kind == kind]

    def to_frame(self, *, outside: bool = True) -> pd.DataFrame:
        """All entries as a table with German column names.

        With ``outside=False`` without the facilities outside the area (kind
        ``"ausserhalb"``), which :meth:`outside_summary` counts in one line.
        """
        entries = [e for e in self.entries if outside or e.kind != "ausserhalb"]
        return pd.DataFrame(
            [
                {
                    "Art": KINDS.get(e.kind, e.kind),
                    "Quelle": e.problem.source,
                    "Zeile": e.problem.row,
                    "Spalte": e.problem.column,
                    "Hinweis": e.problem.message,
                }
                for e in entries
            ],
            columns=["Art", "Quelle", "Zeile", "Spalte", "Hinweis"],
        ).astype({"Zeile": "Int64"})

    def summary(self) -> pd.DataFrame:
        """Key figures as a two-column table (Kennzahl, Wert)."""
        return pd.DataFrame(
            {"Kennzahl": list(self.counts), "Wert": list(self.counts.values())}
        )

    def to_validation_report(self) -> ValidationReport:
        """The entries as a :class:`kulturplan.ValidationReport`."""
        return ValidationReport(self.problems)

    def __str__(self) -> str:
        where = f" ({self.ags_prefix})" if self.ags_prefix else ""
        lines = [f"Importbericht: {self.region_name}{where}"]
        width = max((len(k) for k in self.counts), default=0)
        lines += [f"  {k:<{width}}  {format_number(v):>10}" for k, v in self.counts.items()]
        if not self.entries:
            lines.append("Keine Hinweise: alle Datensätze wurden übernommen.")
            return "\n".join(lines)
        outside = self.of_kind("ausserhalb")
        if outside:
            lines.append(self.outside_summary())
        listed = [e for e in self.entries if e.kind != "ausserhalb"]
        if not listed:
            return "\n".join(lines)
        lines.append(f"Hinweise ({format_number(len(listed))}):")
        for kind, label in KINDS.items():
            items = [] if kind == "ausserhalb" else self.of_kind(kind)
            if items:
                lines.append(f"  {label} ({format_number(len(items))}):")
                lines += [f"    - {p}" for p in items]
        return "\n".join(lines)

    def outside_summary(self) -> str:
        """One line for all facilities outside the area but inside the boundary file.

        They are kept (people cross the Kreis border to reach them) but belong to no
        municipality of the region; :meth:`details` and :meth:`to_frame` list each.
        """
        n = len(self.of_kind("ausserhalb"))
        area = {2: "des Landes", 5: "des Kreises"}.get(len(self.ags_prefix), "der Region")
        if n == 1:
            return (f"1 Einrichtung liegt außerhalb {area}; sie zählt für die Erreichbarkeit, "
                    "nicht für die Kennzahlen der Gemeinden")
        return (
            f"{format_number(n)} Einrichtungen liegen außerhalb {area}; sie zählen für die "
            "Erreichbarkeit, nicht für die Kennzahlen der Gemeinden"
        )

    def details(self) -> str:
        """The report with every entry listed, the outside facilities too (for the report file)."""
        lines = str(self).splitlines()
        outside = self.of_kind("ausserhalb")
        if outside:
            lines.append(f"  {KINDS['ausserhalb']} ({format_number(len(outside))}):")
            lines += [f"    - {p}" for p in outside]
        return "\n".join(lines)

    def files(self) -> dict[str, str]:
        """The full report as file texts: :data:`IMPORT_REPORT_CSV` and :data:`IMPORT_REPORT_TXT`.

        The CSV (UTF-8 with BOM, semicolons, for Excel) lists every entry; the text file is
        :meth:`details`. :func:`kulturplan.io.write_region` takes them as ``attachments``.
        """
        frame = self.to_frame()
        for col in ("Art", "Quelle", "Spalte", "Hinweis"):  # user text never as a formula
            frame[col] = frame[col].map(cell_text)
        table = frame.to_csv(index=False, sep=";", lineterminator="\n", na_rep="")
        return {IMPORT_REPORT_CSV: "\ufeff" + table, IMPORT_REPORT_TXT: self.details() + "\n"}

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display

        rows = "".join(
            f"<tr><td>{html_text(k)}</td><td style='text-align:right'>"
            f"{format_number(v)}</td></tr>"
            for k, v in self.counts.items()
        )
        listed = self.to_frame(outside=False)
        parts = [f"<h4>Importbericht: {html_text(self.region_name)}</h4>",
                 f"<table>{rows}</table>"]
        if not self.entries:
            parts.append("<p>Keine Hinweise: alle Datensätze wurden übernommen.</p>")
        if self.of_kind("ausserhalb"):
            parts.append(f"<p>{html_text(self.outside_summary())}</p>")
        if len(listed):
            parts.append(f"<p>{format_number(len(listed))} Hinweise:</p>"
                         + listed.to_html(index=False, na_rep="", escape=True))
        return "".join(parts)


class BuildResult(NamedTuple):
    """Result of :func:`build_region`: ``region, report = build_region(...)``."""

    region: Region
    report: ImportReport


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _normalise_prefix(ags_prefix: str | int | None) -> str:
    if ags_prefix is None:
        return ""
    text = str(ags_prefix).strip()
    if text.upper() in {"", "DE", "DEUTSCHLAND", "ALLE"}:
        return ""
    if not text.isdigit() or len(text) not in (2, 3, 5):
        raise ParameterError(
            f"AGS-Präfix „{ags_prefix}“ ist ungültig; erwartet werden 2 Ziffern (Land, z. B. "
            "„05“), 3 Ziffern (Regierungsbezirk, z. B. „094“), 5 Ziffern (Kreis, z. B. "
            "„05762“) oder leer für ganz Deutschland."
        )
    return text


def _circles(
    lon: np.ndarray, lat: np.ndarray, area_km2: np.ndarray, index: Any = None
) -> gpd.GeoSeries:
    """Circles of the given area (km²) around WGS84 points, in EPSG:25832."""
    points = wgs84_points(lon, lat, index=index)
    area = np.where(np.isfinite(area_km2) & (area_km2 > 0), area_km2, 0.01)
    radius = np.sqrt(area / np.pi) * 1000.0
    return gpd.GeoSeries(shapely.buffer(points.to_numpy(), radius, quad_segs=16), crs=CRS,
                         index=points.index)


def _as_register(register: Any) -> destatis.Register:
    if isinstance(register, destatis.Register):
        return register
    if register is None:
        raise ParameterError("Das Gemeindeverzeichnis (register) fehlt.")
    return destatis.read_register(register)


def _as_boundaries(boundaries: Any) -> tuple[gpd.GeoDataFrame, dict[str, str] | None]:
    if isinstance(boundaries, gpd.GeoDataFrame):
        path = boundaries.attrs.get("path")
        return boundaries, (bkg.source_info(path) if path else None)
    if boundaries is None:
        raise ParameterError("Die Grenzdatei (boundaries) fehlt.")
    frame = bkg.read_boundaries(boundaries, level="GEM")
    return frame, bkg.source_info(frame.attrs.get("path", boundaries))


def _paths(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Path, pd.DataFrame)):
        return [value]
    return list(value)


def reference_files(data_dir: str | Path | None = None) -> dict[str, Path] | None:
    """Paths of the reference register and boundaries in ``data_dir``, if both exist.

    Returns
    -------
    dict or None
        ``{"register": …/destatis/*.csv, "boundaries": …/bkg-vg5000-*/VG5000_GEM.shp}``
        or ``None`` when the folder or a file is missing.
    """
    folder = Path(data_dir) if data_dir is not None else find_data_dir()
    if folder is None or not folder.is_dir():
        return None
    registers = sorted((folder / "destatis").glob("Auszug*.csv")) + sorted(
        (folder / "destatis").glob("*.xlsx")
    )
    shapes = sorted(folder.glob("bkg-*/*_GEM.shp")) + sorted(folder.glob("bkg-*/*.gpkg"))
    if not registers or not shapes:
        return None
    return {"register": registers[0], "boundaries": shapes[0]}


# --------------------------------------------------------------------------------------
# the join
# --------------------------------------------------------------------------------------
def join_municipalities(
    register: destatis.Register, boundaries: gpd.GeoDataFrame, ags_prefix: str = ""
) -> tuple[gpd.GeoDataFrame, list[ReportEntry], dict[str, int]]:
    """Join register records and boundary polygons by AGS.

    Register municipalities without polygon get a circle of their official area
    around the register centre point (``geometry_source="ersatz_mittelpunkt"``);
    without a centre point, inhabited ones get the circle around the mean centre
    of their Kreis (``"ersatz_kreismitte"``) and uninhabited ones are left out.
    All of these, and boundaries without register record, are reported.

    Returns
    -------
    (GeoDataFrame, list of ReportEntry, dict)
        Municipalities (index ``ags``), report entries, counts.
    """
    reg = register.select(ags_prefix)
    if len(reg) == 0:
        raise ParameterError(
            f"{register.source}: Keine Gemeinde hat einen AGS, der mit „{ags_prefix}“ beginnt. "
            "Bitte den Schlüssel prüfen (z. B. 05762 für den Kreis Höxter)."
        )
    bnd = boundaries[boundaries.index.str.startswith(ags_prefix)] if ags_prefix else boundaries
    bsource = boundaries.attrs.get("source", "Grenzdatei")
    matched = reg.index.intersection(bnd.index)
    only_reg = reg.index.difference(bnd.index)
    only_bnd = bnd.index.difference(reg.index)

    muni = reg.drop(columns=["source_row", "text_code", "land"]).copy()
    geometry = gpd.GeoSeries([None] * len(muni), index=muni.index, crs=CRS)
    geometry.loc[matched] = bnd.geometry.loc[matched].to_numpy()
    source = pd.Series("grenze", index=muni.index, dtype=object)

    entries: list[ReportEntry] = []
    dropped: list[str] = []
    # where does a lost municipality's centre lie? (suggests the successor)
    hint_poly: dict[str, str] = {}
    lost = reg.loc[only_reg]
    has_point = lost["lon"].notna() & lost["lat"].notna()
    if has_point.any():
        pts = wgs84_points(lost.loc[has_point, "lon"], lost.loc[has_point, "lat"],
                           index=lost.index[has_point])
        holder = locate(pts, boundaries)
        hint_poly = holder[holder.notna()].to_dict()
        circles = _circles(
            lost.loc[has_point, "lon"].to_numpy(),
            lost.loc[has_point, "lat"].to_numpy(),
            lost.loc[has_point, "area_km2"].to_numpy(),
            index=lost.index[has_point],
        )
        geometry.loc[circles.index] = circles.to_numpy()
        source.loc[circles.index] = "ersatz_mittelpunkt"
    for ags in lost.index[~has_point]:
        rec = lost.loc[ags]
        same_kreis = reg[(reg["kreis_ags"] == rec["kreis_ags"]) & reg["lon"].notna()]
        if rec["population"] > 0 and len(same_kreis):
            circle = _circles(
                np.array([same_kreis["lon"].mean()]),
                np.array([same_kreis["lat"].mean()]),
                np.array([rec["area_km2"]]),
            )
            geometry.loc[ags] = circle.iloc[0]
            source.loc[ags] = "ersatz_kreismitte"
        else:
            dropped.append(ags)

    for ags in only_reg:
        rec = reg.loc[ags]
        where = ""
        succ = hint_poly.get(ags)
        if succ is not None:
            succ_name = boundaries.loc[succ, "name"]
            state = (
                "ebenfalls in der Grenzdatei ohne Gegenstück im Verzeichnis"
                if succ in only_bnd
                else "im Verzeichnis vorhanden"
            )
            where = (
                f" Der Gemeindemittelpunkt liegt in der Fläche {succ} „{succ_name}“ ({state}) – "
                "vermutlich eine Gebietsänderung zwischen den Ständen beider Dateien."
            )
        if ags in dropped:
            kind = "gemeinde_nicht_uebernommen"
            msg = (
                f"AGS {ags} „{rec['name']}“ ({format_number(rec['population'])} Einw., "
                f"{format_number(rec['area_km2'], 2)} km²) hat keine Fläche in {bsource} und "
                "keinen Gemeindemittelpunkt; da unbewohnt, wird der Datensatz nicht in die Region "
                "übernommen."
            )
        else:
            kind = "gemeinde_ohne_grenze"
            how = (
                "Kreisfläche mit der amtlichen Fläche um den Gemeindemittelpunkt"
                if source.loc[ags] == "ersatz_mittelpunkt"
                else "Kreisfläche um die Mitte der übrigen Gemeinden des Kreises"
            )
            msg = (
                f"AGS {ags} „{rec['name']}“ ({format_number(rec['population'])} Einw., "
                f"{format_number(rec['area_km2'], 2)} km²) hat keine Fläche in {bsource}; "
                f"Ersatzgeometrie: {how} (geometry_source = „{source.loc[ags]}“).{where}"
            )
        entries.append(
            ReportEntry(
                kind,
                Problem(register.source, msg, row=int(rec["source_row"]), column="AGS"),
            )
        )
    if len(only_bnd):
        reg_all = register.municipalities
        centres = reg_all[reg_all["lon"].notna()]
        pts = wgs84_points(centres["lon"], centres["lat"], index=centres.index)
        holder = locate(pts, bnd.loc[only_bnd])
        holder = holder[holder.notna()]
        inside: dict[str, list[str]] = {
            str(poly): list(group.index) for poly, group in holder.groupby(holder)
        }
        for ags in only_bnd:
            rec = bnd.loc[ags]
            contained = inside.get(ags, [])
            hint = ""
            if contained:
                hint = " Im Gemeindeverzeichnis liegen hier die Mittelpunkte von " + ", ".join(
                    f"{a} „{reg_all.loc[a, 'name']}“" for a in sorted(contained)
                ) + "."
            entries.append(
                ReportEntry(
                    "grenze_ohne_gemeinde",
                    Problem(
                        bsource,
                        f"AGS {ags} „{rec['name']}“ fehlt im Gemeindeverzeichnis "
                        f"({register.source}); die Fläche wird nicht übernommen, weil "
                        f"Einwohnerzahl und amtliche Fläche fehlen.{hint}",
                        column="AGS",
                    ),
                )
            )
    muni["geometry_source"] = source
    keep = ~muni.index.isin(dropped)
    muni = gpd.GeoDataFrame(muni[keep], geometry=geometry[keep], crs=CRS)
    muni = muni[[c for c in MUNICIPALITY_COLUMNS if c in muni.columns]]
    counts = {
        "Gemeinden im Gemeindeverzeichnis": int(len(reg)),
        "davon bewohnt": int((reg["population"] > 0).sum()),
        "Einwohner:innen (Verzeichnis)": int(reg["population"].sum()),
        f"Flächen in der Grenzdatei ({bsource})": int(len(bnd)),
        "Gemeinden mit Fläche (AGS gefunden)": int(len(matched)),
        "Gemeinden ohne Fläche (Ersatzgeometrie)": int(len(only_reg) - len(dropped)),
        "Gemeinden nicht übernommen": int(len(dropped)),
        "Flächen ohne Gemeinde im Verzeichnis": int(len(only_bnd)),
        "Gemeinden in der Region": int(len(muni)),
        "Einwohner:innen in der Region": int(muni["population"].sum()),
    }
    return muni, entries, counts


# --------------------------------------------------------------------------------------
# facilities and events
# --------------------------------------------------------------------------------------
def _read_facilities(
    items: Sequence[Any], mapping: dict[str, str] | None
) -> tuple[gpd.GeoDataFrame | None, list[Problem], bool]:
    frames: list[gpd.GeoDataFrame] = []
    problems: list[Problem] = []
    used_osm = False
    stems: dict[str, int] = {}
    for item in items:
        if isinstance(item, pd.DataFrame):
            frame = item if isinstance(item, gpd.GeoDataFrame) else gpd.GeoDataFrame(item)
            frames.append(frame.to_crs(CRS) if frame.crs is not None else frame)
            continue
        path = Path(item)
        if path.suffix.lower() in {".json", ".geojson", ".osm"}:
            from kulturplan.sources import osm

            frame, report = osm.read_overpass(path)
            used_osm = True
        else:
            from kulturplan.sources import facilities as fac_mod

            stems[path.stem] = stems.get(path.stem, 0) + 1
            prefix = path.stem if stems[path.stem] == 1 else f"{path.stem}-{stems[path.stem]}"
            frame, report = fac_mod.read_table(path, mapping, id_prefix=prefix)
        problems += report.problems
        frames.append(frame)
    if not frames:
        return None, problems, used_osm
    combined = pd.concat(frames)
    dup = combined.index.duplicated(keep="first")
    for fid in combined.index[dup]:
        problems.append(
            Problem(
                "Einrichtungen",
                f"Kennung „{fid}“ kommt in mehreren Dateien vor; nur die erste Einrichtung wird "
                "übernommen.",
                column="facility_id",
            )
        )
    combined = combined[~dup]
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=CRS), problems, used_osm


def _read_lists(table: str, items: Sequence[Any]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Organisation or funding lists read and joined; repeated keys are reported."""
    if not items:
        return None, []
    from kulturplan.sources import lists

    spec = lists.ORGANISATIONS if table == "organisations" else lists.FUNDING
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for item in items:
        frame, report = lists.read_list(item, spec)
        frames.append(frame)
        problems += report.problems
    combined = pd.concat(frames)
    if table == "organisations":
        dup = combined.index.duplicated(keep="first")
        problems += [Problem(TABLE_LABELS[table], f"Kennung „{k}“ kommt in mehreren Dateien vor; "
                             "nur die erste Organisation wird übernommen.", column="org_id")
                     for k in combined.index[dup]]
        combined = combined[~dup]
    return combined, problems


def _same_rows(new: pd.DataFrame, stored: pd.DataFrame) -> bool:
    """Whether ``stored`` holds exactly the rows of ``new`` (compared as text)."""
    if len(new) != len(stored) or not set(new.columns) <= set(stored.columns):
        return False
    a = new.astype(str).reset_index().sort_values(list(new.reset_index().columns))
    b = stored[list(new.columns)].astype(str).reset_index()
    b = b.sort_values(list(b.columns))
    return bool((a.to_numpy() == b.to_numpy()).all())


def keep_hand_filled(region: Region, folder: str | Path) -> tuple[Region, list[str]]:
    """Keep the organisations and funding a user filled in by hand in an existing region folder.

    ``build-region … --out`` replaces a region folder. Its tables ``organisations`` and
    ``funding`` may have been filled in by hand; a new build without these lists takes them
    over (the municipalities must still exist). A new build bringing its own list for a table
    whose stored rows differ is refused, so that no hand-filled row is lost.

    Returns
    -------
    (Region, list of str)
        The region to write and one German note per table taken over.

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If both the folder and the new build have different rows for a table.
    """
    from dataclasses import replace

    from kulturplan.io import read_stored_table

    notes: list[str] = []
    for table in ("organisations", "funding"):
        stored = read_stored_table(folder, table)
        if stored is None or not len(stored):
            continue
        new = getattr(region, table)
        file = f"{table}.csv"
        personal = [str(c) for c in stored.columns if is_personal_column(c)]
        if personal:
            notes.append(f"{file}: Die Spalten " + ", ".join(f"„{c}“" for c in personal)
                         + " enthalten vermutlich personenbezogene Daten; sie werden in "
                         "Dashboards und Exporten nie gezeigt. Bitte aus der Datei entfernen.")
        if not len(new):
            region = replace(region, **{table: stored})
            notes.append(f"{file}: {format_number(len(stored))} Zeilen aus dem bisherigen "
                         "Regionsordner übernommen.")
            continue
        if not _same_rows(new, stored):
            raise OverwriteRefusedError(
                f"„{Path(folder) / file}“ enthält {format_number(len(stored))} Zeilen, die "
                "nicht aus der angegebenen Liste stammen (von Hand eingetragen oder aus einem "
                "früheren Import). Der Regionsordner wird nicht überschrieben; bitte diese Zeilen "
                "in die Liste übernehmen oder einen anderen Zielordner wählen."
            )
    return region, notes


def _attach_events(
    events: pd.DataFrame, municipalities: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """Give events with coordinates but no venue an AGS; list events that stay unplaced."""
    events = events.copy()
    if "ags" not in events.columns:
        events["ags"] = None
    need = events["facility_id"].isna() & events["ags"].isna()
    has_geo = need & events["lon"].notna() & events["lat"].notna()
    if has_geo.any():
        pts = wgs84_points(events.loc[has_geo, "lon"], events.loc[has_geo, "lat"],
                           index=events.index[has_geo])
        hit = locate(pts, municipalities)
        hit = hit[hit.notna()]
        events.loc[hit.index, "ags"] = hit.to_numpy()
    problems = []
    unplaced = events["facility_id"].isna() & events["ags"].isna()
    no_cat = events["category"].isna()
    for eid in events.index[unplaced & ~no_cat & events["lat"].notna()]:
        rec = events.loc[eid]
        problems.append(
            Problem(
                str(rec.get("source", "Kalender")),
                f"Veranstaltung „{rec['title']}“ am {rec['start']:%d.%m.%Y}: Die Koordinaten "
                f"(GEO {format_decimal(rec['lat'])}; {format_decimal(rec['lon'])}) liegen in "
                "keiner Gemeinde der Region; sie wird nicht übernommen.",
                row=None,
                column="GEO",
            )
        )
    for eid in events.index[(unplaced & events["lat"].isna()) | (no_cat & ~unplaced)]:
        rec = events.loc[eid]
        why = "ohne Sparte" if not unplaced[eid] else "ohne Gemeinde (weder Einrichtung noch GEO)"
        problems.append(Problem(
            str(rec.get("source", "Kalender")),
            f"Veranstaltung „{rec['title']}“ am {rec['start']:%d.%m.%Y}: {why}; sie wird nicht in "
            "die Region übernommen (der Kreiskalender behält sie).",
            column="CATEGORIES" if not unplaced[eid] else "LOCATION",
        ))
    usable = ~unplaced & ~no_cat
    return events[usable], problems


def _facility_problem(facilities: gpd.GeoDataFrame, pos: int, message: str) -> Problem:
    """A problem naming the facility's own file and row where known (else the table)."""
    rec = facilities.iloc[pos]
    source = rec.get("source")
    row = rec.get("source_row")
    if isinstance(source, str) and source and pd.notna(row):
        return Problem(source, message, row=int(row), column=None)
    if isinstance(source, str) and source:
        return Problem(source, message)
    return Problem.at("Einrichtungen", pos, message, column="ags")


def _outside_facilities(
    region: Region, boundaries: gpd.GeoDataFrame
) -> tuple[list[ReportEntry], set[int]]:
    """Report entries for the facilities that belong to no municipality of ``region``.

    A facility inside a polygon of the boundary file (e.g. in a neighbouring Kreis of a
    Land-wide list) is expected: it is kept for reachability and summarised as kind
    ``"ausserhalb"``. One outside every polygon of the boundary file (and without an AGS of
    the file) is a problem (kind ``"einrichtung"``). Returns the entries and the rows (of
    the Region's facilities table) whose own report problems they replace.
    """
    fac = region.facilities
    outside = ~fac["ags"].isin(region.municipalities.index).to_numpy()
    if not outside.any():
        return [], set()
    positions = np.flatnonzero(outside)
    given = fac["ags"].iloc[positions]
    holder = locate(fac.geometry.iloc[positions], boundaries)
    holder = holder.where(holder.notna(), given.where(given.isin(boundaries.index)))
    bsource = boundaries.attrs.get("source", "Grenzdatei")
    area = {2: "des Landes", 5: "des Kreises"}.get(len(region.kreis_ags or ""), "der Region")
    entries: list[ReportEntry] = []
    replaced: set[int] = set()
    for pos, ags in zip(positions.tolist(), holder.to_numpy(), strict=True):
        name = fac["name"].iloc[pos]
        replaced.add(spreadsheet_row(pos))
        if isinstance(ags, str):
            where = boundaries.loc[ags, "name"] if "name" in boundaries.columns else ""
            msg = (
                f"Einrichtung „{name}“ liegt außerhalb {area} (Gemeinde {ags} „{where}“); sie "
                "zählt für die Erreichbarkeit, nicht für die Kennzahlen der Gemeinden."
            )
            entries.append(ReportEntry("ausserhalb", _facility_problem(fac, pos, msg)))
        else:
            msg = (
                f"Einrichtung „{name}“ liegt in keiner Gemeinde der Region und in keiner Fläche "
                f"der Grenzdatei ({bsource}). Sie wird mitgeführt, aber keiner Gemeinde "
                "zugerechnet; bitte die Koordinaten prüfen."
            )
            entries.append(ReportEntry("einrichtung", _facility_problem(fac, pos, msg)))
    return entries, replaced


# --------------------------------------------------------------------------------------
# the public function
# --------------------------------------------------------------------------------------
def build_region(
    ags_prefix: str | int | None,
    register: str | Path | destatis.Register,
    boundaries: str | Path | gpd.GeoDataFrame,
    facilities: str | Path | Iterable[str | Path] | gpd.GeoDataFrame | None = None,
    events: str | Path | Iterable[str | Path] | None = None,
    *,
    name: str | None = None,
    mapping: dict[str, str] | None = None,
    max_venue_distance_m: float = 300.0,
    organisations: str | Path | Iterable[str | Path] | None = None,
    funding: str | Path | Iterable[str | Path] | None = None,
    osm: str | Path | None = None,
    grid: str | Path | None = None,
) -> BuildResult:
    """Build a region for a Kreis, a Land or all of Germany from official files.

    Parameters
    ----------
    ags_prefix
        ``"05762"`` (Kreis Höxter), ``"05"`` (Nordrhein-Westfalen), ``""``/``None``
        (Germany).
    register
        Destatis municipality register (path, or a :class:`destatis.Register`).
    boundaries
        BKG municipality boundaries (path, or a GeoDataFrame from
        :func:`kulturplan.sources.bkg.read_boundaries`).
    facilities
        Facility lists: CSV/XLSX (:func:`kulturplan.sources.facilities.read_table`)
        and/or OpenStreetMap exports (``.json``/``.geojson``,
        :func:`kulturplan.sources.osm.read_overpass`).
    events
        iCalendar files (:func:`kulturplan.sources.ical.read_events`); venues are
        matched to the facilities by name and coordinates.
    name
        Region name; by default from the register (e.g. "Landkreis Mittelsachsen").
    mapping
        Column mapping for the facility lists.
    max_venue_distance_m
        Largest distance between an event's coordinates and a facility to match.
    organisations, funding
        Lists of organisations and funding (CSV/XLSX,
        :func:`kulturplan.sources.lists.read_organisations` / ``read_funding``).
    osm
        OpenStreetMap extract (``.osm.pbf``) for road-network travel times; the region
        names it (source entry of kind ``"osm"``, see :data:`kulturplan.io.INPUT_KINDS`),
        the file is not copied.
    grid
        Zensus 2022 grid file (:func:`kulturplan.sources.zensus.read_grid`); named by the
        region the same way. The report compares its inhabitants per municipality with the
        register (:func:`kulturplan.sources.zensus.population_by_municipality`); nothing
        is rescaled.

    Returns
    -------
    BuildResult
        ``(region, report)``; the report's problems are also in ``region.report``.

    Raises
    ------
    kulturplan.errors.KulturplanError
        For unreadable files (:class:`~kulturplan.errors.InputFileError`) or an AGS prefix
        that is malformed or selects no municipality (:class:`~kulturplan.errors.ParameterError`).
    """
    prefix = _normalise_prefix(ags_prefix)
    reg = _as_register(register)
    bnd, bnd_source = _as_boundaries(boundaries)
    muni, entries, counts = join_municipalities(reg, bnd, prefix)
    if bnd.attrs.get("water_parts"):
        entries.append(
            ReportEntry(
                "hinweis",
                Problem(
                    bnd.attrs.get("source", "Grenzdatei"),
                    f"{bnd.attrs['water_parts']} Wasserflächen (GF 1/2) wurden nicht "
                    "berücksichtigt; gezählt werden nur Landflächen.",
                    column="GF",
                ),
            )
        )
    sources: list[dict[str, str]] = [reg.source_info()]
    if bnd_source:
        sources.append(bnd_source)

    fac, fac_problems, used_osm = _read_facilities(_paths(facilities), mapping)
    entries += [ReportEntry("einrichtung", p) for p in fac_problems]
    if used_osm:
        sources.append(dict(OSM_SOURCE))

    ev_frame = None
    event_paths = _paths(events)
    if event_paths:
        from kulturplan.sources import ical

        # one Kreis calendar: duplicates across feeds are recognised and reported
        all_events, ev_report = ical.read_calendars(event_paths, facilities=fac,
                                                    max_distance_m=max_venue_distance_m)
        ev_problems: list[Problem] = list(ev_report.problems)
        if len(all_events):
            ev_frame, p2 = _attach_events(all_events, muni)
            ev_problems += p2
        entries += [ReportEntry("veranstaltung", p) for p in ev_problems]
        sources.append(
            {
                "name": "Veranstaltungskalender (iCalendar): "
                + ", ".join(Path(p).name for p in event_paths),
                "licence": "",
                "attribution": "",
                "date": "",
            }
        )

    lists: dict[str, pd.DataFrame | None] = {}
    for table, items in (("organisations", organisations), ("funding", funding)):
        lists[table], list_problems = _read_lists(table, _paths(items))
        kind = "organisation" if table == "organisations" else "foerderung"
        entries += [ReportEntry(kind, p) for p in list_problems]

    more_sources, grid_report_entries = _input_sources(muni, osm, grid, counts)
    sources += more_sources
    entries += grid_report_entries
    region_name = name or reg.region_name(prefix)
    region = Region(
        municipalities=muni,
        facilities=fac,
        events=ev_frame,
        organisations=lists["organisations"],
        funding=lists["funding"],
        name=region_name,
        kreis_ags=prefix or None,
        sources=tuple(sources),
    )
    # problems the Region found; facilities outside its municipalities are sorted out
    outside_entries, replaced = _outside_facilities(region, bnd)
    for p in region.report.problems:
        if p.source == TABLE_LABELS["facilities"] and p.column == "ags" and p.row in replaced:
            continue
        kind = "veranstaltung" if p.source == "Veranstaltungen" else "einrichtung"
        entries.append(ReportEntry(kind, p))
    entries += outside_entries
    if fac is not None:
        counts["Einrichtungen übernommen"] = int(len(region.facilities))
        counts["Einrichtungen außerhalb der Region"] = int(
            (~region.facilities["ags"].isin(region.municipalities.index)).sum()
        )
    if event_paths:
        counts["Veranstaltungen übernommen"] = int(len(region.events))
    report = ImportReport(region_name, prefix, counts, tuple(entries))
    object.__setattr__(region, "report", report.to_validation_report())
    return BuildResult(region, report)


def _input_path(value: str | Path, what: str) -> Path:
    from kulturplan.errors import InputFileError

    path = Path(value).expanduser()
    if not path.is_file():
        raise InputFileError(f"{path.name}: Die {what} wurde nicht gefunden ({path}).")
    return path.absolute()


def grid_entries(table: pd.DataFrame, source: str) -> list[ReportEntry]:
    """One report entry per municipality: grid inhabitants against the register.

    ``table`` is :func:`kulturplan.sources.zensus.population_by_municipality`; the
    numbers are reported as they are (never rescaled).
    """
    out = []
    for ags, row in table.iterrows():
        pct = row["difference_pct"]
        if row["grid"] == 0 and row["register"] == 0:
            continue  # an uninhabited gemeindefreies Gebiet: nothing to compare
        pct_text = "" if not np.isfinite(pct) else f" ({'+' if pct >= 0 else ''}" \
            f"{format_number(float(pct), 1)} %)"
        out.append(ReportEntry("zensus", Problem(
            source,
            f"{row['name']} ({ags}): Zensus-Gitter {format_number(row['grid'])}, "
            f"Gemeindeverzeichnis {format_number(row['register'])} Einwohner:innen, "
            f"Unterschied {'+' if row['difference'] >= 0 else ''}"
            f"{format_number(row['difference'])}{pct_text}; nicht angeglichen.",
            column="Einwohner",
        )))
    return out


def _input_sources(
    muni: gpd.GeoDataFrame, osm: str | Path | None, grid: str | Path | None,
    counts: dict[str, int],
) -> tuple[list[dict[str, str]], list[ReportEntry]]:
    """Source entries naming the OSM file and the grid; the grid compared with the register."""
    sources: list[dict[str, str]] = []
    entries: list[ReportEntry] = []
    if osm is not None:
        path = _input_path(osm, "OSM-Datei")
        sources.append({**ROAD_NETWORK_SOURCE, "name": f"{ROAD_NETWORK_SOURCE['name']} "
                        f"({path.name})", "file": str(path)})
    if grid is not None:
        from kulturplan.sources import zensus

        path = _input_path(grid, "Zensus-Gitterdatei")
        cells, grid_report = zensus.read_grid(path, region=muni)
        table = zensus.population_by_municipality(cells, muni)
        counts["Einwohner:innen laut Zensus-Gitter"] = int(round(table["grid"].sum()))
        counts["Unterschied Zensus-Gitter − Verzeichnis"] = int(round(
            table["grid"].sum() - table["register"].sum()))
        counts["Gitterzellen in der Region"] = len(cells)
        entries += grid_entries(table, grid_report.source)
        if len(grid_report.outside):
            entries.append(ReportEntry("hinweis", Problem(
                grid_report.source,
                f"{format_number(len(grid_report.outside))} Gitterzellen mit "
                f"{format_number(grid_report.outside_population)} Einwohner:innen liegen im "
                "Rechteck der Region, aber in keiner ihrer Gemeinden (nicht übernommen).",
            )))
        sources.append({**GRID_SOURCE, "file": str(path)})
    return sources, entries
