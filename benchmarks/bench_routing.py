"""Benchmark kulturplan.routing, the Zensus grid reader and kulturplan.scale.

Run from the project root::

    .venv/bin/python benchmarks/bench_routing.py           # full run (several minutes)
    .venv/bin/python benchmarks/bench_routing.py --klein   # small sizes, under a minute
    .venv/bin/python benchmarks/bench_routing.py --teile 34  # only parts 3 and 4

Parts (every measurement runs in its own subprocess; memory is the process's peak
resident set size, ``resource.getrusage(...).ru_maxrss``, which includes the inputs):

1. Network build for ``../shared/data/osm/north-bayreuth-2014.osm.pbf`` (car, bike,
   walk; without cache, then loading from the cache).
2. Origins × destinations per second on that network (car, 30 minutes).
3. Scale run: 1,000 facilities × 30 minutes on a generated road-like graph of
   1,000 × 1,000 = 1,000,000 nodes (perturbed grid, 100 m spacing, every 10th line a
   70 km/h road, every 50th a 100 km/h road, 30 km/h otherwise, 15 % of local edges
   removed, 3 % one-way), 100,000 origins. Target ≤ 300 s on one core, ≤ 2 GB peak.
4. Reading a generated 100 m-layout grid of 3,060,000 rows (in a temporary folder) with
   the region Landkreis Bayreuth (or, without ``../shared/data``, its bounding box), and
   all rows without a region. Target < 60 s and < 2 GB.
5. Dask ``LocalCluster`` (2 worker processes, 1 thread each) against the single process
   on the generated graph: identical results, both times; the same for E2SFCA on the
   travel-time table (:func:`kulturplan.scale.catchment`).
6. Catalog indicators in minutes (share within 15 minutes, E2SFCA; every Sparte) for
   Landkreis Bayreuth built with ``--osm``/``--grid`` (placeholder libraries): car times
   on the road network (network built from the file, then from the ``.npz`` cache)
   against the straight-line estimate of the same region without the OSM file.

Timings are wall-clock on this machine (shared with other work); only ratios are
comparable across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PBF = DATA / "osm" / "north-bayreuth-2014.osm.pbf"
REGISTER = DATA / "destatis" / "AuszugGV4QAktuell_2020.csv"
BOUNDARIES = DATA / "bkg-vg5000-2021" / "VG5000_GEM.shp"
SEED = 2026
MAX_MINUTES = 30.0
ZENSUS = DATA / "zensus2022" / "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv"
LIBRARIES = ROOT / "tests" / "fixtures" / "sources" / "platzhalter_bibliotheken_bayreuth.csv"
MINUTE_FAMILIES = ("anteil_15_minuten", "e2sfca_je_10000")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _de(value: float, decimals: int = 0) -> str:
    from kulturplan._format import format_number

    return format_number(value, decimals)


# -- generated inputs ---------------------------------------------------------------------------
def road_like_network(side: int, seed: int = SEED):
    """Perturbed ``side × side`` grid graph with road classes (numpy only, no Python loops)."""
    from kulturplan.routing import Network

    rng = np.random.default_rng(seed)
    n = side * side
    yy, xx = np.divmod(np.arange(n), side)
    xy = np.column_stack([xx * 100.0, yy * 100.0]) + rng.normal(0, 20, (n, 2))
    xy += (400_000.0, 5_500_000.0)
    ids = np.arange(n).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    line = np.concatenate([np.repeat(np.arange(side), side - 1),
                           np.tile(np.arange(side), side - 1)])
    speed = np.where(line % 50 == 0, 100.0, np.where(line % 10 == 0, 70.0, 30.0))
    local = speed == 30.0
    keep = ~local | (rng.random(len(u)) >= 0.15)
    oneway = local & (rng.random(len(u)) < 0.03)
    u, v, speed, oneway = u[keep], v[keep], speed[keep], oneway[keep]
    metres = np.hypot(*(xy[u] - xy[v]).T) * 1.15
    return Network.from_edges(u, v, metres / 1000 / speed * 60, xy, both_ways=~oneway)


def points_in(net, n: int, seed: int, *, nodes: bool = False):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    if nodes:
        xy = net.xy[rng.choice(net.n_nodes, n, replace=False)] + rng.normal(0, 30, (n, 2))
    else:
        lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
        xy = lo + rng.random((n, 2)) * (hi - lo)
    return gpd.GeoDataFrame(index=np.arange(n), geometry=gpd.points_from_xy(*xy.T),
                            crs="EPSG:25832")


def write_grid_100m(path: Path, n_east: int, n_north: int, seed: int = SEED) -> int:
    """A 100 m-layout Zensus grid around Bayreuth (EPSG:3035), ``n_east × n_north`` rows."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    e = 4_440_000 - 50 * n_east + 100 * np.tile(np.arange(n_east), n_north)
    n = 2_960_000 - 50 * n_north + 100 * np.repeat(np.arange(n_north), n_east)
    ids = pd.Series(n.astype(str), dtype=object)
    ids = "CRS3035RES100mN" + ids + "E" + pd.Series(e.astype(str), dtype=object)
    frame = pd.DataFrame({"GITTER_ID_100m": ids, "x_mp_100m": e + 50, "y_mp_100m": n + 50,
                          "Einwohner": rng.integers(1, 40, len(e))})
    frame.to_csv(path, sep=";", index=False)
    return len(frame)


