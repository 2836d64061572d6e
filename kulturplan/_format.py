"""German number formatting — the one place for it (bottom layer: no kulturplan imports).

Every message, report and label formats numbers through these functions, so that
rounding and separators are the same everywhere: ``1234.5`` → ``"1.234,5"``.
"""

from __future__ import annotations

import math
from typing import Any

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
