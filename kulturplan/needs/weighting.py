"""Weighting a survey to the population by raking (iterative proportional fitting).

Raking adjusts the weights of the respondents until the weighted sample reproduces
known population totals on several variables at once (here municipality, age
group and sex from the municipal register), without needing their joint
distribution (Deming & Stephan 1940; Deville, Särndal & Sautory 1993). The
implementation works on integer group codes (``pandas`` index look-ups) and
``numpy.bincount``, so one pass over 100 000 respondents takes milliseconds.
Optional trimming bounds limit the ratio of the final to the design weight, as in
Kolenikov's ``ipfraking`` (Stata Journal 14(1), 2014) and R ``survey::rake`` /
``trimWeights`` (Lumley 2010).

The variability of the weights lowers the precision of every estimate: Kish's
design effect ``n·Σw²/(Σw)²`` and the effective sample size ``n / deff`` (Kish
1965, *Survey Sampling*, sec. 11.7) are part of every result.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kulturplan.errors import ParameterError

__all__ = [
    "AGE_GROUP_COLUMNS",
    "SEX_COLUMNS",
    "Margins",
    "RakeResult",
    "design_effect",
    "effective_n",
    "population_margins",
    "rake",
    "weight_survey",
]

AGE_GROUP_COLUMNS: dict[str, str] = {
    "18_29": "pop_18_29",
    "30_64": "pop_30_64",
    "65_plus": "pop_65_plus",
}
"""Survey age group (value of ``age_group``) → column of the municipalities table."""

SEX_COLUMNS: dict[str, str] = {"w": "pop_female", "m": "pop_male"}
"""Survey sex (value of ``sex``) → column of the municipalities table (all ages)."""

MarginKey = Hashable  # a column name or a tuple of column names


def design_effect(weights: Any) -> float:
    """Kish's design effect due to unequal weights, ``n·Σw²/(Σw)²`` (Kish 1965, 11.7)."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if len(w) == 0 or total <= 0:
        return float("nan")
    return float(len(w) * np.dot(w, w) / total**2)


def effective_n(weights: Any) -> float:
    """Kish's effective sample size ``(Σw)²/Σw²`` (Kish 1965, 11.7)."""
    w = np.asarray(weights, dtype=float)
    square = np.dot(w, w)
    return float(w.sum() ** 2 / square) if square > 0 else 0.0


def _margin_name(key: MarginKey) -> str:
    return " × ".join(map(str, key)) if isinstance(key, tuple) else str(key)


@dataclass(frozen=True)
class RakeResult:
    """Result of :func:`rake`.

    Attributes
    ----------
    weights
        Final weights, indexed like the sample; they sum to the population total.
    converged
        Whether every margin is reproduced within ``tol`` (and the bounds hold).
    iterations
        Number of full raking cycles run.
    max_margin_error
        Largest relative difference ``|weighted − target| / target`` over all margin
        levels with respondents, after the last cycle.
    design_effect
        Kish's design effect ``n·Σw²/(Σw)²`` of the final weights.
    effective_n
        Kish's effective sample size ``n / design_effect``.
    n
        Number of respondents.
    margins_table
        One row per margin level: ``margin``, ``level``, ``target`` (population),
        ``fitted_target`` (target the raking aimed at, see the problems), ``respondents``,
        ``weighted`` and ``error`` (relative).
    problems
        German notes on what prevented an exact fit or was left out: levels with
        population but without respondents, respondents in levels without population,
        respondents not raked on a margin (missing value), empty cells of two margins.
    """

    weights: pd.Series
    converged: bool
    iterations: int
    max_margin_error: float
    design_effect: float
    effective_n: float
    n: int
    margins_table: pd.DataFrame
    problems: tuple[str, ...] = ()


