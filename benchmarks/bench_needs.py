"""Benchmark kulturplan.needs.rake against weightipy on the same input.

Run from the project root::

    .venv/bin/python benchmarks/bench_needs.py           # 100,000 respondents
    .venv/bin/python benchmarks/bench_needs.py --quick   # 20,000 respondents

Input: 100,000 respondents in 400 municipalities × 5 age groups × 2 sexes, drawn
deliberately unrepresentative (older people and large municipalities over-represented,
response propensity depending on age × sex), raked on the three one-way margins
(municipality, age group, sex) of a fictional population. kulturplan's ``rake`` runs
with its default tolerance (relative margin error 1e-10), weightipy with its stopping
rule tightened (``convcrit=0``: stop when Σ|Δw| no longer falls), so that both reach
the same solution; the largest relative difference of the weights is printed.

Timings are wall-clock on this machine (median of 3 runs each); only the ratio is
comparable across machines. Target: kulturplan under 2 s.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kulturplan._format import format_number as fmt  # noqa: E402
from kulturplan.needs import rake  # noqa: E402

SEED = 11
N_MUNI, N_AGE, N_SEX = 400, 5, 2


def inputs(n: int) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Sample of ``n`` respondents and population margins (same total)."""
    rng = np.random.default_rng(SEED)
    pop = rng.lognormal(8.0, 1.0, N_MUNI)  # municipality sizes, a few towns
    age_share = np.array([0.15, 0.20, 0.25, 0.20, 0.20])
    sex_share = np.array([0.51, 0.49])
    # response propensity: larger places and older people answer more often
    p_muni = pop**1.2 / (pop**1.2).sum()
    p_age = age_share * np.array([0.5, 0.8, 1.0, 1.3, 1.6])
    muni = rng.choice(N_MUNI, n, p=p_muni)
    age = rng.choice(N_AGE, n, p=p_age / p_age.sum())
    male_prob = np.where(age >= 3, 0.42, 0.5)
    sex = (rng.random(n) < male_prob).astype(int)
    sample = pd.DataFrame(
        {
            "ags": np.array([f"0{k:07d}" for k in range(N_MUNI)], dtype=object)[muni],
            "age_group": np.array(["18_29", "30_44", "45_59", "60_74", "75_plus"])[age],
            "sex": np.array(["w", "m"])[sex],
        }
    )
    total = float(pop.sum())
    margins = {
        "ags": pd.Series(pop, index=[f"0{k:07d}" for k in range(N_MUNI)]),
        "age_group": pd.Series(age_share * total, index=["18_29", "30_44", "45_59", "60_74",
                                                          "75_plus"]),
        "sex": pd.Series(sex_share * total, index=["w", "m"]),
    }
    return sample, margins


def run_kulturplan(sample: pd.DataFrame, margins: dict[str, pd.Series]) -> tuple[list[float],
                                                                                   object]:
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = rake(sample, margins)
        times.append(time.perf_counter() - start)
    return times, result


def run_weightipy(sample: pd.DataFrame, margins: dict[str, pd.Series]
                  ) -> tuple[list[float], np.ndarray]:
    import weightipy as wp

    shares = {k: {lvl: 100.0 * v / s.sum() for lvl, v in s.items()} for k, s in margins.items()}
    times, weights = [], np.zeros(0)
    for _ in range(3):
        start = time.perf_counter()
        scheme = wp.scheme_from_dict(
            shares, rim_params={"convcrit": 0.0, "max_iterations": 10_000}
        )
        weights = wp.weight(sample, scheme).to_numpy()
        times.append(time.perf_counter() - start)
    return times, weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 statt 100,000 Befragte")
    args = parser.parse_args()
    n = 20_000 if args.quick else 100_000
    sample, margins = inputs(n)
    print(
        f"kulturplan.needs.rake vs. weightipy — {os.cpu_count()} CPU-Kerne, Python "
        f"{sys.version.split()[0]}"
    )
    print(
        f"Eingabe: {fmt(n)} Befragte, Randverteilungen Gemeinde ({N_MUNI}) × Altersgruppe "
        f"({N_AGE}) × Geschlecht ({N_SEX})"
    )
    times, result = run_kulturplan(sample, margins)
    best = statistics.median(times)
    print(
        f"  kulturplan: {fmt(best * 1000, 1):>8} ms (Median aus 3; erster Lauf "
        f"{fmt(times[0] * 1000, 1)} ms), {result.iterations} Durchläufe, größte "
        f"Randabweichung {result.max_margin_error:.1e}, konvergiert: "
        f"{'ja' if result.converged else 'nein'}"
    )
    print(
        f"  Designeffekt (Kish) {fmt(result.design_effect, 3)}, effektive Fallzahl "
        f"{fmt(result.effective_n)}"
    )
    print(f"  Ziel < 2 s: {'erreicht' if best < 2.0 else 'VERFEHLT'}")
    try:
        wp_times, wp_weights = run_weightipy(sample, margins)
    except ImportError:
        print("  weightipy nicht installiert: Vergleich übersprungen.")
        return
    ours = result.weights.to_numpy()
    diff = float(np.max(np.abs(ours / ours.mean() - wp_weights) / wp_weights))
    wp_time = statistics.median(wp_times)
    print(f"  weightipy:  {fmt(wp_time * 1000, 1):>8} ms (Median aus 3, convcrit=0)")
    print(f"  Verhältnis weightipy / kulturplan: {fmt(wp_time / best, 1)}×")
    print(f"  max. relative Abweichung der Gewichte: {diff:.1e}")


if __name__ == "__main__":
    main()
