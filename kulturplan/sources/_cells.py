"""Interpreting the cells of users' tables: text, names, German numbers, columns, keys.

Problems are collected as :class:`~kulturplan.errors.Problem` objects (row as in a
spreadsheet, header = row 1) so that a reader can report all of them at once. Reading the
files themselves is :mod:`kulturplan.sources._files`.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kulturplan._format import parse_german_number
from kulturplan.errors import Problem

DELIMITERS: tuple[str, ...] = (";", ",", "\t", "|")
"""Column separators recognised in CSV files, in order of preference on ties."""

GERMANY_BBOX: tuple[float, float, float, float] = (5.8, 47.2, 15.1, 55.1)
"""Bounding box of Germany as (lon_min, lat_min, lon_max, lat_max) in WGS84 degrees."""


# --------------------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------------------
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise_name(text: Any) -> str:
    """Lower-case ASCII key of a header or category text: „Längengrad“ → ``laengengrad``."""
    t = unicodedata.normalize("NFC", str(text)).lower().translate(_UMLAUTS)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", t)


def normalise_label(text: Any) -> str:
    """Normalise a free-text name for matching: lower case, umlauts, single spaces."""
    t = unicodedata.normalize("NFC", str(text)).lower().translate(_UMLAUTS)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return t.strip()


def closest(value: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates similar to ``value`` (difflib), best first."""
    cands = list(dict.fromkeys(candidates))
    keyed = {normalise_label(c): c for c in cands}
    hits = difflib.get_close_matches(normalise_label(value), list(keyed), n=n, cutoff=0.5)
    return [keyed[h] for h in hits]


def cell_text(value: Any) -> str:
    """Text of a cell as a user would read it ("" for empty cells)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def is_empty(value: Any) -> bool:
    """Whether a cell counts as empty."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


# --------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------
def parse_number(value: Any, *, integer: bool = False) -> float:
    """Parse one number as written in German tables.

    Accepts spaces (``90 164``) and dots (``1.234.567``) as thousands separators
    and a decimal comma (``9,43751``) or point (``53.02``). A single dot group
    such as ``51.774`` is read as a decimal point unless ``integer`` is true
    (then ``1.234`` is one thousand two hundred thirty-four).

    Returns
    -------
    float
        ``nan`` for an empty cell.

    Raises
    ------
    ValueError
        With a German message if the text is not a number (or not a whole number
        when ``integer`` is true).
    """
    if isinstance(value, bool):
        raise ValueError(f"„{value}“ ist keine Zahl.")
    if value is None or value is pd.NA:
        return math.nan
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
    else:
        raw = str(value)
        text = " ".join(raw.split())
        if not text:
            return math.nan
        parsed = parse_german_number(text, integer=integer)
        if parsed is None:
            shown = raw.strip()
            if len(shown) > 40:
                shown = shown[:37] + "…"
            raise ValueError(f"„{shown}“ ist keine Zahl (erwartet z. B. 1 234 oder 9,43751).")
        number = parsed
    if not math.isfinite(number):
        raise ValueError(f"„{value}“ ist keine endliche Zahl.")
    if integer and not float(number).is_integer():
        raise ValueError(f"„{value}“ ist keine ganze Zahl.")
    return number


def parse_numbers(
    values: Sequence[Any],
    *,
    source: str,
    column: str,
    rows: Sequence[int],
    integer: bool = False,
) -> tuple[np.ndarray, list[Problem]]:
    """Parse a column with :func:`parse_number`; unparsable cells become problems.

    Each distinct value is parsed once, so long columns stay fast.

    Returns
    -------
    (numpy.ndarray, list of Problem)
        Floats (``nan`` where empty or invalid) and one problem per invalid cell.
    """
    cache: dict[Any, float | str] = {}
    out = np.full(len(values), np.nan)
    problems: list[Problem] = []
    for i, value in enumerate(values):
        try:
            key: Any = (type(value), value)
            hash(key)
        except TypeError:
            key = (type(value), repr(value))
        result = cache.get(key)
        if result is None:
            try:
                result = parse_number(value, integer=integer)
            except ValueError as exc:
                result = str(exc)
            cache[key] = result
        if isinstance(result, str):
            problems.append(Problem(source, result, row=rows[i], column=column))
        else:
            out[i] = result
    return out, problems


def check_unique(
    keys: Sequence[Any], *, source: str, column: str, rows: Sequence[int], what: str = "Schlüssel"
) -> list[Problem]:
    """One problem per repeated key, naming the row of its first occurrence."""
    first: dict[Any, int] = {}
    problems = []
    for key, row in zip(keys, rows, strict=True):
        if is_empty(key):
            continue
        if key in first:
            problems.append(
                Problem(
                    source,
                    f"{what} „{key}“ kommt doppelt vor (zuerst in Zeile {first[key]}); jeder "
                    f"{what} darf nur einmal vorkommen.",
                    row=row,
                    column=column,
                )
            )
        else:
            first[key] = row
    return problems


def find_columns(
    header: Sequence[str],
    synonyms: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Map canonical field names to header positions.

    Parameters
    ----------
    header
        Column names as in the file.
    synonyms
        Canonical field → accepted spellings (compared with :func:`normalise_name`).
    mapping
        Explicit ``{file column: canonical field}`` given by the user; wins over
        synonyms.

    Returns
    -------
    dict
        Canonical field → column position, for the fields found.
    """
    keys = [normalise_name(h) for h in header]
    found: dict[str, int] = {}
    if mapping:
        for file_col, field_name in mapping.items():
            nk = normalise_name(file_col)
            if nk in keys:
                found[field_name] = keys.index(nk)
    for field_name, names in synonyms.items():
        if field_name in found:
            continue
        for name in (field_name, *names):
            nk = normalise_name(name)
            if nk in keys and keys.index(nk) not in found.values():
                found[field_name] = keys.index(nk)
                break
    return found


def missing_column_problem(source: str, column: str, header: Sequence[str]) -> Problem:
    """Problem for a required column that is missing, listing the columns present."""
    present = ", ".join(f"„{h}“" for h in header if h) or "keine"
    hint = ""
    if len(header) == 1 and any(d in header[0] for d in DELIMITERS if d != ","):
        hint = " Vermutlich ist der Spaltentrenner falsch (die Kopfzeile wurde nicht geteilt)."
    elif len(header) == 1:
        hint = (
            " Die Kopfzeile hat nur eine Spalte – ist der Spaltentrenner Komma, Semikolon "
            "oder Tabulator?"
        )
    return Problem(
        source,
        f"Pflichtspalte „{column}“ fehlt (Zeile 1, Kopfzeile). "
        f"Vorhandene Spalten: {present}.{hint}",
        row=1,
        column=column,
    )


def in_germany(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean mask of WGS84 points inside :data:`GERMANY_BBOX`."""
    x0, y0, x1, y1 = GERMANY_BBOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