class Margins(dict[Hashable, pd.Series]):
    """Population margins for :func:`rake`: ``{column or tuple of columns: totals}``.

    A plain ``dict`` with ``notes``: German remarks on how the margins were built
    (e.g. which column was missing in the region).
    """

    def __init__(self, *args: Any, notes: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: tuple[str, ...] = tuple(notes)


# --------------------------------------------------------------------------------------
# preparing the margins
# --------------------------------------------------------------------------------------
@dataclass
class _Margin:
    name: str
    levels: pd.Index
    target: np.ndarray  # population per level
    codes: np.ndarray  # level position per row, -1 = not raked on this margin
    respondents: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fit: np.ndarray = field(default_factory=lambda: np.zeros(0))  # levels that are fitted
    ok: np.ndarray | None = None  # rows raked on this margin; None = all rows

    def __post_init__(self) -> None:
        outside = self.codes < 0
        self.ok = ~outside if outside.any() else None


def _codes_of(sample: pd.DataFrame, key: MarginKey, target: pd.Series) -> np.ndarray:
    columns = list(key) if isinstance(key, tuple) else [key]
    missing = [c for c in columns if c not in sample.columns]
    if missing:
        raise ParameterError(
            f"Die Stichprobe hat keine Spalte „{missing[0]}“ für die Randverteilung "
            f"„{_margin_name(key)}“; vorhanden: {', '.join(map(str, sample.columns))}."
        )
    if len(columns) == 1:
        values = sample[columns[0]]
        absent = values.isna().to_numpy()
        codes = pd.Index(target.index).get_indexer(values)
    else:
        if not isinstance(target.index, pd.MultiIndex) or target.index.nlevels != len(columns):
            raise ParameterError(
                f"Die Randverteilung „{_margin_name(key)}“ braucht einen Index mit "
                f"{len(columns)} Ebenen ({', '.join(map(str, columns))})."
            )
        frame = sample[columns]
        absent = frame.isna().any(axis=1).to_numpy()
        codes = target.index.get_indexer(pd.MultiIndex.from_frame(frame))
    unknown = (codes < 0) & ~absent
    if unknown.any():
        if len(columns) == 1:
            bad = pd.unique(sample[columns[0]].to_numpy()[unknown])
        else:
            bad = pd.unique(pd.Series(list(map(tuple, frame.to_numpy()[unknown]))))
        shown = ", ".join(f"„{v}“" for v in list(bad)[:5])
        raise ParameterError(
            f"Werte der Stichprobe fehlen in der Randverteilung „{_margin_name(key)}“: "
            f"{shown} ({int(unknown.sum())} Befragte). Bitte die Werte angleichen oder "
            "als fehlend (NaN) kennzeichnen, dann wird auf diesem Merkmal nicht gewichtet."
        )
    codes = codes.astype(np.int64)
    codes[absent] = -1
    return codes


def _prepare(
    sample: pd.DataFrame, margins: Mapping[MarginKey, pd.Series]
) -> list[_Margin]:
    if not isinstance(sample, pd.DataFrame):
        raise ParameterError("„sample“ muss eine Tabelle (pandas.DataFrame) sein.")
    if not margins:
        raise ParameterError("Es wurde keine Randverteilung („margins“) angegeben.")
    if len(sample) == 0:
        raise ParameterError("Die Stichprobe ist leer; es gibt nichts zu gewichten.")
    out = []
    for key, target in margins.items():
        if not isinstance(target, pd.Series):
            target = pd.Series(target)
        if target.index.has_duplicates:
            dup = target.index[target.index.duplicated()][0]
            raise ParameterError(
                f"Die Randverteilung „{_margin_name(key)}“ nennt die Ebene „{dup}“ doppelt."
            )
        values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(values)) or (values < 0).any():
            raise ParameterError(
                f"Die Randverteilung „{_margin_name(key)}“ enthält fehlende, unendliche oder "
                "negative Zahlen; erwartet werden Einwohnerzahlen ≥ 0."
            )
        codes = _codes_of(sample, key, target)
        m = _Margin(_margin_name(key), pd.Index(target.index), values, codes)
        m.respondents = np.bincount(codes[codes >= 0], minlength=len(values))
        out.append(m)
    return out


