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
from kulturplan._format import format_decimal, format_number
from kulturplan.errors import InputFileError, Problem
from kulturplan.region import CRS, is_personal_column
from kulturplan.sources._cells import in_germany, parse_number
from kulturplan.sources._files import decode, display_name, read_bytes
from kulturplan.sources._report import ReadResult, RowProblems

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


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _element_position(el: dict[str, Any]) -> tuple[float | None, float | None]:
    """``(lon, lat)`` of an Overpass element: node position, ``center``, geometry or bounds."""
    if el.get("type") == "node":
        return el.get("lon"), el.get("lat")
    if isinstance(el.get("center"), dict):
        return el["center"].get("lon"), el["center"].get("lat")
    if isinstance(el.get("geometry"), list) and el["geometry"]:
        pts = [(_number(g.get("lon")), _number(g.get("lat")))
               for g in el["geometry"] if isinstance(g, dict)]
        pts = [p for p in pts if p[0] is not None and p[1] is not None]
        if pts:
            return float(np.mean([p[0] for p in pts])), float(np.mean([p[1] for p in pts]))
        return None, None
    b = el.get("bounds")
    if isinstance(b, dict):
        try:
            return ((float(b["minlon"]) + float(b["maxlon"])) / 2,
                    (float(b["minlat"]) + float(b["maxlat"])) / 2)
        except (KeyError, TypeError, ValueError):
            return None, None
    return None, None


def _overpass_records(
    elements: list[Any], name: str
) -> tuple[list[dict[str, Any]], list[Problem], int]:
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    skipped = 0
    for k, el in enumerate(elements):
        if not isinstance(el, dict):
            problems.append(Problem(name, f"Element Nr. {k + 1} ist kein Objekt.",
                                    column="elements"))
            continue
        tags = el.get("tags") if isinstance(el.get("tags"), dict) else {}
        if not tags:
            skipped += 1  # geometry-only member nodes (out skel)
            continue
        lon, lat = _element_position(el)
        records.append({"osm_id": f"{el.get('type', '?')}/{el.get('id', '?')}", "tags": tags,
                        "lon": lon, "lat": lat, "geom": None})
    return records, problems, skipped


def _feature_geometry(feat: dict[str, Any]) -> Any:
    """The feature's shapely geometry; ``None`` if missing or unreadable (then reported)."""
    if not feat.get("geometry"):
        return None
    try:
        return shapely.geometry.shape(feat["geometry"])
    except (AttributeError, KeyError, TypeError, ValueError, IndexError,
            shapely.errors.GEOSException):
        return None


