"""Reading users' and offices' table files: bytes, encodings, separators, CSV/XLSX → RawTable.

Everything here works on the *spreadsheet view* of a file: rows are numbered as a user sees
them in Excel (header = row 1), columns keep the names the user typed. Interpreting the cells
(numbers, names, columns) is :mod:`kulturplan.sources._cells`.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from kulturplan.errors import InputFileError, Problem
from kulturplan.sources._cells import DELIMITERS, cell_text

_DELIMITER_NAMES = {";": "Semikolon", ",": "Komma", "\t": "Tabulator", "|": "senkrechter Strich"}


# --------------------------------------------------------------------------------------
# files and encodings
# --------------------------------------------------------------------------------------
def display_name(path: str | Path) -> str:
    """Return the file name users see in messages („Gemeinden.csv“)."""
    return Path(path).name


def read_bytes(path: str | Path) -> bytes:
    """Return the content of ``path``; missing, unreadable or empty files raise German errors.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file does not exist, is a folder, cannot be read or is empty.
    """
    p = Path(path)
    name = display_name(p)
    if not p.exists():
        raise InputFileError(f"{name}: Die Datei wurde nicht gefunden ({p}).")
    if p.is_dir():
        raise InputFileError(f"{name}: Erwartet wird eine Datei, gefunden wurde ein Ordner.")
    try:
        data = p.read_bytes()
    except OSError as exc:  # pragma: no cover - permissions
        raise InputFileError(f"{name}: Die Datei kann nicht gelesen werden ({exc}).") from None
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist leer; erwartet wird eine Kopfzeile mit "
            "Spaltennamen und darunter Datenzeilen."
        )
    return data


def detect_encoding(data: bytes) -> str:
    """Return the text encoding of ``data``: ``utf-16``, ``utf-8-sig``, ``utf-8`` or ``cp1252``.

    Files exported from German offices are UTF-8 with a byte order mark, plain
    UTF-8, Windows-1252/Latin-1 (Excel's "CSV (Trennzeichen-getrennt)") or UTF-16 with a
    byte order mark (Excel's "Unicode-Text").
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if _utf16_without_bom(data):
        return "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _utf16_without_bom(data: bytes) -> bool:
    """Whether ``data`` looks like UTF-16 text without byte order mark (every 2nd byte NUL)."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0), odd.count(0)) > 0.9 * len(odd) and min(
        even.count(0), odd.count(0)) < 0.1 * len(odd)


def _decode_line(line: bytes) -> tuple[str, bool]:
    """One line as UTF-8, else Windows-1252 (Latin-1 for its undefined bytes); flag fallback."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return line.decode("cp1252"), True
        except UnicodeDecodeError:
            return line.decode("latin-1"), True


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` with :func:`detect_encoding` (or ``encoding``); return ``(text, encoding)``.

    Bytes undefined in Windows-1252 (0x81, 0x8D, …) fall back to Latin-1, which
    can decode every byte.
    """
    encoding = encoding or detect_encoding(data)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def decode_mixed(data: bytes) -> tuple[str, str, list[int]]:
    """Decode ``data``; return ``(text, encoding, lines decoded differently)``.

    A file that is UTF-8 except for some lines (a line pasted from an old Windows file) is
    decoded line by line: UTF-8 where valid, Windows-1252 elsewhere; the 1-based numbers of
    the lines decoded as Windows-1252 are returned so that a reader can name them. A file
    with no valid UTF-8 non-ASCII at all is plain Windows-1252 (no lines are named).
    """
    encoding = detect_encoding(data)
    if encoding != "cp1252":
        try:
            return data.decode(encoding), encoding, []
        except UnicodeDecodeError:
            encoding = "cp1252"
    lines = data.splitlines(keepends=True)
    decoded = [_decode_line(line) for line in lines]
    fallback = [i for i, (_, bad) in enumerate(decoded, start=1) if bad]
    utf8_non_ascii = any(not bad and not line.isascii()
                         for line, (_, bad) in zip(lines, decoded, strict=True))
    if not utf8_non_ascii:
        text, enc = decode(data, "cp1252")
        return text, enc, []
    return "".join(t for t, _ in decoded), "utf-8", fallback


def file_kind(data: bytes) -> str:
    """Return ``"xlsx"``, ``"xls"`` or ``"text"`` from the first bytes of a file."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "text"


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if "\x00" in sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return control > max(2, len(sample) // 100)


# --------------------------------------------------------------------------------------
# the raw table
# --------------------------------------------------------------------------------------
@dataclass
class RawTable:
    """Cells of a table as read, before any interpretation.

    Attributes
    ----------
    source
        File name for messages.
    header
        Column names as the user typed them.
    rows
        Data rows (lists of cell values: ``str`` for CSV; ``str``, ``int``,
        ``float``, ``datetime`` or ``None`` for XLSX), padded to ``len(header)``.
    row_numbers
        Spreadsheet row of each data row (header = row 1 in a plain table).
    problems
        Problems found while reading (e.g. rows with too many fields).
    encoding, delimiter
        Detected text encoding and column separator (CSV only).
    """

    source: str
    header: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    problems: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def frame(self) -> pd.DataFrame:
        """Return the cells as an object DataFrame (one column per header cell)."""
        frame = pd.DataFrame(
            self.rows if self.rows else np.empty((0, len(self.header))),
            columns=range(len(self.header)),
            dtype=object,
        )
        frame.columns = self.header
        return frame


def sniff_delimiter(lines: Sequence[str]) -> str:
    """Return the most plausible column separator of CSV ``lines``.

    The separator that splits the header into the most fields wins; on a tie the
    one giving the most consistent field counts over the first lines, then the
    order of :data:`DELIMITERS`.
    """
    head = [ln for ln in lines if ln.strip()][:20]
    if not head:
        return ","
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(head, delimiter=delim)]
        except csv.Error:
            continue
        header_fields = counts[0] if counts else 0
        same = sum(1 for c in counts if c == header_fields)
        score = (header_fields if header_fields > 1 else 0, same)
        if score > best_score:
            best, best_score = delim, score
    return best


def _records(lines: list[str], delimiter: str) -> list[tuple[int, int, list[str]]]:
    """CSV records with the first and last physical line (1-based) each one spans."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    out: list[tuple[int, int, list[str]]] = []
    previous = 0
    for record in reader:
        out.append((previous + 1, reader.line_num, record))
        previous = reader.line_num
    return out


def _line_fields(line: str, delimiter: str) -> list[str]:
    """Fields of one physical line read alone; a line with an unpaired ``"`` is split plainly.

    A stray quote (``"Bürgerhaus Alte Post;…``) would make the CSV rules read on to the next
    quote, several lines further; read alone and without quoting rules, the line keeps its
    fields, and the unpaired quote at the start or end of a field is removed.
    """
    body = line.rstrip("\r\n")
    if body.count('"') % 2 == 0:
        return next(csv.reader([body], delimiter=delimiter), [])
    fields = next(csv.reader([body], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    out = []
    for f in fields:
        text = f.strip()
        if len(text) > 1 and text.startswith('"') and text.endswith('"'):
            text = text[1:-1].replace('""', '"')
        elif text.count('"') % 2:
            text = text.strip('"')
        out.append(text)
    return out


def _split_runaway(
    records: list[tuple[int, int, list[str]]], lines: list[str], delimiter: str, width: int,
    name: str,
) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Records as ``(first line, fields)``; records spanning lines are checked line by line.

    A record over several physical lines is either a cell with a line break (Excel writes
    them in quotes) or the result of an unpaired quote that swallowed the following lines.
    It is the latter when the joined record does not have the fields of the header, or when
    two or more of its lines, read alone, do (a cell with a line break leaves at most one
    full line): the lines are then taken as separate rows — each checked like any other
    row — and the first one is named. Otherwise the record is kept and named, its line
    breaks replaced by spaces. Nothing is lost silently.
    """
    out: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    for first, last, record in records:
        if first == last:
            out.append((first, record))
            continue
        parts = [(first + k, _line_fields(ln, delimiter))
                 for k, ln in enumerate(lines[first - 1:last])]
        parts = [(n, f) for n, f in parts if any(c.strip() for c in f)]
        full = sum(len(f) == width for _, f in parts)
        if width > 1 and len(parts) > 1 and (len(record) != width or full >= 2):
            problems.append(Problem(
                name,
                f"Ein Anführungszeichen ohne Gegenstück hätte die Zeilen {first} bis {last} zu "
                "einem Datensatz verbunden; jede Zeile wurde einzeln gelesen. Bitte das "
                "Anführungszeichen prüfen.",
                row=first,
            ))
            out.extend(parts)
            continue
        problems.append(Problem(
            name,
            f"Ein Feld enthält einen Zeilenumbruch (Zeilen {first} bis {last} der Datei sind "
            "ein Datensatz); der Umbruch wurde durch ein Leerzeichen ersetzt. Bitte prüfen, "
            "ob Anführungszeichen richtig gesetzt sind.",
            row=first,
        ))
        out.append((first, [" ".join(c.split()) if ("\n" in c or "\r" in c) else c
                            for c in record]))
    return out, problems


def read_csv(
    path: str | Path, data: bytes | None = None, *, delimiter: str | None = None
) -> RawTable:
    """Read a CSV file into a :class:`RawTable` (header = first non-empty row).

    Rows are numbered by the physical line they start on. Records spanning several lines
    (a cell with a line break, an unpaired quote) and lines in another encoding than the
    rest of the file are named in :attr:`RawTable.problems` (see :func:`_split_runaway`,
    :func:`decode_mixed`).

    Parameters
    ----------
    path
        The file (used for messages; read unless ``data`` is given).
    data
        The file content, if already read.
    delimiter
        Column separator; sniffed when ``None``.

    Raises
    ------
    kulturplan.errors.InputFileError
        For empty, binary or unparsable files.
    """
    name = display_name(path)
    if data is None:
        data = read_bytes(path)
    text, encoding, other_lines = decode_mixed(data)
    if _looks_binary(text):
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine Tabelle (CSV oder Excel-Arbeitsmappe); "
            "sie enthält Binärdaten. Bitte als .csv oder .xlsx speichern."
        )
    text = text.lstrip("\ufeff")
    lines = io.StringIO(text, newline="").readlines()
    if delimiter is None:
        delimiter = sniff_delimiter([ln.rstrip("\r\n") for ln in lines[:200]])
    csv.field_size_limit(10_000_000)
    try:
        records = _records(lines, delimiter)
    except csv.Error as exc:
        raise InputFileError(
            f"{name}: Die CSV-Datei kann nicht gelesen werden ({exc}). Bitte prüfen, ob "
            "Anführungszeichen richtig gesetzt sind."
        ) from None
    start = next((i for i, r in enumerate(records) if any(c.strip() for c in r[2])), None)
    if start is None:
        raise InputFileError(f"{name}, Zeile 1: Die Datei ist leer; erwartet wird eine Kopfzeile.")
    header = [c.strip() for c in records[start][2]]
    table = RawTable(name, header, [], [], encoding=encoding, delimiter=delimiter)
    width = len(header)
    body, table.problems = _split_runaway(records[start + 1:], lines, delimiter, width, name)
    if other_lines:
        starts = [r for r, _ in body]
        other_lines = sorted({starts[max(bisect.bisect_right(starts, n) - 1, 0)] if starts
                              else n for n in other_lines})
        shown = ", ".join(str(n) for n in other_lines[:10]) + (" …" if len(other_lines) > 10
                                                              else "")
        table.problems.append(Problem(
            name,
            f"Die Datei ist UTF-8-kodiert, aber Zeile(n) {shown} nicht (vermutlich aus einer "
            "Windows-Datei eingefügt); diese Zeilen wurden als Windows-1252 gelesen. Bitte "
            "die Umlaute dort prüfen.",
            row=other_lines[0],
        ))
    for row, record in body:
        if not any(c.strip() for c in record):
            continue
        if len(record) > width and any(c.strip() for c in record[width:]):
            table.problems.append(
                Problem(
                    name,
                    f"Die Zeile hat {len(record)} Felder, die Kopfzeile aber nur {width}. "
                    f"Ist der Spaltentrenner ({_DELIMITER_NAMES.get(delimiter, delimiter)}) "
                    "richtig, und sind Texte mit Trennzeichen in Anführungszeichen gesetzt?",
                    row=row,
                    column=header[-1] if header else None,
                )
            )
        cells = (record + [""] * width)[:width]
        table.rows.append(cells)
        table.row_numbers.append(row)
    return table


def _broken_workbook_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises for a damaged package besides the built-in errors.

    Invalid packages (``InvalidFileException``), malformed XML parts (``ParseError``, a
    ``SyntaxError``), broken deflate streams (``zlib.error``, ``EOFError``) and parts that
    do not have the expected shape (``AttributeError``, ``IndexError``).
    """
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, ElementTree.ParseError, zlib.error, EOFError,
            AttributeError, IndexError)


def xlsx_rows(
    path: str | Path, data: bytes | None = None, *, sheet: str | None = None
) -> tuple[str, list[tuple[int, list[Any]]]]:
    """Return ``(sheet name, [(excel row, cell values), …])`` of a workbook sheet.

    The sheet named ``sheet`` is used, else the first visible sheet. Empty rows
    are skipped; trailing empty cells are cut.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the file is no readable Excel workbook or the sheet does not exist.
    """
    import openpyxl

    broken = _broken_workbook_errors()
    unreadable: tuple[type[BaseException], ...] = (
        *broken, KeyError, ValueError, TypeError, OSError
    )
    name = display_name(path)
    if data is None:
        data = read_bytes(path)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx) "
            f"({type(exc).__name__}). Bitte in Excel/LibreOffice als .xlsx oder CSV speichern."
        ) from None
    except broken as exc:  # openpyxl's errors for broken packages
        raise InputFileError(
            f"{name}, Zeile 1: Die Excel-Arbeitsmappe ist beschädigt ({type(exc).__name__})."
        ) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputFileError(
                    f"{name}: Tabellenblatt „{sheet}“ fehlt; vorhanden: "
                    + ", ".join(book.sheetnames)
                    + "."
                )
            ws = book[sheet]
        else:
            visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
            ws = visible[0] if visible else book.worksheets[0]
        out: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            while cells and (
                cells[-1] is None or (isinstance(cells[-1], str) and not cells[-1].strip())
            ):
                cells.pop()
            if cells:
                out.append((number, cells))
        return ws.title, out
    except InputFileError:
        raise
    except unreadable as exc:
        raise InputFileError(
            f"{name}: Die Excel-Arbeitsmappe kann nicht gelesen werden ({type(exc).__name__})."
        ) from None
    finally:
        book.close()


_UNCACHED_FORMULA = re.compile(rb"<f[ >][^<]*(</f>)?\s*(<v\s*/>|<v></v>)?\s*</c>")
"""A formula cell without stored result in a worksheet's XML (``<c><f>100+20</f><v/></c>``)."""


def uncached_formulas(data: bytes, sheet: str) -> list[tuple[int, int, str]]:
    """``(excel row, column index, formula)`` of formula cells without stored result.

    A workbook written by a program (not saved in Excel/LibreOffice) stores formulas without
    their results; reading only the stored values would give empty cells silently. The
    worksheet XML is searched first, so workbooks without such cells are not read twice.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        if not any(_UNCACHED_FORMULA.search(package.read(n)) for n in parts):
            return []
    import openpyxl

    values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)[sheet]
    formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)[sheet]
    out = []
    for number, (cached, raw) in enumerate(
        zip(values.iter_rows(values_only=True), formulas.iter_rows(values_only=True),
            strict=False), start=1):
        for j, (value, formula) in enumerate(zip(cached, raw, strict=False)):
            if value is None and isinstance(formula, str) and formula.startswith("="):
                out.append((number, j, formula))
    return out


def read_xlsx(path: str | Path, data: bytes | None = None, *, sheet: str | None = None) -> RawTable:
    """Read a plain workbook sheet (header in its first non-empty row) into a RawTable."""
    name = display_name(path)
    title, rows = xlsx_rows(path, data, sheet=sheet)
    if not rows:
        raise InputFileError(
            f"{name}, Tabellenblatt „{title}“, Zeile 1: Das Tabellenblatt ist leer; erwartet "
            "wird eine Kopfzeile mit Spaltennamen."
        )
    header_row, header_cells = rows[0]
    header = [cell_text(c) for c in header_cells]
    width = len(header)
    table = RawTable(name, header, [], [], sheet=title)
    for number, cells in rows[1:]:
        if len(cells) > width:
            table.problems.append(
                Problem(
                    name,
                    f"In der Zeile stehen Werte rechts der letzten benannten Spalte "
                    f"(„{cell_text(cells[width])}“); bitte eine Spaltenüberschrift ergänzen.",
                    row=number,
                    column=header[-1] if header else None,
                )
            )
        table.rows.append((cells + [None] * width)[:width])
        table.row_numbers.append(number)
    del header_row
    for number, j, formula in uncached_formulas(data or read_bytes(path), title):
        column = header[j] if j < width else None
        table.problems.append(Problem(
            name,
            f"Die Zelle enthält die Formel „{formula}“ ohne gespeichertes Ergebnis (die Datei "
            "wurde nicht in Excel/LibreOffice gespeichert); sie wird als leer gelesen. Bitte die "
            "Datei in Excel/LibreOffice öffnen und speichern oder den Wert eintragen.",
            row=number, column=column))
    return table


def table_kind(path: str | Path, data: bytes) -> str:
    """``"xlsx"`` or ``"text"`` for a table file; old ``.xls`` and fake ``.xlsx`` raise.

    Decided by the file's content, not its name; a file named ``.xlsx`` that is no
    workbook is refused rather than read as text.
    """
    name = display_name(path)
    kind = file_kind(data)
    if kind == "xls":
        raise InputFileError(
            f"{name}: Das alte Excel-Format (.xls) wird nicht unterstützt; bitte als .xlsx "
            "oder CSV speichern."
        )
    if kind == "text" and Path(path).suffix.lower() in {".xlsx", ".xlsm"}:
        raise InputFileError(
            f"{name}, Zeile 1: Die Datei ist keine Excel-Arbeitsmappe (.xlsx), obwohl sie so "
            "heißt. Bitte in Excel/LibreOffice öffnen und als .xlsx oder CSV speichern."
        )
    return kind


def read_any(
    path: str | Path, *, sheet: str | None = None, delimiter: str | None = None
) -> RawTable:
    """Read a CSV or XLSX table, deciding by the file's content, not its name."""
    data = read_bytes(path)
    if table_kind(path, data) == "xlsx":
        return read_xlsx(path, data, sheet=sheet)
    return read_csv(path, data, delimiter=delimiter)


