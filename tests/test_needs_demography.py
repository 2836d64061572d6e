"""Demography: age structure, cohort-component projection, official projection tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kulturplan.errors import ParameterError, ValidationError
from kulturplan.needs.demography import (
    AGE_BANDS,
    age_structure,
    base_population,
    prefer_official,
    project_population,
    read_official_projection,
)

BANDS = list(AGE_BANDS)


def _base(rows: dict[str, list[float]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=BANDS)
    frame.index.name = "ags"
    return frame


def test_bands_and_widths_of_the_region():
    assert AGE_BANDS == {
        "pop_0_5": (0, 6), "pop_6_17": (6, 18), "pop_18_29": (18, 30),
        "pop_30_64": (30, 65), "pop_65_plus": (65, None),
    }


def test_age_structure_of_tiny_region(tiny_region):
    table = age_structure(tiny_region)
    row = table.loc["99001001"]
    assert row["population"] == 1000
    assert row["pop_65_plus"] == 250
    assert row["share_pop_65_plus"] == pytest.approx(0.25)
    # Kreis: 65+ = 250 + 625 + 2160 + 150 = 3185 of 16,000
    assert table.attrs["kreis_shares"]["pop_65_plus"] == pytest.approx(3185 / 16000)


def test_no_survival_loss_no_births_no_migration_moves_cohorts_up_exactly():
    # 600 in 0-5 (width 6): 100 move up per year; 1200 in 6-17 (width 12): 100 move up;
    # 1200 in 18-29: 100; 3500 in 30-64 (width 35): 100; 65+ open
    base = _base({"99001001": [600, 1200, 1200, 3500, 1000]})
    proj = project_population(base, 1, start_year=2025, survival=1.0, birth_rate=0.0)
    y1 = proj.year(2026).loc["99001001"]
    assert list(y1[BANDS]) == pytest.approx([500, 1200, 1200, 3500, 1100])
    # two years: the open band gains 100 per year from 30-64 (3500/35 = 100, then 3400/35)
    proj2 = project_population(base, 2, start_year=2025, survival=1.0, birth_rate=0.0)
    y2 = proj2.year(2027).loc["99001001"]
    assert y2["pop_0_5"] == pytest.approx(500 * 5 / 6)
    assert y2["pop_6_17"] == pytest.approx(1200 - 100 + 500 / 6)
    assert y2["pop_65_plus"] == pytest.approx(1100 + 3500 / 35)
    assert y2["population"] == pytest.approx(7500)


def test_single_cohort_is_passed_on_band_by_band():
    base = _base({"99001001": [6, 0, 0, 0, 0]})
    proj = project_population(base, 1, start_year=2025, survival=1.0, birth_rate=0.0)
    assert list(proj.year(2026).loc["99001001", BANDS]) == pytest.approx([5, 1, 0, 0, 0])


def test_totals_are_base_plus_births_minus_deaths_plus_migration():
    base = _base({"99001001": [600, 1200, 1200, 3500, 1000],
                  "99001002": [60, 120, 100, 400, 320]})
    mig = pd.DataFrame({"pop_18_29": [-20.0, 5.0], "pop_30_64": [10.0, 0.0]},
                       index=pd.Index(["99001001", "99001002"], name="ags"))
    proj = project_population(
        base, 3, start_year=2025, birth_rate=0.01,
        survival={"pop_0_5": 0.999, "pop_6_17": 1.0, "pop_18_29": 0.999, "pop_30_64": 0.99,
                  "pop_65_plus": 0.95},
        migration_rates={"pop_18_29": -0.02}, net_migration=mig,
    )
    # year 1, municipality 1 by hand: deaths 600*.001+0+1200*.001+3500*.01+1000*.05 = 86.8,
    # births 0.01 * 7500 = 75, migration -0.02*1200 - 20 + 10 = -34
    c1 = proj.components.loc[(2026, "99001001")]
    assert c1["deaths"] == pytest.approx(86.8)
    assert c1["births"] == pytest.approx(75.0)
    assert c1["net_migration"] == pytest.approx(-34.0)
    assert proj.year(2026).loc["99001001", "population"] == pytest.approx(7500 + 75 - 86.8 - 34)
    pop = proj.population["population"]
    for year in (2026, 2027, 2028):
        for ags in ("99001001", "99001002"):
            comp = proj.components.loc[(year, ags)]
            expected = pop[(year - 1, ags)] + comp["births"] - comp["deaths"] + comp[
                "net_migration"]
            assert pop[(year, ags)] == pytest.approx(expected, rel=1e-12)


def test_fertility_by_band_and_default_assumptions_are_stated():
    base = _base({"99001001": [0, 0, 1000, 1000, 0]})
    proj = project_population(base, 1, start_year=2025, survival=1.0,
                              fertility={"pop_18_29": 0.03, "pop_30_64": 0.01})
    assert proj.components.loc[(2026, "99001001"), "births"] == pytest.approx(40.0)
    default = project_population(base, 1, start_year=2025)
    assert any("8.2 je 1.000" in a for a in default.assumptions)


def test_projection_parameter_errors_are_german():
    base = _base({"99001001": [10, 10, 10, 10, 10]})
    with pytest.raises(ParameterError, match="zwischen 0 und 1"):
        project_population(base, 1, start_year=2025, survival=1.2)
    with pytest.raises(ParameterError, match="unbekannte Altersgruppe"):
        project_population(base, 1, start_year=2025, migration_rates={"pop_99": 0.1})
    with pytest.raises(ParameterError, match="negative Einwohnerzahl"):
        project_population(base, 1, start_year=2025, net_migration=pd.DataFrame(
            {"pop_65_plus": [-100.0]}, index=pd.Index(["99001001"], name="ags")))
    with pytest.raises(ParameterError, match="nicht in der Vorausberechnung"):
        project_population(base, 1, start_year=2025).year(2040)


def test_base_population_requires_age_groups(tiny_region):
    assert base_population(tiny_region).loc["99001003", "pop_18_29"] == 1920
    region = tiny_region.__class__(
        municipalities=tiny_region.municipalities.drop(columns=list(BANDS)))
    with pytest.raises(ValidationError, match="pop_0_5"):
        base_population(region)


FLAT = (
    "Vorausberechneter Bevölkerungsstand: Gemeinden, Stichtag, Altersgruppen\n"
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;"
    "1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;2_Merkmal_Label;"
    "2_Auspraegung_Code;2_Auspraegung_Label;BEVSTD__Bevoelkerungsstand__Anzahl\n"
    "{rows}"
    "__________\n"
    "Stand: 01.12.2026\n"
    "© Statistisches Landesamt Musterland\n"
)
_ROW = "12421;Vorausberechnung;STAG;Stichtag;31.12.{y};GEMEIN;Gemeinden;{ags};Ort;ALTX20;" \
       "Altersgruppen;A{i};{label};{v}\n"
LABELS = ["unter 3 Jahre", "3 bis unter 6 Jahre", "6 bis unter 18 Jahre",
          "18 bis unter 30 Jahre", "30 bis unter 65 Jahre", "65 Jahre und mehr", "Insgesamt"]


def _flat_rows(values: dict[tuple[int, str], list[str]]) -> str:
    return "".join(
        _ROW.format(y=y, ags=ags, i=i, label=lab, v=v)
        for (y, ags), vals in values.items()
        for i, (lab, v) in enumerate(zip(LABELS, vals, strict=True))
    )


def test_reading_genesis_flat_csv_reproduces_its_totals(tmp_path):
    values = {
        (2030, "99001001"): ["40", "45", "300", "250", "1100", "900", "2635"],
        (2030, "99001002"): ["-", "10", "100", "90", "400", "300", "900"],
        (2035, "99001001"): ["35", "40", "280", "240", "1000", "990", "2585"],
    }
    path = tmp_path / "12421-01-01-5.csv"
    path.write_bytes(FLAT.format(rows=_flat_rows(values)).encode("latin-1"))
    proj = read_official_projection(path)
    assert proj.years == [2030, 2035]
    y30 = proj.year(2030)
    assert y30.loc["99001001", "pop_0_5"] == 85  # 40 + 45 summed into 0-5
    assert y30.loc["99001002", "pop_0_5"] == 10  # "-" = nothing
    assert y30.loc["99001001", "population"] == 2635
    assert proj.totals().to_dict() == {2030: 3535.0, 2035: 2585.0}
    assert (y30[BANDS].sum(axis=1) == y30["population"]).all()
    assert len(proj.problems) == 3  # the three footnote rows, reported not dropped


def test_unknown_value_makes_the_group_unknown_but_keeps_the_total(tmp_path):
    values = {(2030, "99001001"): ["40", ".", "300", "250", "1100", "900", "2635"]}
    path = tmp_path / "p.csv"
    path.write_text(FLAT.format(rows=_flat_rows(values)), encoding="utf-8")
    y = read_official_projection(path).year(2030).loc["99001001"]
    assert np.isnan(y["pop_0_5"])
    assert y["population"] == 2635


def test_malformed_flat_file_names_row_and_column(tmp_path):
    values = {(2030, "99001001"): ["40", "45", "3OO", "250", "1100", "900", "2635"]}
    path = tmp_path / "kaputt.csv"
    path.write_text(FLAT.format(rows=_flat_rows(values)), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_official_projection(path)
    text = str(err.value)
    # title row 1, header row 2, data rows 3..; the third value row is row 5
    assert "kaputt.csv, Zeile 5, Spalte „BEVSTD__Bevoelkerungsstand__Anzahl“" in text
    assert "keine Zahl" in text


def test_straddling_band_is_an_error(tmp_path):
    path = tmp_path / "p.csv"
    rows = _ROW.format(y=2030, ags="99001001", i=1, label="10 bis unter 20 Jahre", v="5")
    path.write_text(FLAT.format(rows=rows), encoding="utf-8")
    with pytest.raises(ValidationError, match="passt in keine Altersgruppe"):
        read_official_projection(path)


def test_missing_header_is_an_error(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="Zeile 1: Keine Kopfzeile"):
        read_official_projection(path)


def test_wide_xlsx_of_a_land(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Bevölkerungsvorausberechnung Musterland 2024–2040"])
    ws.append([])
    ws.append(["AGS", "Gemeinde", "Jahr", "unter 6 Jahre", "6 bis unter 18 Jahre",
               "18 bis unter 30 Jahre", "30 bis unter 65 Jahre", "65 Jahre und mehr",
               "Insgesamt"])
    ws.append([99001001, "Ort A", 2030, 85, 300, 250, 1100, 900, 2635])
    ws.append(["99001002", "Ort B", 2030, 10, 100, 90, 400, "x", 900])
    ws.append(["Quelle: Statistisches Landesamt"])
    path = tmp_path / "land.xlsx"
    book.save(path)
    proj = read_official_projection(path)
    y = proj.year(2030)
    assert y.loc["99001001", "pop_65_plus"] == 900
    assert np.isnan(y.loc["99001002", "pop_65_plus"])
    assert proj.totals()[2030] == 3535


def test_official_numbers_win(tmp_path):
    base = _base({"99001001": [600, 1200, 1200, 3500, 1000],
                  "99001002": [60, 120, 100, 400, 320]})
    own = project_population(base, 5, start_year=2025)
    values = {(2030, "99001001"): ["40", "45", "300", "250", "1100", "900", "2635"]}
    path = tmp_path / "p.csv"
    path.write_text(FLAT.format(rows=_flat_rows(values)), encoding="utf-8")
    merged = prefer_official(own, read_official_projection(path))
    assert merged.year(2030).loc["99001001", "population"] == 2635
    assert merged.year(2030).loc["99001002", "population"] == pytest.approx(
        own.year(2030).loc["99001002", "population"])
    assert merged.year(2027).loc["99001001", "population"] == pytest.approx(
        own.year(2027).loc["99001001", "population"])


def test_committed_demo_projection_is_up_to_date_and_reads_back():
    """Regenerate with ``python -m kulturplan.demo data/musterland --vorausberechnung
    data/musterland_vorausberechnung.csv`` after changing the generator."""
    from pathlib import Path

    from kulturplan.demo import PROJECTION_YEARS, musterland, projection_csv, projection_table

    region = musterland(seed=0)
    path = Path(__file__).parents[1] / "data" / "musterland_vorausberechnung.csv"
    assert path.read_bytes() == projection_csv(region)
    proj = read_official_projection(path)
    assert proj.years == list(PROJECTION_YEARS)
    table = projection_table(region)
    expected = table[table["label"] == "Insgesamt"].groupby("year")["value"].sum()
    assert proj.totals().to_dict() == expected.astype(float).to_dict()
    y = proj.year(2040)
    assert (y[BANDS].sum(axis=1) == y["population"]).all()
    assert list(y.index) == list(region.municipalities.index)


@pytest.mark.parametrize("seed", range(5))
def test_accounting_identity_holds_for_random_inputs(seed):
    rng = np.random.default_rng(seed)
    base = _base({f"9900100{i}": list(rng.integers(0, 5000, 5).astype(float)) for i in range(4)})
    surv = dict(zip(BANDS, rng.uniform(0.9, 1.0, 5), strict=True))
    proj = project_population(base, 12, start_year=2025, survival=surv,
                              birth_rate=float(rng.uniform(0, 0.02)),
                              migration_rates=dict(zip(BANDS, rng.uniform(-0.02, 0.03, 5),
                                                       strict=True)))
    pop = proj.population
    assert (pop[BANDS] >= 0).all().all()
    comp = proj.components
    prev = pop["population"].groupby(level="ags").shift(1).dropna()
    change = comp["births"] - comp["deaths"] + comp["net_migration"]
    assert np.allclose(pop["population"].loc[prev.index], prev + change.loc[prev.index],
                       rtol=1e-12)
    # survival 1 and no births or migration keep the total and only move people up
    still = project_population(base, 12, start_year=2025, survival=1.0, birth_rate=0.0)
    assert np.allclose(still.totals(), base.to_numpy().sum())
    assert (still.year(2037)["pop_65_plus"] >= base["pop_65_plus"]).all()
