"""Diversity of the cultural offer: number of categories and Shannon diversity.

Both indicators describe the mix of facility categories (Sparten) in a municipality
and do not depend on its population.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kulturplan import catalog as _catalog
from kulturplan.indicators._common import count_table, nan_series
from kulturplan.indicators._registry import register

if TYPE_CHECKING:
    from kulturplan.region import Region

__all__ = ["categories_present", "category_counts", "shannon_diversity"]


def category_counts(facilities: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Number of facilities per AGS × catalog category (0 where none)."""
    return count_table(facilities, population, "category", _catalog.category_ids())


def categories_present(facilities: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Number of categories with at least one facility in the municipality.

    ``population`` only supplies the AGS index. An empty facilities table gives ``NaN``
    (no data); a municipality without facilities gets 0.
    """
    if len(facilities) == 0:
        return nan_series(population)
    return (category_counts(facilities, population) > 0).sum(axis=1).astype(float)


def shannon_diversity(facilities: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Shannon diversity of the facility categories of each municipality.

    ``H = -Σ p_i ln p_i`` with ``p_i`` the share of category ``i`` among the
    facilities of the municipality (natural logarithm; categories with ``p_i = 0``
    contribute 0). ``0 <= H <= ln k`` for ``k`` categories present; ``H = 0`` for a
    municipality with one category or none, ``H = ln k`` when all ``k`` categories
    are equally frequent. An empty facilities table gives ``NaN`` (no data).

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. Bell System
    Technical Journal 27, 379–423.
    """
    if len(facilities) == 0:
        return nan_series(population)
    counts = category_counts(facilities, population).to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.0)
        terms = np.where(shares > 0, shares * np.log(np.where(shares > 0, shares, 1.0)), 0.0)
    h = -terms.sum(axis=1)
    h = np.where(h <= 0, 0.0, h)  # -0.0 and rounding noise for a single category
    return pd.Series(h, index=pd.Index(population.index, name="ags"), dtype=float)


@register("categories_present")
def _m_categories_present(region: Region) -> pd.Series:
    return categories_present(region.facilities, region.population)


@register("shannon_diversity")
def _m_shannon_diversity(region: Region) -> pd.Series:
    return shannon_diversity(region.facilities, region.population)
