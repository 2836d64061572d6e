"""The composite "Kulturversorgungsindex": a weighted mean of normalised indicators.

Formula
-------
For the selected indicators ``i`` with weights ``w_i >= 0`` (not all 0; equal
weights by default) each indicator column ``x_i`` is first normalised over the
municipalities that have a value, so that **higher is always better**:

``zscore`` (default)
    ``s = (x - mean(x)) / sd(x)`` with the population standard deviation
    (``ddof=0``); ``s = -s`` when lower values are better. A constant column gives 0.
    Unchanged when ``x`` is shifted by a constant or multiplied by a positive factor.
``minmax``
    ``s = (x - min) / (max - min)``, or ``(max - x) / (max - min)`` when lower is
    better; ``0 <= s <= 1``. A constant column gives 0.5.
``rank``
    ``s = (r - 1) / (n - 1)`` with ``r`` the rank of ``x`` (ties get their average
    rank; ranked on ``-x`` when lower is better) among the ``n`` municipalities with a
    value; ``0 <= s <= 1``. A single value or a constant column gives 0.5.

The index of a municipality is the weighted mean over the indicators it has a value
for::

    I = Σ_i w_i s_i / Σ_i w_i      (sums over indicators with a value)

Missing values (``NaN``; ``±inf`` counts as missing) are thus left out and the
remaining weights are rescaled; a municipality without any value gets ``NaN``. The
index is relative to the municipalities in ``table``: adding or removing
municipalities changes it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kulturplan import catalog as _catalog
from kulturplan._format import format_decimal
from kulturplan.errors import ParameterError
from kulturplan.indicators._registry import register

__all__ = [
    "NORMALISATIONS",
    "composite_index",
    "normalise",
    "normalise_table",
]

NORMALISATIONS: dict[str, str] = {
    "zscore": "z-Standardisierung",
    "minmax": "Min-Max-Skalierung",
    "rank": "Rangskalierung",
}
"""Normalisation methods (id → German label)."""


def _check_normalisation(normalisation: str) -> str:
    if normalisation not in NORMALISATIONS:
        close = difflib.get_close_matches(str(normalisation), list(NORMALISATIONS), n=1)
        hint = f" Meinten Sie „{close[0]}“?" if close else ""
        raise ParameterError(
            f"Normalisierung „{normalisation}“ ist unbekannt; erlaubt sind: "
            + ", ".join(NORMALISATIONS)
            + "."
            + hint
        )
    return normalisation


def normalise(
    values: pd.Series, normalisation: str = "zscore", *, higher_is_better: bool = True
) -> pd.Series:
    """Normalise one indicator column so that higher is better (see module docstring).

    Parameters
    ----------
    values
        Indicator values indexed by AGS; ``NaN`` and ``±inf`` stay/become ``NaN``.
    normalisation
        ``"zscore"``, ``"minmax"`` or ``"rank"``.
    higher_is_better
        ``False`` flips the direction (sign for z-scores, scale for min-max and rank).
    """
    _check_normalisation(normalisation)
    x = pd.to_numeric(values, errors="coerce").astype(float)
    x = x.where(np.isfinite(x.to_numpy()))
    valid = x.dropna()
    if normalisation == "zscore":
        sd = valid.std(ddof=0) if len(valid) else np.nan
        out = (x - valid.mean()) / sd if sd and sd > 0 else x * 0.0
        return out if higher_is_better else -out
    if normalisation == "minmax":
        lo, hi = valid.min(), valid.max()
        if len(valid) == 0 or hi == lo:
            return x * 0.0 + 0.5
        out = (x - lo) / (hi - lo)
        return out if higher_is_better else (hi - x) / (hi - lo)
    # rank
    n = len(valid)
    if n <= 1:
        return x * 0.0 + 0.5
    ranks = (x if higher_is_better else -x).rank(method="average")
    return (ranks - 1.0) / (n - 1.0)


def _resolve_indicators(table: pd.DataFrame, indicators: Sequence[str] | None) -> list[str]:
    if indicators is None:
        indicators = list(table.columns)
    elif isinstance(indicators, str):
        indicators = [indicators]
    indicators = list(dict.fromkeys(indicators))
    if not indicators:
        raise ParameterError("Für den Index muss mindestens ein Indikator gewählt werden.")
    unknown = [i for i in indicators if i not in table.columns]
    if unknown:
        parts = []
        for i in unknown:
            close = difflib.get_close_matches(str(i), [str(c) for c in table.columns], n=3)
            parts.append(
                f"„{i}“" + (" (ähnlich: " + ", ".join(close) + ")" if close else "")
            )
        raise ParameterError(
            "Indikator(en) nicht in der Tabelle: " + "; ".join(parts) + "."
        )
    return indicators


def _resolve_directions(
    indicators: list[str], higher_is_better: bool | Mapping[str, bool] | None
) -> dict[str, bool]:
    if isinstance(higher_is_better, (bool, np.bool_)):
        return dict.fromkeys(indicators, bool(higher_is_better))
    given = dict(higher_is_better or {})
    extra = [k for k in given if k not in indicators]
    if extra:
        raise ParameterError(
            "higher_is_better nennt Indikatoren, die nicht gewählt sind: "
            + ", ".join(f"„{k}“" for k in extra)
            + "."
        )
    cat = _catalog.indicators()["higher_is_better"]
    missing = [i for i in indicators if i not in given and i not in cat.index]
    if missing:
        raise ParameterError(
            "Für "
            + ", ".join(f"„{i}“" for i in missing)
            + " steht nicht im Indikatorkatalog, ob höhere Werte besser sind; bitte "
            "higher_is_better angeben, z. B. {„"
            + str(missing[0])
            + "“: True}."
        )
    return {i: bool(given[i]) if i in given else bool(cat[i]) for i in indicators}


def _resolve_weights(
    indicators: list[str], weights: Mapping[str, float] | Sequence[float] | None
) -> pd.Series:
    if weights is None:
        return pd.Series(1.0, index=indicators)
    if isinstance(weights, Mapping):
        extra = [k for k in weights if k not in indicators]
        if extra:
            raise ParameterError(
                "Gewichte für Indikatoren, die nicht gewählt sind: "
                + ", ".join(f"„{k}“" for k in extra)
                + "."
            )
        missing = [i for i in indicators if i not in weights]
        if missing:
            raise ParameterError(
                "Gewicht fehlt für: " + ", ".join(f"„{i}“" for i in missing) + "."
            )
        raw = [weights[i] for i in indicators]
    else:
        raw = list(weights)
        if len(raw) != len(indicators):
            raise ParameterError(
                f"Es sind {len(raw)} Gewichte angegeben, aber {len(indicators)} Indikatoren "
                "gewählt; es wird genau ein Gewicht je Indikator gebraucht."
            )
    values = pd.to_numeric(pd.Series(raw, index=indicators, dtype=object), errors="coerce")
    bad = [i for i in indicators if not np.isfinite(values[i])]
    if bad:
        raise ParameterError(
            "Gewichte müssen Zahlen sein; ungültig für: "
            + ", ".join(f"„{i}“ ({raw[indicators.index(i)]!r})" for i in bad)
            + "."
        )
    negative = values[values < 0]
    if len(negative):
        raise ParameterError(
            "Gewichte dürfen nicht negativ sein: "
            + ", ".join(f"„{i}“ = {format_decimal(w)}" for i, w in negative.items())
            + ". Soll ein niedriger Wert besser sein, bitte higher_is_better verwenden."
        )
    if float(values.sum()) == 0.0:
        raise ParameterError(
            "Alle Gewichte sind 0; mindestens ein Indikator braucht ein Gewicht größer 0."
        )
    return values.astype(float)


def normalise_table(
    table: pd.DataFrame,
    indicators: Sequence[str] | None = None,
    normalisation: str = "zscore",
    higher_is_better: bool | Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    """Normalise the ``indicators`` columns of ``table`` (higher = better, see module)."""
    _check_normalisation(normalisation)
    ids = _resolve_indicators(table, indicators)
    directions = _resolve_directions(ids, higher_is_better)
    return pd.DataFrame(
        {i: normalise(table[i], normalisation, higher_is_better=directions[i]) for i in ids},
        index=table.index,
    )


def composite_index(
    table: pd.DataFrame,
    indicators: Sequence[str] | None = None,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    normalisation: str = "zscore",
    higher_is_better: bool | Mapping[str, bool] | None = None,
) -> pd.Series:
    """Return the Kulturversorgungsindex of every municipality (row) of ``table``.

    Parameters
    ----------
    table
        Indicator table, e.g. from :func:`kulturplan.indicators.compute`.
    indicators
        Columns to combine (all columns when ``None``).
    weights
        Non-negative weights, as a mapping ``{id: weight}`` naming every indicator or a
        sequence in the order of ``indicators``; equal weights by default. Only ratios
        matter.
    normalisation
        ``"zscore"``, ``"minmax"`` or ``"rank"`` (module docstring); the same name as
        the catalog parameter of ``kulturversorgungsindex``.
    higher_is_better
        Direction per indicator (mapping), for all (bool), or from the indicator
        catalog (``None``; the default). A mapping may name some indicators only; the
        others come from the catalog.

    Returns
    -------
    pandas.Series
        Named ``kulturversorgungsindex``; ``attrs`` hold ``normalisation``, ``weights``
        (normalised to sum 1) and ``higher_is_better``.

    Raises
    ------
    kulturplan.errors.ParameterError
        For unknown indicators or normalisations, negative, non-numeric or all-zero
        weights, or indicators whose direction is unknown.
    """
    _check_normalisation(normalisation)
    ids = _resolve_indicators(table, indicators)
    w = _resolve_weights(ids, weights)
    directions = _resolve_directions(ids, higher_is_better)
    scores = normalise_table(table, ids, normalisation, directions)
    has = scores.notna().to_numpy()
    wv = w.to_numpy()
    num = np.where(has, scores.to_numpy(dtype=float), 0.0) @ wv
    den = has.astype(float) @ wv
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    out = pd.Series(index, index=table.index, name="kulturversorgungsindex", dtype=float)
    out.attrs = {
        "normalisation": normalisation,
        "weights": (w / w.sum()).to_dict(),
        "higher_is_better": directions,
    }
    return out


@register("composite_index", depends_on="indicators")
def _m_composite_index(
    table: pd.DataFrame,
    *,
    indicators: Sequence[str],
    weights: Mapping[str, float] | Sequence[float] | None = None,
    normalisation: str = "zscore",
) -> pd.Series:
    """Catalog method: ``table`` holds the components named by the catalog parameter
    ``indicators`` (computed first by :func:`kulturplan.indicators.compute`)."""
    return composite_index(table, list(indicators), weights, normalisation)