def _feature_records(features: list[Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for k, feat in enumerate(features):
        if not isinstance(feat, dict):
            continue
        raw = feat.get("properties")
        props: dict[str, Any] = raw if isinstance(raw, dict) else {}
        tags = props.get("tags") if isinstance(props.get("tags"), dict) else {
            key: v for key, v in props.items() if not str(key).startswith("@")
        }
        osm_id = str(props.get("@id") or feat.get("id") or props.get("id") or "")
        if osm_id and "/" not in osm_id and props.get("type"):
            osm_id = f"{props['type']}/{osm_id}"
        records.append({"osm_id": osm_id or f"feature/{k + 1}", "tags": tags, "lon": None,
                        "lat": None, "geom": _feature_geometry(feat)})
    return records


def _records(doc: Any, name: str) -> tuple[list[dict[str, Any]], list[Problem], int]:
    """Flatten Overpass elements or GeoJSON features to records with id, tags, lon, lat."""
    if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
        return _overpass_records(doc["elements"], name)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return _feature_records(doc.get("features") or []), [], 0
    raise InputFileError(
        f"{name}: Die Datei ist weder eine Overpass-Antwort (mit „elements“) noch GeoJSON "
        "(„FeatureCollection“)."
    )


def _position(rec: dict[str, Any]) -> tuple[float, float] | None:
    """``(lon, lat)`` of a record as floats, or ``None`` without usable coordinates."""
    geom = rec["geom"]
    if geom is not None:
        if geom.is_empty:
            return None
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        return float(point.x), float(point.y)
    try:
        return float(rec["lon"]), float(rec["lat"])
    except (TypeError, ValueError):
        return None


def _row(rec: dict[str, Any], cid: str, label: Any, name: str) -> dict[str, Any]:
    """The facility record of an OSM object of category ``cid``."""
    tags = rec["tags"]
    oid = rec["osm_id"]
    street = " ".join(
        str(x) for x in (tags.get("addr:street"), tags.get("addr:housenumber")) if x
    )
    return {
        "facility_id": oid,
        "name": str(label) if label else f"{catalog.category_label(cid)} ohne Namen ({oid})",
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


def _facility(
    rec: dict[str, Any], k: int, rules: list[Any], found: RowProblems
) -> tuple[dict[str, Any], Any] | None:
    """``(record, point)`` of one OSM object, or ``None`` (and a problem) if it is unusable."""
    tags = rec["tags"]
    cid = category_of(tags, rules)
    label = tags.get("name")
    shown = f"OSM-Objekt {rec['osm_id']}" + (f" „{label}“" if label else "")
    if cid is None:
        public = {key: v for key, v in tags.items() if not is_personal_column(key)}
        keys = ", ".join(f"{k}={v}" for k, v in list(public.items())[:4] if k != "name")
        found.add(k, f"{shown}: Die Merkmale ({keys}) passen zu keiner Sparte des Katalogs; "
                  "das Objekt wird nicht übernommen.", "tags")
        return None
    position = _position(rec)
    if position is None:
        found.add(k, f"{shown}: keine Koordinaten (bei Wegen und Relationen die Overpass-"
                  "Abfrage mit „out center;“ wiederholen); das Objekt wird nicht übernommen.",
                  "center")
        return None
    lon, lat = position
    if not in_germany(np.array([lon]), np.array([lat]))[0]:
        found.add(k, f"{shown}: Koordinaten (Breitengrad {format_decimal(lat)}, Längengrad "
                  f"{format_decimal(lon)}) liegen außerhalb Deutschlands; das Objekt wird "
                  "nicht übernommen.", "lat/lon")
        return None
    return _row(rec, cid, label, found.source), shapely.Point(lon, lat)


_OSM_COLUMNS = ["facility_id", "name", "category", "osm_id", "street", "postcode", "city",
                "capacity", "operator", "barrier_free", "source"]


def _assemble(rows: list[dict[str, Any]], points: list[Any]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=_OSM_COLUMNS).astype(
        {c: object for c in _OSM_COLUMNS if c not in ("capacity", "barrier_free")}
    )
    frame["capacity"] = pd.to_numeric(frame["capacity"], errors="coerce").astype(float)
    frame["barrier_free"] = pd.array(list(frame["barrier_free"]), dtype="boolean")
    geometry = gpd.GeoSeries(points, crs="EPSG:4326").to_numpy()
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326").to_crs(CRS)
    gdf = gdf[~gdf["facility_id"].duplicated()]
    return gdf.set_index("facility_id")


def read_overpass(path: str | Path) -> ReadResult:
    """Read cultural facilities from an Overpass JSON or GeoJSON export.

    Parameters
    ----------
    path
        Overpass API answer (``[out:json]``, nodes and ways/relations with
        ``center``) or a GeoJSON FeatureCollection.

    Returns
    -------
    ReadResult
        ``facilities, report``. ``facilities``: index ``facility_id`` (= ``osm_id``, e.g.
        ``node/123``); columns ``name``, ``category``, ``osm_id``, ``street``,
        ``postcode``, ``city``, ``capacity``, ``operator``, ``barrier_free`` (from
        ``wheelchair``), ``source``, ``geometry`` (points, EPSG:25832). ``report``: the
        objects left out (no catalog category, no coordinates, outside Germany) and how
        many tag-less elements were skipped.
    """
    p = Path(path)
    name = display_name(p)
    records, first, skipped = _records(_load(p), name)
    found = RowProblems(name, None, n=len(records))
    found.problems.extend(first)
    rules = tag_rules()
    usable = [
        hit for k, rec in enumerate(records)
        if (hit := _facility(rec, k, rules, found)) is not None
    ]
    if skipped:
        found.note(f"{format_number(skipped)} Elemente ohne Merkmale (Wegpunkte von Flächen) "
                   "übersprungen.")
    gdf = _assemble([row for row, _ in usable], [pt for _, pt in usable])
    return ReadResult(gdf, found.report(summary=False))