def _check_levels(margins: list[_Margin]) -> list[str]:
    """Find levels that cannot be fitted; rescale the remaining targets. Returns notes."""
    notes: list[str] = []
    for m in margins:
        empty = (m.respondents == 0) & (m.target > 0)
        m.fit = m.respondents > 0
        if empty.any():
            lost = m.target[empty].sum()
            shown = ", ".join(map(str, m.levels[empty][:10]))
            more = f" und {int(empty.sum()) - 10} weitere" if empty.sum() > 10 else ""
            notes.append(
                f"Randverteilung „{m.name}“: {int(empty.sum())} Ebene(n) mit Bevölkerung, aber "
                f"ohne Befragte ({shown}{more}); sie können nicht getroffen werden. Ihre "
                f"{lost:,.0f} Personen werden anteilig auf die übrigen Ebenen verteilt."
            )
            kept = m.target[m.fit].sum()
            if kept > 0:
                m.target = np.where(m.fit, m.target * (m.target.sum() / kept), 0.0)
        zero = (m.respondents > 0) & (m.target == 0)
        if zero.any():
            notes.append(
                f"Randverteilung „{m.name}“: {int(m.respondents[zero].sum())} Befragte in "
                f"Ebene(n) ohne Bevölkerung ({', '.join(map(str, m.levels[zero][:10]))}); "
                "sie erhalten das Gewicht 0."
            )
        absent = int((m.codes < 0).sum())
        if absent:
            notes.append(
                f"Randverteilung „{m.name}“: {absent} Befragte ohne (passende) Angabe werden "
                "auf diesem Merkmal nicht gewichtet; die Zielwerte der übrigen Befragten "
                "werden um ihr Gewicht verkleinert."
            )
    return notes


def _check_totals(margins: list[_Margin]) -> float:
    totals = np.array([m.target.sum() for m in margins])
    if totals.max() <= 0:
        raise ParameterError("Alle Randverteilungen haben die Summe 0.")
    if totals.max() - totals.min() > 1e-9 * totals.max():
        shown = "; ".join(
            f"„{m.name}“: {t:,.2f}" for m, t in zip(margins, totals, strict=True)
        )
        raise ParameterError(
            "Die Randverteilungen haben verschiedene Summen, so kann keine Gewichtung "
            f"alle zugleich treffen: {shown}. Alle müssen dieselbe Bevölkerung beschreiben."
        )
    return float(totals.mean())


def _empty_cells(margins: list[_Margin]) -> list[str]:
    """Notes on level combinations of two margins that have no respondent."""
    notes = []
    for i, a in enumerate(margins):
        for b in margins[i + 1 :]:
            ok = (a.codes >= 0) & (b.codes >= 0)
            na, nb = len(a.levels), len(b.levels)
            if na * nb > 1_000_000:
                continue
            seen = np.bincount(a.codes[ok] * nb + b.codes[ok], minlength=na * nb) > 0
            wanted = np.outer(a.target > 0, b.target > 0).ravel()
            empty = np.flatnonzero(wanted & ~seen)
            if len(empty):
                shown = ", ".join(
                    f"{a.levels[k // nb]} / {b.levels[k % nb]}" for k in empty[:5]
                )
                notes.append(
                    f"{len(empty)} von {int(wanted.sum())} Zellen „{a.name} × {b.name}“ "
                    f"haben keine Befragten (z. B. {shown}); die Gewichtung trifft nur die "
                    "Randsummen, nicht diese Zellen."
                )
    return notes


# --------------------------------------------------------------------------------------
# the algorithm
# --------------------------------------------------------------------------------------
def _targets_now(m: _Margin, w: np.ndarray, total: float) -> np.ndarray:
    """Targets of the raked rows of ``m``: shrunk by the weight of the rows not raked on it."""
    if m.ok is None:
        return m.target
    outside = w[~m.ok].sum()
    return m.target * ((total - outside) / total)


def _level_sums(m: _Margin, w: np.ndarray) -> np.ndarray:
    if m.ok is None:
        return np.bincount(m.codes, weights=w, minlength=len(m.target))
    return np.bincount(m.codes[m.ok], weights=w[m.ok], minlength=len(m.target))


