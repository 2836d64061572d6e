"""Road networks from OpenStreetMap as sparse matrices of travel minutes.

:func:`build_network` reads an ``.osm.pbf`` file with **pyrosm** (never its download
functions) and turns the drivable, cyclable or walkable ways into a directed graph: a
:class:`scipy.sparse.csr_matrix` whose entry ``[i, j]`` is the travel time in minutes
from node ``i`` to node ``j``. Node coordinates are in EPSG:25832 (metres).

Travel time of an edge
----------------------
``minutes = length_m / 1000 / speed_kmh * 60`` with the edge length in metres from
pyrosm's ``length`` column (computed by pyrosm on the sphere; never a geometry length
in degrees) and the speed

* ``mode="car"``: a tagged numeric ``maxspeed`` (km/h, or ``… mph``) × 0.8 where
  present (OSRM's ``speed_reduction``); otherwise the highway class's speed in
  :data:`CAR_SPEEDS_KMH`, the defaults of OSRM's car profile (``profiles/car.lua``);
* ``mode="bike"``: :data:`BIKE_SPEED_KMH` (15 km/h) on every way of pyrosm's
  ``cycling`` network;
* ``mode="walk"``: :data:`WALK_SPEED_KMH` (5 km/h) on pyrosm's ``walking`` network.

``speeds=`` overrides entries of the table (``{"residential": 30}``) or, for bike and
walk, the single speed (``{"default": 18}``).

============== ========== ======================================================
highway        car km/h   note
============== ========== ======================================================
motorway       90         implied one-way (also without ``oneway=yes``)
motorway_link  45
trunk          85
trunk_link     40
primary        65
primary_link   30
secondary      55
secondary_link 25
tertiary       40
tertiary_link  20
unclassified   25
residential    25
living_street  10
service        15
road           25         not in OSRM's table; kulturplan uses the unclassified speed
(other)        25         ``"default"`` entry
============== ========== ======================================================

One-way streets
---------------
``oneway=yes/true/1`` allows travel along the way's direction only, ``oneway=-1`` /
``reverse`` against it; ``junction=roundabout``/``circular`` and (car) ``highway=motorway``
are one-way unless tagged ``oneway=no``. Cyclists may ride against the one-way direction
where ``oneway:bicycle=no`` or ``cycleway=opposite…`` is tagged. Walking ignores one-way
tags. Parallel edges
(two ways between the same nodes) keep the minimum time.

Cache
-----
A built network is stored as ``.npz`` in the cache folder (``$KULTURPLAN_CACHE_DIR``,
default ``~/.cache/kulturplan``; ``off`` switches it off), never next to the input file,
keyed by the SHA-256 of the file, the mode and the speed table.

References
----------
Project OSRM, car profile ``profiles/car.lua`` (speeds per highway class,
``speed_reduction = 0.8``), https://github.com/Project-OSRM/osrm-backend.
Tenkanen, H. *pyrosm: OpenStreetMap PBF data parser for Python*, https://pyrosm.github.io.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import sparse
from scipy.sparse import csgraph

from kulturplan._paths import write_atomic
from kulturplan.errors import InputFileError, ParameterError

CRS = "EPSG:25832"

CAR_SPEEDS_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 25.0,
    "default": 25.0,
}
"""Car speeds per ``highway`` class in km/h (OSRM car profile defaults; see module doc)."""

MAXSPEED_FACTOR = 0.8
"""Share of a tagged ``maxspeed`` actually driven (OSRM car profile ``speed_reduction``)."""

BIKE_SPEED_KMH = 15.0
"""Cycling speed on every way of the cycling network, km/h."""

WALK_SPEED_KMH = 5.0
"""Walking speed, km/h (also used for the way from a point to the network)."""

MIN_EDGE_MINUTES = 1e-6
"""Floor of an edge's time: sparse graphs cannot hold a zero-time edge (0.06 ms)."""

_PYROSM_NETWORK = {"car": "driving", "bike": "cycling", "walk": "walking"}
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_NO = {"no", "false", "0"}
_CACHE_VERSION = "2"  # raise when the way a network is built changes


