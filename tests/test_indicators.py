"""Indicators on the hand-made ``tiny_region`` (see tests/conftest.py for the data).

Every expected value is computed by hand; the arithmetic is in the comments. Order of
the four values everywhere: Aheim 99001001 (1,000 Einw.), Bedorf 99001002 (2,500),
Cestadt 99001003 (12,000), Dewald 99001004 (500).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import AGS, make_tiny_region

import kulturplan as kp
from kulturplan.errors import KulturplanError, UnknownIndicatorError
from kulturplan.indicators import _registry, basic, compute
from kulturplan.indicators.diversity import categories_present, shannon_diversity

NAN = float("nan")
C = 1 / 12_000  # one item in Cestadt per inhabitant

H_CESTADT = -(0.4 * math.log(0.4) + 3 * 0.2 * math.log(0.2))  # = 1.332179…

EXPECTED_2025: dict[str, list[float]] = {
    # facilities per 10,000: count / population * 10,000; F09 (theatre) lies outside
    "einrichtungen_je_10000__bibliothek": [0, 1 / 2500 * 1e4, 2 * C * 1e4, 0],  # 0, 4, 1.667, 0
    "einrichtungen_je_10000__musikschule": [0, 0, C * 1e4, 0],  # 0.8333 in Cestadt
    "einrichtungen_je_10000__museum": [1 / 1000 * 1e4, 0, C * 1e4, 0],  # 10, 0, 0.8333, 0
    "einrichtungen_je_10000__theater": [0, 0, 0, 0],  # F09 is outside every municipality
    "einrichtungen_je_10000__kino": [0, 0, C * 1e4, 0],
    "einrichtungen_je_10000__veranstaltungsraum": [1 / 1000 * 1e4, 1 / 2500 * 1e4, 0, 0],
    "einrichtungen_je_10000__galerie": [0, 0, 0, 0],
    "einrichtungen_je_10000__soziokulturelles_zentrum": [0, 0, 0, 0],
    # all facilities: 2 / 1000, 2 / 2500, 5 / 12000, 0 (× 10,000) = 20, 8, 4.1667, 0
    "einrichtungen_gesamt_je_10000": [20.0, 8.0, 5 * C * 1e4, 0.0],
    # known capacity: Aheim 150+40=190; Bedorf 200 (F02 unknown); Cestadt 120+300+180+30
    # = 630 (F04 unknown); Dewald no facility -> 0 places.  × 1,000 / population
    "kapazitaet_je_1000": [190.0, 200 / 2500 * 1000, 630 / 12000 * 1000, 0.0],  # 190, 80, 52.5, 0
    # events 2025 (latest year): Aheim E06,E10 = 2; Bedorf E05 = 1; Cestadt E04,E08,E09 = 3;
    # Dewald E07 = 1; E11 is at F09 outside -> nowhere.  × 1,000 / population
    "veranstaltungen_je_1000": [2.0, 1 / 2500 * 1000, 3 / 12, 1 / 500 * 1000],  # 2, .4, .25, 2
    "veranstaltungen_sparte_je_1000__bibliothek": [0, 0.4, 1 / 12, 0],  # E05 / E04
    "veranstaltungen_sparte_je_1000__musikschule": [0, 0, 1 / 12, 0],  # E08
    "veranstaltungen_sparte_je_1000__museum": [1.0, 0, 0, 0],  # E06
    "veranstaltungen_sparte_je_1000__kino": [0, 0, 1 / 12, 0],  # E09
    "veranstaltungen_sparte_je_1000__veranstaltungsraum": [1.0, 0, 0, 2.0],  # E10 / E07
    "veranstaltungen_sparte_je_1000__theater": [0, 0, 0, 0],  # E11 not counted
    # target groups 2025; E05 "familien; kinder" counts for both
    "veranstaltungen_zielgruppe_je_1000__kinder": [0, 0.4, 1 / 12, 0],  # E05 / E04
    "veranstaltungen_zielgruppe_je_1000__familien": [0, 0.4, 0, 0],  # E05
    "veranstaltungen_zielgruppe_je_1000__jugendliche": [0, 0, 1 / 12, 2.0],  # E08 / E07
    "veranstaltungen_zielgruppe_je_1000__erwachsene": [1.0, 0, 0, 0],  # E06 (E11 outside)
    "veranstaltungen_zielgruppe_je_1000__senioren": [1.0, 0, 0, 0],  # E10
    "veranstaltungen_zielgruppe_je_1000__alle": [0, 0, 1 / 12, 0],  # E09
    # volunteers: 12+8=20 / 1000; 10 / 2500; 15 (+unknown) / 12000; 5 / 500  (× 1,000)
    "ehrenamtliche_je_1000": [20.0, 4.0, 1.25, 10.0],
    # organisations: 2 / 1000, 1 / 2500, 2 / 12000, 1 / 500 (× 10,000)
    "vereine_je_10000": [20.0, 4.0, 2 * C * 1e4, 20.0],
    # public funding 2025: Aheim 6000+3000 = 9000 / 1000 = 9; Bedorf 5000+3000 = 8000 / 2500
    # = 3.2; Cestadt 66000+24000+12000 = 102000 / 12000 = 8.5; Dewald 0
    "foerderung_je_einw": [9.0, 3.2, 8.5, 0.0],
    "foerderung_quelle_je_einw__kommune": [6.0, 2.0, 5.5, 0.0],  # 6000/1000, 5000/2500, 66000/12000
    "foerderung_quelle_je_einw__kreis": [0, 0, 2.0, 0],  # 24000 / 12000
    "foerderung_quelle_je_einw__land": [3.0, 0, 0, 0],  # 3000 / 1000
    "foerderung_quelle_je_einw__bund": [0, 0, 1.0, 0],  # 12000 / 12000
    "foerderung_quelle_je_einw__eu": [0, 1.2, 0, 0],  # 3000 / 2500
    "foerderung_quelle_je_einw__stiftung": [1.0, 0, 0, 0],  # 1000 / 1000
    "foerderung_quelle_je_einw__sonstige": [0, 0, 0.25, 0],  # 3000 / 12000
    # public 2024: Aheim 5000+2000 = 7000; Bedorf 10000; Cestadt 60000+24000 = 84000
    # (stiftung 6000 is not public); change 2024 -> 2025 in %:
    # (9000-7000)/7000 = 28.571 %; (8000-10000)/10000 = -20 %; (102000-84000)/84000 = 21.429 %;
    # Dewald 0 -> 0: NaN (no percentage from nothing)
    "foerderung_veraenderung": [200 / 7, -20.0, 1800 / 84, NAN],
    # categories present: Aheim museum+veranstaltungsraum; Bedorf bibliothek+veranstaltungsraum;
    # Cestadt bibliothek, musikschule, museum, kino; Dewald none
    "sparten_anzahl": [2.0, 2.0, 4.0, 0.0],
    # Shannon: two categories 1:1 -> ln 2; Cestadt 2:1:1:1 of 5 -> shares .4 .2 .2 .2,
    # H = -(0.4 ln 0.4 + 3 * 0.2 ln 0.2) = 0.366516 + 0.965663 = 1.332179; none -> 0
    "sparten_vielfalt": [math.log(2), math.log(2), H_CESTADT, 0.0],
}

EXPECTED_2024: dict[str, list[float]] = {
    # events 2024: Aheim E03; Cestadt E01, E02
    "veranstaltungen_je_1000": [1.0, 0.0, 2 / 12, 0.0],
    "veranstaltungen_zielgruppe_je_1000__kinder": [0, 0, 1 / 12, 0],  # E01
    "veranstaltungen_zielgruppe_je_1000__senioren": [1.0, 0, 0, 0],  # E03
    # public 2024: 7000/1000, 10000/2500, 84000/12000, 0
    "foerderung_je_einw": [7.0, 4.0, 7.0, 0.0],
    "foerderung_quelle_je_einw__stiftung": [0, 0, 0.5, 0],  # 6000 / 12000
    # no year before 2024 in the data
    "foerderung_veraenderung": [NAN, NAN, NAN, NAN],
}

REACHABILITY_MODULE = "kulturplan.indicators.reachability"


def _families(*, reachability: bool) -> set[str]:
    """Catalog families computed by this library's own tables (or by reachability)."""
    cat = kp.indicators.catalog()
    methods = _registry.methods()
    return {
        fam for fam, m in zip(cat["family"], cat["method"], strict=True)
        if (methods[m].func.__module__ == REACHABILITY_MODULE) == reachability
    }


