"""Benchmark of kulturplan.cooperation: places like mine and duplicated offers.

Run from the project root::

    .venv/bin/python benchmarks/bench_cooperation.py           # full size
    .venv/bin/python benchmarks/bench_cooperation.py --quick   # 10,000 events

1. **Similarity for all German municipalities**: the real Destatis register
   (``../shared/data/destatis``, about 11,000 municipalities) with the indicators that
   exist for all of them (inhabitants and density, logarithmised; share of women; area;
   settlement type), 15 neighbours each (CIPFA) with reasons. Reference in the same run:
   ``scipy.spatial.cKDTree.query`` of the 16 nearest points on the same scaled profiles
   (no missing-value handling, no rescaling, no reasons); the neighbour sets are compared.
   Target: under 5 s.
2. **Duplicate detection over 50,000 events** (fictional: 400 places on 100 × 100 km,
   one year, 11 Sparten × 6 target groups, titles from templates with variants).
   Reference in the same run: the candidate pairs by exhaustive comparison of every pair
   within each Sparte and target group (numpy, in blocks); the pairs must be the same.
   Target: under 10 s.

Timings are wall-clock on this machine (median of 3 runs) together with this process's
CPU time: on a shared, loaded machine the wall clock can be several times the CPU time.
Only ratios are comparable across machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kulturplan._format import format_number as fmt  # noqa: E402
from kulturplan.cooperation import find_duplicates, similar_municipalities  # noqa: E402
from kulturplan.cooperation._events import event_days, near_pairs  # noqa: E402
from kulturplan.cooperation.similar import robust_scale  # noqa: E402

REGISTER = ROOT.parent / "shared" / "data" / "destatis" / "AuszugGV4QAktuell_2020.csv"
K = 15


CPU: dict[str, float] = {}


def _median_time(fn, runs: int = 3, name: str = "") -> tuple[float, object]:
    """Median wall-clock time (and, in :data:`CPU`, median CPU time of this process)."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times), result


def german_profiles() -> pd.DataFrame:
    from kulturplan.sources.destatis import read_register

    m = read_register(REGISTER).municipalities
    pop = m["population"].astype(float)
    area = m["area_km2"].astype(float)
    return pd.DataFrame({
        "log_population": np.log10(pop.clip(lower=1)),
        "log_density": np.log10((pop / area.where(area > 0)).clip(lower=0.01)),
        "share_female": m["female"] / pop.where(pop > 0),
        "log_area": np.log10(area.clip(lower=0.01)),
        "urban_degree": pd.to_numeric(m["urban_degree"], errors="coerce"),
    }, index=m.index)


def bench_similarity() -> None:
    if not REGISTER.exists():
        print(f"Ähnlichkeit: übersprungen, {REGISTER} fehlt")
        return
    table = german_profiles()
    t_ours, out = _median_time(lambda: similar_municipalities(table, k=K), name="sim")
    z = robust_scale(table).to_numpy()
    complete = np.isfinite(z).all(axis=1)

    def reference():
        return cKDTree(z[complete]).query(z[complete], k=K + 1)

    t_ref, (dist, idx) = _median_time(reference)
    ags = table.index.to_numpy()[complete]
    ours = out.groupby("ags")["neighbour"].apply(set)
    agree = np.mean([
        len(ours.get(a, set()) & set(ags[row[1:]])) / K for a, row in zip(ags, idx, strict=True)
    ])
    print(f"Ähnlichkeit: {fmt(len(table))} Gemeinden, {table.shape[1]} Indikatoren, "
          f"{K} Nachbarn je Gemeinde mit Begründung")
    print(f"  kulturplan similar_municipalities: {t_ours:.2f} s "
          f"({'unter' if t_ours < 5 else 'ÜBER'} 5 s; Rechenzeit des Prozesses "
          f"{CPU['sim']:.2f} s)")
    print(f"  Referenz cKDTree.query (ohne Fehlwerte, ohne Skalierung, ohne Begründung): "
          f"{t_ref:.2f} s; Verhältnis {t_ours / t_ref:.1f}")
    print(f"  gleiche Nachbarn wie die Referenz: {100 * agree:.2f} % "
          "(Unterschiede nur bei gleichen Abständen)")


