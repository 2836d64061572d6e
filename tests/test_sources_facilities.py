"""Tests of facility lists (CSV/XLSX) and the Excel template."""

from __future__ import annotations

import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sources_helpers import FACILITIES_FIXTURE, csv_rows, write_csv

from kulturplan import catalog
from kulturplan.errors import InputFileError, KulturplanError, ValidationError
from kulturplan.region import CRS
from kulturplan.sources import facilities

HEADER = ["ID", "Name", "Sparte", "Straße", "PLZ", "Ort", "Breitengrad", "Längengrad",
          "Kapazität", "Träger", "Barrierefrei"]


def _point(lon, lat):
    return gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326).to_crs(CRS).iloc[0]


def test_read_fixture_csv():
    f, report = facilities.read_table(FACILITIES_FIXTURE)
    assert not report
    assert f.index.tolist() == ["B1", "M1", "V1", "S1", "K1", "A1"]
    assert f["category"].tolist() == [
        "bibliothek",  # "Stadtbücherei" (alias)
        "museum",  # label
        "veranstaltungsraum",  # "Stadthalle" (alias)
        "musikschule",  # id
        "kino",
        "heimatverein_archiv",  # "Archiv" (alias)
    ]
    assert f.crs == CRS
    assert f.loc["B1"].geometry.distance(_point(9.3830, 51.7750)) < 0.01
    assert f.loc["V1", "capacity"] == 1200  # "1.200": dot as thousands separator
    assert f.loc["K1", "capacity"] == 180
    assert pd.isna(f.loc["B1", "capacity"])
    assert f["barrier_free"].tolist() == [True, False, True, False, True, False]
    assert f.loc["B1", "postcode"] == "37671"
    assert f.loc["S1", "operator"] == "Kreis"
    assert f.loc["A1", "source_row"] == 7
    assert f.loc["A1", "source"] == "einrichtungen_hoexter.csv"


def test_latin1_comma_file_without_id(tmp_path):
    rows = csv_rows(FACILITIES_FIXTURE, delimiter=";")
    rows = [r[1:] for r in rows]  # no ID column
    path = write_csv(tmp_path / "liste.csv", rows, encoding="cp1252", delimiter=",")
    f, _ = facilities.read_table(path)
    assert f.index.tolist() == [f"liste-{r}" for r in range(2, 8)]
    assert f.loc["liste-2", "name"] == "Stadtbücherei Höxter"


def test_mapping_for_other_column_names(tmp_path):
    rows = [["Einrichtung", "Typ", "lat", "lng", "Plätze"],
            ["Bücherei Brakel", "Bibliothek", "51.7170", "9.1850", "40"]]
    path = write_csv(tmp_path / "andere.csv", rows)
    f, _ = facilities.read_table(path, mapping={"Einrichtung": "Name", "Typ": "category"})
    assert f.iloc[0]["name"] == "Bücherei Brakel"
    assert f.iloc[0]["category"] == "bibliothek"
    assert f.iloc[0]["capacity"] == 40
    with pytest.raises(KulturplanError, match="Zuordnung „Typ“ → „Farbe“: Ziel ist unbekannt"):
        facilities.read_table(path, mapping={"Typ": "Farbe"})


