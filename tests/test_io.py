"""Region folders: exact round trip, atomic writes, refusals and readable errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import kulturplan as kp
import kulturplan.io as kio
from kulturplan import KulturplanError, Region, ValidationError
from kulturplan.demo import main as demo_main
from kulturplan.demo import musterland
from kulturplan.errors import InputFileError, ParameterError
from kulturplan.io import read_region, write_region
from kulturplan.testing import assert_region_equal

DATA = Path(__file__).resolve().parents[1] / "data" / "musterland"
X0, Y0 = 500_000.0, 5_700_000.0


@pytest.fixture(scope="module")
def demo() -> Region:
    return musterland(seed=0)


def _tricky() -> Region:
    """A small region with every kind of column the folder must restore."""
    munis = gpd.GeoDataFrame(
        {
            "ags": ["01001001", "01001002"],
            "name": ["Ölmühle", "Groß Süßen"],
            "population": [1200, 800],
            "area_km2": [1.0, 1.0],
            "urban_degree": [3, None],
            "kreis_ags": ["01001", "01001"],
            "pop_0_5": [100, 50],
            "pop_6_17": [100, 50],
            "pop_18_29": [200, 100],
            "pop_30_64": [500, 400],
            "pop_65_plus": [300, 200],
        },
        geometry=[
            box(X0, Y0, X0 + 1000.25, Y0 + 1000),
            box(X0 + 1000.25, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs="EPSG:25832",
    )
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["007", "008", "009"],
            "name": ["Bücherei „Lesezeichen“, Ölmühle", "Kino; Saal 2", "Außerhalb"],
            "category": ["bibliothek", "kino", "museum"],
            "capacity": [np.nan, 120.5, 0.1 + 0.2],
            "barrier_free": [True, False, True],
            "note": [None, "", "mit\nZeilenumbruch"],
        },
        geometry=[Point(X0 + 10.01, Y0 + 20.02), Point(X0 + 1500, Y0 + 500), Point(X0 + 9000, Y0)],
        crs="EPSG:25832",
    )
    orgs = pd.DataFrame(
        {
            "org_id": ["V1", "V2"],
            "name": ["Chor „Harmonie“ e. V.", "Heimatverein, Süßen"],
            "category": ["musikschule", "heimatverein_archiv"],
            "ags": ["01001001", "01001002"],
            "members": [40, 90],
            "volunteers": [5, 12],
            "target_groups": [["kinder", "familien"], ["alle"]],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["E1", "E2"],
            "title": ["Lesung", "Filmabend"],
            "category": ["bibliothek", "kino"],
            "start": pd.to_datetime(
                ["2025-03-01 19:30", "2025-12-31 23:59:59.5"], format="ISO8601"
            ),
            "end": pd.to_datetime(["2025-03-01 21:00", None]),
            "facility_id": ["007", None],
            "ags": [None, "01001002"],
            "attendance": [35.0, np.nan],
            "free_entry": [True, False],
            "stamp": pd.to_datetime(["2025-01-01 10:00", "2025-06-01 10:00"]).tz_localize(
                "Europe/Berlin"
            ),
        }
    )
    funding = pd.DataFrame(
        {
            "year": [2024, 2025],
            "ags": ["01001001", "01001001"],
            "category": ["allgemein", "bibliothek"],
            "source": ["kommune", "land"],
            "amount_eur": [1234.56, 1e-3],
        }
    )
    survey = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2"],
            "ags": ["01001001", "01001002"],
            "age_group": ["18-29", "65+"],
            "weight": [1 / 3, 5 / 3],
            "interesse_kino": [5.0, np.nan],
            "count": pd.array([1, None], dtype="Int64"),
        }
    )
    return Region(
        munis,
        facilities=fac,
        organisations=orgs,
        events=events,
        funding=funding,
        survey=survey,
        name="Test „Süd“",
        kreis_ags="01001",
        sources=({"name": "A", "licence": "dl-de/by-2-0", "attribution": "© X", "date": "2021"},),
    )


# --- round trip ---------------------------------------------------------------------------------
def test_round_trip_demo_is_exact(demo: Region, tmp_path: Path) -> None:
    write_region(demo, tmp_path / "m")
    back = read_region(tmp_path / "m")
    assert_region_equal(back, demo)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "events.csv", "facilities.geojson", "funding.csv", "municipalities.geojson",
        "organisations.csv", "projects.csv", "region.toml", "survey.csv",
    ]
    assert list(tmp_path.iterdir()) == [tmp_path / "m"]  # no temporary folders left


def test_round_trip_restores_dtypes(tmp_path: Path) -> None:
    region = _tricky()
    assert len(region.report) == 1  # facility 009 lies outside
    write_region(region, tmp_path / "t")
    back = read_region(tmp_path / "t")
    assert_region_equal(back, region)
    m, f, o = back.municipalities, back.facilities, back.organisations
    e, s = back.events, back.survey
    assert list(m.index) == ["01001001", "01001002"]
    assert m["kreis_ags"].tolist() == ["01001", "01001"]
    assert m["urban_degree"].dtype == "Int64" and m["urban_degree"].isna().tolist() == [False, True]
    assert m["pop_0_5"].dtype == np.int64
    assert list(f.index) == ["007", "008", "009"]
    assert f["barrier_free"].dtype == bool
    assert f["capacity"].iloc[2] == 0.1 + 0.2  # floats exactly, not 0.3
    assert f["name"].iloc[0] == "Bücherei „Lesezeichen“, Ölmühle"
    assert f["note"].iloc[2] == "mit\nZeilenumbruch"
    assert f.geometry.iloc[0].coords[0] == (X0 + 10.01, Y0 + 20.02)
    assert o["target_groups"].tolist() == [["kinder", "familien"], ["alle"]]
    assert o["members"].dtype == np.int64
    assert e["start"].dtype == "datetime64[us]"
    assert e["start"].iloc[1] == pd.Timestamp("2025-12-31 23:59:59.5")
    assert pd.isna(e["end"].iloc[1])
    assert str(e["stamp"].dtype) == "datetime64[us, Europe/Berlin]"
    assert e["free_entry"].dtype == bool
    assert back.funding["year"].dtype == np.int64
    assert s["weight"].iloc[0] == 1 / 3
    assert s["count"].dtype == "Int64"
    assert back.name == "Test „Süd“" and back.kreis_ags == "01001"
    assert [p.message for p in back.report.problems] == [p.message for p in region.report.problems]


def test_round_trip_keeps_passed_in_report(tmp_path: Path) -> None:
    base = _tricky()
    note = kp.errors.Problem("Import", "Gemeinde ohne Grenze", row=7, column="ags")
    region = Region(
        base.municipalities, facilities=base.facilities, name=base.name,
        report=kp.ValidationReport((note,)),
    )
    assert region.report.problems[0] == note and len(region.report) == 2
    write_region(region, tmp_path / "r")
    assert (tmp_path / "r" / "report.csv").is_file()
    assert_region_equal(read_region(tmp_path / "r"), region)


def test_empty_tables_round_trip(tmp_path: Path) -> None:
    base = _tricky()
    region = Region(base.municipalities, name="Nur Gemeinden")
    write_region(region, tmp_path / "e")
    assert_region_equal(read_region(tmp_path / "e"), region)


def test_geojson_is_diffable_and_declares_crs(tmp_path: Path) -> None:
    write_region(_tricky(), tmp_path / "t")
    lines = (tmp_path / "t" / "facilities.geojson").read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0] + "]}")
    assert head["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::25832"
    assert len(lines) == 2 + 3  # header, one line per feature, footer
    assert json.loads(lines[1].rstrip(","))["properties"]["facility_id"] == "007"
    assert '"coordinates": [500010.01, 5700020.02]' in lines[1]
    # GDAL reads it in the declared CRS
    gdf = gpd.read_file(tmp_path / "t" / "municipalities.geojson")
    assert gdf.crs.to_epsg() == 25832


def test_geojson_columns_of_unequal_length_refuse_instead_of_truncating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # review finding 7: zip(strict=False) in _geojson_text would silently drop the features
    # beyond the shortest column and write a truncated region file over the good one
    region = _tricky()
    write_region(region, tmp_path / "t")
    before = (tmp_path / "t" / "facilities.geojson").read_bytes()
    good = kio._to_json_values
    monkeypatch.setattr(kio, "_to_json_values", lambda series, code: good(series, code)[:-1])
    with pytest.raises(ValueError, match="zip"):
        write_region(region, tmp_path / "t")
    assert (tmp_path / "t" / "facilities.geojson").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]  # no temporary folder left
    monkeypatch.undo()
    assert_region_equal(read_region(tmp_path / "t"), region)


def test_coordinates_are_rounded_to_centimetres(tmp_path: Path) -> None:
    base = _tricky()
    fac = base.facilities.copy()
    fac.loc["007", "geometry"] = Point(X0 + 10.0149, Y0 + 20.0251)
    region = Region(base.municipalities, facilities=fac)
    write_region(region, tmp_path / "c")
    back = read_region(tmp_path / "c")
    assert back.facilities.geometry.loc["007"].coords[0] == (X0 + 10.01, Y0 + 20.03)
    assert_region_equal(back, region, tolerance=0.01, check_report=False)
    with pytest.raises(AssertionError, match="Geometrien unterscheiden sich"):
        assert_region_equal(back, region)


def test_committed_demo_folder_is_up_to_date(demo: Region) -> None:
    """data/musterland must equal musterland(seed=0); regenerate with
    ``python -m kulturplan.demo data/musterland`` after changing the generator."""
    committed = kp.load_region(DATA)  # its speed is measured in benchmarks/, not here
    assert_region_equal(committed, demo)


def test_public_names() -> None:
    assert kp.load_region is read_region
    assert kp.write_region is write_region


def test_demo_command_writes_folder(tmp_path: Path) -> None:
    assert demo_main([str(tmp_path / "demo"), "--seed", "2", "--gemeinden", "5"]) == 0
    back = read_region(tmp_path / "demo")
    assert_region_equal(back, musterland(seed=2, n_municipalities=5))


# --- atomic writes and refusals -------------------------------------------------------------------
def test_overwrite_region_folder(demo: Region, tmp_path: Path) -> None:
    target = tmp_path / "m"
    write_region(_tricky(), target)
    write_region(demo, target)
    assert_region_equal(read_region(target), demo)
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_overwrite_without_atomic_exchange(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(kio, "_exchange", lambda a, b: False)  # e.g. not on Linux
    target = tmp_path / "m"
    write_region(_tricky(), target)
    small = Region(_tricky().municipalities, name="Neu")
    write_region(small, target)
    assert read_region(target).name == "Neu"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_failed_write_leaves_old_folder_untouched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "m"
    write_region(_tricky(), target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args: object, **kwargs: object) -> str:
        raise OSError("Datenträger voll")

    monkeypatch.setattr(kio, "_csv_text", broken)
    with pytest.raises(OSError, match="Datenträger voll"):
        write_region(_tricky(), target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # temporary folder removed
    with pytest.raises(OSError):
        write_region(_tricky(), tmp_path / "neu")
    assert not (tmp_path / "neu").exists()


def test_refuses_to_overwrite_a_user_folder(tmp_path: Path) -> None:
    target = tmp_path / "meine_daten"
    target.mkdir()
    (target / "einrichtungen.xlsx").write_bytes(b"wichtig")
    with pytest.raises(KulturplanError, match="kein kulturplan-Regionsordner .*region.toml"):
        write_region(_tricky(), target)
    assert (target / "einrichtungen.xlsx").read_bytes() == b"wichtig"
    assert [p.name for p in target.iterdir()] == ["einrichtungen.xlsx"]


def test_refuses_region_folder_with_extra_files(tmp_path: Path) -> None:
    target = tmp_path / "m"
    write_region(_tricky(), target)
    (target / "notizen.txt").write_text("meine Notizen", encoding="utf-8")
    with pytest.raises(KulturplanError, match=r"weitere Dateien \(notizen.txt\)"):
        write_region(_tricky(), target)
    assert (target / "notizen.txt").read_text(encoding="utf-8") == "meine Notizen"


def test_refuses_foreign_region_toml(tmp_path: Path) -> None:
    target = tmp_path / "m"
    target.mkdir()
    (target / "region.toml").write_text('format = "anderes-programm"\n', encoding="utf-8")
    with pytest.raises(KulturplanError, match="stammt nicht von kulturplan"):
        write_region(_tricky(), target)


def test_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    target = tmp_path / "region.csv"
    target.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(KulturplanError, match="ist eine Datei, kein Regionsordner"):
        write_region(_tricky(), target)
    assert target.read_text(encoding="utf-8") == "a,b\n"


def test_empty_folder_may_be_used(tmp_path: Path) -> None:
    target = tmp_path / "leer"
    target.mkdir()
    write_region(_tricky(), target)
    assert (target / "region.toml").is_file()


def test_write_creates_parent_folders(tmp_path: Path) -> None:
    write_region(_tricky(), tmp_path / "a" / "b" / "m")
    assert (tmp_path / "a" / "b" / "m" / "region.toml").is_file()


# --- reading errors name the file ---------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_region(_tricky(), tmp_path / "t")
    return tmp_path / "t"


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(
        InputFileError, match=re.escape(f"Regionsordner „{tmp_path / 'nix'}“ nicht gefunden.")
    ):
        read_region(tmp_path / "nix")


def test_missing_manifest(folder: Path) -> None:
    (folder / "region.toml").unlink()
    with pytest.raises(InputFileError, match=re.escape(f"„{folder / 'region.toml'}“ fehlt")):
        read_region(folder)


def test_corrupt_manifest(folder: Path) -> None:
    (folder / "region.toml").write_text("name = [unvollständig\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"region\.toml“ ist keine gültige TOML-Datei"):
        read_region(folder)


def test_newer_format_version(folder: Path) -> None:
    path = folder / "region.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("format_version = 1", "format_version = 9"),
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="Formatversion „9“ wird nicht unterstützt"):
        read_region(folder)


def test_missing_table_file(folder: Path) -> None:
    (folder / "events.csv").unlink()
    with pytest.raises(InputFileError, match=re.escape(f"Datei „{folder / 'events.csv'}“ fehlt")):
        read_region(folder)


def test_corrupt_geojson(folder: Path) -> None:
    path = folder / "facilities.geojson"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:40]  # a line cut off, e.g. by a failed copy
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"facilities\.geojson“ ist kein gültiges GeoJSON \(Zeile 3"
    ):
        read_region(folder)


def test_truncated_csv(folder: Path) -> None:
    path = folder / "organisations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_region(folder)
    (problem,) = exc.value.problems
    assert problem.source == str(path)
    assert problem.message.startswith("Die Datei enthält 1 Zeilen, laut „region.toml“ aber 2")


def test_bad_values_name_file_row_and_column(folder: Path) -> None:
    path = folder / "organisations.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[1, "members"] = "viele"
    frame.to_csv(path, index=False)
    with pytest.raises(ValidationError) as exc:
        read_region(folder)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}, Zeile 3, Spalte „members“: „viele“ ist kein gültiger Wert; erwartet wird "
        "eine Zahl."
    ]


def test_missing_column(folder: Path) -> None:
    path = folder / "funding.csv"
    pd.read_csv(path, dtype=str).drop(columns="source").to_csv(path, index=False)
    with pytest.raises(
        ValidationError, match=r"funding\.csv, Spalte „source“: Spalte „source“ fehlt"
    ):
        read_region(folder)


def test_region_validation_errors_name_the_file(folder: Path) -> None:
    path = folder / "municipalities.geojson"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"population": 800.0', '"population": -800.0'),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as exc:
        read_region(folder)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}, Zeile 3, Spalte „population“: Wert -800.0 ist negativ; erwartet wird eine "
        "Zahl ≥ 0.",
        f"{path}, Zeile 3, Spalte „pop_0_5,pop_6_17,pop_18_29,pop_30_64,pop_65_plus“: Die "
        "Altersgruppen ergeben zusammen 800, die Einwohnerzahl ist aber -800.",
    ]
    assert "enthält Fehler" in str(exc.value)


def test_not_utf8(folder: Path) -> None:
    path = folder / "survey.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("65+", "65+ älter").encode("latin-1"))
    with pytest.raises(InputFileError, match=r"survey\.csv“ ist nicht UTF-8-kodiert"):
        read_region(folder)


def test_empty_csv(folder: Path) -> None:
    (folder / "survey.csv").write_text("", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"survey\.csv“ ist leer"):
        read_region(folder)


def test_user_added_column_is_kept_as_text(folder: Path) -> None:
    path = folder / "funding.csv"
    frame = pd.read_csv(path, dtype=str)
    frame["bemerkung"] = ["Projekt A", ""]
    frame.to_csv(path, index=False)
    back = read_region(folder)
    assert back.funding["bemerkung"].tolist()[0] == "Projekt A"
    assert pd.isna(back.funding["bemerkung"].iloc[1])


# --- assert_region_equal -------------------------------------------------------------------------
def test_assert_region_equal_finds_differences() -> None:
    a = _tricky()
    m = a.municipalities.copy()
    m.loc["01001002", "population"] = 801
    m.loc["01001002", "pop_65_plus"] = 201
    b = Region(m, facilities=a.facilities, organisations=a.organisations, events=a.events,
               funding=a.funding, survey=a.survey, name=a.name, kreis_ags=a.kreis_ags,
               sources=a.sources)
    with pytest.raises(AssertionError, match="municipalities"):
        assert_region_equal(a, b)
    c = Region(a.municipalities, name="anders")
    with pytest.raises(AssertionError, match="„name“ unterscheidet sich"):
        assert_region_equal(a, c)
    with pytest.raises(AssertionError, match="zwei Regionen"):
        assert_region_equal(a, a.municipalities)  # type: ignore[arg-type]


def test_attachments_are_written_listed_and_replaced(tmp_path: Path) -> None:
    region = _tricky()
    target = tmp_path / "r"
    write_region(region, target, attachments={"importbericht.txt": "Bericht 1\n"})
    assert (target / "importbericht.txt").read_text(encoding="utf-8") == "Bericht 1\n"
    manifest = kio.tomllib.loads((target / "region.toml").read_text(encoding="utf-8"))
    assert manifest["attachments"] == ["importbericht.txt"]
    assert_region_equal(read_region(target), region)  # attachments are not read back
    write_region(region, target)  # a rebuild without them replaces the folder as a whole
    assert not (target / "importbericht.txt").exists()
    for bad in ("region.toml", "facilities.geojson", "../x.txt", ".versteckt"):
        with pytest.raises(ParameterError, match=f"Beilage „{re.escape(bad)}“"):
            write_region(region, target, attachments={bad: "x"})
