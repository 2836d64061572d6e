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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.errors import KulturplanError, Problem, ValidationError
from kulturplan.region import CRS
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
from kulturplan.sources._files import read_any

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


def _de(x: float) -> str:
    """Number with a German decimal comma."""
    return f"{x:g}".replace(".", ",")


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
        field = names.get(normalise_name(target))
        if field is None:
            raise KulturplanError(
                f"{source}: Zuordnung „{file_col}“ → „{target}“: Ziel ist unbekannt; erlaubt "
                "sind " + ", ".join(f"„{FIELDS[f][0]}“" for f in FIELDS) + "."
            )
        out[str(file_col)] = field
    return out


def _flag(values: Sequence[Any], source: str, column: str, rows: Sequence[int],
          problems: list[Problem], row_bad: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for k, v in enumerate(values):
        if isinstance(v, bool):
            out.append(v)
            continue
        text = normalise_name(cell_text(v))
        if not text:
            out.append(pd.NA)
        elif text in _YES:
            out.append(True)
        elif text in _NO or text in _PARTLY:
            out.append(False)
        else:
            problems.append(
                Problem(source, f"„{cell_text(v)}“ ist keine gültige Angabe; erwartet „ja“, "
                        "„nein“ oder „teilweise“.", row=rows[k], column=column)
            )
            row_bad[k] = True
            out.append(pd.NA)
    return out


def read_table(
    path: str | Path,
    mapping: dict[str, str] | None = None,
    *,
    sheet: str | None = None,
    problems: list[Problem] | None = None,
) -> gpd.GeoDataFrame:
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
    problems
        If given, rows that cannot be used are left out and their problems are
        appended to this list (nothing raised for them). If ``None`` (default), any
        problem raises one :class:`~kulturplan.errors.ValidationError` listing all.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``facility_id`` (the file's ID column, else ``<file>-<row>``);
        columns ``name``, ``category`` (catalog id), ``street``, ``postcode``,
        ``city``, ``capacity``, ``operator``, ``barrier_free`` (``teilweise``
        counts as not barrier-free), ``hours_per_week``, ``mobile``, ``ags`` (if
        given), ``source``, ``source_row``, ``geometry`` (points in EPSG:25832).
        Columns not listed in :data:`FIELDS` are not taken over (they may hold
        personal data).

    Raises
    ------
    kulturplan.errors.InputFileError
        Missing, empty or unreadable file (e.g. not a spreadsheet).
    kulturplan.errors.ValidationError
        Missing required columns (always), and row problems unless ``problems``
        is given: missing name, unknown Sparte (with the closest catalog ids),
        missing or non-numeric coordinates, coordinates outside Germany, latitude
        and longitude swapped, text in number columns, duplicate IDs.
    """
    table = read_any(path, sheet=sheet)
    source = table.source
    collect: list[Problem] = list(table.problems)
    explicit = _resolve_mapping(mapping, source)
    synonyms = {f: (german, *syn) for f, (german, syn) in FIELDS.items()}
    cols = find_columns(table.header, synonyms, explicit)
    fatal: list[Problem] = []
    for field in ("name", "category"):
        if field not in cols:
            fatal.append(missing_column_problem(source, _label(field), table.header))
    has_ll = "lat" in cols and "lon" in cols
    has_xy = "x" in cols and "y" in cols
    if not has_ll and not has_xy:
        for field in ("lat", "lon"):
            if field not in cols:
                fatal.append(missing_column_problem(source, _label(field), table.header))
    if fatal:
        raise ValidationError(fatal, title=f"{source}: Die Einrichtungsliste ist unvollständig")
    header = table.header
    rows = table.row_numbers
    n = len(table.rows)
    if n == 0:
        raise ValidationError(
            [Problem(source, "Die Tabelle hat keine Datenzeilen unter der Kopfzeile.", row=2)],
            title=f"{source}: Die Einrichtungsliste ist leer",
        )
    row_bad = np.zeros(n, dtype=bool)
    row_problems: list[Problem] = []
    position = {r: k for k, r in enumerate(rows)}

    def col(field: str) -> list[Any]:
        j = cols.get(field)
        return [r[j] for r in table.rows] if j is not None else [None] * n

    def colname(field: str) -> str:
        return header[cols[field]] if field in cols else _label(field)

    def numbers(field: str, *, integer: bool = False) -> np.ndarray:
        if field not in cols:
            return np.full(n, np.nan)
        values, probs = parse_numbers(col(field), source=source, column=colname(field),
                                        rows=rows, integer=integer)
        for p in probs:
            row_bad[position[p.row]] = True
        row_problems.extend(probs)
        return values

    names = [cell_text(v) for v in col("name")]
    for k, v in enumerate(names):
        if not v:
            row_problems.append(Problem(source, "Name fehlt.", row=rows[k], column=colname("name")))
            row_bad[k] = True
    lookup = category_lookup()
    categories: list[str | None] = []
    for k, v in enumerate(col("category")):
        text = cell_text(v)
        if not text:
            row_problems.append(Problem(source, "Sparte fehlt; erlaubt sind: "
                                        + ", ".join(catalog.category_ids()) + ".",
                                        row=rows[k], column=colname("category")))
            row_bad[k] = True
            categories.append(None)
            continue
        cid, suggestions = match_category(text, lookup)
        if cid is None:
            hint = (
                "; meinten Sie: " + ", ".join(
                    f"{s} ({catalog.category_label(s)})" for s in suggestions) + "?"
                if suggestions
                else ""
            )
            row_problems.append(
                Problem(
                    source,
                    f"Sparte „{text}“ ist unbekannt{hint} Erlaubt sind die Kennungen, "
                    "Bezeichnungen und Synonyme des Sparten-Katalogs: "
                    + ", ".join(catalog.category_ids()) + ".",
                    row=rows[k],
                    column=colname("category"),
                )
            )
            row_bad[k] = True
        categories.append(cid)

    # coordinates
    if has_ll:
        lat = numbers("lat")
        lon = numbers("lon")
        missing = np.isnan(lat) | np.isnan(lon)
        lat_empty = np.array([is_empty(v) for v in col("lat")], dtype=bool)
        lon_empty = np.array([is_empty(v) for v in col("lon")], dtype=bool)
        inside = in_germany(lon, lat)
        swapped = ~missing & ~inside & in_germany(lat, lon)
        outside = ~missing & ~inside & ~swapped
        for k in np.flatnonzero(lat_empty | lon_empty):
            row_problems.append(
                Problem(
                    source,
                    "Koordinaten fehlen; bitte Breitengrad und Längengrad in Grad (WGS84, z. B. "
                    "51,7757 und 9,3816) eintragen – eine Online-Adresssuche gibt es hier nicht.",
                    row=rows[k],
                    column=colname("lat") if lat_empty[k] else colname("lon"),
                )
            )
        for k in np.flatnonzero(swapped):
            row_problems.append(
                Problem(
                    source,
                    f"Breitengrad ({_de(lat[k])}) und Längengrad ({_de(lon[k])}) "
                    "sind vertauscht: in "
                    "Deutschland liegt der Breitengrad zwischen 47,2 und 55,1, der Längengrad "
                    "zwischen 5,8 und 15,1. Bitte die beiden Werte tauschen.",
                    row=rows[k],
                    column=colname("lat"),
                )
            )
        for k in np.flatnonzero(outside):
            bad_lat = not (GERMANY_BBOX[1] <= lat[k] <= GERMANY_BBOX[3])
            row_problems.append(
                Problem(
                    source,
                    f"Koordinaten (Breitengrad {_de(lat[k])}, Längengrad {_de(lon[k])}) liegen "
                    "außerhalb Deutschlands; "
                    "erwartet Breitengrad 47,2–55,1 und Längengrad 5,8–15,1 (Grad, WGS84).",
                    row=rows[k],
                    column=colname("lat") if bad_lat else colname("lon"),
                )
            )
        row_bad |= missing | swapped | outside
        points = gpd.GeoSeries(gpd.points_from_xy(np.nan_to_num(lon), np.nan_to_num(lat)),
                               crs="EPSG:4326").to_crs(CRS)
    else:
        x = numbers("x")
        y = numbers("y")
        missing = np.isnan(x) | np.isnan(y)
        pts = gpd.GeoSeries(gpd.points_from_xy(np.nan_to_num(x), np.nan_to_num(y)), crs=CRS)
        ll = pts.to_crs("EPSG:4326")
        inside = in_germany(ll.x.to_numpy(), ll.y.to_numpy())
        for k in np.flatnonzero(missing | ~inside):
            row_problems.append(
                Problem(
                    source,
                    "Koordinaten fehlen." if missing[k] else
                    f"Rechts-/Hochwert ({x[k]:g}, {y[k]:g}) liegt nicht in Deutschland; erwartet "
                    "werden UTM-Koordinaten in EPSG:25832 (z. B. 520000 / 5735000).",
                    row=rows[k],
                    column=colname("x"),
                )
            )
        row_bad |= missing | ~inside
        points = pts

    capacity = numbers("capacity", integer=True)
    hours = numbers("hours_per_week")
    for field, values in (("capacity", capacity), ("hours_per_week", hours)):
        for k in np.flatnonzero(values < 0):
            row_problems.append(Problem(source, f"Wert {values[k]:g} ist negativ.", row=rows[k],
                                        column=colname(field)))
            row_bad[k] = True
    barrier = _flag(col("barrier_free"), source, colname("barrier_free"), rows, row_problems,
                    row_bad) if "barrier_free" in cols else [pd.NA] * n
    mobile = _flag(col("mobile"), source, colname("mobile"), rows, row_problems,
                   row_bad) if "mobile" in cols else [pd.NA] * n

    stem = Path(path).stem
    if "facility_id" in cols:
        ids = [cell_text(v) for v in col("facility_id")]
        for k, v in enumerate(ids):
            if not v:
                ids[k] = f"{stem}-{rows[k]}"
        dup = check_unique(ids, source=source, column=colname("facility_id"), rows=rows,
                             what="Kennung")
        for p in dup:
            row_bad[position[p.row]] = True
        row_problems += dup
    else:
        ids = [f"{stem}-{r}" for r in rows]

    def text(field: str) -> list[Any]:
        return [cell_text(v) or None for v in col(field)]

    postcodes = [
        (t.zfill(5) if t and t.isdigit() and len(t) == 4 else t) for t in text("postcode")
    ]
    data: dict[str, Any] = {
        "facility_id": pd.Series(ids, dtype=object),
        "name": pd.Series(names, dtype=object),
        "category": pd.Series(categories, dtype=object),
        "street": pd.Series(text("street"), dtype=object),
        "postcode": pd.Series(postcodes, dtype=object),
        "city": pd.Series(text("city"), dtype=object),
        "capacity": capacity,
        "operator": pd.Series(text("operator"), dtype=object),
        "barrier_free": pd.array(barrier, dtype="boolean"),
        "hours_per_week": hours,
        "mobile": pd.array(mobile, dtype="boolean"),
    }
    if "ags" in cols:
        data["ags"] = pd.Series(text("ags"), dtype=object)
    data["source"] = source
    data["source_row"] = np.asarray(rows, dtype=int)
    frame = gpd.GeoDataFrame(data, geometry=points.to_numpy(), crs=CRS)

    unused = [h for j, h in enumerate(header) if j not in cols.values() and h]
    problems_out = collect + sorted(row_problems, key=lambda p: p.row or 0)
    if problems is None:
        if problems_out:
            raise ValidationError(problems_out, title=f"{source}: Die Einrichtungsliste enthält "
                                  "Fehler")
    else:
        problems.extend(problems_out)
        if row_bad.any():
            problems.append(
                Problem(
                    source,
                    f"{int(row_bad.sum())} von {n} Zeilen werden wegen der oben genannten "
                    "Probleme nicht übernommen.",
                )
            )
        if unused:
            problems.append(
                Problem(
                    source,
                    "Spalten nicht übernommen (unbekannt oder möglicherweise personenbezogen): "
                    + ", ".join(f"„{u}“" for u in unused) + ".",
                    row=1,
                )
            )
    frame = frame[~row_bad]
    return frame.set_index("facility_id")


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
        raise KulturplanError(
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
