"""German number formatting — the one place for it (bottom layer: no kulturplan imports).

Every message, report and label formats numbers through these functions, so that
rounding and separators are the same everywhere: ``1234.5`` → ``"1.234,5"``.
"""

from __future__ import annotations

import math
import re
from typing import Any

MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember")
"""German month names (January first)."""

MISSING = "–"
"""Text shown for a missing number."""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return True


def format_number(value: Any, decimals: int = 0) -> str:
    """Format a number the German way with a fixed number of decimals.

    Rounds half away from zero as Python's format does for floats (``f"{x:.1f}"``);
    missing values (``None``, NaN, ``pd.NA``) give ``"–"``.

    Examples
    --------
    >>> format_number(1234.5, 1)
    '1.234,5'
    >>> format_number(83166711)
    '83.166.711'
    >>> format_number(float("nan"))
    '–'
    """
    if _missing(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_decimal(value: Any) -> str:
    """Shortest German form of a number (``9.5`` → ``"9,5"``, ``10.0`` → ``"10"``).

    For thresholds and coordinates in messages, where trailing zeros only clutter.

    Examples
    --------
    >>> format_decimal(9.5), format_decimal(10.0), format_decimal(48.8566)
    ('9,5', '10', '48,8566')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):g}".replace(".", ",")


# --- reading German numbers (the inverse of the formatters) ----------------------------------
_PLAIN = re.compile(r"^[+-]?\d+$")
_SPACE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}( \d{3})+([.,]\d+)?$")
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL = re.compile(r"^[+-]?(\d+[.,]\d*|[.,]\d+)$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_ONE_DOT_GROUP = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")


def parse_german_number(text: str, *, integer: bool = False) -> float | None:
    """Number in ``text`` as written in German tables, or ``None`` if it is none.

    ``text`` has single spaces and no surrounding blanks. Spaces (``90 164``) and dots
    (``1.234.567``) are thousands separators, a comma (``9,43751``) or point (``53.02``)
    the decimal mark. A single dot group such as ``51.774`` is read as a decimal point
    unless ``integer`` is true (then ``1.234`` is one thousand two hundred thirty-four);
    see :func:`is_ambiguous_number`.

    Examples
    --------
    >>> parse_german_number("1.234,5"), parse_german_number("18.959", integer=True)
    (1234.5, 18959.0)
    """
    if " " in text:  # spaces only as thousands separators: „12 34“ is no number
        if _SPACE_THOUSANDS.match(text):
            return float(text.replace(" ", "").replace(",", "."))
        return None
    if _PLAIN.match(text):
        return float(text)
    if _DOT_THOUSANDS.match(text) and (integer or "," in text or text.count(".") > 1):
        return float(text.replace(".", "").replace(",", "."))
    if _DECIMAL.match(text):
        return float(text.replace(",", "."))
    if _SCIENTIFIC.match(text):
        return float(text)
    return None


def is_ambiguous_number(text: str) -> bool:
    """Whether ``text`` reads as a thousands group or a decimal: ``12.500``, ``1.234``.

    A German spreadsheet writes twelve thousand five hundred as ``12.500``; a program
    writes twelve and a half as ``12.5`` but 12.345 as ``12.345``. Without knowing the
    writer, such a value is either of the two.
    """
    return bool(_ONE_DOT_GROUP.match(text.strip()))