# -- workers (in subprocesses) ----------------------------------------------------------------
def worker_network() -> dict:
    from kulturplan.routing import build_network

    out: dict = {}
    with tempfile.TemporaryDirectory() as cache:
        for mode in ("car", "bike", "walk"):
            t0 = time.perf_counter()
            net = build_network(PBF, mode, cache_dir="off")
            built = time.perf_counter() - t0
            build_network(PBF, mode, cache_dir=cache)
            t0 = time.perf_counter()
            cached = build_network(PBF, mode, cache_dir=cache)
            loaded = time.perf_counter() - t0
            assert cached.info.get("from_cache")
            out[mode] = {"build_s": built, "cache_s": loaded, "nodes": net.n_nodes,
                         "edges": net.n_edges, "main": int(net.main_component.sum())}
    out["rss_mb"] = _maxrss_mb()
    return out


def worker_od(n_origins: int, n_dest: int) -> dict:
    from kulturplan.routing import build_network, travel_times

    net = build_network(PBF, "car", cache_dir="off")
    origins = points_in(net, n_origins, 1)
    dests = points_in(net, n_dest, 2)
    travel_times(net, origins.iloc[:10], dests.iloc[:2], max_minutes=MAX_MINUTES)  # warm-up
    t0 = time.perf_counter()
    table = travel_times(net, origins, dests, max_minutes=MAX_MINUTES)
    elapsed = time.perf_counter() - t0
    return {"time_s": elapsed, "pairs": len(table), "rss_mb": _maxrss_mb()}


def worker_scale(side: int, n_fac: int, n_origins: int) -> dict:
    from kulturplan.routing import travel_times

    t0 = time.perf_counter()
    net = road_like_network(side)
    gen_s = time.perf_counter() - t0
    facilities = points_in(net, n_fac, 3, nodes=True)
    origins = points_in(net, n_origins, 4)
    rss_inputs = _maxrss_mb()
    t0 = time.perf_counter()
    table = travel_times(net, origins, facilities, max_minutes=MAX_MINUTES)
    elapsed = time.perf_counter() - t0
    return {"time_s": elapsed, "gen_s": gen_s, "nodes": net.n_nodes, "edges": net.n_edges,
            "pairs": len(table), "rss_inputs_mb": rss_inputs, "rss_mb": _maxrss_mb(),
            "reached_share": float(table.groupby("destination").size().mean() / n_origins)}


