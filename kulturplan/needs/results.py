"""Weighted survey results: shares and means with intervals, suppression, small areas.

Every estimate carries its number of respondents ``n``, Kish's effective sample
size ``n_eff = (Σw)²/Σw²`` within the group (Kish 1965, *Survey Sampling*, 11.7) and
a confidence interval that accounts for the weighting:

* shares: the Wilson (1927) score interval with ``n_eff`` in place of ``n``, as
  recommended for complex samples by Korn & Graubard (1998, *Survey Methodology*
  24(2)) and Dean & Pagano (2015, *Journal of Survey Statistics and Methodology* 3);
  it stays inside [0, 1] and behaves well for small shares;
* means: the linearisation (Taylor) variance of the weighted mean (ratio estimator)
  ``n/(n−1) · Σ w²(y − ȳ)² / (Σw)²`` (Wolter 2007, *Introduction to Variance
  Estimation*, ch. 6; what R ``survey::svymean`` gives for a with-replacement
  design) with a Student-t quantile on ``n − 1`` degrees of freedom.

Groups with fewer than ``min_n`` answers are suppressed: no estimate, and the
``note`` says why. Municipalities with few respondents get a small-area estimate
(:func:`small_area`): the direct value shrunk towards the Kreis value by an
empirical-Bayes (Fay & Herriot 1979) area-level model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kulturplan.errors import ParameterError
from kulturplan.needs.questionnaire import Codebook, standard_codebook

__all__ = [
    "MIN_N",
    "barrier_profile",
    "distribution",
    "mean",
    "share",
    "small_area",
    "sparte_table",
    "wilson_interval",
]

MIN_N = 30
"""Default minimum number of answers below which a group's result is suppressed."""

_COLUMNS = ["n", "n_eff", "weighted_n", "estimate", "ci_low", "ci_high", "suppressed", "note"]

By = str | Sequence[str] | None


