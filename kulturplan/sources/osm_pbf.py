"""Points of interest from an OpenStreetMap ``.osm.pbf`` file (read with pyrosm).

:func:`read_pois` returns the objects with the given tags as points in EPSG:25832
(ways and relations by an inner representative point); :func:`read_facilities` maps
them to catalog categories through the ``osm`` tags of
``kulturplan/catalog/categories.yaml``, as :func:`kulturplan.sources.osm.read_overpass`
does for Overpass exports. pyrosm's download functions are never used. Data ©
OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan.errors import InputFileError
from kulturplan.sources.osm import category_of, tag_rules

CRS = "EPSG:25832"
ATTRIBUTION = "© OpenStreetMap contributors"


def _empty() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"name": pd.Series(dtype=object)},
                             geometry=gpd.GeoSeries([], crs=CRS))
    frame.index.name = "osm_id"
    return frame


def _tags_of(row: pd.Series, keys: Sequence[str]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    raw = row.get("tags")
    if isinstance(raw, str) and raw:
        with contextlib.suppress(ValueError):  # a broken tag string only loses its tags
            tags.update(json.loads(raw))
    for key in keys:
        value = row.get(key)
        if isinstance(value, str) and value:
            tags[key] = value
    return tags


def read_pois(pbf_path: str | Path, tags: Mapping[str, Sequence[str] | bool]) -> gpd.GeoDataFrame:
    """OSM objects with any of ``tags`` (``{"amenity": ["library"], "tourism": True}``).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``osm_id`` (``node/123``, ``way/45``), columns ``name``, the tag keys asked
        for, ``tags`` (all tags as a dict) and point geometries in EPSG:25832; empty when
        the file has no such object.
    """
    import pyrosm

    path = Path(pbf_path)
    if not path.is_file():
        raise InputFileError(f"{path.name}: Die OSM-Datei wurde nicht gefunden ({path}).")
    with warnings.catch_warnings():  # pyrosm warns when nothing is found
        warnings.simplefilter("ignore", UserWarning)
        pois = pyrosm.OSM(str(path)).get_pois(
            custom_filter={k: (True if isinstance(v, bool) else list(v)) for k, v in tags.items()})
    if pois is None or len(pois) == 0:
        return _empty()
    keys = list(tags)
    geoms = pois.geometry.values
    points = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    osm_type = pois.get("osm_type", pd.Series("node", index=pois.index)).astype(str)
    out = gpd.GeoDataFrame(
        {
            "name": pois.get("name", pd.Series(None, index=pois.index, dtype=object)),
            **{k: pois.get(k, pd.Series(None, index=pois.index, dtype=object)) for k in keys},
            "tags": [_tags_of(r, keys) for _, r in pois.iterrows()],
        },
        geometry=gpd.GeoSeries(points, crs="EPSG:4326", index=pois.index),
    ).to_crs(CRS)
    out.index = pd.Index(osm_type + "/" + pois["id"].astype(str), name="osm_id")
    return out


def read_facilities(pbf_path: str | Path) -> gpd.GeoDataFrame:
    """Cultural facilities of the catalog categories in an ``.osm.pbf`` file.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``facility_id`` (the OSM id), columns ``name``, ``category``, ``osm_id``,
        geometry in EPSG:25832 (the :class:`~kulturplan.Region` facility layout); empty
        when the file holds none.
    """
    rules = tag_rules()
    wanted: dict[str, list[str]] = {}
    for _, pairs in rules:
        key, value = pairs[0]
        wanted.setdefault(key, []).append(value)
    pois = read_pois(pbf_path, wanted)
    category = [category_of(t, rules) for t in pois["tags"]] if len(pois) else []
    out = gpd.GeoDataFrame(
        {"name": pois["name"].to_numpy(), "category": category,
         "osm_id": pois.index.to_numpy()},
        geometry=pois.geometry.to_numpy(), crs=CRS,
        index=pd.Index(pois.index.to_numpy(), name="facility_id"),
    )
    return out[out["category"].notna()]
