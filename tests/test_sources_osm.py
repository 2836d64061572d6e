"""Tests of the OpenStreetMap reader (Overpass JSON and GeoJSON)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sources_helpers import GEOJSON_FIXTURE, OVERPASS_FIXTURE

from kulturplan.errors import InputFileError
from kulturplan.region import CRS
from kulturplan.sources import osm


def _to_25832(lon, lat):
    return gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326).to_crs(CRS).iloc[0]


def test_tag_rules_from_catalog():
    rules = dict((cid, pairs) for cid, pairs in osm.tag_rules())
    assert rules["bibliothek"] == (("amenity", "library"),)
    assert osm.category_of({"amenity": "library"}) == "bibliothek"
    assert osm.category_of({"office": "association", "association": "heritage"}) == (
        "heimatverein_archiv"
    )
    assert osm.category_of({"office": "association"}) is None  # needs both tags
    assert osm.category_of({"tourism": "gallery"}) == "galerie"
    assert osm.category_of({"amenity": "bench"}) is None


def test_overpass_json():
    f, report = osm.read_overpass(OVERPASS_FIXTURE)
    assert f.index.tolist() == ["node/1001", "way/2002", "relation/3003", "node/1004"]
    assert f["osm_id"].tolist() == f.index.tolist()
    assert f["category"].tolist() == ["bibliothek", "theater", "museum", "heimatverein_archiv"]
    assert f.loc["node/1001", "name"] == "Stadtbücherei Höxter"
    assert f.loc["node/1001", "street"] == "Marktstraße 1"
    assert f.loc["node/1001", "postcode"] == "37671"
    assert f.loc["way/2002", "capacity"] == 600
    assert f.loc["way/2002", "operator"] == "Stadt Brakel"
    # wheelchair=yes → True, limited → False, not tagged → unknown
    assert f.loc["node/1001", "barrier_free"] == True  # noqa: E712
    assert f.loc["relation/3003", "barrier_free"] == False  # noqa: E712
    assert pd.isna(f.loc["way/2002", "barrier_free"])
    assert f.crs == CRS
    # ways/relations use their centre
    assert f.loc["way/2002"].geometry.distance(_to_25832(9.1851, 51.7170)) < 0.01
    # the member node without tags is skipped and said so
    assert [p.message for p in report.problems] == [
        "1 Elemente ohne Merkmale (Wegpunkte von Flächen) übersprungen."
    ]


def test_geojson_export_points_and_polygons():
    f, report = osm.read_overpass(GEOJSON_FIXTURE)
    assert not report
    assert f.index.tolist() == ["node/1001", "way/2010"]
    assert f["category"].tolist() == ["bibliothek", "kino"]
    polygon = gpd.GeoSeries(
        [shapely.box(9.0170, 51.7362, 9.0180, 51.7368)], crs=4326
    ).to_crs(CRS).iloc[0]
    assert polygon.contains(f.loc["way/2010"].geometry)


def _write(tmp_path, elements, name="overpass.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"elements": elements}), encoding="utf-8")
    return path


def test_unusable_objects_reported(tmp_path):
    path = _write(tmp_path, [
        {"type": "node", "id": 1, "lat": 51.7, "lon": 9.3,
         "tags": {"amenity": "bench", "name": "Bank am Markt"}},
        {"type": "way", "id": 2, "tags": {"amenity": "cinema", "name": "Kino ohne Mitte"}},
        {"type": "node", "id": 3, "lat": 48.85, "lon": 2.35,
         "tags": {"amenity": "theatre", "name": "Théâtre"}},
        {"type": "node", "id": 4, "lat": 51.7, "lon": 9.3, "tags": {"amenity": "library"}},
    ])
    f, report = osm.read_overpass(path)
    messages = [p.message for p in report.problems]
    assert len(messages) == 3
    assert messages[0].startswith("OSM-Objekt node/1 „Bank am Markt“: Die Merkmale "
                                  "(amenity=bench) passen zu keiner Sparte")
    assert "way/2 „Kino ohne Mitte“: keine Koordinaten" in messages[1]
    assert "out center;" in messages[1]
    # German decimal commas, as in the facility lists (issue 8: one number formatter)
    assert "node/3 „Théâtre“: Koordinaten (Breitengrad 48,85, Längengrad 2,35) liegen " \
        "außerhalb Deutschlands" in messages[2]
    assert f.index.tolist() == ["node/4"]
    assert f.loc["node/4", "name"] == "Bibliothek ohne Namen (node/4)"


def test_invalid_json_and_other_formats(tmp_path):
    bad = tmp_path / "kaputt.json"
    bad.write_text('{"elements": [\n  {"type": "node",\n}', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"kaputt\.json, Zeile 3: Die Datei ist kein "
                       r"gültiges JSON"):
        osm.read_overpass(bad)
    other = tmp_path / "anders.json"
    other.write_text('{"hallo": 1}', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"anders\.json: Die Datei ist weder eine "
                       r"Overpass-Antwort"):
        osm.read_overpass(other)
    empty = tmp_path / "leer.json"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"leer\.json, Zeile 1: Die Datei ist leer"):
        osm.read_overpass(empty)


def test_empty_result_is_an_empty_table(tmp_path):
    f, report = osm.read_overpass(_write(tmp_path, []))
    assert len(f) == 0 and not report
    assert f.crs == CRS
    assert "category" in f.columns
