"""kulturplan.sources.zensus.read_grid: Zensus 2022 grid CSVs and zips.

Real file: ../shared/data/zensus2022 (214,633 cells, 80,212,528 inhabitants). Expected
sums for the Kreis are computed independently with pandas + geopandas ``sjoin``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from kulturplan.errors import EmptyInputError, InputFileError, ParameterError, ValidationError
from kulturplan.sources.zensus import population_by_municipality, read_grid
from tests.sources_helpers import BOUNDARIES, DATA, REGISTER, needs_data

GRID_1KM = DATA / "zensus2022" / "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv"
needs_grid = pytest.mark.skipif(not GRID_1KM.is_file(), reason="../shared/data/zensus2022 fehlt")
HEADER = "GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner\n"


def row(e: int, n: int, value: object, size: int = 1000) -> str:
    return f"CRS3035RES{size}mN{n}E{e};{e + size // 2};{n + size // 2};{value}\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def small_1km(tmp_path: Path, values=(8, 7, 3)) -> Path:
    lines = [row(4337000 + 1000 * k, 2689000, v) for k, v in enumerate(values)]
    return write(tmp_path / "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv", HEADER + "".join(lines))


# -- the real file --------------------------------------------------------------------------
@needs_grid
@pytest.mark.realdata
def test_real_1km_file_all_cells_and_inhabitants() -> None:
    data, report = read_grid(GRID_1KM, chunksize=50_000)
    assert len(data) == 214_633 == report.rows == report.cells
    assert data["population"].sum() == 80_212_528 == report.population_file
    assert data.crs == "EPSG:25832" and data.index.is_unique
    assert report.marked == {}
    # one cell by hand: centre (4337500, 2689500) in EPSG:3035 → EPSG:25832
    x, y = Transformer.from_crs(3035, 25832, always_xy=True).transform(4337500, 2689500)
    first = data.loc["CRS3035RES1000mN2689000E4337000"]
    assert first["population"] == 8
    assert (first.geometry.x, first.geometry.y) == pytest.approx((x, y))


@pytest.fixture(scope="module")
def bayreuth():
    from kulturplan.sources import build_region

    return build_region("09472", REGISTER, BOUNDARIES).region


@needs_grid
@needs_data
@pytest.mark.realdata
def test_real_kreis_bayreuth_sums_as_the_file(bayreuth) -> None:
    data, report = read_grid(GRID_1KM, region=bayreuth)
    # independently: pandas reads the whole file, geopandas sjoin assigns the cells
    raw = pd.read_csv(GRID_1KM, sep=";")
    cells = gpd.GeoDataFrame(
        raw, geometry=gpd.points_from_xy(raw["x_mp_1km"], raw["y_mp_1km"]), crs="EPSG:3035"
    ).to_crs("EPSG:25832")
    munis = bayreuth.municipalities
    joined = gpd.sjoin(cells, munis[["geometry"]], predicate="within", how="inner")
    assert len(data) == len(joined) == 799
    assert data["population"].sum() == joined["Einwohner"].sum() == 106_714
    assert (data["ags"].sort_index() == joined.set_index("GITTER_ID_1km")["ags"].sort_index()
            ).all()
    assert set(data["ags"]) <= set(munis.index) and data["ags"].str.startswith("09472").all()
    # nothing is lost: returned + outside the region + outside the box = the whole file
    assert (report.population + report.outside_population + report.outside_bbox_population
            == 80_212_528)
    assert report.cells + len(report.outside) + report.outside_bbox_rows == 214_633
    assert "Im Rechteck, aber in keiner Gemeinde der Region" in str(report)
    table = population_by_municipality(data, bayreuth)
    assert table["grid"].sum() == 106_714
    assert table["register"].sum() == munis["population"].sum()
    assert (table["difference"] == table["grid"] - table["register"]).all()


# -- layouts, zips, marks ----------------------------------------------------------------------
def test_zip_as_downloaded_with_three_layouts(tmp_path: Path) -> None:
    archive = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Zensus2022_Bevoelkerungszahl_1km-Gitter.csv",
                   HEADER + row(4337000, 2689000, 8) + row(4338000, 2689000, 5))
        z.writestr("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv",
                   "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
                   + row(4337000, 2689000, 3, 100) + row(4337100, 2689000, 2, 100)
                   + row(4337200, 2689000, 1, 100))
        z.writestr("Zensus2022_Bevoelkerungszahl_10km-Gitter.csv",
                   "GITTER_ID_10km;x_mp_10km;y_mp_10km;Einwohner\n" + row(4330000, 2680000, 13,
                                                                           10000))
        z.writestr("Datensatzbeschreibung.xlsx", b"not read")
    with pytest.raises(ParameterError, match="member="):
        read_grid(archive)
    km = read_grid(archive, member="1km")
    assert km.data["population"].tolist() == [8.0, 5.0]
    assert km.report.source == ("Zensus2022_Bevoelkerungszahl.zip → "
                                "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv")
    hm = read_grid(archive, member="100m")
    assert hm.report.resolution == "100m" and hm.data["population"].sum() == 6
    assert read_grid(archive, member="10km").data["population"].tolist() == [13.0]
    by_name = read_grid(archive, member="Zensus2022_Bevoelkerungszahl_100m-Gitter.csv")
    assert by_name.data.index.tolist() == hm.data.index.tolist()


def test_secrecy_marks_are_counted_not_errors(tmp_path: Path) -> None:
    path = small_1km(tmp_path, values=(8, "–", ".", "/", "", 4))
    data, report = read_grid(path)
    assert len(data) == 6
    assert data["population"].isna().tolist() == [False, True, True, True, True, False]
    assert data["population"].sum() == 12 == report.population_file
    assert report.marked == {"Einwohner": {"–": 1, ".": 1, "/": 1, "(leer)": 1}}
    assert "Zeichen statt Zahlen" in str(report)


def test_attribute_file_with_more_columns(tmp_path: Path) -> None:
    text = ("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;Durchschnittsalter;unter18;"
            "werterlaeuternde_Zeichen\n"
            "CRS3035RES100mN2689000E4337000;4337050;2689050;12;43,5;3;\n"
            "CRS3035RES100mN2689100E4337000;4337050;2689150;4;–;–;KLAMMERN\n")
    data, report = read_grid(write(tmp_path / "alter.csv", text))
    assert data["Durchschnittsalter"].tolist()[0] == 43.5
    assert np.isnan(data["Durchschnittsalter"].iloc[1])
    assert data["unter18"].tolist()[0] == 3.0
    assert data["werterlaeuternde_Zeichen"].tolist()[1] == "KLAMMERN"
    assert report.marked["unter18"] == {"–": 1}
    assert read_grid(write(tmp_path / "ohne.csv", text.replace("Einwohner", "Personen")),
                     population_column=None).data["Personen"].sum() == 16


def test_chunks_give_the_same_result_and_true_row_numbers(tmp_path: Path) -> None:
    values = list(range(1, 12))
    path = small_1km(tmp_path, values)
    whole = read_grid(path).data
    pd.testing.assert_frame_equal(read_grid(path, chunksize=3).data, whole)
    values[9] = "zehn"
    with pytest.raises(ValidationError) as info:
        read_grid(small_1km(tmp_path, values), chunksize=4)
    assert [(p.row, p.column) for p in info.value.problems] == [(11, "Einwohner")]
    assert "Zeile 11, Spalte „Einwohner“: „zehn“ ist keine Zahl" in str(info.value)


def test_bbox_cuts_and_reports(tmp_path: Path) -> None:
    path = small_1km(tmp_path, values=(8, 7, 3))
    data = read_grid(path).data
    x0 = data.geometry.x.iloc[1]
    cut, report = read_grid(path, bbox=(x0 - 10, 0, x0 + 10, 1e8))
    assert cut.index.tolist() == [data.index[1]]
    assert report.outside_bbox_rows == 2 and report.outside_bbox_population == 11
    with pytest.raises(ParameterError, match="bbox"):
        read_grid(path, bbox=(1, 2, 0, 3))


def test_region_assigns_ags_and_reports_outside(tmp_path: Path, tiny_region) -> None:
    # 100 m cells around the tiny region (EPSG:25832 500–510 km × 5700–5710 km, + margin)
    to_grid = Transformer.from_crs(25832, 3035, always_xy=True)
    xs, ys = np.meshgrid(np.arange(498_000, 512_000, 700.0), np.arange(5_698_000, 5_712_000, 700.0))
    gx, gy = to_grid.transform(xs.ravel(), ys.ravel())
    e = (np.floor(np.asarray(gx) / 100) * 100).astype(int)
    n = (np.floor(np.asarray(gy) / 100) * 100).astype(int)
    lines = [row(a, b, k % 7 + 1, 100) for k, (a, b) in enumerate(zip(e, n, strict=True))]
    path = write(tmp_path / "g100.csv", "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n"
                 + "".join(lines))
    # without Dewald (the north-east square): its cells are in the box, but in no municipality
    munis = tiny_region.municipalities.drop(index="99001004")
    data, report = read_grid(path, region=munis)
    everything = read_grid(path).data
    joined = gpd.sjoin(everything, munis[["geometry"]], predicate="within")
    assert sorted(data.index) == sorted(joined.index)
    assert (data["ags"].sort_index() == joined["ags"].sort_index()).all()
    assert len(report.outside) == len(everything) - len(data) - report.outside_bbox_rows > 0
    assert (report.population + report.outside_population + report.outside_bbox_population
            == everything["population"].sum())


# -- malformed files ---------------------------------------------------------------------------
def test_wrong_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path / "komma.csv", HEADER.replace(";", ",") + row(4337000, 2689000, 8)
                 .replace(";", ","))
    with pytest.raises(ValidationError) as info:
        read_grid(path)
    text = str(info.value)
    assert "komma.csv, Zeile 1: Die Kopfzeile hat nur eine Spalte: falscher Spaltentrenner " \
        "(gefunden: Komma)" in text


def test_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path / "ohne_y.csv", "GITTER_ID_1km;x_mp_1km;Einwohner\n"
                 "CRS3035RES1000mN2689000E4337000;4337500;8\n")
    with pytest.raises(ValidationError) as info:
        read_grid(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (1, "y_mp_1km")
    assert "Pflichtspalte „y_mp_1km“ fehlt" in str(info.value)
    with pytest.raises(ValidationError, match="Pflichtspalte „Einwohner“ fehlt"):
        read_grid(write(tmp_path / "ohne_e.csv", "GITTER_ID_1km;x_mp_1km;y_mp_1km;Personen\n"))
    with pytest.raises(ValidationError, match="GITTER_ID_1km"):
        read_grid(write(tmp_path / "ohne_id.csv", "id;x;y;Einwohner\n1;2;3;4\n"))


def test_ids_not_matching_coordinates(tmp_path: Path) -> None:
    text = (HEADER + row(4337000, 2689000, 8)
            + "CRS3035RES1000mN2689000E4338000;4337500;2689500;5\n"  # E off by one cell
            + "CRS3035RES100mN2689000E4339000;4339500;2689500;5\n"  # wrong cell size
            + "Zelle 4;4340500;2689500;5\n"
            + ";4341500;2689500;5\n"  # no id at all
            + " CRS3035RES1000mN2689000E4342000 ;4342500;2689500;5\n")  # blanks are fine
    with pytest.raises(ValidationError) as info:
        read_grid(write(tmp_path / "ids.csv", text))
    found = sorted((p.row, p.column) for p in info.value.problems)
    assert found == [(3, "GITTER_ID_1km"), (4, "GITTER_ID_1km"), (5, "GITTER_ID_1km"),
                     (6, "GITTER_ID_1km")]
    text_all = str(info.value)
    assert "ids.csv, Zeile 3, Spalte „GITTER_ID_1km“: „CRS3035RES1000mN2689000E4338000“ passt " \
           "nicht zu den Koordinaten" in text_all
    assert "Zeile 5, Spalte „GITTER_ID_1km“: „Zelle 4“ ist keine Gitterzellen-Kennung" in text_all
    assert "Zeile 6, Spalte „GITTER_ID_1km“: Kennung fehlt; erwartet wird z. B." in text_all


def test_non_numeric_values_and_coordinates(tmp_path: Path) -> None:
    text = (HEADER + row(4337000, 2689000, "zwölf") + row(4338000, 2689000, -3)
            + "CRS3035RES1000mN2689000E4339000;abc;2689500;5\n")
    with pytest.raises(ValidationError) as info:
        read_grid(write(tmp_path / "werte.csv", text))
    found = sorted((p.row, p.column) for p in info.value.problems)
    assert found == [(2, "Einwohner"), (3, "Einwohner"), (4, "x_mp_1km")]
    assert "„zwölf“ ist keine Zahl und kein Zeichen der amtlichen Geheimhaltung" in str(info.value)
    assert "-3 ist negativ" in str(info.value)


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    text = (HEADER + row(4337000, 2689000, 8)
            + "CRS3035RES1000mN2689000E4338000;4338500;2689500;5;9\n")
    with pytest.raises(ValidationError) as info:
        read_grid(write(tmp_path / "felder.csv", text))
    (problem,) = info.value.problems
    assert problem.row == 3 and "5 statt 4 Spalten" in problem.message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="nicht gefunden"):
        read_grid(tmp_path / "fehlt.csv")
    with pytest.raises(InputFileError, match="leer"):
        read_grid(write(tmp_path / "leer.csv", ""))
    with pytest.raises(EmptyInputError, match="keine Datenzeilen"):
        read_grid(write(tmp_path / "kopf.csv", HEADER))
    with pytest.raises(ParameterError, match="chunksize"):
        read_grid(write(tmp_path / "x.csv", HEADER), chunksize=0)


def test_duplicate_cells(tmp_path: Path) -> None:
    text = HEADER + row(4337000, 2689000, 8) + row(4338000, 2689000, 2) + row(4337000, 2689000, 8)
    with pytest.raises(ValidationError) as info:
        read_grid(write(tmp_path / "doppelt.csv", text), chunksize=2)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (4, "GITTER_ID_1km")
    assert "kommt doppelt vor (zuerst in Zeile 2)" in problem.message


def test_blanks_around_an_id_are_removed(tmp_path: Path) -> None:
    text = HEADER + " CRS3035RES1000mN2689000E4337000 ;4337500;2689500;8\n"
    data = read_grid(write(tmp_path / "blank.csv", text)).data
    assert data.index.tolist() == ["CRS3035RES1000mN2689000E4337000"]


def test_zip_with_one_csv_needs_no_member(tmp_path: Path) -> None:
    archive = tmp_path / "Zensus2022_Bevoelkerungszahl_1km.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Zensus2022_Bevoelkerungszahl_1km-Gitter.csv", HEADER + row(4337000, 2689000, 8))
    assert read_grid(archive).data["population"].tolist() == [8.0]
    with pytest.raises(ParameterError, match="Enthalten: „Zensus2022_Bevoelkerungszahl_1km"):
        read_grid(archive, member="100m")