def wilson_interval(p: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a share ``p`` from ``n`` (effective) observations.

    ``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`` (Wilson 1927); with the
    effective sample size for weighted data (Korn & Graubard 1998).
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    # exactly 0 at p = 0 and 1 at p = 1 (the formula gives ±5.6e-17 there by rounding)
    low = np.where(p <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p >= 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------
def _weights(data: pd.DataFrame, weights: Any) -> np.ndarray:
    """Weights as an array aligned to ``data`` (see the module functions)."""
    if weights is None:
        if "weight" in data.columns:
            w = pd.to_numeric(data["weight"], errors="coerce").to_numpy(dtype=float)
        else:
            return np.ones(len(data))
    elif isinstance(weights, str):
        if weights not in data.columns:
            raise ParameterError(f"Gewichtsspalte „{weights}“ fehlt in der Befragung.")
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    elif isinstance(weights, pd.Series):
        w = weights.reindex(data.index).to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
    if w.shape != (len(data),):
        raise ParameterError(
            f"Es gibt {w.size} Gewichte für {len(data)} Befragte; erwartet wird eines je Zeile."
        )
    if np.isnan(w).any() or (w < 0).any():
        raise ParameterError(
            f"{int(np.isnan(w).sum() + (w < 0).sum())} Gewichte fehlen oder sind negativ; "
            "bitte zuerst gewichten (needs.rake) oder die Gewichte prüfen."
        )
    return w


def _by_columns(data: pd.DataFrame, by: By) -> list[str]:
    cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ParameterError(
            f"Gruppierungsspalte „{missing[0]}“ fehlt in der Befragung; vorhanden: "
            + ", ".join(map(str, data.columns))
            + "."
        )
    return cols


def _positive(column: str, values: pd.Series, codebook: Codebook | None, positive: Any
              ) -> set[float]:
    """Answer values counted as "yes" for a share (see :func:`share`)."""
    if positive is not None:
        items: list[Any] = [positive] if np.isscalar(positive) else list(positive)
        return {float(v) for v in items}
    book = codebook or standard_codebook()
    try:
        item = book.item(column)
    except ParameterError:
        item = None
    if item is not None and item.type == "multi":
        return {1.0}
    if item is not None and item.type == "ordinal":
        return {float(c) for c in item.valid_codes[1:]}
    if item is not None and item.type == "likert" and item.scale is not None:
        return {float(item.scale[1] - 1), float(item.scale[1])}
    seen = set(pd.unique(values.dropna()))
    if seen <= {0, 1}:
        return {1.0}
    raise ParameterError(
        f"Für „{column}“ ist nicht klar, welche Antworten als „ja“ zählen; bitte "
        "„positive“ angeben, z. B. positive=(4, 5)."
    )


def _numeric(data: pd.DataFrame, column: str) -> pd.Series:
    if column not in data.columns:
        raise ParameterError(
            f"Spalte „{column}“ fehlt in der Befragung; vorhanden: "
            + ", ".join(map(str, data.columns))
            + "."
        )
    values = pd.to_numeric(data[column], errors="coerce")
    if values.notna().sum() < data[column].notna().sum():
        raise ParameterError(f"Spalte „{column}“ enthält Texte; erwartet werden Zahlencodes.")
    return values


def _groups(data: pd.DataFrame, cols: list[str], valid: np.ndarray
            ) -> tuple[np.ndarray, pd.Index]:
    """Group code of every row (−1: no answer or no group) and the sorted group index."""
    if not cols:
        codes = np.where(valid, 0, -1)
        return codes, pd.Index(["gesamt"], name="gruppe")
    if len(cols) == 1:
        codes, uniques = pd.factorize(data[cols[0]], sort=True)
        index = pd.Index(uniques, name=cols[0])
    else:
        frame = data[cols]
        complete = frame.notna().all(axis=1).to_numpy()
        codes = np.full(len(data), -1, dtype=np.int64)
        sub_codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame[complete]), sort=True)
        codes[complete] = sub_codes
        index = pd.MultiIndex.from_tuples(list(uniques), names=cols)
    codes = np.where(valid, codes, -1)
    return codes, index


