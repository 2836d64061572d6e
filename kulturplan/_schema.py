"""The table schema of a :class:`~kulturplan.Region` (bottom layer: imports only ``_geo``).

Defined here so that :mod:`kulturplan.region` (the Region) and :mod:`kulturplan._validate`
(its validators) can both use it without importing each other; :mod:`kulturplan.region`
re-exports every name, which is where users find them.
"""

from __future__ import annotations

from kulturplan._geo import CRS

__all__ = [
    "CRS", "KEYS", "PERSONAL_COLUMNS", "PROJECT_STATUS", "REQUIRED", "TABLES", "TABLE_LABELS",
]

TABLES: tuple[str, ...] = (
    "municipalities",
    "facilities",
    "organisations",
    "events",
    "funding",
    "survey",
    "projects",
)

TABLE_LABELS: dict[str, str] = {
    "municipalities": "Gemeinden",
    "facilities": "Einrichtungen",
    "organisations": "Organisationen",
    "events": "Veranstaltungen",
    "funding": "Förderung",
    "survey": "Befragung",
    "projects": "Projekte",
}

KEYS: dict[str, str | None] = {
    "municipalities": "ags",
    "facilities": "facility_id",
    "organisations": "org_id",
    "events": "event_id",
    "funding": None,
    "survey": "respondent_id",
    "projects": "project_id",
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "municipalities": ("name", "population", "area_km2", "geometry"),
    "facilities": ("name", "category", "geometry"),
    "organisations": ("name", "category", "ags"),
    "events": ("title", "category", "start"),
    "funding": ("year", "ags", "category", "source", "amount_eur"),
    "survey": ("ags", "age_group"),
    "projects": ("title", "category", "ags"),
}

PERSONAL_COLUMNS: tuple[str, ...] = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "email",
    "phone",
    "telefon",
    "ansprechpartner",
)
"""Columns holding personal data (GDPR); never shown in dashboards or exports."""

PROJECT_STATUS: dict[str, str] = {
    "geplant": "geplant",
    "laufend": "laufend",
    "abgeschlossen": "abgeschlossen",
}
"""Allowed ``status`` values of the ``projects`` table (id → German label)."""