TITLES = ("Konzert", "Lesung", "Workshop", "Ausstellung", "Filmabend", "Theaterabend",
          "Vortrag", "Kinderkino", "Seniorennachmittag", "Flohmarkt", "Repair-Café",
          "Chorkonzert", "Märchenstunde", "Führung", "Kreativwerkstatt")


def fictional_events(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    places = rng.uniform(0, 100_000, (400, 2))
    place_names = [f"Ort {k}" for k in range(400)]
    where = rng.integers(0, 400, n)
    xy = places[where] + rng.normal(0, 300, (n, 2))
    title = rng.choice(TITLES, n)
    variant = rng.choice(["", " für Kinder", " am Abend", " im Park", "!"], n)
    start = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 365, n), unit="D")
    return pd.DataFrame({
        "title": [f"{t}{v} – {place_names[w]}" for t, v, w in zip(title, variant, where,
                                                               strict=True)],
        "category": rng.choice([f"sparte{k}" for k in range(11)], n),
        "target_group": rng.choice(["kinder", "jugendliche", "familien", "erwachsene",
                                    "senioren", "alle"], n),
        "start": start, "x": xy[:, 0], "y": xy[:, 1],
        "org_id": [f"V{k}" for k in rng.integers(0, 3000, n)],
    }, index=pd.Index([f"E{k:06d}" for k in range(n)], name="event_id"))


def brute_candidates(events: pd.DataFrame, max_km: float, max_days: float) -> set:
    days = event_days(events["start"])
    x, y = events["x"].to_numpy(), events["y"].to_numpy()
    key = (events["category"] + "|" + events["target_group"]).to_numpy()
    found = set()
    for g in np.unique(key):
        pos = np.flatnonzero(key == g)
        for start in range(0, len(pos), 2000):
            a = pos[start:start + 2000]
            km = np.hypot(x[a][:, None] - x[pos][None, :], y[a][:, None] - y[pos][None, :])
            ok = (km <= max_km * 1000) & (np.abs(days[a][:, None] - days[pos][None, :])
                                          <= max_days)
            i, j = np.nonzero(ok)
            i, j = a[i], pos[j]
            keep = i < j
            found.update(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    return found


def bench_duplicates(n: int) -> None:
    events = fictional_events(n)
    t_ours, out = _median_time(lambda: find_duplicates(events), name="dup")
    t_ref, ref = _median_time(lambda: brute_candidates(events, 15.0, 3.0), runs=1)
    days = event_days(events["start"])
    codes = pd.factorize(events["category"] + "|" + events["target_group"])[0]
    pairs = near_pairs(events["x"].to_numpy(), events["y"].to_numpy(), days, groups=codes,
                       max_km=15.0, max_days=3.0)
    same = set(zip(pairs.i.tolist(), pairs.j.tolist(), strict=True)) == ref
    print(f"Doppelte Angebote: {fmt(n)} Veranstaltungen, {fmt(len(ref))} Kandidatenpaare "
          f"(gleiche Sparte und Zielgruppe, ≤ 15 km, ≤ 3 Tage), {fmt(len(out))} Hinweise")
    print(f"  kulturplan find_duplicates (mit Titelvergleich und Begründung): {t_ours:.2f} s "
          f"({'unter' if t_ours < 10 else 'ÜBER'} 10 s; Rechenzeit {CPU['dup']:.2f} s)")
    print(f"  Referenz: alle Paare je Sparte und Zielgruppe vergleichen (nur Kandidaten, ohne "
          f"Titel): {t_ref:.2f} s; Verhältnis {t_ours / t_ref:.2f}")
    print(f"  Kandidatenpaare gleich der Referenz: {'ja' if same else 'NEIN'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10.000 statt 50.000 Ereignisse")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Rechner: {os.cpu_count()} Kerne, Last (1 min) {load:.1f}; Zeiten = Median aus 3 "
          "Läufen (Wanduhr), dazu die Rechenzeit dieses Prozesses")
    bench_similarity()
    bench_duplicates(10_000 if args.quick else 50_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
