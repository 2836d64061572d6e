"""Catalogs of categories (Sparten) and indicators, read from YAML files.

The YAML files are read once and cached **frozen** (mappings as
:class:`types.MappingProxyType`, lists as tuples), so no caller can change the catalog
of the process; the public functions return fresh copies (plain dicts and lists) that
callers may change freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from kulturplan.errors import KulturplanError, ParameterError

FUNDING_SOURCES: dict[str, str] = {
    "kommune": "Kommune",
    "kreis": "Kreis",
    "land": "Land",
    "bund": "Bund",
    "eu": "EU",
    "stiftung": "Stiftungen",
    "sonstige": "Sonstige",
}
"""Funding sources (id → German label); the first five are public money."""

PUBLIC_FUNDING_SOURCES: tuple[str, ...] = ("kommune", "kreis", "land", "bund", "eu")

TARGET_GROUPS: dict[str, str] = {
    "kinder": "Kinder",
    "jugendliche": "Jugendliche",
    "familien": "Familien",
    "erwachsene": "Erwachsene",
    "senioren": "Senior:innen",
    "alle": "alle",
}
"""Target groups of events (id → German label)."""

AGE_GROUPS: dict[str, str] = {
    "pop_0_5": "0–5 Jahre",
    "pop_6_17": "6–17 Jahre",
    "pop_18_29": "18–29 Jahre",
    "pop_30_64": "30–64 Jahre",
    "pop_65_plus": "65 Jahre und älter",
}
"""Optional age group columns of the municipalities table."""

TRAVEL_BASES: dict[str, dict[str, str]] = {
    "estimate": {
        "fahrzeit": "geschätzt aus Luftlinie",
        "fahrzeit_methode": "Fahrzeit geschätzt aus der Luftlinie mit Umwegfaktor 1,3 und "
                            "50 km/h (Annahmen, siehe kulturplan.access).",
    },
    "network": {
        "fahrzeit": "Auto, Straßennetz OSM",
        "fahrzeit_methode": "Fahrzeit mit dem Auto auf dem Straßennetz der "
                            "OpenStreetMap-Datei der Region (Geschwindigkeiten je Straßenart "
                            "nach dem Routenplaner OSRM, eingetragene Höchstgeschwindigkeit "
                            "× 0,8; Weg zum Netz zu Fuß). Wie im Dashboard Versorgungslücken "
                            "zählen nur Einwohner:innen in Gitterzellen höchstens 1 km vom "
                            "Netz (die übrigen liegen außerhalb der Datei); Gemeinden ohne "
                            "Einwohner:innen am Netz erhalten keinen Wert.",
    },
}
"""How the catalog indicators in minutes measure travel time (``travel=`` of
:func:`indicators`): template fields ``{fahrzeit}`` (in labels) and
``{fahrzeit_methode}`` (in descriptions). Which one applies to a region decides
:func:`kulturplan.indicators.reachability.travel_basis`."""

URBAN_DEGREES: dict[int, str] = {1: "dicht besiedelt", 2: "mittlere Dichte", 3: "gering besiedelt"}
"""Grad der Verstädterung (official settlement type)."""

KEY_INDICATORS: tuple[str, ...] = (
    "einrichtungen_gesamt_je_10000",
    "sparten_anzahl",
    "kapazitaet_je_1000",
    "veranstaltungen_je_1000",
    "vereine_je_10000",
    "ehrenamtliche_je_1000",
    "foerderung_je_einw",
    "kulturversorgungsindex",
)
"""Key indicators of a municipality (those present in a table are shown): the comparison
table of the Gemeindesteckbrief (``kulturplan.report.KEY_INDICATORS``) and the profile of
the Kreisübersicht. Kept here, below both, so that a dashboard need not import the report
package (openpyxl, SVG charts) to know the list."""


def _read_yaml(name: str) -> list[dict[str, Any]]:
    text = resources.files("kulturplan.catalog").joinpath(name).read_text(encoding="utf-8")
    # the C parser when PyYAML has it (several times faster; every dashboard kernel reads
    # the catalogs), same safe subset of YAML
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, list):  # pragma: no cover - shipped file
        raise KulturplanError(f"Die Katalogdatei {name} muss eine Liste enthalten.")
    return data


def _freeze(value: Any) -> Any:
    """Read-only copy: mappings → MappingProxyType, lists → tuples (recursively)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    """Fresh mutable copy of a frozen value: mappings → dict, tuples → lists."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _categories_raw() -> tuple[Mapping[str, Any], ...]:
    return tuple(_freeze(entry) for entry in _read_yaml("categories.yaml"))


def categories() -> pd.DataFrame:
    """Return the category catalog (Sparten), indexed by category id.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``label_plural``, ``sparte``, ``colour``, ``osm`` (list of
        ``key=value`` tags), ``aliases`` (list of lower-case spellings).
    """
    frame = pd.DataFrame([_thaw(c) for c in _categories_raw()]).set_index("id")
    frame.index.name = "category"
    return frame


def category_ids() -> list[str]:
    """Return all category ids in catalog order."""
    return [c["id"] for c in _categories_raw()]


def category_label(category: str, *, plural: bool = False) -> str:
    """Return the German label of a category id (the id itself when unknown)."""
    for entry in _categories_raw():
        if entry["id"] == category:
            return str(entry["label_plural" if plural else "label"])
    return category


@lru_cache(maxsize=1)
def _indicators_raw() -> tuple[Mapping[str, Any], ...]:
    return tuple(_freeze(entry) for entry in _read_yaml("indicators.yaml"))


def _family_keys(per: str) -> list[tuple[str, dict[str, str]]]:
    """Keys and label fields of an indicator family."""
    if per == "category":
        return [
            (c["id"], {"label": c["label"], "label_plural": c["label_plural"]})
            for c in _categories_raw()
        ]
    if per == "source":
        return [(k, {"label": v, "label_plural": v}) for k, v in FUNDING_SOURCES.items()]
    if per == "target_group":
        return [(k, {"label": v, "label_plural": v}) for k, v in TARGET_GROUPS.items()]
    raise ParameterError(
        f"Unbekannte Indikatorfamilie per={per!r}; erlaubt sind „category“, „source“ und "
        "„target_group“."
    )


def indicator_definitions() -> list[dict[str, Any]]:
    """Return the raw indicator definitions (families not expanded)."""
    return [_thaw(d) for d in _indicators_raw()]


def _travel_fields(travel: str) -> dict[str, str]:
    if travel not in TRAVEL_BASES:
        raise ParameterError(
            f"travel={travel!r} ist unbekannt; erlaubt sind {', '.join(TRAVEL_BASES)}."
        )
    return TRAVEL_BASES[travel]


def indicators(*, travel: str = "estimate") -> pd.DataFrame:
    """Return the indicator catalog with families expanded, indexed by indicator id.

    A family ``einrichtungen_je_10000`` with ``per: category`` becomes one row per
    category, e.g. ``einrichtungen_je_10000__bibliothek``.

    Parameters
    ----------
    travel
        How the indicators in minutes measure travel time, a key of
        :data:`TRAVEL_BASES` (fills ``{fahrzeit}`` in labels and ``{fahrzeit_methode}`` in
        descriptions); for a region use :func:`kulturplan.indicators.catalog`, which
        chooses it.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``unit``, ``higher_is_better``, ``description``, ``method``,
        ``family`` (id of the catalog entry), ``per``, ``key`` (category/source/target
        group id or ``None``), ``params``.
    """
    frame = _indicator_frame(travel).copy()
    frame["params"] = [_thaw(p) for p in frame["params"]]  # fresh dicts for the caller
    return frame


@cache
def _indicator_frame(travel: str) -> pd.DataFrame:
    """The expanded catalog of :func:`indicators`, built once per ``travel`` (a dashboard
    asks for it for every label and chart); only ever handed out as a copy."""
    fields = _travel_fields(travel)
    rows: list[dict[str, Any]] = []
    for entry in _indicators_raw():
        per = entry.get("per")
        base = {
            "unit": entry["unit"],
            "higher_is_better": bool(entry["higher_is_better"]),
            "description": str(entry["description"]).format(**fields),
            "method": entry["method"],
            "family": entry["id"],
            "per": per,
            "params": entry.get("params") or _freeze({}),  # frozen; thawed per call
        }
        if per is None:
            rows.append({"id": entry["id"], "label": str(entry["label"]).format(**fields),
                         "key": None, **base})
            continue
        for key, family_fields in _family_keys(per):
            rows.append(
                {
                    "id": f"{entry['id']}__{key}",
                    "label": entry["label"].format(**fields, **family_fields),
                    "key": key,
                    **base,
                }
            )
    return pd.DataFrame(rows).set_index("id")
