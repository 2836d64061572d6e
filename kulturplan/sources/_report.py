"""The one report convention of the readers: ``data, report = reader(path)``.

Every reader of users' lists (:func:`~kulturplan.sources.facilities.read_table`,
:func:`~kulturplan.sources.ical.read_events`, :func:`~kulturplan.sources.osm.read_overpass`)
returns a :class:`ReadResult`: the usable records and a
:class:`~kulturplan.region.ValidationReport` listing everything that was left out or not taken
over, each with file, row and column. Rows are collected with one :class:`RowProblems`
collector per table. A file that cannot be read at all (missing, empty, required column
missing) still raises, because then there is nothing to return.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from kulturplan._format import format_number
from kulturplan.errors import Problem
from kulturplan.region import ValidationReport


class ReadResult(NamedTuple):
    """Result of a reader: ``data, report = read_table(...)``.

    Attributes
    ----------
    data
        The usable records (a GeoDataFrame or DataFrame).
    report
        Problems of the rows left out and notes on what was not taken over.
    """

    data: Any
    report: ValidationReport


class RowProblems:
    """Problems of the rows of one table, and which rows cannot be used.

    Parameters
    ----------
    source
        File name for the messages.
    rows
        Spreadsheet row of each record (header = row 1); ``None`` where records have no
        rows (calendar entries, OSM objects): then problems carry no row.
    """

    def __init__(self, source: str, rows: Sequence[int] | None, n: int | None = None) -> None:
        self.source = source
        self.rows = list(rows) if rows is not None else None
        count = len(self.rows) if self.rows is not None else int(n or 0)
        self.rejected = np.zeros(count, dtype=bool)
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self._position = {r: k for k, r in enumerate(self.rows or [])}

    def __len__(self) -> int:
        return len(self.rejected)

    def add(self, k: int, message: str, column: str | None = None, *, reject: bool = True) -> None:
        """A problem of record ``k`` (0-based); the record is left out unless ``reject=False``."""
        row = self.rows[k] if self.rows is not None else None
        self.problems.append(Problem(self.source, message, row=row, column=column))
        if reject:
            self.rejected[k] = True

    def add_each(self, positions: Iterable[int], message: Any, column: Any = None) -> None:
        """:meth:`add` for every position; ``message``/``column`` may be callables of ``k``."""
        for k in positions:
            k = int(k)
            self.add(
                k,
                message(k) if callable(message) else message,
                column(k) if callable(column) else column,
            )

    def extend(self, problems: Iterable[Problem], *, reject: bool = True) -> None:
        """Problems found elsewhere (e.g. by :func:`~kulturplan.sources._cells.parse_numbers`)."""
        for p in problems:
            self.problems.append(p)
            if reject and p.row in self._position:
                self.rejected[self._position[p.row]] = True

    def note(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        """A note that loses no record (e.g. columns not taken over)."""
        self.notes.append(Problem(self.source, message, row=row, column=column))

    def sorted_problems(self) -> list[Problem]:
        """Problems ordered by row (problems without row first, in the order found)."""
        return sorted(self.problems, key=lambda p: p.row or 0)

    def report(
        self, *, first: Sequence[Problem] = (), summary: bool = True, what: str = "Zeilen"
    ) -> ValidationReport:
        """Every problem, a count of the records left out (if ``summary``), then the notes."""
        problems = [*first, *self.sorted_problems()]
        n_bad = int(self.rejected.sum())
        if n_bad and summary:
            problems.append(
                Problem(
                    self.source,
                    f"{format_number(n_bad)} von {format_number(len(self))} {what} werden wegen "
                    "der oben genannten Probleme "
                    "nicht übernommen.",
                )
            )
        return ValidationReport(tuple(problems + self.notes))
