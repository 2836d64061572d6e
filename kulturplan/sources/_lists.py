"""Small user lists (projects, volunteer offers and requests): columns, cells, template.

The shape of :mod:`kulturplan.sources.facilities`, for lists without coordinates: a
table of German columns with synonyms (``FIELDS``), required columns that stop the read
when missing, one :class:`~kulturplan.sources._report.RowProblems` collector, and an
Excel template with a hint on every column. Personal data: columns whose header names a
person's contact (Name, Vorname, E-Mail, Telefon, Adresse, …) are never taken over, and a
kept cell that looks like an e-mail address or a phone number is blanked; both are noted
in the report without repeating the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kulturplan.errors import OverwriteRefusedError, Problem, ValidationError
from kulturplan.sources._cells import (
    cell_text,
    find_columns,
    missing_column_problem,
    normalise_name,
)
from kulturplan.sources._files import RawTable, read_any
from kulturplan.sources._report import RowProblems

PERSONAL_HEADERS: tuple[str, ...] = (
    "name", "vorname", "nachname", "familienname", "email", "e-mail", "mail", "telefon",
    "tel", "telefonnummer", "handy", "mobil", "mobilnummer", "phone", "adresse", "anschrift",
    "strasse", "straße", "geburtsdatum", "geburtstag", "kontakt", "ansprechpartner",
    "ansprechpartnerin", "contact_name", "contact_email", "contact_phone",
)
"""Headers (normalised) of columns with personal data; never read from volunteer files."""

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(\+|\b0)\d[\d\s/()-]{6,}\d")


def looks_personal(text: str) -> bool:
    """Whether a cell text contains an e-mail address or a phone number."""
    return bool(EMAIL.search(text) or PHONE.search(text))


@dataclass(frozen=True)
class ListView:
    """The cells of a list by field (columns resolved once)."""

    table: RawTable
    cols: dict[str, int]
    labels: Mapping[str, str]

    @property
    def n(self) -> int:
        return len(self.table.rows)

    def has(self, field: str) -> bool:
        return field in self.cols

    def name(self, field: str) -> str:
        return self.table.header[self.cols[field]] if field in self.cols else self.labels[field]

    def values(self, field: str) -> list[Any]:
        j = self.cols.get(field)
        return [r[j] for r in self.table.rows] if j is not None else [None] * self.n

    def texts(self, field: str) -> list[str]:
        return [cell_text(v) for v in self.values(field)]


def open_list(
    path: str | Path,
    fields: Mapping[str, tuple[str, tuple[str, ...]]],
    required: Sequence[str],
    *,
    what: str,
    sheet: str | None = None,
) -> tuple[ListView, RowProblems]:
    """Read the file and find the columns; missing required columns or no rows raise."""
    table = read_any(path, sheet=sheet)
    synonyms = {f: (german, *syn) for f, (german, syn) in fields.items()}
    cols = find_columns(table.header, synonyms)
    labels = {f: german for f, (german, _) in fields.items()}
    fatal = [missing_column_problem(table.source, labels[f], table.header)
             for f in required if f not in cols]
    if fatal:
        raise ValidationError(fatal, title=f"{table.source}: {what} ist unvollständig")
    if not table.rows:
        raise ValidationError(
            [Problem(table.source, "Die Tabelle hat keine Datenzeilen unter der Kopfzeile.",
                     row=2)],
            title=f"{table.source}: {what} ist leer",
        )
    found = RowProblems(table.source, table.row_numbers)
    return ListView(table, cols, labels), found


def note_unused(view: ListView, found: RowProblems) -> None:
    """Note the columns not taken over; personal-data columns are named as such."""
    used = set(view.cols.values())
    unused = [h for j, h in enumerate(view.table.header) if j not in used and h]
    personal = [h for h in unused if normalise_name(h) in {normalise_name(p)
                                                           for p in PERSONAL_HEADERS}]
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


def write_list_template(
    path: str | Path,
    *,
    sheet: str,
    columns: Sequence[tuple[str, str]],
    choices: Mapping[int, str] | None = None,
    rows: int = 500,
    overwrite: bool = False,
    footer: str = "",
) -> Path:
    """An Excel template: German headers with input hints, optional dropdown lists.

    ``columns`` is a sequence of ``(header, hint)``; ``choices`` maps a column position
    to a list formula (e.g. ``'"ja,nein"'`` or ``"=Sparten!$B$2:$B$12"``).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from kulturplan import catalog

    target = Path(path)
    if target.exists() and not overwrite:
        raise OverwriteRefusedError(
            f"{target.name}: Die Datei existiert bereits und wird nicht überschrieben. Bitte "
            "einen anderen Dateinamen wählen."
        )
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ref = book.create_sheet("Sparten")
    ref.append(["Kennung", "Sparte"])
    for cid, row in catalog.categories().iterrows():
        ref.append([cid, row["label"]])
    fill = PatternFill("solid", fgColor="DDE7F0")
    for j, (header, hint) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(hint, "kulturplan")
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = 30
        dv = DataValidation(allow_blank=True)
        if choices and (j - 1) in choices:
            dv = DataValidation(type="list", formula1=choices[j - 1], allow_blank=True)
            dv.showErrorMessage = True
            dv.error = "Bitte einen Wert aus der Liste wählen."
        dv.promptTitle = header[:32]
        dv.prompt = hint[:255]
        dv.showInputMessage = True
        dv.add(f"{letter}2:{letter}{rows + 1}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    hints = book.create_sheet("Hinweise")
    hints.append(["Spalte", "Hinweis"])
    for header, hint in columns:
        hints.append([header, hint])
    if footer:
        hints.append([])
        hints.append(["", footer])
    hints.column_dimensions["A"].width = 28
    hints.column_dimensions["B"].width = 100
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    book.save(tmp)
    tmp.replace(target)
    return target
