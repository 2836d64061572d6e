"""Benchmark the reports: Gemeindesteckbrief (target < 5 s) and Kreisbericht (< 30 s).

Run from the project root::

    .venv/bin/python benchmarks/bench_report.py

Measures, end to end from a loaded region (indicator table, gaps, peers, HTML, PDF with
WeasyPrint, Excel workbook):

* the Gemeindesteckbrief of the demo district's largest municipality (PDF);
* the Kreisbericht of Landkreis Mittelsachsen (53 municipalities, built from the
  official files in ``../shared/data``) as PDF and as Excel — once as it comes (no
  facility list) and once with 250 facilities placed at random inside its municipalities
  (seed 15), so that every chapter (map, ranking, gaps, peers) is computed.

As reference in the same run it times :func:`kulturplan.indicators.compute` of the same
region and prints each report's time as a ratio to it; the targets are printed next to
the measured times. Timings are wall-clock on this machine (best of 2).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kulturplan as kp  # noqa: E402
from kulturplan import report  # noqa: E402
from kulturplan.overview import demo_region  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
REGISTER = SHARED / "destatis" / "AuszugGV4QAktuell_2020.csv"
BOUNDARIES = SHARED / "bkg-vg5000-2021" / "VG5000_GEM.shp"
SEED = 15
N_FACILITIES = 250


def best_of(func: Callable[[], object], repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def with_random_facilities(region: kp.Region, n: int, seed: int) -> kp.Region:
    """``region`` plus ``n`` facilities of random categories at random points inside it."""
    rng = np.random.default_rng(seed)
    muni = region.municipalities
    weights = muni["population"].to_numpy(dtype=float)
    owners = rng.choice(len(muni), size=n, p=weights / weights.sum())
    points = muni.geometry.iloc[owners].sample_points(1, rng=rng)
    cats = kp.catalog.category_ids()
    facilities = gpd.GeoDataFrame(
        {"facility_id": [f"B{i:04d}" for i in range(n)],
         "name": [f"Einrichtung {i}" for i in range(n)],
         "category": rng.choice(cats, size=n)},
        geometry=shapely.get_geometry(points.to_numpy(), 0), crs=muni.crs,
    ).set_index("facility_id")
    return kp.Region(muni, facilities=facilities, name=region.name,
                     kreis_ags=region.kreis_ags, sources=region.sources)


def row(label: str, seconds: float, reference: float, target: float) -> None:
    status = "ok" if seconds < target else "ZU LANGSAM"
    print(f"{label:<58} {seconds:6.2f} s  ({seconds / reference:5.1f} × compute)  "
          f"Ziel < {target:.0f} s: {status}")


def main() -> int:
    demo = demo_region(ROOT)
    ags = str(demo.population.idxmax())
    ref = best_of(lambda: kp.indicators.compute(demo))
    print(f"Referenz: indicators.compute (Demo, 24 Gemeinden) {ref:.2f} s")
    steck = best_of(lambda: report.build(report.ReportContext(demo, ags=ags), "pdf"))
    row(f"Gemeindesteckbrief {demo.municipalities.loc[ags, 'name']} (PDF)", steck, ref, 5)
    kreis = best_of(lambda: report.build(report.ReportContext(demo), "pdf"))
    row("Kreisbericht Musterland, 24 Gemeinden (PDF)", kreis, ref, 30)
    if not (REGISTER.exists() and BOUNDARIES.exists()):
        print(f"Amtliche Daten fehlen unter {SHARED}: Mittelsachsen übersprungen.")
        return 0
    from kulturplan.sources import build_region

    region, _ = build_region("14522", REGISTER, BOUNDARIES)
    for label, reg in (("ohne Einrichtungsliste", region),
                       (f"mit {N_FACILITIES} zufälligen Einrichtungen",
                        with_random_facilities(region, N_FACILITIES, SEED))):
        n = len(reg.municipalities)
        ref = best_of(lambda r=reg: kp.indicators.compute(r))
        print(f"Referenz: indicators.compute (Mittelsachsen {label}, {n} Gemeinden) "
              f"{ref:.2f} s")
        pdf = best_of(lambda r=reg: report.build(report.ReportContext(r), "pdf"))
        row(f"Kreisbericht Mittelsachsen {label} (PDF)", pdf, ref, 30)
        xlsx = best_of(lambda r=reg: report.build(report.ReportContext(r), "xlsx"))
        row(f"Tabellen Mittelsachsen {label} (Excel)", xlsx, ref, 30)
        big = str(reg.population.idxmax())
        steck = best_of(lambda r=reg, a=big: report.build(report.ReportContext(r, ags=a), "pdf"))
        row(f"Gemeindesteckbrief {reg.municipalities.loc[big, 'name'][:24]} (PDF)", steck,
            ref, 5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
