"""A tiny synthetic region and indicator table for the viz/ui tests (no demo needed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from kulturplan import CRS, Region

X0, Y0 = 500_000.0, 5_700_000.0
KM = 1000.0


def tiny_region() -> Region:
    """Four 10 km squares in a row (A, B, C, D) with a few facilities.

    ======== ========= ========== =============================
    AGS      name      population facilities
    ======== ========= ========== =============================
    99001001 Adorf     10 000     bibliothek, musikschule
    99001002 Bestadt   20 000     bibliothek
    99001003 Cedorf     4 000     museum
    99001004 Dehausen   1 000     –
    ======== ========= ========== =============================
    """
    ags = ["99001001", "99001002", "99001003", "99001004"]
    geoms = [box(X0 + i * 10 * KM, Y0, X0 + (i + 1) * 10 * KM, Y0 + 10 * KM) for i in range(4)]
    muni = gpd.GeoDataFrame(
        {
            "ags": ags,
            "name": ["Adorf", "Bestadt", "Cedorf", "Dehausen"],
            "population": [10_000, 20_000, 4_000, 1_000],
            "area_km2": [100.0] * 4,
            "urban_degree": [2, 2, 3, 3],
        },
        geometry=geoms,
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["f1", "f2", "f3", "f4"],
            "name": ["Bücherei Adorf", "Musikschule Adorf", "Stadtbibliothek Bestadt",
                     "Heimatmuseum Cedorf"],
            "category": ["bibliothek", "musikschule", "bibliothek", "museum"],
            "contact_email": ["a@example.org", "b@example.org", "c@example.org", "d@example.org"],
        },
        geometry=[
            Point(X0 + 5 * KM, Y0 + 5 * KM),
            Point(X0 + 5 * KM, Y0 + 6 * KM),
            Point(X0 + 15 * KM, Y0 + 5 * KM),
            Point(X0 + 25 * KM, Y0 + 5 * KM),
        ],
        crs=CRS,
    )
    return Region(
        municipalities=muni,
        facilities=fac,
        name="Testkreis",
        kreis_ags="99001",
        sources=(
            {"name": "Testdaten", "licence": "CC0", "attribution": "© Testamt 2024",
             "date": "2024-01-01"},
            {"name": "Grenzen", "licence": "dl-de/by-2-0",
             "attribution": "© GeoBasis-DE / BKG 2021", "date": "2021-01-01"},
        ),
    )


def tiny_table() -> pd.DataFrame:
    """Indicator table of :func:`tiny_region` (values chosen by hand)."""
    idx = pd.Index(["99001001", "99001002", "99001003", "99001004"], name="ags")
    return pd.DataFrame(
        {
            # facilities per 10 000: 2/1.0, 1/2.0, 1/0.4, 0
            "einrichtungen_gesamt_je_10000": [2.0, 0.5, 2.5, 0.0],
            "einrichtungen_je_10000__bibliothek": [1.0, 0.5, 0.0, 0.0],
            "sparten_anzahl": [2.0, 1.0, 1.0, 0.0],
            "vereine_je_10000": [np.nan, 3.0, 5.0, 10.0],
        },
        index=idx,
    )
