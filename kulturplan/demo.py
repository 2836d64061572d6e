"""The fictional demo district "Landkreis Musterland".

:func:`musterland` builds a deterministic, realistic and clearly fictional region:
an irregular district outline in EPSG:25832, municipalities as Voronoi cells of
seeded centres clipped to the outline, populations with a rank-size shape, age
groups, settlement types, cultural facilities, associations (Vereine), one year of
events, three years of funding and a resident survey. Keys use the Land prefix
``99``, which no real German Land has, so the demo can never be mistaken for, or
clash with, official data.

Every number is drawn from ``numpy.random.default_rng(seed)``: the same seed gives
an identical region. ``n_municipalities`` scales the district (the outline grows
with its square root, so densities stay realistic) for benchmarks with thousands
of municipalities; everything is vectorised.

Run ``python -m kulturplan.demo data/musterland`` to write the demo region folder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan._paths import write_atomic
from kulturplan.errors import ParameterError
from kulturplan.region import CRS, Region

__all__ = [
    "ATTRIBUTION",
    "BOOKMOBILE_NAME",
    "MusicSchoolAssociation",
    "PROJECTION_YEARS",
    "SURVEY_AGE_GROUPS",
    "SURVEY_CATEGORIES",
    "bookmobile_route",
    "calendar_feed_map",
    "calendar_feeds",
    "music_school_association",
    "musterland",
    "projection_csv",
    "projection_table",
    "survey_export_csv",
    "volunteer_attachments",
    "volunteer_offers",
    "volunteer_requests",
]

ATTRIBUTION = "Fiktive Demodaten (kulturplan)"
"""Attribution of the demo data, shown on maps and in reports."""

SURVEY_CATEGORIES: tuple[str, ...] = (
    "bibliothek",
    "musikschule",
    "museum",
    "theater",
    "kino",
    "soziokulturelles_zentrum",
    "volkshochschule",
)
"""Sparten of the standard questionnaire (``besuche_<id>``, ``interesse_<id>``,
``zufriedenheit_wohnort_<id>``, ``zufriedenheit_kreis_<id>``)."""

SURVEY_AGE_GROUPS: tuple[str, ...] = ("18_29", "30_64", "65_plus")
"""Age groups of the survey respondents (value ``X`` ↔ municipality column ``pop_X``)."""

YEAR = 2025
FUNDING_YEARS = (2023, 2024, 2025)
_BASE_N = 24  # the reference district: 24 municipalities on about 40 x 50 km
_CENTRE = (500_000.0, 5_700_000.0)

# --- municipality names --------------------------------------------------------------
_PREFIXES = (
    "Linden", "Birk", "Eichen", "Buchen", "Tannen", "Erlen", "Eschen", "Ahorn", "Weiden",
    "Hasel", "Holder", "Rosen", "Mühl", "Stein", "Berg", "Wald", "Wiesen", "Bach", "Brunn",
    "Sonnen", "Kirch", "Hof", "Feld", "Heide", "Moos", "Fuchs", "Hasen", "Falken", "Raben",
    "Adler", "Kranich", "Otter", "Biber", "Hirsch", "Wolfs", "Lerchen", "Schwanen", "Eulen",
    "Kalten", "Grün", "Roth", "Weiß", "Schön", "Hohen", "Tiefen", "Breiten", "Lang", "Espen",
    "Kronen", "Silber",
)
_SUFFIXES = (
    "au", "hausen", "dorf", "feld", "berg", "bach", "heim", "ingen", "stadt", "rode",
    "hagen", "burg", "born", "brück", "furt", "wald", "tal", "kirchen", "weiler", "hofen",
    "stedt", "beck", "leben", "grund", "horst", "hain", "wang", "scheid", "ried", "winkel",
)
_QUALIFIERS = ("Ober", "Nieder", "Groß", "Klein", "Alt", "Neu")

# --- facilities: rate per 10,000 inhabitants, size exponent, minimum population -------
#     (larger places have more and larger facilities; small villages have none)
_FACILITY_RATES: dict[str, tuple[float, float, float]] = {
    "bibliothek": (1.5, 0.8, 1500),
    "musikschule": (1.0, 1.0, 4000),
    "museum": (1.2, 1.0, 2000),
    "theater": (0.3, 1.6, 5000),
    "kino": (0.4, 1.5, 5000),
    "soziokulturelles_zentrum": (0.3, 1.5, 5000),
    "jugendkunstschule": (0.2, 1.5, 8000),
    "volkshochschule": (0.8, 0.8, 3000),
    "veranstaltungsraum": (5.0, 0.8, 1500),
    "galerie": (0.8, 1.3, 2000),
    "heimatverein_archiv": (3.0, 0.7, 1200),
}
# name templates: (first facility in a town, first facility in a village, further ones)
_FACILITY_NAMES: dict[str, tuple[str, str, str]] = {
    "bibliothek": ("Stadtbibliothek {m}", "Gemeindebücherei {m}", "Zweigbibliothek {m}"),
    "musikschule": (
        "Musikschule {m}", "Musikschule Zweigstelle {m}", "Musikschule Zweigstelle {m}"
    ),
    "museum": ("Stadtmuseum {m}", "Heimatmuseum {m}", "Museumsscheune {m}"),
    "theater": ("Stadttheater {m}", "Freilichtbühne {m}", "Kleinkunstbühne {m}"),
    "kino": ("Filmtheater {m}", "Dorfkino {m}", "Programmkino {m}"),
    "soziokulturelles_zentrum": ("Kulturzentrum {m}", "Kulturscheune {m}", "Kulturhaus {m}"),
    "jugendkunstschule": (
        "Jugendkunstschule {m}", "Jugendkunstschule {m}", "Jugendkunstschule Atelier {m}"
    ),
    "volkshochschule": ("Volkshochschule {m}", "VHS-Außenstelle {m}", "VHS-Außenstelle {m}"),
    "veranstaltungsraum": ("Stadthalle {m}", "Bürgerhaus {m}", "Dorfgemeinschaftshaus {m}"),
    "galerie": ("Galerie am Markt {m}", "Galerie {m}", "Kunstraum {m}"),
    "heimatverein_archiv": ("Stadtarchiv {m}", "Heimatstube {m}", "Heimatstube {m}"),
}
_ORTSTEILE = ("", "-Nord", "-Süd", "-Ost", "-West", "-Mitte", "-Oberdorf", "-Unterdorf",
              "-Am Bach", "-Kirchberg", "-Neubau", "-Feldmark")
# typical places (capacity), opening hours per week, events per year, spread of locations
_FACILITY_TRAITS: dict[str, tuple[float, float, float, bool]] = {
    "bibliothek": (40, 20, 30, False),
    "musikschule": (80, 35, 15, False),
    "museum": (60, 20, 18, False),
    "theater": (350, 15, 60, False),
    "kino": (150, 30, 35, False),
    "soziokulturelles_zentrum": (200, 30, 70, False),
    "jugendkunstschule": (30, 20, 25, False),
    "volkshochschule": (40, 30, 35, False),
    "veranstaltungsraum": (200, 10, 14, True),
    "galerie": (40, 12, 9, False),
    "heimatverein_archiv": (25, 4, 5, True),
}
_OPERATORS = ("kommunal", "verein", "privat", "kirchlich")
_OPERATOR_P: dict[str, tuple[float, float, float, float]] = {
    "bibliothek": (0.70, 0.05, 0.0, 0.25),
    "musikschule": (0.60, 0.30, 0.10, 0.0),
    "museum": (0.50, 0.40, 0.10, 0.0),
    "theater": (0.40, 0.40, 0.20, 0.0),
    "kino": (0.05, 0.15, 0.80, 0.0),
    "soziokulturelles_zentrum": (0.20, 0.80, 0.0, 0.0),
    "jugendkunstschule": (0.50, 0.50, 0.0, 0.0),
    "volkshochschule": (1.0, 0.0, 0.0, 0.0),
    "veranstaltungsraum": (0.70, 0.15, 0.0, 0.15),
    "galerie": (0.10, 0.40, 0.50, 0.0),
    "heimatverein_archiv": (0.30, 0.70, 0.0, 0.0),
}

# --- organisations (Vereine) ------------------------------------------------------------
_ORG_SHARE: dict[str, float] = {
    "musikschule": 0.34, "heimatverein_archiv": 0.20, "theater": 0.10,
    "veranstaltungsraum": 0.10, "galerie": 0.06, "soziokulturelles_zentrum": 0.06,
    "museum": 0.05, "bibliothek": 0.04, "kino": 0.02, "jugendkunstschule": 0.02,
    "volkshochschule": 0.01,
}
_ORG_NAMES: dict[str, tuple[str, ...]] = {
    "musikschule": ("Musikverein {m}", "Gesangverein Harmonie {m}", "Männerchor {m}",
                    "Frauenchor {m}", "Posaunenchor {m}", "Spielmannszug {m}",
                    "Blasorchester {m}", "Kammerchor {m}", "Jugendblasorchester {m}",
                    "Gospelchor {m}", "Big Band {m}", "Mandolinenorchester {m}"),
    "theater": ("Theaterverein {m}", "Laienspielschar {m}", "Volksbühne {m}",
                "Kinder- und Jugendtheater {m}", "Mundartbühne {m}"),
    "heimatverein_archiv": ("Heimatverein {m}", "Geschichtsverein {m}",
                            "Heimat- und Verkehrsverein {m}", "Trachtenverein {m}",
                            "Arbeitskreis Ortschronik {m}"),
    "veranstaltungsraum": ("Dorfgemeinschaft {m}", "Bürgerhausverein {m}", "Kulturring {m}",
                           "Förderverein Dorfgemeinschaftshaus {m}"),
    "galerie": ("Kunstverein {m}", "Malkreis {m}", "Künstlergemeinschaft {m}"),
    "soziokulturelles_zentrum": ("Kulturinitiative {m}", "Kulturverein {m}", "Soziokultur {m}"),
    "museum": ("Museumsverein {m}", "Förderverein Heimatmuseum {m}", "Freundeskreis Museum {m}"),
    "bibliothek": ("Förderverein Bücherei {m}", "Literaturkreis {m}", "Lesepaten {m}"),
    "kino": ("Filmclub {m}", "Kinoverein {m}"),
    "jugendkunstschule": ("Kunstwerkstatt {m}", "Förderverein Jugendkunstschule {m}"),
    "volkshochschule": ("Förderverein Volkshochschule {m}", "Bildungswerk {m}"),
}
_ORG_MEMBERS: dict[str, float] = {
    "musikschule": 70, "heimatverein_archiv": 110, "theater": 35, "veranstaltungsraum": 90,
    "galerie": 30, "soziokulturelles_zentrum": 60, "museum": 80, "bibliothek": 40,
    "kino": 45, "jugendkunstschule": 40, "volkshochschule": 50,
}
_TARGETS = ("kinder", "jugendliche", "familien", "erwachsene", "senioren", "alle")

# --- events -------------------------------------------------------------------------------
_EVENT_TITLES: dict[str, tuple[str, ...]] = {
    "bibliothek": ("Lesung", "Vorlesestunde", "Bilderbuchkino", "Bücherflohmarkt",
                   "Autorenlesung", "Spielenachmittag"),
    "musikschule": ("Schülerkonzert", "Vorspielabend", "Konzert", "Tag der offenen Tür",
                    "Chorkonzert", "Platzkonzert"),
    "museum": ("Führung", "Ausstellungseröffnung", "Museumsfest", "Vortrag",
               "Familiensonntag", "Sonderausstellung"),
    "theater": ("Theateraufführung", "Premiere", "Komödie", "Kindertheater", "Kabarett",
                "Mundarttheater"),
    "kino": ("Filmabend", "Open-Air-Kino", "Kinderkino", "Seniorenkino", "Filmgespräch"),
    "soziokulturelles_zentrum": ("Konzert", "Poetry Slam", "Repair-Café", "Kulturcafé",
                                 "Workshop", "Tanzabend", "Flohmarkt"),
    "jugendkunstschule": ("Malkurs", "Ferienwerkstatt", "Ausstellung", "Töpferkurs",
                          "Fotoworkshop"),
    "volkshochschule": ("Vortrag", "Kurs", "Exkursion", "Lesung", "Workshop"),
    "veranstaltungsraum": ("Dorffest", "Konzert", "Theaterabend", "Kulturabend",
                           "Adventsmarkt", "Tanz in den Mai", "Seniorennachmittag"),
    "galerie": ("Vernissage", "Finissage", "Künstlergespräch", "Ausstellung"),
    "heimatverein_archiv": ("Heimatabend", "Ortsrundgang", "Vortrag zur Ortsgeschichte",
                            "Tag des offenen Denkmals", "Erzählcafé"),
}
# start hours to choose from, duration in hours, probability of free entry
_EVENT_TIMES: dict[str, tuple[tuple[int, ...], float, float]] = {
    "bibliothek": ((10, 15, 16, 19), 1.5, 0.75),
    "musikschule": ((15, 17, 18, 19), 1.5, 0.6),
    "museum": ((11, 14, 15, 18), 2.0, 0.3),
    "theater": ((15, 19, 20), 2.5, 0.1),
    "kino": ((15, 17, 20), 2.0, 0.05),
    "soziokulturelles_zentrum": ((14, 19, 20), 3.0, 0.35),
    "jugendkunstschule": ((10, 14, 15), 2.0, 0.2),
    "volkshochschule": ((9, 18, 19), 2.0, 0.15),
    "veranstaltungsraum": ((11, 14, 19), 4.0, 0.45),
    "galerie": ((11, 18, 19), 2.0, 0.85),
    "heimatverein_archiv": ((10, 14, 19), 2.5, 0.7),
}
# share of target groups per category, order of _TARGETS
_EVENT_TARGETS: dict[str, tuple[float, ...]] = {
    "bibliothek": (0.35, 0.08, 0.12, 0.25, 0.10, 0.10),
    "musikschule": (0.20, 0.20, 0.15, 0.10, 0.05, 0.30),
    "museum": (0.10, 0.05, 0.20, 0.25, 0.10, 0.30),
    "theater": (0.15, 0.05, 0.10, 0.30, 0.05, 0.35),
    "kino": (0.15, 0.15, 0.10, 0.25, 0.10, 0.25),
    "soziokulturelles_zentrum": (0.05, 0.20, 0.10, 0.30, 0.05, 0.30),
    "jugendkunstschule": (0.45, 0.35, 0.10, 0.05, 0.0, 0.05),
    "volkshochschule": (0.05, 0.05, 0.05, 0.55, 0.20, 0.10),
    "veranstaltungsraum": (0.05, 0.05, 0.20, 0.15, 0.15, 0.40),
    "galerie": (0.02, 0.03, 0.05, 0.50, 0.10, 0.30),
    "heimatverein_archiv": (0.03, 0.02, 0.10, 0.25, 0.30, 0.30),
}

# --- funding: typical yearly municipal budget per facility (EUR) --------------------------
_FUNDING_BASE: dict[str, float] = {
    "bibliothek": 90_000, "musikschule": 250_000, "museum": 80_000, "theater": 400_000,
    "kino": 20_000, "soziokulturelles_zentrum": 60_000, "jugendkunstschule": 80_000,
    "volkshochschule": 150_000, "veranstaltungsraum": 25_000, "galerie": 10_000,
    "heimatverein_archiv": 8_000,
}


@dataclass(frozen=True)
class _Places:
    """Municipal centres and attributes used by the generators of the other tables."""

    ags: np.ndarray
    name: np.ndarray
    pop: np.ndarray
    area_km2: np.ndarray
    size_class: np.ndarray  # 0 Mittelzentrum, 1 Kleinstadt/Grundzentrum, 2 Dorf
    x: np.ndarray
    y: np.ndarray
    geometry: np.ndarray
    ages: np.ndarray  # (n, 5) integer age groups in catalog.AGE_GROUPS order


def _round_cm(values: np.ndarray) -> np.ndarray:
    """Round coordinates to centimetres as the region folder stores them (exactly)."""
    return np.round(np.asarray(values, dtype=float) * 100.0) / 100.0


# --- geometry ---------------------------------------------------------------------------------
def _outline(rng: np.random.Generator, n: int) -> shapely.Polygon:
    """Irregular district outline of about 40 x 50 km for 24 municipalities."""
    scale = math.sqrt(n / _BASE_N)
    k = 96
    theta = np.linspace(0.0, 2.0 * math.pi, k, endpoint=False)
    a, b = 20_000.0 * scale, 25_000.0 * scale
    radius = a * b / np.sqrt((b * np.cos(theta)) ** 2 + (a * np.sin(theta)) ** 2)
    wobble = np.ones(k)
    for j in range(2, 7):
        wobble += (
            rng.uniform(0.02, 0.09) / (j - 1) * np.cos(j * theta + rng.uniform(0, 2 * math.pi))
        )
    wobble *= 1.0 + rng.normal(0.0, 0.012, k)
    rot = rng.uniform(-0.3, 0.3)
    cx = _CENTRE[0] + rng.uniform(-20_000, 20_000)
    cy = _CENTRE[1] + rng.uniform(-20_000, 20_000)
    r = radius * wobble
    x = cx + r * np.cos(theta + rot)
    y = cy + r * np.sin(theta + rot)
    return shapely.Polygon(np.column_stack([_round_cm(x), _round_cm(y)]))


def _centres(rng: np.random.Generator, outline: shapely.Polygon, n: int) -> np.ndarray:
    """``n`` well-spread points inside ``outline`` (jittered grid, seeded)."""
    minx, miny, maxx, maxy = outline.bounds
    cell = math.sqrt(outline.area / n)
    while True:
        xs = np.arange(minx + cell / 2, maxx, cell)
        ys = np.arange(miny + cell / 2, maxy, cell)
        gx, gy = np.meshgrid(xs, ys)
        px = gx.ravel() + rng.uniform(-0.3, 0.3, gx.size) * cell
        py = gy.ravel() + rng.uniform(-0.3, 0.3, gy.size) * cell
        inner = outline.buffer(-0.15 * cell)
        inside = shapely.contains_xy(inner, px, py)
        if inside.sum() >= n:
            break
        cell *= 0.97
    idx = np.flatnonzero(inside)
    idx = np.sort(rng.choice(idx, size=n, replace=False))
    return np.column_stack([_round_cm(px[idx]), _round_cm(py[idx])])


def _municipal_polygons(outline: shapely.Polygon, centres: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``centres`` clipped to ``outline``, in the order of ``centres``."""
    points = shapely.multipoints(centres)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(points, extend_to=outline.buffer(1_000), ordered=True)
    )
    clipped = shapely.intersection(cells, outline)
    clipped = shapely.set_precision(clipped, 0.01)  # centimetre grid, stays valid
    # keep polygonal parts only (an intersection may touch the outline in a line)
    bad = ~np.isin(shapely.get_type_id(clipped), [3, 6])
    if bad.any():
        parts = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
            for g in clipped[bad]
        ]
        clipped[bad] = parts
    return clipped