def _errors(m: _Margin, w: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
    sums = _level_sums(m, w)
    target = _targets_now(m, w, total)
    err = np.abs(sums - target) / np.where(target > 0, target, 1.0)
    return sums, np.where(m.fit, err, 0.0)


def _cycle(margins: list[_Margin], w: np.ndarray, total: float) -> float:
    """One raking cycle over all margins; returns the largest error seen before each step."""
    worst = 0.0
    for m in margins:
        sums = _level_sums(m, w)
        target = _targets_now(m, w, total)
        err = np.abs(sums - target) / np.where(target > 0, target, 1.0)
        worst = max(worst, float(err[m.fit].max(initial=0.0)))
        factor = np.divide(target, sums, out=np.ones_like(sums), where=sums > 0)
        factor[~m.fit] = 1.0
        if m.ok is None:
            w *= factor[m.codes]
        else:
            w[m.ok] *= factor[m.codes[m.ok]]
    return worst


def _trim(w: np.ndarray, design: np.ndarray, bounds: tuple[float, float]) -> bool:
    """Clip the ratios ``w / design`` to ``bounds``; returns whether anything was clipped."""
    low, high = bounds
    ratio = np.divide(w, design, out=np.ones_like(w), where=design > 0)
    clipped = (ratio < low) | (ratio > high)
    if clipped.any():
        w[:] = design * np.clip(ratio, low, high)
    return bool(clipped.any())


def _design(sample: pd.DataFrame, weights: Any) -> np.ndarray:
    if weights is None:
        return np.ones(len(sample))
    if isinstance(weights, pd.Series):
        d = weights.reindex(sample.index)
        if d.isna().any():
            raise ParameterError(
                "Die Designgewichte passen nicht zum Index der Stichprobe "
                f"({int(d.isna().sum())} Befragte ohne Gewicht)."
            )
        design = d.to_numpy(dtype=float)
    else:
        design = np.asarray(weights, dtype=float)
    if design.shape != (len(sample),):
        raise ParameterError(
            f"Es gibt {design.size} Designgewichte für {len(sample)} Befragte; erwartet wird "
            "ein Gewicht je Befragter/m."
        )
    if not np.all(np.isfinite(design)) or (design <= 0).any():
        raise ParameterError("Designgewichte müssen endliche Zahlen größer als 0 sein.")
    return design


def _check_bounds(bounds: tuple[float, float] | None) -> tuple[float, float] | None:
    if bounds is None:
        return None
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ParameterError(
            "„bounds“ erwartet zwei Zahlen (untere, obere Grenze des Gewichtsfaktors), "
            "z. B. (0.3, 3.0)."
        ) from None
    if not (0 <= low <= 1 <= high) or not np.isfinite(high):
        raise ParameterError(
            f"„bounds“ = ({low}, {high}) ist unbrauchbar: erwartet 0 ≤ untere ≤ 1 ≤ obere "
            "Grenze (endlich)."
        )
    return low, high


def _table(margins: list[_Margin], original: list[np.ndarray], w: np.ndarray, total: float
           ) -> pd.DataFrame:
    parts = []
    for m, target in zip(margins, original, strict=True):
        sums, err = _errors(m, w, total)
        parts.append(
            pd.DataFrame(
                {
                    "margin": m.name,
                    "level": list(m.levels),
                    "target": target,
                    "fitted_target": _targets_now(m, w, total),
                    "respondents": m.respondents,
                    "weighted": sums,
                    "error": err,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def rake(
    sample: pd.DataFrame,
    margins: Mapping[MarginKey, pd.Series],
    *,
    weights: Any = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    bounds: tuple[float, float] | None = None,
) -> RakeResult:
    """Rake ``sample`` to population ``margins`` by iterative proportional fitting.

    Each cycle multiplies the weights of the respondents in every level of each
    margin in turn by ``target / weighted sum`` (Deming & Stephan 1940). The result
    minimises the raking (multiplicative) distance to the design weights under the
    margin constraints (Deville, Särndal & Sautory 1993).

    Parameters
    ----------
    sample
        Respondents, one row each, with the margin columns.
    margins
        ``{column: totals}`` with totals a Series indexed by the levels of the column;
        a tuple of columns with a MultiIndexed Series gives a joint margin (e.g.
        municipality × age group). All margins must have the same sum (the population).
        A missing value (NaN) in a margin column means "not raked on this margin": the
        respondent keeps factor 1 there, and that margin's targets shrink by the weight
        of such respondents.
    weights
        Design weights (Series aligned to ``sample.index`` or array), default 1.
    tol
        Stop when every margin level is within this relative error.
    max_iter
        Largest number of cycles.
    bounds
        ``(low, high)``: after each cycle, the ratio final / design weight is clipped
        to this range (trimming as in ``ipfraking``'s ``trimhirel``/``trimlorel``).

    Returns
    -------
    RakeResult
        Weights summing to the population, convergence, design effect and notes.

    Raises
    ------
    kulturplan.errors.ParameterError
        For margins with different totals, sample values missing from a margin,
        negative targets, unusable design weights or bounds.
    """
    if tol <= 0 or int(max_iter) < 1:
        raise ParameterError("„tol“ muss größer als 0 und „max_iter“ mindestens 1 sein.")
    bounds = _check_bounds(bounds)
    prepared = _prepare(sample, margins)
    design = _design(sample, weights)
    original = [m.target.copy() for m in prepared]
    problems = _check_levels(prepared)
    total = _check_totals(prepared)
    problems += _empty_cells(prepared)
    w = design * (total / design.sum())
    converged = False
    iterations = 0
    for iterations in range(1, int(max_iter) + 1):  # noqa: B007 - the count is reported
        worst = _cycle(prepared, w, total)
        if bounds is not None and _trim(w, design * (total / design.sum()), bounds):
            worst = max(float(_errors(m, w, total)[1].max(initial=0.0)) for m in prepared)
        if worst <= tol:
            converged = True
            break
    table = _table(prepared, original, w, total)
    max_error = float(table["error"].max()) if len(table) else 0.0
    if not converged:
        problems.append(
            f"Die Gewichtung ist nach {iterations} Durchläufen nicht konvergiert (größte "
            f"Abweichung {max_error:.2%}); "
            + ("die Grenzen „bounds“ sind vermutlich zu eng." if bounds else
               "bitte Randverteilungen und leere Zellen prüfen.")
        )
    return RakeResult(
        weights=pd.Series(w, index=sample.index, name="weight"),
        converged=converged,
        iterations=iterations,
        max_margin_error=max_error,
        design_effect=design_effect(w),
        effective_n=effective_n(w),
        n=len(sample),
        margins_table=table,
        problems=tuple(problems),
    )


# --------------------------------------------------------------------------------------
# margins from the region
# --------------------------------------------------------------------------------------
def _adult_ages(muni: pd.DataFrame) -> pd.DataFrame | None:
    """Adults per municipality × age group (columns = survey values), if the region has them."""
    cols = list(AGE_GROUP_COLUMNS.values())
    if not all(c in muni.columns for c in cols):
        return None
    frame = muni[cols].astype(float)
    frame.columns = list(AGE_GROUP_COLUMNS)
    return frame


def _population_cube(muni: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Target population as a long Series indexed by (ags[, age_group][, sex]) + notes."""
    notes: list[str] = []
    ages = _adult_ages(muni)
    has_sex = all(c in muni.columns for c in SEX_COLUMNS.values())
    if ages is None:
        notes.append(
            "Die Gemeindetabelle hat keine Altersgruppen ("
            + ", ".join(AGE_GROUP_COLUMNS.values())
            + "); die Randverteilung nach Alter entfällt, Zielgröße ist die Gesamtbevölkerung."
        )
        base = pd.DataFrame({"alle": muni["population"].astype(float)})
    else:
        base = ages
    if not has_sex:
        notes.append(
            "Die Gemeindetabelle hat keine Spalten "
            + " / ".join(SEX_COLUMNS.values())
            + "; die Randverteilung nach Geschlecht entfällt."
        )
        long = base.stack(future_stack=True)
        long.index = long.index.set_names(["ags", "age_group"])
        return long, notes
    detailed = {
        (age, sex): f"{AGE_GROUP_COLUMNS[age]}_{col[4:]}"
        for age in base.columns if age in AGE_GROUP_COLUMNS
        for sex, col in SEX_COLUMNS.items()
    }
    if detailed and all(c in muni.columns for c in detailed.values()):
        cube = pd.DataFrame({k: muni[c].astype(float) for k, c in detailed.items()})
    else:
        pop = muni["population"].astype(float).to_numpy()
        female = muni[SEX_COLUMNS["w"]].astype(float).to_numpy()
        male = muni[SEX_COLUMNS["m"]].astype(float).to_numpy()
        both = female + male
        share_w = np.divide(female, both, out=np.full(len(pop), 0.5), where=both > 0)
        cube = pd.DataFrame(
            {
                (age, sex): base[age] * (share_w if sex == "w" else 1.0 - share_w)
                for age in base.columns
                for sex in SEX_COLUMNS
            }
        )
        notes.append(
            "Geschlecht je Altersgruppe ist nicht bekannt: die Personen jeder Gemeinde werden "
            "im Verhältnis pop_female : pop_male der Gesamtbevölkerung aufgeteilt."
        )
    cube.columns = pd.MultiIndex.from_tuples(list(cube.columns), names=["age_group", "sex"])
    long = cube.stack([0, 1], future_stack=True)
    long.index = long.index.set_names(["ags", "age_group", "sex"])
    return long, notes


def population_margins(
    region: Any, by: Sequence[str | tuple[str, ...]] = ("ags", "age_group", "sex")
) -> Margins:
    """Population totals of adults (18+) for :func:`rake` from the region's municipalities.

    Parameters
    ----------
    region
        A :class:`kulturplan.Region`; its municipalities table gives the age groups
        (``pop_18_29``, ``pop_30_64``, ``pop_65_plus`` ↔ survey values ``18_29``,
        ``30_64``, ``65_plus``) and sex (``pop_female``, ``pop_male`` for all ages, or
        ``pop_18_29_female`` … by age ↔ survey values ``w``, ``m``). Without age
        columns the target population is ``population``.
    by
        Margins to build: ``"ags"``, ``"age_group"``, ``"sex"`` or tuples of them for
        joint margins, e.g. ``(("ags", "age_group"), "sex")``.

    Returns
    -------
    Margins
        ``{key: Series of totals}``; margins the region cannot give are left out and
        named in ``notes``.
    """
    cube, notes = _population_cube(region.municipalities)
    available = set(cube.index.names)
    if "age_group" in available and cube.index.get_level_values("age_group")[0] == "alle":
        available.discard("age_group")
    margins = Margins()
    for key in by:
        dims = tuple(key) if isinstance(key, (tuple, list)) else (key,)
        bad = [d for d in dims if d not in {"ags", "age_group", "sex"}]
        if bad:
            raise ParameterError(
                f"Unbekanntes Merkmal „{bad[0]}“ in „by“; erlaubt: ags, age_group, sex."
            )
        if not set(dims) <= available:
            continue
        totals = cube.groupby(level=list(dims)).sum()
        totals.name = "population"
        margins[dims if len(dims) > 1 else dims[0]] = totals
    margins.notes = tuple(notes)
    return margins


def weight_survey(
    survey: pd.DataFrame,
    region: Any,
    *,
    by: Sequence[str | tuple[str, ...]] = ("ags", "age_group", "sex"),
    bounds: tuple[float, float] | None = None,
    **kwargs: Any,
) -> RakeResult:
    """Rake a survey (columns as in the standard questionnaire) to the region's adults.

    Respondents with sex ``"d"`` (divers) or without an answer are not raked on sex
    (the register knows only female/male); respondents without age group are not
    raked on age. ``survey["weight"]`` is *not* used as design weight unless passed
    as ``weights=``.

    Parameters
    ----------
    survey
        Respondents with ``ags``, ``age_group`` and ``sex``.
    region
        The region giving the population (see :func:`population_margins`).
    by, bounds, kwargs
        Passed to :func:`population_margins` and :func:`rake`.
    """
    margins = population_margins(region, by=by)
    sample = survey.copy()
    if "sex" in sample.columns:
        sample["sex"] = sample["sex"].where(sample["sex"].isin(list(SEX_COLUMNS)))
    result = rake(sample, margins, bounds=bounds, **kwargs)
    if margins.notes:
        result = replace(result, problems=tuple(margins.notes) + result.problems)
    return result