def worker_grid(path: str, with_region: bool) -> dict:
    from kulturplan.sources.zensus import read_grid

    region = None
    how = "ohne Region (alle Zeilen)"
    if with_region:
        if REGISTER.is_file() and BOUNDARIES.is_file():
            from kulturplan.sources import build_region

            region = build_region("09472", REGISTER, BOUNDARIES).region
            how = "Region Landkreis Bayreuth"
        else:  # the Kreis's bounding box in EPSG:25832
            region = None
            how = "Rechteck um den Landkreis Bayreuth"
    rss_inputs = _maxrss_mb()
    t0 = time.perf_counter()
    if with_region and region is None:
        data, report = read_grid(path, bbox=(650_000, 5_500_000, 710_000, 5_560_000))
    else:
        data, report = read_grid(path, region=region)
    elapsed = time.perf_counter() - t0
    return {"time_s": elapsed, "rows": report.rows, "cells": report.cells, "how": how,
            "rss_inputs_mb": rss_inputs, "rss_mb": _maxrss_mb(),
            "population": report.population}


def worker_write_grid(path: str, n_east: int, n_north: int) -> dict:
    t0 = time.perf_counter()
    rows = write_grid_100m(Path(path), n_east, n_north)
    return {"rows": rows, "time_s": time.perf_counter() - t0}


def worker_dask(side: int, n_fac: int, n_origins: int) -> dict:
    import pandas as pd
    from distributed import Client, LocalCluster

    from kulturplan import scale

    net = road_like_network(side)
    facilities = points_in(net, n_fac, 5, nodes=True)
    origins = points_in(net, n_origins, 6)
    t0 = time.perf_counter()
    single = scale.travel_times(net, origins, facilities, max_minutes=MAX_MINUTES)
    single_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    dist = scale.travel_times(net, origins, facilities, max_minutes=MAX_MINUTES, client=client)
    dask_s = time.perf_counter() - t0
    demand = origins.assign(population=1.0 + np.arange(len(origins)) % 50)
    t0 = time.perf_counter()
    e2_single = scale.catchment("enhanced_two_step_fca", demand, facilities, cost=single)
    e2_single_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    e2_dask = scale.catchment("enhanced_two_step_fca", demand, facilities, cost=single,
                              client=client)
    e2_dask_s = time.perf_counter() - t0
    client.close()
    cluster.close()
    try:
        pd.testing.assert_frame_equal(dist, single)
        identical = True
    except AssertionError:
        identical = False
    return {"single_s": single_s, "dask_s": dask_s, "start_s": start_s, "pairs": len(single),
            "identical": identical, "nodes": net.n_nodes, "e2_single_s": e2_single_s,
            "e2_dask_s": e2_dask_s,
            "e2_identical": bool(np.array_equal(e2_dask.to_numpy(), e2_single.to_numpy()))}


def worker_indicators(folder: str, network: bool) -> dict:
    """compute() of the minute indicators, in a fresh process (network on / off)."""
    from kulturplan import Region, indicators
    from kulturplan.io import read_region

    region = read_region(folder)
    if not network:
        region = Region(region.municipalities, facilities=region.facilities,
                        sources=[s for s in region.sources if s.get("kind") != "osm"])
    cat = indicators.catalog(region)
    ids = [i for i in cat.index if cat.at[i, "family"] in MINUTE_FAMILIES]
    t0 = time.perf_counter()
    table = indicators.compute(region, ids)
    time_s = time.perf_counter() - t0
    return {"time_s": time_s, "ids": len(ids),
            "label": str(cat.at["anteil_15_minuten__bibliothek", "label"]),
            "values": int(table.notna().sum().sum()), "rss_mb": _maxrss_mb()}


def spawn(kind: str, *args: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"Messung {kind} fehlgeschlagen (Exit-Code {proc.returncode}).")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt_mb(mb: float) -> str:
    return f"{_de(mb / 1024, 2)} GB" if mb >= 1024 else f"{_de(mb)} MB"


def ok(flag: bool) -> str:
    return "erfüllt" if flag else "NICHT erfüllt"


# -- report ---------------------------------------------------------------------------------
def report_network() -> None:
    net = spawn("netz")
    print("\nTeil 1: Straßennetz aus north-bayreuth-2014.osm.pbf (pyrosm)")
    for mode, label in (("car", "Auto"), ("bike", "Fahrrad"), ("walk", "zu Fuß")):
        m = net[mode]
        print(f"  {label:8s} Aufbau {_de(m['build_s'], 2)} s, aus dem Cache {_de(m['cache_s'], 3)}"
              f" s — {_de(m['nodes'])} Knoten, {_de(m['edges'])} gerichtete Kanten "
              f"(größte stark zusammenhängende Komponente: {_de(m['main'])} Knoten)")
    print(f"  Spitzen-RSS {fmt_mb(net['rss_mb'])}")


