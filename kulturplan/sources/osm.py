"""Cultural facilities from OpenStreetMap: Overpass API JSON and GeoJSON exports.

Objects are mapped to catalog categories through the ``osm`` tags of
``kulturplan/catalog/categories.yaml`` (e.g. ``amenity=library`` → ``bibliothek``;
an entry ``office=association;association=heritage`` needs both tags). The OSM
id (``node/123``, ``way/45``, ``relation/6``) is kept as ``facility_id`` and
``osm_id``. Data © OpenStreetMap contributors, ODbL 1.0.

Overpass queries should end with ``out center;`` so that ways and relations come
with a centre point; GeoJSON exports (overpass turbo, QGIS) may hold points or
polygons (their inner representative point is used).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan.errors import InputFileError, Problem, ValidationError
from kulturplan.region import CRS
from kulturplan.sources._cells import in_germany, parse_number
from kulturplan.sources._files import decode, display_name, read_bytes

ATTRIBUTION = "© OpenStreetMap contributors"
"""Attribution required by the ODbL."""


def tag_rules() -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """``(category id, ((key, value), …))`` from the catalog, most specific first."""
    rules = []
    for cid, row in catalog.categories().iterrows():
        for spec in row.get("osm") or []:
            pairs = tuple(
                tuple(part.split("=", 1)) for part in str(spec).split(";") if "=" in part
            )
            rules.append((str(cid), pairs))
    rules.sort(key=lambda r: -len(r[1]))
    return rules  # type: ignore[return-value]


def category_of(tags: dict[str, Any], rules: list[Any] | None = None) -> str | None:
    """Catalog category of an OSM object's tags (``None`` if no rule matches)."""
    rules = rules if rules is not None else tag_rules()
    for cid, pairs in rules:
        if all(str(tags.get(k, "")) == v for k, v in pairs):
            return cid
    return None


def _wheelchair(value: Any) -> Any:
    text = str(value or "").strip().lower()
    if text == "yes":
        return True
    if text in {"no", "limited"}:
        return False
    return pd.NA


def _int_or_nan(value: Any) -> float:
    try:
        number = parse_number(value, integer=True)
    except ValueError:
        return np.nan
    return number


def _load(path: Path) -> Any:
    name = display_name(path)
    data = read_bytes(path)
    text, _ = decode(data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{name}, Zeile {exc.lineno}: Die Datei ist kein gültiges JSON ({exc.msg}). "
            "Erwartet wird eine Overpass-Antwort ([out:json]) oder GeoJSON."
        ) from None


def _records(doc: Any, name: str) -> tuple[list[dict[str, Any]], list[Problem], int]:
    """Flatten Overpass elements or GeoJSON features to records with id, tags, lon, lat."""
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    skipped = 0
    if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
        for k, el in enumerate(doc["elements"]):
            if not isinstance(el, dict):
                problems.append(Problem(name, f"Element Nr. {k + 1} ist kein Objekt.",
                                        column="elements"))
                continue
            tags = el.get("tags") if isinstance(el.get("tags"), dict) else {}
            osm_id = f"{el.get('type', '?')}/{el.get('id', '?')}"
            if not tags:
                skipped += 1  # geometry-only member nodes (out skel)
                continue
            lon = lat = None
            if el.get("type") == "node":
                lon, lat = el.get("lon"), el.get("lat")
            elif isinstance(el.get("center"), dict):
                lon, lat = el["center"].get("lon"), el["center"].get("lat")
            elif isinstance(el.get("geometry"), list) and el["geometry"]:
                pts = [(g.get("lon"), g.get("lat")) for g in el["geometry"] if isinstance(g, dict)]
                pts = [p for p in pts if isinstance(p[0], (int, float))
                       and isinstance(p[1], (int, float))]
                if pts:
                    lon = float(np.mean([p[0] for p in pts]))
                    lat = float(np.mean([p[1] for p in pts]))
            elif isinstance(el.get("bounds"), dict):
                b = el["bounds"]
                try:
                    lon = (float(b["minlon"]) + float(b["maxlon"])) / 2
                    lat = (float(b["minlat"]) + float(b["maxlat"])) / 2
                except (KeyError, TypeError, ValueError):
                    pass
            records.append({"osm_id": osm_id, "tags": tags, "lon": lon, "lat": lat,
                            "geom": None})
        return records, problems, skipped
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        for k, feat in enumerate(doc.get("features") or []):
            if not isinstance(feat, dict):
                continue
            props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
            tags = props.get("tags") if isinstance(props.get("tags"), dict) else {
                key: v for key, v in props.items() if not str(key).startswith("@")
            }
            osm_id = str(props.get("@id") or feat.get("id") or props.get("id") or "")
            if osm_id and "/" not in osm_id and props.get("type"):
                osm_id = f"{props['type']}/{osm_id}"
            osm_id = osm_id or f"feature/{k + 1}"
            geom = None
            try:
                if feat.get("geometry"):
                    geom = shapely.geometry.shape(feat["geometry"])
            except Exception:
                geom = None
            records.append({"osm_id": osm_id, "tags": tags, "lon": None, "lat": None,
                            "geom": geom})
        return records, problems, skipped
    raise InputFileError(
        f"{name}: Die Datei ist weder eine Overpass-Antwort (mit „elements“) noch GeoJSON "
        "(„FeatureCollection“)."
    )


