"""Demography: age structure today and a population projection by age group.

Three pieces:

* :func:`age_structure` — residents per municipality and age group from the
  region's optional columns ``pop_0_5 … pop_65_plus`` (counts and shares);
* :func:`project_population` — a simple, documented **cohort-component
  projection** by age group (survival, births, net migration), year by year;
* :func:`read_official_projection` — a reader for an official municipal
  projection table (GENESIS / Regionaldatenbank flat CSV, or a Land's table as
  XLSX); :func:`prefer_official` lets the official numbers win wherever a user has
  them.

The cohort-component method
---------------------------
Each year ``t → t + 1`` and for each municipality (Preston, Heuveline & Guillot
2001, ch. 6; the same components as the Destatis *Bevölkerungsvorausberechnung*):

1. **Survival**: of :math:`N_{a,t}` residents of age group :math:`a`,
   :math:`s_a N_{a,t}` survive the year; :math:`(1 - s_a) N_{a,t}` die.
2. **Ageing across unequal bands**: the region's age groups have different widths
   :math:`w_a` (0–5: 6 years, 6–17: 12, 18–29: 12, 30–64: 35, 65+: open). Assuming
   the residents of a band are spread evenly over its single years of age, the
   share :math:`1 / w_a` of the survivors has its birthday out of the band and moves
   to the next one; the open last band keeps its survivors.
3. **Births**: :math:`B_t = \\sum_a f_a N_{a,t}` with births per resident of the
   band per year :math:`f_a` (``fertility``), or a crude birth rate times the total
   population (``birth_rate``). Births enter the first band. (Destatis applies
   age-specific rates of women aged 15–49 to single years of age; the region's
   broad bands do not allow that, so this is a simplification and a stated
   assumption.)
4. **Net migration**: :math:`M_{a,t}` is added — either rates per resident of the
   band (``migration_rates``) or absolute persons per year and municipality
   (``net_migration``).

Hence :math:`P_{t+1} = P_t + B_t - D_t + M_t` exactly. The default survival rates
are rounded annual values for Germany (life tables of Destatis 2020/22) and the
default crude birth rate is 8.2 births per 1,000 residents (Germany 2023); they are
assumptions, to be replaced by the Land's numbers where available.

References
----------
Preston, S. H., Heuveline, P., & Guillot, M. (2001). *Demography: Measuring and
Modeling Population Processes*. Oxford: Blackwell, ch. 6 (population projection).

Statistisches Bundesamt (2022). *Bevölkerung Deutschlands bis 2070. Ergebnisse der
15. koordinierten Bevölkerungsvorausberechnung* (methods: cohort-component
projection with assumptions on fertility, life expectancy and migration).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan.errors import InputFileError, ParameterError, Problem, ValidationError
from kulturplan.sources._cells import (
    cell_text,
    is_empty,
    normalise_label,
    normalise_name,
    parse_number,
)
from kulturplan.sources._files import (
    decode,
    display_name,
    file_kind,
    read_bytes,
    sniff_delimiter,
    xlsx_rows,
)

__all__ = [
    "AGE_BANDS",
    "DEFAULT_BIRTH_RATE",
    "DEFAULT_SURVIVAL",
    "Projection",
    "age_structure",
    "base_population",
    "prefer_official",
    "project_population",
    "read_official_projection",
]

AGE_GROUP_IDS: tuple[str, ...] = tuple(catalog.AGE_GROUPS)


def _band(column: str) -> tuple[int, int | None]:
    """``pop_6_17`` → ``(6, 18)`` (upper bound exclusive), ``pop_65_plus`` → ``(65, None)``."""
    m = re.fullmatch(r"pop_(\d+)_(\d+|plus)", column)
    if m is None:  # pragma: no cover - catalog constant
        raise ParameterError(f"Altersgruppe „{column}“ hat keine lesbaren Grenzen.")
    low = int(m.group(1))
    return low, None if m.group(2) == "plus" else int(m.group(2)) + 1


AGE_BANDS: dict[str, tuple[int, int | None]] = {c: _band(c) for c in AGE_GROUP_IDS}
"""Age groups of the region → ``(first age, first age of the next band)``; ``None`` = open."""

DEFAULT_SURVIVAL: dict[str, float] = {
    "pop_0_5": 0.9996,
    "pop_6_17": 0.9999,
    "pop_18_29": 0.9996,
    "pop_30_64": 0.9970,
    "pop_65_plus": 0.9560,
}
"""Assumed share of residents of each band surviving one year (Germany, rounded)."""

DEFAULT_BIRTH_RATE = 0.0082
"""Assumed crude birth rate: births per resident and year (Germany 2023: 8.2 ‰)."""


def _widths() -> np.ndarray:
    """Band widths in years (``inf`` for the open last band)."""
    out = []
    for low, high in AGE_BANDS.values():
        out.append(math.inf if high is None else float(high - low))
    return np.array(out)


# --------------------------------------------------------------------------------------
# today
# --------------------------------------------------------------------------------------
def base_population(region: Any) -> pd.DataFrame:
    """Residents per municipality (rows, AGS) and age group (columns ``pop_0_5 …``).

    Raises
    ------
    kulturplan.errors.ValidationError
        If the region has no (or only some) age group columns.
    """
    muni = region.municipalities
    missing = [c for c in AGE_GROUP_IDS if c not in muni.columns]
    if missing:
        raise ValidationError(
            [
                Problem(
                    "Gemeinden",
                    "Für die Demografie werden die Altersgruppen gebraucht; es fehlen: "
                    + ", ".join(missing) + ".",
                    column=missing[0],
                )
            ],
            title="Tabelle „Gemeinden“ ist unvollständig",
        )
    frame = muni[list(AGE_GROUP_IDS)].astype(float)
    frame.index.name = "ags"
    return pd.DataFrame(frame)


def age_structure(region: Any) -> pd.DataFrame:
    """Age structure per municipality: counts, shares and the share of the Kreis.

    Returns
    -------
    pandas.DataFrame
        Indexed by AGS: ``name``, ``population``, the counts ``pop_0_5 …`` and their
        shares ``share_pop_0_5 …`` (0–1 of the municipality's population). The
        attribute ``attrs["kreis_shares"]`` holds the shares of the whole region.
    """
    counts = base_population(region)
    total = counts.sum(axis=1)
    out = pd.DataFrame({"name": region.municipalities["name"], "population": total})
    out = out.join(counts)
    shares = counts.div(total.where(total > 0), axis=0)
    out = out.join(shares.add_prefix("share_"))
    out.attrs["kreis_shares"] = (counts.sum() / counts.to_numpy().sum()).to_dict()
    return out


# --------------------------------------------------------------------------------------
# projection
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Projection:
    """Population by municipality, year and age group.

    Attributes
    ----------
    population
        Indexed by ``(year, ags)``; columns ``pop_0_5 … pop_65_plus`` and
        ``population`` (their sum).
    components
        For projected years: ``births``, ``deaths``, ``net_migration`` of the year
        leading to it, indexed by ``(year, ags)``; empty for official tables.
    source
        German description of where the numbers come from.
    assumptions
        The assumptions used (for the report next to a chart).
    problems
        Rows of an official table that could not be used (shown to the user).
    """

    population: pd.DataFrame
    components: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: str = ""
    assumptions: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def years(self) -> list[int]:
        """Years held, ascending."""
        return sorted({int(y) for y in self.population.index.get_level_values("year")})

    def year(self, year: int) -> pd.DataFrame:
        """Age groups and ``population`` of one ``year``, indexed by AGS."""
        if int(year) not in self.years:
            raise ParameterError(
                f"Das Jahr {year} ist nicht in der Vorausberechnung; vorhanden: "
                + ", ".join(str(y) for y in self.years) + "."
            )
        return self.population.xs(int(year), level="year")

    def totals(self) -> pd.Series:
        """Total population of all municipalities per year."""
        return self.population["population"].groupby(level="year").sum()


def _per_band(values: float | Mapping[str, float] | None, default: Mapping[str, float] | float,
              name: str) -> np.ndarray:
    """A value per age band from a scalar or a mapping ``band → value``."""
    if values is None:
        values = default
    if isinstance(values, Mapping):
        unknown = [k for k in values if k not in AGE_BANDS]
        if unknown:
            raise ParameterError(
                f"{name}: unbekannte Altersgruppe(n) {', '.join(map(str, unknown))}; "
                f"erlaubt sind {', '.join(AGE_GROUP_IDS)}."
            )
        arr = np.array([float(values.get(k, 0.0)) for k in AGE_GROUP_IDS])
    else:
        arr = np.full(len(AGE_GROUP_IDS), float(values))
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name}: alle Werte müssen endliche Zahlen sein.")
    return arr


def _absolute_migration(net_migration: pd.DataFrame | None, index: pd.Index) -> np.ndarray:
    """Persons per year, municipality and band from a table (missing = 0)."""
    if net_migration is None:
        return np.zeros((len(index), len(AGE_GROUP_IDS)))
    unknown = [c for c in net_migration.columns if c not in AGE_BANDS]
    if unknown:
        raise ParameterError(
            f"net_migration: unbekannte Spalte(n) {', '.join(map(str, unknown))}; erlaubt sind "
            f"{', '.join(AGE_GROUP_IDS)}."
        )
    extra = net_migration.index.difference(index)
    if len(extra):
        raise ParameterError(
            "net_migration: Gemeinde(n) " + ", ".join(map(str, extra[:5]))
            + " sind nicht in der Ausgangsbevölkerung."
        )
    table = net_migration.reindex(index=index, columns=list(AGE_GROUP_IDS)).fillna(0.0)
    return table.to_numpy(dtype=float)


def project_population(
    base: pd.DataFrame,
    years: int,
    *,
    start_year: int,
    survival: float | Mapping[str, float] | None = None,
    birth_rate: float | None = None,
    fertility: Mapping[str, float] | None = None,
    migration_rates: float | Mapping[str, float] | None = None,
    net_migration: pd.DataFrame | None = None,
) -> Projection:
    """Project the population by age group ``years`` years ahead (cohort components).

    Parameters
    ----------
    base
        Residents per municipality (index AGS) and band (columns ``pop_0_5 …``), e.g.
        :func:`base_population`.
    years
        Number of years to project (0 returns the base year only).
    start_year
        Calendar year of ``base`` (e.g. 2025 for the population at 31.12.2025).
    survival
        Share surviving one year, per band (mapping) or for all bands (number);
        default :data:`DEFAULT_SURVIVAL`.
    birth_rate
        Crude birth rate (births per resident and year); default
        :data:`DEFAULT_BIRTH_RATE` unless ``fertility`` is given.
    fertility
        Births per resident of a band per year (e.g. ``{"pop_18_29": 0.03,
        "pop_30_64": 0.006}``); replaces ``birth_rate``.
    migration_rates
        Net migration per resident of a band per year (e.g. ``{"pop_18_29": -0.01}``).
    net_migration
        Net migrants per year in persons, per municipality (index AGS) and band
        (columns); added to ``migration_rates``.

    Returns
    -------
    Projection
        Years ``start_year … start_year + years``; the components satisfy
        ``P(t+1) = P(t) + births - deaths + net_migration`` for every municipality.

    Raises
    ------
    kulturplan.errors.ParameterError
        For rates outside their range, unknown bands, or a projection that would make
        a band negative (too much out-migration).
    """
    if not isinstance(years, (int, np.integer)) or years < 0:
        raise ParameterError(f"years muss eine ganze Zahl ≥ 0 sein, erhalten: {years!r}.")
    if birth_rate is not None and fertility is not None:
        raise ParameterError("Bitte entweder birth_rate oder fertility angeben, nicht beides.")
    missing = [c for c in AGE_GROUP_IDS if c not in base.columns]
    if missing:
        raise ParameterError("base: es fehlen die Altersgruppen " + ", ".join(missing) + ".")
    surv = _per_band(survival, DEFAULT_SURVIVAL, "survival")
    if np.any((surv < 0) | (surv > 1)):
        raise ParameterError("survival: Überlebensraten müssen zwischen 0 und 1 liegen.")
    if fertility is not None:
        fert = _per_band(fertility, 0.0, "fertility")
        assumption_births = "Geburten je Einwohner:in der Altersgruppe: " + ", ".join(
            f"{k} {v:g}" for k, v in zip(AGE_GROUP_IDS, fert, strict=True) if v
        )
    else:
        rate = DEFAULT_BIRTH_RATE if birth_rate is None else float(birth_rate)
        fert = np.full(len(AGE_GROUP_IDS), rate)
        assumption_births = f"Geburtenrate {rate * 1000:g} je 1.000 Einwohner:innen und Jahr"
    if np.any(fert < 0):
        raise ParameterError("Geburtenraten dürfen nicht negativ sein.")
    mig_rate = _per_band(migration_rates, 0.0, "migration_rates")
    index = pd.Index(base.index.astype(str), name="ags")
    mig_abs = _absolute_migration(net_migration, index)
    widths = _widths()
    move = np.where(np.isfinite(widths), 1.0 / widths, 0.0)

    current = base[list(AGE_GROUP_IDS)].to_numpy(dtype=float)
    frames = [current.copy()]
    comps = []
    for step in range(int(years)):
        survivors = current * surv
        deaths = (current - survivors).sum(axis=1)
        up = survivors * move
        nxt = survivors - up
        nxt[:, 1:] += up[:, :-1]
        births = current @ fert
        nxt[:, 0] += births
        migration = current * mig_rate + mig_abs
        nxt += migration
        if np.any(nxt < -1e-9):
            i, j = np.argwhere(nxt < -1e-9)[0]
            raise ParameterError(
                f"Die Vorausberechnung ergibt für Gemeinde {index[i]}, Altersgruppe "
                f"{AGE_GROUP_IDS[j]}, im Jahr {start_year + step + 1} eine negative "
                "Einwohnerzahl; die angenommene Abwanderung ist zu groß."
            )
        current = np.maximum(nxt, 0.0)
        frames.append(current.copy())
        comps.append(np.column_stack([births, deaths, migration.sum(axis=1)]))

    year_values = np.arange(start_year, start_year + int(years) + 1)
    mi = pd.MultiIndex.from_product([year_values, index], names=["year", "ags"])
    pop = pd.DataFrame(np.vstack(frames), index=mi, columns=list(AGE_GROUP_IDS))
    pop["population"] = pop.sum(axis=1)
    if comps:
        cmi = pd.MultiIndex.from_product([year_values[1:], index], names=["year", "ags"])
        components = pd.DataFrame(
            np.vstack(comps), index=cmi, columns=["births", "deaths", "net_migration"]
        )
    else:
        components = pd.DataFrame(columns=["births", "deaths", "net_migration"])
    assumptions = (
        "Überlebensraten je Jahr: " + ", ".join(
            f"{k} {v:g}" for k, v in zip(AGE_GROUP_IDS, surv, strict=True)
        ),
        assumption_births,
        "Wanderungssaldo: "
        + ("keiner" if not mig_rate.any() and not mig_abs.any() else "wie angegeben"),
        "Alterung: je Jahr wechselt 1/Breite der Altersgruppe in die nächste Gruppe.",
    )
    return Projection(
        pop, components,
        source=f"Eigene Vorausberechnung (Kohorten-Komponenten-Methode, Basis {start_year})",
        assumptions=assumptions,
    )


# --------------------------------------------------------------------------------------
# official projection tables
# --------------------------------------------------------------------------------------
_MISSING_MARKS: dict[str, float | None] = {
    "-": 0.0,  # nichts vorhanden (genau null)
    ".": None,  # Zahlenwert unbekannt oder geheimzuhalten
    "...": None,  # Angabe fällt später an
    "x": None,  # Tabellenfach gesperrt
    "/": None,  # keine Angabe, Aussagewert eingeschränkt
}
"""Quality marks of the official statistics (Zeichenerklärung) → value (None = unknown)."""

_YEAR_NAMES = ("zeit", "jahr", "stichtag", "year")
_AGS_NAMES = ("1auspraegungcode", "ags", "gemeindeschluessel", "regionalschluessel", "schluessel",
              "kennziffer", "gemeinde_ags", "gemeindekennziffer")
_AGE_NAMES = ("2auspraegunglabel", "altersgruppe", "altersgruppen", "alter", "age_group")
_TOTAL_LABELS = {"insgesamt", "zusammen", "gesamt", "total", "population", "bevoelkerung"}


def _age_band_of(label: str) -> tuple[int, int | None] | str | None:
    """Age band of an official label: ``(low, high)``, ``"total"`` or ``None``.

    Understands „unter 6 Jahre“, „6 bis unter 18 Jahre“, „65 Jahre und mehr“,
    „65 und älter“, „0 bis 5“ (inclusive), the region's ids (``pop_6_17``) and
    catalog labels („6–17 Jahre“).
    """
    text = str(label).strip()
    if text in AGE_BANDS:
        return AGE_BANDS[text]
    for key, lab in catalog.AGE_GROUPS.items():
        if text == lab:
            return AGE_BANDS[key]
    key = normalise_label(text)
    if key.replace(" ", "") in _TOTAL_LABELS:
        return "total"
    m = re.fullmatch(r"unter (\d+)( jahre?n?)?", key)
    if m:
        return 0, int(m.group(1))
    m = re.fullmatch(r"(\d+) bis unter (\d+)( jahre?n?)?", key)
    if m:
        return int(m.group(1)), int(m.group(2))
    m = re.fullmatch(r"(\d+)( jahre?n?)? (und mehr|und aelter|und alter|plus|und ueber)", key)
    if m:
        return int(m.group(1)), None
    m = re.fullmatch(r"(\d+) (bis|\-)? ?(\d+)( jahre?n?)?", key) or re.fullmatch(
        r"(\d+) (\d+)( jahre?n?)?", key
    )
    if m:
        nums = [int(g) for g in m.groups() if g and g.isdigit()]
        return nums[0], nums[-1] + 1
    return None


def _target_group(band: tuple[int, int | None]) -> str | None:
    """The region's age group that contains ``band`` (``None`` if it straddles two)."""
    low, high = band
    for key, (g_low, g_high) in AGE_BANDS.items():
        inside_low = low >= g_low
        inside_high = g_high is None or (high is not None and high <= g_high)
        if inside_low and inside_high:
            return key
    return None


def _find_header(cells: list[list[Any]]) -> int | None:
    """Index of the header row: the first row naming a year and a municipality key."""
    for i, row in enumerate(cells[:40]):
        keys = {normalise_name(c) for c in row if not is_empty(c)}
        has_year = any(k in keys for k in _YEAR_NAMES)
        has_ags = any(k in keys for k in _AGS_NAMES)
        if has_year and has_ags:
            return i
    return None


def _year_of(value: Any) -> int | None:
    """Year of a cell such as ``2030``, ``31.12.2030`` or ``2030-12-31``."""
    if hasattr(value, "year"):
        return int(value.year)
    m = re.search(r"(19|20|21)\d\d", cell_text(value))
    return int(m.group(0)) if m else None


def _value_of(value: Any) -> tuple[float | None, str | None]:
    """``(number, None)``, ``(None, None)`` for a quality mark, ``(None, message)`` if bad."""
    text = cell_text(value)
    if text in _MISSING_MARKS:
        return _MISSING_MARKS[text], None
    if not text:
        return None, None
    try:
        return parse_number(value, integer=True), None
    except ValueError as exc:
        return None, (
            f"{exc} Erwartet wird eine ganze Einwohnerzahl oder ein Zeichen der amtlichen "
            "Statistik („-“ nichts vorhanden, „.“ unbekannt)."
        )


def _raw_cells(
    path: str | Path, sheet: str | None, data: bytes | None = None
) -> tuple[str, list[list[Any]], list[int]]:
    """All rows of the file (header included) with their spreadsheet row numbers."""
    name = display_name(path)
    if data is None:
        data = read_bytes(path)
    if file_kind(data) == "xlsx":
        _, rows = xlsx_rows(path, data, sheet=sheet)
        return name, [r for _, r in rows], [n for n, _ in rows]
    text, _ = decode(data)
    lines = text.splitlines()
    delimiter = ";" if any(line.count(";") >= 2 for line in lines[:60]) else sniff_delimiter(
        lines)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputFileError(f"{name}: Die CSV-Datei kann nicht gelesen werden ({exc}).") from None
    cells: list[list[Any]] = []
    numbers: list[int] = []
    for i, record in enumerate(records):
        if any(c.strip() for c in record):
            cells.append([c.strip() for c in record])
            numbers.append(i + 1)
    return name, cells, numbers


def _long_records(
    name: str, header: list[str], rows: list[list[Any]], numbers: list[int]
) -> tuple[list[tuple[int, str, str, float | None]], list[Problem], list[Problem]]:
    """``(year, ags, age label, value)`` records of a long or wide table."""
    keys = [normalise_name(h) for h in header]
    col_year = next(keys.index(k) for k in _YEAR_NAMES if k in keys)
    col_ags = next(keys.index(k) for k in _AGS_NAMES if k in keys)
    col_age = next((keys.index(k) for k in _AGE_NAMES if k in keys), None)
    if col_age is not None:  # long layout: the value is the last column
        value_cols = [len(header) - 1]
    else:  # wide layout: one column per age group (or „Insgesamt“)
        value_cols = [i for i, h in enumerate(header) if _age_band_of(h) is not None]
        if not value_cols:
            raise ValidationError(
                [Problem(name, "Keine Spalte mit Altersgruppen oder „Insgesamt“ gefunden "
                         "(erwartet z. B. „unter 6 Jahre“, „6 bis unter 18 Jahre“).", row=1)],
                title="Die Vorausberechnung ist unvollständig",
            )
    records: list[tuple[int, str, str, float | None]] = []
    problems: list[Problem] = []
    skipped: list[Problem] = []
    for cells, row in zip(rows, numbers, strict=True):
        ags = cell_text(cells[col_ags]) if col_ags < len(cells) else ""
        if ags.isdigit() and len(ags) == 7:
            ags = ags.zfill(8)
        if not (ags.isdigit() and len(ags) == 8):
            others = [c for i, c in enumerate(cells) if i != col_ags and not is_empty(c)]
            if ags or others:  # a footnote, a Kreis or Land row: not a municipality
                skipped.append(Problem(name, f"Zeile übersprungen (keine Gemeinde): „"
                                       f"{cell_text(cells[0])[:60]}“.", row=row))
            continue
        year = _year_of(cells[col_year])
        if year is None:
            problems.append(Problem(name, f"„{cell_text(cells[col_year])}“ ist kein Jahr.",
                                    row=row, column=header[col_year]))
            continue
        for c in value_cols:
            value, message = _value_of(cells[c] if c < len(cells) else None)
            if message:
                problems.append(Problem(name, message, row=row, column=header[c]))
                continue
            label = cell_text(cells[col_age]) if col_age is not None else header[c]
            records.append((year, ags, label, value))
    return records, problems, skipped


def read_official_projection(
    path: str | Path, *, sheet: str | None = None, data: bytes | None = None
) -> Projection:
    """Read an official municipal population projection (CSV or XLSX).

    Two layouts are understood; title rows above the header and footnote rows
    below the data are skipped (and listed in ``problems``):

    * **long** (GENESIS / Regionaldatenbank flat CSV): one row per municipality,
      year and age group, e.g. the columns ``Zeit`` (``31.12.2030`` or ``2030``),
      ``1_Auspraegung_Code`` (AGS), ``2_Auspraegung_Label`` (age group) and the value
      in the last column; semicolons, UTF-8 or Latin-1;
    * **wide** (a Land's table, often XLSX): ``AGS``, ``Jahr`` and one column per age
      group („unter 6 Jahre“, „6 bis unter 18 Jahre“, …, „Insgesamt“).

    ``data`` may hold the file's content (then ``path`` only names it in messages).
    Official age bands are summed into the region's groups (``pop_0_5 …``) when they
    nest in them. Quality marks: „-“ is 0, „.“, „x“, „/“ and „...“ are unknown (the
    age groups of that municipality and year are then unknown).

    Returns
    -------
    Projection
        ``population`` indexed by ``(year, ags)``; ``population`` column from
        „Insgesamt“ when given, else the sum of the age groups.

    Raises
    ------
    kulturplan.errors.ValidationError
        With German messages naming row and column for malformed cells, age bands that
        do not fit the region's groups, or a missing header.
    """
    name, cells, numbers = _raw_cells(path, sheet, data)
    at = _find_header(cells)
    if at is None:
        raise ValidationError(
            [Problem(name, "Keine Kopfzeile mit Jahr (z. B. „Zeit“, „Jahr“) und "
                     "Gemeindeschlüssel (z. B. „1_Auspraegung_Code“, „AGS“) gefunden.", row=1)],
            title="Die Vorausberechnung kann nicht gelesen werden",
        )
    header = [cell_text(c) for c in cells[at]]
    records, problems, skipped = _long_records(name, header, cells[at + 1:], numbers[at + 1:])
    frame = pd.DataFrame(records, columns=["year", "ags", "label", "value"])
    bands = {lab: _age_band_of(lab) for lab in frame["label"].unique()}
    group: dict[str, str | None] = {}
    for lab, band in bands.items():
        if band == "total":
            group[lab] = "population"
        elif band is None or isinstance(band, str):
            group[lab] = None
            problems.append(Problem(name, f"Altersgruppe „{lab}“ ist nicht lesbar (erwartet "
                                    "z. B. „6 bis unter 18 Jahre“).", column="Altersgruppe"))
        else:
            group[lab] = _target_group(band)
            if group[lab] is None:
                problems.append(Problem(
                    name, f"Altersgruppe „{lab}“ passt in keine Altersgruppe der Region ("
                    + ", ".join(catalog.AGE_GROUPS.values()) + ").", column="Altersgruppe"))
    if problems:
        raise ValidationError(problems, title=f"{name}: Die Vorausberechnung enthält Fehler")
    if frame.empty:
        raise InputFileError(f"{name}: Die Datei enthält keine Zeilen mit Gemeinden.")
    frame["group"] = frame["label"].map(group)
    dup = frame.duplicated(["year", "ags", "label"], keep="first")
    if dup.any():
        first = frame[dup].iloc[0]
        raise ValidationError(
            [Problem(name, f"Gemeinde {first['ags']}, Jahr {first['year']}, Altersgruppe "
                     f"„{first['label']}“ kommt doppelt vor.")],
            title=f"{name}: Die Vorausberechnung enthält Fehler",
        )
    # sum official bands into the region's groups; an unknown part makes the group unknown
    wide = frame.pivot_table(index=["year", "ags"], columns="group", values="value",
                             aggfunc=lambda v: v.sum(min_count=len(v)) if v.notna().all()
                             else np.nan, dropna=False)
    age_cols = [c for c in AGE_GROUP_IDS if c in wide.columns]
    out = pd.DataFrame(index=wide.index)
    if age_cols:
        if len(age_cols) < len(AGE_GROUP_IDS):
            raise ValidationError(
                [Problem(name, "Altersgruppen fehlen für: " + ", ".join(
                    catalog.AGE_GROUPS[c] for c in AGE_GROUP_IDS if c not in age_cols) + ".")],
                title=f"{name}: Die Vorausberechnung ist unvollständig",
            )
        out = wide[list(AGE_GROUP_IDS)].astype(float)
        total = out.sum(axis=1, min_count=len(AGE_GROUP_IDS))
    else:
        total = pd.Series(np.nan, index=wide.index)
    if "population" in wide.columns:
        total = wide["population"].astype(float).fillna(total)
    out = out.copy()
    out["population"] = total
    out = out.sort_index()
    out.columns.name = None
    return Projection(out, source=f"Amtliche Vorausberechnung ({name})", problems=tuple(skipped))


def prefer_official(own: Projection, official: Projection) -> Projection:
    """Combine two projections: official numbers win where they exist.

    For every ``(year, ags)`` row present in ``official`` with a known ``population``
    the official row replaces the own one; own rows are kept elsewhere.
    """
    off = official.population.dropna(subset=["population"])
    keep = own.population.drop(index=own.population.index.intersection(off.index))
    merged = pd.concat([keep, off.reindex(columns=own.population.columns)]).sort_index()
    return Projection(
        merged, own.components,
        source=f"{official.source}; sonst {own.source}",
        assumptions=own.assumptions,
        problems=official.problems,
    )