OWN_FAMILIES = _families(reachability=False)
"""Families worked out by hand below (reachability: tests/test_indicators_reachability.py)."""


def _values(series: pd.Series) -> list[float]:
    return series.reindex(list(AGS)).tolist()


def _own_ids() -> list[str]:
    cat = kp.indicators.catalog()
    return list(cat.index[cat["family"].isin(OWN_FAMILIES)])


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Indicators of this library on tiny_region (computed once for the module)."""
    return compute(make_tiny_region(), _own_ids())


@pytest.mark.parametrize("ind", sorted(EXPECTED_2025))
def test_hand_computed_latest_year(table, ind):
    assert _values(table[ind]) == pytest.approx(EXPECTED_2025[ind], nan_ok=True, rel=1e-9)


@pytest.mark.parametrize("ind", sorted(EXPECTED_2024))
def test_hand_computed_year_2024(tiny_region, ind):
    got = compute(tiny_region, [ind], year=2024)[ind]
    assert _values(got) == pytest.approx(EXPECTED_2024[ind], nan_ok=True, rel=1e-9)


def test_every_catalog_family_has_a_hand_computed_value():
    from test_indicators_reachability import IDS as REACHABILITY_IDS

    cat = kp.indicators.catalog()
    # composite: test_composite_catalog_entry_is_zscore_mean_of_components below
    own = {cat.loc[i, "family"] for i in EXPECTED_2025} | {"kulturversorgungsindex"}
    reach = {pattern.split("__")[0] for pattern in REACHABILITY_IDS.values()}
    assert own == OWN_FAMILIES
    assert reach == _families(reachability=True)
    assert own | reach == set(cat["family"])  # a new family needs a hand-computed value


def test_all_categories_sum_to_total(table):
    per_cat = table[[c for c in table.columns if c.startswith("einrichtungen_je_10000__")]]
    assert per_cat.sum(axis=1).tolist() == pytest.approx(
        table["einrichtungen_gesamt_je_10000"].tolist()
    )


def test_composite_catalog_entry_is_zscore_mean_of_components(table):
    # hand-check of the default index: components and their z-scores (population sd)
    comps = [
        "einrichtungen_gesamt_je_10000",
        "kapazitaet_je_1000",
        "veranstaltungen_je_1000",
        "ehrenamtliche_je_1000",
        "foerderung_je_einw",
        "sparten_vielfalt",
    ]
    x = np.array([EXPECTED_2025[c] for c in comps], dtype=float).T  # 4 × 6
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=0)
    assert _values(table["kulturversorgungsindex"]) == pytest.approx(z.mean(axis=1).tolist())
    # e.g. Aheim facilities: mean(20, 8, 4.1667, 0) = 8.0417, so Aheim's z is > 1.5
    assert z[0, 0] == pytest.approx((20 - 8.041667) / np.std([20, 8, 50 / 12, 0]), rel=1e-5)


# -- compute() ---------------------------------------------------------------------------
def test_compute_columns_are_the_catalog_ids_and_every_municipality_is_present(tiny_region):
    cat = kp.indicators.catalog()
    table = compute(tiny_region)
    assert list(table.columns) == list(cat.index)
    assert list(table.index) == list(AGS)
    assert table.index.name == "ags"
    assert all(dtype == np.float64 for dtype in table.dtypes)
    assert not np.isinf(table.to_numpy()).any()


def test_compute_subset_keeps_requested_order_and_accepts_a_single_id(tiny_region):
    ids = ["sparten_anzahl", "einrichtungen_je_10000__kino", "sparten_anzahl"]
    got = compute(tiny_region, ids)
    assert list(got.columns) == ["sparten_anzahl", "einrichtungen_je_10000__kino"]
    single = compute(tiny_region, "vereine_je_10000")
    assert list(single.columns) == ["vereine_je_10000"]
    assert _values(single["vereine_je_10000"]) == pytest.approx(EXPECTED_2025["vereine_je_10000"])


def test_compute_unknown_id_lists_close_matches(tiny_region):
    with pytest.raises(
        UnknownIndicatorError,
        match=r"Unbekannte Indikator-ID\(s\): „einrichtungen_je_10000__bibliotek“ \(meinten Sie: "
        r"einrichtungen_je_10000__bibliothek",
    ):
        compute(tiny_region, ["einrichtungen_je_10000__bibliotek"])
    # a parameter mistake: also caught as ValueError and KeyError
    with pytest.raises(ValueError, match=r"„xyz_gibt_es_nicht“\. Alle IDs liefert"):
        compute(tiny_region, ["sparten_anzahl", "xyz_gibt_es_nicht"])


@pytest.mark.parametrize("year", ["zwanzig", 2024.5, True])
def test_compute_invalid_year(tiny_region, year):
    with pytest.raises(
        KulturplanError, match=r"Jahr „.*“ ist ungültig; erwartet wird eine Jahreszahl"
    ):
        compute(tiny_region, ["veranstaltungen_je_1000"], year=year)


def test_year_without_data_gives_nan(tiny_region):
    got = compute(
        tiny_region,
        ["veranstaltungen_je_1000", "foerderung_je_einw", "foerderung_veraenderung",
         "einrichtungen_gesamt_je_10000"],
        year=2023,
    )
    yearly = ["veranstaltungen_je_1000", "foerderung_je_einw", "foerderung_veraenderung"]
    assert got[yearly].isna().all().all()
    # facilities have no year: unaffected
    assert _values(got["einrichtungen_gesamt_je_10000"]) == pytest.approx(
        EXPECTED_2025["einrichtungen_gesamt_je_10000"]
    )


def test_each_method_is_called_once_per_compute(tiny_region, monkeypatch):
    calls = []
    original = _registry._METHODS["facilities_per_10k"]

    def counting(region):
        calls.append(1)
        return original.func(region)

    monkeypatch.setitem(_registry._METHODS, "facilities_per_10k",
                        dataclasses.replace(original, func=counting))
    compute(
        tiny_region,
        ["einrichtungen_je_10000__kino", "einrichtungen_je_10000__museum",
         "einrichtungen_je_10000__bibliothek"],
    )
    assert len(calls) == 1


def test_composite_reuses_components_computed_in_the_same_call(tiny_region, monkeypatch):
    calls = []
    original = _registry._METHODS["facilities_total_per_10k"]

    def counting(region):
        calls.append(1)
        return original.func(region)

    monkeypatch.setitem(_registry._METHODS, "facilities_total_per_10k",
                        dataclasses.replace(original, func=counting))
    compute(tiny_region, ["einrichtungen_gesamt_je_10000", "kulturversorgungsindex"])
    assert len(calls) == 1
    # a later call starts afresh (no stale cache)
    compute(tiny_region, ["kulturversorgungsindex"])
    assert len(calls) == 2


def test_family_method_missing_a_key_is_an_error(tiny_region, monkeypatch):
    monkeypatch.setitem(
        _registry._METHODS,
        "facilities_per_10k",
        _registry.Method("facilities_per_10k",
                         lambda region: pd.DataFrame({"kino": [1.0] * 4}, index=list(AGS))),
    )
    with pytest.raises(
        KulturplanError,
        match=r"Die Methode „facilities_per_10k“ liefert keine Spalte „museum“ für den Indikator "
        r"„einrichtungen_je_10000__museum“",
    ):
        compute(tiny_region, ["einrichtungen_je_10000__museum"])


def test_plain_method_returning_a_table_is_an_error(tiny_region, monkeypatch):
    monkeypatch.setitem(
        _registry._METHODS, "categories_present",
        _registry.Method("categories_present", lambda region: pd.DataFrame({"a": [1.0]})),
    )
    with pytest.raises(
        KulturplanError, match=r"liefert eine Tabelle, für den Indikator „sparten_anzahl“"
    ):
        compute(tiny_region, ["sparten_anzahl"])


def test_unregistered_method_is_an_error():
    with pytest.raises(
        KulturplanError, match=r"Für die Indikator-Methode „gibt_es_nicht“ ist keine"
    ):
        _registry.method("gibt_es_nicht")


# -- zero population, unknown values, empty tables ----------------------------------------
def test_zero_population_gives_nan_not_inf(tiny_region_zero_population):
    got = compute(tiny_region_zero_population, _own_ids())
    dewald = got.loc["99001004"]
    cat = kp.indicators.catalog()
    per_capita = [
        i
        for i in got.columns
        if "Einw" in cat.loc[i, "unit"] and cat.loc[i, "family"] in OWN_FAMILIES
    ]
    assert len(per_capita) >= 30
    assert dewald[per_capita].isna().all()
    assert not np.isinf(got.to_numpy()).any()
    # not per capita: Dewald has no facility -> 0 categories, diversity 0
    assert dewald["sparten_anzahl"] == 0.0
    assert dewald["sparten_vielfalt"] == 0.0
    # the other municipalities are unchanged
    assert got.loc["99001001", "einrichtungen_gesamt_je_10000"] == pytest.approx(20.0)


def test_capacity_unknown_for_all_facilities_of_a_municipality_is_nan(tiny_region):
    facilities = tiny_region.facilities.copy()
    facilities.loc["F08", "capacity"] = np.nan  # Bedorf: F02 and F08 both unknown now
    got = basic.capacity_per_1000(facilities, tiny_region.population)
    assert _values(got) == pytest.approx([190.0, NAN, 52.5, 0.0], nan_ok=True)
    no_column = basic.capacity_per_1000(facilities.drop(columns="capacity"), tiny_region.population)
    # no capacity known anywhere: NaN where facilities exist, 0 in Dewald (no facility)
    assert _values(no_column) == pytest.approx([NAN, NAN, NAN, 0.0], nan_ok=True)


def test_volunteers_unknown_for_all_organisations_of_a_municipality_is_nan(tiny_region):
    orgs = tiny_region.organisations.copy()
    orgs.loc["O5", "volunteers"] = np.nan  # Bedorf's only organisation
    got = basic.volunteers_per_1000(orgs, tiny_region.population)
    assert _values(got) == pytest.approx([20.0, NAN, 1.25, 10.0], nan_ok=True)
    no_column = basic.volunteers_per_1000(orgs.drop(columns="volunteers"), tiny_region.population)
    assert no_column.isna().all()


def test_region_without_data_tables_gives_nan_everywhere(tiny_region):
    # empty tables mean "no data" for the indicators of this library (reachability,
    # registered by kulturplan.indicators.reachability, has its own convention)
    bare = kp.Region(municipalities=tiny_region.municipalities)
    own = _own_ids()
    got = compute(bare, own)
    assert got.shape == (4, len(own))
    assert got.isna().all().all()


def test_events_without_target_group_column_give_nan(tiny_region):
    events = tiny_region.events.drop(columns="target_group")
    got = basic.events_per_1000_by_target_group(events, tiny_region.population)
    assert got.isna().all().all()
    assert list(got.columns) == list(kp.catalog.TARGET_GROUPS)


def test_events_without_any_target_group_give_nan(tiny_region):
    events = tiny_region.events.assign(target_group=None)
    got = basic.events_per_1000_by_target_group(events, tiny_region.population)
    assert got.isna().all().all()
    # an unknown group counts for no column, the others still count
    events = tiny_region.events.assign(
        target_group=tiny_region.events["target_group"].replace({"alle": "Touristen"})
    )
    got = basic.events_per_1000_by_target_group(events, tiny_region.population)
    assert _values(got["alle"]) == [0, 0, 0, 0]
    assert _values(got["kinder"]) == pytest.approx(
        EXPECTED_2025["veranstaltungen_zielgruppe_je_1000__kinder"]
    )


def test_event_years(tiny_region):
    assert basic.event_years(tiny_region.events) == [2024, 2025]
    assert basic.event_years(tiny_region.events.iloc[0:0]) == []


def test_events_with_string_dates(tiny_region):
    events = tiny_region.events.copy()
    events["start"] = events["start"].dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype(object)
    got = basic.events_per_1000(events, tiny_region.population)
    assert _values(got) == pytest.approx(EXPECTED_2025["veranstaltungen_je_1000"])


def test_diversity_functions_directly(tiny_region):
    pop = tiny_region.population
    assert _values(categories_present(tiny_region.facilities, pop)) == [2, 2, 4, 0]
    assert _values(shannon_diversity(tiny_region.facilities, pop)) == pytest.approx(
        EXPECTED_2025["sparten_vielfalt"]
    )
    empty = tiny_region.facilities.iloc[0:0]
    assert shannon_diversity(empty, pop).isna().all()
    assert categories_present(empty, pop).isna().all()


def test_doubled_region_built_by_hand_halves_per_capita(tiny_region):
    doubled = make_tiny_region({a: 2 * p for a, p in tiny_region.population.items()})
    a, b = compute(tiny_region, _own_ids()), compute(doubled, _own_ids())
    assert b["einrichtungen_gesamt_je_10000"].tolist() == pytest.approx(
        (a["einrichtungen_gesamt_je_10000"] / 2).tolist()
    )
    # shares and changes do not depend on the population
    pd.testing.assert_series_equal(a["sparten_vielfalt"], b["sparten_vielfalt"])
    pd.testing.assert_series_equal(a["foerderung_veraenderung"], b["foerderung_veraenderung"])


def test_registry_declares_year_use_and_dependencies():
    methods = _registry.methods()
    assert methods["composite_index"].depends_on == "indicators"
    assert not methods["composite_index"].uses_year
    assert methods["events_per_1000"].uses_year and not methods["facilities_per_10k"].uses_year
    # the catalog's composite lists its components as parameters, every one a catalog id
    params = kp.indicators.catalog().loc["kulturversorgungsindex", "params"]
    assert set(params["indicators"]) <= set(kp.indicators.catalog().index)


def test_composite_components_use_the_requested_year(tiny_region):
    comps = list(kp.indicators.catalog().loc["kulturversorgungsindex", "params"]["indicators"])
    got = compute(tiny_region, ["kulturversorgungsindex"], year=2024)["kulturversorgungsindex"]
    by_hand = kp.indicators.composite_index(compute(tiny_region, comps, year=2024), comps)
    latest = compute(tiny_region, ["kulturversorgungsindex"])["kulturversorgungsindex"]
    assert _values(got) == pytest.approx(_values(by_hand), nan_ok=True, rel=1e-12)
    assert _values(got) != pytest.approx(_values(latest), nan_ok=True)  # 2024 ≠ 2025
