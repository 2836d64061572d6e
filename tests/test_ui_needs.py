"""Bedarfsanalyse without a browser: the model's numbers and the widgets' reactions."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from kulturplan.demo import musterland
from kulturplan.ui.data import DashboardData
from kulturplan.ui.needs import (
    MIN_N,
    MIN_N_AREA,
    TOO_FEW,
    Bedarfsanalyse,
    NeedsModel,
    _model_kwargs,
    heat_table_html,
)

ADULTS = ["pop_18_29", "pop_30_64", "pop_65_plus"]


@pytest.fixture(scope="module")
def region():
    return musterland(seed=0)


@pytest.fixture(scope="module")
def model(region):
    return NeedsModel(region, **_model_kwargs(region, "demo", {}))


@pytest.fixture(scope="module")
def app(region):
    data = DashboardData(region, pd.DataFrame(index=region.municipalities.index.copy()))
    return Bedarfsanalyse(data, projection_file="demo")


def test_weighting_restores_the_population_and_reports_the_design_effect(model, region):
    w = model.weights.to_numpy()
    assert model.rake.converged
    assert model.rake.design_effect == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert model.rake.effective_n == pytest.approx(len(w) / model.rake.design_effect)
    assert model.key_figures()["Designeffekt"] == f"{model.rake.design_effect:.2f}".replace(
        ".", ",")
    table = model.response_table().set_index("Gruppe")
    adults = region.municipalities[ADULTS].sum()
    assert table.loc["65 Jahre und älter", "Anteil nach Gewichtung"] == pytest.approx(
        adults["pop_65_plus"] / adults.sum(), abs=1e-9)
    # the demo is deliberately unrepresentative: too many older respondents
    assert table.loc["65 Jahre und älter", "Anteil in der Befragung"] == pytest.approx(336 / 800)
    mz = table.index[table.index.str.endswith("(Mittelzentrum)")][0]
    assert table.loc[mz, "Befragte"] == 392
    pop = region.municipalities
    mz_ags = pop.index[pop["central_place"] == "Mittelzentrum"][0]
    assert table.loc[mz, "Anteil nach Gewichtung"] == pytest.approx(
        pop.loc[mz_ags, ADULTS].sum() / adults.sum(), abs=1e-9)


def _by_hand(model, ags: str, column: str) -> tuple[float, float, int]:
    s = model.survey
    answered = (s["ags"] == ags) & s[column].notna()
    sat = (s.loc[answered, column] >= 4).astype(float)
    w = model.weights[answered]
    return float((w * sat).sum() / w.sum()), float(sat.mean()), int(answered.sum())


def test_satisfaction_weighted_and_unweighted_by_hand(model):
    sat = model.satisfaction("bibliothek")
    col = "zufriedenheit_wohnort_bibliothek"
    big = sat.index[sat["n"] >= MIN_N]
    assert len(big) >= 2
    for ags in big:
        weighted, unweighted, n = _by_hand(model, ags, col)
        assert sat.loc[ags, "n"] == n
        assert sat.loc[ags, "weighted"] == pytest.approx(weighted, abs=1e-12)
        assert sat.loc[ags, "unweighted"] == pytest.approx(unweighted, abs=1e-12)
        assert sat.loc[ags, "ci_low"] < weighted < sat.loc[ags, "ci_high"]
        assert sat.loc[ags, "estimate"] == pytest.approx(weighted)
    # Waldleben (Mittelzentrum): 348 answers, 67,0 % satisfied unweighted, 67,3 % weighted
    wl = sat[sat["name"] == "Waldleben"].iloc[0]
    assert wl["n"] == 348
    assert round(100 * wl["unweighted"], 1) == 67.0
    assert round(100 * wl["weighted"], 1) == 67.3


def test_no_figure_below_the_minimum_n(model):
    sat = model.satisfaction("bibliothek")
    few = sat["n"] < MIN_N_AREA
    assert few.sum() == 9
    assert sat.loc[few, ["unweighted", "weighted", "estimate"]].isna().all().all()
    assert not sat.loc[few, "shown"].any()
    assert all(TOO_FEW in t for t in sat.loc[few, "text"])
    middle = (sat["n"] >= MIN_N_AREA) & (sat["n"] < MIN_N)
    assert sat.loc[middle, ["unweighted", "weighted"]].isna().all().all()
    assert sat.loc[middle, "estimate"].notna().all()  # small-area estimate on the map
    assert all("geschätzt" in t for t in sat.loc[middle, "text"])
    barrier = model.distance_barrier()
    assert barrier.loc[barrier["n"] < MIN_N, "estimate"].isna().all()
    html = heat_table_html(model, model.base_year)
    assert html.count(TOO_FEW) == int((barrier["n"] < MIN_N).sum())


def test_needs_against_supply_matrix(model):
    today = model.matrix()
    ref = today.groupby("sparte").apply(
        lambda g: 1000 * g["places"].sum() / g["demand"].sum(), include_groups=False)
    assert today.groupby("sparte")["reference"].first().to_dict() == pytest.approx(ref.to_dict())
    # demand = adults by age group × weighted usage rate of the age group
    rates = model.usage_rates.set_index(["sparte", "age_group"])["estimate"]
    row = today[(today["sparte"] == "kino")].set_index("ags").iloc[0]
    pop = model.region.municipalities.loc[row.name]
    expected = sum(pop[f"pop_{g}"] * rates[("kino", g)] for g in ("18_29", "30_64", "65_plus"))
    assert row["demand"] == pytest.approx(expected)
    assert row["ratio_low"] <= row["ratio"] <= row["ratio_high"]
    heat = model.heat_frame()
    assert heat.shape == (24, 14)
    for sparte in heat["ratio"].columns:
        gaps = heat[("status", sparte)] == "gap"
        assert gaps.any() or sparte == "bibliothek"
        assert (heat.loc[gaps, ("ratio", sparte)] < 0.5 * ref[sparte]).all()
    # the projection year compares with today's Kreis value and has other demand
    future = model.matrix(model.projection_year)
    assert future.groupby("sparte")["reference"].first().to_dict() == pytest.approx(ref.to_dict())
    assert not np.allclose(future["demand"], today["demand"])
    assert model.projection_year == 2035
    assert "Amtliche Vorausberechnung" in model.projection.source


def test_excel_export_holds_the_weighted_tables(model):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(model.excel_bytes()), read_only=True)
    assert book.sheetnames == ["Befragte", "Zufriedenheit Wohnort", "Hindernisse",
                               "Bedarf und Angebot 2025", "Bedarf und Angebot 2035",
                               "Gewichtung"]
    sheets = model.export_tables()
    sat = sheets["Zufriedenheit Wohnort"]
    wl = sat[(sat["Gemeinde"] == "Waldleben") & (sat["Sparte"] == "Bibliothek")].iloc[0]
    assert wl["zufrieden gewichtet (%)"] == 67.3 and wl["Antworten"] == 348
    few = sat[sat["Antworten"] < MIN_N_AREA]
    assert few[["zufrieden ungewichtet (%)", "zufrieden gewichtet (%)"]].isna().all().all()
    for frame in sheets.values():  # no respondent-level data, no personal data
        assert "respondent_id" not in frame.columns
        assert len(frame) < 800


def test_widgets_react(app):
    assert "zufrieden mit „Bibliothek“" in app.map.legend_text()
    before = app.map.choropleth.data
    app.sparte = "kino"
    assert "zufrieden mit „Kino“" in app.map.legend_text()
    assert app.map.choropleth.data != before
    tips = [f["properties"]["tooltip"] for f in app.map.choropleth.data["features"]]
    assert any(TOO_FEW in t for t in tips) and any("zufrieden (n = " in t for t in tips)
    assert "dunkler = mehr Zufriedene" in app.map.legend_html.value
    heat_today = app.heat.value
    app.year_toggle.value = app.model.projection_year
    assert app.heat.value != heat_today
    assert app.heat.value.count('class="kp-r kp-heat') == 24 * 7
    assert "bedarfsanalyse.xlsx" in app.download.value
    app.sparte = "bibliothek"


def test_region_without_survey_gets_a_calm_note(tiny_region):
    data = DashboardData(tiny_region, pd.DataFrame(index=tiny_region.municipalities.index.copy()))
    app = Bedarfsanalyse(data, projection_file=None)
    text = " ".join(getattr(c, "value", "") for c in app.children)
    assert "noch keine Bevölkerungsbefragung nach dem Standardfragebogen" in text
    assert "Datenquellen" in text
    assert not app.has_survey and not hasattr(app, "model")
