"""kulturplan.sources.osm_pbf: POIs and catalog facilities from the real .osm.pbf extract."""

from __future__ import annotations

from pathlib import Path

import pytest

from kulturplan.errors import InputFileError
from kulturplan.sources.osm_pbf import _tags_of, read_facilities, read_pois

ROOT = Path(__file__).resolve().parents[1]
PBF = ROOT.parent / "shared" / "data" / "osm" / "north-bayreuth-2014.osm.pbf"
needs_pbf = pytest.mark.skipif(not PBF.is_file(), reason="../shared/data/osm fehlt")


@needs_pbf
@pytest.mark.realdata
def test_townhalls_of_the_extract() -> None:
    pois = read_pois(PBF, {"amenity": ["townhall"]})
    assert pois.index.tolist() == ["node/358872697", "node/2100576898", "way/200070326"]
    assert pois["name"].tolist() == ["Rathaus", "Gemeindeverwaltung Harsdorf",
                                     "Gemeindeverwaltung Harsdorf"]
    assert (pois["amenity"] == "townhall").all()
    assert pois.crs == "EPSG:25832" and (pois.geom_type == "Point").all()
    # the way (a building) becomes a point inside it, a few metres from the node
    assert pois.geometry.iloc[1].distance(pois.geometry.iloc[2]) < 20
    assert pois["tags"].iloc[0]["amenity"] == "townhall"


@needs_pbf
@pytest.mark.realdata
def test_extract_has_no_catalog_facility_and_nothing_found_is_empty() -> None:
    facilities = read_facilities(PBF)
    assert len(facilities) == 0
    assert list(facilities.columns) == ["name", "category", "osm_id", "geometry"]
    assert len(read_pois(PBF, {"amenity": ["library"]})) == 0


def test_tags_from_columns_and_json() -> None:
    import pandas as pd

    row = pd.Series({"amenity": "library",
                     "tags": '{"name:de": "Bücherei", "opening_hours": "Mo"}'})
    assert _tags_of(row, ["amenity"]) == {"name:de": "Bücherei", "opening_hours": "Mo",
                                          "amenity": "library"}
    assert _tags_of(pd.Series({"amenity": None, "tags": "{kaputt"}), ["amenity"]) == {}


def test_missing_file() -> None:
    with pytest.raises(InputFileError, match="nicht gefunden"):
        read_pois(ROOT / "fehlt.osm.pbf", {"amenity": True})


def test_catalog_categories_from_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd

    from kulturplan.sources import osm_pbf

    fake = gpd.GeoDataFrame(
        {"name": ["Bücherei", "Heimatverein", "Bank"],
         "tags": [{"amenity": "library"}, {"office": "association", "association": "heritage"},
                  {"amenity": "bench"}]},
        geometry=gpd.points_from_xy([1, 2, 3], [1, 2, 3]), crs="EPSG:25832",
        index=["node/1", "way/2", "node/3"],
    )
    asked = {}
    monkeypatch.setattr(osm_pbf, "read_pois", lambda path, tags: asked.update(tags) or fake)
    facilities = read_facilities("egal.osm.pbf")
    assert facilities.index.tolist() == ["node/1", "way/2"]
    assert facilities["category"].tolist() == ["bibliothek", "heimatverein_archiv"]
    assert "library" in asked["amenity"] and "museum" in asked["tourism"]
