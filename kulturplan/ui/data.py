"""Loading the region a dashboard shows, and what every dashboard derives from it once.

A dashboard shows the demo district "Landkreis Musterland" by default, or the region
folder named by the environment variable ``KULTURPLAN_REGION``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan.errors import KulturplanError
from kulturplan.region import Region
from kulturplan.viz import prepare

ENV_VAR = "KULTURPLAN_REGION"
"""Environment variable naming a region folder (``region.toml`` plus tables)."""


def load_region_from_env(env: str = ENV_VAR) -> Region:
    """Return the region named by ``$KULTURPLAN_REGION``, else the demo district.

    Raises
    ------
    kulturplan.errors.KulturplanError
        If the variable names a folder that does not exist or cannot be read.
    """
    folder = os.environ.get(env, "").strip()
    if folder:
        path = Path(folder).expanduser()
        if not path.exists():
            raise KulturplanError(
                f"Der Regionsordner „{path}“ aus der Umgebungsvariable {env} existiert nicht. "
                "Bitte den Pfad prüfen oder die Variable entfernen (dann wird der "
                "Demo-Landkreis gezeigt)."
            )
        from kulturplan.io import read_region

        return read_region(path)
    from kulturplan.demo import musterland

    return musterland(seed=0)


def usable_indicators(table: pd.DataFrame) -> list[str]:
    """Catalog ids of ``table`` that have at least one finite value, in catalog order."""
    from kulturplan import catalog

    cat = catalog.indicators()
    finite = table.apply(lambda c: np.isfinite(pd.to_numeric(c, errors="coerce")).any())
    ok = [c for c in table.columns if bool(finite.get(c, False))]
    known = [i for i in cat.index if i in ok]
    return known + [c for c in ok if c not in cat.index]


@dataclass
class DashboardData:
    """A region with its indicator table and display geometries (computed once).

    Parameters
    ----------
    region
        The region.
    table
        Indicator table (index AGS); computed with
        :func:`kulturplan.indicators.compute` when ``None``.
    """

    region: Region
    table: pd.DataFrame | None = None
    _peer_cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.table is None:
            from kulturplan.indicators import compute

            self.table = compute(self.region)
        self.table = self.table.astype(float)

    @classmethod
    def from_env(cls, env: str = ENV_VAR) -> DashboardData:
        return cls(load_region_from_env(env))

    @cached_property
    def geometries(self) -> gpd.GeoDataFrame:
        """Simplified display outlines in EPSG:4326."""
        return prepare.display_geometries(self.region.municipalities)

    @cached_property
    def names(self) -> pd.Series:
        return self.region.municipalities["name"].astype(str)

    @cached_property
    def indicators(self) -> list[str]:
        return usable_indicators(self.table)

    def peer_rows(self, ags: str, indicators: list[str]) -> pd.DataFrame:
        """Value, peer median, number of peers and peer basis of ``ags`` per indicator.

        Uses :func:`kulturplan.indicators.peer_comparison` (cached per indicator).
        """
        missing = [i for i in indicators if i not in self._peer_cache]
        if missing:
            from kulturplan.indicators import peer_comparison

            long = peer_comparison(self.region, self.table, missing)
            for ind in missing:
                self._peer_cache[ind] = long.xs(ind, level="indicator")
        rows = {i: self._peer_cache[i].loc[ags] for i in indicators}
        frame = pd.DataFrame(rows).T
        frame.index.name = "indicator"
        return frame
