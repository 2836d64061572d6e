"""Tests of kulturplan.needs.results with hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kulturplan.errors import ParameterError
from kulturplan.needs import (
    barrier_profile,
    distribution,
    mean,
    share,
    small_area,
    sparte_table,
    wilson_interval,
)

Z = 1.959963984540054  # 97.5 % quantile of the standard normal


def test_wilson_interval_textbook_values():
    # no success in 10 trials: (0, z²/(n + z²)) = (0, 0.27753)
    low, high = wilson_interval(0.0, 10)
    assert low == 0.0  # clipped: the formula gives −5.6e-17 by rounding
    assert high == pytest.approx(Z**2 / (10 + Z**2), rel=1e-12)
    assert high == pytest.approx(0.27753, abs=1e-5)
    # 50 of 100: 0.40383 … 0.59617 (Newcombe 1998, table I style)
    low, high = wilson_interval(0.5, 100)
    assert (round(float(low), 5), round(float(high), 5)) == (0.40383, 0.59617)


def test_share_weighted_with_effective_n():
    data = pd.DataFrame({"barriere_preis": [1.0, 0.0, 1.0, np.nan]})
    out = share(data, "barriere_preis", [1.0, 2.0, 3.0, 4.0], min_n=1)
    row = out.loc["gesamt"]
    # answered: weights 1, 2, 3; yes: 1 + 3 = 4 of 6 → 2/3; n_eff = 6² / 14 = 18/7
    assert row["n"] == 3
    assert row["weighted_n"] == 6.0
    assert row["estimate"] == pytest.approx(2 / 3, rel=1e-12)
    assert row["n_eff"] == pytest.approx(18 / 7, rel=1e-12)
    n, p = 18 / 7, 2 / 3
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    assert row["ci_low"] == pytest.approx(centre - half, rel=1e-12)
    assert row["ci_high"] == pytest.approx(centre + half, rel=1e-12)
    assert not row["suppressed"] and row["note"] == ""


def test_share_by_group_suppression_and_levels():
    data = pd.DataFrame(
        {
            "ags": ["A"] * 4 + ["B"] * 2,
            "zufriedenheit_wohnort_kino": [5, 4, 3, 1, 5, np.nan],
        }
    )
    out = share(data, "zufriedenheit_wohnort_kino", by="ags", min_n=3, levels=["A", "B", "C"])
    # likert default: top two (4, 5) → A: 2 of 4; B: one answer → suppressed; C: none
    assert out.loc["A", "estimate"] == 0.5 and out.loc["A", "n"] == 4
    assert bool(out.loc["B", "suppressed"]) and math.isnan(out.loc["B", "estimate"])
    assert out.loc["B", "note"] == "nicht ausgewiesen: nur 1 Antwort (mindestens 3)"
    assert out.loc["C", "n"] == 0 and bool(out.loc["C", "suppressed"])
    assert out.index.name == "ags"


def test_share_defaults_from_the_codebook():
    data = pd.DataFrame({"besuche_museum": [0, 1, 3, np.nan], "x": [1, 2, 3, 4]})
    # ordinal visits: "used at least once" = codes 1–3
    assert share(data, "besuche_museum", min_n=0).loc["gesamt", "estimate"] == pytest.approx(2 / 3)
    assert share(data, "besuche_museum", positive=3, min_n=0).loc["gesamt", "estimate"] == (
        pytest.approx(1 / 3)
    )
    with pytest.raises(ParameterError, match="„positive“ angeben"):
        share(data, "x")
    with pytest.raises(ParameterError, match="Gruppierungsspalte „ags“ fehlt"):
        share(data, "besuche_museum", by="ags")


def test_weighted_mean_linearisation_by_hand():
    data = pd.DataFrame({"interesse_theater": [1.0, 2.0, 3.0, 4.0]})
    out = mean(data, "interesse_theater", min_n=1).loc["gesamt"]
    # equal weights: s/√n = 1.290994/2, t(3) = 3.182446
    se = np.std([1, 2, 3, 4], ddof=1) / 2
    assert out["estimate"] == 2.5
    assert out["ci_high"] - 2.5 == pytest.approx(stats.t.ppf(0.975, 3) * se, rel=1e-12)
    assert out["ci_high"] == pytest.approx(2.5 + 3.182446 * 0.645497, abs=1e-5)
    weighted = mean(data, "interesse_theater", [1, 1, 2, 2], min_n=1).loc["gesamt"]
    # ȳ = 17/6; Σw²(y − ȳ)² = (121 + 25 + 4·1 + 4·49)/36 = 346/36; SE² = 4/3 · (346/36) / 36
    assert weighted["estimate"] == pytest.approx(17 / 6, rel=1e-12)
    se_w = math.sqrt(4 / 3 * (346 / 36) / 36)
    assert weighted["ci_low"] == pytest.approx(17 / 6 - stats.t.ppf(0.975, 3) * se_w, rel=1e-12)
    assert weighted["n_eff"] == pytest.approx(36 / 10)


def test_mean_by_two_columns():
    data = pd.DataFrame(
        {"ags": ["A", "A", "A", "B"], "age_group": ["18_29", "18_29", "65_plus", "18_29"],
         "interesse_kino": [2.0, 4.0, 5.0, 1.0]}
    )
    out = mean(data, "interesse_kino", by=["ags", "age_group"], min_n=2)
    assert out.loc[("A", "18_29"), "estimate"] == 3.0
    assert bool(out.loc[("A", "65_plus"), "suppressed"])
    assert list(out.index.names) == ["ags", "age_group"]


def test_distribution_of_visits():
    data = pd.DataFrame({"besuche_kino": [0, 0, 1, 3, np.nan]})
    out = distribution(data, "besuche_kino", min_n=1)
    assert out["label"].tolist() == ["nie", "1–2 Mal", "3–5 Mal", "mehr als 5 Mal"]
    assert out["estimate"].tolist() == pytest.approx([0.5, 0.25, 0.0, 0.25])


def test_barrier_profile_by_age_group():
    data = pd.DataFrame(
        {
            "age_group": ["18_29", "18_29", "65_plus", "65_plus", "65_plus"],
            "barriere_zeit": [1, 1, 0, 0, np.nan],
            "barriere_gesundheit": [0, 0, 1, 0, np.nan],
        }
    )
    out = barrier_profile(data, [1, 1, 1, 3, 1], min_n=1)
    assert set(out["option"]) == {"zeit", "gesundheit"}
    young = out.loc["18_29"].set_index("option")
    old = out.loc["65_plus"].set_index("option")
    assert young.loc["zeit", "estimate"] == 1.0
    assert old.loc["gesundheit", "estimate"] == pytest.approx(1 / 4)  # weight 1 of 1 + 3
    assert old.loc["zeit", "label"] == "keine Zeit" and old.loc["zeit", "n"] == 2


def test_sparte_table_long_format():
    data = pd.DataFrame(
        {"ags": ["A", "A", "B"], "besuche_kino": [0, 2, 1], "besuche_museum": [1, 1, 0]}
    )
    out = sparte_table(data, by="ags", min_n=1)
    assert out["sparte"].tolist() == ["museum", "kino", "museum", "kino"]
    kino = out[out["sparte"] == "kino"]["estimate"]
    assert kino.tolist() == [0.5, 1.0]


def test_small_area_empirical_bayes_by_hand():
    # A: 60 of 100, B: 40 of 100, C: 4 of 4 (equal weights)
    data = pd.DataFrame(
        {
            "ags": ["A"] * 100 + ["B"] * 100 + ["C"] * 4,
            "barriere_zeit": [1] * 60 + [0] * 40 + [1] * 40 + [0] * 60 + [1] * 4,
        }
    )
    out = small_area(data, "barriere_zeit", min_n=30)
    mu = 104 / 204
    v = mu * (1 - mu)
    psi = np.array([v / 100, v / 100, v / 4])
    raw = np.array([0.6, 0.4, 1.0])
    a_hat = np.mean((raw - mu) ** 2 - psi)
    b = psi / (psi + a_hat)
    expected = (1 - b) * raw + b * mu
    assert out.attrs["A"] == pytest.approx(a_hat, rel=1e-12)
    np.testing.assert_allclose(out["kreis"], mu, rtol=1e-12)
    np.testing.assert_allclose(out["shrinkage"], b, rtol=1e-12)
    np.testing.assert_allclose(out["estimate"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["raw"], raw, rtol=1e-12)
    half = Z * np.sqrt((1 - b) * psi)
    np.testing.assert_allclose(out["ci_high"], np.minimum(expected + half, 1), rtol=1e-12)
    # C (4 answers) is pulled clearly towards the Kreis value, A and B hardly
    assert out.loc["C", "shrinkage"] > 0.4 > 0.05 > out.loc["A", "shrinkage"]
    assert bool(out.loc["C", "raw_suppressed"]) and "Modellschätzung" in out.loc["C", "note"]
    assert out.loc["A", "note"] == ""


def test_small_area_without_between_area_variance_gives_kreis_value():
    data = pd.DataFrame({"ags": ["A", "A", "B", "B"], "barriere_zeit": [1, 0, 0, 1]})
    out = small_area(data, "barriere_zeit", levels=["A", "B", "C"])
    assert out.attrs["A"] == 0.0
    np.testing.assert_allclose(out["estimate"], 0.5)
    assert out.loc["C", "n"] == 0 and out.loc["C", "shrinkage"] == 1.0


def test_weights_are_checked():
    data = pd.DataFrame({"barriere_zeit": [1, 0]})
    with pytest.raises(ParameterError, match="2 Befragte"):
        share(data, "barriere_zeit", [1.0])
    with pytest.raises(ParameterError, match="fehlen oder sind negativ"):
        share(data, "barriere_zeit", [1.0, -1.0])
    # the column "weight" is used by default
    data["weight"] = [3.0, 1.0]
    assert share(data, "barriere_zeit", min_n=0).loc["gesamt", "estimate"] == 0.75


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from([0.0, 1.0, np.nan]),
                       st.floats(0.1, 10.0)), min_size=1, max_size=40),
    st.floats(0.01, 1000.0),
)
def test_property_share_invariant_to_weight_scale(rows, factor):
    data = pd.DataFrame(rows, columns=["ags", "barriere_zeit", "w"])
    a = share(data, "barriere_zeit", data["w"], by="ags", min_n=0)
    b = share(data, "barriere_zeit", data["w"] * factor, by="ags", min_n=0)
    for col in ("estimate", "ci_low", "ci_high", "n_eff"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-9, atol=1e-15, equal_nan=True)
    ok = a["estimate"].notna()
    assert (a.loc[ok, "ci_low"] >= 0).all() and (a.loc[ok, "ci_high"] <= 1).all()
    assert (a.loc[ok, "ci_low"] <= a.loc[ok, "estimate"]).all()
    assert (a.loc[ok, "estimate"] <= a.loc[ok, "ci_high"]).all()
