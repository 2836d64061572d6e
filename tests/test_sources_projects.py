"""Project lists (region table ``projects``) and volunteer lists: readers, template, round trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from openpyxl import load_workbook

import kulturplan as kp
from kulturplan.errors import OverwriteRefusedError, ValidationError
from kulturplan.io import read_region, write_region
from kulturplan.sources.projects import read_projects, write_template
from kulturplan.sources.volunteers import read_offers, read_requests
from kulturplan.testing import assert_region_equal

CSV = (
    "ID;Titel;Sparte;AGS;Organisation;Zielgruppen;Startjahr;Status;Best Practice;Notiz\n"
    "P1;Lesepaten;Stadtbücherei;99001001;V00001;Kinder, Familien;2023;laufend;ja;x\n"
    "P2;Dorfkino;Kino;99001002;;alle;2021;abgeschlossen;nein;\n"
    "P3;;Kino;99001002;;alle;2021;laufend;nein;\n"
    "P4;Oper im Stall;Oper;99001002;;alle;zwanzig;bald;vielleicht;\n"
)


def test_read_projects_reports_every_bad_row(tmp_path: Path):
    f = tmp_path / "projekte.csv"
    f.write_text(CSV, encoding="utf-8")
    projects, report = read_projects(f)
    assert list(projects.index) == ["P1", "P2"]
    assert projects.at["P1", "category"] == "bibliothek"  # alias of the catalog
    assert projects.at["P1", "target_groups"] == "kinder;familien"
    assert projects.at["P1", "start_year"] == 2023
    assert bool(projects.at["P1", "best_practice"]) and not projects.at["P2", "best_practice"]
    text = str(report)
    assert "Zeile 4, Spalte „Titel“: Titel fehlt." in text
    assert "Zeile 5, Spalte „Sparte“: Sparte „Oper“ ist unbekannt" in text
    assert "Zeile 5, Spalte „Status“: Status „bald“ ist unbekannt" in text
    assert "Zeile 5, Spalte „Startjahr“" in text
    assert "„Notiz“" in text  # column not taken over, said so
    region = kp.demo.musterland()
    muni = region.municipalities.iloc[:2].copy()
    muni.index = pd.Index(["99001001", "99001002"], name="ags")
    r = kp.Region(muni, projects=projects)
    assert list(r.projects.index) == ["P1", "P2"]


def test_projects_template_is_read_back_and_never_overwritten(tmp_path: Path):
    target = write_template(tmp_path / "projekte.xlsx", rows=20)
    with pytest.raises(OverwriteRefusedError):
        write_template(target)
    book = load_workbook(target)
    ws = book["Projekte"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["ID", "Titel", "Sparte", "AGS"]
    ws.append(["P9", "Erzählcafé", "Heimatverein / Archiv", "99001003", "", "senioren", 2024,
               "laufend", "", "ja"])
    book.save(target)
    projects, report = read_projects(target)
    assert projects.loc["P9", "category"] == "heimatverein_archiv"
    assert bool(projects.loc["P9", "best_practice"])
    assert not [p for p in report.problems if p.row is not None and p.row > 1]


def test_region_validates_projects():
    region = kp.demo.musterland()
    bad = region.projects.reset_index().copy()
    bad.loc[0, "status"] = "irgendwann"
    bad.loc[1, "category"] = "oper"
    with pytest.raises(ValidationError) as err:
        kp.Region(region.municipalities, projects=bad)
    text = str(err.value)
    assert "Status „irgendwann“ ist unbekannt" in text and "Sparte „oper“ ist unbekannt" in text


def test_projects_round_trip_and_old_folders_without_projects(tmp_path: Path):
    region = kp.demo.musterland(n_municipalities=6, seed=3)
    assert len(region.projects) == 14 and region.projects["best_practice"].sum() == 5
    write_region(region, tmp_path / "r")
    back = read_region(tmp_path / "r")
    assert_region_equal(back, region)
    assert back.projects["best_practice"].dtype == bool
    # a folder written before the projects table existed still reads (empty projects)
    manifest = tmp_path / "r" / "region.toml"
    doc = tomllib.loads(manifest.read_text(encoding="utf-8"))
    del doc["tables"]["projects"]
    manifest.write_text(tomli_w.dumps(doc), encoding="utf-8")
    (tmp_path / "r" / "projects.csv").unlink()
    old = read_region(tmp_path / "r")
    assert len(old.projects) == 0 and list(old.projects.columns) == ["title", "category", "ags"]


PERSONAL = ("Anna Schmidt", "anna.schmidt@example.org", "0171 2345678", "Lindenweg 4",
            "max.muster@example.de", "+49 5271 123456")


def volunteer_file(path: Path) -> Path:
    """A realistic volunteer list with names, e-mails and phone numbers in it."""
    path.write_text(
        "Kennung;Vorname;Name;E-Mail;Telefon;Adresse;Interessen;Zeiten;AGS;"
        "max. Entfernung (km);Bemerkung\n"
        "F01;Anna;Anna Schmidt;anna.schmidt@example.org;0171 2345678;Lindenweg 4;"
        "Technik, Aufbau;sa_abend;99001001;15;\n"
        "F02;Max;Max Muster;max.muster@example.de;+49 5271 123456;;"
        "kasse;so_vormittag;99001002;20;ruf an: 0171 2345678\n"
        "F03;;;;;;technik (max.muster@example.de);sa_abend;99001002;20;\n"
        "anna.schmidt@example.org;Anna;Anna Schmidt;;;;technik;sa_abend;99001001;10;\n",
        encoding="utf-8",
    )
    return path


def test_volunteer_reader_keeps_no_personal_data(tmp_path: Path):
    offers, report = read_offers(volunteer_file(tmp_path / "freiwillige.csv"))
    assert list(offers.index) == ["F01", "F02"]
    assert list(offers.columns) == ["interests", "slots", "ags", "max_km"]
    assert offers.at["F01", "interests"] == "technik;aufbau"
    assert offers.at["F02", "max_km"] == 20.0
    flat = offers.to_csv() + str(report)
    for value in PERSONAL:
        assert value not in flat, value
    text = str(report)
    assert "personenbezogenen Daten nicht übernommen" in text
    for col in ("„Vorname“", "„Name“", "„E-Mail“", "„Telefon“", "„Adresse“"):
        assert col in text
    assert "„Bemerkung“" in text
    assert "Zeile 5, Spalte „Kennung“: Die Kennung sieht nicht wie ein Pseudonym aus" in text
    assert ("Zeile 4, Spalte „Interessen“: Die Zelle enthält eine E-Mail-Adresse oder "
            "Telefonnummer") in text


def test_request_reader(tmp_path: Path):
    f = tmp_path / "gesuche.csv"
    f.write_text("Kennung;Organisation;Aufgaben;Zeiten;Gemeinde;Personen;Ansprechpartner\n"
                 "G1;V00001;Technik;sa_abend;Adlergrund;2;Frau Meier\n"
                 "G2;V00002;Kasse;so_vormittag;Nirgendwo;;\n", encoding="utf-8")
    region = kp.demo.musterland()
    requests, report = read_requests(f, municipalities=region.municipalities)
    assert list(requests.index) == ["G1"]
    assert requests.at["G1", "ags"] == "99001001" and requests.at["G1", "people"] == 2
    assert "Frau Meier" not in requests.to_csv() + str(report)
    assert "Gemeinde „Nirgendwo“ ist unbekannt" in str(report)
