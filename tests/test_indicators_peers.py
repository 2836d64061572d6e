"""Peer comparison, size classes and change between years."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import AGS

from kulturplan.errors import KulturplanError
from kulturplan.indicators import change_between_years, compute, peer_comparison, size_class
from kulturplan.indicators.peers import (
    PEER_BASIS_SIZE,
    PEER_BASIS_SIZE_AND_TYPE,
    PEER_COLUMN_LABELS,
    _loo_median,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("population", "label"),
    [
        (0, "unter 2.000"),
        (1_999, "unter 2.000"),
        (2_000, "2.000 bis unter 5.000"),
        (4_999.5, "2.000 bis unter 5.000"),
        (5_000, "5.000 bis unter 10.000"),
        (10_000, "10.000 bis unter 20.000"),
        (20_000, "20.000 bis unter 50.000"),
        (50_000, "50.000 bis unter 100.000"),
        (99_999, "50.000 bis unter 100.000"),
        (100_000, "100.000 und mehr"),
        (3_700_000, "100.000 und mehr"),
    ],
)
def test_size_class_boundaries(population, label):
    assert size_class(population) == label
    assert size_class(pd.Series([population])).astype(object).iloc[0] == label


def test_size_class_missing_or_negative():
    assert pd.isna(size_class(-1))
    assert pd.isna(size_class(None))
    got = size_class(pd.Series([np.nan, 1500.0]))
    assert pd.isna(got.iloc[0]) and got.iloc[1] == "unter 2.000"
    assert list(got.cat.categories)[:2] == ["unter 2.000", "2.000 bis unter 5.000"]


@pytest.mark.parametrize(
    ("values", "medians", "counts"),
    [
        # others of 1: (3, 2) -> 2.5 ... sorted 1 2 3 5
        ([1.0, 2.0, 3.0, 5.0], [3.0, 3.0, 2.0, 2.0], [3, 3, 3, 3]),
        # others (even): [4, 9] -> 6.5; [1, 9] -> 5; [1, 4] -> 2.5; NaN: median of 1, 4, 9 = 4
        ([1.0, 4.0, 9.0, NAN], [6.5, 5.0, 2.5, 4.0], [2, 2, 2, 3]),
        # ties
        ([2.0, 2.0, 7.0], [4.5, 4.5, 2.0], [2, 2, 2]),
        ([5.0], [NAN], [0]),
        ([NAN, NAN], [NAN, NAN], [0, 0]),
    ],
)
def test_leave_one_out_median(values, medians, counts):
    med, cnt = _loo_median(np.array(values))
    assert med.tolist() == pytest.approx(medians, nan_ok=True)
    assert cnt.tolist() == counts


@pytest.fixture
def municipalities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "population": [1000, 1500, 1800, 1200, 1900, 3000, 4000, 12000],
            "urban_degree": [3, 3, 3, 3, 2, 3, 3, None],
        },
        index=pd.Index(["A1", "A2", "A3", "A4", "B1", "C1", "C2", "D1"], name="ags"),
    )


@pytest.fixture
def values() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [10.0, 20.0, 30.0, NAN, 50.0, 5.0, 7.0, 3.0],
            "y": [0.0, 0.0, 0.0, 4.0, 1.0, 2.0, 2.0, 2.0],
        },
        index=pd.Index(["A1", "A2", "A3", "A4", "B1", "C1", "C2", "D1"], name="ags"),
    )


def test_peer_comparison_by_hand(municipalities, values):
    got = peer_comparison(municipalities, values)
    x = got.xs("x", level="indicator")
    # A1..A4: "unter 2.000" and type 3, 3 others each -> own group
    #   A1: peers A2 20, A3 30 (A4 has no value) -> median 25, diff -15, ratio 0.4
    #   A2: 10, 30 -> 20 (ratio 1); A3: 10, 20 -> 15 (ratio 2); A4: 10, 20, 30 -> 20, own NaN
    # B1: type 2 alone -> size class "unter 2.000": A1..A4 -> 10, 20, 30 -> 20, ratio 2.5
    # C1, C2: "2.000 bis unter 5.000", type 3, only 1 other -> size class only: each other
    # D1: no settlement type, alone in "10.000 bis unter 20.000" -> no peer
    assert x["peer_median"].tolist() == pytest.approx(
        [25.0, 20.0, 15.0, 20.0, 20.0, 7.0, 5.0, NAN], nan_ok=True
    )
    assert x["n_peers"].tolist() == [2, 2, 2, 3, 3, 1, 1, 0]
    assert x["difference"].tolist() == pytest.approx(
        [-15.0, 0.0, 15.0, NAN, 30.0, -2.0, 2.0, NAN], nan_ok=True
    )
    assert x["ratio"].tolist() == pytest.approx(
        [0.4, 1.0, 2.0, NAN, 2.5, 5 / 7, 1.4, NAN], nan_ok=True
    )
    assert x["peer_basis"].tolist() == [PEER_BASIS_SIZE_AND_TYPE] * 4 + [PEER_BASIS_SIZE] * 4
    assert x["size_class"].tolist() == ["unter 2.000"] * 5 + ["2.000 bis unter 5.000"] * 2 + [
        "10.000 bis unter 20.000"
    ]
    assert x["urban_degree"].tolist()[:7] == [3, 3, 3, 3, 2, 3, 3]
    assert pd.isna(x["urban_degree"].iloc[7])
    # y: A1 peers 0, 0, 4 -> median 0 -> ratio NaN (no division by 0), diff 0
    #    A4 peers 0, 0, 0 -> 0, diff 4;  B1 peers 0, 0, 0, 4 -> 0
    y = got.xs("y", level="indicator")
    assert y["peer_median"].tolist()[:5] == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert y["difference"].tolist()[:5] == [0.0, 0.0, 0.0, 4.0, 1.0]
    assert y["ratio"].iloc[:5].isna().all()
    assert got.index.names == ["ags", "indicator"]
    assert len(got) == 16
    assert list(PEER_COLUMN_LABELS) == list(got.columns)


def test_min_peers_controls_the_fallback(municipalities, values):
    # with min_peers=1, C1 and C2 keep their size class + type group (1 peer each)
    got = peer_comparison(municipalities, values, ["x"], min_peers=1).xs("x", level="indicator")
    assert got.loc["C1", "peer_basis"] == PEER_BASIS_SIZE_AND_TYPE
    assert got.loc["B1", "peer_basis"] == PEER_BASIS_SIZE  # type 2 is alone
    # with min_peers=4 the A group (3 others) falls back to the size class incl. B1 (50)
    got = peer_comparison(municipalities, values, ["x"], min_peers=4).xs("x", level="indicator")
    # A1: others A2 20, A3 30, B1 50 -> 30
    assert got.loc["A1", "peer_median"] == 30.0
    assert got.loc["A1", "peer_basis"] == PEER_BASIS_SIZE


def test_without_urban_degree_size_class_only(municipalities, values):
    got = peer_comparison(municipalities.drop(columns="urban_degree"), values, ["x"])
    x = got.xs("x", level="indicator")
    assert set(x["peer_basis"]) == {PEER_BASIS_SIZE}
    # B1: others A1 10, A2 20, A3 30 -> 20;  A1: A2, A3, B1 -> 20, 30, 50 -> 30
    assert x.loc["B1", "peer_median"] == 20.0
    assert x.loc["A1", "peer_median"] == 30.0


def test_peer_comparison_on_tiny_region(tiny_region):
    table = compute(tiny_region, ["einrichtungen_gesamt_je_10000"])
    got = peer_comparison(tiny_region, table).xs("einrichtungen_gesamt_je_10000", level="indicator")
    # Aheim (1,000, type 3) and Dewald (500, type 3) are each other's only peer;
    # Bedorf (2,500) and Cestadt (12,000) have none.
    # Aheim 20 vs Dewald 0: median 0 -> diff 20, ratio NaN; Dewald 0 vs 20: diff -20, ratio 0
    assert got["peer_median"].tolist() == pytest.approx([0.0, NAN, NAN, 20.0], nan_ok=True)
    assert got["difference"].tolist() == pytest.approx([20.0, NAN, NAN, -20.0], nan_ok=True)
    assert got["ratio"].tolist() == pytest.approx([NAN, NAN, NAN, 0.0], nan_ok=True)
    assert got["n_peers"].tolist() == [1, 0, 0, 1]
    assert got["peer_basis"].tolist() == [PEER_BASIS_SIZE] * 4
    assert list(got.index) == list(AGS)


def test_peer_comparison_errors(tiny_region, values, municipalities):
    with pytest.raises(
        KulturplanError, match=r"enthält Gemeinden, die nicht zur Region gehören: A1"
    ):
        peer_comparison(tiny_region, values)
    with pytest.raises(KulturplanError, match=r"Indikator\(en\) nicht in der Tabelle: „z“"):
        peer_comparison(municipalities, values, ["x", "z"])
    with pytest.raises(KulturplanError, match=r"min_peers muss mindestens 1 sein, nicht 0"):
        peer_comparison(municipalities, values, min_peers=0)
    with pytest.raises(KulturplanError, match=r"Tabelle der Gemeinden mit Spalte „population“"):
        peer_comparison(pd.DataFrame({"einw": [1]}), values)


# -- change between years ----------------------------------------------------------------
def test_change_between_years_funding_by_hand(tiny_region):
    got = change_between_years(tiny_region.funding, "amount_eur", 2024, 2025, index=list(AGS))
    # all sources: 2024 Aheim 5000+2000 = 7000, Bedorf 10000, Cestadt 60000+24000+6000 = 90000
    #              2025 Aheim 6000+3000+1000 = 10000, Bedorf 5000+3000 = 8000,
    #                   Cestadt 66000+24000+12000+3000 = 105000; Dewald none -> 0
    assert got["value_a"].tolist() == [7000.0, 10000.0, 90000.0, 0.0]
    assert got["value_b"].tolist() == [10000.0, 8000.0, 105000.0, 0.0]
    assert got["absolute"].tolist() == [3000.0, -2000.0, 15000.0, 0.0]
    # 3000/7000 = 42.857 %, -2000/10000 = -20 %, 15000/90000 = 16.667 %, 0 -> 0: NaN
    assert got["relative_pct"].tolist() == pytest.approx(
        [300 / 7, -20.0, 100 / 6, NAN], nan_ok=True
    )
    assert got.attrs == {"year_a": 2024, "year_b": 2025}
    # without index: only keys with rows
    assert list(change_between_years(tiny_region.funding, "amount_eur", 2024, 2025).index) == list(
        AGS[:3]
    )


def test_change_from_nothing_and_reverse():
    frame = pd.DataFrame(
        {"ags": ["1", "2", "2"], "year": [2021, 2020, 2021], "v": [5.0, 4.0, 2.0]}
    )
    got = change_between_years(frame, "v", 2020, 2021)
    # "1": 0 -> 5: absolute 5, relative NaN; "2": 4 -> 2: -50 %
    assert got.loc["1"].tolist() == pytest.approx([0.0, 5.0, 5.0, NAN], nan_ok=True)
    assert got.loc["2"].tolist() == pytest.approx([4.0, 2.0, -2.0, -50.0])
    back = change_between_years(frame, "v", 2021, 2020)
    assert back.loc["2", "relative_pct"] == pytest.approx(100.0)  # 2 -> 4


def test_change_errors(tiny_region):
    f = tiny_region.funding
    with pytest.raises(
        KulturplanError, match=r"fehlen Spalte\(n\) „betrag“\. Vorhandene Spalten: year, ags"
    ):
        change_between_years(f, "betrag", 2024, 2025)
    with pytest.raises(
        KulturplanError, match=r"zwei verschiedene Jahre gebraucht, beide sind 2025"
    ):
        change_between_years(f, "amount_eur", 2025, 2025)
    with pytest.raises(
        KulturplanError,
        match=r"Für das Jahr 2019 gibt es keine Daten in Spalte „year“; vorhanden: 2024, 2025\.",
    ):
        change_between_years(f, "amount_eur", 2019, 2025)
    with pytest.raises(KulturplanError, match=r"Jahr „letztes“ ist ungültig"):
        change_between_years(f, "amount_eur", "letztes", 2025)
    with pytest.raises(KulturplanError, match=r"müssen zwei Jahre angegeben werden"):
        change_between_years(f, "amount_eur", None, 2025)
