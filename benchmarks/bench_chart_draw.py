"""Benchmark: browser cost of drawing the Kreisübersicht (time to drawn, Chromium CPU).

Run from the project root (needs ``/usr/bin/chromium`` and Playwright)::

    .venv/bin/python benchmarks/bench_chart_draw.py [-n 5] [--reference OTHER_CHECKOUT]

Starts Voilà on the demo district (``tests/browser_support._serve``), loads the page once
to warm the server, then ``-n`` times in a fresh browser context: the wall time until the
map polygons and both charts (ranking and profile, plotly or SVG) are drawn, the CPU
seconds of all Chromium processes during that load, and whether plotly.js (the 4,8 MB
chunk of ``labextensions/jupyterlab-plotly``, not the extension's 10 kB entry) was
requested. With ``--reference`` (another checkout, e.g. ``git archive main | tar -x -C
/tmp/ref``) the same is measured there first and the ratios of the medians are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

DRAWN_JS = (
    "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0"
    " && ['.kp-ranking', '.kp-profile'].every(s => document.querySelectorAll("
    "s + ' rect.kp-bar, ' + s + ' .js-plotly-plot .trace.bars path').length > 0)"
)
PLOTLY_BUNDLE = "labextensions/jupyterlab-plotly/static/0."
"""plotly.js itself (4,8 MB), fetched when a plotly output is rendered; the extension's
small ``remoteEntry`` is loaded by every Voilà page."""


def _chromium_cpu() -> float:
    total = 0.0
    for proc in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "chrom" in proc.name():
                cpu = proc.cpu_times()
                total += cpu.user + cpu.system
        except psutil.NoSuchProcess:
            continue
    return total


def _load(browser, url: str) -> tuple[float, float, bool]:
    from browser_support import Page

    p = Page(browser)
    requests: list[str] = []
    p.page.on("request", lambda r: requests.append(r.url))
    try:
        cpu0, t0 = _chromium_cpu(), time.monotonic()
        p.page.goto(url + "/voila/render/kreisuebersicht.ipynb", wait_until="commit",
                    timeout=90_000)
        p.page.wait_for_function(DRAWN_JS, timeout=90_000, polling=50)
        wall = time.monotonic() - t0
        p.page.wait_for_timeout(300)  # work right after the first draw belongs to the page
        cpu = _chromium_cpu() - cpu0
        return wall, cpu, any(PLOTLY_BUNDLE in r for r in requests)
    finally:
        p.close()


def measure(root: Path, n: int) -> tuple[list[float], list[float], bool]:
    """Wall and CPU seconds of ``n`` warm Kreisübersicht loads served from ``root``."""
    sys.path.insert(0, str(root / "tests"))
    sys.modules.pop("browser_support", None)
    import browser_support
    from playwright.sync_api import sync_playwright

    os.environ["PYTHONPATH"] = str(root)  # the kernels import this checkout's kulturplan
    walls, cpus, plotly = [], [], False
    with tempfile.TemporaryDirectory() as cache, browser_support._serve(Path(cache)) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(browser_support.CHROMIUM),
                                     headless=True, args=browser_support.CHROMIUM_ARGS)
        _load(browser, url)  # cold: fills the indicator cache
        for _ in range(n):
            wall, cpu, bundle = _load(browser, url)
            walls.append(wall)
            cpus.append(cpu)
            plotly = plotly or bundle
        browser.close()
    sys.path.remove(str(root / "tests"))
    return walls, cpus, plotly


def _report(root: Path, walls: list[float], cpus: list[float], plotly: bool) -> None:
    print(f"{root}: load average {os.getloadavg()[0]:.1f}")
    print(f"  bis gezeichnet  s: min {min(walls):.2f}  median {statistics.median(walls):.2f}"
          f"  max {max(walls):.2f}")
    print(f"  Chromium-CPU    s: min {min(cpus):.2f}  median {statistics.median(cpus):.2f}"
          f"  max {max(cpus):.2f}")
    print(f"  plotly.js geladen: {'ja' if plotly else 'nein'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--reference", type=Path, default=None)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    ref = None
    if args.reference is not None:
        ref = measure(args.reference.resolve(), args.n)
        _report(args.reference, *ref)
    walls, cpus, plotly = measure(root, args.n)
    _report(root, walls, cpus, plotly)
    if ref is not None:
        time_ratio = statistics.median(walls) / statistics.median(ref[0])
        cpu_ratio = statistics.median(cpus) / statistics.median(ref[1])
        print(f"  Verhältnis zur Referenz: Zeit {time_ratio:.2f}, CPU {cpu_ratio:.2f}")


if __name__ == "__main__":
    main()
