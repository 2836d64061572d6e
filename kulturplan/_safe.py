"""Text from users and third parties, made safe for HTML and spreadsheets (bottom layer).

Names of municipalities, facilities and events come from files a Kreis does not control
(OpenStreetMap, calendars of other municipalities, spreadsheets edited by many people).
Everything that builds HTML or writes a spreadsheet/CSV cell passes user text through
these two functions, so that escaping happens in one place:

* :func:`html_text` — escape for HTML element content and attribute values
  (``<``, ``>``, ``&``, ``"`` and ``'``), e.g. ``<img src=x onerror=…>`` is shown, not run.
* :func:`cell_text` — text that a spreadsheet would read as a formula (a leading
  ``=``, ``+``, ``-``, ``@``, tab or carriage return; OWASP "CSV injection") gets a
  single leading ``'``, which Excel and LibreOffice read as "this cell is text", so the
  value arrives as text and is never evaluated.
"""

from __future__ import annotations

import html
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet cell a formula (OWASP CSV injection)."""


def html_text(value: Any) -> str:
    """``value`` as text that is safe inside HTML content and quoted attributes.

    Examples
    --------
    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> html_text(None)
    ''
    """
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet would treat the text ``value`` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def cell_text(value: Any) -> Any:
    """``value`` for a spreadsheet or CSV cell: formula-like text is kept as text.

    Numbers and other non-text values are returned unchanged; a text starting with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading apostrophe, which
    Excel and LibreOffice treat as "this cell is text".

    Examples
    --------
    >>> cell_text("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> cell_text("-5 °C"), cell_text(-5), cell_text("Bad Driburg")
    ("'-5 °C", -5, 'Bad Driburg')
    """
    if is_formula_like(value):
        return "'" + value
    return value


def cell_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame for a spreadsheet export: every text through :func:`cell_text`.

    Cells, column names and index labels (a municipality name as index) are all covered, so
    that a name such as ``=HYPERLINK(…)`` arrives in Excel as text, never as a formula.
    """
    out = frame.map(cell_text)
    out.columns = [cell_text(c) for c in frame.columns]
    out.index = frame.index.map(cell_text)
    out.index.name = cell_text(frame.index.name)
    return out
