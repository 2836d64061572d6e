"""Test helpers for code that builds or transforms regions.

:func:`assert_region_equal` compares two :class:`~kulturplan.region.Region` objects
table by table, in the spirit of ``geopandas.testing.assert_geodataframe_equal``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan.region import TABLE_LABELS, TABLES, Region

__all__ = ["assert_region_equal"]


def _assert_geometry_equal(
    a: gpd.GeoSeries, b: gpd.GeoSeries, table: str, tolerance: float
) -> None:
    if a.crs != b.crs:
        raise AssertionError(
            f"Tabelle „{table}“: Koordinatensysteme unterscheiden sich: {a.crs} ≠ {b.crs}."
        )
    ga, gb = a.to_numpy(), b.to_numpy()
    missing_a, missing_b = shapely.is_missing(ga), shapely.is_missing(gb)
    if (missing_a != missing_b).any():
        pos = int(np.flatnonzero(missing_a != missing_b)[0])
        raise AssertionError(
            f"Tabelle „{table}“: Geometrie in Zeile {pos} fehlt nur in einer der Regionen."
        )
    both = ~missing_a
    same = np.ones(len(ga), dtype=bool)
    same[both] = shapely.equals_exact(ga[both], gb[both], tolerance=tolerance)
    if not same.all():
        pos = int(np.flatnonzero(~same)[0])
        raise AssertionError(
            f"Tabelle „{table}“: {int((~same).sum())} Geometrien unterscheiden sich (Toleranz "
            f"{tolerance}), zuerst bei Index „{a.index[pos]}“:\n{ga[pos]}\n{gb[pos]}"
        )


def assert_region_equal(
    left: Region,
    right: Region,
    *,
    check_dtype: bool = True,
    check_exact: bool = True,
    check_report: bool = True,
    tolerance: float = 0.0,
) -> None:
    """Assert that two regions hold the same metadata and tables.

    Parameters
    ----------
    left, right
        Regions to compare.
    check_dtype
        Compare column types (e.g. ``int64`` vs ``float64``, ``str`` vs ``object``).
    check_exact
        Compare numbers exactly; otherwise with pandas' default relative tolerance.
    check_report
        Compare the validation reports too.
    tolerance
        Largest coordinate difference (metres) between geometries; 0 means identical
        coordinates.

    Raises
    ------
    AssertionError
        Naming the first table and column that differ.
    """
    if not isinstance(left, Region) or not isinstance(right, Region):
        raise AssertionError(
            f"Erwartet werden zwei Regionen, erhalten: {type(left).__name__}, "
            f"{type(right).__name__}."
        )
    for attr in ("name", "kreis_ags", "sources"):
        a, b = getattr(left, attr), getattr(right, attr)
        if a != b:
            raise AssertionError(f"Region: „{attr}“ unterscheidet sich: {a!r} ≠ {b!r}.")
    for table in TABLES:
        a, b = getattr(left, table), getattr(right, table)
        label = f"Tabelle „{table}“ ({TABLE_LABELS[table]})"
        if isinstance(a, gpd.GeoDataFrame) != isinstance(b, gpd.GeoDataFrame):
            raise AssertionError(f"{label}: nur eine der Tabellen hat Geometrien.")
        if list(a.columns) != list(b.columns):
            raise AssertionError(
                f"{label}: Spalten unterscheiden sich:\n{list(a.columns)}\n{list(b.columns)}"
            )
        geo_cols = [c for c in a.columns if isinstance(a[c].dtype, gpd.array.GeometryDtype)]
        try:
            pd.testing.assert_frame_equal(
                pd.DataFrame(a.drop(columns=geo_cols)),
                pd.DataFrame(b.drop(columns=geo_cols)),
                check_dtype=check_dtype,
                check_index_type=check_dtype,
                check_column_type=check_dtype,
                check_exact=check_exact,
                obj=label,
            )
        except AssertionError as exc:
            raise AssertionError(str(exc)) from None
        for col in geo_cols:
            _assert_geometry_equal(a[col], b[col], table, tolerance)
    if check_report and left.report.problems != right.report.problems:
        raise AssertionError(
            f"Validierungsberichte unterscheiden sich:\n{left.report}\n---\n{right.report}"
        )