def test_xlsx_from_template(tmp_path):
    path = facilities.write_template(tmp_path / "vorlage.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["Einrichtungen"]
    assert book.sheetnames == ["Einrichtungen", "Sparten", "Hinweise"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["Name", "Sparte", "Straße", "PLZ", "Ort", "Breitengrad", "Längengrad"]
    # dropdown of Sparte: catalog labels on sheet "Sparten"
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    sparte = dvs["B2:B1001"]
    assert sparte.type == "list"
    n = len(catalog.category_ids())
    assert sparte.formula1 == f"=Sparten!$B$2:$B${n + 1}"
    labels = [book["Sparten"].cell(row=r, column=2).value for r in range(2, n + 2)]
    assert labels == [catalog.category_label(c) for c in catalog.category_ids()]
    assert dvs["F2:F1001"].type == "decimal" and dvs["F2:F1001"].formula1 == "47.2"
    assert all(dv.prompt and dv.showInputMessage for dv in dvs.values())
    assert ws["A1"].comment is not None
    # fill two rows as a user would and read it back
    ws.append(["Stadtbücherei Höxter", "Bibliothek", "Marktstraße 1", "37671", "Höxter",
               51.775, 9.383, 5000, "Kommune", "ja", 24, "nein"])
    ws.append(["Kulturbus", "Soziokulturelles Zentrum", None, None, "Brakel", 51.717, 9.185,
               None, "Kreis", "teilweise", None, "ja"])
    book.save(path)
    f, _ = facilities.read_table(path)
    assert f["name"].tolist() == ["Stadtbücherei Höxter", "Kulturbus"]
    assert f["category"].tolist() == ["bibliothek", "soziokulturelles_zentrum"]
    assert f["capacity"].iloc[0] == 5000 and f["hours_per_week"].iloc[0] == 24
    assert f["mobile"].tolist() == [False, True]
    assert f["source_row"].tolist() == [1002, 1003]
    # never overwrite a user's file
    with pytest.raises(KulturplanError, match="existiert bereits und wird nicht überschrieben"):
        facilities.write_template(path)


# --------------------------------------------------------------------------------------
# malformed facility lists, one problem each
# --------------------------------------------------------------------------------------


def _list(tmp_path, *rows, name="liste.csv", delimiter=";"):
    return write_csv(tmp_path / name, [HEADER, *rows], delimiter=delimiter)


GOOD = ["B1", "Stadtbücherei Höxter", "Bibliothek", "", "37671", "Höxter", "51,775", "9,383",
        "", "Kommune", "ja"]


def _one(tmp_path, **changes):
    row = list(GOOD)
    for col, value in changes.items():
        row[HEADER.index(col)] = value
    return _list(tmp_path, GOOD, ["B2", *row[1:]])


def _single_problem(path, pattern):
    """The one problem of the bad second row; the good first row is kept."""
    f, report = facilities.read_table(path)
    problem, summary = report.problems
    assert re.search(pattern, str(problem)), str(problem)
    assert summary.message == "1 von 2 Zeilen werden wegen der oben genannten Probleme nicht " \
        "übernommen."
    assert f.index.tolist() == ["B1"]
    return problem


def _missing_column(path, pattern):
    with pytest.raises(ValidationError, match=pattern) as err:
        facilities.read_table(path)
    assert len(err.value.problems) == 1, err.value.problems
    return err.value.problems[0]


def test_coordinates_outside_germany(tmp_path):
    path = _one(tmp_path, Breitengrad="40,4168", Längengrad="-3,7038")  # Madrid
    p = _single_problem(path, r"liste\.csv, Zeile 3, Spalte „Breitengrad“: Koordinaten "
                        r"\(Breitengrad 40,4168, Längengrad -3,7038\) liegen außerhalb "
                        r"Deutschlands")
    assert (p.row, p.column) == (3, "Breitengrad")


def test_longitude_outside_germany_names_column(tmp_path):
    path = _one(tmp_path, Längengrad="19,5")
    _single_problem(path, r"Zeile 3, Spalte „Längengrad“: Koordinaten .* außerhalb")


def test_swapped_lat_lon(tmp_path):
    path = _one(tmp_path, Breitengrad="9,383", Längengrad="51,775")
    _single_problem(path, r"liste\.csv, Zeile 3, Spalte „Breitengrad“: Breitengrad \(9,383\) "
                    r"und Längengrad \(51,775\) sind vertauscht")


def test_missing_coordinates(tmp_path):
    path = _one(tmp_path, Längengrad="")
    _single_problem(path, r"liste\.csv, Zeile 3, Spalte „Längengrad“: Koordinaten fehlen")


def test_text_in_number_column(tmp_path):
    path = _one(tmp_path, Kapazität="viele")
    _single_problem(path, r"liste\.csv, Zeile 3, Spalte „Kapazität“: „viele“ ist keine Zahl")


def test_unknown_category_with_suggestions(tmp_path):
    path = _one(tmp_path, Sparte="Bibliotek")
    p = _single_problem(path, r"liste\.csv, Zeile 3, Spalte „Sparte“: Sparte „Bibliotek“ ist "
                        r"unbekannt; meinten Sie: bibliothek \(Bibliothek\)")
    assert "Erlaubt sind" in p.message


def test_missing_required_column(tmp_path):
    rows = [[c for c in r if c != "Bibliothek"] for r in [HEADER, GOOD]]
    rows[0].remove("Sparte")
    path = write_csv(tmp_path / "liste.csv", rows, delimiter=";")
    _missing_column(path, r"liste\.csv, Zeile 1, Spalte „Sparte“: Pflichtspalte „Sparte“ fehlt")


def test_wrong_delimiter(tmp_path):
    # comma-separated file whose name contains an unquoted comma: the row has one field too many
    text = ",".join(HEADER) + "\n" + (
        "B1,Stadtbücherei Höxter, Zweigstelle Ovenhausen,Bibliothek,,37671,Höxter,51.775,"
        "9.383,,Kommune,ja\n"
    )
    path = tmp_path / "liste.csv"
    path.write_text(text, encoding="utf-8")
    _, report = facilities.read_table(path)
    assert re.match(r"liste\.csv, Zeile 2, Spalte „Barrierefrei“: Die Zeile hat 12 Felder, die "
                    r"Kopfzeile aber nur 11\. Ist der Spaltentrenner \(Komma\) richtig",
                    str(report.problems[0]))


def test_wrong_delimiter_header_not_split(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text(":".join(HEADER) + "\n" + ":".join(GOOD) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"Zeile 1, Spalte „Name“: Pflichtspalte „Name“ "
                       r"fehlt.*Spaltentrenner"):
        facilities.read_table(path)


def test_duplicate_id(tmp_path):
    path = _list(tmp_path, GOOD, GOOD)
    _single_problem(path, r"liste\.csv, Zeile 3, Spalte „ID“: Kennung „B1“ kommt doppelt vor "
                    r"\(zuerst in Zeile 2\)")


def test_empty_file_and_no_rows(tmp_path):
    empty = tmp_path / "leer.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"leer\.csv, Zeile 1: Die Datei ist leer"):
        facilities.read_table(empty)
    header_only = _list(tmp_path, name="kopf.csv")
    with pytest.raises(ValidationError, match=r"kopf\.csv, Zeile 2: Die Tabelle hat keine "
                       r"Datenzeilen"):
        facilities.read_table(header_only)


def test_not_a_spreadsheet(tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(InputFileError, match=r"liste\.xlsx, Zeile 1: Die Datei ist keine "
                       r"Excel-Arbeitsmappe"):
        facilities.read_table(path)
    pdf = tmp_path / "liste.csv"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(0, 40)) * 4)
    with pytest.raises(InputFileError, match=r"liste\.csv, Zeile 1: Die Datei ist keine Tabelle"):
        facilities.read_table(pdf)


def test_report_mode_keeps_good_rows_and_lists_bad_ones(tmp_path):
    bad_place = ["B2", "Kino Madrid", "Kino", "", "", "", "40,4", "-3,7", "", "", ""]
    bad_cat = ["B3", "Irgendwas", "Zirkus", "", "", "", "51,7", "9,3", "", "", ""]
    path = _list(tmp_path, GOOD, bad_place, bad_cat)
    f, report = facilities.read_table(path)
    problems = report.problems
    assert f.index.tolist() == ["B1"]
    assert [(p.row, p.column) for p in problems[:2]] == [(3, "Breitengrad"), (4, "Sparte")]
    assert "2 von 3 Zeilen werden" in problems[2].message


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\x00"), max_size=10)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.lists(st.lists(_cell, max_size=14), min_size=1, max_size=4))
def test_garbage_rows_raise_only_kulturplan_errors(tmp_path, garbage):
    path = write_csv(tmp_path / "g.csv", [HEADER, GOOD, *garbage], delimiter=";")
    try:
        f, report = facilities.read_table(path)
    except KulturplanError:
        return
    assert "B1" in f.index
    assert f.crs == CRS
