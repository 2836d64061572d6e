"""Networks: a typology of the Kreis's municipalities and suggested network memberships.

Kreis culture offices run one network for small municipalities and a separate one for
large, culture-strong places (LWL exchange of Kreis culture offices, 2025). The rule
below sorts every municipality by three facts the council knows — size, settlement type
(Grad der Verstädterung) and the number of Sparten with a facility on site — and is
stated in words by :func:`typology_rule_text`:

* **Type** (four classes):

  - ``klein_laendlich``: fewer than :data:`LARGE_POPULATION` inhabitants and thinly
    populated (``urban_degree`` 3) or settlement type unknown;
  - ``klein_verdichtet``: fewer than :data:`LARGE_POPULATION` inhabitants, settlement
    type 1 or 2;
  - ``gross_kulturstark``: at least :data:`LARGE_POPULATION` inhabitants and at least
    :data:`STRONG_SPARTEN` Sparten with a facility in the municipality;
  - ``gross``: at least :data:`LARGE_POPULATION` inhabitants, fewer Sparten.

* **Network**: ``gross`` (Netzwerk der Kulturorte) for ``gross_kulturstark`` and for
  every municipality of at least :data:`CITY_POPULATION` inhabitants; ``klein``
  (Netzwerk kleine Gemeinden) for all others.

The thresholds follow the official size classes (10,000 and 20,000 inhabitants are
bounds of :data:`kulturplan.indicators.peers.SIZE_CLASSES`); they are parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kulturplan._format import format_number
from kulturplan.errors import ParameterError

__all__ = [
    "CITY_POPULATION",
    "LARGE_POPULATION",
    "NETWORK_LABELS",
    "STRONG_SPARTEN",
    "TYPE_LABELS",
    "network_typology",
    "typology_rule_text",
]

LARGE_POPULATION = 10_000
"""Inhabitants from which a municipality counts as large (Kleinstadt and more)."""

CITY_POPULATION = 20_000
"""Inhabitants from which a municipality always joins the network of large places."""

STRONG_SPARTEN = 4
"""Sparten with a facility on site from which a large municipality is culture-strong."""

TYPE_LABELS: dict[str, str] = {
    "klein_laendlich": "kleine Gemeinde, ländlich",
    "klein_verdichtet": "kleine Gemeinde, verdichtet",
    "gross": "größere Gemeinde",
    "gross_kulturstark": "größere Gemeinde, kulturstark",
}
"""German labels of the types."""

NETWORK_LABELS: dict[str, str] = {
    "klein": "Netzwerk kleine Gemeinden",
    "gross": "Netzwerk der Kulturorte (große und kulturstarke Gemeinden)",
}
"""German labels of the suggested networks."""


def typology_rule_text(
    *,
    large_population: float = LARGE_POPULATION,
    city_population: float = CITY_POPULATION,
    strong_sparten: int = STRONG_SPARTEN,
) -> str:
    """The rule of :func:`network_typology` in words a council understands (German)."""
    lp = format_number(large_population, 0)
    cp = format_number(city_population, 0)
    return (
        f"Gemeinden mit weniger als {lp} Einwohner:innen gelten als klein – ländlich, wenn sie "
        "gering besiedelt sind, sonst verdichtet. Gemeinden ab "
        f"{lp} Einwohner:innen gelten als größer, und als kulturstark, wenn es vor Ort "
        f"Einrichtungen in mindestens {strong_sparten} Sparten gibt. Ins Netzwerk der "
        f"Kulturorte kommen die kulturstarken Gemeinden und alle ab {cp} Einwohner:innen; "
        "alle anderen ins Netzwerk kleine Gemeinden."
    )


def network_typology(
    table: pd.DataFrame,
    *,
    large_population: float = LARGE_POPULATION,
    city_population: float = CITY_POPULATION,
    strong_sparten: int = STRONG_SPARTEN,
) -> pd.DataFrame:
    """Type and suggested network of every municipality (rule: module notes).

    Parameters
    ----------
    table
        Index AGS; columns ``population``, ``sparten`` (number of Sparten with a
        facility in the municipality, e.g. the indicator ``sparten_anzahl``) and
        optionally ``urban_degree`` (1, 2, 3).
    large_population, city_population, strong_sparten
        Thresholds of the rule.

    Returns
    -------
    pandas.DataFrame
        Index AGS; ``type``, ``type_label``, ``network``, ``network_label`` and
        ``reason`` (German sentence naming the facts behind the assignment).
    """
    missing = [c for c in ("population", "sparten") if c not in table.columns]
    if missing:
        raise ParameterError(
            "network_typology braucht die Spalten „population“ und „sparten“; es fehlen: "
            + ", ".join(missing) + "."
        )
    pop = pd.to_numeric(table["population"], errors="coerce").to_numpy(dtype=float)
    sparten = pd.to_numeric(table["sparten"], errors="coerce").fillna(0).to_numpy(dtype=float)
    degree = (
        pd.to_numeric(table["urban_degree"], errors="coerce").to_numpy(dtype=float)
        if "urban_degree" in table.columns else np.full(len(table), np.nan)
    )
    large = pop >= large_population
    strong = large & (sparten >= strong_sparten)
    dense = np.isin(degree, [1.0, 2.0])
    kind = np.select(
        [strong, large, dense], ["gross_kulturstark", "gross", "klein_verdichtet"],
        default="klein_laendlich",
    )
    network = np.where(strong | (pop >= city_population), "gross", "klein")
    out = pd.DataFrame({"type": kind, "network": network}, index=table.index)
    out["type_label"] = out["type"].map(TYPE_LABELS)
    out["network_label"] = out["network"].map(NETWORK_LABELS)
    degree_text = {1.0: "dicht besiedelt", 2.0: "mittlere Dichte", 3.0: "gering besiedelt"}
    out["reason"] = [
        f"{format_number(p, 0)} Einwohner:innen, "
        f"{degree_text.get(d, 'Siedlungstyp unbekannt')}, Einrichtungen in "
        f"{format_number(s, 0)} Sparten → {TYPE_LABELS[t]}."
        for p, d, s, t in zip(pop, degree, sparten, kind, strict=True)
    ]
    return out[["type", "type_label", "network", "network_label", "reason"]]