def report_od(n_o: int, n_d: int) -> None:
    od = spawn("od", "--a", str(n_o), "--b", str(n_d))
    rate = n_o * n_d / od["time_s"]
    print(f"\nTeil 2: Fahrzeiten Auto auf dem Netz — {_de(n_o)} Startpunkte × {_de(n_d)} Ziele, "
          f"bis {_de(MAX_MINUTES)} min")
    print(f"  {_de(od['time_s'], 2)} s, {_de(rate)} Start–Ziel-Paare je Sekunde "
          f"({_de(od['pairs'])} Paare in Reichweite), Spitzen-RSS {fmt_mb(od['rss_mb'])}")


def report_scale(side: int, n_fac: int, n_o: int) -> None:
    sc = spawn("skala", "--a", str(side), "--b", str(n_fac), "--c", str(n_o))
    print(f"\nTeil 3: Skalierung — erzeugtes Straßennetz {_de(sc['nodes'])} Knoten, "
          f"{_de(sc['edges'])} Kanten (Erzeugung {_de(sc['gen_s'], 1)} s); {_de(n_fac)} "
          f"Einrichtungen × {_de(n_o)} Startpunkte, bis {_de(MAX_MINUTES)} min, ein Prozess")
    print(f"  Zeit {_de(sc['time_s'], 1)} s (Ziel ≤ 300 s: {ok(sc['time_s'] <= 300)}), "
          f"Spitzen-RSS {fmt_mb(sc['rss_mb'])} (Ziel ≤ 2 GB: {ok(sc['rss_mb'] <= 2048)}; "
          f"davon Eingaben {fmt_mb(sc['rss_inputs_mb'])})")
    print(f"  {_de(sc['pairs'])} Paare in Reichweite; je Einrichtung im Mittel "
          f"{_de(100 * sc['reached_share'], 1)} % der Startpunkte")


