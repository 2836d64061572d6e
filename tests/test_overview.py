"""Tests of the notebook helpers in :mod:`kulturplan.overview` (tiny region of conftest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kulturplan as kp
from kulturplan import overview

ROOT = Path(__file__).resolve().parents[1]


def test_key_figures_of_tiny_region(tiny_region: kp.Region) -> None:
    table = overview.key_figures(tiny_region)
    assert table.to_dict("list") == {
        "Kennzahl": [
            "Gemeinden",
            "Einwohner:innen",
            "Fläche (km²)",
            "Einrichtungen",
            "Organisationen (Vereine u. a.)",
            "Veranstaltungen",
            "Förderdatensätze",
            "Einrichtungen außerhalb (zählen nur für die Erreichbarkeit)",
        ],
        # 1,000 + 2,500 + 12,000 + 500; four 5 km squares; F01–F10 without F09, which
        # lies outside every municipality (kept for reachability, listed on its own)
        "Wert": ["4", "16.000", "100", "9", "6", "11", "15", "1"],
    }


def test_facilities_by_category_in_catalog_order_with_zeros(tiny_region: kp.Region) -> None:
    table = overview.facilities_by_category(tiny_region)
    assert table["Sparte"].tolist()[:3] == ["Bibliotheken", "Musikschulen", "Museen"]
    counts = dict(zip(table["Sparte"], table["Einrichtungen"], strict=True))
    assert counts == {
        "Bibliotheken": 3,  # F01, F02, F10
        "Musikschulen": 1,
        "Museen": 2,
        "Theater": 0,  # F09 lies outside every municipality: not the region's own
        "Kinos": 1,
        "Soziokulturelle Zentren": 0,
        "Jugendkunstschulen": 0,
        "Volkshochschulen": 0,
        "Veranstaltungsräume": 2,
        "Galerien": 0,
        "Heimatvereine und Archive": 0,
    }
    assert table["Einrichtungen"].sum() == len(tiny_region.facilities) - 1  # without F09


def test_labelled_adds_names_and_german_headers(tiny_region: kp.Region) -> None:
    table = pd.DataFrame(
        {"sparten_anzahl": [2.0, 2.0, 4.0, 0.0], "foerderung_je_einw": [1.0, 2.0, 3.0, np.nan],
         "eigene_spalte": [1, 2, 3, 4]},
        index=pd.Index(["99001001", "99001002", "99001003", "99001004"], name="ags"),
    )
    out = overview.labelled(table, tiny_region, ["foerderung_je_einw", "eigene_spalte"])
    assert out.columns.tolist() == [
        "Gemeinde",
        "Öffentliche Kulturförderung je Einw. (EUR je Einw.)",
        "eigene_spalte",  # not in the catalog: id kept
    ]
    assert out["Gemeinde"].tolist() == ["Aheim", "Bedorf", "Cestadt", "Dewald"]
    assert out.index.tolist() == table.index.tolist()
    # unit already in the label: not repeated
    assert overview.labelled(table, tiny_region, ["sparten_anzahl"]).columns[1] == (
        "Anzahl vorhandener Sparten"
    )


def test_indicator_catalog_has_german_columns() -> None:
    cat = overview.indicator_catalog()
    assert cat.columns.tolist() == ["Kennzahl", "Einheit", "Höher ist besser", "Beschreibung"]
    assert cat.loc["einrichtungen_gesamt_je_10000", "Höher ist besser"] == "ja"
    assert len(cat) == len(kp.indicators.catalog())


def test_project_root_from_subfolder_and_elsewhere(tmp_path: Path) -> None:
    assert overview.project_root(ROOT / "notebooks") == ROOT
    assert overview.project_root(ROOT) == ROOT
    # outside the project: the folder of the (editable) installed package
    assert overview.project_root(tmp_path) == ROOT


def test_demo_region_reads_the_stored_demo_folder(tmp_path: Path) -> None:
    # a project copy whose stored demo differs from musterland(0): only reading the
    # folder can produce the changed name
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'kopie'\n", encoding="utf-8")
    (tmp_path / "kulturplan").mkdir()
    (tmp_path / "kulturplan" / "__init__.py").write_text("", encoding="utf-8")
    folder = tmp_path / "data" / "musterland"
    shutil.copytree(ROOT / "data" / "musterland", folder)
    toml = folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'name = "Landkreis Musterland"', 'name = "Landkreis Prüfland"', 1), encoding="utf-8")
    region = overview.demo_region(tmp_path / "data")
    assert region.name == "Landkreis Prüfland"
    stored = kp.load_region(ROOT / "data" / "musterland")
    assert region.municipalities.index.tolist() == stored.municipalities.index.tolist()
    # and the project's own demo folder is what the notebooks get
    assert overview.demo_region(ROOT / "notebooks").name == "Landkreis Musterland"


def test_shared_data_dir_env_var_wins(tmp_path: Path) -> None:
    env = {overview.ENV_SHARED_DATA: str(tmp_path / "nicht-da")}
    assert overview.shared_data_dir(ROOT, environ=env) == tmp_path / "nicht-da"
    default = overview.shared_data_dir(ROOT, environ={})
    assert default == ROOT.parent / "shared" / "data"


def test_data_status_explains_download_when_files_missing(tmp_path: Path) -> None:
    (tmp_path / "destatis").mkdir()
    (tmp_path / "destatis" / "AuszugGV4QAktuell.csv").write_text("x", encoding="utf-8")
    text = overview.data_status(tmp_path)  # register present, boundaries missing
    assert overview.reference_files(tmp_path) is None
    assert text.startswith("### Die amtlichen Dateien fehlen noch")
    assert "nicht beide nötigen Dateien" in text
    assert f"`{tmp_path}/bkg-vg250/`" in text
    missing = overview.data_status(tmp_path / "gibt-es-nicht")
    assert "es gibt ihn nicht" in missing
    assert overview.reference_files(tmp_path / "gibt-es-nicht") is None


@pytest.mark.realdata
def test_data_status_names_the_reference_files() -> None:
    folder = ROOT.parent / "shared" / "data"
    if overview.reference_files(folder) is None:
        pytest.skip("../shared/data fehlt")
    text = overview.data_status(folder)
    assert text.startswith("**Amtliche Dateien gefunden**")
    assert "`destatis/AuszugGV4QAktuell_2020.csv`" in text
    assert "`bkg-vg5000-2021/VG5000_GEM.shp`" in text


def test_indicator_catalog_one_row_per_family() -> None:
    full = kp.indicators.catalog()
    fam = overview.indicator_catalog(families=True)
    assert fam.index.tolist() == list(dict.fromkeys(full["family"]))  # catalog order
    assert fam["Anzahl"].sum() == len(full)
    n_categories = len(kp.catalog.category_ids())
    row = fam.loc["einrichtungen_je_10000"]
    assert (row["Kennzahl"], row["Aufteilung"], row["Anzahl"]) == (
        "z. B. Bibliotheken je 10.000 Einw.", "je Sparte", n_categories
    )
    row = fam.loc["foerderung_quelle_je_einw"]
    assert (row["Aufteilung"], row["Anzahl"]) == ("je Mittelgeber", 7)
    row = fam.loc["kulturversorgungsindex"]
    assert (row["Kennzahl"], row["Aufteilung"], row["Anzahl"]) == (
        "Kulturversorgungsindex", "", 1
    )