def speed_table(mode: str, speeds: Mapping[str, float] | None = None) -> dict[str, float]:
    """The speed table (km/h) of ``mode`` with the user's ``speeds`` applied.

    For bike and walk the table has the single entry ``"default"``.
    """
    if mode not in _PYROSM_NETWORK:
        raise ParameterError(
            f"mode={mode!r} ist unbekannt; erlaubt sind „car“ (Auto), „bike“ (Fahrrad) "
            "und „walk“ (zu Fuß)."
        )
    if mode == "car":
        table = dict(CAR_SPEEDS_KMH)
    else:
        table = {"default": BIKE_SPEED_KMH if mode == "bike" else WALK_SPEED_KMH}
    for key, value in (speeds or {}).items():
        if mode != "car" and key != "default":
            raise ParameterError(
                f"Für mode={mode!r} gibt es nur eine Geschwindigkeit („default“), "
                f"nicht „{key}“."
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not (np.isfinite(number) and number > 0):
            raise ParameterError(
                f"Geschwindigkeit für „{key}“ muss eine positive Zahl (km/h) sein, "
                f"erhalten: {value!r}."
            )
        table[str(key)] = number
    return table


def parse_maxspeed(values: pd.Series) -> np.ndarray:
    """Numeric ``maxspeed`` in km/h (``"50"``, ``"30 mph"``); ``nan`` for anything else.

    ``none``, ``signals``, ``DE:urban`` or several values (``"50;30"``) give ``nan``
    (then the highway class's speed is used).
    """
    text = values.astype("string").str.strip().str.lower()
    found = text.str.extract(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?$")
    number = pd.to_numeric(found[0], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    mph = (found[1] == "mph").fillna(False).to_numpy(dtype=bool)
    number[mph] *= 1.609344
    number[number <= 0] = np.nan
    return number


def contraflow_cycling(tags: pd.Series) -> np.ndarray:
    """Ways whose one-way rule does not apply to bicycles.

    ``oneway:bicycle=no`` or ``cycleway=opposite`` / ``opposite_lane`` / ``opposite_track``
    in pyrosm's ``tags`` column (JSON text of the tags without a column of their own).
    """
    text = tags.astype("string").fillna("")
    candidates = np.flatnonzero(text.str.contains("oneway:bicycle|opposite", regex=True)
                                .to_numpy(dtype=bool))
    out = np.zeros(len(tags), bool)
    for pos in candidates:  # few ways: parse only those
        try:
            found = json.loads(text.iloc[pos])
        except ValueError:
            continue
        if not isinstance(found, dict):
            continue
        out[pos] = (str(found.get("oneway:bicycle", "")).lower() == "no"
                    or str(found.get("cycleway", "")).lower().startswith("opposite"))
    return out


def edge_directions(
    oneway: pd.Series, junction: pd.Series, highway: pd.Series, mode: str,
    contraflow: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(forward, backward)`` flags per way segment from its one-way tags (see module doc).

    ``contraflow`` (bike only) marks ways open to cyclists in both directions
    (:func:`contraflow_cycling`).
    """
    n = len(oneway)
    if mode == "walk":
        return np.ones(n, bool), np.ones(n, bool)
    ow = oneway.astype("string").str.strip().str.lower().fillna("")
    jn = junction.astype("string").str.strip().str.lower().fillna("")
    hw = highway.astype("string").fillna("")
    implied = jn.isin(["roundabout", "circular"])
    if mode == "car":
        implied |= hw == "motorway"
    fwd_only = (ow.isin(_ONEWAY_FORWARD) | (implied & ~ow.isin(_ONEWAY_NO | _ONEWAY_BACKWARD)))
    back_only = ow.isin(_ONEWAY_BACKWARD)
    forward = ~back_only.to_numpy(dtype=bool)
    backward = ~fwd_only.to_numpy(dtype=bool)
    if mode == "bike" and contraflow is not None:
        forward |= contraflow
        backward |= contraflow
    return forward, backward


@dataclass(frozen=True, eq=False)
class Network:
    """A directed road network: CSR matrix of travel minutes and node coordinates.

    Attributes
    ----------
    graph
        ``graph[i, j]`` = minutes from node ``i`` to node ``j`` (one-ways respected,
        parallel edges reduced to the minimum).
    xy
        Node coordinates ``(n, 2)`` in EPSG:25832 (metres).
    node_ids
        OSM node ids (or ``0 … n-1`` for a network built from arrays).
    mode
        ``"car"``, ``"bike"`` or ``"walk"``.
    source
        File name the network was built from (``""`` for arrays).
    info
        Build facts for reports (ways, dropped edges, speed table, cache use).
    """

    graph: sparse.csr_matrix
    xy: np.ndarray
    node_ids: np.ndarray
    mode: str = "car"
    source: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_edges(
        cls,
        u: Any,
        v: Any,
        minutes: Any,
        xy: Any,
        *,
        both_ways: Any = False,
        node_ids: Any = None,
        mode: str = "car",
        source: str = "",
    ) -> Network:
        """Network from edge arrays: ``u → v`` in ``minutes`` (positions into ``xy``).

        ``both_ways`` (bool or per-edge array) adds the reverse edge ``v → u``.
        Parallel edges keep the minimum; self-loops are dropped; times are floored at
        :data:`MIN_EDGE_MINUTES`.
        """
        xy = np.ascontiguousarray(np.asarray(xy, dtype=float).reshape(-1, 2))
        n = len(xy)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        minutes = np.asarray(minutes, dtype=float)
        if not (len(u) == len(v) == len(minutes)):
            raise ParameterError("u, v und minutes müssen gleich lang sein.")
        if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            raise ParameterError(f"Knotennummern müssen zwischen 0 und {n - 1} liegen.")
        if len(minutes) and not (np.isfinite(minutes).all() and (minutes >= 0).all()):
            raise ParameterError("Fahrzeiten müssen endliche Zahlen ≥ 0 sein.")
        both = np.broadcast_to(np.asarray(both_ways, dtype=bool), u.shape)
        src = np.concatenate([u, v[both]])
        dst = np.concatenate([v, u[both]])
        w = np.maximum(np.concatenate([minutes, minutes[both]]), MIN_EDGE_MINUTES)
        keep = src != dst
        src, dst, w = src[keep], dst[keep], w[keep]
        # parallel edges: sort by (src, dst, time) and keep the first of each pair
        order = np.lexsort((w, dst, src))
        src, dst, w = src[order], dst[order], w[order]
        first = np.ones(len(src), bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        graph = sparse.csr_matrix((w[first], (src[first], dst[first])), shape=(n, n))
        graph.sort_indices()
        ids = np.arange(n, dtype=np.int64) if node_ids is None else np.asarray(node_ids, np.int64)
        return cls(graph, xy, ids, mode=mode, source=source,
                   info={"parallel_edges_merged": int((~first).sum())})

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.graph.nnz)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the nodes in EPSG:25832 (e.g. for ``read_grid``)."""
        xmin, ymin = self.xy.min(axis=0)
        xmax, ymax = self.xy.max(axis=0)
        return float(xmin), float(ymin), float(xmax), float(ymax)

    @cached_property
    def reversed(self) -> sparse.csr_matrix:
        """The transposed graph: a search from a destination on it gives times *to* it."""
        rev = self.graph.T.tocsr()
        rev.sort_indices()
        return rev

    @cached_property
    def main_component(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest strongly connected component.

        Points are snapped only to these nodes, so that no point lands on a piece of
        road cut off by the file's edge or by one-way streets.
        """
        if self.n_nodes == 0:
            return np.zeros(0, bool)
        _, labels = csgraph.connected_components(self.graph, directed=True, connection="strong")
        return labels == np.bincount(labels).argmax()

    def __repr__(self) -> str:
        return (f"Network(mode={self.mode!r}, nodes={self.n_nodes}, edges={self.n_edges}, "
                f"source={self.source!r})")


# -- building from a pbf file -------------------------------------------------------------------
def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _edge_minutes(edges: pd.DataFrame, mode: str, table: Mapping[str, float]) -> np.ndarray:
    length = pd.to_numeric(edges["length"], errors="coerce").to_numpy(dtype=float)
    highway = _column(edges, "highway").astype("string").fillna("")
    speed = highway.map(lambda h: table.get(h, table["default"])).to_numpy(dtype=float)
    if mode == "car":
        tagged = parse_maxspeed(_column(edges, "maxspeed")) * MAXSPEED_FACTOR
        speed = np.where(np.isfinite(tagged), tagged, speed)
    return length / 1000.0 / speed * 60.0


def _network_from_frames(
    nodes: pd.DataFrame, edges: pd.DataFrame, mode: str, table: Mapping[str, float], name: str
) -> Network:
    node_ids = nodes["id"].to_numpy(dtype=np.int64)
    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_utm.transform(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))
    index = pd.Index(node_ids)
    u = index.get_indexer(edges["u"].to_numpy(dtype=np.int64))
    v = index.get_indexer(edges["v"].to_numpy(dtype=np.int64))
    minutes = _edge_minutes(edges, mode, table)
    contraflow = contraflow_cycling(_column(edges, "tags")) if mode == "bike" else None
    forward, backward = edge_directions(
        _column(edges, "oneway"), _column(edges, "junction"), _column(edges, "highway"), mode,
        contraflow,
    )
    usable = (u >= 0) & (v >= 0) & np.isfinite(minutes)
    src = np.concatenate([u[usable & forward], v[usable & backward]])
    dst = np.concatenate([v[usable & forward], u[usable & backward]])
    w = np.concatenate([minutes[usable & forward], minutes[usable & backward]])
    net = Network.from_edges(src, dst, w, np.column_stack([x, y]), node_ids=node_ids,
                             mode=mode, source=name)
    net.info.update(segments=len(edges), segments_unusable=int((~usable).sum()),
                    oneway_segments=int((forward ^ backward).sum()), speeds=dict(table))
    return net


def _read_pbf(path: Path, mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pyrosm  # imported here: only needed for building, not for cached networks
    from pyrosm.exceptions import PBFException

    try:
        osm = pyrosm.OSM(str(path))
        nodes, edges = osm.get_network(
            network_type=_PYROSM_NETWORK[mode], nodes=True, extra_attributes=["junction"]
        )
    except (OSError, ValueError, KeyError, RuntimeError, PBFException):
        raise InputFileError(
            f"{path.name}: Die OSM-Datei kann nicht gelesen werden; erwartet wird "
            "eine .osm.pbf-Datei, z. B. ein Auszug der Geofabrik."
        ) from None
    if edges is None or nodes is None or len(edges) == 0:
        raise InputFileError(
            f"{path.name}: Die OSM-Datei enthält kein Straßennetz für mode={mode!r}."
        )
    return nodes, edges


# -- cache ------------------------------------------------------------------------------------
def _default_cache_dir() -> Path | None:
    from kulturplan._paths import cache_dir

    return cache_dir()


def _resolve_cache_dir(cache_dir: str | Path | None) -> Path | None:
    if cache_dir is None:
        return _default_cache_dir()
    if str(cache_dir).strip().lower() in {"0", "off", "false", "no"}:
        return None
    return Path(cache_dir).expanduser()


def file_hash(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_file(folder: Path, digest: str, mode: str, table: Mapping[str, float]) -> Path:
    key = json.dumps({"v": _CACHE_VERSION, "mode": mode, "speeds": sorted(table.items()),
                      "factor": MAXSPEED_FACTOR}, sort_keys=True)
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    return folder / "routing" / f"{digest[:24]}-{mode}-{tag}.npz"


def _save(net: Network, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    g = net.graph
    write_atomic(target, lambda handle: np.savez(
        handle, indptr=g.indptr, indices=g.indices, data=g.data, xy=net.xy,
        node_ids=net.node_ids, info=np.array(json.dumps(net.info))), private=True)


def _load(target: Path, mode: str, name: str) -> Network | None:
    try:
        with np.load(target, allow_pickle=False) as z:
            n = len(z["xy"])
            graph = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
            info = json.loads(str(z["info"]))
            return Network(graph, z["xy"], z["node_ids"], mode=mode, source=name,
                           info={**info, "from_cache": True})
    except (OSError, ValueError, KeyError):  # a broken cache file is rebuilt
        return None


def build_network(
    pbf_path: str | Path,
    mode: str = "car",
    *,
    speeds: Mapping[str, float] | None = None,
    cache_dir: str | Path | None = None,
) -> Network:
    """Road network of an ``.osm.pbf`` file for ``mode`` (see the module documentation).

    Parameters
    ----------
    pbf_path
        OpenStreetMap extract (``.osm.pbf``); read with pyrosm, never downloaded.
    mode
        ``"car"``, ``"bike"`` or ``"walk"``.
    speeds
        Overrides of the speed table in km/h (:func:`speed_table`).
    cache_dir
        Cache folder; default ``$KULTURPLAN_CACHE_DIR`` or ``~/.cache/kulturplan``,
        ``"off"`` switches the cache off. The input's folder is never written to.

    Returns
    -------
    Network
    """
    table = speed_table(mode, speeds)
    path = Path(pbf_path)
    if not path.is_file():
        raise InputFileError(f"{path.name}: Die OSM-Datei wurde nicht gefunden ({path}).")
    folder = _resolve_cache_dir(cache_dir)
    target = None
    if folder is not None:
        target = _cache_file(folder, file_hash(path), mode, table)
        if target.is_file():
            cached = _load(target, mode, path.name)
            if cached is not None:
                return cached
    nodes, edges = _read_pbf(path, mode)
    net = _network_from_frames(nodes, edges, mode, table, path.name)
    if target is not None:
        try:
            _save(net, target)
        except OSError:  # an unwritable cache folder only costs time
            pass
        else:
            net.info["cache_file"] = str(target)
    return net
