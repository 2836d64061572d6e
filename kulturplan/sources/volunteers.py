"""Volunteer offers and organisations' requests of a Freiwilligenbörse (Excel or CSV).

Only what matching needs is read: a **pseudonymous** id, interests or tasks (Sparten or
tasks, ``;``-separated), weekly availability slots (``sa_nachmittag``, ``mo_abend`` …),
the municipality (AGS, or ``Gemeinde`` by name), the distance a volunteer is willing to
travel and the number of people a request asks for. Contact data never leaves the input
file: columns such as Name, Vorname, E-Mail, Telefon or Adresse are not read (the report
says so without repeating any value), kept cells that contain an e-mail address or a
phone number are blanked, and a row whose id looks like a name, an e-mail address or a
phone number is left out — the coordinator keeps the key from pseudonym to person.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from kulturplan.sources._report import ReadResult, RowProblems
from kulturplan.sources.lists import (
    ListView,
    ags_column,
    looks_personal,
    note_unused,
    open_list,
    scrub,
)

__all__ = ["OFFER_FIELDS", "REQUEST_FIELDS", "read_offers", "read_requests", "to_csv_text"]

OFFER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "volunteer_id": ("Kennung", ("Pseudonym", "ID", "Nr", "volunteer_id")),
    "interests": ("Interessen", ("Tätigkeiten", "Sparten", "interests")),
    "slots": ("Zeiten", ("Verfügbarkeit", "Zeitfenster", "slots")),
    "ags": ("AGS", ("Gemeindeschlüssel", "ags")),
    "municipality": ("Gemeinde", ("Wohnort", "Ort")),
    "max_km": ("max. Entfernung (km)", ("Entfernung", "max_km", "Umkreis (km)")),
}
"""Fields of a volunteer-offer list (German names and synonyms)."""

REQUEST_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "request_id": ("Kennung", ("Gesuch", "ID", "Nr", "request_id")),
    "org_id": ("Organisation", ("Verein", "org_id")),
    "tasks": ("Aufgaben", ("Tätigkeiten", "Sparten", "tasks")),
    "slots": ("Zeiten", ("Zeitfenster", "slots")),
    "ags": ("AGS", ("Gemeindeschlüssel", "ags")),
    "municipality": ("Gemeinde", ("Ort",)),
    "people": ("Personen", ("Anzahl", "Plätze", "people")),
}
"""Fields of a request list (German names and synonyms)."""

_PSEUDONYM = re.compile(r"^[A-Za-z0-9_.-]{1,24}$")


def _list_text(text: str) -> str:
    parts = (p.strip().lower() for p in text.replace(",", ";").split(";"))
    return ";".join(p for p in parts if p)


def _ids(view: ListView, field: str, found: RowProblems) -> list[str]:
    ids = view.texts(field)
    for k, text in enumerate(ids):
        if not text:
            found.add(k, "Kennung fehlt.", view.name(field))
        elif looks_personal(text) or not _PSEUDONYM.fullmatch(text):
            found.add(k, "Die Kennung sieht nicht wie ein Pseudonym aus (erlaubt: Buchstaben, "
                      "Ziffern, Bindestrich, z. B. „F017“); Namen, E-Mail-Adressen und "
                      "Telefonnummern gehören nicht in die Liste. Die Zeile wird nicht "
                      "übernommen.", view.name(field))
            ids[k] = ""
    return ids


def _read(path: str | Path, fields: dict[str, tuple[str, tuple[str, ...]]], key: str,
          lists: tuple[str, ...], what: str, municipalities: pd.DataFrame | None,
          sheet: str | None) -> tuple[ListView, RowProblems, dict[str, list]]:
    view, found = open_list(path, fields, [key, *lists], what=what, sheet=sheet, place=True)
    data: dict[str, list] = {key: _ids(view, key, found)}
    for field in lists:
        data[field] = [_list_text(t) for t in scrub(view, field, found)]
        found.add_each((k for k, t in enumerate(data[field]) if not t), "Angabe fehlt.",
                       view.name(field))
    data["ags"] = ags_column(view, found, municipalities)
    return view, found, data


def read_offers(path: str | Path, *, municipalities: pd.DataFrame | None = None,
                sheet: str | None = None) -> ReadResult:
    """Read volunteer offers; only pseudonymous, matching-relevant columns are kept.

    Returns
    -------
    ReadResult
        ``offers, report``: index ``volunteer_id``; ``interests``, ``slots`` (``;``
        lists, lower case), ``ags``, ``max_km`` (NaN where not given). The report
        names the columns not read (personal data first) and every row left out.
    """
    view, found, data = _read(path, OFFER_FIELDS, "volunteer_id", ("interests", "slots"),
                              "Die Liste der Freiwilligen", municipalities, sheet)
    data["max_km"] = list(view.numbers("max_km", found))
    note_unused(view, found, plain_name=True, separate=True)
    frame = pd.DataFrame(data)[~found.rejected]
    return ReadResult(frame.set_index("volunteer_id"),
                      found.report(first=view.table.problems))


def read_requests(path: str | Path, *, municipalities: pd.DataFrame | None = None,
                  sheet: str | None = None) -> ReadResult:
    """Read organisations' requests (tasks, slots, municipality, people wanted).

    Returns
    -------
    ReadResult
        ``requests, report``: index ``request_id``; ``org_id``, ``tasks``, ``slots``,
        ``ags``, ``people`` (default 1).
    """
    view, found, data = _read(path, REQUEST_FIELDS, "request_id", ("tasks", "slots"),
                              "Die Liste der Gesuche", municipalities, sheet)
    data["org_id"] = [t or None for t in scrub(view, "org_id", found)]
    people = view.numbers("people", found, integer=True)
    data["people"] = list(np.where(np.isnan(people), 1, people).astype(int))
    note_unused(view, found, plain_name=True, separate=True)
    frame = pd.DataFrame(data)[~found.rejected]
    return ReadResult(frame.set_index("request_id"), found.report(first=view.table.problems))


def to_csv_text(frame: pd.DataFrame) -> str:
    """The cleaned offers or requests as CSV text (e.g. an attachment of a region folder)."""
    return frame.to_csv(lineterminator="\n")
