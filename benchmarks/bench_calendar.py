"""Benchmark the calendar (import + collisions) and the exact Shapley value.

Run from the project root::

    .venv/bin/python benchmarks/bench_calendar.py           # 50,000 events, 20 members
    .venv/bin/python benchmarks/bench_calendar.py --quick   # 10,000 events, 16 members

Calendar: one iCalendar file with 1,000 weekly series (50 dates each, floating times with
X-WR-TIMEZONE, GEO at 300 venues on 60 × 60 km), read with
``sources.ical.read_events`` (expansion by recurring-ical-events) into 50,000 events;
then ``cooperation.event_collisions`` with the weekend window (15 km, same Sparte and
target group). Reference in the same run: all pairs compared by brute force (numpy,
in blocks) on a 5,000-event subset, against ``event_collisions`` on the same subset —
the result must be identical, the ratio is printed.

Shapley: a shared-facility cost game of 20 members (``2^20`` coalitions), exact by
bitmask enumeration. Reference in the same run: the textbook formula in a Python loop
over coalitions for 12 members, against the vectorised version for 12 members.

Timings are wall-clock on this machine (median of 3 runs for the short steps); only the
ratios are comparable across machines. Targets: 50,000 events with collisions under 10 s,
Shapley for 20 members under 10 s.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kulturplan._format import format_number as fmt  # noqa: E402
from kulturplan.cooperation import calendar, costs  # noqa: E402
from kulturplan.sources import ical  # noqa: E402

SEED = 14
TITLES = ("Chorprobe", "Lesekreis", "Theatergruppe", "Malkurs für Kinder", "Filmabend",
          "Orchesterprobe", "Seniorentanz", "Vortrag", "Kinderwerkstatt", "Heimatabend")


def write_feed(path: Path, n_series: int, dates: int = 50) -> None:
    """``n_series`` weekly series of ``dates`` dates at 300 venues (GEO), one file."""
    rng = np.random.default_rng(SEED)
    lat = 51.5 + rng.uniform(-0.27, 0.27, 300)
    lon = 9.3 + rng.uniform(-0.43, 0.43, 300)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//DE",
             "X-WR-TIMEZONE:Europe/Berlin"]
    first = pd.Timestamp("2025-01-06")
    for k in range(n_series):
        start = first + pd.Timedelta(days=int(rng.integers(0, 7)),
                                     hours=int(rng.integers(9, 21)))
        venue = int(rng.integers(300))
        lines += ["BEGIN:VEVENT", f"UID:serie-{k}@bench", f"DTSTART:{start:%Y%m%dT%H%M%S}",
                  f"DTEND:{start + pd.Timedelta(hours=2):%Y%m%dT%H%M%S}",
                  f"RRULE:FREQ=WEEKLY;COUNT={dates}",
                  f"SUMMARY:{TITLES[int(rng.integers(len(TITLES)))]}",
                  f"GEO:{lat[venue]:.5f};{lon[venue]:.5f}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def brute_force(events: pd.DataFrame, window: str, radius_km: float) -> set[frozenset]:
    """All pairs compared (numpy, blocks of 500 rows): the reference result."""
    places = calendar.event_places(events)
    x, y = places["x"].to_numpy(), places["y"].to_numpy()
    lo, hi = calendar._window(*calendar._intervals(events, 2.0), window)
    cat = events["category"].to_numpy(dtype=object)
    grp = events["target_group"].fillna("alle").to_numpy(dtype=object)
    uid = events["uid"].to_numpy(dtype=object)
    ids = events.index.to_numpy()
    out: set[frozenset] = set()
    for s in range(0, len(events), 500):
        i = np.arange(s, min(s + 500, len(events)))[:, None]
        j = np.arange(len(events))[None, :]
        hit = ((lo[i] < hi[j]) & (lo[j] < hi[i]) & (j > i)
               & (np.hypot(x[i] - x[j], y[i] - y[j]) <= radius_km * 1000)
               & (cat[i] == cat[j]) & pd.notna(cat[i]) & (uid[i] != uid[j])
               & ((grp[i] == grp[j]) | (grp[i] == "alle") | (grp[j] == "alle")))
        a, b = np.nonzero(hit)
        out |= {frozenset((ids[s + p], ids[q])) for p, q in zip(a, b, strict=True)}
    return out


def shapley_loop(c: np.ndarray) -> np.ndarray:
    """The textbook formula, one coalition at a time (Python loops): the reference."""
    n = int(round(math.log2(len(c))))
    phi = np.zeros(n)
    for i in range(n):
        for mask in range(1 << n):
            if mask >> i & 1:
                continue
            s = bin(mask).count("1")
            w = math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            phi[i] += w * (c[mask | 1 << i] - c[mask])
    return phi


def bench_calendar(n_series: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kreiskalender.ics"
        write_feed(path, n_series)
        t0 = time.perf_counter()
        events, _ = ical.read_events(path, window=("2025-01-01", "2026-01-01"))
        t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    found = calendar.event_collisions(events, window="weekend")
    t_coll = time.perf_counter() - t0
    total = t_read + t_coll
    print(f"Kalender: {fmt(n_series)} Wochenserien → {fmt(len(events))} Termine")
    print(f"  einlesen und Serien auflösen: {fmt(t_read, 2)} s")
    print(f"  Überschneidungen (Wochenende, 15 km): {fmt(t_coll, 2)} s, "
          f"{fmt(len(found))} Paare")
    print(f"  zusammen {fmt(total, 2)} s — Ziel < 10 s: {'erreicht' if total < 10 else 'VERFEHLT'}")
    sub = events.sample(n=min(5_000, len(events)), random_state=SEED).sort_values("start")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ours = calendar.event_collisions(sub, window="weekend")
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ref = brute_force(sub, "weekend", 15.0)
    t_ref = time.perf_counter() - t0
    same = {frozenset(p) for p in zip(ours["event_a"], ours["event_b"], strict=True)} == ref
    t_ours = statistics.median(times)
    print(f"  Referenz alle Paare ({fmt(len(sub))} Termine): {fmt(t_ref, 2)} s, "
          f"event_collisions {fmt(t_ours, 3)} s — Verhältnis {fmt(t_ref / t_ours, 0)}×, "
          f"gleiche Paare: {'ja' if same else 'NEIN'} ({fmt(len(ref))})")


def bench_shapley(n: int) -> None:
    rng = np.random.default_rng(SEED)
    hours = pd.Series(rng.uniform(200, 4_000, n))
    t0 = time.perf_counter()
    c = costs.shared_facility_game(hours, fixed=240_000, per_unit=52, exponent=0.95,
                                   per_member=18_000)
    t_game = time.perf_counter() - t0
    t0 = time.perf_counter()
    phi = costs.shapley(c)
    t_phi = time.perf_counter() - t0
    print(f"Shapley exakt, {n} Mitglieder ({fmt(1 << n)} Koalitionen): Kostenvektor "
          f"{fmt(t_game, 2)} s, Shapley {fmt(t_phi, 2)} s — Ziel < 10 s: "
          f"{'erreicht' if t_game + t_phi < 10 else 'VERFEHLT'}; Summe = c(N): "
          f"{'ja' if abs(phi.sum() - c[-1]) < 1e-6 * c[-1] else 'NEIN'}")
    small = costs.shared_facility_game(hours.iloc[:12], fixed=240_000, per_unit=52,
                                       exponent=0.95, per_member=18_000)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        fast = costs.shapley_exact(small)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    slow = shapley_loop(small)
    t_slow = time.perf_counter() - t0
    t_fast = statistics.median(times)
    print(f"  Referenz Python-Schleife (12 Mitglieder): {fmt(t_slow, 2)} s, vektorisiert "
          f"{fmt(t_fast * 1000, 1)} ms — Verhältnis {fmt(t_slow / t_fast, 0)}×, größte "
          f"Abweichung {np.abs(fast - slow).max():.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10.000 Termine und 16 Mitglieder statt 50.000 und 20")
    args = parser.parse_args()
    print(f"kulturplan Kalender und Kostenteilung — {os.cpu_count()} CPU-Kerne, Python "
          f"{sys.version.split()[0]}")
    bench_calendar(200 if args.quick else 1_000)
    bench_shapley(16 if args.quick else 20)


if __name__ == "__main__":
    main()