def report_grid(rows_e: int, rows_n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Zensus2022_Bevoelkerungszahl_100m-Gitter.csv"
        # written in a subprocess too: Linux keeps a parent's peak RSS in its children
        made = spawn("gitter-schreiben", "--path", str(path), "--a", str(rows_e),
                     "--b", str(rows_n))
        rows, written = made["rows"], made["time_s"]
        size = path.stat().st_size / 2**20
        print(f"\nTeil 4: Zensus-Gitter 100 m (erzeugt) — {_de(rows)} Zeilen, {fmt_mb(size)} "
              f"(geschrieben in {_de(written, 1)} s)")
        for with_region in (True, False):
            g = spawn("gitter", "--path", str(path), *(["--region"] if with_region else []))
            print(f"  {g['how']}: {_de(g['time_s'], 1)} s (Ziel < 60 s: {ok(g['time_s'] < 60)}), "
                  f"Spitzen-RSS {fmt_mb(g['rss_mb'])} (Ziel < 2 GB: {ok(g['rss_mb'] < 2048)}; "
                  f"vor dem Lesen {fmt_mb(g['rss_inputs_mb'])}) — {_de(g['cells'])} Zellen "
                  f"übernommen")


def report_dask(side: int, n_fac: int, n_o: int) -> None:
    dk = spawn("dask", "--a", str(side), "--b", str(n_fac), "--c", str(n_o))
    print(f"\nTeil 5: Dask LocalCluster (2 Prozesse × 1 Thread) gegen einen Prozess — "
          f"{_de(dk['nodes'])} Knoten, {_de(n_fac)} Einrichtungen × {_de(n_o)} Startpunkte")
    print(f"  ein Prozess {_de(dk['single_s'], 1)} s, Dask {_de(dk['dask_s'], 1)} s "
          f"(+ Start des Clusters {_de(dk['start_s'], 1)} s); Ergebnisse identisch: "
          f"{'ja' if dk['identical'] else 'NEIN'} ({_de(dk['pairs'])} Paare)")
    print(f"  E2SFCA auf dieser Fahrzeittabelle (scale.catchment): ein Prozess "
          f"{_de(dk['e2_single_s'], 2)} s, Dask {_de(dk['e2_dask_s'], 2)} s; bitgleich: "
          f"{'ja' if dk['e2_identical'] else 'NEIN'}")
    print("  (Die Maschine hat 2 Kerne und wird geteilt: der Gewinn durch Dask ist hier klein; "
          "er wächst mit Kernen und Rechnern.)")


def report_indicators() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, cache = Path(tmp) / "bayreuth", Path(tmp) / "cache"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KULTURPLAN_CACHE_DIR": str(cache)}
        subprocess.run(
            [sys.executable, "-m", "kulturplan.cli", "build-region", "--ags", "09472",
             "--register", str(REGISTER), "--boundaries", str(BOUNDARIES), "--osm", str(PBF),
             "--grid", str(ZENSUS), "--facilities", str(LIBRARIES), "--out", str(folder)],
            cwd=ROOT, capture_output=True, text=True, check=True, env=env)
        for path in (cache / "routing").glob("*.npz"):
            path.unlink()  # the first network run builds from the .osm.pbf
        os.environ["KULTURPLAN_CACHE_DIR"] = str(cache)
        line = spawn("indikatoren", "--path", str(folder))
        cold = spawn("indikatoren", "--path", str(folder), "--region")
        warm = spawn("indikatoren", "--path", str(folder), "--region")
    print(f"\nTeil 6: Indikatoren in Minuten ({_de(line['ids'])} Kennzahlen, alle Sparten) — "
          "Landkreis Bayreuth mit OSM-Auszug und Zensus-Gitter, je ein frischer Prozess")
    print(f"  Luftlinien-Schätzung {_de(line['time_s'], 2)} s („{line['label']}“)")
    print(f"  Straßennetz, Netz aus der OSM-Datei {_de(cold['time_s'], 2)} s "
          f"({_de(cold['time_s'] / line['time_s'], 1)} × Schätzung), aus dem Cache "
          f"{_de(warm['time_s'], 2)} s ({_de(warm['time_s'] / line['time_s'], 1)} × Schätzung;"
          f" „{warm['label']}“), Spitzen-RSS {fmt_mb(warm['rss_mb'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klein", action="store_true", help="kleine Größen (unter 1 Minute)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    for name in ("--a", "--b", "--c"):
        parser.add_argument(name, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--region", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--teile", default="123456",
                        help="nur diese Teile messen, z. B. --teile 34 (Standard: alle)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.worker:
        workers = {
            "netz": lambda: worker_network(),
            "od": lambda: worker_od(args.a, args.b),
            "skala": lambda: worker_scale(args.a, args.b, args.c),
            "gitter": lambda: worker_grid(args.path, args.region),
            "gitter-schreiben": lambda: worker_write_grid(args.path, args.a, args.b),
            "dask": lambda: worker_dask(args.a, args.b, args.c),
            "indikatoren": lambda: worker_indicators(args.path, args.region),
        }
        print(json.dumps(workers[args.worker]()))
        return 0

    print(f"kulturplan.routing — {os.cpu_count()} CPU-Kerne, Python {sys.version.split()[0]}"
          + (" (--klein)" if args.klein else ""))
    parts = set(args.teile)
    if PBF.is_file():
        if "1" in parts:
            report_network()
        if "2" in parts:
            report_od(*((500, 50) if args.klein else (2000, 100)))
    elif parts & {"1", "2"}:
        print(f"\nTeile 1 und 2 übersprungen: {PBF} fehlt.")
    if "3" in parts:
        report_scale(*((300, 100, 20_000) if args.klein else (1000, 1000, 100_000)))
    if "4" in parts:
        report_grid(*((600, 500) if args.klein else (1800, 1700)))
    if "5" in parts:
        report_dask(*((300, 40, 20_000) if args.klein else (1000, 200, 100_000)))
    if "6" in parts:
        if all(p.is_file() for p in (PBF, ZENSUS, REGISTER, BOUNDARIES)):
            report_indicators()
        else:
            print("\nTeil 6 übersprungen: Dateien unter ../shared/data fehlen.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
