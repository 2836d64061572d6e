"""The shared list mechanism (:mod:`kulturplan.sources.lists`): personal columns, one note."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulturplan.region import is_personal_column
from kulturplan.sources import lists
from kulturplan.sources.projects import read_projects


@pytest.mark.parametrize("column", ["Adresse", "Anschrift", "Straße", "Strasse und Nr.",
                                    "Mobil", "Mobil:", "Geburtstag"])
def test_address_and_mobile_headers_are_personal(column):
    assert is_personal_column(column)


@pytest.mark.parametrize("column", ["Webadresse", "street", "addr:street", "mobile", "Name"])
def test_whole_words_only_and_name_only_in_person_lists(column):
    assert not is_personal_column(column)


def test_plain_name_counts_only_where_asked():
    assert is_personal_column(" Name: ", plain_name=True)
    assert not is_personal_column("Projektname", plain_name=True)


def test_project_list_names_personal_columns_apart(tmp_path: Path):
    f = tmp_path / "projekte.csv"
    f.write_text("Titel;Sparte;AGS;Name;Anschrift;Notiz\n"
                 "Lesepaten;Bibliothek;99001001;Anna Schmidt;Lindenweg 4;x\n", encoding="utf-8")
    projects, report = read_projects(f)
    assert projects["title"].tolist() == ["Lesepaten"]
    notes = [p.message for p in report.problems if p.row == 1]
    assert notes == [
        "Spalten mit personenbezogenen Daten nicht übernommen (Datenschutz): „Name“, "
        "„Anschrift“.",
        "Spalten nicht übernommen (unbekannt): „Notiz“.",
    ]
    assert "Anna" not in str(report) and "Lindenweg" not in str(report)


def test_organisation_list_keeps_its_name_and_names_the_street(tmp_path: Path):
    f = tmp_path / "vereine.csv"
    f.write_text("Name;Sparte;AGS;Straße\nChor Brakel;Musikschule;05762008;Am Markt 2\n",
                 encoding="utf-8")
    frame, report = lists.read_organisations(f)
    assert frame["name"].tolist() == ["Chor Brakel"]
    assert [p.message for p in report.problems if p.row == 1] == [
        "Spalten nicht übernommen (unbekannt oder möglicherweise personenbezogen): „Straße“. "
        "Personenbezogen sind vermutlich: „Straße“."]
