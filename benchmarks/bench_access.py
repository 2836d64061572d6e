"""Benchmark kulturplan.access against PySAL access, and a scale run.

Run from the project root::

    .venv/bin/python benchmarks/bench_access.py           # full run (about a minute)
    .venv/bin/python benchmarks/bench_access.py --quick   # smaller scale run, no tracemalloc

Part 1 (needs ``../shared/data``): demand = all municipalities of the Destatis register
(centre coordinates, population; 3 records without coordinates left out), supply =
2,000 of them drawn with a fixed seed (capacity 1–5), catchment 30 km. Times
kulturplan's ``two_step_fca`` end to end (GeoDataFrames in, Series out) against PySAL
access end to end (``Access(...)``, its own ``create_euclidean_distance`` and
``two_stage_fca``) and compares the results (also E2SFCA and gravity on the same
inputs, untimed).

Part 2: 1,000,000 demand points × 10,000 facilities with a 20 km catchment, 2SFCA.
Demand points are drawn around the register's municipality centres in proportion to
population (2 km gaussian jitter), facilities around uniformly drawn municipality
centres (0.5 km jitter) — a Germany-like density. Without the register, points are
drawn uniformly over a 640 km × 870 km box (similar pair counts).

Every measurement runs in its own subprocess. Memory is reported honestly as the
process's peak resident set size (``resource.getrusage(...).ru_maxrss``), also as the
increase over the RSS after loading the inputs, and (full run) as the peak of Python
and NumPy allocations during the measured call (``tracemalloc``; misses memory
allocated inside C++ extensions such as KD-trees, so RSS is the number to trust).
Timings are wall-clock on this machine; only ratios are comparable across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "../shared/data/destatis/AuszugGV4QAktuell_2020.csv"
SEED = 2020
N_SUPPLY = 2000
MAX_KM = 30.0
SCALE_KM = 20.0


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


# -- inputs -----------------------------------------------------------------------------------
def register_inputs():
    """Register municipalities as demand and a seeded sample of 2,000 as supply."""
    import geopandas as gpd
    import pandas as pd

    from kulturplan.sources.destatis import read_register

    muni = read_register(REGISTER).municipalities
    muni = muni[muni["lon"].notna() & muni["lat"].notna()]
    demand = gpd.GeoDataFrame(
        {"population": muni["population"].to_numpy(float)},
        index=pd.Index(muni.index, name="ags"),
        geometry=gpd.points_from_xy(muni["lon"], muni["lat"]),
        crs="EPSG:4326",
    ).to_crs("EPSG:25832")
    rng = np.random.default_rng(SEED)
    supply = demand.iloc[np.sort(rng.choice(len(demand), N_SUPPLY, replace=False))][["geometry"]]
    supply = supply.set_axis(pd.Index([f"s{i:04d}" for i in range(N_SUPPLY)], name="fid"))
    supply["cap"] = rng.integers(1, 6, N_SUPPLY).astype(float)
    return demand, supply


def scale_inputs(n_demand: int, n_supply: int):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(SEED)
    if REGISTER.exists():
        demand, _ = register_inputs()
        xy = shapely.get_coordinates(demand.geometry.values)
        pop = demand["population"].to_numpy(float)
        d_xy = xy[rng.choice(len(xy), n_demand, p=pop / pop.sum())]
        d_xy = d_xy + rng.normal(0, 2000, (n_demand, 2))
        s_xy = xy[rng.choice(len(xy), n_supply)] + rng.normal(0, 500, (n_supply, 2))
        how = "um die Gemeindezentren des Registers (Nachfrage ∝ Einwohner)"
    else:
        lo, hi = (280_000, 5_235_000), (920_000, 6_105_000)
        d_xy = rng.uniform(lo, hi, (n_demand, 2))
        s_xy = rng.uniform(lo, hi, (n_supply, 2))
        how = "gleichverteilt (Registerdaten fehlen)"
    demand = gpd.GeoDataFrame(
        {"population": rng.integers(1, 200, n_demand).astype(float)},
        geometry=gpd.points_from_xy(d_xy[:, 0], d_xy[:, 1]),
        crs="EPSG:25832",
    )
    supply = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(s_xy[:, 0], s_xy[:, 1]), crs="EPSG:25832"
    )
    return demand, supply, how


# -- workers (run in subprocesses) --------------------------------------------------------------
def _traced(call):
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def worker_kulturplan(out: Path, trace: bool) -> dict:
    from kulturplan import access

    demand, supply = register_inputs()
    rss_inputs = _maxrss_mb()

    def run():
        return access.two_step_fca(demand, supply, MAX_KM, supply_col="cap")

    if trace:
        return {"trace_mb": _traced(run)}
    t0 = time.perf_counter()
    result = run()
    first = time.perf_counter() - t0
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    e2 = access.enhanced_two_step_fca(demand, supply, max_cost=MAX_KM, supply_col="cap")
    grav = access.gravity(demand, supply, 1.0, MAX_KM, min_cost=1.0, supply_col="cap")
    np.savez(out, index=result.index.to_numpy(dtype=str), fca=result.to_numpy(),
             e2sfca=e2.to_numpy(), gravity=grav.to_numpy())
    return {
        "first_s": first,
        "median_s": statistics.median(times),
        "rss_inputs_mb": rss_inputs,
        "rss_peak_mb": _maxrss_mb(),
        "pairs": result.attrs["report"].n_pairs,
        "n_demand": len(demand),
    }


def worker_pysal(out: Path, trace: bool) -> dict:
    import logging
    import warnings

    from access import Access, weights

    from kulturplan.access import E2SFCA_STEPS

    warnings.simplefilter("ignore")
    logging.getLogger("access").setLevel(logging.WARNING)
    demand, supply = register_inputs()
    rss_inputs = _maxrss_mb()
    max_m = MAX_KM * 1000

    def run():
        acc = Access(demand_df=demand, demand_index=True, demand_value="population",
                     supply_df=supply, supply_index=True, supply_value="cap")
        # PySAL keeps distances < threshold, the measure then cost <= max_cost
        acc.create_euclidean_distance(threshold=max_m * 1.01)
        return acc, acc.two_stage_fca(max_cost=max_m)["2sfca_cap"]

    if trace:
        return {"trace_mb": _traced(run)}
    t0 = time.perf_counter()
    acc, result = run()
    elapsed = time.perf_counter() - t0
    rss_peak = _maxrss_mb()
    steps = {k * 1000: v for k, v in E2SFCA_STEPS.items()}
    e2 = acc.enhanced_two_stage_fca(max_cost=max_m, weight_fn=weights.step_fn(steps))
    grav = acc.weighted_catchment(
        max_cost=max_m, weight_fn=weights.gravity(scale=1000, alpha=-1.0, min_dist=1000)
    )
    index = demand.index
    np.savez(
        out,
        index=index.to_numpy(dtype=str),
        fca=result.reindex(index).fillna(0.0).to_numpy(),  # PySAL: NaN = nothing in reach
        e2sfca=e2["e2sfca_cap"].reindex(index).fillna(0.0).to_numpy(),
        gravity=grav["catchment_cap"].reindex(index).fillna(0.0).to_numpy(),
    )
    return {"time_s": elapsed, "rss_inputs_mb": rss_inputs, "rss_peak_mb": rss_peak,
            "cost_rows": len(acc.cost_df)}


def worker_scale(out: Path, trace: bool, n_demand: int, n_supply: int) -> dict:
    from kulturplan import access

    demand, supply, how = scale_inputs(n_demand, n_supply)
    rss_inputs = _maxrss_mb()
    t0 = time.perf_counter()
    result = access.two_step_fca(demand, supply, SCALE_KM)
    elapsed = time.perf_counter() - t0
    rss_peak = _maxrss_mb()
    t0 = time.perf_counter()
    access.nearest(demand, supply)
    t_nearest = time.perf_counter() - t0
    t0 = time.perf_counter()
    access.coverage(demand, supply, SCALE_KM)
    t_cov = time.perf_counter() - t0
    return {"time_s": elapsed, "rss_inputs_mb": rss_inputs, "rss_peak_mb": rss_peak,
            "rss_peak_all_mb": _maxrss_mb(), "pairs": result.attrs["report"].n_pairs,
            "nearest_s": t_nearest, "coverage_s": t_cov, "how": how}


def spawn(kind: str, out: Path, *args: str) -> tuple[dict, float]:
    """Run one worker in a fresh interpreter; return its JSON and RUSAGE_CHILDREN max."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--out", str(out),
           *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"Worker {kind} fehlgeschlagen (Exit-Code {proc.returncode}).")
    return json.loads(proc.stdout.strip().splitlines()[-1]), _maxrss_mb(resource.RUSAGE_CHILDREN)


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    denom = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(np.abs(a - b), denom, out=np.zeros_like(a), where=denom > 0)
    return float(rel.max())


