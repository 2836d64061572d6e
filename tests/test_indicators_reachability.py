"""Reachability indicators per category, computed by hand on a three-strip region."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import kulturplan as kp
from kulturplan import catalog, demand, overview
from kulturplan.errors import ParameterError
from kulturplan.indicators import reachability

CRS = "EPSG:25832"
IDS = {
    "km": "entfernung_naechste_km__{}",
    "share": "anteil_15_minuten__{}",
    "e2sfca": "e2sfca_je_10000__{}",
}


@pytest.fixture(scope="module")
def strips() -> kp.Region:
    """Three 10 km × 10 km squares side by side (grid-aligned, so 100 cells each).

    A (0–10 km): 1,000 inhabitants, a library at (0.5, 0.5) km, i.e. on the centre of its
    lower-left cell. B (10–20 km): 2,000 inhabitants, a music school at (15.5, 5.5) km.
    C (20–30 km): no inhabitants. No other category has a facility.
    """
    muni = gpd.GeoDataFrame(
        {
            "ags": ["09999001", "09999002", "09999003"],
            "name": ["A", "B", "C"],
            "population": [1000.0, 2000.0, 0.0],
            "area_km2": [100.0, 100.0, 100.0],
        },
        geometry=[shapely.box(x, 0, x + 10_000, 10_000) for x in (0, 10_000, 20_000)],
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["f1", "f2"],
            "name": ["Bücherei", "Musikschule"],
            "category": ["bibliothek", "musikschule"],
        },
        geometry=[shapely.Point(500, 500), shapely.Point(15_500, 5_500)],
        crs=CRS,
    )
    return kp.Region(municipalities=muni, facilities=fac)


def cell_centres(x0: float) -> np.ndarray:
    """Centres (km) of the 100 cells of the square starting at ``x0`` km."""
    a, b = np.meshgrid(np.arange(10), np.arange(10))
    return np.column_stack([x0 + 0.5 + a.ravel(), 0.5 + b.ravel()])


@pytest.fixture(scope="module")
def table(strips) -> pd.DataFrame:
    ids = [pattern.format(c) for pattern in IDS.values() for c in catalog.category_ids()]
    return kp.indicators.compute(strips, ids)


def test_catalog_entries():
    cat = kp.indicators.catalog()
    rows = cat[cat["method"].isin(["mean_km_to_nearest", "share_within_minutes",
                                   "e2sfca_per_10k"])]
    assert len(rows) == 3 * len(catalog.category_ids())
    assert not rows.loc["entfernung_naechste_km__bibliothek", "higher_is_better"]
    assert rows.loc["anteil_15_minuten__kino", "higher_is_better"]
    assert rows.loc["anteil_15_minuten__kino", "params"] == {"minutes": 15}
    assert rows.loc["e2sfca_je_10000__museum", "label"] == (
        "Erreichbares Angebot (E2SFCA, geschätzt aus Luftlinie): Museen je 10.000 Einw."
    )


def test_mean_km_to_nearest_by_hand(table):
    # A: every cell centre (a + 0.5, b + 0.5) km; the library at (0.5, 0.5) km
    a, b = np.meshgrid(np.arange(10), np.arange(10))
    expected_a = float(np.hypot(a, b).mean())  # equal population per cell
    assert table.loc["09999001", IDS["km"].format("bibliothek")] == pytest.approx(expected_a)
    # B to the library: the nearest is (0.5, 0.5); cells at x = 10.5 … 19.5 km
    expected_b = float(np.hypot(10 + a, b).mean())
    assert table.loc["09999002", IDS["km"].format("bibliothek")] == pytest.approx(expected_b)
    # music school at (15.5, 5.5) seen from A
    expected_ms = float(np.hypot(15 - a, 5 - b).mean())
    assert table.loc["09999001", IDS["km"].format("musikschule")] == pytest.approx(expected_ms)


def test_share_within_15_minutes_by_hand(table):
    # 15 min at 50 km/h on 1.3 × the straight line: 15/60*50/1.3 = 9.615 km straight line;
    # cells of A with a² + b² <= 92.45 (a, b = 0…9): 10+10+10+10+9+9+8+7+6+4 = 83
    assert table.loc["09999001", IDS["share"].format("bibliothek")] == pytest.approx(83.0)
    assert table.loc["09999002", IDS["share"].format("bibliothek")] == 0.0
    # every cell of B lies within 7.07 km of the music school
    assert table.loc["09999002", IDS["share"].format("musikschule")] == pytest.approx(100.0)
    centres = cell_centres(0.0)
    n = int((np.hypot(*(centres - [15.5, 5.5]).T) <= 15 / 60 * 50 / 1.3).sum())
    assert table.loc["09999001", IDS["share"].format("musikschule")] == pytest.approx(n)


def test_e2sfca_by_hand(table):
    centres = np.vstack([cell_centres(0.0), cell_centres(10.0)])
    pop = np.repeat([10.0, 20.0], 100)  # inhabitants per cell in A and B
    minutes = np.hypot(*(centres - [0.5, 0.5]).T) * 1.3 / 50 * 60
    w = np.select([minutes <= 10, minutes <= 20, minutes <= 30], [1.0, 0.68, 0.22], 0.0)
    ratio = 1.0 / (pop * w).sum()
    a_i = ratio * w
    expected_a = a_i[:100].mean() * 10_000
    expected_b = a_i[100:].mean() * 10_000
    col = IDS["e2sfca"].format("bibliothek")
    assert table.loc["09999001", col] == pytest.approx(expected_a, rel=1e-12)
    assert table.loc["09999002", col] == pytest.approx(expected_b, rel=1e-12)
    # conservation: inhabitants × accessibility add up to the one library
    pops = pd.Series([1000.0, 2000.0], index=["09999001", "09999002"])
    assert (table.loc[pops.index, col] * pops).sum() / 10_000 == pytest.approx(1.0)


def test_categories_without_facility_and_uninhabited_municipality(table):
    assert table[IDS["km"].format("kino")].isna().all()  # no cinema: distance undefined
    assert (table.loc[["09999001", "09999002"], IDS["share"].format("kino")] == 0.0).all()
    assert (table.loc[["09999001", "09999002"], IDS["e2sfca"].format("kino")] == 0.0).all()
    assert table.loc["09999003"].isna().all()  # no inhabitants: NaN everywhere


def test_region_without_facilities():
    muni = gpd.GeoDataFrame(
        {"ags": ["09999001"], "name": ["A"], "population": [10.0], "area_km2": [1.0]},
        geometry=[shapely.box(0, 0, 1000, 1000)],
        crs=CRS,
    )
    region = kp.Region(municipalities=muni)
    km = reachability._mean_km_to_nearest(region)
    assert km.isna().all().all() and list(km.columns) == catalog.category_ids()
    assert (reachability._share_within_minutes(region) == 0).all().all()


def test_public_functions_match_registered(strips, table):
    points = demand.population_points(strips)
    index = pd.Index(strips.municipalities.index, name="ags")
    direct = reachability.share_within_minutes(points, strips.facilities, index, minutes=5)
    # 5 min: 3.205 km straight line; cells with a² + b² <= 10.27: 4 + 4 + 3 + 2 = 13
    assert direct.loc["09999001", "bibliothek"] == pytest.approx(13.0)
    assert math.isclose(
        reachability.mean_km_to_nearest(points, strips.facilities, index).loc[
            "09999001", "bibliothek"],
        table.loc["09999001", IDS["km"].format("bibliothek")],
    )


def test_demo_indicators_complete():
    region = kp.demo.musterland(seed=0)
    ids = [pattern.format(c) for pattern in IDS.values() for c in catalog.category_ids()]
    out = kp.indicators.compute(region, ids)
    assert out.shape == (len(region.municipalities), len(ids))
    present = set(region.facilities["category"])
    for c in catalog.category_ids():
        km = out[IDS["km"].format(c)]
        if c in present:
            assert km.notna().all() and (km >= 0).all()
        share = out[IDS["share"].format(c)]
        assert share.between(0, 100).all()
    # 2SFCA conservation over the whole district for libraries (all in reach of someone)
    e = out[IDS["e2sfca"].format("bibliothek")]
    total = (e * region.municipalities["population"]).sum() / 10_000
    n_lib = int((region.facilities["category"] == "bibliothek").sum())
    assert total == pytest.approx(n_lib, rel=1e-9)


def test_population_beyond_by_hand(strips):
    lib = reachability.population_beyond(strips, "bibliothek", 9.5)
    # A: cells with a² + b² > 90.25 → 0+0+0+0+1+1+2+3+4+6 = 17 cells of 10 inhabitants
    assert lib.loc["09999001", "population_beyond"] == pytest.approx(170.0)
    assert lib.loc["09999001", "share_beyond"] == pytest.approx(17.0)
    assert lib.loc["09999002", "population_beyond"] == pytest.approx(2000.0)  # all ≥ 10 km away
    assert math.isnan(lib.loc["09999003", "share_beyond"])  # nobody lives in C
    ms = reachability.population_beyond(strips, "musikschule", 20, "min")
    km = 20 / 60 * 50 / 1.3
    far = np.hypot(*(cell_centres(0.0) - [15.5, 5.5]).T) > km
    assert ms.loc["09999001", "population_beyond"] == pytest.approx(10.0 * far.sum())
    assert ms.loc["09999002", "population_beyond"] == 0.0
    none = reachability.population_beyond(strips, "kino", 50)
    assert none["population_beyond"].tolist() == [1000.0, 2000.0, 0.0]  # no cinema: everyone beyond


def test_gap_table(strips):
    table = overview.gap_table(strips, {"bibliothek": (9.5, "km"), "kino": (20, "min")})
    assert list(table.columns) == [
        "AGS", "Gemeinde", "Einwohner",
        "Bibliothek > 9,5 km: Einw.", "Bibliothek > 9,5 km: Anteil (%)",
        "Kino > 20 min: Einw.", "Kino > 20 min: Anteil (%)",
    ]
    assert table["AGS"].tolist() == ["09999001", "09999002", "09999003", ""]
    total = table.iloc[-1]
    assert total["Gemeinde"] == "Summe"
    assert total["Einwohner"] == 3000.0
    assert total["Bibliothek > 9,5 km: Einw."] == 2170
    assert total["Bibliothek > 9,5 km: Anteil (%)"] == pytest.approx(72.3)
    assert total["Kino > 20 min: Anteil (%)"] == 100.0
    assert table["Bibliothek > 9,5 km: Einw."].tolist()[:3] == [170.0, 2000.0, 0.0]


def test_population_beyond_contract_and_mean_cost(strips):
    lib = reachability.population_beyond(strips, "bibliothek", 9.5)
    assert list(lib.columns) == list(demand.COLUMNS) and lib.index.name == "ags"
    # B (10-20 km): every cell's distance to (0.5, 0.5) km, population-weighted (equal cells)
    centres = cell_centres(10.0)
    assert lib.loc["09999002", "mean_cost"] == pytest.approx(
        np.hypot(*(centres - [0.5, 0.5]).T).mean())
    assert math.isnan(lib.loc["09999003", "mean_cost"])  # nobody lives in C
    none = reachability.population_beyond(strips, "kino", 50)
    assert none["mean_cost"].isna().all()  # no cinema: no finite mean
    whole = demand.overall(lib)
    assert whole["population_beyond"] == pytest.approx(2170.0)
    assert whole["share_beyond"] == pytest.approx(2170 / 3000 * 100)


def test_population_beyond_errors(strips):
    with pytest.raises(ParameterError, match="Sparte „bücherei“ ist unbekannt"):
        reachability.population_beyond(strips, "bücherei", 10)
    with pytest.raises(kp.KulturplanError, match="unit='h' ist unbekannt"):
        reachability.population_beyond(strips, "bibliothek", 10, "h")


def test_musterland_without_osm_keeps_straight_line_values_and_says_so():
    """No OSM file: the estimated minutes exactly as before network times existed
    (sums recorded from the code before the change), and the labels say "estimated"."""
    region = kp.demo.musterland(seed=0)
    assert reachability.travel_basis(region) == "estimate"
    table = kp.indicators.compute(region, ["anteil_15_minuten__bibliothek",
                                           "e2sfca_je_10000__bibliothek",
                                           "e2sfca_je_10000__museum"])
    assert table["anteil_15_minuten__bibliothek"].sum() == 2248.7800117060333
    assert table["e2sfca_je_10000__bibliothek"].sum() == 29.69279157604068
    assert table["e2sfca_je_10000__museum"].sum() == 17.607463287504256
    cat = kp.indicators.catalog(region)
    assert cat.at["anteil_15_minuten__bibliothek", "label"] == (
        "Anteil Einw. bis 15 Min. entfernt (geschätzt aus Luftlinie): Bibliothek")
    assert "Umwegfaktor 1,3 und 50 km/h" in cat.at["anteil_15_minuten__bibliothek",
                                                   "description"]
    assert cat.equals(kp.indicators.catalog())  # no region: the estimate, as before
    assert "{" not in "".join(cat["label"]) + "".join(cat["description"])


def test_travel_texts_of_the_catalog():
    from kulturplan.routing.region import ON_NETWORK_M

    assert set(catalog.TRAVEL_BASES) == {"estimate", "network"}
    network = catalog.TRAVEL_BASES["network"]["fahrzeit_methode"]
    assert f"höchstens {ON_NETWORK_M / 1000:.0f} km vom Netz" in network
    with pytest.raises(ParameterError, match="travel='bus' ist unbekannt"):
        catalog.indicators(travel="bus")
