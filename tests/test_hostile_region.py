"""Regression tests of issue 9 for region folders, the build and the CLI.

Each test reproduces one failure of ``hostile-inputs-2026-12.md`` (section 2 and 4) and
asserts the outcome: numbers right or refused, hand-filled tables intact, German errors
instead of tracebacks, implausible geometry and AGS prefixes refused.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from kulturplan import io as kio
from kulturplan.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, target)
    return target


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a region CSV as a text editor would (``row``: spreadsheet row)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(path, index=False, lineterminator="\n")


# --- 3 German numbers in a region folder ---------------------------------------------------------
def test_dot_group_next_to_point_decimals_is_refused_with_file_row_column(folder):
    _set_cell(folder / "funding.csv", 2, "amount_eur", "12.500")
    with pytest.raises(ValidationError) as info:
        kio.read_region(folder)
    (problem,) = info.value.problems
    assert problem.source.endswith("funding.csv")
    assert (problem.row, problem.column) == (2, "amount_eur")
    assert "„12.500“" in problem.message and "12500 oder 12,5" in problem.message


def test_funding_saved_by_a_german_spreadsheet_is_read_right(folder):
    path = folder / "funding.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = pd.to_numeric(frame["amount_eur"]).copy()
    german = [f"{float(v):,.0f}".replace(",", ".") for v in frame["amount_eur"]]
    german[0], german[1] = "12.500", "1.234,56"
    expected.iloc[0], expected.iloc[1] = 12500.0, 1234.56
    frame["amount_eur"] = german
    frame.to_csv(path, index=False, lineterminator="\n")
    region = kio.read_region(folder)
    assert region.funding["amount_eur"].tolist() == pytest.approx(expected.tolist())
    assert region.funding["amount_eur"].iloc[0] == 12500.0


def test_volunteers_with_a_thousands_dot_are_not_truncated(folder):
    _set_cell(folder / "organisations.csv", 2, "volunteers", "1.200")
    region = kio.read_region(folder)
    assert region.organisations["volunteers"].iloc[0] == 1200


def test_fraction_in_a_whole_number_column_is_refused(folder):
    _set_cell(folder / "organisations.csv", 3, "volunteers", "1,5")
    with pytest.raises(ValidationError) as info:
        kio.read_region(folder)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "volunteers")
    assert "ganze Zahl" in problem.message


def test_population_as_german_text_in_the_geojson(folder):
    path = folder / "municipalities.geojson"
    lines = path.read_text(encoding="utf-8").splitlines()
    feature = json.loads(lines[1].rstrip(","))
    population = int(feature["properties"]["population"])
    assert population >= 1000  # so that the German text has a thousands dot
    feature["properties"]["population"] = f"{population:,}".replace(",", ".")
    lines[1] = json.dumps(feature, ensure_ascii=False) + ","
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    region = kio.read_region(folder)
    assert region.municipalities["population"].iloc[0] == population


def test_floats_with_three_decimals_round_trip(folder, tmp_path):
    region = kio.read_region(folder)
    funding = region.funding.copy()
    funding.iloc[0, funding.columns.get_loc("amount_eur")] = 12.345
    changed = replace(region, funding=funding)
    out = kio.write_region(changed, tmp_path / "out")
    assert "12.3450" in (out / "funding.csv").read_text(encoding="utf-8")
    assert kio.read_region(out).funding["amount_eur"].iloc[0] == 12.345


# --- 2 rebuilding keeps hand-filled tables; organisations and funding get an import path ------
from sources_helpers import BOUNDARIES_FIXTURE, REGISTER_FIXTURE  # noqa: E402

from kulturplan.cli import main  # noqa: E402

BUILD = ["build-region", "--ags", "05762", "--register", str(REGISTER_FIXTURE),
         "--boundaries", str(BOUNDARIES_FIXTURE)]


def _fill_by_hand(out: Path) -> None:
    """Fill organisations.csv and funding.csv as a user would, with rows= in region.toml."""
    (out / "organisations.csv").write_text(
        "org_id,name,category,ags,Kontakt\n"
        "V1,Heimatverein Ovenhausen,heimatverein_archiv,05762020,\n"
        "V2,Posaunenchor Brakel,musikschule,05762008,\n", encoding="utf-8")
    (out / "funding.csv").write_text(
        "year,ags,category,source,amount_eur\n2025,05762020,bibliothek,kommune,12.500\n",
        encoding="utf-8")
    manifest = out / "region.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('file = "organisations.csv"\nrows = 0',
                        'file = "organisations.csv"\nrows = 2')
    text = text.replace('file = "funding.csv"\nrows = 0', 'file = "funding.csv"\nrows = 1')
    manifest.write_text(text, encoding="utf-8")


def test_rebuild_keeps_hand_filled_organisations_and_funding(tmp_path, capsys):
    out = tmp_path / "hoexter"
    assert main([*BUILD, "--out", str(out)]) == 0
    _fill_by_hand(out)
    before = kio.read_region(out)
    assert before.funding["amount_eur"].tolist() == [12500.0]  # German number, typed by hand
    capsys.readouterr()
    assert main([*BUILD, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "organisations.csv: 2 Zeilen aus dem bisherigen Regionsordner übernommen" in printed
    assert "„Kontakt“ enthalten vermutlich personenbezogene Daten" in printed
    after = kio.read_region(out)
    assert after.organisations["name"].tolist() == ["Heimatverein Ovenhausen",
                                                    "Posaunenchor Brakel"]
    assert after.funding["amount_eur"].tolist() == [12500.0]


def test_rebuild_with_a_different_list_is_refused_and_the_folder_untouched(tmp_path, capsys):
    out = tmp_path / "hoexter"
    assert main([*BUILD, "--out", str(out)]) == 0
    _fill_by_hand(out)
    stored = (out / "organisations.csv").read_bytes()
    liste = tmp_path / "vereine.csv"
    liste.write_text("Name;Sparte;AGS\nKunstverein Höxter;Kunstverein;05762020\n",
                     encoding="utf-8")
    capsys.readouterr()
    assert main([*BUILD, "--organisations", str(liste), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nicht überschrieben" in err and "Traceback" not in err
    assert (out / "organisations.csv").read_bytes() == stored


def test_organisation_and_funding_lists_are_imported_without_personal_data(tmp_path, capsys):
    vereine = tmp_path / "vereine.csv"
    vereine.write_text(
        "Name;Sparte;AGS;Mitglieder;Ehrenamtliche;Vorsitzende;E-Mail;Kontakt\n"
        "Kunstverein Höxter;Kunstverein;05762020;1.200;35;Erika Mustermann;erika@example.org;"
        "05271 1234\nChor Brakel;Musikschule;5762008;40;12;Hans Meier;hans@example.org;0171 1\n",
        encoding="utf-8")
    foerderung = tmp_path / "foerderung.csv"
    foerderung.write_text("Jahr;AGS;Sparte;Quelle;Betrag\n2025;05762020;Bibliothek;Kreis;12.500\n"
                          "2025;05762008;allgemein;Land;1.234,56\n", encoding="utf-8")
    out = tmp_path / "hoexter"
    assert main([*BUILD, "--organisations", str(vereine), "--funding", str(foerderung),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    region = kio.read_region(out)
    assert region.organisations["name"].tolist() == ["Kunstverein Höxter", "Chor Brakel"]
    assert region.organisations["members"].tolist() == [1200, 40]
    assert region.organisations["ags"].tolist() == ["05762020", "05762008"]
    assert region.funding["amount_eur"].tolist() == [12500.0, 1234.56]
    assert region.funding["source"].tolist() == ["kreis", "land"]
    folder_text = "".join(p.read_text(encoding="utf-8-sig") for p in out.iterdir())
    for personal in ("Erika", "Mustermann", "Meier", "example.org", "05271", "0171"):
        assert personal not in folder_text + printed, personal
    assert "„Vorsitzende“, „E-Mail“, „Kontakt“" in printed


def test_templates_for_organisations_and_funding_read_back(tmp_path):
    import openpyxl

    from kulturplan.sources import lists

    for art, spec, row in (
        ("organisationen", lists.ORGANISATIONS, ["", "Chor Brakel", "Musikschule", "05762008",
                                                 40, 12, "senioren;kinder"]),
        ("foerderung", lists.FUNDING, [2025, "05762020", "Bibliothek", "Kreis", 12500]),
    ):
        path = tmp_path / f"{art}.xlsx"
        assert main(["template", "--art", art, str(path)]) == 0
        book = openpyxl.load_workbook(path)
        book.active.append(row)
        book.save(path)
        frame, report = lists.read_list(path, spec)
        assert len(frame) == 1, str(report)
    assert frame["amount_eur"].tolist() == [12500.0]


# --- 6 formula text in the region folder's CSVs -------------------------------------------------
def test_formula_text_is_written_as_text_and_read_back_exactly(folder, tmp_path):
    region = kio.read_region(folder)
    orgs = region.organisations.copy()
    names = ['=HYPERLINK("http://example.org";"klick")', "+SUM(1;2)", "-5 Grad", "@cmd",
             "'=schon geschützt", "'normal"]
    orgs.iloc[:len(names), orgs.columns.get_loc("name")] = names
    out = kio.write_region(replace(region, organisations=orgs), tmp_path / "out")
    with open(out / "organisations.csv", encoding="utf-8", newline="") as handle:
        cells = [row[1] for row in list(csv.reader(handle))[1:len(names) + 1]]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert kio.read_region(out).organisations["name"].tolist()[:len(names)] == names


# --- 8 same-named lists in different folders -----------------------------------------------------
def test_same_named_lists_in_two_folders_are_both_kept(tmp_path):
    from kulturplan.sources.build import build_region

    for sub, town in (("a", "Stadtbücherei Höxter"), ("b", "Stadtbücherei Brakel")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "liste.csv").write_text(
            f"Name;Sparte;Breitengrad;Längengrad\n{town};Bibliothek;51,7{len(sub)}{ord(sub)};"
            "9,38\n", encoding="utf-8")
    region, report = build_region("05762", REGISTER_FIXTURE, BOUNDARIES_FIXTURE,
                                  facilities=[tmp_path / "a" / "liste.csv",
                                              tmp_path / "b" / "liste.csv"])
    assert sorted(region.facilities["name"]) == ["Stadtbücherei Brakel", "Stadtbücherei Höxter"]
    assert "mehreren Dateien" not in str(report)


# --- 10 German errors instead of tracebacks -----------------------------------------------------
def test_full_disk_is_a_german_error_and_the_old_folder_stays(folder, tmp_path, monkeypatch):
    from kulturplan.errors import OutputFileError

    region = kio.read_region(folder)
    out = kio.write_region(region, tmp_path / "out")
    before = (out / "funding.csv").read_bytes()

    def full(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kio, "_write_file", full)
    with pytest.raises(OutputFileError, match="konnte nicht geschrieben werden.*Speicherplatz"):
        kio.write_region(region, out)
    assert (out / "funding.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["musterland", "out"]


def test_region_toml_without_columns_section_is_a_german_error(folder):
    from kulturplan.errors import KulturplanError

    manifest = folder / "region.toml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index("[tables.municipalities.columns]")
    end = text.index("[tables.", start + 10)
    manifest.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KulturplanError, match=r"\[tables.municipalities.columns\] fehlt"):
        kio.read_region(folder)


def test_bom_in_region_toml_is_accepted(folder):
    expected = kio.read_region(folder)
    manifest = folder / "region.toml"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())  # saved by Notepad
    assert kio.read_region(folder).name == expected.name


def test_csv_as_boundaries_is_a_german_error(capsys):
    csv_file = ROOT / "tests" / "fixtures" / "hostile" / "register_as_boundaries.csv"
    assert main(["build-region", "--ags", "05762", "--register", str(REGISTER_FIXTURE),
                 "--boundaries", str(csv_file), "--out", "/nonexistent/never"]) == 2
    err = capsys.readouterr().err
    assert "Grenz" in err and "Geometrie" in err and "Traceback" not in err


def test_formula_without_cached_value_is_named(tmp_path):
    import openpyxl

    from kulturplan.sources.facilities import read_table

    path = tmp_path / "liste.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name", "Sparte", "Breitengrad", "Längengrad", "Kapazität"])
    book.active.append(["Stadthalle Brakel", "Stadthalle", 51.717, 9.185, "=100+20"])
    book.save(path)  # openpyxl stores no cached value, as a formula never opened in Excel
    frame, report = read_table(path)
    (problem,) = [p for p in report.problems if p.row == 2]
    assert problem.column == "Kapazität" and "Formel" in problem.message
    assert "=100+20" in problem.message


# --- 12 AGS prefixes of the wrong length ---------------------------------------------------------
@pytest.mark.parametrize("prefix", ["0576", "057620", "0", "1", "057620200"])
def test_prefix_of_wrong_length_is_refused(prefix, capsys):
    assert main(["build-region", "--ags", prefix, "--register", str(REGISTER_FIXTURE),
                 "--boundaries", str(BOUNDARIES_FIXTURE), "--out", "/nonexistent/never"]) == 2
    assert "2 Ziffern" in capsys.readouterr().err


# --- 11 implausible geometry ---------------------------------------------------------------------
def test_degrees_declared_as_utm_are_refused(tmp_path):
    import geopandas as gpd

    from kulturplan.errors import InputFileError
    from kulturplan.sources import bkg

    frame = gpd.read_file(BOUNDARIES_FIXTURE).to_crs("EPSG:4326")
    wrong = frame.set_crs("EPSG:25832", allow_override=True)  # degrees, declared as metres
    path = tmp_path / "grenzen.gpkg"
    wrong.to_file(path, driver="GPKG", layer="vg5000_gem")
    with pytest.raises(InputFileError, match="nicht in Deutschland.*Koordinatenreferenzsystem"):
        bkg.read_boundaries(path)


def test_two_municipalities_with_one_ags_are_refused(tmp_path):
    import geopandas as gpd

    from kulturplan.sources import bkg

    frame = gpd.read_file(BOUNDARIES_FIXTURE)
    key = next(c for c in ("AGS", "ags") if c in frame.columns)
    frame.loc[1, key] = frame.loc[0, key]
    path = tmp_path / "grenzen.geojson"
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(ValidationError) as info:
        bkg.read_boundaries(path)
    (problem,) = info.value.problems
    assert problem.row == 3 and problem.column == "AGS"
    assert f"AGS „{frame.loc[0, key]}“ gehört zu Flächen verschiedener Gemeinden" in \
        problem.message


def test_import_report_file_writes_formula_like_text_as_text(tmp_path):
    from kulturplan.sources.build import IMPORT_REPORT_CSV, build_region

    liste = tmp_path / "=HYPERLINK(1).csv"  # a file name is user text, too
    liste.write_text("Name;Sparte;Breitengrad;Längengrad\n@cmd;Unbekannt;51,77;9,38\n",
                     encoding="utf-8")
    _, report = build_region("05762", REGISTER_FIXTURE, BOUNDARIES_FIXTURE, facilities=liste)
    text = report.files()[IMPORT_REPORT_CSV].lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert rows and all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r)
    assert any(r[1] == "'=HYPERLINK(1).csv" for r in rows)


def test_regierungsbezirk_prefix_is_accepted():
    # notebook 06 builds Oberfranken (094): a Regierungsbezirk is a real administrative level
    from kulturplan.sources.build import _normalise_prefix

    assert _normalise_prefix("094") == "094"
