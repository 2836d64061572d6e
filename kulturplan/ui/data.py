"""Loading the region a dashboard shows, and what every dashboard derives from it once.

A dashboard shows the demo district "Landkreis Musterland" by default, or the region
folder named by the environment variable ``KULTURPLAN_REGION``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from kulturplan._paths import (
    ENV_CACHE_DIR,
    ENV_REGION,
    cache_dir,
    region_folder_from_env,
    write_atomic,
)
from kulturplan.errors import InputFileError
from kulturplan.region import Region
from kulturplan.viz import prepare

ENV_VAR = ENV_REGION
"""Environment variable naming a region folder (:data:`kulturplan._paths.ENV_REGION`)."""

CACHE_ENV_VAR = ENV_CACHE_DIR
"""Environment variable naming the cache folder (:data:`kulturplan._paths.ENV_CACHE_DIR`,
see :func:`kulturplan._paths.cache_dir`)."""

DEMO_SEED = 0
"""Seed of the demo district shown when no region folder is named."""

log = logging.getLogger("kulturplan.ui")

T = TypeVar("T")


def load_region_from_env(env: str = ENV_VAR) -> Region:
    """Return the region named by ``$KULTURPLAN_REGION``, else the demo district.

    Raises
    ------
    kulturplan.errors.InputFileError
        If the variable names a folder that does not exist.
    kulturplan.errors.KulturplanError
        If the folder cannot be read as a region.
    """
    path = region_folder_from_env(env)
    if path is not None:
        if not path.exists():
            raise InputFileError(
                f"Der Regionsordner „{path}“ aus der Umgebungsvariable {env} existiert nicht. "
                "Bitte den Pfad prüfen oder die Variable entfernen (dann wird der "
                "Demo-Landkreis gezeigt)."
            )
        from kulturplan.io import read_region

        return cached_region(path, lambda: read_region(path))
    return cached_region(None, _demo_region)


def _demo_region() -> Region:
    """The demo district (its generator is imported only when it is not in the cache)."""
    from kulturplan.demo import musterland

    return musterland(seed=DEMO_SEED)


# -- cache of the indicator table ------------------------------------------------------------
@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the package's source and catalogs: any code change invalidates the cache."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".yaml", ".toml"} and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def region_fingerprint(folder: Path | None) -> str:
    """Hash of every file of a region folder (names and bytes); the demo has a fixed key."""
    digest = hashlib.sha256(code_fingerprint().encode())
    if folder is None:
        digest.update(f"demo:musterland:{DEMO_SEED}".encode())
        return digest.hexdigest()
    folder = folder.resolve()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    for named in _named_input_files(folder):  # OSM file, Zensus grid: too big to hash
        with contextlib.suppress(OSError):
            stat = named.stat()
            digest.update(f"{named}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _named_input_files(folder: Path) -> list[Path]:
    """Files the folder's ``region.toml`` names (source entries with ``file``), resolved."""
    import tomllib

    try:
        doc = tomllib.loads((folder / "region.toml").read_text(encoding="utf-8")
                            .removeprefix("\ufeff"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    out = []
    for source in doc.get("sources", []):
        file = str(source.get("file", "")).strip() if isinstance(source, dict) else ""
        if file:
            path = Path(file).expanduser()
            out.append(path if path.is_absolute() else folder / path)
    return out


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


UNREADABLE_CACHE: tuple[type[Exception], ...] = (
    OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError,
    TypeError, ValueError,
)
"""What reading a broken or outdated pickle can raise (see the :mod:`pickle` docs)."""


def _cache_file(kind: str, folder: Path | None) -> Path | None:
    """Cache file of ``kind`` for the region of ``folder``; ``None`` when there is no cache
    (switched off, or it would lie inside the region folder, which is never written to)."""
    where = cache_dir()
    if where is None or (folder is not None and _inside(where, folder)):
        return None
    return where / f"{kind}-{region_fingerprint(folder)[:32]}.pkl"


def _read_cached(path: Path | None, usable: Callable[[object], bool]) -> object | None:
    """The cached object at ``path`` if it exists, unpickles and passes ``usable``."""
    if path is None or not path.exists():
        return None
    try:
        with open(path, "rb") as fh:
            value = pickle.load(fh)
    except UNREADABLE_CACHE:  # a broken or outdated cache file is recomputed
        log.warning("Zwischenspeicher %s unlesbar; wird neu berechnet", path)
        return None
    return value if usable(value) else None


def _write_cached(path: Path | None, value: object) -> None:
    """Write ``value`` atomically (temp file + rename); an unwritable cache is skipped."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL),
                     private=True)
    except OSError:
        log.info("Zwischenspeicher %s nicht beschreibbar; ohne Cache", path.parent)


def cached_region(folder: Path | None, load: Callable[[], Region]) -> Region:
    """``load()`` (reading or generating the region), cached like the indicator table.

    Every dashboard kernel needs the same region; reading it from a pickle is several
    times faster than reading the region folder (or generating the demo district) and
    validating it again. Key and rules as in :func:`cached_indicator_table`.
    """
    path = _cache_file("region", folder)
    region = _read_cached(path, lambda value: isinstance(value, Region))
    if isinstance(region, Region):
        return region
    region = load()
    _write_cached(path, region)
    return region


def cached_indicator_table(region: Region, folder: Path | None) -> pd.DataFrame:
    """:func:`kulturplan.indicators.compute` of ``region``, cached per region folder.

    The cache is a local pickle written by kulturplan itself into the user's own cache
    folder (never shared, never a user's input), which is why reading it with pickle is
    acceptable. The table is stored in :func:`cache_dir` under a hash of the region folder's files
    and of the package's code, so changed data or code give a fresh computation. The
    region folder itself is never written to; without a usable cache folder the table
    is simply computed.
    """
    index = pd.Index(region.municipalities.index)
    path = _cache_file("indikatoren", folder)
    table = _read_cached(path, lambda value: isinstance(value, pd.DataFrame)
                         and value.index.equals(index))
    if isinstance(table, pd.DataFrame):
        return table
    from kulturplan.indicators import compute

    table = compute(region).astype(float)
    _write_cached(path, table)
    return table


def usable_indicators(table: pd.DataFrame) -> list[str]:
    """Ids of ``table`` worth a map, in catalog order.

    An indicator is offered when it has at least two different finite values: one that
    is missing everywhere, or the same for every municipality (e.g. 0 % within reach
    when a real Kreis has no facility list yet), gives a map and a ranking in which all
    municipalities look alike.
    """
    from kulturplan import catalog

    cat = catalog.indicators()

    def informative(col: pd.Series) -> bool:
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        return finite.size > 0 and bool(np.ptp(finite) > 0) if len(table) > 1 else finite.size > 0

    ok = [c for c in table.columns if informative(table[c])]
    known = [i for i in cat.index if i in ok]
    return known + [c for c in ok if c not in cat.index]


@dataclass(init=False)
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
    table: pd.DataFrame
    _peer_cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _cache_folder: Path | None = field(default=None, repr=False)
    _cacheable: bool = field(default=False, repr=False)

    def __init__(self, region: Region, table: pd.DataFrame | None = None) -> None:
        if table is None:
            from kulturplan.indicators import compute

            table = compute(region)
        self.region = region
        self.table = table.astype(float)
        self._peer_cache = {}
        self._cache_folder = None
        self._cacheable = False  # only a region loaded by from_env has a cache key

    def cached(self, kind: str, compute: Callable[[], T]) -> T:
        """``compute()`` — a result derived from the region alone — cached like the
        indicator table (key: region folder and code), so that a dashboard kernel does not
        repeat what every other kernel already computed. ``kind`` names the result (a
        file name part); without a cache key (data not from :meth:`from_env`) it is
        simply computed."""
        if not self._cacheable:
            return compute()
        path = _cache_file(kind, self._cache_folder)
        value = _read_cached(path, lambda _: True)
        if value is not None:
            return value  # type: ignore[return-value]
        value = compute()
        _write_cached(path, value)
        return value

    @classmethod
    def from_env(cls, env: str = ENV_VAR, *, indicators: bool = True) -> DashboardData:
        """Region of ``$KULTURPLAN_REGION`` (or the demo) with its cached indicator table.

        ``indicators=False`` skips the indicator table (an empty table with the
        municipalities as index) for dashboards that do not show indicators.
        """
        region = load_region_from_env(env)
        folder = region_folder_from_env(env)
        if not indicators:
            data = cls(region, pd.DataFrame(index=region.municipalities.index.copy()))
        else:
            data = cls(region, cached_indicator_table(region, folder))
        data._cache_folder, data._cacheable = folder, True
        return data

    @cached_property
    def geometries(self) -> gpd.GeoDataFrame:
        """Simplified display outlines in EPSG:4326 (cached with the region, see
        :meth:`cached`: every dashboard kernel draws the same map)."""
        return self.cached("umrisse",
                           lambda: prepare.display_geometries(self.region.municipalities))

    @cached_property
    def names(self) -> pd.Series:
        return self.region.municipalities["name"].astype(str)

    @cached_property
    def indicators(self) -> list[str]:
        return usable_indicators(self.table)

    def peer_rows(self, ags: str, indicators: list[str]) -> pd.DataFrame:
        """Value, peer median, number of peers and peer basis of ``ags`` per indicator.

        Uses :func:`kulturplan.indicators.peer_comparison` (cached per indicator, and for
        data from :meth:`from_env` with the region, see :meth:`cached`).
        """
        missing = [i for i in indicators if i not in self._peer_cache]
        if missing:
            from kulturplan.indicators import peer_comparison

            ids = hashlib.sha256("\n".join(missing).encode()).hexdigest()[:12]
            long = self.cached(f"vergleich-{ids}",  # the table is the cached one of the region
                               lambda: peer_comparison(self.region, self.table, missing))
            for ind in missing:
                self._peer_cache[ind] = long.xs(ind, level="indicator")
        rows = {i: self._peer_cache[i].loc[ags] for i in indicators}
        frame = pd.DataFrame(rows).T
        frame.index.name = "indicator"
        return frame