def fmt_mb(mb: float) -> str:
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="scale run with 100,000 × 1,000 points, no tracemalloc runs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=1_000_000, help=argparse.SUPPRESS)
    parser.add_argument("--m", type=int, default=10_000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.worker:
        out = Path(args.out)
        if args.worker == "kulturplan":
            info = worker_kulturplan(out, args.trace)
        elif args.worker == "pysal":
            info = worker_pysal(out, args.trace)
        else:
            info = worker_scale(out, args.trace, args.n, args.m)
        print(json.dumps(info))
        return 0

    print(f"kulturplan.access vs. PySAL access — {os.cpu_count()} CPU-Kerne, Python "
          f"{sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        if REGISTER.exists():
            kp, _ = spawn("kulturplan", tmpdir / "kp.npz")
            ps, _ = spawn("pysal", tmpdir / "ps.npz")
            ours, ref = np.load(tmpdir / "kp.npz"), np.load(tmpdir / "ps.npz")
            if not (ours["index"] == ref["index"]).all():
                raise SystemExit("Indizes stimmen nicht überein.")
            diffs = {k: max_rel_diff(ours[k], ref[k]) for k in ("fca", "e2sfca", "gravity")}
            trace_kp = trace_ps = None
            if not args.quick:
                trace_kp = spawn("kulturplan", tmpdir / "x.npz", "--trace")[0]["trace_mb"]
                trace_ps = spawn("pysal", tmpdir / "y.npz", "--trace")[0]["trace_mb"]
            ratio = ps["time_s"] / kp["median_s"]
            print()
            print(f"Teil 1: Register — {kp['n_demand']:,} Gemeinden (Nachfrage) × {N_SUPPLY:,} "
                  f"Einrichtungen (Stichprobe, Seed {SEED}), Einzugsbereich {MAX_KM:.0f} km, 2SFCA")
            print(f"  Paare in Reichweite: {kp['pairs']:,} (PySAL-Kostentabelle: "
                  f"{ps['cost_rows']:,} Zeilen)")
            print(f"  kulturplan:   {kp['median_s'] * 1000:8.1f} ms (Median aus 5; erster Lauf "
                  f"{kp['first_s'] * 1000:.1f} ms)   Spitzen-RSS {fmt_mb(kp['rss_peak_mb'])} "
                  f"(+{fmt_mb(kp['rss_peak_mb'] - kp['rss_inputs_mb'])} über Eingaben)"
                  + (f"   tracemalloc-Spitze {fmt_mb(trace_kp)}" if trace_kp else ""))
            print(f"  PySAL access: {ps['time_s'] * 1000:8.1f} ms (Access + "
                  f"create_euclidean_distance + two_stage_fca)   Spitzen-RSS "
                  f"{fmt_mb(ps['rss_peak_mb'])} (+{fmt_mb(ps['rss_peak_mb'] - ps['rss_inputs_mb'])}"
                  f" über Eingaben)"
                  + (f"   tracemalloc-Spitze {fmt_mb(trace_ps)}" if trace_ps else ""))
            print(f"  Verhältnis PySAL / kulturplan: {ratio:.0f}×   (Ziel ≥ 50: "
                  f"{'erfüllt' if ratio >= 50 else 'NICHT erfüllt'})")
            print(f"  max. relative Abweichung: 2SFCA {diffs['fca']:.1e}, E2SFCA "
                  f"{diffs['e2sfca']:.1e}, Gravitation {diffs['gravity']:.1e}   (Ziel ≤ 1e-9: "
                  f"{'erfüllt' if max(diffs.values()) <= 1e-9 else 'NICHT erfüllt'})")
        else:
            print(f"\nTeil 1 übersprungen: {REGISTER} fehlt (../shared/data nicht vorhanden).")

        n, m = (100_000, 1_000) if args.quick else (args.n, args.m)
        sc, children_peak = spawn("scale", tmpdir / "s.npz", "--n", str(n), "--m", str(m))
        print()
        print(f"Teil 2: Skalierung — {n:,} Nachfragepunkte × {m:,} Einrichtungen, "
              f"{SCALE_KM:.0f} km, 2SFCA ({sc['how']})")
        print(f"  Paare in Reichweite: {sc['pairs']:,}")
        ok_t = sc["time_s"] < 20
        ok_m = sc["rss_peak_mb"] < 4096
        print(f"  Zeit: {sc['time_s']:.1f} s "
              f"(Ziel < 20 s: {'erfüllt' if ok_t else 'NICHT erfüllt'})"
              f"   Spitzen-RSS: {fmt_mb(sc['rss_peak_mb'])} (Ziel < 4 GB: "
              f"{'erfüllt' if ok_m else 'NICHT erfüllt'}; davon Eingaben "
              f"{fmt_mb(sc['rss_inputs_mb'])})")
        print(f"  außerdem: nächste Einrichtung {sc['nearest_s']:.1f} s, Abdeckung "
              f"{sc['coverage_s']:.1f} s; Spitzen-RSS aller Kindprozesse "
              f"(RUSAGE_CHILDREN) {fmt_mb(children_peak)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