# --- names --------------------------------------------------------------------------------------
def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` unique fictional German-sounding place names."""
    base = [p + s for p in _PREFIXES for s in _SUFFIXES if not p.lower().endswith(s)]
    base = list(dict.fromkeys(base))
    order = rng.permutation(len(base))
    names = [base[i] for i in order]
    if n > len(names):
        extra = [q + base[i].lower() for q in _QUALIFIERS for i in order]
        names += extra
    if n > len(names):
        roman = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
        names += [f"{b} {r}" for r in roman for b in list(names)]
    names = list(dict.fromkeys(names))
    if n > len(names):  # pragma: no cover - more than ~150,000 municipalities
        raise ParameterError("Zu viele Gemeinden für den Namensgenerator.")
    return np.array(names[:n], dtype=object)


# --- population -----------------------------------------------------------------------------------
def _class_counts(n: int) -> tuple[int, int]:
    """Number of Mittelzentren and small towns for ``n`` municipalities."""
    n_mz = max(1, round(n / _BASE_N))
    n_town = min(max(n - n_mz, 0), max(1 if n >= 3 else 0, round(n * 4 / _BASE_N)))
    return n_mz, n_town


def _populations(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Populations by rank (descending) and their size class (0, 1, 2)."""
    n_mz, n_town = _class_counts(n)
    n_village = n - n_mz - n_town
    size_class = np.repeat([0, 1, 2], [n_mz, n_town, n_village])
    expected = 137_000 * n / _BASE_N
    for _ in range(1000):
        mz = rng.uniform(25_000, 35_000, n_mz)
        town = rng.uniform(8_000, 15_000, n_town)
        village = 1_000 + 4_000 * rng.random(n_village) ** 0.8
        pop = np.round(np.concatenate([mz, town, village])).astype(np.int64)
        total = pop.sum()
        # 120-180 thousand for 24 municipalities; keep a safety margin inside that range
        if n < 12 or 125_000 / 137_000 <= total / expected <= 175_000 / 137_000:
            break
    order = np.argsort(-pop, kind="stable")
    return pop[order], size_class


def _age_groups(rng: np.random.Generator, pop: np.ndarray, size_class: np.ndarray) -> np.ndarray:
    """Integer age groups summing exactly to ``pop`` (largest remainder method)."""
    base = np.array([0.055, 0.11, 0.125, 0.48, 0.23])
    older = np.array([-0.004, -0.005, -0.02, 0.004, 0.025])  # villages are older
    share = base + older * (size_class[:, None] == 2) - older * (size_class[:, None] == 0)
    share = rng.gamma(share * 3000.0)
    share /= share.sum(axis=1, keepdims=True)
    raw = share * pop[:, None]
    low = np.floor(raw).astype(np.int64)
    rest = pop - low.sum(axis=1)
    rank = np.argsort(np.argsort(-(raw - low), axis=1, kind="stable"), axis=1, kind="stable")
    return low + (rank < rest[:, None])


def _keys(
    n: int, centres: np.ndarray, names: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """AGS and Kreis keys with the fictional Land prefix ``99``.

    Up to 999 municipalities form one Kreis ``99001``; larger demo regions are cut
    into compact Kreise of about 24 municipalities (Regierungsbezirk digit 0-9).
    Within a Kreis, municipality numbers follow the alphabetical order of the names,
    as in the official register.
    """
    if n <= 999:
        kreis = np.zeros(n, dtype=np.int64)
    else:
        g = max(1, round(math.sqrt(n / _BASE_N)))
        x, y = centres[:, 0], centres[:, 1]
        cx = np.minimum(((x - x.min()) / (np.ptp(x) + 1e-9) * g).astype(int), g - 1)
        cy = np.minimum(((y - y.min()) / (np.ptp(y) + 1e-9) * g).astype(int), g - 1)
        _, kreis = np.unique(cy * g + cx, return_inverse=True)
        if kreis.max() >= 990:  # pragma: no cover - far beyond benchmark sizes
            raise ParameterError("Zu viele Kreise für den AGS-Präfix 99.")
    rb = kreis // 99
    kk = kreis % 99 + 1
    kreis_ags = np.array([f"99{r}{k:02d}" for r, k in zip(rb, kk, strict=False)], dtype=object)
    frame = pd.DataFrame({"kreis": kreis_ags, "name": names})
    frame = frame.sort_values(["kreis", "name"], kind="stable")
    frame["nr"] = frame.groupby("kreis").cumcount() + 1
    frame = frame.sort_index()
    if frame["nr"].max() > 999:  # pragma: no cover - grid cells hold about 24
        raise ParameterError("Mehr als 999 Gemeinden in einem Kreis.")
    ags = (frame["kreis"] + frame["nr"].map("{:03d}".format)).to_numpy(dtype=object)
    return ags, kreis_ags


def _municipalities(rng: np.random.Generator, n: int) -> tuple[gpd.GeoDataFrame, _Places]:
    outline = _outline(rng, n)
    centres = _centres(rng, outline, n)
    polygons = _municipal_polygons(outline, centres)
    pop, size_class = _populations(rng, n)
    # the largest place lies near the middle of the district, the others at random
    middle = np.array(outline.centroid.coords[0])
    dist = np.hypot(*(centres - middle).T)
    first = int(np.argmin(dist))
    rest = rng.permutation(np.delete(np.arange(n), first))
    slot = np.concatenate([[first], rest])  # slot[i]: centre of the i-th largest place
    pop_at = np.empty(n, dtype=np.int64)
    class_at = np.empty(n, dtype=np.int64)
    pop_at[slot] = pop
    class_at[slot] = size_class
    names = _names(rng, n)
    ags, kreis_ags = _keys(n, centres, names)
    ages = _age_groups(rng, pop_at, class_at)
    area = np.round(shapely.area(polygons) / 1e6, 2)
    density = pop_at / area
    urban = np.where(density >= 500, 1, np.where(density >= 150, 2, 3))
    central = np.array(["Mittelzentrum", "Grundzentrum", "kein zentraler Ort"], dtype=object)
    data = {
        "ags": ags,
        "name": names,
        "kreis_ags": kreis_ags,
        "population": pop_at,
        "area_km2": area,
        "urban_degree": urban,
        "central_place": central[class_at],
    }
    for j, col in enumerate(catalog.AGE_GROUPS):
        data[col] = ages[:, j]
    frame = gpd.GeoDataFrame(pd.DataFrame(data), geometry=polygons, crs=CRS)
    frame = frame.sort_values("ags", kind="stable").reset_index(drop=True)
    order = np.argsort(ags, kind="stable")
    places = _Places(
        ags=ags[order],
        name=names[order],
        pop=pop_at[order].astype(float),
        area_km2=area[order],
        size_class=class_at[order],
        x=centres[order, 0],
        y=centres[order, 1],
        geometry=polygons[order],
        ages=ages[order],
    )
    return frame, places


# --- facilities --------------------------------------------------------------------------------
def _fill(template: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Vectorised ``template.format(m=name)`` for object arrays."""
    parts = pd.Series(template).str.split("{m}", n=1, regex=False)
    head = parts.str[0].to_numpy(dtype=object)
    tail = parts.str[1].fillna("").to_numpy(dtype=object)
    return head + names + tail


def _cumcount(*keys: np.ndarray) -> np.ndarray:
    """Running number (0, 1, …) of each row within groups of equal ``keys``."""
    return pd.DataFrame({str(i): k for i, k in enumerate(keys)}).groupby(
        [str(i) for i in range(len(keys))], sort=False
    ).cumcount().to_numpy()


def _points_near(
    rng: np.random.Generator, p: _Places, muni: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Points around the centres of ``muni`` (normal jitter), inside their polygon."""
    x = np.array(p.x[muni], dtype=float)
    y = np.array(p.y[muni], dtype=float)
    todo = np.arange(len(muni))
    for _ in range(12):
        if todo.size == 0:
            break
        nx = _round_cm(p.x[muni[todo]] + rng.normal(0.0, 1.0, todo.size) * sigma[todo])
        ny = _round_cm(p.y[muni[todo]] + rng.normal(0.0, 1.0, todo.size) * sigma[todo])
        ok = shapely.contains_xy(p.geometry[muni[todo]], nx, ny)
        x[todo[ok]] = nx[ok]
        y[todo[ok]] = ny[ok]
        todo = todo[~ok]
    # points never drawn inside stay at the municipal centre (always inside its cell)
    return x, y


def _facilities(
    rng: np.random.Generator, p: _Places
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Facilities and, per facility, its running number within municipality and category."""
    cats = catalog.category_ids()
    n = len(p.ags)
    rate = np.array([_FACILITY_RATES.get(c, (0.3, 1.0, 5000))[0] for c in cats])
    expo = np.array([_FACILITY_RATES.get(c, (0.3, 1.0, 5000))[1] for c in cats])
    minp = np.array([_FACILITY_RATES.get(c, (0.3, 1.0, 5000))[2] for c in cats])
    pop = p.pop[:, None]
    lam = rate * (pop / 10_000) ** expo * np.clip((pop - minp) / (0.5 * minp), 0.0, 1.0)
    counts = rng.poisson(lam)
    counts[p.size_class == 0] = np.maximum(counts[p.size_class == 0], 1)  # full offer in MZ
    # the smallest villages (15 % of them, at least two) have no cultural facility at all
    villages = np.flatnonzero(p.size_class == 2)
    n_empty = min(len(villages), max(2, math.ceil(0.15 * len(villages))))
    empty = villages[np.argsort(p.pop[villages], kind="stable")[:n_empty]]
    counts[empty] = 0
    muni = np.repeat(np.repeat(np.arange(n), len(cats)), counts.ravel())
    cat = np.repeat(np.tile(np.arange(len(cats)), n), counts.ravel())
    k = _cumcount(muni, cat)
    # mobile library stops in villages without a library
    no_library = np.flatnonzero((counts[:, cats.index("bibliothek")] == 0) & (p.size_class == 2))
    no_library = np.setdiff1d(no_library, empty)
    n_mobile = min(len(no_library), max(1, round(2 * n / _BASE_N)))
    mobile_muni = np.sort(rng.choice(no_library, size=n_mobile, replace=False))
    muni = np.concatenate([muni, mobile_muni])
    cat = np.concatenate([cat, np.full(n_mobile, cats.index("bibliothek"))])
    k = np.concatenate([k, np.zeros(n_mobile, dtype=k.dtype)])
    mobile = np.concatenate([np.zeros(len(k) - n_mobile, bool), np.ones(n_mobile, bool)])
    m = len(muni)
    cat_ids = np.array(cats, dtype=object)[cat]
    traits = np.array([_FACILITY_TRAITS.get(c, (50, 10, 10, False)) for c in cats], dtype=float)
    spread = traits[cat, 3].astype(bool)
    town_radius = 250.0 + 350.0 * np.sqrt(p.pop[muni] / 10_000)
    sigma = np.where(spread, 0.28 * np.sqrt(p.area_km2[muni]) * 1000.0, town_radius)
    sigma = np.where(mobile, 150.0, sigma)
    x, y = _points_near(rng, p, muni, sigma)

    # operator from category-specific shares
    op_p = np.array([_OPERATOR_P.get(c, (0.5, 0.5, 0.0, 0.0)) for c in cats])
    op_cum = np.cumsum(op_p, axis=1)[cat]
    operator = np.array(_OPERATORS, dtype=object)[
        np.minimum((rng.random(m)[:, None] > op_cum).sum(axis=1), 3)
    ]
    operator[mobile] = "kommunal"

    # names
    tmpl = np.array([_FACILITY_NAMES.get(c, ("{m}", "{m}", "{m}")) for c in cats], dtype=object)
    town = p.size_class[muni] < 2
    first = np.where(town, tmpl[cat, 0], tmpl[cat, 1])
    template = np.where(k == 0, first, tmpl[cat, 2])
    kirchlich = (cat_ids == "bibliothek") & (operator == "kirchlich")
    template = np.where(kirchlich & (k == 0), "Katholische öffentliche Bücherei {m}", template)
    template = np.where(mobile, "Fahrbibliothek – Haltestelle {m}", template)
    ortsteil = np.array(
        list(_ORTSTEILE) + [f" {i}" for i in range(len(_ORTSTEILE), int(k.max()) + 2)],
        dtype=object,
    )
    names = _fill(template.astype(object), p.name[muni]) + ortsteil[k]

    size = (p.pop[muni] / 10_000) ** 0.3
    branch = np.where(k > 0, 0.6, 1.0)
    capacity = traits[cat, 0] * size * branch * rng.lognormal(0.0, 0.25, m)
    capacity = np.maximum(5.0, np.round(capacity / 5.0) * 5.0)
    unknown = rng.random(m) < np.where(cat_ids == "heimatverein_archiv", 0.4, 0.15)
    capacity[unknown | mobile] = np.nan
    hours = traits[cat, 1] * (p.pop[muni] / 10_000) ** 0.25 * branch * rng.lognormal(0.0, 0.2, m)
    hours = np.clip(np.round(hours * 2.0) / 2.0, 1.0, 70.0)
    hours[mobile] = 2.0
    hours[rng.random(m) < 0.1] = np.nan
    barrier_free = rng.random(m) < np.where(town, 0.7, 0.45)
    barrier_free[mobile] = False

    width = max(5, len(str(m)))
    order = np.lexsort((k, cat, muni))  # by municipality, category, running number
    frame = pd.DataFrame(
        {
            "facility_id": [f"F{i + 1:0{width}d}" for i in range(m)],
            "name": names[order],
            "category": cat_ids[order],
            "ags": p.ags[muni][order],
            "capacity": capacity[order],
            "operator": operator[order],
            "hours_per_week": hours[order],
            "barrier_free": barrier_free[order],
            "mobile": mobile[order],
        }
    )
    for col in ("name", "category", "operator"):
        frame[col] = frame[col].astype("str")
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.points(x[order], y[order]), crs=CRS)
    return gdf, k[order]


# --- organisations ----------------------------------------------------------------------------
def _organisations(rng: np.random.Generator, p: _Places) -> pd.DataFrame:
    cats = catalog.category_ids()
    count = np.maximum(1, rng.poisson(p.pop / 1000.0 * 2.5))  # every village has a Verein
    muni = np.repeat(np.arange(len(p.ags)), count)
    m = len(muni)
    share = np.array([_ORG_SHARE.get(c, 0.0) for c in cats])
    cat = rng.choice(len(cats), size=m, p=share / share.sum())
    order = np.lexsort((cat, muni))
    muni, cat = muni[order], cat[order]
    k = _cumcount(muni, cat)
    n_tmpl = np.array([len(_ORG_NAMES.get(c, ("{m}",))) for c in cats])
    offset = rng.integers(0, 1_000, size=m)
    first_offset = pd.Series(offset).groupby([muni, cat]).transform("first").to_numpy()
    j = (first_offset + k) % n_tmpl[cat]
    flat = [t for c in cats for t in _ORG_NAMES.get(c, ("{m}",))]
    start = np.concatenate([[0], np.cumsum(n_tmpl)[:-1]])
    template = np.array(flat, dtype=object)[start[cat] + j]
    lap = k // n_tmpl[cat]
    names = _fill(template, p.name[muni]) + np.where(
        lap > 0, " " + pd.Series(lap + 1).astype(str).to_numpy(dtype=object), ""
    ) + " e. V."
    med = np.array([_ORG_MEMBERS.get(c, 50) for c in cats])[cat]
    members = np.maximum(7, np.round(med * rng.lognormal(0.0, 0.6, m))).astype(np.int64)
    volunteers = np.maximum(1, rng.binomial(members, rng.uniform(0.1, 0.45, m))).astype(np.int64)
    cat_ids = np.array(cats, dtype=object)[cat]
    # target groups: "alle" or one to three specific groups
    p_target = np.where(
        np.isin(cat_ids, ["jugendkunstschule", "bibliothek"])[:, None],
        [0.7, 0.4, 0.3, 0.2, 0.1],
        [0.15, 0.25, 0.3, 0.5, 0.35],
    )
    chosen = rng.random((m, 5)) < p_target
    none = ~chosen.any(axis=1)
    chosen[none, rng.integers(0, 5, none.sum())] = True
    is_all = rng.random(m) < 0.3
    labels = np.array(_TARGETS[:5], dtype=object)
    groups = [
        ["alle"] if a else list(labels[row]) for a, row in zip(is_all, chosen, strict=False)
    ]
    width = max(5, len(str(m)))
    frame = pd.DataFrame(
        {
            "org_id": [f"V{i + 1:0{width}d}" for i in range(m)],
            "name": names,
            "category": cat_ids,
            "ags": p.ags[muni],
            "members": members,
            "volunteers": volunteers,
            "target_groups": pd.Series(groups, dtype=object),
        }
    )
    for col in ("name", "category"):
        frame[col] = frame[col].astype("str")
    return frame


# --- events -------------------------------------------------------------------------------------
def _day_weights() -> np.ndarray:
    days = np.arange(np.datetime64(f"{YEAR}-01-01"), np.datetime64(f"{YEAR + 1}-01-01"))
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    w_day = np.array([0.6, 0.8, 0.9, 1.0, 1.4, 1.6, 1.3])[weekday]
    month = days.astype("datetime64[M]").astype(int) % 12
    w_month = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.0, 0.75, 0.7, 1.0, 1.1, 1.15, 1.2])[month]
    w = w_day * w_month
    return w / w.sum()


def _events(
    rng: np.random.Generator,
    p: _Places,
    fac: gpd.GeoDataFrame,
    running: np.ndarray,
    org: pd.DataFrame,
) -> pd.DataFrame:
    cats = catalog.category_ids()
    cat_index = {c: i for i, c in enumerate(cats)}
    ags_index = pd.Index(p.ags)
    traits = np.array([_FACILITY_TRAITS.get(c, (50, 10, 10, False)) for c in cats], dtype=float)

    # events at facilities (mobile library stops hold none)
    f_cat = fac["category"].map(cat_index).to_numpy()
    f_muni = ags_index.get_indexer(fac["ags"])
    lam = traits[f_cat, 2] * (p.pop[f_muni] / 10_000) ** 0.2 * np.where(running > 0, 0.5, 1.0)
    lam = np.where(fac["mobile"].to_numpy(), 0.0, lam)
    n_f = rng.poisson(lam)
    ev_fac = np.repeat(np.arange(len(fac)), n_f)

    # events of organisations: at a venue of their municipality when there is one
    n_o = rng.poisson(4.0, len(org))
    ev_org = np.repeat(np.arange(len(org)), n_o)
    o_muni = ags_index.get_indexer(org["ags"])[ev_org]
    venues = np.flatnonzero(~fac["mobile"].to_numpy())
    v_muni = f_muni[venues]
    order = np.argsort(v_muni, kind="stable")
    venues, v_muni = venues[order], v_muni[order]
    first = np.searchsorted(v_muni, np.arange(len(p.ags)))
    n_venues = np.bincount(v_muni, minlength=len(p.ags))
    has_venue = (n_venues[o_muni] > 0) & (rng.random(len(ev_org)) < 0.75)
    pick = first[o_muni] + np.floor(rng.random(len(ev_org)) * np.maximum(n_venues[o_muni], 1))
    o_venue = np.where(has_venue, venues[np.minimum(pick.astype(int), len(venues) - 1)], -1)

    e = len(ev_fac) + len(ev_org)
    cat = np.concatenate([f_cat[ev_fac], org["category"].map(cat_index).to_numpy()[ev_org]])
    venue = np.concatenate([ev_fac, o_venue])
    muni = np.concatenate([f_muni[ev_fac], o_muni])
    organiser = np.concatenate([np.full(len(ev_fac), -1), ev_org])

    # dates and times
    day = rng.choice(365, size=e, p=_day_weights())
    hours_opts = [_EVENT_TIMES.get(c, ((19,), 2.0, 0.3))[0] for c in cats]
    n_opts = np.array([len(h) for h in hours_opts])
    h_table = np.zeros((len(cats), n_opts.max()), dtype=np.int64)
    for i, h in enumerate(hours_opts):
        h_table[i, : len(h)] = h
    hour = h_table[cat, (rng.random(e) * n_opts[cat]).astype(int)]
    minute = np.where(rng.random(e) < 0.3, 30, 0)
    start = (
        np.datetime64(f"{YEAR}-01-01T00:00", "us")
        + day.astype("timedelta64[D]")
        + hour.astype("timedelta64[h]")
        + minute.astype("timedelta64[m]")
    )
    dur = np.array([_EVENT_TIMES.get(c, ((19,), 2.0, 0.3))[1] for c in cats])[cat]
    dur = dur + rng.choice([-0.5, 0.0, 0.0, 0.5, 1.0], size=e)
    end = start + (dur * 60).astype("timedelta64[m]")

    # target group, title, entry, attendance
    tp = np.array([_EVENT_TARGETS.get(c, (0, 0, 0, 0, 0, 1)) for c in cats])
    tcum = np.cumsum(tp / tp.sum(axis=1, keepdims=True), axis=1)[cat]
    target = np.array(_TARGETS, dtype=object)[
        np.minimum((rng.random(e)[:, None] > tcum).sum(axis=1), len(_TARGETS) - 1)
    ]
    n_titles = np.array([len(_EVENT_TITLES.get(c, ("Veranstaltung",))) for c in cats])
    t_start = np.concatenate([[0], np.cumsum(n_titles)[:-1]])
    flat = [t for c in cats for t in _EVENT_TITLES.get(c, ("Veranstaltung",))]
    kind = np.array(flat, dtype=object)[t_start[cat] + (rng.random(e) * n_titles[cat]).astype(int)]
    place = np.where(
        venue >= 0,
        fac["name"].to_numpy(dtype=object)[np.maximum(venue, 0)],
        p.name[muni],
    )
    title = kind + " – " + place
    free_p = np.array([_EVENT_TIMES.get(c, ((19,), 2.0, 0.3))[2] for c in cats])[cat]
    free = rng.random(e) < free_p
    cap = np.where(venue >= 0, fac["capacity"].to_numpy()[np.maximum(venue, 0)], np.nan)
    att = np.where(
        np.isnan(cap),
        np.round(rng.lognormal(math.log(35), 0.6, e)),
        np.round(cap * rng.uniform(0.2, 0.95, e)),
    )
    att = np.maximum(att, 3.0)
    att[rng.random(e) >= 0.4] = np.nan

    order = np.lexsort((venue, muni, start))
    width = max(6, len(str(e)))
    fac_ids = fac.index.to_numpy(dtype=object) if fac.index.name == "facility_id" else (
        fac["facility_id"].to_numpy(dtype=object)
    )
    org_ids = org["org_id"].to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "event_id": [f"E{i + 1:0{width}d}" for i in range(e)],
            "title": title[order],
            "category": np.array(cats, dtype=object)[cat][order],
            "start": start[order],
            "end": end[order],
            "facility_id": pd.Series(
                np.where(venue >= 0, fac_ids[np.maximum(venue, 0)], None)[order], dtype="str"
            ),
            "ags": p.ags[muni][order],
            "org_id": pd.Series(
                np.where(organiser >= 0, org_ids[np.maximum(organiser, 0)], None)[order],
                dtype="str",
            ),
            "target_group": target[order],
            "free_entry": free[order],
            "attendance": att[order],
        }
    )
    for col in ("title", "category", "target_group"):
        frame[col] = frame[col].astype("str")
    return frame


# --- funding --------------------------------------------------------------------------------------
def _funding(rng: np.random.Generator, p: _Places, fac: gpd.GeoDataFrame) -> pd.DataFrame:
    cats = catalog.category_ids()
    n, c = len(p.ags), len(cats)
    ags_index = pd.Index(p.ags)
    f_muni = ags_index.get_indexer(fac["ags"])
    f_cat = fac["category"].map({k: i for i, k in enumerate(cats)}).to_numpy()
    stationary = ~fac["mobile"].to_numpy()
    present = np.zeros((n, c), dtype=np.int64)
    np.add.at(present, (f_muni[stationary], f_cat[stationary]), 1)
    kommunal = np.zeros((n, c), dtype=np.int64)
    own = stationary & (fac["operator"].to_numpy() == "kommunal")
    np.add.at(kommunal, (f_muni[own], f_cat[own]), 1)
    base = np.array([_FUNDING_BASE.get(k, 20_000) for k in cats])
    size = np.sqrt(p.pop / 10_000)[:, None]
    years = np.array(FUNDING_YEARS)
    ny = len(years)
    growth = 1.025 ** (years - years[0])
    sources = list(catalog.FUNDING_SOURCES)
    columns = [*cats, "allgemein"]
    amount = np.zeros((ny, n, len(sources), c + 1))
    s = {k: i for i, k in enumerate(sources)}
    village = (p.size_class == 2)[:, None]

    def persistent(level: np.ndarray) -> np.ndarray:  # (n, c') -> (ny, n, c')
        g = growth.reshape((ny,) + (1,) * level.ndim)
        return level[None] * g * rng.lognormal(0.0, 0.05, (ny, *level.shape))

    def projects(prob: np.ndarray, low: float, high: float) -> np.ndarray:
        hit = rng.random((ny, *prob.shape)) < prob[None]
        return hit * rng.uniform(low, high, (ny, *prob.shape))

    has = present > 0
    # Kommune: own facilities plus a general culture budget (Vereinsförderung)
    amount[:, :, s["kommune"], :c] = persistent(
        kommunal * base * size * rng.lognormal(0.0, 0.3, (n, c))
    )
    amount[:, :, s["kommune"], c] = persistent(p.pop * rng.uniform(2.0, 8.0, n))
    # Kreis: music school and adult education subsidies, general Kreiskulturförderung
    kreis = np.zeros((n, c + 1))
    for key, share in (("musikschule", 0.3), ("volkshochschule", 0.4)):
        j = cats.index(key)
        kreis[:, j] = has[:, j] * share * base[j] * size[:, 0] * rng.lognormal(0.0, 0.2, n)
    kreis[:, c] = (rng.random(n) < 0.6) * rng.uniform(2_000, 15_000, n)
    amount[:, :, s["kreis"]] = persistent(kreis)
    # Land, Bund, EU (LEADER in villages), foundations, others: project funding
    amount[:, :, s["land"], :c] = projects(has * 0.25, 0.5, 1.5) * (0.15 * base * size)[None]
    amount[:, :, s["land"], c] = projects(np.full(n, 0.1), 2_000, 20_000)
    amount[:, :, s["bund"], :c] = projects(has * 0.03, 5_000, 50_000)
    eu_p = np.zeros((n, c + 1))
    eu_p[:, c] = 0.12 * village[:, 0]
    for key in ("heimatverein_archiv", "veranstaltungsraum"):
        eu_p[:, cats.index(key)] = 0.05 * village[:, 0] * has[:, cats.index(key)]
    amount[:, :, s["eu"]] = projects(eu_p, 10_000, 80_000)
    amount[:, :, s["stiftung"], :c] = projects(has * 0.08, 2_000, 25_000)
    amount[:, :, s["sonstige"], c] = projects(np.full(n, 0.1), 1_000, 10_000)
    amount = np.round(amount / 100.0) * 100.0

    yi, mi, si, ci = np.nonzero(amount > 0)
    frame = pd.DataFrame(
        {
            "year": years[yi].astype(np.int64),
            "ags": p.ags[mi],
            "category": np.array(columns, dtype=object)[ci],
            "source": np.array(sources, dtype=object)[si],
            "amount_eur": amount[yi, mi, si, ci],
        }
    )
    for col in ("category", "source"):
        frame[col] = frame[col].astype("str")
    return frame


# --- sex by age group (official register: female / male) -----------------------------------------
_FEMALE_SHARE = np.array([0.487, 0.486, 0.478, 0.497, 0.560])  # by catalog.AGE_GROUPS band


def _sexes(rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
    """Women per municipality and age band (binomial around the German shares)."""
    return rng.binomial(ages, _FEMALE_SHARE[None, :])


def _sex_columns(female: np.ndarray, ages: np.ndarray) -> dict[str, np.ndarray]:
    """``pop_female``, ``pop_male`` and the adult bands by sex (``pop_18_29_female`` …)."""
    out = {"pop_female": female.sum(axis=1), "pop_male": (ages - female).sum(axis=1)}
    for j, col in enumerate(catalog.AGE_GROUPS):
        if col.removeprefix("pop_") in SURVEY_AGE_GROUPS:
            out[f"{col}_female"] = female[:, j]
            out[f"{col}_male"] = ages[:, j] - female[:, j]
    return out


# --- survey (standard questionnaire, kulturplan/catalog/survey_standard.yaml) --------------------
def _survey_options(item: str) -> list[str]:
    """Option ids of a multi-select item of the standard questionnaire."""
    from importlib import resources

    import yaml

    text = resources.files("kulturplan.catalog").joinpath("survey_standard.yaml").read_text(
        encoding="utf-8"
    )
    items = yaml.safe_load(text)["items"]
    return list(next(i for i in items if i["name"] == item)["options"])


def _likert(latent: np.ndarray, cuts: tuple[float, ...] = (-1.5, -0.5, 0.5, 1.5)) -> np.ndarray:
    return 1.0 + np.searchsorted(np.array(cuts), latent).astype(float)


def _distances(
    p: _Places, fac: gpd.GeoDataFrame, home: np.ndarray
) -> dict[str, np.ndarray]:
    """Straight-line km from each respondent's home to the nearest facility of a Sparte."""
    from scipy.spatial import cKDTree

    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    stationary = ~fac["mobile"].to_numpy()
    out = {}
    for cat in SURVEY_CATEGORIES:
        pts = xy[stationary & (fac["category"] == cat).to_numpy()]
        if len(pts):
            out[cat] = cKDTree(pts).query(home, k=1)[0] / 1000.0
        else:
            out[cat] = np.full(len(home), 60.0)
    return out


# interest by age group 18-29 / 30-64 / 65+ (young: film, sociocultural; older: museum, theatre)
_AGE_EFFECT: dict[str, tuple[float, float, float]] = {
    "bibliothek": (0.1, 0.2, 0.3),
    "musikschule": (0.2, 0.2, -0.3),
    "museum": (-0.4, 0.1, 0.5),
    "theater": (-0.2, 0.1, 0.4),
    "kino": (0.8, 0.2, -0.4),
    "soziokulturelles_zentrum": (0.6, 0.1, -0.4),
    "volkshochschule": (-0.3, 0.2, 0.3),
}
# probability of each barrier by age group (18-29, 30-64, 65+), before the distance effect
_BARRIER_P: dict[str, tuple[float, float, float]] = {
    "zeit": (0.45, 0.50, 0.10),
    "preis": (0.40, 0.22, 0.15),
    "entfernung": (0.20, 0.20, 0.25),
    "verkehrsmittel": (0.20, 0.08, 0.30),
    "information": (0.30, 0.25, 0.20),
    "nichts_fuer_mich": (0.25, 0.15, 0.12),
    "gesundheit": (0.02, 0.05, 0.30),
    "begleitung": (0.10, 0.08, 0.22),
    "sonstiges": (0.04, 0.04, 0.04),
}
_WISH_P: dict[str, tuple[float, float, float]] = {
    "konzerte": (0.45, 0.35, 0.30),
    "theater": (0.20, 0.30, 0.35),
    "lesungen": (0.10, 0.20, 0.25),
    "kino": (0.50, 0.30, 0.15),
    "ausstellungen": (0.15, 0.25, 0.30),
    "kurse": (0.25, 0.30, 0.20),
    "feste": (0.40, 0.40, 0.35),
    "jugend": (0.45, 0.25, 0.10),
    "senioren": (0.03, 0.10, 0.40),
    "kulturbus": (0.10, 0.10, 0.30),
}


def _survey(rng: np.random.Generator, p: _Places, fac: gpd.GeoDataFrame,
            female: np.ndarray) -> pd.DataFrame:
    """Answers to the standard questionnaire, deliberately unrepresentative.

    Older residents answer about twice as often as young adults, and the
    Mittelzentrum three times as often as other places (as in real postal surveys),
    so raking to the population visibly changes the results. Visits and
    satisfaction near home fall with the distance to the nearest facility of the
    Sparte; distance and transport barriers rise with it.
    """
    n = len(p.ags)
    size = max(1, round(800 * n / _BASE_N))
    adult_cols = [j for j, c in enumerate(catalog.AGE_GROUPS)
                  if c.removeprefix("pop_") in SURVEY_AGE_GROUPS]
    adults = p.ages[:, adult_cols].astype(float)
    place_boost = np.where(p.size_class == 0, 3.0, 1.0)
    p_muni = adults.sum(axis=1) * place_boost
    muni = np.sort(rng.choice(n, size=size, p=p_muni / p_muni.sum()))
    propensity = np.array([0.55, 1.0, 1.9])
    prob = adults * propensity
    cum = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)[muni]
    g = np.minimum((rng.random(size)[:, None] > cum).sum(axis=1), len(adult_cols) - 1)
    f_share = female[:, adult_cols] / np.maximum(adults, 1.0)
    p_w = np.clip(f_share[muni, g] * 1.12, 0.0, 0.95)
    u = rng.random(size)
    sex = np.where(rng.random(size) < p_w, "w", "m").astype(object)
    sex[u < 0.016] = None  # keine Angabe
    sex[u < 0.006] = "d"
    width = max(5, len(str(size)))
    frame = pd.DataFrame(
        {
            "respondent_id": [f"B{i + 1:0{width}d}" for i in range(size)],
            "ags": p.ags[muni],
            "age_group": np.array(SURVEY_AGE_GROUPS, dtype=object)[g],
            "sex": pd.Series(sex, dtype="str"),
        }
    )
    frame["age_group"] = frame["age_group"].astype("str")
    # home: around the municipal centre, spread with the size of the municipality
    spread = np.sqrt(p.area_km2[muni]) * 1000.0 / 4.0
    home = np.column_stack([p.x[muni], p.y[muni]]) + rng.normal(0.0, 1.0, (size, 2)) * spread[
        :, None]
    dist = _distances(p, fac, home)
    columns: dict[str, np.ndarray] = {}
    for cat in SURVEY_CATEGORIES:
        d = dist[cat]
        near = np.exp(-d / 8.0)  # 1 at the door, 0.29 at 10 km, 0.08 at 20 km
        interest_latent = np.array(_AGE_EFFECT[cat])[g] + rng.normal(0.0, 1.0, size)
        interest = _likert(interest_latent)
        visit_latent = 0.7 * (interest - 3.0) + 1.6 * near - 0.6 + rng.normal(0.0, 0.8, size)
        visits = np.searchsorted(np.array([0.0, 1.0, 1.8]), visit_latent).astype(float)
        sat_home = _likert(-0.9 + 2.2 * near + 0.25 * np.log10(p.pop[muni] / 3_000)
                           + rng.normal(0.0, 0.9, size))
        sat_kreis = _likert(0.1 + 0.6 * near + rng.normal(0.0, 0.9, size))
        interest[rng.random(size) < 0.03] = np.nan
        visits[rng.random(size) < 0.03] = np.nan
        sat_home[rng.random(size) < 0.05 + 0.25 * (1 - near)] = np.nan  # "weiß nicht"
        sat_kreis[rng.random(size) < 0.12] = np.nan
        columns[f"besuche_{cat}"] = visits
        columns[f"interesse_{cat}"] = interest
        columns[f"zufriedenheit_wohnort_{cat}"] = sat_home
        columns[f"zufriedenheit_kreis_{cat}"] = sat_kreis
    mean_near = np.mean([np.exp(-dist[c] / 8.0) for c in SURVEY_CATEGORIES], axis=0)
    answered = rng.random(size) >= 0.04
    for opt in _survey_options("barriere"):
        base = np.array(_BARRIER_P.get(opt, (0.05, 0.05, 0.05)))[g]
        if opt in ("entfernung", "verkehrsmittel"):
            base = base + 0.45 * (1.0 - mean_near)
        columns[f"barriere_{opt}"] = np.where(
            answered, (rng.random(size) < np.clip(base, 0, 0.95)).astype(float), np.nan
        )
    answered = rng.random(size) >= 0.06
    for opt in _survey_options("wunsch"):
        base = np.array(_WISH_P.get(opt, (0.1, 0.1, 0.1)))[g]
        columns[f"wunsch_{opt}"] = np.where(
            answered, (rng.random(size) < base).astype(float), np.nan
        )
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


# --- the survey as a survey tool exports it ------------------------------------------------------
def survey_export_csv(region: Region) -> bytes:
    """The demo survey as a survey tool would export it (for the import notebook).

    Semicolon-separated UTF-8 with BOM; ``lfdn`` (running number), ``Gemeinde``
    (municipality *name*), ``Alter`` and ``Geschlecht`` as answer codes of the
    standard questionnaire (1 = 18–29 …; 1 weiblich, 2 männlich, 3 divers), the item
    columns as codes, 99 „keine Angabe“ and 98 „weiß nicht“ for missing answers.
    Contains no personal data and no free text.
    """
    s = region.survey
    if s is None:
        raise ValueError("Die Region hat keine Befragung.")
    names = region.municipalities["name"]
    out = pd.DataFrame({
        "lfdn": np.arange(1, len(s) + 1),
        "Gemeinde": s["ags"].map(names).to_numpy(),
        "Alter": s["age_group"].map({g: i + 1 for i, g in enumerate(SURVEY_AGE_GROUPS)})
        .to_numpy(),
        "Geschlecht": s["sex"].map({"w": 1, "m": 2, "d": 3}).fillna(99).astype(int).to_numpy(),
    })
    for col in s.columns:
        if col in ("ags", "age_group", "sex", "weight"):
            continue
        code = 98 if col.startswith("zufriedenheit") else 99
        out[col] = s[col].fillna(code).astype(int).to_numpy()
    return out.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8-sig")


# --- an official-style projection table (GENESIS flat CSV layout) ---------------------------------
PROJECTION_YEARS: tuple[int, ...] = (2030, 2035, 2040)
"""Years of the demo's official-style municipal projection."""

_PROJECTION_LABELS: tuple[tuple[str, str], ...] = (
    ("ALT000B06", "unter 6 Jahre"),
    ("ALT006B18", "6 bis unter 18 Jahre"),
    ("ALT018B30", "18 bis unter 30 Jahre"),
    ("ALT030B65", "30 bis unter 65 Jahre"),
    ("ALT065UM", "65 Jahre und mehr"),
)
# change per 10 years by size class (Mittelzentrum, small town, village) and age band:
# the villages lose young people and age, the Mittelzentrum holds its population
_PROJECTION_CHANGE = np.array(
    [
        [0.98, 1.00, 1.02, 0.97, 1.12],
        [0.93, 0.95, 0.92, 0.95, 1.16],
        [0.86, 0.88, 0.82, 0.92, 1.20],
    ]
)


def projection_table(region: Region, seed: int = 0) -> pd.DataFrame:
    """Fictional official projection of the demo region's population by age group.

    Returns
    -------
    pandas.DataFrame
        Columns ``year``, ``ags``, ``name``, ``code``, ``label``, ``value`` (persons,
        integer) — one row per municipality, year and age band plus „Insgesamt“.
    """
    rng = np.random.default_rng([seed, 22])
    m = region.municipalities
    size_class = m["central_place"].map(
        {"Mittelzentrum": 0, "Grundzentrum": 1}).fillna(2).astype(int).to_numpy()
    base = m[list(catalog.AGE_GROUPS)].to_numpy(dtype=float)
    noise = rng.normal(1.0, 0.01, base.shape)
    rows = []
    for year in PROJECTION_YEARS:
        factor = _PROJECTION_CHANGE[size_class] ** ((year - YEAR) / 10.0) * noise
        values = np.round(base * factor).astype(np.int64)
        for j, (code, label) in enumerate(_PROJECTION_LABELS):
            rows.append(pd.DataFrame({"year": year, "ags": m.index, "name": m["name"].to_numpy(),
                                      "code": code, "label": label, "value": values[:, j]}))
        rows.append(pd.DataFrame({"year": year, "ags": m.index, "name": m["name"].to_numpy(),
                                  "code": "", "label": "Insgesamt",
                                  "value": values.sum(axis=1)}))
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["year", "ags"], kind="stable").reset_index(drop=True)


def projection_csv(region: Region, seed: int = 0) -> bytes:
    """:func:`projection_table` as a GENESIS / Regionaldatenbank flat CSV (Latin-1).

    A title row, the flat header (``Statistik_Code;…;Zeit;…;1_Auspraegung_Code;…``),
    one row per value with ``-`` for zero, and footnote rows, as the official
    download looks.
    """
    table = projection_table(region, seed)
    head = ("Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;"
            "1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;"
            "2_Merkmal_Label;2_Auspraegung_Code;2_Auspraegung_Label;"
            "BEVSTD__Vorausberechneter_Bevoelkerungsstand__Anzahl")
    value = table["value"].map(lambda v: "-" if v == 0 else str(v))
    lines = (
        "12421;Bevölkerungsvorausberechnung;STAG;Stichtag;31.12." + table["year"].astype(str)
        + ";GEMEIN;Gemeinden;" + table["ags"] + ";" + table["name"] + ";ALTX20;Altersgruppen;"
        + table["code"] + ";" + table["label"] + ";" + value
    )
    text = "\n".join([
        "Vorausberechneter Bevölkerungsstand: Gemeinden, Stichtag, Altersgruppen "
        "(fiktive Demodaten, Landkreis Musterland)",
        head,
        *lines,
        "__________",
        "- = nichts vorhanden; . = Zahlenwert unbekannt",
        "Fiktive Demodaten (kulturplan), CC0 1.0",
    ]) + "\n"
    return text.encode("latin-1")


# --- municipal calendar feeds and a music-school Zweckverband (issue 14) ------------------------
CALENDAR_YEAR = 2025
"""Year of the demo calendar feeds."""

_FEED_TITLES: dict[str, tuple[str, ...]] = {
    "bibliothek": ("Lesung mit der Autorin", "Vorlesestunde für Kinder", "Bücherflohmarkt",
                   "Bilderbuchkino", "Spieleabend in der Bücherei"),
    "musikschule": ("Vorspielnachmittag", "Konzert der Bläserklasse", "Kammermusikabend"),
    "veranstaltungsraum": ("Kabarettabend", "Tanzabend", "Dia-Vortrag: Wandern im Kreis",
                           "Theaterabend der Laienspielgruppe", "Frühschoppenkonzert"),
    "museum": ("Führung durch die Sonderausstellung", "Museumsnacht"),
    "kino": ("Filmabend", "Open-Air-Kino"),
}


@dataclass(frozen=True)
class MusicSchoolAssociation:
    """A music-school Zweckverband of some Musterland municipalities (fictional numbers).

    Attributes
    ----------
    name
        Name of the association.
    members
        AGS → municipality name, the seat first.
    population, hours, bases
        Per member (AGS): inhabitants, yearly teaching hours of pupils living there, and
        Umlagegrundlagen (fiscal capacity, EUR).
    fixed, per_hour, exponent, per_member
        Cost model (:func:`kulturplan.cooperation.costs.shared_facility_game`): fixed cost of
        running a school (EUR), cost per teaching hour, economies of scale, extra cost of
        each further member (a branch).
    """

    name: str
    members: pd.Series
    population: pd.Series
    hours: pd.Series
    bases: pd.Series
    fixed: float = 240_000.0
    per_hour: float = 52.0
    exponent: float = 0.95
    per_member: float = 18_000.0


def music_school_association(region: Region, seed: int = 0, n_members: int = 4
                             ) -> MusicSchoolAssociation:
    """The Zweckverband around the region's largest music school and its nearest neighbours.

    Teaching hours by residence are drawn from ``default_rng([seed, 40])``: about 2 % of
    the inhabitants are pupils with 30 lessons a year, fewer from the seat (which has
    other offers) and fewer the farther away they live — so the inhabitants key charges
    the seat more than it would pay alone, the effect Young, Okada & Hashimoto (1982)
    describe.
    """
    rng = np.random.default_rng([seed, 40])
    muni = region.municipalities
    schools = region.facilities[region.facilities["category"] == "musikschule"]
    seat = (str(muni.loc[schools["ags"].dropna(), "population"].idxmax())
            if len(schools) else str(muni["population"].idxmax()))
    centres = muni.geometry.representative_point()
    dist = centres.distance(centres.loc[seat]) / 1000.0
    order = dist.sort_values(kind="stable").index[: max(2, int(n_members))]
    pop = muni.loc[order, "population"].astype(float)
    rate = np.where(order == seat, 0.35, 1.0) * np.exp(-dist.loc[order].to_numpy() / 25.0)
    pupils = pop.to_numpy() * 0.02 * rate * rng.uniform(0.85, 1.15, len(order))
    hours = pd.Series(np.round(pupils * 30.0), index=order, name="hours")
    bases = pd.Series(np.round(pop.to_numpy() * 1_150.0 * rng.uniform(0.8, 1.25, len(order)),
                               -3), index=order, name="bases")
    names = muni.loc[order, "name"].astype(str)
    return MusicSchoolAssociation(
        name=f"Zweckverband Musikschule {names.iloc[0]}",
        members=names, population=pop, hours=hours, bases=bases,
    )


def _slug(name: str) -> str:
    from kulturplan.sources.ical import name_slug

    return name_slug(name)


def _ics_text(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _vevent(uid: str, start: str, title: str, location: str, *, end: str | None = None,
            extra: tuple[str, ...] = ()) -> list[str]:
    out = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250101T080000Z", f"DTSTART:{start}"]
    if end:
        out.append(f"DTEND:{end}")
    return out + [f"SUMMARY:{title}", f"LOCATION:{location}", *extra, "END:VEVENT"]


def _feed_events(rng: np.random.Generator, region: Region, ags: str, slug: str
                 ) -> list[list[str]]:
    """About 20 single events at the municipality's venues (no CATEGORIES, no GEO)."""
    fac = region.facilities[(region.facilities["ags"] == ags)
                            & region.facilities["category"].isin(list(_FEED_TITLES))]
    name = str(region.municipalities.loc[ags, "name"])
    if fac.empty:  # a village without listed venues: its hall in free text
        fac = pd.DataFrame({"name": [f"Dorfgemeinschaftshaus {name}"],
                            "category": ["veranstaltungsraum"]})
    days = pd.date_range(f"{CALENDAR_YEAR}-01-10", f"{CALENDAR_YEAR}-12-15", freq="D")
    out = []
    for k in range(int(rng.integers(16, 24))):
        venue = fac.iloc[int(rng.integers(len(fac)))]
        titles = _FEED_TITLES[str(venue["category"])]
        title = titles[int(rng.integers(len(titles)))]
        day = days[int(rng.integers(len(days)))]
        hour = int(rng.choice([10, 15, 16, 18, 19, 20]))
        start = day + pd.Timedelta(hours=hour)
        end = start + pd.Timedelta(hours=int(rng.integers(1, 4)))
        out.append(_vevent(f"{slug}-{k + 1:03d}@{slug}.musterland.example",
                           f"{start:%Y%m%dT%H%M%S}", title, f"{venue['name']}, {name}",
                           end=f"{end:%Y%m%dT%H%M%S}"))
    return out


def _neighbours(region: Region, ags: str) -> pd.Series:
    centres = region.municipalities.geometry.representative_point()
    return (centres.distance(centres.loc[ags]) / 1000.0).sort_values(kind="stable")


def calendar_feeds(region: Region, seed: int = 0) -> dict[str, bytes]:
    """iCalendar feeds of four Musterland municipalities and of the Kreis, shaped like real ones.

    Like real municipal exports they carry no CATEGORIES and no GEO, free-text locations,
    floating times with ``X-WR-TIMEZONE``, date-only starts without ``VALUE=DATE``, a
    multi-day festival and a weekly choir rehearsal with ``RRULE`` and ``EXDATE`` across the
    change from summer to winter time. Deliberate collisions: two summer festivals on the same
    Saturday in neighbouring municipalities (and a third one far away), a children's festival
    on a Saturday and one on the Sunday next door. The Kreis feed repeats two municipal events
    (same UID, and same title/time/place under another UID). Drawn from
    ``default_rng([seed, 40])``, so the region's tables stay unchanged.

    Returns
    -------
    dict
        File name (``gemeinde_<name>.ics``, ``kreis.ics``) → content (UTF-8, CRLF).
    """
    rng = np.random.default_rng([seed, 40])
    muni = region.municipalities
    seat = str(muni["population"].idxmax())
    near = _neighbours(region, seat)
    chosen = [seat, str(near.index[1]), str(near.index[2]), str(near.index[-1])]
    feeds: dict[str, bytes] = {}
    for k, ags in enumerate(chosen):
        name = str(muni.loc[ags, "name"])
        slug = _slug(name)
        events = _feed_events(rng, region, ags, slug)
        hall = f"Bürgerhaus {name}"
        rehearsal = pd.Timestamp(f"{CALENDAR_YEAR}-09-02 19:30") + pd.Timedelta(days=k)
        holiday = rehearsal + pd.Timedelta(weeks=6)  # autumn holidays
        events.append(_vevent(f"{slug}-chor@{slug}.musterland.example",
                              f"{rehearsal:%Y%m%dT%H%M%S}", "Chorprobe Gesangverein", hall,
                              end=f"{rehearsal + pd.Timedelta(minutes=105):%Y%m%dT%H%M%S}",
                              extra=("RRULE:FREQ=WEEKLY;COUNT=12",
                                     f"EXDATE:{holiday:%Y%m%dT%H%M%S}")))
        first = pd.Timestamp(f"{CALENDAR_YEAR}-06-06") + pd.Timedelta(weeks=2 * k)
        events.append(_vevent(f"{slug}-heimatfest@{slug}.musterland.example",
                              f"{first:%Y%m%d}", f"Heimatfest {name}", "Festwiese am Sportplatz",
                              end=f"{first + pd.Timedelta(days=3):%Y%m%d}"))
        if k in (0, 1, 3):  # the same Saturday: next door (k = 1) and far away (k = 3)
            events.append(_vevent(f"{slug}-sommerfest@{slug}.musterland.example",
                                  "20250712T140000", f"Sommerfest {name}", f"Marktplatz {name}",
                                  end="20250712T230000"))
        if k in (0, 2):  # Saturday in the seat, Sunday next door
            day = "20250823" if k == 0 else "20250824"
            events.append(_vevent(f"{slug}-kinderfest@{slug}.musterland.example",
                                  f"{day}T110000", f"Kinderfest {name}", f"Schulhof {name}",
                                  end=f"{day}T170000"))
        events.append(_vevent(f"{slug}-ausschuss@{slug}.musterland.example", "20250916T180000",
                              "Sitzung des Kulturausschusses", f"Rathaus {name}",
                              end="20250916T200000"))
        head = ["BEGIN:VCALENDAR", "VERSION:2.0",
                f"PRODID:-//Gemeinde {name}//Veranstaltungskalender//DE",
                f"X-WR-CALNAME:Veranstaltungen {name}", "X-WR-TIMEZONE:Europe/Berlin"]
        feeds[f"gemeinde_{slug}.ics"] = _ics_text(
            head + [line for ev in events for line in ev] + ["END:VCALENDAR"])
    seat_slug = _slug(str(muni.loc[seat, "name"]))
    seat_name = str(muni.loc[seat, "name"])
    kreis = [
        _vevent(f"{seat_slug}-sommerfest@{seat_slug}.musterland.example", "20250712T140000",
                f"Sommerfest {seat_name}", f"Marktplatz {seat_name}", end="20250712T230000"),
        _vevent("kreis-2025-017@musterland.example", "20250823T110000",
                f"Kinderfest {seat_name}", f"Schulhof {seat_name}", end="20250823T170000"),
        _vevent("kreis-kulturtage@musterland.example", "20250919T160000Z",
                "Kreiskulturtage: Eröffnungskonzert", f"Stadthalle {seat_name}",
                end="20250919T190000Z", extra=("CATEGORIES:Musik",)),
        _vevent("kreis-ausstellung@musterland.example", "20251003", "Ausstellung "
                "„Musterland im Wandel“", "Kreishaus", end="20251102"),
    ]
    feeds["kreis.ics"] = _ics_text(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Landkreis Musterland//Kulturkalender//DE",
         "X-WR-CALNAME:Kulturkalender Landkreis Musterland", "X-WR-TIMEZONE:Europe/Berlin"]
        + [line for ev in kreis for line in ev] + ["END:VCALENDAR"])
    return feeds


def calendar_feed_map(region: Region, folder: str | Path) -> dict[Path, str | None]:
    """The demo feed files in ``folder`` → the AGS each belongs to (``None``: the Kreis)."""
    from kulturplan.sources.ical import feed_map

    return feed_map(folder, region.municipalities["name"])


# --- cooperation: projects, volunteer exchange, deliberate duplicate offers --------------------
_PROJECTS: tuple[tuple[str, str, str, bool, str], ...] = (
    # title, category, target groups, best practice, tags
    ("Lesepaten im Dorf", "bibliothek", "kinder", True, "leseförderung;ehrenamt"),
    ("Dorfkino unterwegs", "kino", "alle", True, "mobil;ländlicher raum"),
    ("Generationenchor", "musikschule", "kinder;senioren", True, "generationen;chor"),
    ("Erzählcafé Ortsgeschichte", "heimatverein_archiv", "senioren", True, "erinnerung;café"),
    ("Kulturrucksack Jugendkunstschule", "jugendkunstschule", "jugendliche", True,
     "kulturelle bildung"),
    ("Theater auf dem Hof", "theater", "alle", False, "sommer;freilicht"),
    ("Museumskoffer für Schulen", "museum", "kinder", False, "schule"),
    ("Offene Werkstatt", "soziokulturelles_zentrum", "jugendliche", False, "werkstatt"),
    ("Sommerakademie Malerei", "galerie", "erwachsene", False, "kurs"),
    ("Digitale Dorfchronik", "heimatverein_archiv", "alle", False, "digitalisierung"),
    ("Musikmobil", "musikschule", "kinder", False, "mobil"),
    ("Kulturbus für Ältere", "veranstaltungsraum", "senioren", False, "mobilität"),
    ("Sprachcafé", "volkshochschule", "erwachsene", False, "integration"),
    ("Bücherzelle im Ortskern", "bibliothek", "alle", False, "ehrenamt"),
)

_TASKS: tuple[str, ...] = (
    "aufbau", "technik", "kasse", "fahrdienst", "oeffentlichkeitsarbeit", "lesepatenschaft",
    "betreuung", "musik", "archiv", "bewirtung",
)
"""Tasks of the demo Freiwilligenbörse."""

_SLOTS: tuple[str, ...] = (
    "mo_abend", "di_abend", "mi_nachmittag", "do_abend", "fr_abend", "sa_vormittag",
    "sa_nachmittag", "sa_abend", "so_vormittag", "so_nachmittag",
)
"""Weekly availability slots of the demo Freiwilligenbörse."""

_DUPLICATES: tuple[tuple[str, str, str, str, str], ...] = (
    # title A, title B, category, target group, date
    ("Sommerleseclub für Kinder", "Sommer-Leseclub für Kinder", "bibliothek", "kinder",
     "2025-07-12 10:00"),
    ("Repair-Café im Dorfgemeinschaftshaus", "Repair Café Dorfgemeinschaftshaus",
     "soziokulturelles_zentrum", "erwachsene", "2025-09-21 14:00"),
    ("Tanzcafé für Senior:innen", "Tanz-Café für Senior:innen", "veranstaltungsraum", "senioren",
     "2025-10-18 15:00"),
    ("Ferienworkshop Malen und Drucken", "Ferien-Workshop: Malen & Drucken", "jugendkunstschule",
     "kinder", "2025-08-02 10:00"),
)
"""Deliberate duplicated offers: the same kind of event twice on one weekend nearby."""


def _pick(rng: np.random.Generator, k: int, items: tuple[str, ...], n: int) -> list[str]:
    return [";".join(sorted(rng.choice(items, size=int(rng.integers(1, k + 1)), replace=False)))
            for _ in range(n)]


def _projects(rng: np.random.Generator, municipalities: pd.DataFrame,
              organisations: pd.DataFrame) -> pd.DataFrame:
    """Cultural projects, a few marked as best practice, run by an existing Verein."""
    rows = []
    for k, (title, cat, targets, best, tags) in enumerate(_PROJECTS):
        orgs = organisations[organisations["category"] == cat]
        if len(orgs) == 0:
            orgs = organisations
        org = orgs.iloc[int(rng.integers(0, len(orgs)))]
        rows.append({
            "project_id": f"P{k + 1:03d}", "title": title, "category": cat, "ags": org["ags"],
            "org_id": org["org_id"], "target_groups": targets,
            "start_year": int(rng.integers(2019, YEAR + 1)),
            "status": "laufend" if best else str(rng.choice(["geplant", "laufend",
                                                             "abgeschlossen"])),
            "tags": tags, "best_practice": best,
        })
    return pd.DataFrame(rows)


def volunteer_offers(region: Region, seed: int = 0) -> pd.DataFrame:
    """Fictional volunteer offers (pseudonymous ids ``F001``…, no personal data)."""
    rng = np.random.default_rng([seed, 31])
    muni = region.municipalities
    n = max(12, round(2.5 * len(muni)))
    p = (muni["population"] / muni["population"].sum()).to_numpy()
    return pd.DataFrame({
        "interests": _pick(rng, 3, _TASKS, n),
        "slots": _pick(rng, 3, _SLOTS, n),
        "ags": muni.index.to_numpy()[rng.choice(len(muni), size=n, p=p)],
        "max_km": rng.choice([5.0, 10.0, 15.0, 20.0, 30.0], size=n),
    }, index=pd.Index([f"F{i + 1:03d}" for i in range(n)], name="volunteer_id"))


def volunteer_requests(region: Region, seed: int = 0) -> pd.DataFrame:
    """Fictional requests of the demo's Vereine (tasks, slots, people wanted)."""
    rng = np.random.default_rng([seed, 32])
    org = region.organisations
    n = max(6, len(region.municipalities))
    pick = org.iloc[np.sort(rng.choice(len(org), size=min(n, len(org)), replace=False))]
    m = len(pick)
    return pd.DataFrame({
        "org_id": pick.index.to_numpy(),
        "tasks": _pick(rng, 2, _TASKS, m),
        "slots": _pick(rng, 3, _SLOTS, m),
        "ags": pick["ags"].to_numpy(),
        "people": rng.integers(1, 4, size=m),
    }, index=pd.Index([f"G{i + 1:03d}" for i in range(m)], name="request_id"))


def _duplicate_events(rng: np.random.Generator, places: _Places,
                      organisations: pd.DataFrame) -> pd.DataFrame:
    """Pairs of alike events in two neighbouring municipalities on the same weekend."""
    xy = np.column_stack([places.x, places.y])
    rows: list[dict[str, object]] = []
    for k, (title_a, title_b, cat, target, when) in enumerate(_DUPLICATES):
        a = int(rng.integers(0, len(xy)))
        d = np.hypot(*(xy - xy[a]).T)
        d[a] = np.inf
        b = int(np.argmin(d))
        start = pd.Timestamp(when)
        for m, title, shift in ((a, title_a, 0), (b, title_b, 1)):
            orgs = organisations[organisations["ags"] == places.ags[m]]
            rows.append({
                "event_id": f"E9{2 * k + len(rows) % 2 + 1:05d}", "title": title,
                "category": cat, "start": start + pd.Timedelta(days=shift),
                "end": start + pd.Timedelta(days=shift, hours=3), "facility_id": None,
                "ags": places.ags[m],
                "org_id": orgs["org_id"].iloc[0] if len(orgs) else None,
                "target_group": target, "free_entry": True, "attendance": np.nan,
            })
    return pd.DataFrame(rows)


def volunteer_attachments(region: Region, seed: int = 0) -> dict[str, str]:
    """The demo's volunteer offers and requests as files of the region folder.

    Same layout as :func:`kulturplan.sources.volunteers.to_csv_text` (English column names
    the readers accept); written here because ``demo`` and ``sources`` are independent.
    """
    return {
        "freiwillige_angebote.csv": volunteer_offers(region, seed).to_csv(lineterminator="\n"),
        "freiwillige_gesuche.csv": volunteer_requests(region, seed).to_csv(lineterminator="\n"),
    }


# --- public ---------------------------------------------------------------------------------------
def musterland(seed: int = 0, n_municipalities: int = 24) -> Region:
    """Build the fictional demo district "Landkreis Musterland".

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives an identical region.
    n_municipalities
        Number of municipalities. 24 gives a typical rural Landkreis (about 40 x 50 km,
        120–180 thousand inhabitants); thousands give benchmark regions with the same
        rules (several fictional Kreise, Land prefix ``99``).

    Returns
    -------
    Region
        With municipalities (Voronoi cells clipped to the outline, age groups, sex
        (``pop_female``, ``pop_male``, adult age groups by sex),
        settlement type, ``central_place``), facilities of every catalog category,
        organisations (Vereine, no personal data), one year of events (2025), funding
        2023–2025 by source and category, and a survey following the standard
        questionnaire (about 800 adult respondents per 24 municipalities, deliberately
        unrepresentative: too many older respondents and too many from the
        Mittelzentrum). All data are fictional.
    """
    n = int(n_municipalities)
    if n < 1:
        raise ParameterError("n_municipalities muss mindestens 1 sein.")
    rng = np.random.default_rng(seed)
    municipalities, places = _municipalities(rng, n)
    facilities, running = _facilities(rng, places)
    organisations = _organisations(rng, places)
    events = _events(rng, places, facilities, running, organisations)
    funding = _funding(rng, places, facilities)
    # new content draws from its own streams, so the tables above stay identical
    female = _sexes(np.random.default_rng([seed, 21]), places.ages)
    for col, values in _sex_columns(female, places.ages).items():
        municipalities[col] = pd.Series(values, index=pd.Index(places.ags)).reindex(
            municipalities["ags"]).to_numpy()
    survey = _survey(np.random.default_rng([seed, 20]), places, facilities, female)
    coop = np.random.default_rng([seed, 30])
    projects = _projects(coop, municipalities, organisations)
    extra = _duplicate_events(coop, places, organisations)
    events = pd.concat([events, extra], ignore_index=True).astype(events.dtypes.to_dict())
    events = events.sort_values("start", kind="stable").reset_index(drop=True)
    single = n <= 999
    return Region(
        municipalities=municipalities,
        facilities=facilities,
        organisations=organisations,
        events=events,
        funding=funding,
        survey=survey,
        projects=projects,
        name="Landkreis Musterland" if single else "Musterland (fiktive Demoregion)",
        kreis_ags="99001" if single else "99",
        sources=(
            {
                "name": "Landkreis Musterland – fiktive Demodaten",
                "licence": "CC0 1.0 (gemeinfrei)",
                "attribution": ATTRIBUTION,
                "date": "2025-12-31",
            },
        ),
    )


BOOKMOBILE_NAME = "Bücherbus Musterland"
"""Name of the demo's proposed mobile library route (see :func:`bookmobile_route`)."""


def bookmobile_route(region: Region, *, seed: int = 0, stops: int = 6,
                     hours: float = 1.5) -> gpd.GeoDataFrame:
    """A proposed Bücherbus route for the demo district: one stop in each of the largest
    municipalities without a library of their own (stationary or mobile).

    Drawn from its own random stream ``numpy.random.default_rng([seed, 10])``, so the
    tables of :func:`musterland` stay unchanged. Each stop lies within about 300 m of a
    point inside the municipality (a village square); the route is a planning idea for
    :class:`kulturplan.planning.MobileOffer`, not part of the region's data.

    Parameters
    ----------
    region
        The demo region (any region works: its municipalities and libraries are used).
    seed
        Seed of the stop positions.
    stops
        Largest number of stops.
    hours
        Hours per week at each stop.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``stop`` (municipality name), ``ags``, ``hours_per_week`` and ``geometry``
        (Point, EPSG:25832), largest municipality first.
    """
    rng = np.random.default_rng([seed, 10])
    muni = region.municipalities
    fac = cast(gpd.GeoDataFrame, region.facilities)
    served = set(fac.loc[(fac["category"] == "bibliothek").to_numpy(), "ags"].dropna())
    todo = muni[~muni.index.isin(served)].sort_values("population", ascending=False,
                                                      kind="stable").head(stops)
    polys = np.asarray(todo.geometry.values, dtype=object)
    centre = shapely.get_coordinates(shapely.point_on_surface(polys))
    moved = centre + rng.normal(0.0, 300.0, centre.shape)
    pts = shapely.points(_round_cm(moved[:, 0]), _round_cm(moved[:, 1]))
    inside = shapely.contains(polys, pts)
    pts[~inside] = shapely.points(centre[~inside])
    return gpd.GeoDataFrame(
        {"stop": todo["name"].astype(str).to_numpy(), "ags": todo.index.to_numpy(),
         "hours_per_week": float(hours)},
        geometry=pts, crs=CRS,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the demo region folder: ``python -m kulturplan.demo data/musterland``."""
    import argparse

    from kulturplan.io import write_region

    parser = argparse.ArgumentParser(
        prog="python -m kulturplan.demo",
        description="Schreibt den fiktiven Landkreis Musterland als Regionsordner.",
    )
    parser.add_argument("path", help="Zielordner, z. B. data/musterland")
    parser.add_argument("--seed", type=int, default=0, help="Zufallsstartwert (Standard 0)")
    parser.add_argument("--gemeinden", type=int, default=_BASE_N, dest="n",
                        help="Zahl der Gemeinden (Standard 24)")
    parser.add_argument("--vorausberechnung", default=None, metavar="DATEI",
                        help="schreibt zusätzlich eine Bevölkerungsvorausberechnung "
                        "(GENESIS-Flat-CSV), z. B. data/musterland_vorausberechnung.csv")
    parser.add_argument("--befragung", default=None, metavar="DATEI",
                        help="schreibt zusätzlich die Befragung als Export eines Umfragewerkzeugs "
                        "(CSV), z. B. data/musterland_befragung.csv")
    parser.add_argument("--kalender", default=None, metavar="ORDNER",
                        help="schreibt zusätzlich Veranstaltungskalender (.ics) von vier "
                        "Gemeinden und des Kreises, z. B. data/kalender")
    args = parser.parse_args(argv)
    region = musterland(seed=args.seed, n_municipalities=args.n)
    write_region(region, args.path, attachments=volunteer_attachments(region, args.seed))
    for target_name, content in ((args.vorausberechnung, projection_csv),
                                 (args.befragung, lambda r, seed: survey_export_csv(r))):
        if target_name:
            write_atomic(target_name, content(region, seed=args.seed))
    if args.kalender:
        folder = Path(args.kalender)
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, data in calendar_feeds(region, seed=args.seed).items():
            write_atomic(folder / file_name, data)
    print(f"{region!r} geschrieben nach {args.path}")  # CLI output, not library
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
