"""Import of survey exports (CSV or Excel) with a codebook.

Survey tools (LimeSurvey, SoSci Survey, Microsoft Forms, paper forms typed into
Excel) export one row per respondent and one column per question, with answer
codes or labels in the cells. :func:`read_survey` turns such an export into the
survey table of a :class:`kulturplan.Region`: codes become the stored values of
the codebook, "keine Angabe" becomes missing, multi-select columns become 0/1,
the municipality of residence (AGS or name) becomes an AGS. Every problem is
reported with file, row (header = row 1) and column; nothing is dropped silently.
Free-text answers are never imported, since they may name persons (GDPR).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kulturplan.errors import (
    InputFileError,
    ParameterError,
    Problem,
    ValidationError,
    spreadsheet_row,
)
from kulturplan.needs.questionnaire import (
    MULTI_CHOSEN,
    MULTI_NOT_CHOSEN,
    Codebook,
    Item,
    standard_codebook,
)
from kulturplan.sources._cells import cell_text, closest, normalise_label, normalise_name
from kulturplan.sources._files import RawTable, display_name, read_any, read_bytes

__all__ = ["WEIGHT_ALIASES", "SurveyImport", "SurveyReport", "read_survey"]

WEIGHT_ALIASES: tuple[str, ...] = ("weight", "gewicht", "designgewicht", "design_weight")
"""Header spellings of an optional weight column."""

_MISSING = object()  # marker: a missing code ("keine Angabe")


@dataclass(frozen=True)
class SurveyReport:
    """What :func:`read_survey` found besides the data.

    Attributes
    ----------
    source
        File name.
    rows
        Data rows in the file.
    respondents
        Respondents in the imported data.
    problems
        Every problem (file, row, column, German message).
    dropped
        Rows left out of the data (``errors="report"``): columns ``row``,
        ``respondent_id``, ``reason``.
    unused_columns
        Columns of the file that the codebook does not know.
    missing_columns
        Codebook columns that the file does not have.
    free_text_columns
        Free-text columns found and deliberately not imported.
    """

    source: str
    rows: int
    respondents: int
    problems: tuple[Problem, ...] = ()
    dropped: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "respondent_id", "reason"])
    )
    unused_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    free_text_columns: tuple[str, ...] = ()

    def messages(self) -> list[str]:
        """German lines for a user: problems, dropped rows, unused and missing columns."""
        out = [str(p) for p in self.problems]
        if len(self.dropped):
            out.append(f"{self.source}: {len(self.dropped)} Zeile(n) nicht übernommen.")
        if self.unused_columns:
            out.append(
                f"{self.source}: Spalten ohne Eintrag im Codebuch (nicht übernommen): "
                + ", ".join(self.unused_columns)
            )
        if self.missing_columns:
            out.append(
                f"{self.source}: Spalten des Codebuchs fehlen in der Datei: "
                + ", ".join(self.missing_columns)
            )
        if self.free_text_columns:
            out.append(
                f"{self.source}: Freitext-Spalten nicht übernommen (können personenbezogene "
                "Daten enthalten): " + ", ".join(self.free_text_columns)
            )
        return out


class SurveyImport(NamedTuple):
    """Result of :func:`read_survey`: the data and the report."""

    data: pd.DataFrame
    report: SurveyReport


# --------------------------------------------------------------------------------------
# cells → values
# --------------------------------------------------------------------------------------
def _key(value: Any) -> str:
    """Matching key of a cell or code: whole numbers as digits (sign kept: SoSci's -9),
    decimals written as whole numbers (``3,0``) like them, texts normalised."""
    text = _number_text(cell_text(value))
    if re.fullmatch(r"-?\d+", text):
        return text
    return normalise_label(text)


def _allowed_text(item: Item) -> str:
    if item.type == "likert" and item.scale is not None:
        answers = f"{item.scale[0]} bis {item.scale[1]}"
    else:
        answers = ", ".join(f"{c} ({lab})" for c, lab in item.codes.items())
    missing = ", ".join(f"{c} ({lab})" for c, lab in item.missing.items())
    return answers + (f"; {missing}" if missing else "")


def _lookup(item: Item) -> dict[str, Any]:
    """Normalised cell text → stored value (or the missing marker)."""
    table: dict[str, Any] = {}
    for code, label in item.missing.items():
        table[_key(code)] = _MISSING
        table[_key(label)] = _MISSING
    table[_key("keine Angabe")] = _MISSING
    for code in item.valid_codes:
        value = item.value_of(code)
        stored = float(value) if item.type in {"likert", "ordinal"} else value
        for text in (code, value, item.codes.get(code)):
            if text is not None:
                table[_key(text)] = stored
    return table


def _number_text(text: str) -> str:
    """``"3.0"`` / ``"3,0"`` → ``"3"`` so that codes typed as decimals are found."""
    t = text.replace(",", ".")
    try:
        number = float(t)
    except ValueError:
        return text
    return str(int(number)) if math.isfinite(number) and number.is_integer() else text


def _convert(
    cells: pd.Series, item: Item, column: str, source: str, rows: list[int]
) -> tuple[np.ndarray, list[Problem]]:
    """Stored values of one column of a single/ordinal/likert item (NaN = missing)."""
    table = _lookup(item)
    out = np.empty(len(cells), dtype=object if item.type == "single" else float)
    out[:] = np.nan
    problems: list[Problem] = []
    cache: dict[str, Any] = {}
    for i, raw in enumerate(cells.tolist()):
        text = cell_text(raw)
        if text not in cache:
            key = _key(text)
            if not text:
                cache[text] = _MISSING
            elif key in table:
                cache[text] = table[key]
            else:
                cache[text] = ("bad", text)
        value = cache[text]
        if isinstance(value, tuple):
            what = "kein Wert der Skala" if item.type == "likert" else "kein Antwortcode"
            problems.append(
                Problem(
                    source,
                    f"„{value[1]}“ ist {what} der Frage „{item.name}“; erlaubt: "
                    f"{_allowed_text(item)}.",
                    row=rows[i],
                    column=column,
                )
            )
        elif value is not _MISSING:
            out[i] = value
    return out, problems


def _convert_multi(
    frame: pd.DataFrame, item: Item, columns: dict[str, str], source: str, rows: list[int]
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """0/1 columns of a multi item; all option cells empty (or missing codes) → NaN."""
    chosen = {_key(c) for c in MULTI_CHOSEN}
    not_chosen = {_key(c) for c in MULTI_NOT_CHOSEN}
    missing = {_key(c) for c in item.missing} | {_key(v) for v in item.missing.values()}
    problems: list[Problem] = []
    values: dict[str, np.ndarray] = {}
    answered = np.zeros(len(frame), dtype=bool)
    for name, header in columns.items():
        col = np.full(len(frame), np.nan)
        for i, raw in enumerate(frame[header].tolist()):
            text = _key(raw)
            if not text or text in missing:
                continue
            if text in chosen:
                col[i] = 1.0
            elif text in not_chosen:
                col[i] = 0.0
            else:
                problems.append(
                    Problem(
                        source,
                        f"„{cell_text(raw)}“ ist in einer Mehrfachauswahl nicht vorgesehen; "
                        "erlaubt: 1/ja/x (gewählt), 0/nein oder leer (nicht gewählt), "
                        "99 (keine Angabe).",
                        row=rows[i],
                        column=header,
                    )
                )
        answered |= ~np.isnan(col)
        values[name] = col
    for name, col in values.items():
        values[name] = np.where(answered, np.nan_to_num(col, nan=0.0), np.nan)
    return values, problems


def _split_multi(
    cells: pd.Series, item: Item, column: str, source: str, rows: list[int]
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """0/1 columns of a multi item exported as one column (``zeit;preis`` or ``1;2``).

    Options may be given by id, label or number (1 = first option of the codebook),
    separated by ``;``, ``,`` or ``|``; an empty cell or a missing code = not answered.
    """
    options = list(item.options)
    table: dict[str, int] = {}
    for k, (opt, label) in enumerate(item.options.items()):
        for text in (opt, label, k + 1):
            table[_key(text)] = k
    missing = {_key(c) for c in item.missing} | {_key(v) for v in item.missing.values()}
    out = np.full((len(cells), len(options)), np.nan)
    problems: list[Problem] = []
    for i, raw in enumerate(cells.tolist()):
        text = cell_text(raw)
        if not text or _key(text) in missing:
            continue
        parts = [p for p in re.split(r"[;,|]", text) if p.strip()]
        unknown = [p.strip() for p in parts if _key(p) not in table]
        if unknown:
            problems.append(
                Problem(
                    source,
                    f"„{unknown[0]}“ ist keine Option der Frage „{item.name}“; erlaubt: "
                    + ", ".join(f"{k + 1} ({lab})" for k, lab in enumerate(item.options.values()))
                    + ".",
                    row=rows[i],
                    column=column,
                )
            )
            continue
        out[i] = 0.0
        out[i, [table[_key(p)] for p in parts]] = 1.0
    return {f"{item.name}_{opt}": out[:, k] for k, opt in enumerate(options)}, problems


# --------------------------------------------------------------------------------------
# municipality and id
# --------------------------------------------------------------------------------------
def _municipality_resolver(region: Any) -> tuple[Callable[[str], str | None], list[str]]:
    """Function cell text → AGS (or None), and the municipality names for suggestions."""
    if region is None:
        def by_ags(text: str) -> str | None:
            t = text.replace(" ", "")
            if t.isdigit() and len(t) in (7, 8):
                return t.zfill(8)
            return None

        return by_ags, []
    muni = region.municipalities
    ags = [str(a) for a in muni.index]
    names = [str(n) for n in muni["name"]]
    by_name: dict[str, str | None] = {}
    for a, n in zip(ags, names, strict=True):
        key = normalise_label(n)
        by_name[key] = None if key in by_name else a  # None: ambiguous name
    known = set(ags)

    def resolve(text: str) -> str | None:
        t = text.replace(" ", "")
        if t.isdigit() and len(t) in (7, 8):
            return t.zfill(8) if t.zfill(8) in known else None
        return by_name.get(normalise_label(text))

    return resolve, names


def _municipalities(
    cells: pd.Series, item: Item, column: str, source: str, rows: list[int], region: Any
) -> tuple[np.ndarray, list[Problem]]:
    resolve, names = _municipality_resolver(region)
    missing = {_key(c) for c in item.missing} | {_key(v) for v in item.missing.values()}
    missing.add(_key("keine Angabe"))
    out = np.empty(len(cells), dtype=object)
    out[:] = None
    problems = []
    for i, raw in enumerate(cells.tolist()):
        text = cell_text(raw)
        if not text or _key(text) in missing:
            problems.append(
                Problem(
                    source,
                    "Die Wohngemeinde fehlt; ohne sie kann die Antwort keiner Gemeinde "
                    "zugeordnet und nicht gewichtet werden.",
                    row=rows[i],
                    column=column,
                )
            )
            continue
        ags = resolve(_number_text(text))
        if ags is not None:
            out[i] = ags
            continue
        if region is None:
            msg = (
                f"„{text}“ ist kein 8-stelliger Gemeindeschlüssel (AGS); Gemeindenamen "
                "werden nur mit einer Region (region=…) erkannt."
            )
        elif text.replace(" ", "").isdigit():
            msg = f"Der Gemeindeschlüssel „{text}“ gehört zu keiner Gemeinde der Region."
        else:
            hint = closest(text, names)
            msg = f"Gemeinde „{text}“ ist in der Region unbekannt oder nicht eindeutig" + (
                f"; meinten Sie {', '.join(f'„{h}“' for h in hint)}?" if hint else "."
            )
        problems.append(Problem(source, msg, row=rows[i], column=column))
    return out, problems


def _ids(
    cells: pd.Series, column: str, source: str, rows: list[int]
) -> tuple[np.ndarray, list[Problem], np.ndarray]:
    """Respondent ids as text; problems for empty and repeated ids; mask of usable rows."""
    ids = np.array([cell_text(v) for v in cells.tolist()], dtype=object)
    problems = []
    usable = np.ones(len(ids), dtype=bool)
    first: dict[str, int] = {}
    for i, key in enumerate(ids):
        if not key:
            usable[i] = False
            problems.append(
                Problem(source, "Die Fragebogennummer fehlt.", row=rows[i], column=column)
            )
        elif key in first:
            usable[i] = False
            problems.append(
                Problem(
                    source,
                    f"Fragebogennummer „{key}“ kommt doppelt vor (zuerst in Zeile "
                    f"{first[key]}); jede Nummer darf nur einmal vorkommen.",
                    row=rows[i],
                    column=column,
                )
            )
        else:
            first[key] = rows[i]
    return ids, problems, usable


# --------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------
def _match_columns(header: list[str], codebook: Codebook) -> dict[str, str]:
    """Data column → header of the file, using names and aliases of the codebook."""
    keys = {normalise_name(h): h for h in reversed(header) if h}
    found: dict[str, str] = {}
    for item in codebook.items:
        spellings = (item.name, *item.aliases)
        if item.type == "multi":
            for opt in item.options:
                for s in spellings:
                    hit = keys.get(normalise_name(f"{s}_{opt}"))
                    if hit is not None:
                        found[f"{item.name}_{opt}"] = hit
                        break
            if not any(c in found for c in item.columns):
                for s in spellings:  # all options in one column: "zeit;preis"
                    hit = keys.get(normalise_name(s))
                    if hit is not None:
                        found[item.name] = hit
                        break
            continue
        for s in spellings:
            hit = keys.get(normalise_name(s))
            if hit is not None:
                found[item.name] = hit
                break
    for s in WEIGHT_ALIASES:
        hit = keys.get(normalise_name(s))
        if hit is not None and hit not in found.values():
            found["weight"] = hit
            break
    return found


def _doubled_headers(header: list[str], found: dict[str, str], source: str) -> list[Problem]:
    """Problems for used columns whose name occurs twice in the header (which one counts?)."""
    keys = [normalise_name(h) for h in header]
    problems = []
    for column in found.values():
        k = normalise_name(column)
        if keys.count(k) > 1:
            first, second = [i + 1 for i, key in enumerate(keys) if key == k][:2]
            problems.append(
                Problem(
                    source,
                    f"Die Spalte „{column}“ steht zweimal in der Kopfzeile (Spalte {first} und "
                    f"{second}); bitte eine davon umbenennen oder löschen.",
                    row=1,
                    column=column,
                )
            )
    return problems


def _weights(
    cells: pd.Series, column: str, source: str, rows: list[int]
) -> tuple[np.ndarray, list[Problem]]:
    from kulturplan.sources._cells import parse_numbers

    values, problems = parse_numbers(cells.tolist(), source=source, column=column, rows=rows)
    for i in np.flatnonzero(values <= 0):
        problems.append(
            Problem(source, f"Gewicht {values[i]} ist nicht größer als 0.", row=rows[i],
                    column=column)
        )
        values[i] = np.nan
    return values, problems


def _read_sav(path: str | Path) -> RawTable:
    """An SPSS ``.sav`` file as a RawTable of answer codes (via pyreadstat, optional).

    SPSS user-defined missing values become empty cells; value labels are not needed
    because the codebook maps the codes.
    """
    name = display_name(path)
    read_bytes(path)  # German errors for missing or empty files
    try:
        import pyreadstat
    except ImportError:
        raise InputFileError(
            f"{name}: SPSS-Dateien (.sav) brauchen das Paket pyreadstat "
            "(pip install pyreadstat); alternativ aus SPSS als CSV oder .xlsx exportieren."
        ) from None
    try:
        frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except pyreadstat.ReadstatError as exc:
        raise InputFileError(f"{name}: Die SPSS-Datei kann nicht gelesen werden ({exc}).") from None
    values = frame.astype(object).where(frame.notna(), None)
    rows = [list(r) for r in values.itertuples(index=False, name=None)]
    numbers = [spreadsheet_row(i) for i in range(len(rows))]
    return RawTable(name, [str(c) for c in frame.columns], rows, numbers)


def _read_table(path: str | Path, sheet: str | None) -> RawTable:
    suffix = Path(path).suffix.lower()
    if suffix in {".sav", ".zsav"}:
        return _read_sav(path)
    return read_any(path, sheet=sheet)


def _resolve_codebook(codebook: Codebook | str | Path | None) -> Codebook:
    if codebook is None:
        return standard_codebook()
    if isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, (str, Path)):
        return Codebook.from_yaml(codebook)
    raise ParameterError(
        "„codebook“ muss ein Codebook, der Pfad einer Codebuch-YAML-Datei oder None "
        "(Standardfragebogen) sein."
    )


def _read_items(
    frame: pd.DataFrame, codebook: Codebook, found: dict[str, str], source: str,
    rows: list[int], region: Any
) -> tuple[dict[str, Any], list[Problem], np.ndarray]:
    """Converted columns, cell problems and the mask of rows with a usable municipality."""
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    muni_ok = np.ones(len(frame), dtype=bool)
    for item in codebook.items:
        if item.type in {"id", "text"}:
            continue
        if item.type == "multi":
            cols = {c: found[c] for c in item.columns if c in found}
            if item.name in found:
                options, p = _split_multi(frame[found[item.name]], item, found[item.name],
                                          source, rows)
                data.update(options)
                problems += p
            elif cols:
                options, p = _convert_multi(frame, item, cols, source, rows)
                data.update(options)
                problems += p
            continue
        if item.name not in found:
            continue
        header = found[item.name]
        if item.type == "municipality":
            values, p = _municipalities(frame[header], item, header, source, rows, region)
            muni_ok = np.array([v is not None for v in values])
        else:
            values, p = _convert(frame[header], item, header, source, rows)
        data[item.name] = values
        problems += p
    if "weight" in found:
        data["weight"], p = _weights(frame[found["weight"]], found["weight"], source, rows)
        problems += p
    return data, problems, muni_ok


def read_survey(
    path: str | Path,
    codebook: Codebook | str | Path | None = None,
    region: Any = None,
    *,
    errors: str = "raise",
    sheet: str | None = None,
) -> SurveyImport:
    """Read a survey export (CSV, XLSX or SPSS ``.sav``) following a codebook.

    Parameters
    ----------
    path
        The export file (CSV with any usual delimiter and encoding, XLSX, or SPSS
        ``.sav`` when the optional package ``pyreadstat`` is installed).
    codebook
        A :class:`~kulturplan.needs.Codebook` or the path of a codebook YAML file;
        the standard questionnaire when ``None``.
    region
        Region whose municipalities the respondents live in: municipality names and
        AGS are checked against it. Without it only 8-digit AGS are accepted.
    errors
        ``"raise"``: any problem raises one :class:`~kulturplan.errors.ValidationError`
        listing all of them. ``"report"``: bad cells become missing; rows without a
        usable respondent id or municipality are left out; all is in the report.
    sheet
        Worksheet of an XLSX file (default: the first visible one).

    Returns
    -------
    SurveyImport
        ``data`` indexed by ``respondent_id`` with the codebook's columns (stored
        values; NaN for missing answers) and ``report``.

    Raises
    ------
    kulturplan.errors.InputFileError
        For missing, empty or unreadable files.
    kulturplan.errors.ValidationError
        For missing id or municipality columns, a file without data rows, and (with
        ``errors="raise"``) for every bad cell, unknown municipality or repeated id.
    """
    if errors not in {"raise", "report"}:
        raise ParameterError(f"errors={errors!r} ist unbekannt; erlaubt: „raise“, „report“.")
    book = _resolve_codebook(codebook)
    raw = _read_table(path, sheet)
    source = raw.source
    frame = raw.frame()
    rows = list(raw.row_numbers)
    found = _match_columns(raw.header, book)
    id_item, muni_item = book.id_item, book.municipality_item
    fatal = _doubled_headers(raw.header, found, source) + [
        Problem(source, f"Pflichtspalte „{it.name}“ ({it.label}) fehlt in der Kopfzeile; "
                f"vorhanden: {', '.join(h for h in raw.header if h) or 'keine'}.",
                row=1, column=it.name)
        for it in (id_item, muni_item) if it.name not in found
    ]
    if not fatal and not len(frame):
        fatal.append(Problem(source, "Unter der Kopfzeile stehen keine Antworten.", row=2,
                             column=found[id_item.name]))
    if fatal:
        raise ValidationError(fatal, title=f"{source}: Die Befragung kann nicht gelesen werden")
    ids, id_problems, id_ok = _ids(frame[found[id_item.name]], found[id_item.name], source, rows)
    data, problems, muni_ok = _read_items(frame, book, found, source, rows, region)
    problems = list(raw.problems) + id_problems + problems
    problems.sort(key=lambda p: (p.row or 0, raw.header.index(p.column)
                                 if p.column in raw.header else 0))
    if problems and errors == "raise":
        raise ValidationError(problems, title=f"{source}: Die Befragung enthält Fehler")
    usable = id_ok & muni_ok
    dropped = pd.DataFrame(
        {
            "row": np.asarray(rows)[~usable],
            "respondent_id": ids[~usable],
            "reason": np.where(id_ok[~usable], "Wohngemeinde fehlt oder unbekannt",
                               "Fragebogennummer fehlt oder doppelt"),
        }
    )
    out = pd.DataFrame({k: v[usable] for k, v in data.items()},
                       index=pd.Index(ids[usable], name="respondent_id", dtype=object))
    order = [c for c in book.columns() if c in out.columns] + (
        ["weight"] if "weight" in out.columns else [])
    out = out[order]
    text_cols = tuple(found[it.name] for it in book.of_type("text") if it.name in found)
    used_headers = set(found.values())
    report = SurveyReport(
        source=source,
        rows=len(frame),
        respondents=len(out),
        problems=tuple(problems),
        dropped=dropped,
        unused_columns=tuple(h for h in raw.header if h and h not in used_headers),
        missing_columns=tuple(c for c in book.columns() if c not in found and c != "weight"),
        free_text_columns=text_cols,
    )
    return SurveyImport(out, report)
