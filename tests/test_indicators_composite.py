"""Composite index (Kulturversorgungsindex): hand-computed values and every error."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kulturplan.errors import ParameterError
from kulturplan.indicators import composite_index, normalise, normalise_table

NAN = float("nan")


@pytest.fixture
def table() -> pd.DataFrame:
    # a: higher is better (catalog: einrichtungen_gesamt_je_10000)
    # b: lower is better (given explicitly, e.g. a distance in km)
    return pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [10.0, 20.0, 60.0]}, index=pd.Index(["X", "Y", "Z"], name="ags")
    )


HIB = {"a": True, "b": False}

# z-scores with the population sd (ddof=0):
# a: mean 2, sd = sqrt((1 + 0 + 1) / 3) = 0.816497 -> z = -1.224745, 0, 1.224745
# b: mean 30, sd = sqrt((400 + 100 + 900) / 3) = 21.602469 -> z = -0.925820, -0.462910, 1.388730
#    lower is better -> flipped: 0.925820, 0.462910, -1.388730
ZA = [-math.sqrt(1.5), 0.0, math.sqrt(1.5)]
ZB = [20 / math.sqrt(1400 / 3), 10 / math.sqrt(1400 / 3), -30 / math.sqrt(1400 / 3)]


def test_zscore_equal_weights(table):
    got = composite_index(table, ["a", "b"], higher_is_better=HIB)
    # (-1.224745 + 0.925820) / 2 = -0.149463; (0 + 0.462910) / 2 = 0.231455;
    # (1.224745 - 1.388730) / 2 = -0.081993
    assert got.tolist() == pytest.approx([-0.149463, 0.231455, -0.081993], abs=1e-6)
    assert got.tolist() == pytest.approx([(za + zb) / 2 for za, zb in zip(ZA, ZB, strict=False)])
    assert got.name == "kulturversorgungsindex"
    assert got.attrs["weights"] == {"a": 0.5, "b": 0.5}
    assert got.attrs["normalisation"] == "zscore"


def test_zscore_weights_as_mapping_and_sequence(table):
    # (3 z_a + 1 z_b) / 4: (-3.674235 + 0.925820) / 4 = -0.687104; 0.462910 / 4 = 0.115728;
    # (3.674235 - 1.388730) / 4 = 0.571376
    expected = [-0.687104, 0.115728, 0.571376]
    by_map = composite_index(table, ["a", "b"], {"a": 3, "b": 1}, higher_is_better=HIB)
    by_seq = composite_index(table, ["a", "b"], [0.75, 0.25], higher_is_better=HIB)
    assert by_map.tolist() == pytest.approx(expected, abs=1e-6)
    assert by_seq.tolist() == pytest.approx(expected, abs=1e-6)
    # a zero weight drops an indicator
    only_a = composite_index(table, ["a", "b"], [1, 0], higher_is_better=HIB)
    assert only_a.tolist() == pytest.approx(ZA)


def test_minmax(table):
    # a: (x - 1) / 2 = 0, .5, 1; b lower better: (60 - x) / 50 = 1, .8, 0; mean: .5, .65, .5
    got = composite_index(table, ["a", "b"], normalisation="minmax", higher_is_better=HIB)
    assert got.tolist() == pytest.approx([0.5, 0.65, 0.5])


def test_rank(table):
    # a: ranks 1, 2, 3 -> (r - 1) / 2 = 0, .5, 1; b ranked on -x: 3, 2, 1 -> 1, .5, 0
    got = composite_index(table, ["a", "b"], normalisation="rank", higher_is_better=HIB)
    assert got.tolist() == pytest.approx([0.5, 0.5, 0.5])
    ties = normalise(pd.Series([5.0, 5.0, 1.0, NAN]), "rank")
    # ranks among 3 values: 2.5, 2.5, 1 -> (r - 1) / 2 = .75, .75, 0; NaN stays NaN
    assert ties.tolist() == pytest.approx([0.75, 0.75, 0.0, NAN], nan_ok=True)


def test_missing_values_are_left_out_and_weights_rescaled(table):
    table = table.assign(b=[10.0, NAN, 60.0])
    # b over {10, 60}: mean 35, sd 25 -> z = -1, 1 -> flipped 1, -1
    # X: (-1.224745 + 1) / 2 = -0.112372; Y: only a -> 0; Z: (1.224745 - 1) / 2 = 0.112372
    got = composite_index(table, ["a", "b"], higher_is_better=HIB)
    assert got.tolist() == pytest.approx([-0.112372, 0.0, 0.112372], abs=1e-6)
    all_missing = composite_index(table.assign(a=NAN, b=NAN), ["a", "b"], higher_is_better=HIB)
    assert all_missing.isna().all()


def test_infinite_values_count_as_missing():
    got = normalise(pd.Series([1.0, np.inf, 3.0]), "minmax")
    assert got.tolist() == pytest.approx([0.0, NAN, 1.0], nan_ok=True)


@pytest.mark.parametrize(("method", "value"), [("zscore", 0.0), ("minmax", 0.5), ("rank", 0.5)])
def test_constant_column(method, value):
    got = normalise(pd.Series([4.0, 4.0, 4.0, NAN]), method)
    assert got.tolist() == pytest.approx([value, value, value, NAN], nan_ok=True)


def test_single_value_rank_is_half():
    got = normalise(pd.Series([7.0, NAN]), "rank")
    assert got.tolist() == pytest.approx([0.5, NAN], nan_ok=True)


def test_higher_is_better_defaults_to_catalog():
    table = pd.DataFrame({"einrichtungen_gesamt_je_10000": [1.0, 2.0, 3.0], "x": [3.0, 2.0, 1.0]})
    got = composite_index(table, ["einrichtungen_gesamt_je_10000"], normalisation="minmax")
    assert got.tolist() == pytest.approx([0.0, 0.5, 1.0])
    # a mapping may give the direction of non-catalog indicators only
    both = composite_index(table, None, normalisation="minmax", higher_is_better={"x": False})
    assert both.tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert both.attrs["higher_is_better"] == {"einrichtungen_gesamt_je_10000": True, "x": False}
    # a bool sets all directions
    flipped = composite_index(table, None, normalisation="minmax", higher_is_better=False)
    assert flipped.tolist() == pytest.approx([0.5, 0.5, 0.5])


def test_normalise_table(table):
    got = normalise_table(table, ["a", "b"], "minmax", HIB)
    assert got["a"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert got["b"].tolist() == pytest.approx([1.0, 0.8, 0.0])


# -- errors ------------------------------------------------------------------------------
def test_unknown_indicator_lists_close_matches(table):
    t = table.rename(columns={"a": "einrichtungen_gesamt_je_10000"})
    with pytest.raises(
        ParameterError,
        match=r"Indikator\(en\) nicht in der Tabelle: „einrichtungen_gesamt_je_1000“ "
        r"\(ähnlich: einrichtungen_gesamt_je_10000\)",
    ):
        composite_index(t, ["einrichtungen_gesamt_je_1000"])


def test_no_indicator(table):
    with pytest.raises(ParameterError, match="mindestens ein Indikator gewählt"):
        composite_index(table, [])


def test_unknown_normalisation(table):
    with pytest.raises(
        ParameterError,
        match=r"Normalisierung „z-score“ ist unbekannt; erlaubt sind: zscore, minmax, rank\. "
        r"Meinten Sie „zscore“\?",
    ):
        composite_index(table, ["a"], normalisation="z-score", higher_is_better=True)


def test_negative_weight(table):
    with pytest.raises(
        ParameterError, match=r"Gewichte dürfen nicht negativ sein: „b“ = -1\. Soll ein niedriger"
    ):
        composite_index(table, ["a", "b"], {"a": 1, "b": -1}, higher_is_better=HIB)


def test_all_zero_weights(table):
    with pytest.raises(ParameterError, match=r"Alle Gewichte sind 0; mindestens ein Indikator"):
        composite_index(table, ["a", "b"], [0, 0], higher_is_better=HIB)


def test_wrong_number_of_weights(table):
    with pytest.raises(ParameterError, match=r"Es sind 3 Gewichte angegeben, aber 2 Indikatoren"):
        composite_index(table, ["a", "b"], [1, 1, 1], higher_is_better=HIB)


def test_weight_mapping_missing_and_extra(table):
    with pytest.raises(ParameterError, match=r"Gewicht fehlt für: „b“\."):
        composite_index(table, ["a", "b"], {"a": 1}, higher_is_better=HIB)
    with pytest.raises(
        ParameterError, match=r"Gewichte für Indikatoren, die nicht gewählt sind: „c“"
    ):
        composite_index(table, ["a", "b"], {"a": 1, "b": 1, "c": 2}, higher_is_better=HIB)


def test_weight_not_a_number(table):
    with pytest.raises(
        ParameterError, match=r"Gewichte müssen Zahlen sein; ungültig für: „a“ \('viel'\)"
    ):
        composite_index(table, ["a", "b"], ["viel", 1], higher_is_better=HIB)


def test_direction_unknown_for_non_catalog_indicator(table):
    with pytest.raises(
        ParameterError,
        match=r"Für „a“, „b“ steht nicht im Indikatorkatalog, ob höhere Werte besser sind",
    ):
        composite_index(table, ["a", "b"])
    with pytest.raises(
        ParameterError, match=r"higher_is_better nennt Indikatoren, die nicht gewählt"
    ):
        composite_index(table, ["a"], higher_is_better={"a": True, "zz": False})