def _sums(codes: np.ndarray, size: int, w: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    ok = codes >= 0
    c, wv, yv = codes[ok], w[ok], y[ok]
    return {
        "n": np.bincount(c, minlength=size),
        "w": np.bincount(c, weights=wv, minlength=size),
        "wy": np.bincount(c, weights=wv * yv, minlength=size),
        "w2": np.bincount(c, weights=wv * wv, minlength=size),
    }


def _answers(k: Any) -> str:
    """„1 Antwort“, „12 Antworten“."""
    k = int(k)
    return f"{k} Antwort" if k == 1 else f"{k} Antworten"


def _finish(
    frame: pd.DataFrame, min_n: int, levels: Sequence[Any] | None, index_names: list[str]
) -> pd.DataFrame:
    """Reindex to ``levels``, suppress small groups, order the columns."""
    if levels is not None:
        frame = frame.reindex(pd.Index(levels) if len(index_names) <= 1 else
                              pd.MultiIndex.from_tuples(list(levels)))
        frame["n"] = frame["n"].fillna(0).astype(int)
        frame["weighted_n"] = frame["weighted_n"].fillna(0.0)
        frame["n_eff"] = frame["n_eff"].fillna(0.0)
    frame.index = frame.index.set_names(index_names or ["gruppe"])
    frame["n"] = frame["n"].astype(int)
    small = frame["n"].to_numpy() < min_n
    frame["suppressed"] = small
    frame.loc[small, ["estimate", "ci_low", "ci_high"]] = np.nan
    frame["note"] = np.where(
        small,
        [f"nicht ausgewiesen: nur {_answers(k)} (mindestens {min_n})" for k in frame["n"]],
        "",
    )
    return frame[_COLUMNS]


# --------------------------------------------------------------------------------------
# shares and means
# --------------------------------------------------------------------------------------
def share(
    data: pd.DataFrame,
    column: str,
    weights: Any = None,
    *,
    by: By = None,
    positive: Any = None,
    min_n: int = MIN_N,
    level: float = 0.95,
    levels: Sequence[Any] | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Weighted share of respondents giving a "positive" answer, per group.

    Parameters
    ----------
    data
        Survey answers (columns as in the codebook).
    column
        The item, e.g. ``"zufriedenheit_wohnort_bibliothek"`` or ``"barriere_preis"``.
    weights
        Series aligned to ``data``, array, or column name; default the column
        ``weight`` if present, else equal weights.
    by
        Column(s) to group by, e.g. ``"ags"`` or ``["ags", "age_group"]``; ``None``
        gives one row ``gesamt``.
    positive
        Answer value(s) counted as "yes". Default from the codebook: 1 for a
        multi-select option, every code but the lowest for an ordinal item
        (``besuche_*`` ≥ 1: used at least once), the top two of a scale (4 and 5:
        satisfied / interested).
    min_n
        Groups with fewer answers are suppressed (``suppressed``, ``note``).
    level
        Confidence level of the Wilson interval (computed with ``n_eff``).
    levels
        Groups to show even without answers (e.g. all municipalities of the region).
    codebook
        Codebook for the default of ``positive`` (standard questionnaire if ``None``).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n`` (answers), ``n_eff``, ``weighted_n``, ``estimate``
        (0–1), ``ci_low``, ``ci_high``, ``suppressed``, ``note``. Respondents without
        an answer (NaN) are left out of the group's base, respondents without a value
        in a ``by`` column out of every group (they still count in the total row of a
        call without ``by``).
    """
    values = _numeric(data, column)
    w = _weights(data, weights)
    cols = _by_columns(data, by)
    yes = _positive(column, values, codebook, positive)
    valid = values.notna().to_numpy()
    y = values.isin(list(yes)).to_numpy(dtype=float)
    codes, index = _groups(data, cols, valid)
    sums = _sums(codes, len(index), w, y)
    out = pd.DataFrame(index=index)
    out["n"] = sums["n"]
    out["weighted_n"] = sums["w"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["n_eff"] = sums["w"] ** 2 / sums["w2"]
        out["estimate"] = sums["wy"] / sums["w"]
    low, high = wilson_interval(out["estimate"], out["n_eff"], level)
    out["ci_low"], out["ci_high"] = low, high
    return _finish(out, min_n, levels, cols)


def mean(
    data: pd.DataFrame,
    column: str,
    weights: Any = None,
    *,
    by: By = None,
    min_n: int = MIN_N,
    level: float = 0.95,
    levels: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Weighted mean of a numeric item (e.g. a 1–5 scale) per group.

    The interval is ``ȳ ± t(n−1) · SE`` with the linearisation variance
    ``SE² = n/(n−1) · Σ w²(y − ȳ)² / (Σw)²`` (Wolter 2007, ch. 6). Parameters and
    columns as in :func:`share`.
    """
    values = _numeric(data, column)
    w = _weights(data, weights)
    cols = _by_columns(data, by)
    valid = values.notna().to_numpy()
    y = np.nan_to_num(values.to_numpy(dtype=float))
    codes, index = _groups(data, cols, valid)
    sums = _sums(codes, len(index), w, y)
    n = sums["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        group_mean = sums["wy"] / sums["w"]
        ok = codes >= 0
        resid = w[ok] ** 2 * (y[ok] - group_mean[codes[ok]]) ** 2
        r2 = np.bincount(codes[ok], weights=resid, minlength=len(index))
        se = np.sqrt(n / (n - 1) * r2 / sums["w"] ** 2)
        n_eff = sums["w"] ** 2 / sums["w2"]
    t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    out = pd.DataFrame(index=index)
    out["n"] = n
    out["weighted_n"] = sums["w"]
    out["n_eff"] = n_eff
    out["estimate"] = group_mean
    out["ci_low"] = group_mean - t * se
    out["ci_high"] = group_mean + t * se
    return _finish(out, min_n, levels, cols)


def _stacked(key: str, blocks: list[tuple[Any, str, pd.DataFrame]]) -> pd.DataFrame:
    """Share tables of several answers/columns one below the other (long table).

    Each block is ``(key value, label, share table)``; the result keeps the index of the
    share tables (the groups), sorted stably, with ``key`` and ``label`` as first columns.
    """
    parts = []
    for value, label, part in blocks:
        part.insert(0, "label", label)
        part.insert(0, key, value)
        parts.append(part)
    return pd.concat(parts).sort_index(kind="stable")


def distribution(
    data: pd.DataFrame,
    column: str,
    weights: Any = None,
    *,
    by: By = None,
    min_n: int = MIN_N,
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Weighted share of every answer of an item (long table with ``value`` and ``label``)."""
    values = _numeric(data, column)
    book = codebook or standard_codebook()
    try:
        labels = book.item(column).labels()
    except ParameterError:
        labels = {}
    answers = sorted(set(labels) | set(pd.unique(values.dropna())))
    return _stacked("value", [
        (value, labels.get(value, str(value)),
         share(data, column, weights, by=by, positive=value, min_n=min_n, level=level))
        for value in answers
    ])


# --------------------------------------------------------------------------------------
# tables by Sparte and barrier profiles
# --------------------------------------------------------------------------------------
def sparte_table(
    data: pd.DataFrame,
    weights: Any = None,
    *,
    item: str = "besuche",
    by: By = "ags",
    positive: Any = None,
    min_n: int = MIN_N,
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Shares of one question asked per Sparte (e.g. ``besuche``: used in 12 months), by group.

    Returns
    -------
    pandas.DataFrame
        Long table indexed by ``by`` with columns ``sparte`` (category id), ``label``
        and those of :func:`share`.
    """
    book = codebook or standard_codebook()
    columns = [(sparte, f"{item}_{sparte}") for sparte in book.sparten
               if f"{item}_{sparte}" in data.columns]
    if not columns:
        raise ParameterError(
            f"Die Befragung hat keine Spalten „{item}_<sparte>“ für die Sparten "
            + ", ".join(book.sparten)
            + "."
        )
    return _stacked("sparte", [
        (sparte, book.item(column).label,
         share(data, column, weights, by=by, positive=positive, min_n=min_n, level=level,
               codebook=book))
        for sparte, column in columns
    ])


def barrier_profile(
    data: pd.DataFrame,
    weights: Any = None,
    *,
    by: By = "age_group",
    item: str = "barriere",
    min_n: int = MIN_N,
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Share of respondents citing each barrier (multi-select ``item``), by group.

    The base is the respondents who answered the question (at least one option
    filled); each share is estimated as in :func:`share`.

    Returns
    -------
    pandas.DataFrame
        Long table indexed by ``by`` with columns ``option``, ``label`` and those of
        :func:`share`.
    """
    book = codebook or standard_codebook()
    question = book.item(item)
    if question.type != "multi":
        raise ParameterError(f"„{item}“ ist keine Mehrfachauswahl.")
    options = [(option, label) for option, label in question.options.items()
               if f"{item}_{option}" in data.columns]
    if not options:
        raise ParameterError(f"Die Befragung hat keine Spalten „{item}_…“.")
    return _stacked("option", [
        (option, label,
         share(data, f"{item}_{option}", weights, by=by, positive=1, min_n=min_n, level=level))
        for option, label in options
    ])


# --------------------------------------------------------------------------------------
# small areas
# --------------------------------------------------------------------------------------
def small_area(
    data: pd.DataFrame,
    column: str,
    weights: Any = None,
    *,
    by: str = "ags",
    positive: Any = None,
    min_n: int = MIN_N,
    level: float = 0.95,
    levels: Sequence[Any] | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Shares per municipality shrunk towards the Kreis value (empirical Bayes).

    Area-level model in the spirit of Fay & Herriot (1979): the direct estimate
    ``p̂ᵢ = θᵢ + eᵢ`` with sampling variance ``ψᵢ = p̂(1 − p̂) / n_eff,ᵢ`` (``p̂`` the
    Kreis share, which smooths the variances of small areas) and ``θᵢ = μ + vᵢ``
    with ``μ`` the weighted Kreis share and ``Var(vᵢ) = A``. ``A`` is estimated by
    moments, ``Â = max(0, mean((p̂ᵢ − μ)² − ψᵢ))`` (Prasad & Rao 1990 with ``μ``
    fixed). The estimate is ``(1 − Bᵢ)·p̂ᵢ + Bᵢ·μ`` with shrinkage ``Bᵢ = ψᵢ/(ψᵢ + Â)``
    and interval ``± z·√((1 − Bᵢ)ψᵢ)``; this leading term of the mean squared error
    ignores the uncertainty of ``Â`` and ``μ`` (Rao & Molina 2015, *Small Area
    Estimation*, 6.2), so the interval is slightly too narrow when there are few
    municipalities. Municipalities without answers get the Kreis value (``B = 1``).

    Returns
    -------
    pandas.DataFrame
        One row per municipality: ``n``, ``n_eff``, ``raw`` (direct estimate, also
        below ``min_n``), ``raw_ci_low``, ``raw_ci_high``, ``raw_suppressed``
        (``n < min_n``: show the model value, not the raw one), ``kreis`` (μ),
        ``shrinkage`` (B), ``estimate``, ``ci_low``, ``ci_high``, ``note``.
    """
    direct = share(data, column, weights, by=by, positive=positive, min_n=0, level=level,
                   levels=levels, codebook=codebook)
    overall = share(data, column, weights, positive=positive, min_n=0, level=level,
                    codebook=codebook).iloc[0]
    mu = float(overall["estimate"])
    z = stats.norm.ppf(0.5 + level / 2)
    n_eff = direct["n_eff"].to_numpy(dtype=float)
    raw = direct["estimate"].to_numpy(dtype=float)
    has = n_eff > 0
    psi = np.full(len(raw), np.inf)
    psi[has] = mu * (1 - mu) / n_eff[has]
    a_hat = max(0.0, float(np.mean((raw[has] - mu) ** 2 - psi[has]))) if has.any() else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(has, psi / (psi + a_hat), 1.0) if a_hat > 0 else np.ones(len(raw))
        b = np.where(np.isfinite(b), b, 1.0)
    estimate = np.where(has, (1 - b) * np.nan_to_num(raw) + b * mu, mu)
    mse = (1 - b) * np.where(has, psi, 0.0)
    mse[~has] = mu * (1 - mu) / max(float(overall["n_eff"]), 1.0)
    small = direct["n"].to_numpy() < min_n
    out = pd.DataFrame(
        {
            "n": direct["n"],
            "n_eff": direct["n_eff"],
            "raw": raw,
            "raw_ci_low": direct["ci_low"],
            "raw_ci_high": direct["ci_high"],
            "raw_suppressed": small,
            "kreis": mu,
            "shrinkage": b,
            "estimate": estimate,
            "ci_low": np.clip(estimate - z * np.sqrt(mse), 0, 1),
            "ci_high": np.clip(estimate + z * np.sqrt(mse), 0, 1),
        },
        index=direct.index,
    )
    out["note"] = np.where(
        small,
        [f"Modellschätzung: nur {_answers(k)}, zum Kreiswert hin gezogen" for k in out["n"]],
        "",
    )
    out.attrs["A"] = a_hat
    return out
