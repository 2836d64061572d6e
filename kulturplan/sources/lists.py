"""Lists of organisations (Vereine) and funding of a Kreis (Excel or CSV), and their templates.

Like facility lists (:mod:`kulturplan.sources.facilities`), these lists are collected by the
Kreis in a spreadsheet and brought into a region with ``build-region --organisations`` /
``--funding``. Columns have German names (``Name``, ``Sparte``, ``AGS``, ``Mitglieder``,
``Ehrenamtliche``, ``Zielgruppen``; ``Jahr``, ``AGS``, ``Sparte``, ``Quelle``, ``Betrag``);
numbers are read the German way (``12.500`` is twelve thousand five hundred). Columns that may
hold personal data (contact persons, e-mail, phone: :func:`kulturplan.region.is_personal_column`)
and unknown columns are never taken over and are listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._validate import AMBIGUOUS_NUMBER, german_numbers
from kulturplan.errors import OverwriteRefusedError, ValidationError
from kulturplan.region import is_personal_column
from kulturplan.sources._cells import cell_text, find_columns, missing_column_problem
from kulturplan.sources._files import read_any
from kulturplan.sources._report import ReadResult, RowProblems
from kulturplan.sources.facilities import match_category


@dataclass(frozen=True)
class ListSpec:
    """The columns of one kind of list.

    Attributes
    ----------
    table
        Region table the list fills (``organisations`` or ``funding``).
    title
        German name of the list (sheet name of the template).
    fields
        Field → (German column name, accepted spellings, kind); kind is ``text``,
        ``category``, ``ags``, ``int``, ``float`` or ``list``.
    required
        Fields that must be present as columns.
    hints
        Field → input hint of the template.
    """

    table: str
    title: str
    fields: dict[str, tuple[str, tuple[str, ...], str]]
    required: tuple[str, ...]
    hints: dict[str, str]


ORGANISATIONS = ListSpec(
    "organisations",
    "Organisationen",
    {
        "org_id": ("ID", ("Kennung", "Nr", "Nummer"), "text"),
        "name": ("Name", ("Verein", "Organisation", "Bezeichnung", "Name des Vereins"), "text"),
        "category": ("Sparte", ("Kategorie", "Art", "Typ"), "category"),
        "ags": ("AGS", ("Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel"), "ags"),
        "members": ("Mitglieder", ("Mitgliederzahl", "Anzahl Mitglieder"), "int"),
        "volunteers": ("Ehrenamtliche", ("Ehrenamtlich Aktive", "Aktive"), "int"),
        "target_groups": ("Zielgruppen", ("Zielgruppe",), "list"),
    },
    ("name", "category", "ags"),
    {
        "org_id": "Eigene Kennung (leer lassen: wird aus Datei und Zeile gebildet).",
        "name": "Name des Vereins oder der Organisation. Pflichtfeld.",
        "category": "Sparte aus dem Sparten-Katalog, z. B. Musikschule, Museum. Pflichtfeld.",
        "ags": "Achtstelliger Gemeindeschlüssel des Sitzes, z. B. 05762020. Pflichtfeld.",
        "members": "Zahl der Mitglieder (ganze Zahl).",
        "volunteers": "Zahl der ehrenamtlich Aktiven (ganze Zahl).",
        "target_groups": "Zielgruppen, mit Semikolon getrennt, z. B. kinder;senioren.",
    },
)
"""Organisations (Vereine): ``org_id``, ``name``, ``category``, ``ags`` and counts."""

FUNDING = ListSpec(
    "funding",
    "Förderung",
    {
        "year": ("Jahr", ("Haushaltsjahr",), "int"),
        "ags": ("AGS", ("Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel"), "ags"),
        "category": ("Sparte", ("Kategorie", "Bereich"), "category"),
        "source": ("Quelle", ("Mittelgeber", "Geldgeber", "Fördergeber"), "source"),
        "amount_eur": ("Betrag", ("Betrag in Euro", "Betrag (EUR)", "Euro", "EUR", "Summe"),
                       "float"),
    },
    ("year", "ags", "category", "source", "amount_eur"),
    {
        "year": "Haushaltsjahr, z. B. 2025. Pflichtfeld.",
        "ags": "Achtstelliger Gemeindeschlüssel, z. B. 05762020. Pflichtfeld.",
        "category": "Sparte aus dem Sparten-Katalog oder „allgemein“. Pflichtfeld.",
        "source": "Mittelgeber: " + ", ".join(catalog.FUNDING_SOURCES) + ". Pflichtfeld.",
        "amount_eur": "Betrag in Euro, z. B. 12.500 oder 12500,50. Pflichtfeld.",
    },
)
"""Funding per year, municipality, Sparte and source (``amount_eur`` in euro)."""


def _columns(table: Any, spec: ListSpec) -> dict[str, int]:
    synonyms = {f: (german, *syn) for f, (german, syn, _) in spec.fields.items()}
    cols = find_columns(table.header, synonyms)
    cols = {f: j for f, j in cols.items() if not is_personal_column(table.header[j])}
    fatal = [missing_column_problem(table.source, spec.fields[f][0], table.header)
             for f in spec.required if f not in cols]
    if fatal:
        raise ValidationError(fatal, title=f"{table.source}: Die Liste „{spec.title}“ ist "
                              "unvollständig")
    return cols


def _category(value: Any, allow_general: bool) -> tuple[str | None, str | None]:
    text = cell_text(value)
    if not text:
        return None, "Sparte fehlt."
    if allow_general and text.lower() == "allgemein":
        return "allgemein", None
    cid, suggestions = match_category(text)
    if cid is not None:
        return cid, None
    hint = f"; meinten Sie: {', '.join(suggestions)}?" if suggestions else "."
    return None, f"Sparte „{text}“ ist unbekannt{hint}"


def _numbers(values: list[Any], integer: bool, name: str, found: RowProblems) -> np.ndarray:
    """A number column read the German way (:func:`kulturplan._validate.german_numbers`)."""
    texts = pd.Series([cell_text(v) if isinstance(v, str) else v for v in values], dtype=object)
    texts = texts.where(texts != "", None)
    numbers, ambiguous = german_numbers(texts, integer=integer)
    given = texts.notna().to_numpy()
    found.add_each(np.flatnonzero(ambiguous),
                   lambda k: f"„{texts[k]}“ ist keine eindeutige Zahl; "
                   + AMBIGUOUS_NUMBER.removeprefix("eine eindeutige Zahl: ") + ".", name)
    found.add_each(np.flatnonzero(given & ~ambiguous & np.isnan(numbers)),
                   lambda k: f"„{texts[k]}“ ist keine Zahl.", name)
    if integer:
        found.add_each(np.flatnonzero(np.isfinite(numbers) & (numbers != np.round(numbers))),
                       lambda k: f"„{texts[k]}“ ist keine ganze Zahl.", name)
    found.add_each(np.flatnonzero(numbers < 0), "Der Wert ist negativ.", name)
    return numbers


def _column(kind: str, values: list[Any], field: str, name: str, table: Any,
            found: RowProblems, allow_general: bool) -> Any:
    """One column converted to its kind; unusable cells become problems of their rows."""
    if kind in ("int", "float"):
        numbers = _numbers(values, kind == "int", name, found)
        return pd.array([None if np.isnan(v) else int(v) for v in numbers], dtype="Int64") \
            if kind == "int" else numbers
    texts = [cell_text(v) for v in values]
    if kind == "category":
        categories: list[str | None] = []
        for k, value in enumerate(values):
            cid, problem = _category(value, allow_general)
            if problem:
                found.add(k, problem, name)
            categories.append(cid)
        return categories
    if kind == "ags":
        out = [t.zfill(8) if t.isdigit() and len(t) == 7 else t for t in texts]
        found.add_each([k for k, t in enumerate(out) if not (t.isdigit() and len(t) == 8)],
                       lambda k: f"„{texts[k]}“ ist kein achtstelliger Gemeindeschlüssel.", name)
        return out
    if kind == "source":
        allowed = catalog.FUNDING_SOURCES
        out = [t.lower() for t in texts]
        found.add_each([k for k, t in enumerate(out) if t not in allowed],
                       lambda k: f"Quelle „{texts[k]}“ ist unbekannt; erlaubt sind: "
                       + ", ".join(allowed) + ".", name)
        return out
    if kind == "list":
        return [[p.strip() for p in t.replace(",", ";").split(";") if p.strip()] for t in texts]
    if field in ("name",):
        found.add_each([k for k, t in enumerate(texts) if not t], "Name fehlt.", name)
    return [t or None for t in texts]


def read_list(path: str | Path, spec: ListSpec, *, sheet: str | None = None) -> ReadResult:
    """Read an organisation or funding list (CSV or XLSX) for a region table.

    Parameters
    ----------
    path
        CSV (encoding and separator detected) or Excel workbook.
    spec
        :data:`ORGANISATIONS` or :data:`FUNDING`.
    sheet
        Sheet of a workbook (default: the first visible one).

    Returns
    -------
    ReadResult
        ``table, report``: the usable rows (organisations indexed by ``org_id``, generated as
        ``<file>-<row>`` where empty), every row left out with row, column and reason, and the
        columns not taken over (personal ones named).

    Raises
    ------
    kulturplan.errors.InputFileError
        Missing, empty or unreadable file.
    kulturplan.errors.ValidationError
        A required column is missing.
    """
    table = read_any(path, sheet=sheet)
    cols = _columns(table, spec)
    found = RowProblems(table.source, table.row_numbers)
    data: dict[str, Any] = {}
    for field, (_, _, kind) in spec.fields.items():
        if field not in cols:
            continue
        j = cols[field]
        data[field] = _column(kind, [r[j] for r in table.rows], field, table.header[j], table,
                              found, spec.table == "funding")
    frame = pd.DataFrame(data, index=range(len(table.rows)))
    if spec.table == "organisations":
        stem = Path(path).stem
        ids = [cell_text(v) if "org_id" in cols else "" for v in frame.get("org_id", [""] * len(
            frame))]
        frame["org_id"] = [i or f"{stem}-{r}" for i, r in zip(ids, table.row_numbers,
                                                               strict=True)]
        frame = frame.set_index("org_id")
    unused = [h for j, h in enumerate(table.header) if j not in cols.values() and h]
    if unused:
        personal = [u for u in unused if is_personal_column(u)]
        found.note("Spalten nicht übernommen (unbekannt oder möglicherweise personenbezogen): "
                   + ", ".join(f"„{u}“" for u in unused) + "."
                   + (" Personenbezogen sind vermutlich: " + ", ".join(f"„{u}“" for u in personal)
                      + "." if personal else ""), row=1)
    return ReadResult(frame[~found.rejected], found.report(first=table.problems))


def read_organisations(path: str | Path, *, sheet: str | None = None) -> ReadResult:
    """Read a list of organisations (:func:`read_list` with :data:`ORGANISATIONS`)."""
    return read_list(path, ORGANISATIONS, sheet=sheet)


def read_funding(path: str | Path, *, sheet: str | None = None) -> ReadResult:
    """Read a funding list (:func:`read_list` with :data:`FUNDING`)."""
    return read_list(path, FUNDING, sheet=sheet)


def write_template(path: str | Path, spec: ListSpec, *, overwrite: bool = False) -> Path:
    """Write an Excel template for an organisation or funding list with input hints.

    The first sheet has the German column names of ``spec`` with an input hint on every
    column; a second sheet "Hinweise" explains them (and asks for no personal data).
    :func:`read_list` reads the filled-in template as is.

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If ``path`` exists and ``overwrite`` is false.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    target = Path(path)
    if target.exists() and not overwrite:
        raise OverwriteRefusedError(
            f"{target.name}: Die Datei existiert bereits und wird nicht überschrieben. Bitte "
            "einen anderen Dateinamen wählen."
        )
    book = Workbook()
    ws = book.active
    ws.title = spec.title
    for j, (field, (german, _, _)) in enumerate(spec.fields.items(), start=1):
        cell = ws.cell(row=1, column=j, value=german)
        cell.font = Font(bold=True)
        cell.comment = Comment(spec.hints[field], "kulturplan")
        ws.column_dimensions[cell.column_letter].width = 30 if field == "name" else 16
        for r in range(2, 502):
            if spec.fields[field][2] == "ags":
                ws.cell(row=r, column=j).number_format = "@"
    ws.freeze_panes = "A2"
    hints = book.create_sheet("Hinweise")
    hints.append(["Spalte", "Hinweis"])
    for field, (german, _, _) in spec.fields.items():
        hints.append([german, spec.hints[field]])
    hints.append([])
    hints.append(["", "Bitte keine Namen, E-Mail-Adressen oder Telefonnummern von Personen "
                  "eintragen; solche Spalten werden beim Einlesen nicht übernommen."])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    book.save(tmp)
    tmp.replace(target)
    return target

