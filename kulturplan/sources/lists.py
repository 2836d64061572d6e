"""Lists collected by a Kreis in a spreadsheet: columns, cells, reader and Excel template.

One mechanism for every user list (facilities, projects, volunteer offers and requests,
organisations, funding): a table of German columns with synonyms, required columns that
stop the read when missing (:func:`find_list_columns`, :func:`require_columns`), one
:class:`~kulturplan.sources._report.RowProblems` collector, the Sparte of a cell matched
against the catalog (:func:`match_category`), the columns not taken over named in the
report (:func:`note_unused`; personal ones by :func:`kulturplan.region.is_personal_column`),
cells with an e-mail address or a phone number blanked where a list asks for it
(:func:`scrub`), and an Excel template with an input hint on every column
(:func:`write_list_template`).

Organisations (Vereine) and funding are described by a :class:`ListSpec` and read with
:func:`read_list` (``build-region --organisations`` / ``--funding``): ``Name``, ``Sparte``,
``AGS``, ``Mitglieder``, ``Ehrenamtliche``, ``Zielgruppen``; ``Jahr``, ``AGS``, ``Sparte``,
``Quelle``, ``Betrag``; numbers are read the German way (``12.500`` is twelve thousand five
hundred). Columns that may hold personal data and unknown columns are never taken over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._paths import write_atomic
from kulturplan._validate import AMBIGUOUS_NUMBER, german_numbers
from kulturplan.errors import OverwriteRefusedError, Problem, ValidationError
from kulturplan.region import is_personal_column
from kulturplan.sources._cells import (
    cell_text,
    closest,
    find_columns,
    missing_column_problem,
    normalise_label,
    normalise_name,
    parse_numbers,
)
from kulturplan.sources._files import RawTable, read_any
from kulturplan.sources._report import ReadResult, RowProblems

if TYPE_CHECKING:
    from openpyxl.worksheet.datavalidation import DataValidation

# --------------------------------------------------------------------------------------
# Personal data in cells
# --------------------------------------------------------------------------------------
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(\+|\b0)\d[\d\s/()-]{6,}\d")


def looks_personal(text: str) -> bool:
    """Whether a cell text contains an e-mail address or a phone number."""
    return bool(EMAIL.search(text) or PHONE.search(text))


# --------------------------------------------------------------------------------------
# Sparte of a cell
# --------------------------------------------------------------------------------------
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


def category_problem(text: str, lookup: dict[str, str]) -> tuple[str | None, str | None]:
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


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------
Fields = Mapping[str, tuple[Any, ...]]
"""Field → (German column name, accepted spellings, …) of a list."""


@dataclass(frozen=True)
class ListView:
    """The cells of a list by field (columns resolved once).

    Attributes
    ----------
    table
        The file as read (:class:`~kulturplan.sources._files.RawTable`).
    cols
        Field → column position in the file.
    labels
        Field → German column name of the template (used when the column is absent).
    """

    table: RawTable
    cols: dict[str, int]
    labels: Mapping[str, str]

    @property
    def n(self) -> int:
        return len(self.table.rows)

    def has(self, field: str) -> bool:
        return field in self.cols

    def name(self, field: str) -> str:
        """The column name as in the file (the template's name when the column is absent)."""
        return self.table.header[self.cols[field]] if field in self.cols else self.labels[field]

    def values(self, field: str) -> list[Any]:
        j = self.cols.get(field)
        return [r[j] for r in self.table.rows] if j is not None else [None] * self.n

    def texts(self, field: str) -> list[str]:
        return [cell_text(v) for v in self.values(field)]

    def numbers(self, field: str, found: RowProblems, *, integer: bool = False) -> np.ndarray:
        """German numbers of ``field`` (NaN where empty or absent); bad cells are problems."""
        if field not in self.cols:
            return np.full(self.n, np.nan)
        values, problems = parse_numbers(self.values(field), source=self.table.source,
                                         column=self.name(field), rows=self.table.row_numbers,
                                         integer=integer)
        found.extend(problems)
        return values


def find_list_columns(table: RawTable, fields: Fields,
                      explicit: Mapping[str, str] | None = None) -> ListView:
    """Find the columns of ``fields`` (German name or a synonym; ``explicit`` first)."""
    synonyms = {f: (spec[0], *spec[1]) for f, spec in fields.items()}
    cols = find_columns(table.header, synonyms, explicit)
    return ListView(table, cols, {f: spec[0] for f, spec in fields.items()})


def require_columns(view: ListView, required: Sequence[str], *, what: str,
                    rows: bool = True) -> None:
    """Raise when a required column is missing (or, with ``rows``, there are no data rows).

    ``what`` names the list in the error title, e.g. „Die Projektliste“.
    """
    table = view.table
    fatal = [missing_column_problem(table.source, view.labels[f], table.header)
             for f in required if f not in view.cols]
    if fatal:
        raise ValidationError(fatal, title=f"{table.source}: {what} ist unvollständig")
    if rows and not table.rows:
        raise ValidationError(
            [Problem(table.source, "Die Tabelle hat keine Datenzeilen unter der Kopfzeile.",
                     row=2)],
            title=f"{table.source}: {what} ist leer",
        )


def open_list(
    path: str | Path,
    fields: Fields,
    required: Sequence[str],
    *,
    what: str,
    sheet: str | None = None,
    place: bool = False,
) -> tuple[ListView, RowProblems]:
    """Read the file and find the columns; missing required columns or no rows raise.

    With ``place``, a list without ``AGS`` and without ``Gemeinde`` column misses ``AGS``.
    """
    view = find_list_columns(read_any(path, sheet=sheet), fields)
    needed = list(required)
    if place and not view.has("ags") and not view.has("municipality"):
        needed.append("ags")
    require_columns(view, needed, what=what)
    return view, RowProblems(view.table.source, view.table.row_numbers)


def note_unused(view: ListView, found: RowProblems, *, taken: set[int] | None = None,
                plain_name: bool = False, separate: bool = False) -> None:
    """Note the columns not taken over; personal ones named (:func:`is_personal_column`).

    Parameters
    ----------
    view, found
        The list and its problems.
    taken
        Column positions taken over (default: every column found).
    plain_name
        A column headed just „Name“ is a person's name (lists that name their records
        otherwise: projects by ``Titel``, volunteers by ``Kennung``).
    separate
        Two notes, personal columns as not taken over for data protection and the others
        as unknown; otherwise one note naming all and the probably personal ones.
    """
    used = set(view.cols.values()) if taken is None else taken
    unused = [h for j, h in enumerate(view.table.header) if j not in used and h]
    personal = [h for h in unused if is_personal_column(h, plain_name=plain_name)]
    if not separate:
        if unused:
            found.note(
                "Spalten nicht übernommen (unbekannt oder möglicherweise personenbezogen): "
                + ", ".join(f"„{u}“" for u in unused) + "."
                + (" Personenbezogen sind vermutlich: " + ", ".join(f"„{u}“" for u in personal)
                   + "." if personal else ""),
                row=1,
            )
        return
    other = [h for h in unused if h not in personal]
    if personal:
        found.note("Spalten mit personenbezogenen Daten nicht übernommen (Datenschutz): "
                   + ", ".join(f"„{h}“" for h in personal) + ".", row=1)
    if other:
        found.note("Spalten nicht übernommen (unbekannt): "
                   + ", ".join(f"„{h}“" for h in other) + ".", row=1)


def scrub(view: ListView, field: str, found: RowProblems) -> list[str]:
    """Texts of ``field``; cells with an e-mail address or phone number blanked and noted."""
    out = []
    for k, text in enumerate(view.texts(field)):
        if text and looks_personal(text):
            found.add(k, "Die Zelle enthält eine E-Mail-Adresse oder Telefonnummer; sie wird "
                      "aus Datenschutzgründen nicht übernommen.", view.name(field), reject=False)
            text = ""
        out.append(text)
    return out


def ags_column(view: ListView, found: RowProblems, municipalities: Any = None
               ) -> list[str | None]:
    """The 8-digit AGS of every row, from an ``ags`` column or a ``municipality`` name.

    Names are matched to ``municipalities`` (a table with ``name``, index AGS); rows with
    an invalid AGS or an unknown name are reported and left out.
    """
    if view.has("ags"):
        out: list[str | None] = []
        for k, text in enumerate(view.texts("ags")):
            text = text.zfill(8) if text.isdigit() and len(text) < 8 else text
            ok = len(text) == 8 and text.isdigit()
            if not ok:
                found.add(k, f"AGS „{text}“ ist kein 8-stelliger Gemeindeschlüssel.",
                          view.name("ags"))
            out.append(text if ok else None)
        return out
    names = {} if municipalities is None else {
        normalise_name(n): a for a, n in municipalities["name"].astype(str).items()}
    out = []
    for k, text in enumerate(view.texts("municipality")):
        ags = names.get(normalise_name(text))
        if ags is None:
            hint = "" if municipalities is not None else (
                " (ohne AGS-Spalte bitte die Gemeinden der Region übergeben)")
            found.add(k, f"Gemeinde „{text}“ ist unbekannt{hint}.", view.name("municipality"))
        out.append(ags)
    return out


# --------------------------------------------------------------------------------------
# Excel template
# --------------------------------------------------------------------------------------
def write_list_template(
    path: str | Path,
    *,
    sheet: str,
    columns: Sequence[tuple[str, str]],
    choices: Mapping[int, str] | None = None,
    validations: Mapping[int, DataValidation] | None = None,
    widths: Mapping[int, float] | None = None,
    text_columns: Sequence[int] = (),
    rows: int = 500,
    overwrite: bool = False,
    footer: str = "",
) -> Path:
    """An Excel template: German headers with input hints, optional dropdown lists.

    The first sheet ``sheet`` has the headers, an input hint (comment and prompt) on every
    column and ``rows`` prepared rows; sheet „Sparten“ lists the category catalog
    (labels in column B, for dropdowns ``=Sparten!$B$2:$B$<n+1>``); sheet „Hinweise``
    explains every column and ends with ``footer``.

    Parameters
    ----------
    path
        Target ``.xlsx`` file; an existing file is never replaced unless ``overwrite``.
    columns
        ``(header, hint)`` of every column.
    choices
        Column position → list formula of a dropdown (``'"ja,nein"'``,
        ``"=Sparten!$B$2:$B$12"``).
    validations
        Column position → a prepared openpyxl ``DataValidation`` (ranges, other messages).
    widths
        Column position → width (default 30).
    text_columns
        Positions of columns formatted as text (AGS, PLZ: leading zeros kept).

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If ``path`` exists and ``overwrite`` is false.
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
    ws.title = sheet
    _category_sheet(book.create_sheet("Sparten"))
    fill = PatternFill("solid", fgColor="DDE7F0")
    for j, (header, hint) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(hint, "kulturplan")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = (widths or {}).get(j - 1, 30)
        if validations and (j - 1) in validations:
            dv = validations[j - 1]
        elif choices and (j - 1) in choices:
            dv = DataValidation(type="list", formula1=choices[j - 1], allow_blank=True)
            dv.showErrorMessage = True
            dv.error = "Bitte einen Wert aus der Liste wählen."
        else:
            dv = DataValidation(allow_blank=True)
        dv.promptTitle = header[:32]
        dv.prompt = hint[:255]
        dv.showInputMessage = True
        dv.add(f"{letter}2:{letter}{rows + 1}")
        ws.add_data_validation(dv)
        if (j - 1) in text_columns:
            for r in range(2, rows + 2):
                ws.cell(row=r, column=j).number_format = "@"
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    hints = book.create_sheet("Hinweise")
    hints.append(["Spalte", "Hinweis"])
    for header, hint in columns:
        hints.append([header, hint])
    if footer:
        hints.append([])
        hints.append(["", footer])
    for cell in hints[1]:
        cell.font = Font(bold=True)
    hints.column_dimensions["A"].width = 28
    hints.column_dimensions["B"].width = 100
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, book.save)


def _category_sheet(ref: Any) -> None:
    """Sheet „Sparten“: id, label, area and the aliases recognised of every category."""
    from openpyxl.styles import Font

    ref.append(["Kennung", "Sparte", "Bereich", "auch erkannt"])
    for cid, row in catalog.categories().iterrows():
        ref.append([cid, row["label"], row.get("sparte", ""), ", ".join(row.get("aliases") or [])])
    for cell in ref[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (26, 28, 22, 70), strict=True):
        ref.column_dimensions[letter].width = width


# --------------------------------------------------------------------------------------
# Organisations and funding
# --------------------------------------------------------------------------------------
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


def _columns(table: RawTable, spec: ListSpec) -> ListView:
    """The spec's columns; personal ones are never taken, a missing required one raises."""
    view = find_list_columns(table, spec.fields)
    cols = {f: j for f, j in view.cols.items() if not is_personal_column(table.header[j])}
    view = ListView(table, cols, view.labels)
    require_columns(view, spec.required, what=f"Die Liste „{spec.title}“", rows=False)
    return view


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


def _column(kind: str, values: list[Any], field: str, name: str, found: RowProblems,
            allow_general: bool) -> Any:
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
    view = _columns(read_any(path, sheet=sheet), spec)
    table = view.table
    found = RowProblems(table.source, table.row_numbers)
    data: dict[str, Any] = {}
    for field, (_, _, kind) in spec.fields.items():
        if view.has(field):
            data[field] = _column(kind, view.values(field), field, view.name(field), found,
                                  spec.table == "funding")
    frame = pd.DataFrame(data, index=range(view.n))
    if spec.table == "organisations":
        stem = Path(path).stem
        ids = view.texts("org_id")
        frame["org_id"] = [i or f"{stem}-{r}" for i, r in zip(ids, table.row_numbers,
                                                               strict=True)]
        frame = frame.set_index("org_id")
    note_unused(view, found)
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
    column (:func:`write_list_template`); sheet "Hinweise" explains them (and asks for no
    personal data). :func:`read_list` reads the filled-in template as is.

    Raises
    ------
    kulturplan.errors.OverwriteRefusedError
        If ``path`` exists and ``overwrite`` is false.
    """
    fields = list(spec.fields.items())
    return write_list_template(
        path, sheet=spec.title, overwrite=overwrite,
        columns=[(german, spec.hints[field]) for field, (german, _, _) in fields],
        widths={j: 30 if field == "name" else 16 for j, (field, _) in enumerate(fields)},
        text_columns=[j for j, (_, (_, _, kind)) in enumerate(fields) if kind == "ags"],
        footer="Bitte keine Namen, E-Mail-Adressen oder Telefonnummern von Personen "
               "eintragen; solche Spalten werden beim Einlesen nicht übernommen.",
    )
