"""The fictional demo district: determinism and realism rules."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely

from kulturplan import catalog
from kulturplan.demo import ATTRIBUTION, SURVEY_CATEGORIES, musterland
from kulturplan.errors import ParameterError
from kulturplan.region import PERSONAL_COLUMNS, Region
from kulturplan.testing import assert_region_equal


@pytest.fixture(scope="module")
def demo() -> Region:
    return musterland(seed=0)


@pytest.fixture(scope="module")
def big() -> Region:
    return musterland(seed=1, n_municipalities=2000)


# --- determinism ---------------------------------------------------------------------------
def test_same_seed_gives_identical_region(demo: Region) -> None:
    assert_region_equal(musterland(seed=0), demo)


def test_different_seed_gives_different_region(demo: Region) -> None:
    other = musterland(seed=1)
    with pytest.raises(AssertionError):
        assert_region_equal(other, demo)
    assert not other.municipalities["population"].equals(demo.municipalities["population"])
    assert set(other.municipalities["name"]) != set(demo.municipalities["name"])


# --- metadata ---------------------------------------------------------------------------------
def test_metadata(demo: Region) -> None:
    assert demo.name == "Landkreis Musterland"
    assert demo.kreis_ags == "99001"
    assert len(demo.sources) == 1
    assert demo.sources[0]["attribution"] == ATTRIBUTION == "Fiktive Demodaten (kulturplan)"
    assert "fiktiv" in demo.sources[0]["name"]
    assert set(demo.sources[0]) == {"name", "licence", "attribution", "date"}
    assert not demo.report


# --- municipalities -----------------------------------------------------------------------------
def test_keys_are_fictional(demo: Region) -> None:
    m = demo.municipalities
    assert list(m.index) == [f"99001{i:03d}" for i in range(1, 25)]
    assert (m["kreis_ags"] == "99001").all()
    # municipality numbers follow the alphabetical order of the names, as in the register
    assert list(m["name"]) == sorted(m["name"])


def test_names_unique_and_german_sounding(demo: Region) -> None:
    names = demo.municipalities["name"]
    assert names.is_unique
    assert all(re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+", n) for n in names), list(names)


def test_population_rank_size(demo: Region) -> None:
    pop = demo.municipalities["population"].sort_values(ascending=False).to_numpy()
    assert 120_000 <= pop.sum() <= 180_000
    assert 25_000 <= pop[0] <= 35_000  # one Mittelzentrum
    towns = pop[(pop >= 8_000) & (pop <= 15_000)]
    villages = pop[(pop >= 1_000) & (pop <= 5_000)]
    assert 2 <= len(towns) <= 6
    assert len(villages) >= 15
    assert 1 + len(towns) + len(villages) == 24  # nothing in between the classes
    central = demo.municipalities["central_place"]
    assert (central == "Mittelzentrum").sum() == 1
    assert demo.municipalities.loc[central == "Mittelzentrum", "population"].iloc[0] == pop[0]


@pytest.mark.parametrize("seed", range(8))
def test_population_rules_hold_for_other_seeds(seed: int) -> None:
    pop = musterland(seed=seed).municipalities["population"]
    assert 120_000 <= pop.sum() <= 180_000
    assert 25_000 <= pop.max() <= 35_000
    assert pop.min() >= 1_000


def test_age_groups_sum_exactly(demo: Region) -> None:
    m = demo.municipalities
    ages = m[list(catalog.AGE_GROUPS)]
    assert all(ages[c].dtype == np.int64 for c in ages)
    assert (ages.sum(axis=1) == m["population"]).all()
    share_65 = ages["pop_65_plus"].sum() / m["population"].sum()
    assert 0.18 <= share_65 <= 0.28  # about the German share


def test_geometry(demo: Region) -> None:
    m = demo.municipalities
    assert m.crs == "EPSG:25832"
    assert m.is_valid.all()
    assert set(m.geom_type) <= {"Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = m.total_bounds
    assert 30_000 <= maxx - minx <= 60_000 and 35_000 <= maxy - miny <= 65_000
    assert minx >= 400_000 and maxx <= 600_000 and miny >= 5_600_000 and maxy <= 5_800_000
    # a partition: the cells do not overlap
    union = shapely.union_all(m.geometry.to_numpy())
    assert union.area == pytest.approx(m.area.sum(), rel=1e-9)
    # area_km2 is the area of the geometry (in km², two decimals)
    assert np.allclose(m["area_km2"], m.area / 1e6, atol=0.005)
    assert 1_200 <= m["area_km2"].sum() <= 2_400
    # coordinates are on a centimetre grid (so the region folder stores them exactly)
    coords = shapely.get_coordinates(m.geometry.to_numpy())
    assert np.array_equal(coords, np.round(coords * 100) / 100)


def test_urban_degree_consistent_with_density(demo: Region) -> None:
    m = demo.municipalities
    density = m["population"] / m["area_km2"]
    expected = np.where(density >= 500, 1, np.where(density >= 150, 2, 3))
    assert (m["urban_degree"].to_numpy() == expected).all()
    assert set(m["urban_degree"]) <= {1, 2, 3}
    assert (m.loc[m["population"] < 5_000, "urban_degree"] == 3).all()


# --- facilities ----------------------------------------------------------------------------------
def test_facilities_count_and_categories(demo: Region) -> None:
    f = demo.facilities
    assert 150 <= len(f) <= 300
    assert set(f["category"]) == set(catalog.category_ids())
    assert f.index.is_unique and f["name"].is_unique
    assert set(f["operator"]) <= {"kommunal", "verein", "privat", "kirchlich"}
    assert f["capacity"].dropna().gt(0).all()
    assert f["capacity"].isna().any()  # some capacities unknown
    assert f["hours_per_week"].dropna().between(1, 70).all()
    assert f["barrier_free"].dtype == bool and 0.2 < f["barrier_free"].mean() < 0.9


def test_facilities_inside_their_municipality(demo: Region) -> None:
    f, m = demo.facilities, demo.municipalities
    polys = m.geometry.reindex(f["ags"]).to_numpy()
    assert shapely.contains(polys, f.geometry.to_numpy()).all()


def test_larger_places_have_more_and_larger_facilities(demo: Region) -> None:
    m = demo.municipalities
    count = demo.facilities.groupby("ags").size().reindex(m.index, fill_value=0)
    mz = m.index[m["central_place"] == "Mittelzentrum"][0]
    assert count[mz] == count.max()
    assert count.corr(m["population"], method="spearman") > 0.6
    # the Mittelzentrum has every category
    assert set(demo.facilities.loc[demo.facilities["ags"] == mz, "category"]) == set(
        catalog.category_ids()
    )
    cap = demo.facilities.groupby(demo.facilities["ags"] == mz)["capacity"].mean()
    assert cap[True] > cap[False]


def test_several_villages_without_facilities(demo: Region) -> None:
    m = demo.municipalities
    count = demo.facilities.groupby("ags").size().reindex(m.index, fill_value=0)
    empty = count[count == 0].index
    assert len(empty) >= 2
    assert (m.loc[empty, "population"] < 5_000).all()


def test_mobile_library_stops(demo: Region) -> None:
    f = demo.facilities
    mobile = f[f["mobile"]]
    assert 1 <= len(mobile) <= 2
    assert (mobile["category"] == "bibliothek").all()
    assert mobile["name"].str.startswith("Fahrbibliothek").all()
    # they serve villages without a stationary library
    stationary = f[~f["mobile"] & (f["category"] == "bibliothek")]
    assert not set(mobile["ags"]) & set(stationary["ags"])


# --- organisations, events, funding, survey -----------------------------------------------------
def test_organisations(demo: Region) -> None:
    o = demo.organisations
    assert 200 <= len(o) <= 600
    assert o["name"].is_unique
    assert (o["members"] >= 7).all()
    assert (o["volunteers"] >= 1).all() and (o["volunteers"] <= o["members"]).all()
    assert set(o["category"]) <= set(catalog.category_ids())
    groups = {g for gs in o["target_groups"] for g in gs}
    assert groups <= set(catalog.TARGET_GROUPS)
    assert all(len(gs) >= 1 for gs in o["target_groups"])
    # every municipality has associations, even those without facilities
    assert set(o["ags"]) == set(demo.municipalities.index)


def test_events(demo: Region) -> None:
    e = demo.events
    assert 2_000 <= len(e) <= 10_000
    assert (e["start"].dt.year == 2025).all()
    assert (e["end"] > e["start"]).all()
    assert set(e["category"]) <= set(catalog.category_ids())
    assert set(e["target_group"]) <= set(catalog.TARGET_GROUPS)
    assert 0.3 <= e["attendance"].notna().mean() <= 0.5
    assert e["attendance"].dropna().ge(1).all()
    assert e["free_entry"].dtype == bool and 0.2 < e["free_entry"].mean() < 0.8
    venue = e["facility_id"].dropna()
    assert len(venue) / len(e) > 0.6  # mostly at a venue
    assert set(venue) <= set(demo.facilities.index)
    assert (demo.facilities.loc[venue, "ags"].to_numpy() == e.loc[venue.index, "ags"]).all()
    assert e["ags"].notna().all()
    # weekends are busier than Mondays
    wd = e["start"].dt.day_of_week.value_counts()
    assert wd[5] > wd[0]


def test_funding(demo: Region) -> None:
    fu = demo.funding
    assert set(fu["year"]) == {2023, 2024, 2025}
    assert set(fu["source"]) <= set(catalog.FUNDING_SOURCES)
    assert {"kommune", "kreis", "land"} <= set(fu["source"])
    assert set(fu["category"]) <= set(catalog.category_ids()) | {"allgemein"}
    assert (fu["amount_eur"] > 0).all()
    assert not fu.duplicated(["year", "ags", "category", "source"]).any()
    public = fu[fu["source"].isin(catalog.PUBLIC_FUNDING_SOURCES)]
    per_capita = public.groupby("year")["amount_eur"].sum() / demo.population.sum()
    assert per_capita.between(20, 150).all()
    # every municipality gets its general municipal culture budget every year
    general = fu[(fu["source"] == "kommune") & (fu["category"] == "allgemein")]
    assert len(general) == 3 * 24


def test_survey_follows_the_standard_questionnaire(demo: Region) -> None:
    s = demo.survey
    assert len(s) == 800
    assert set(s["ags"]) <= set(demo.municipalities.index)
    assert set(s["age_group"]) == {"18_29", "30_64", "65_plus"}  # adults only
    assert set(s["sex"].dropna()) == {"w", "m", "d"}
    assert "weight" not in s.columns  # weights come from raking (kulturplan.needs)
    likert = [f"{k}_{c}" for c in SURVEY_CATEGORIES
              for k in ("interesse", "zufriedenheit_wohnort", "zufriedenheit_kreis")]
    visits = [f"besuche_{c}" for c in SURVEY_CATEGORIES]
    assert set(likert + visits) <= set(s.columns)
    assert set(s[likert].stack().dropna().unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert set(s[visits].stack().dropna().unique()) == {0.0, 1.0, 2.0, 3.0}
    missing = s[likert + visits].isna().mean()
    assert (missing > 0).all() and (missing < 0.5).all()
    multi = s.filter(regex="^(barriere|wunsch)_")
    assert len(multi.columns) == 9 + 10
    assert set(multi.stack().dropna().unique()) == {0.0, 1.0}


def test_survey_is_deliberately_unrepresentative(demo: Region) -> None:
    s, m = demo.survey, demo.municipalities
    adults = m[["pop_18_29", "pop_30_64", "pop_65_plus"]].sum()
    sample = s["age_group"].value_counts(normalize=True)
    assert sample["65_plus"] > 1.3 * adults["pop_65_plus"] / adults.sum()
    assert sample["18_29"] < 0.7 * adults["pop_18_29"] / adults.sum()
    mz = m.index[m["central_place"] == "Mittelzentrum"][0]
    assert (s["ags"] == mz).mean() > 1.6 * m.loc[mz, "population"] / m["population"].sum()


def test_survey_answers_follow_distance(demo: Region) -> None:
    s = demo.survey
    # far from a facility: fewer satisfied near home, more say "too far"
    counts = demo.facilities[~demo.facilities["mobile"]].groupby("ags")["category"]
    has_kino = s["ags"].isin(counts.apply(lambda c: (c == "kino").any()).pipe(
        lambda x: x[x].index))
    sat = s["zufriedenheit_wohnort_kino"] >= 4
    assert sat[has_kino].mean() > sat[~has_kino].mean() + 0.1
    far = s["barriere_entfernung"]
    assert far[~has_kino].mean() > far[has_kino].mean()


def test_sex_by_age_group_adds_up(demo: Region) -> None:
    m = demo.municipalities
    assert (m["pop_female"] + m["pop_male"] == m["population"]).all()
    for band in ("18_29", "30_64", "65_plus"):
        assert (m[f"pop_{band}_female"] + m[f"pop_{band}_male"] == m[f"pop_{band}"]).all()
    assert 0.49 < m["pop_female"].sum() / m["population"].sum() < 0.52
    assert m["pop_65_plus_female"].sum() / m["pop_65_plus"].sum() > 0.54


def test_no_personal_data(demo: Region) -> None:
    forbidden = set(PERSONAL_COLUMNS) | {
        "vorname", "nachname", "first_name", "last_name", "adresse", "address", "strasse",
        "geburtsdatum", "birthday", "kontakt", "contact",
    }
    for table in ("municipalities", "facilities", "organisations", "events", "funding", "survey"):
        columns = {str(c).lower() for c in getattr(demo, table).columns}
        assert not columns & forbidden, table
    assert "name" not in demo.survey.columns
    text = " ".join(demo.organisations["name"])
    assert "@" not in text and not re.search(r"\d{4,}", text)


# --- scaling --------------------------------------------------------------------------------------
def test_scaling_builds_with_the_same_rules(big: Region) -> None:
    m = big.municipalities
    assert len(m) == 2000 and m.index.is_unique
    assert m.index.str.fullmatch(r"99\d{6}").all()
    assert m["kreis_ags"].nunique() > 20  # cut into many fictional Kreise
    assert (m.index.str[:5] == m["kreis_ags"]).all()
    assert big.kreis_ags == "99"
    assert m["name"].is_unique
    pop = m["population"]
    assert pop.min() >= 1_000 and pop.max() <= 35_000
    per_24 = pop.sum() / 2000 * 24
    assert 125_000 <= per_24 <= 175_000
    assert (m["central_place"] == "Mittelzentrum").sum() == round(2000 / 24)
    assert big.facilities["ags"].isin(m.index).all()
    assert not big.report
    # density stays realistic: the outline grows with sqrt(n)
    assert 50 <= pop.sum() / m["area_km2"].sum() <= 150
    assert len(big.survey) == round(800 * 2000 / 24)


def test_subset_of_a_scaled_region_is_a_kreis(big: Region) -> None:
    kreis = big.municipalities["kreis_ags"].iloc[0]
    part = big.subset(kreis)
    assert (part.municipalities["kreis_ags"] == kreis).all()
    assert set(part.events["ags"]) <= set(part.municipalities.index)


# musterland(seed=5, n) as generated (regression values: the municipalities are the first
# thing drawn from the seed, the facilities the second; regenerate these numbers only on a
# deliberate change of the generator)
SMALL = {
    1: ([25_573], ["Mittelzentrum"], [2], 35),
    2: ([30_014, 3_975], ["Mittelzentrum", "kein zentraler Ort"], [2, 3], 44),
    3: ([31_908, 12_881, 1_064], ["Mittelzentrum", "Grundzentrum", "kein zentraler Ort"],
        [2, 2, 3], 66),
    7: ([3_662, 2_179, 8_343, 2_792, 4_631, 27_032, 2_725],
        ["kein zentraler Ort", "kein zentraler Ort", "Grundzentrum", "kein zentraler Ort",
         "kein zentraler Ort", "Mittelzentrum", "kein zentraler Ort"],
        [3, 3, 2, 3, 3, 2, 3], 68),
}


@pytest.mark.parametrize("n", sorted(SMALL))
def test_small_regions(n: int) -> None:
    population, central, urban, n_facilities = SMALL[n]
    region = musterland(seed=5, n_municipalities=n)
    m = region.municipalities
    assert m.index.tolist() == [f"99001{k:03d}" for k in range(1, n + 1)]
    assert m["population"].astype(int).tolist() == population
    assert m["central_place"].tolist() == central
    assert m["urban_degree"].tolist() == urban
    # exactly one Mittelzentrum, and it is the largest place
    assert central.count("Mittelzentrum") == 1
    assert population[central.index("Mittelzentrum")] == max(population) >= 25_000
    # the age groups add up to the population in every municipality
    ages = m[list(catalog.AGE_GROUPS)].sum(axis=1)
    assert (ages == m["population"]).all()
    assert len(region.facilities) == n_facilities
    assert region.facilities["ags"].isin(m.index).all()  # every facility in a municipality
    assert not region.report
    assert (region.name, region.kreis_ags) == ("Landkreis Musterland", "99001")


def test_invalid_size_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="n_municipalities muss mindestens 1 sein"):
        musterland(n_municipalities=-3)


def test_invalid_size() -> None:
    with pytest.raises(ValueError, match="mindestens 1"):
        musterland(n_municipalities=0)


def test_events_are_sorted_by_start(demo: Region) -> None:
    assert demo.events["start"].is_monotonic_increasing
    assert pd.Index(demo.events.index).is_unique


def test_committed_survey_export_is_up_to_date_and_imports_back(demo: Region) -> None:
    """Regenerate with ``python -m kulturplan.demo data/musterland --befragung
    data/musterland_befragung.csv``."""
    from pathlib import Path

    from kulturplan.demo import survey_export_csv
    from kulturplan.needs import read_survey

    path = Path(__file__).parents[1] / "data" / "musterland_befragung.csv"
    assert path.read_bytes() == survey_export_csv(demo)
    imported = read_survey(path, region=demo)
    assert not imported.report.problems
    data = imported.data.reset_index(drop=True)
    original = demo.survey.reset_index(drop=True)
    for col in original.columns:
        pd.testing.assert_series_equal(
            data[col].astype(object), original[col].astype(object), check_names=False,
            obj=col)
