"""Shared test fixtures.

``tiny_region`` — a hand-made region small enough to compute every indicator by hand.
Keep it stable: several test modules rely on the exact numbers below. If you need a
different region, derive one in your test (see ``tiny_region_zero_population``).

Layout (EPSG:25832, squares of 5 km × 5 km = 25 km², lower-left corners)::

    y=5_705_000  +-----------------+-----------------+
                 | 99001003        | 99001004        |
                 | Cestadt 12,000  | Dewald 500      |
                 | urban_degree 2  | urban_degree 3  |
    y=5_700_000  +-----------------+-----------------+
                 | 99001001        | 99001002        |
                 | Aheim 1,000     | Bedorf 2,500    |
                 | urban_degree 3  | urban_degree 3  |
                 +-----------------+-----------------+
              x=500_000         x=505_000         x=510_000

Municipalities (population = sum of the age groups 0–5 / 6–17 / 18–29 / 30–64 / 65+):

    99001001 Aheim     1,000 =   50 +  120 +  130 +   450 +  250
    99001002 Bedorf    2,500 =  125 +  300 +  325 + 1,125 +  625
    99001003 Cestadt  12,000 =  720 + 1560 + 1920 + 5,640 + 2160
    99001004 Dewald      500 =   20 +   50 +   50 +   230 +  150

Facilities (no ``ags`` column: assigned by point-in-polygon; capacity in places):

    F01 bibliothek          Cestadt  (502500, 5707500)  capacity 120
    F02 bibliothek          Bedorf   (507500, 5702500)  capacity unknown
    F03 musikschule         Cestadt  (502000, 5707000)  capacity 300
    F04 museum              Cestadt  (503000, 5708000)  capacity unknown
    F05 kino                Cestadt  (501500, 5706500)  capacity 180
    F06 veranstaltungsraum  Aheim    (502500, 5702500)  capacity 150
    F07 museum              Aheim    (501000, 5701000)  capacity 40
    F08 veranstaltungsraum  Bedorf   (508000, 5703000)  capacity 200
    F09 theater             outside  (520000, 5702500)  capacity 400  -> region.report
    F10 bibliothek          Cestadt  (503500, 5706000)  capacity 30 (Zweigstelle)

    Dewald has no facility.

Organisations (members / volunteers):

    O1 heimatverein_archiv  Aheim    80 / 12
    O2 musikschule          Aheim    45 /  8
    O3 galerie              Cestadt 120 / 15
    O4 theater              Cestadt  30 / unknown
    O5 bibliothek           Bedorf   25 / 10
    O6 heimatverein_archiv  Dewald   40 /  5

Events (11; venue → municipality via the facility unless ``ags`` given):

    E01 2024-05-04 bibliothek          F01 Cestadt  kinder
    E02 2024-09-10 musikschule         F03 Cestadt  alle
    E03 2024-11-20 museum              F07 Aheim    senioren
    E04 2025-01-15 bibliothek          F01 Cestadt  kinder
    E05 2025-03-02 bibliothek          F02 Bedorf   "familien; kinder"
    E06 2025-04-12 museum              F07 Aheim    erwachsene
    E07 2025-05-20 veranstaltungsraum  ags Dewald (no venue)  jugendliche
    E08 2025-06-21 musikschule         F03 Cestadt  jugendliche
    E09 2025-08-30 kino                F05 Cestadt  alle
    E10 2025-10-03 veranstaltungsraum  F06 Aheim    senioren
    E11 2025-12-31 theater             F09 outside  erwachsene  -> counted nowhere

Funding (EUR; public = kommune, kreis, land, bund, eu):

    year ags      category            source     amount
    2024 Aheim    allgemein           kommune     5,000
    2024 Aheim    museum              land        2,000
    2024 Bedorf   bibliothek          kommune    10,000
    2024 Cestadt  allgemein           kommune    60,000
    2024 Cestadt  musikschule         kreis      24,000
    2024 Cestadt  galerie             stiftung    6,000
    2025 Aheim    allgemein           kommune     6,000
    2025 Aheim    museum              land        3,000
    2025 Aheim    allgemein           stiftung    1,000
    2025 Bedorf   bibliothek          kommune     5,000
    2025 Bedorf   veranstaltungsraum  eu          3,000
    2025 Cestadt  allgemein           kommune    66,000
    2025 Cestadt  musikschule         kreis      24,000
    2025 Cestadt  kino                bund       12,000
    2025 Cestadt  allgemein           sonstige    3,000

    Dewald has no funding.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

import kulturplan as kp

AGS = ("99001001", "99001002", "99001003", "99001004")
"""AGS of the four tiny-region municipalities: Aheim, Bedorf, Cestadt, Dewald."""

_X0, _Y0, _SIDE = 500_000.0, 5_700_000.0, 5_000.0


def _square(col: int, row: int):
    x, y = _X0 + col * _SIDE, _Y0 + row * _SIDE
    return box(x, y, x + _SIDE, y + _SIDE)


def make_tiny_region(population: dict[str, int] | None = None) -> kp.Region:
    """Build the tiny region; ``population`` may replace populations (age groups scaled).

    Age groups are scaled with the population and rounded so that they still sum up
    to it (the last group takes the rest).
    """
    pops = {"99001001": 1_000, "99001002": 2_500, "99001003": 12_000, "99001004": 500}
    ages = {
        "99001001": (50, 120, 130, 450, 250),
        "99001002": (125, 300, 325, 1_125, 625),
        "99001003": (720, 1_560, 1_920, 5_640, 2_160),
        "99001004": (20, 50, 50, 230, 150),
    }
    if population:
        for ags, new in population.items():
            old = pops[ags]
            scaled = [round(a * new / old) if old else 0 for a in ages[ags][:-1]]
            ages[ags] = (*scaled, new - sum(scaled))
            pops[ags] = new
    age_cols = list(kp.catalog.AGE_GROUPS)
    municipalities = gpd.GeoDataFrame(
        {
            "ags": list(AGS),
            "name": ["Aheim", "Bedorf", "Cestadt", "Dewald"],
            "population": [pops[a] for a in AGS],
            "area_km2": [25.0] * 4,
            "urban_degree": [3, 3, 2, 3],
            "kreis_ags": ["99001"] * 4,
            **{c: [ages[a][i] for a in AGS] for i, c in enumerate(age_cols)},
        },
        geometry=[_square(0, 0), _square(1, 0), _square(0, 1), _square(1, 1)],
        crs=kp.CRS,
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i:02d}" for i in range(1, 11)],
            "name": [
                "Stadtbibliothek Cestadt",
                "Gemeindebücherei Bedorf",
                "Musikschule Cestadt",
                "Stadtmuseum Cestadt",
                "Lichtspiele Cestadt",
                "Bürgerhaus Aheim",
                "Heimatmuseum Aheim",
                "Dorfgemeinschaftshaus Bedorf",
                "Freilichtbühne am Forst",
                "Bibliothek Cestadt-Süd",
            ],
            "category": [
                "bibliothek",
                "bibliothek",
                "musikschule",
                "museum",
                "kino",
                "veranstaltungsraum",
                "museum",
                "veranstaltungsraum",
                "theater",
                "bibliothek",
            ],
            "capacity": [120, None, 300, None, 180, 150, 40, 200, 400, 30],
        },
        geometry=[
            Point(502_500, 5_707_500),
            Point(507_500, 5_702_500),
            Point(502_000, 5_707_000),
            Point(503_000, 5_708_000),
            Point(501_500, 5_706_500),
            Point(502_500, 5_702_500),
            Point(501_000, 5_701_000),
            Point(508_000, 5_703_000),
            Point(520_000, 5_702_500),
            Point(503_500, 5_706_000),
        ],
        crs=kp.CRS,
    )
    organisations = pd.DataFrame(
        {
            "org_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
            "name": [
                "Heimatverein Aheim",
                "Musikverein Aheim",
                "Kunstverein Cestadt",
                "Theatergruppe Cestadt",
                "Förderverein Bücherei Bedorf",
                "Heimatverein Dewald",
            ],
            "category": [
                "heimatverein_archiv",
                "musikschule",
                "galerie",
                "theater",
                "bibliothek",
                "heimatverein_archiv",
            ],
            "ags": ["99001001", "99001001", "99001003", "99001003", "99001002", "99001004"],
            "members": [80, 45, 120, 30, 25, 40],
            "volunteers": [12, 8, 15, None, 10, 5],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": [f"E{i:02d}" for i in range(1, 12)],
            "title": [
                "Vorlesestunde",
                "Sommerkonzert",
                "Führung für Senior:innen",
                "Bilderbuchkino",
                "Familienlesung",
                "Sonderausstellung",
                "Dorffest",
                "Bandworkshop",
                "Open-Air-Kino",
                "Seniorentanz",
                "Silvestertheater",
            ],
            "category": [
                "bibliothek",
                "musikschule",
                "museum",
                "bibliothek",
                "bibliothek",
                "museum",
                "veranstaltungsraum",
                "musikschule",
                "kino",
                "veranstaltungsraum",
                "theater",
            ],
            "start": pd.to_datetime(
                [
                    "2024-05-04 15:00",
                    "2024-09-10 19:00",
                    "2024-11-20 10:00",
                    "2025-01-15 16:00",
                    "2025-03-02 11:00",
                    "2025-04-12 10:00",
                    "2025-05-20 14:00",
                    "2025-06-21 13:00",
                    "2025-08-30 21:00",
                    "2025-10-03 15:00",
                    "2025-12-31 20:00",
                ]
            ),
            "facility_id": ["F01", "F03", "F07", "F01", "F02", "F07", None, "F03", "F05", "F06",
                            "F09"],
            "ags": [None, None, None, None, None, None, "99001004", None, None, None, None],
            "target_group": [
                "kinder",
                "alle",
                "senioren",
                "kinder",
                "familien; kinder",
                "erwachsene",
                "jugendliche",
                "jugendliche",
                "alle",
                "senioren",
                "erwachsene",
            ],
            "attendance": [25, 180, 15, 30, 40, 120, 600, 12, 250, 45, 300],
        }
    )
    funding = pd.DataFrame(
        [
            (2024, "99001001", "allgemein", "kommune", 5_000),
            (2024, "99001001", "museum", "land", 2_000),
            (2024, "99001002", "bibliothek", "kommune", 10_000),
            (2024, "99001003", "allgemein", "kommune", 60_000),
            (2024, "99001003", "musikschule", "kreis", 24_000),
            (2024, "99001003", "galerie", "stiftung", 6_000),
            (2025, "99001001", "allgemein", "kommune", 6_000),
            (2025, "99001001", "museum", "land", 3_000),
            (2025, "99001001", "allgemein", "stiftung", 1_000),
            (2025, "99001002", "bibliothek", "kommune", 5_000),
            (2025, "99001002", "veranstaltungsraum", "eu", 3_000),
            (2025, "99001003", "allgemein", "kommune", 66_000),
            (2025, "99001003", "musikschule", "kreis", 24_000),
            (2025, "99001003", "kino", "bund", 12_000),
            (2025, "99001003", "allgemein", "sonstige", 3_000),
        ],
        columns=["year", "ags", "category", "source", "amount_eur"],
    )
    return kp.Region(
        municipalities=municipalities,
        facilities=facilities,
        organisations=organisations,
        events=events,
        funding=funding,
        name="Testkreis Tiny",
        kreis_ags="99001",
    )


@pytest.fixture
def tiny_region() -> kp.Region:
    """The hand-made 4-municipality region described in this module's docstring.

    Built afresh for every test (about 50 ms), so a test that changes a table in place
    cannot affect another test.
    """
    return make_tiny_region()


@pytest.fixture
def tiny_region_zero_population() -> kp.Region:
    """``tiny_region`` with Dewald (99001004) at 0 inhabitants (all age groups 0)."""
    return make_tiny_region({"99001004": 0})


# Browser fixtures (Voilà + headless Chromium) for every test_dashboard* module.
from browser_support import browser, voila_mittelsachsen, voila_url  # noqa: E402, F401
