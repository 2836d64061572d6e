"""Project lists of a Kreis (Excel or CSV) for the region table ``projects``, and a template.

One row per cultural project: ``Titel``, ``Sparte`` (catalog id, label or alias, as in
facility lists), ``AGS`` (8 digits; or ``Gemeinde`` by name with ``municipalities``),
``Organisation`` (org id), ``Zielgruppen`` (``kinder; familien``), ``Startjahr``,
``Status`` (geplant, laufend, abgeschlossen), ``Schlagworte`` and ``Best Practice``
(ja/nein). Read with :func:`read_projects`; the result goes into
``Region(projects=...)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._schema import PROJECT_STATUS
from kulturplan.sources._cells import normalise_name
from kulturplan.sources._report import ReadResult
from kulturplan.sources.lists import (
    ags_column,
    category_lookup,
    category_problem,
    note_unused,
    open_list,
    write_list_template,
)

__all__ = ["FIELDS", "read_projects", "write_template"]

FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "project_id": ("ID", ("Kennung", "Projekt-ID", "Nr", "project_id")),
    "title": ("Titel", ("Projekt", "Projekttitel", "Projektname", "Bezeichnung", "title")),
    "category": ("Sparte", ("Kategorie", "Bereich", "category")),
    "ags": ("AGS", ("Gemeindeschlüssel", "ags")),
    "municipality": ("Gemeinde", ("Ort", "Kommune", "Stadt")),
    "org_id": ("Organisation", ("Träger", "Verein", "org_id", "Organisations-ID")),
    "target_groups": ("Zielgruppen", ("Zielgruppe", "target_groups")),
    "start_year": ("Startjahr", ("Beginn", "Jahr", "start_year")),
    "status": ("Status", ("Stand", "status")),
    "tags": ("Schlagworte", ("Tags", "Stichworte", "tags")),
    "best_practice": ("Best Practice", ("Best-Practice", "Vorbild", "best_practice")),
}
"""Fields of a project list with their German names and synonyms."""

_YES = {"ja", "j", "x", "yes", "true", "wahr", "1"}
_NO = {"nein", "n", "no", "false", "falsch", "0", ""}


def read_projects(
    path: str | Path,
    *,
    municipalities: pd.DataFrame | None = None,
    sheet: str | None = None,
) -> ReadResult:
    """Read a project list (CSV or XLSX) for ``Region(projects=...)``.

    Parameters
    ----------
    path
        CSV or Excel file (e.g. filled in from :func:`write_template`).
    municipalities
        The region's municipalities, to find the AGS from a ``Gemeinde`` name.
    sheet
        Sheet of a workbook (default: the first).

    Returns
    -------
    ReadResult
        ``projects, report``: index ``project_id`` (the file's ID, else ``<file>-<row>``),
        columns ``title``, ``category``, ``ags``, ``org_id``, ``target_groups``,
        ``start_year``, ``status``, ``tags``, ``best_practice``; the report lists every row
        left out (missing title, unknown Sparte or municipality, invalid status) with row
        and column, and the columns not taken over.
    """
    view, found = open_list(path, FIELDS, ["title", "category"], what="Die Projektliste",
                            sheet=sheet, place=True)
    titles = view.texts("title")
    found.add_each((k for k, t in enumerate(titles) if not t), "Titel fehlt.", view.name("title"))
    lookup = category_lookup()
    cats = []
    for k, text in enumerate(view.texts("category")):
        cid, problem = category_problem(text, lookup)
        if problem:
            found.add(k, problem, view.name("category"))
        cats.append(cid)
    status = [normalise_name(s) for s in view.texts("status")]
    for k, s in enumerate(status):
        if s and s not in PROJECT_STATUS:
            found.add(k, f"Status „{view.texts('status')[k]}“ ist unbekannt; erlaubt sind: "
                      + ", ".join(PROJECT_STATUS) + ".", view.name("status"))
    best = []
    for k, text in enumerate(view.texts("best_practice")):
        key = normalise_name(text)
        if key not in _YES | _NO:
            found.add(k, f"„{text}“ ist keine gültige Angabe; erwartet „ja“ oder „nein“.",
                      view.name("best_practice"))
        best.append(key in _YES)
    years = view.numbers("start_year", found, integer=True)
    stem = Path(path).stem
    ids = [t or f"{stem}-{r}" for t, r in zip(view.texts("project_id"),
                                             view.table.row_numbers, strict=True)]
    targets = [";".join(t for t in (p.strip().lower() for p in s.replace(",", ";").split(";"))
                        if t) for s in view.texts("target_groups")]
    frame = pd.DataFrame({
        "project_id": ids, "title": titles, "category": cats,
        "ags": ags_column(view, found, municipalities),
        "org_id": [t or None for t in view.texts("org_id")],
        "target_groups": [t or None for t in targets],
        "start_year": pd.array(np.where(np.isnan(years), np.nan, years), dtype="Float64")
        .astype("Int64"),
        "status": [s or None for s in status],
        "tags": [t or None for t in view.texts("tags")],
        "best_practice": best,
    })
    unknown_targets = {t for s in targets for t in s.split(";") if t} - set(catalog.TARGET_GROUPS)
    if unknown_targets:
        found.note("Unbekannte Zielgruppen übernommen: " + ", ".join(sorted(unknown_targets))
                   + "; bekannt sind: " + ", ".join(catalog.TARGET_GROUPS) + ".")
    note_unused(view, found, plain_name=True, separate=True)
    report = found.report(first=view.table.problems)
    return ReadResult(frame[~found.rejected].set_index("project_id"), report)


_COLUMNS = (
    ("ID", "Kennung des Projekts (frei wählbar, eindeutig), z. B. P001."),
    ("Titel", "Titel des Projekts. Pflichtfeld."),
    ("Sparte", "Sparte aus der Liste (Blatt „Sparten“). Pflichtfeld."),
    ("AGS", "Achtstelliger Gemeindeschlüssel der Gemeinde, in der das Projekt läuft. "
            "Pflichtfeld."),
    ("Organisation", "Kennung des Trägervereins (wie in der Vereinsliste), falls bekannt."),
    ("Zielgruppen", "kinder, jugendliche, familien, erwachsene, senioren oder alle; mehrere "
                    "mit Semikolon."),
    ("Startjahr", "Jahr des Projektbeginns, z. B. 2023."),
    ("Status", "geplant, laufend oder abgeschlossen."),
    ("Schlagworte", "Stichworte, mit Semikolon getrennt."),
    ("Best Practice", "ja, wenn das Projekt als gutes Beispiel auf andere Orte übertragen "
                      "werden soll."),
)


def write_template(path: str | Path, *, rows: int = 500, overwrite: bool = False) -> Path:
    """Write an Excel template for a project list (dropdowns for Sparte, Status, Best Practice).

    :func:`read_projects` reads the filled-in template as is. An existing file is never
    overwritten unless ``overwrite=True``.
    """
    n_cats = len(catalog.category_ids())
    return write_list_template(
        path, sheet="Projekte", columns=_COLUMNS, rows=rows, overwrite=overwrite,
        choices={2: f"=Sparten!$B$2:$B${n_cats + 1}", 7: '"geplant,laufend,abgeschlossen"',
                 9: '"ja,nein"'},
        footer="Eine Zeile je Projekt; bitte keine Namen, E-Mail-Adressen oder "
               "Telefonnummern von Personen eintragen.",
    )