def read_overpass(path: str | Path, *, problems: list[Problem] | None = None) -> gpd.GeoDataFrame:
    """Read cultural facilities from an Overpass JSON or GeoJSON export.

    Parameters
    ----------
    path
        Overpass API answer (``[out:json]``, nodes and ways/relations with
        ``center``) or a GeoJSON FeatureCollection.
    problems
        If given, objects that cannot be used (no catalog category, no
        coordinates, outside Germany) are left out and reported here; if
        ``None``, they raise one :class:`~kulturplan.errors.ValidationError`.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``facility_id`` (= ``osm_id``, e.g. ``node/123``); columns ``name``,
        ``category``, ``osm_id``, ``street``, ``postcode``, ``city``, ``capacity``,
        ``operator``, ``barrier_free`` (from ``wheelchair``), ``source``,
        ``geometry`` (points, EPSG:25832).
    """
    p = Path(path)
    name = display_name(p)
    records, found, skipped = _records(_load(p), name)
    rules = tag_rules()
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for rec in records:
        tags = rec["tags"]
        oid = rec["osm_id"]
        cid = category_of(tags, rules)
        label = tags.get("name")
        shown = f"OSM-Objekt {oid}" + (f" „{label}“" if label else "")
        if cid is None:
            keys = ", ".join(f"{k}={v}" for k, v in list(tags.items())[:4] if k != "name")
            found.append(
                Problem(
                    name,
                    f"{shown}: Die Merkmale ({keys}) passen zu keiner Sparte des Katalogs; "
                    "das Objekt wird nicht übernommen.",
                    column="tags",
                )
            )
            continue
        if rec["geom"] is not None:
            geom = rec["geom"]
            if geom.is_empty:
                point = None
            elif geom.geom_type == "Point":
                point = geom
            else:
                point = geom.representative_point()
            lon, lat = (point.x, point.y) if point is not None else (None, None)
        else:
            lon, lat = rec["lon"], rec["lat"]
        try:
            lon_f, lat_f = float(lon), float(lat)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            found.append(
                Problem(
                    name,
                    f"{shown}: keine Koordinaten (bei Wegen und Relationen die Overpass-Abfrage "
                    "mit „out center;“ wiederholen); das Objekt wird nicht übernommen.",
                    column="center",
                )
            )
            continue
        if not in_germany(np.array([lon_f]), np.array([lat_f]))[0]:
            found.append(
                Problem(
                    name,
                    f"{shown}: Koordinaten ({lat_f:g}, {lon_f:g}) liegen außerhalb Deutschlands; "
                    "das Objekt wird nicht übernommen.",
                    column="lat/lon",
                )
            )
            continue
        street = " ".join(
            str(x) for x in (tags.get("addr:street"), tags.get("addr:housenumber")) if x
        )
        rows.append(
            {
                "facility_id": oid,
                "name": str(label) if label else
                f"{catalog.category_label(cid)} ohne Namen ({oid})",
                "category": cid,
                "osm_id": oid,
                "street": street or None,
                "postcode": tags.get("addr:postcode"),
                "city": tags.get("addr:city"),
                "capacity": _int_or_nan(tags.get("capacity")),
                "operator": tags.get("operator"),
                "barrier_free": _wheelchair(tags.get("wheelchair")),
                "source": name,
            }
        )
        geoms.append(shapely.Point(lon_f, lat_f))
    if problems is None:
        if found:
            raise ValidationError(found, title=f"{name}: OpenStreetMap-Daten mit Problemen")
    else:
        problems.extend(found)
        if skipped:
            problems.append(
                Problem(name, f"{skipped} Elemente ohne Merkmale (Wegpunkte von Flächen) "
                        "übersprungen.")
            )
    columns = ["facility_id", "name", "category", "osm_id", "street", "postcode", "city",
               "capacity", "operator", "barrier_free", "source"]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {c: object for c in columns if c not in ("capacity", "barrier_free")}
    )
    frame["capacity"] = pd.to_numeric(frame["capacity"], errors="coerce").astype(float)
    frame["barrier_free"] = pd.array(list(frame["barrier_free"]), dtype="boolean")
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326").to_numpy()
                           if geoms else gpd.GeoSeries([], crs="EPSG:4326").to_numpy(),
                           crs="EPSG:4326").to_crs(CRS)
    dup = gdf["facility_id"].duplicated()
    if dup.any():
        gdf = gdf[~dup]
    return gdf.set_index("facility_id")
