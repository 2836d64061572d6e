"""Tests of the BKG boundary reader (VG250/VG5000)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box
from sources_helpers import BOUNDARIES, BOUNDARIES_FIXTURE, DATA, needs_data, real_boundaries

from kulturplan.errors import InputFileError, ParameterError, ValidationError
from kulturplan.region import CRS
from kulturplan.sources import bkg


def test_fixture_geojson_converted_to_25832():
    g = bkg.read_boundaries(BOUNDARIES_FIXTURE)
    assert g.crs == CRS
    assert len(g) == 10
    assert g.index.name == "ags"
    assert g.loc["05762020", "name"] == "Höxter"
    assert g.loc["05762020", "bez"] == "Stadt"
    # generalised VG5000 polygon vs. official area 158.16 km² (register)
    assert g.loc["05762020"].geometry.area / 1e6 == pytest.approx(158.16, rel=0.03)
    assert g.attrs["water_parts"] == 0
    assert g.attrs["source"] == "vg5000_hoexter.geojson"


def _synthetic(tmp_path, driver="GPKG", layer="vg250_gem", crs="EPSG:25832"):
    """Two municipalities; A has two land parts (GF 4) and a lake (GF 2), B one GF 4 part."""
    frame = gpd.GeoDataFrame(
        {
            "AGS": ["09999001", "09999001", "09999001", "09999002"],
            "GEN": ["Seedorf", "Seedorf", "Seedorf", "Bergdorf"],
            "BEZ": ["Gemeinde"] * 4,
            "GF": [4, 4, 2, 4],
        },
        geometry=[
            box(500_000, 5_300_000, 502_000, 5_301_000),  # 2 km² land
            box(503_000, 5_300_000, 504_000, 5_301_000),  # 1 km² land (island)
            box(500_000, 5_301_000, 504_000, 5_303_000),  # 8 km² lake: not counted
            box(504_000, 5_300_000, 507_000, 5_301_000),  # 3 km² land
        ],
        crs=crs,
    )
    if driver == "GPKG":
        path = tmp_path / "vg250.gpkg"
        frame.to_file(path, layer=layer, driver="GPKG")
        frame.dissolve("AGS").reset_index().to_file(path, layer="vg250_krs", driver="GPKG")
    else:
        path = tmp_path / "vg.geojson"
        frame.to_file(path, driver="GeoJSON")
    return path


def test_gf_water_parts_left_out_and_parts_dissolved(tmp_path):
    g = bkg.read_boundaries(_synthetic(tmp_path), level="GEM")
    assert g.index.tolist() == ["09999001", "09999002"]
    assert g.loc["09999001"].geometry.area == pytest.approx(3e6)
    assert g.loc["09999002"].geometry.area == pytest.approx(3e6)
    assert g.loc["09999001", "n_parts"] == 2
    assert g.attrs["water_parts"] == 1
    assert set(g.geom_type) <= {"Polygon", "MultiPolygon"}


def test_gpkg_layer_chosen_by_level_and_folder(tmp_path):
    _synthetic(tmp_path)
    g = bkg.read_boundaries(tmp_path, level="GEM")  # folder holding one GeoPackage
    assert g.index.tolist() == ["09999001", "09999002"]
    assert g.attrs["path"].endswith("vg250.gpkg")


def test_wrong_key_length_reported(tmp_path):
    path = _synthetic(tmp_path)
    with pytest.raises(ValidationError, match=r"vg250\.gpkg, Zeile 2, Spalte „AGS“: AGS "
                       r"„09999001“ ist ungültig; erwartet werden 5 Ziffern"):
        bkg.read_boundaries(path, level="KRS")


def test_other_crs_converted(tmp_path):
    g = bkg.read_boundaries(_synthetic(tmp_path, driver="GeoJSON", crs="EPSG:25832"))
    wgs = g.to_crs("EPSG:4326")
    back = bkg.read_boundaries(_write(tmp_path / "w.geojson", wgs.reset_index().rename(
        columns={"ags": "AGS", "name": "GEN"})))
    assert back.crs == CRS
    assert back.loc["09999002"].geometry.area == pytest.approx(3e6, rel=1e-4)


def _write(path, frame):
    frame.to_file(path, driver="GeoJSON")
    return path


def test_missing_crs(tmp_path):
    frame = gpd.read_file(BOUNDARIES_FIXTURE).to_crs("EPSG:25832")
    path = tmp_path / "ohne_prj.shp"
    frame.to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputFileError, match=r"ohne_prj\.shp, Spalte „geometry“: Die Datei hat "
                       r"kein Koordinatenreferenzsystem \(CRS\); bei Shapefiles fehlt die "
                       r"\.prj-Datei"):
        bkg.read_boundaries(path)


def test_missing_ags_column(tmp_path):
    frame = gpd.read_file(BOUNDARIES_FIXTURE).drop(columns="AGS")
    path = _write(tmp_path / "ohne_ags.geojson", frame)
    with pytest.raises(ValidationError, match=r"ohne_ags\.geojson, Zeile 1, Spalte „AGS“: Spalte "
                       r"„AGS“ \(Amtlicher Gemeindeschlüssel\) fehlt"):
        bkg.read_boundaries(path)


def test_not_a_geofile(tmp_path):
    path = tmp_path / "grenzen.geojson"
    path.write_text("keine Geodaten", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"grenzen\.geojson: Die Datei ist keine lesbare "
                       r"Geodatei"):
        bkg.read_boundaries(path)


def test_missing_and_unknown_level(tmp_path):
    with pytest.raises(InputFileError, match="nicht gefunden"):
        bkg.read_boundaries(tmp_path / "fehlt.shp")
    with pytest.raises(ParameterError, match="Ebene „XYZ“ ist unbekannt"):  # a parameter mistake
        bkg.read_boundaries(BOUNDARIES_FIXTURE, level="xyz")
    with pytest.raises(InputFileError, match="keine Datei der Ebene GEM"):
        bkg.read_boundaries(tmp_path)


# --------------------------------------------------------------------------------------
# the real VG5000
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def boundaries():
    return real_boundaries()


@needs_data
def test_real_vg5000_gem(boundaries):
    assert len(boundaries) == 10997
    assert boundaries.crs == CRS
    assert boundaries.index.is_unique
    assert boundaries.index.str.fullmatch(r"\d{8}").all()
    assert set(boundaries.geom_type) <= {"Polygon", "MultiPolygon"}
    assert boundaries.is_valid.all()
    hx = boundaries[boundaries.index.str.startswith("05762")]
    assert len(hx) == 10
    # official area of Kreis Höxter: 1,201.42 km²; VG5000 is generalised
    assert hx.area.sum() / 1e6 == pytest.approx(1201.42, rel=0.01)
    # Germany: 357,588 km² (Destatis); VG5000 GEM covers it within 1 %
    assert boundaries.area.sum() / 1e6 == pytest.approx(357_588, rel=0.01)
    # no area counted twice: municipalities do not overlap
    sample = boundaries[boundaries.index.str.startswith("14522")]
    union = shapely.union_all(sample.geometry.to_numpy())
    assert union.area == pytest.approx(sample.area.sum(), rel=1e-6)


@needs_data
def test_real_levels_and_attribution():
    krs = bkg.read_boundaries(BOUNDARIES.parent, level="KRS")
    assert len(krs) == 401
    assert krs.loc["14522", "name"] == "Mittelsachsen"
    lan = bkg.read_boundaries(BOUNDARIES.parent, level="LAN")
    assert sorted(lan.index) == [f"{i:02d}" for i in range(1, 17)]
    info = bkg.source_info(BOUNDARIES)
    assert info["attribution"] == "© GeoBasis-DE / BKG 2021"
    assert info["date"] == "01.01.2021"
    assert info["licence"] == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    assert DATA.is_dir()
