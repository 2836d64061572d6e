"""Codebook and standard questionnaire of the resident survey (Bevölkerungsbefragung).

A codebook describes every question of a survey export: its column name, its type
and its answer codes. The standard questionnaire of kulturplan
(``kulturplan/catalog/survey_standard.yaml``, read by :func:`standard_codebook`)
follows the usual structure of German cultural participation surveys (e.g. the
Kulturmonitoring Niedersachsen or "Kulturelle Teilhabe in Berlin", Allmanritter et
al. 2020): per Sparte visits in the last 12 months, interest and satisfaction near
home and in the Kreis, barriers and wishes, plus municipality, age group and sex
for the weighting. The YAML format is described at the top of that file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kulturplan import catalog
from kulturplan.errors import InputFileError, ParameterError

__all__ = [
    "ITEM_TYPES",
    "MULTI_CHOSEN",
    "MULTI_NOT_CHOSEN",
    "Codebook",
    "Item",
    "standard_codebook",
]

ITEM_TYPES: dict[str, str] = {
    "id": "Fragebogennummer",
    "municipality": "Wohngemeinde (AGS oder Name)",
    "single": "Einfachauswahl",
    "ordinal": "geordnete Auswahl",
    "likert": "Skala",
    "multi": "Mehrfachauswahl (eine 0/1-Spalte je Option)",
    "text": "Freitext (wird nicht eingelesen)",
}
"""Item types of a codebook (id → German description)."""

MULTI_CHOSEN: tuple[str, ...] = ("1", "ja", "j", "x", "y", "yes", "true", "wahr", "gewaehlt")
"""Cell texts (normalised) that mean "option chosen" in a multi-select column."""

MULTI_NOT_CHOSEN: tuple[str, ...] = ("0", "nein", "n", "no", "false", "falsch", "nicht gewaehlt")
"""Cell texts (normalised) that mean "option not chosen"; an empty cell counts as not
chosen when the respondent answered the question (another option of it is filled)."""

Code = int | str


@dataclass(frozen=True)
class Item:
    """One question of a codebook.

    Attributes
    ----------
    name
        Column in the export file and in the imported data; for ``multi`` items the
        prefix of the option columns ``<name>_<option>``.
    type
        One of :data:`ITEM_TYPES`.
    label
        German question text.
    codes
        Answer code → German label (single, ordinal, likert end points).
    values
        Answer code → stored value (single items; the code itself when absent).
    missing
        Codes that mean "no answer" (stored as missing).
    options
        Option id → German label (multi items).
    scale
        ``(low, high)`` of a likert item.
    sparte
        Category id for items asked per Sparte, else ``None``.
    aliases
        Other header spellings accepted in export files.
    weighting
        How the item enters the weighting (documentation).
    """

    name: str
    type: str
    label: str
    codes: Mapping[Code, str] = field(default_factory=dict)
    values: Mapping[Code, Any] = field(default_factory=dict)
    missing: Mapping[Code, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    scale: tuple[int, int] | None = None
    sparte: str | None = None
    aliases: tuple[str, ...] = ()
    weighting: str | None = None

    @property
    def columns(self) -> list[str]:
        """Data columns of the item (one per option for ``multi`` items)."""
        if self.type == "multi":
            return [f"{self.name}_{opt}" for opt in self.options]
        return [self.name]

    @property
    def valid_codes(self) -> list[Code]:
        """Codes that are real answers (likert: every whole number of the scale)."""
        if self.type == "likert" and self.scale is not None:
            return list(range(self.scale[0], self.scale[1] + 1))
        return list(self.codes)

    def value_of(self, code: Code) -> Any:
        """Stored value of an answer code."""
        return self.values.get(code, code)

    def labels(self) -> dict[Any, str]:
        """Stored value → German label of every real answer."""
        if self.type == "likert":
            return {c: self.codes.get(c, str(c)) for c in self.valid_codes}
        return {self.value_of(c): lab for c, lab in self.codes.items()}


def _code(key: Any) -> Code:
    """YAML keys become ints where they are whole numbers ("1" → 1)."""
    if isinstance(key, bool):
        return str(key).lower()
    if isinstance(key, int):
        return key
    text = str(key).strip()
    return int(text) if text.lstrip("-").isdigit() else text


def _codes(raw: Any, where: str) -> dict[Code, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InputFileError(f"{where}: erwartet wird eine Zuordnung Code → Bezeichnung.")
    return {_code(k): v for k, v in raw.items()}


def _item(raw: Mapping[str, Any], global_missing: dict[Code, str], where: str) -> Item:
    for key in ("name", "type"):
        if key not in raw:
            raise InputFileError(f"{where}: Angabe „{key}“ fehlt.")
    kind = str(raw["type"])
    if kind not in ITEM_TYPES:
        raise InputFileError(
            f"{where}: unbekannter Typ „{kind}“; erlaubt: {', '.join(ITEM_TYPES)}."
        )
    scale = raw.get("scale")
    if kind == "likert":
        if not (isinstance(scale, list) and len(scale) == 2 and int(scale[0]) < int(scale[1])):
            raise InputFileError(f"{where}: eine Skala braucht „scale: [von, bis]“, z. B. [1, 5].")
        scale = (int(scale[0]), int(scale[1]))
    elif scale is not None:
        raise InputFileError(f"{where}: „scale“ gibt es nur bei Typ likert.")
    codes = {k: str(v) for k, v in _codes(raw.get("codes"), where).items()}
    if kind in {"single", "ordinal"} and not codes:
        raise InputFileError(f"{where}: Antwortcodes („codes“) fehlen.")
    options = {str(k): str(v) for k, v in (raw.get("options") or {}).items()}
    if kind == "multi" and not options:
        raise InputFileError(f"{where}: Optionen („options“) einer Mehrfachauswahl fehlen.")
    missing = raw.get("missing")
    return Item(
        name=str(raw["name"]),
        type=kind,
        label=str(raw.get("label", raw["name"])),
        codes=codes,
        values=_codes(raw.get("values"), where),
        missing={k: str(v) for k, v in _codes(missing, where).items()}
        if missing is not None
        else dict(global_missing),
        options=options,
        scale=scale,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        weighting=raw.get("weighting"),
    )


def _per_sparte(item: Item, sparten: Iterable[str]) -> list[Item]:
    out = []
    for sparte in sparten:
        label = catalog.category_label(sparte)
        out.append(
            Item(
                name=item.name.format(sparte=sparte),
                type=item.type,
                label=item.label.format(label=label, sparte=sparte),
                codes=item.codes,
                values=item.values,
                missing=item.missing,
                options=item.options,
                scale=item.scale,
                sparte=sparte,
                aliases=tuple(a.format(sparte=sparte) for a in item.aliases),
                weighting=item.weighting,
            )
        )
    return out


def _scale_text(item: Item) -> str:
    """„1 (gar nicht) bis 5 (sehr stark), keine Angabe“ or the list of answer labels."""
    if item.type == "likert" and item.scale is not None:
        lo, hi = item.scale
        return (f"{lo} ({item.codes.get(lo, lo)}) bis {hi} ({item.codes.get(hi, hi)}), "
                "keine Angabe")
    return " / ".join(item.labels().values()) + " / keine Angabe"


@dataclass(frozen=True)
class Codebook:
    """The questions of a survey export and their codes.

    Attributes
    ----------
    title
        German title of the questionnaire.
    items
        The items in questionnaire order (per-Sparte items expanded).
    sparten
        Category ids asked about.
    source
        File the codebook was read from (for messages).
    """

    title: str
    items: tuple[Item, ...]
    sparten: tuple[str, ...] = ()
    source: str = "Codebuch"

    # -- construction ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "Codebuch") -> Codebook:
        """Build a codebook from the parsed YAML structure (see the module docstring)."""
        if not isinstance(raw, Mapping) or not isinstance(raw.get("items"), list):
            raise InputFileError(f"{source}: erwartet wird eine Liste „items“ mit den Fragen.")
        sparten = tuple(str(s) for s in raw.get("sparten") or ())
        unknown = [s for s in sparten if s not in catalog.category_ids()]
        if unknown:
            raise InputFileError(
                f"{source}: unbekannte Sparte(n) {', '.join(unknown)}; erlaubt: "
                f"{', '.join(catalog.category_ids())}."
            )
        global_missing = {k: str(v) for k, v in _codes(raw.get("missing"), source).items()}
        items: list[Item] = []
        for i, entry in enumerate(raw["items"], start=1):
            where = f"{source}, Frage {i} ({entry.get('name', '?')})"
            item = _item(entry, global_missing, where)
            if entry.get("per") == "sparte":
                items += _per_sparte(item, sparten)
            else:
                items.append(item)
        names = [c for it in items for c in it.columns]
        doubled = sorted({c for c in names if names.count(c) > 1})
        if doubled:
            raise InputFileError(f"{source}: Spalten doppelt vergeben: {', '.join(doubled)}.")
        kinds = [it.type for it in items]
        for needed in ("id", "municipality"):
            if kinds.count(needed) != 1:
                raise InputFileError(
                    f"{source}: genau eine Frage vom Typ „{needed}“ wird gebraucht "
                    f"({ITEM_TYPES[needed]}), gefunden: {kinds.count(needed)}."
                )
        return cls(str(raw.get("title", "Befragung")), tuple(items), sparten, source)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Codebook:
        """Read a codebook YAML file (format: see ``catalog/survey_standard.yaml``)."""
        p = Path(path)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except OSError as exc:
            msg = f"{p.name}: Das Codebuch kann nicht gelesen werden ({exc})."
            raise InputFileError(msg) from None
        except yaml.YAMLError as exc:
            msg = f"{p.name}: Das Codebuch ist kein gültiges YAML ({exc})."
            raise InputFileError(msg) from None
        return cls.from_dict(raw, source=p.name)

    # -- look-ups -------------------------------------------------------------------
    def item(self, name: str) -> Item:
        """The item named ``name`` (a data column of a multi item finds its item too)."""
        for it in self.items:
            if name == it.name or name in it.columns:
                return it
        raise ParameterError(
            f"Frage „{name}“ steht nicht im Codebuch „{self.title}“; vorhanden: "
            + ", ".join(it.name for it in self.items)
            + "."
        )

    def of_type(self, *types: str) -> list[Item]:
        """Items of the given types, in questionnaire order."""
        return [it for it in self.items if it.type in types]

    def for_sparte(self, sparte: str) -> list[Item]:
        """Items asked about one Sparte."""
        return [it for it in self.items if it.sparte == sparte]

    @property
    def id_item(self) -> Item:
        """The respondent id item."""
        return self.of_type("id")[0]

    @property
    def municipality_item(self) -> Item:
        """The municipality-of-residence item."""
        return self.of_type("municipality")[0]

    def columns(self) -> list[str]:
        """All data columns (text items excluded: they are never imported)."""
        return [c for it in self.items if it.type != "text" for c in it.columns]

    def label(self, column: str, value: Any = None) -> str:
        """German label of a data column, or of one of its values when ``value`` is given."""
        it = self.item(column)
        if it.type == "multi" and column != it.name:
            option = column[len(it.name) + 1 :]
            if value is None:
                return f"{it.label}: {it.options[option]}"
            return "genannt" if value == 1 else "nicht genannt"
        if value is None:
            return it.label
        return it.labels().get(value, str(value))

    def to_markdown(self) -> str:
        """The questionnaire as German Markdown text (questions and answer boxes) to print.

        Per-Sparte questions are shown once as a grid (one line per Sparte); the id
        item is left out (it is filled in by the office).
        """
        lines = [f"# {self.title}", ""]
        number = 0
        done: set[str] = set()
        for it in self.items:
            if it.type == "id":
                continue
            stem = it.name.removesuffix(f"_{it.sparte}") if it.sparte else it.name
            if stem in done:
                continue
            done.add(stem)
            number += 1
            if it.sparte:
                group = [x for x in self.items if x.sparte and
                         x.name.removesuffix(f"_{x.sparte}") == stem]
                question = it.label.split(":")[0].rstrip("?") + "?"
                lines += [f"**{number}. {question}**", "",
                          f"Antwort je Zeile: {_scale_text(it)}", ""]
                lines += [f"- {catalog.category_label(x.sparte or '')}: ☐" for x in group]
            else:
                lines += [f"**{number}. {it.label}**", ""]
                if it.type == "multi":
                    lines += [f"- ☐ {lab}" for lab in it.options.values()]
                elif it.type in {"single", "ordinal", "likert"}:
                    lines += [f"- ☐ {lab}" for lab in it.labels().values()]
                    lines.append("- ☐ keine Angabe")
                elif it.type == "text":
                    lines.append("(Bitte keine Namen von Personen nennen.) ____________________")
                else:
                    lines.append("____________________________________")
            lines.append("")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The codebook as a table (one row per code), e.g. for a methods appendix.

        Columns ``item``, ``column``, ``type``, ``question``, ``code``, ``value``,
        ``label``, ``missing`` (whether the code means "no answer").
        """
        rows: list[dict[str, Any]] = []
        for it in self.items:
            base = {"item": it.name, "type": it.type, "question": it.label}
            if it.type == "multi":
                for opt, lab in it.options.items():
                    rows.append({**base, "column": f"{it.name}_{opt}", "code": 1,
                                 "value": 1, "label": lab, "missing": False})
                continue
            if it.type in {"single", "ordinal", "likert"}:
                for code in it.valid_codes:
                    rows.append({**base, "column": it.name, "code": code,
                                 "value": it.value_of(code),
                                 "label": it.codes.get(code, str(code)), "missing": False})
                for code, lab in it.missing.items():
                    rows.append({**base, "column": it.name, "code": code, "value": None,
                                 "label": lab, "missing": True})
            else:
                rows.append({**base, "column": it.name, "code": None, "value": None,
                             "label": ITEM_TYPES[it.type], "missing": False})
        cols = ["item", "column", "type", "question", "code", "value", "label", "missing"]
        return pd.DataFrame(rows, columns=cols)


@lru_cache(maxsize=1)
def standard_codebook() -> Codebook:
    """The standard questionnaire of kulturplan (``catalog/survey_standard.yaml``).

    Columns of an export following it: ``respondent_id``; ``ags`` (AGS or municipality
    name); ``age_group`` (1 = 18–29, 2 = 30–64, 3 = 65 Jahre und älter, stored as
    ``18_29``/``30_64``/``65_plus``); ``sex`` (1 weiblich, 2 männlich, 3 divers, stored
    as ``w``/``m``/``d``); per Sparte ``besuche_<sparte>`` (0 nie, 1 1–2 Mal, 2 3–5 Mal,
    3 mehr als 5 Mal), ``interesse_<sparte>``, ``zufriedenheit_wohnort_<sparte>`` and
    ``zufriedenheit_kreis_<sparte>`` (1–5); ``barriere_<option>`` and
    ``wunsch_<option>`` (0/1); missing codes 98 and 99.
    """
    text = resources.files("kulturplan.catalog").joinpath("survey_standard.yaml")
    raw = yaml.safe_load(text.read_text(encoding="utf-8"))
    return Codebook.from_dict(raw, source="survey_standard.yaml")
