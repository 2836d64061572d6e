"""Errors of kulturplan.

Every error a user can trigger with bad input is a subclass of
:class:`KulturplanError` and carries a German message that names the file or
table, the row (as the user sees it in a spreadsheet: header = row 1) and the
column, and says what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np


def spreadsheet_row(position: int) -> int:
    """Row number a user sees in a spreadsheet for the 0-based data row ``position``.

    The header is row 1, so the first data row is row 2.
    """
    return int(position) + 2


@dataclass(frozen=True)
class Problem:
    """One problem found in one place of an input.

    Parameters
    ----------
    source
        File name or table name as the user knows it.
    message
        German description of what is wrong and what was expected.
    row
        Row as seen in a spreadsheet (header = row 1); ``None`` for the whole table.
    column
        Column name; ``None`` when the problem concerns a whole row or table.
    """

    source: str
    message: str
    row: int | None = None
    column: str | None = None

    @classmethod
    def at(
        cls, source: str, position: int, message: str, column: str | None = None
    ) -> Problem:
        """A problem in the row at 0-based data ``position`` (see :func:`spreadsheet_row`)."""
        return cls(source, message, row=spreadsheet_row(position), column=column)

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column is not None:
            where.append(f"Spalte „{self.column}“")
        return f"{', '.join(where)}: {self.message}"


class KulturplanError(Exception):
    """Base class of all errors raised by kulturplan for bad input or usage."""


class ValidationError(KulturplanError, ValueError):
    """One or more problems found while validating a table or file.

    All problems of a table or file are collected and reported together, so a
    user can fix a spreadsheet once.
    """

    def __init__(self, problems: Iterable[Problem], *, title: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        head = title or "Die Eingabedaten enthalten Fehler"
        lines = [f"{head} ({len(self.problems)} Problem(e)):"]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … und {len(self.problems) - 50} weitere.")
        super().__init__("\n".join(lines))


class InputFileError(KulturplanError, OSError):
    """A file cannot be read at all (missing, empty, wrong format)."""


class EmptyInputError(KulturplanError, ValueError):
    """An input that must not be empty is empty."""


class OverwriteRefusedError(KulturplanError, FileExistsError):
    """A file or folder exists at the target and is not kulturplan's to replace.

    Raised instead of ever overwriting a user's file (a list, a folder with other files).
    """


class OutputFileError(KulturplanError, OSError):
    """A result could not be written (disk full, no write permission); nothing was replaced."""


class ParameterError(KulturplanError, ValueError):
    """A function was called with an unusable parameter (wrong value, unknown option).

    A :class:`ValueError` too, so ``except ValueError`` catches it as Python users expect.
    """


class UnknownIndicatorError(ParameterError, KeyError):
    """An indicator id that the catalog does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def problems_where(
    source: str,
    mask: Iterable[bool],
    message: str | Callable[[int], str],
    column: str | None = None,
) -> list[Problem]:
    """One :meth:`Problem.at` for every 0-based position where ``mask`` is true.

    Parameters
    ----------
    source
        File or table name.
    mask
        Boolean per data row (e.g. a numpy array or pandas Series).
    message
        The German message, or a function of the position returning it.
    column
        Column name, if the problem concerns one column.
    """
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return [
        Problem.at(source, int(pos), message(int(pos)) if callable(message) else message,
                   column=column)
        for pos in positions
    ]
