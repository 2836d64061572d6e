"""Benchmark: the Kreisübersicht under concurrent page loads, as a Kreis serves it.

Run from the project root (needs ``/usr/bin/chromium``)::

    .venv/bin/python benchmarks/bench_dashboards.py            # N = 1, 4, 8; 50 sequential
    .venv/bin/python benchmarks/bench_dashboards.py --quick    # N = 1, 4; 10 sequential

The server is started as ``make start`` starts it (``voila --Voila.ip=127.0.0.1
dashboards/`` from the project root, so ``voila.json`` applies: pools of preheated
kernels), with a fresh cache folder; the benchmark waits until the pools stand still. A
first page load is printed as "kalt"; then three single loads on the warm server (pool
refilled before each) give the reference time. Then N pages are opened at the same moment
in headless Chromium (one browser context each, as N people on N computers, but all on
this machine; external requests blocked, see ``ARGS``; driven through the bare DevTools
protocol, :mod:`cdp_browser`, not Playwright, see :data:`DRIVERS`) and the time until the
map polygons and the ranking bars are drawn is measured per page (min / median / max), with the CPU
seconds per page of the server with its kernels and of the browser (which, on a Kreis's
intranet, runs on each user's own computer). A page not drawn within ``--timeout`` seconds
counts as stuck. Then ``--sequential`` pages are loaded one after another and the stuck or
failed ones are counted. The peak memory (RSS) of the Voilà server with all its kernels is
sampled every 0.2 s. Last, N plain HTTP requests at once measure the server alone (until
the page's HTML is complete, no browser).

Timings are wall-clock on this (shared) machine; the load average is printed with each
run, and the concurrent medians are also given as a ratio to the single warm load
measured in the same run. Last, the reference (``REFERENCE_NB``, off with
``--no-reference``): as many pages as the largest N, each a Voilà page with nothing but
one HTML widget (same template, configuration and extensions, preheated), opened at once
on a server of their own; the Kreisübersicht's median at that N is printed as a ratio to
theirs — the floor Voilà's own front end sets on this machine in the same run (the
machine's speed varies by a third from hour to hour).
Targets (issue 16): 8 concurrent loads all drawn, median < 10 s, max < 15 s; a single
warm load < 3 s; 0 stuck of 50.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    _free_port,
    probe_notebook,
    stop_process,
    template_env,
)
from cdp_browser import CdpBrowser  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [*CHROMIUM_ARGS,
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
"""External requests are blocked by name resolution (every host name but the server's
fails), not by intercepting each request through the DevTools protocol as the browser
tests do to list them: with some 120 requests per page that interception cost about
0,3 CPU-s per page (Chromium 0,16, Playwright's driver 0,05, this process 0,13; measured
over 4 loads each), work a user's browser does not do, on the same two cores."""
DRIVERS = {"cdp": "DevTools-Protokoll (ohne Playwright)", "playwright": "Playwright"}
"""How the benchmark drives Chromium. ``cdp`` (default, :mod:`cdp_browser`): only the
commands a page load needs, no instrumentation; ``playwright``: Playwright, whose
instrumentation of every page and request costs Chromium about 0,6 CPU-s per
Kreisübersicht page (see :mod:`cdp_browser`) — for comparison."""
DASHBOARD = "/voila/render/kreisuebersicht.ipynb"
DRAWN_JS = (
    "() => document.querySelectorAll('.leaflet-container path.leaflet-interactive').length > 0"
    " && document.querySelectorAll('.kp-ranking.kp-svg-chart svg rect.kp-bar').length > 0"
)
# textContent, not innerText: innerText lays the page out on every poll
FAILED_JS = (
    "() => { const t = document.body ? document.body.textContent : '';"
    " return t.includes('Traceback') || t.includes('There was an error')"
    " || !!document.querySelector('.kp-kernel-problem, .kp-error'); }"
)

REFERENCE_NB = probe_notebook(
    "import ipywidgets as w\nw.HTML('<b class=\"kp-bezug\">leer</b>')", title="Bezug")
"""The reference page: one HTML widget, served with the same template, configuration and
extensions as the Kreisübersicht (no plotly.js), from a pool of preheated kernels. What N
of them cost at once is the floor that Voilà's own front end sets on this machine in this
run; the Kreisübersicht's median is printed as a ratio to it."""
REFERENCE_JS = "() => document.querySelector('.kp-bezug') !== null"


class CpuSampler(threading.Thread):
    """CPU seconds used by the server with its kernels and by Chromium with its renderers
    (per process, last value seen every 0.5 s, so processes that end still count; the
    last half second of a process that ends is missed)."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server = psutil.Process(server_pid)
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()

    def _group(self, proc: psutil.Process, server_tree: set[int]) -> str | None:
        if proc.pid in server_tree:
            return "server"
        name = proc.name()
        if "chrom" in name or "headless" in name:
            return "browser"
        # this benchmark and Playwright's driver: the measurement's own share of the cores
        return "bench" if proc.pid == os.getpid() or name == "node" else None

    def sample(self) -> None:
        try:
            tree = {self.server.pid, *(c.pid for c in self.server.children(recursive=True))}
        except psutil.Error:
            tree = set()
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                group = self._group(proc, tree)
                if group is not None:
                    times = proc.cpu_times()
                    self.seen[proc.pid] = (group, times.user + times.system)

    def totals(self) -> dict[str, float]:
        out = {"server": 0.0, "browser": 0.0, "bench": 0.0}
        for group, seconds in list(self.seen.values()):
            out[group] += seconds
        return out

    def run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self._stop.set()


def cpu_text(before: dict[str, float], after: dict[str, float], pages: int) -> str:
    """CPU seconds per page of the server (with kernels), of the browser and of the
    measurement itself (this script, with Playwright's driver if used; same cores)."""
    server = (after["server"] - before["server"]) / pages
    browser = (after["browser"] - before["browser"]) / pages
    bench = (after["bench"] - before["bench"]) / pages
    return (f"CPU je Seite: Server mit Kerneln {server:.1f} s, Browser {browser:.1f} s, "
            f"Messung (dieses Skript, ggf. Playwright) {bench:.2f} s")


class MemorySampler(threading.Thread):
    """Peak summed RSS of a process and all its descendants (server + kernels)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.peak_kernels = 0
        self._stop = threading.Event()

    def reset(self) -> None:
        self.peak = 0
        self.peak_kernels = 0

    def run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                continue
            total = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            self.peak_kernels = max(self.peak_kernels, len(procs) - 1)

    def stop(self) -> None:
        self._stop.set()


def start_server(cache: Path, log_path: Path, extra: list[str] | None = None,
                 folder: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Voilà as ``make start`` runs it, on a free port; returns the process and its URL.

    ``extra`` are further Voilà options (for trying a configuration, e.g.
    ``--VoilaConfiguration.preheat_kernel=False``); ``folder`` is served instead of
    ``dashboards/`` (the reference page, :data:`REFERENCE_NB`)."""
    port = _free_port()
    env = dict(os.environ, KULTURPLAN_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("JUPYTER_PATH", None)
    env.update(template_env())  # this checkout's template (see tests/browser_support.py)
    env.pop("KULTURPLAN_REGION", None)
    voila = Path(sys.executable).with_name("voila")
    cmd = [str(voila), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1",
           *(extra or []), str(folder) if folder is not None else "dashboards/"]
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    end = time.monotonic() + 90
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"Voilà beendet (Code {proc.returncode}), siehe {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise TimeoutError(f"Voilà antwortet nicht auf Port {port}")


KERNEL_JOB = """
import time
t0 = time.perf_counter()
from kulturplan.ui import Kreisuebersicht
t1 = time.perf_counter()
Kreisuebersicht.from_env()
t2 = time.perf_counter()
import sys
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {int('scipy' in sys.modules)}")
"""


def kernel_costs(cache: Path) -> str:
    """What a dashboard kernel spends its time on: importing, then building the
    Kreisübersicht (cold cache, then warm), each in a fresh Python process."""
    env = dict(os.environ, KULTURPLAN_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("KULTURPLAN_REGION", None)
    out = []
    for label in ("kalt", "warm", "warm"):
        done = subprocess.run([sys.executable, "-c", KERNEL_JOB], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300, check=True)
        imp, build, scipy = done.stdout.split()[-3:]
        out.append(f"{label}: Import {imp} s, Aufbau {build} s"
                   + (", scipy geladen" if scipy == "1" else ""))
    return "; ".join(out)


class PlaywrightBrowser:
    """The Playwright browser behind the interface of :class:`cdp_browser.CdpBrowser`
    (``--driver playwright``: for comparing what the measurement itself costs)."""

    def __init__(self, browser) -> None:
        self.browser = browser

    async def new_page(self, width: int = 1600, height: int = 1000) -> PlaywrightPage:
        context = await self.browser.new_context(viewport={"width": width, "height": height},
                                                 locale="de-DE")
        return PlaywrightPage(context, await context.new_page())

    async def close(self) -> None:
        await self.browser.close()


class PlaywrightPage:
    """A Playwright page behind the interface of :class:`cdp_browser.CdpPage`."""

    def __init__(self, context, page) -> None:
        self.context, self.page = context, page

    async def goto(self, url: str) -> None:
        await self.page.goto(url, wait_until="commit")

    async def evaluate(self, function: str):
        return await self.page.evaluate(function)

    async def close(self) -> None:
        await self.page.close(run_before_unload=True)  # as a user closes the tab
        await self.context.close()


async def launch(driver: str, stack: contextlib.AsyncExitStack):
    """Headless Chromium with :data:`ARGS`, driven by ``driver`` ("cdp" or "playwright")."""
    if driver == "cdp":
        browser = await CdpBrowser.launch(CHROMIUM, ARGS)
    else:
        from playwright.async_api import async_playwright

        pw = await stack.enter_async_context(async_playwright())
        browser = PlaywrightBrowser(
            await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS))
    stack.push_async_callback(browser.close)
    return browser


WATCH_JS = """() => {{
  if (location.href === 'about:blank') return false;
  if (window.__kpWatch) return true;
  window.__kpWatch = true;
  const drawn = {drawn}, failed = {failed};
  let ticks = 0;
  const id = setInterval(() => {{
    if (!document.body) return;
    if (drawn()) {{ window.__kpDrawn = performance.timeOrigin + performance.now(); }}
    else if (++ticks % 5 === 0 && failed()) {{ window.__kpFailed = true; }}
    else return;
    clearInterval(id);
  }}, 100);
  return true;
}}"""
"""Installed in the page as soon as its document has replaced ``about:blank`` (the page's
HTML streams from a preheated kernel); every 0,1 s it checks whether the page is drawn and
every 0,5 s whether it shows an error, and records the moment (wall clock, ms).
Asking the page through the DevTools protocol every 0,1 s instead cost the browser about
0,15–0,2 CPU-s per 10 s of a loading page (each question is a message through the browser
process to the page and back) — work a user's browser does not do, on the same two cores."""
READ_WATCH_JS = ("() => window.__kpDrawn !== undefined ? window.__kpDrawn"
                 " : (window.__kpFailed ? -1 : null)")


async def load_once(browser, url: str, timeout: float, path: str = DASHBOARD,
                    drawn_js: str = DRAWN_JS) -> float | str:
    """Open the dashboard in a fresh context; seconds until drawn, or 'stuck'/'failed'.

    The page watches itself (:data:`WATCH_JS` with ``drawn_js`` and :data:`FAILED_JS`);
    the benchmark reads the result every 0,5 s. The time runs from just before the
    navigation to the moment the page saw itself drawn (both on this machine's clock)."""
    page = await browser.new_page()
    try:
        watch = WATCH_JS.format(drawn=drawn_js, failed=FAILED_JS)
        t0, wall0 = time.monotonic(), time.time()
        await asyncio.wait_for(page.goto(url + path), timeout)
        while not await page.evaluate(watch) and time.monotonic() - t0 < timeout:
            await asyncio.sleep(0.02)
        while time.monotonic() - t0 < timeout:
            seen = await page.evaluate(READ_WATCH_JS)
            if seen == -1:
                return "failed"
            if seen is not None:
                return seen / 1000 - wall0
            await asyncio.sleep(0.5)
        # what the page shows, for the diagnosis (e.g. "Error displaying widget: …")
        shown = await page.evaluate(
            "() => document.body ? document.body.innerText.trim().slice(0, 60) : ''")
        return f"stuck ({shown!r})"
    except Exception as exc:  # a benchmark counts every kind of failure
        return f"failed ({type(exc).__name__})"
    finally:
        await page.close()


def http_once(url: str, timeout: float) -> float | str:
    """Seconds until the server has sent a dashboard page completely (plain HTTP, no
    browser: what the server itself needs, e.g. for many users on their own computers)."""
    import http.client

    parsed = urlparse(url)
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request("GET", DASHBOARD)
        response = conn.getresponse()
        body = response.read()
    except OSError as exc:
        return f"failed ({type(exc).__name__})"
    finally:
        conn.close()
    if response.status != 200 or b"voila_finish" not in body:
        return f"failed (HTTP {response.status})"
    return time.monotonic() - t0


async def http_concurrent(url: str, n: int, timeout: float) -> list[float | str]:
    return list(await asyncio.gather(
        *(asyncio.to_thread(http_once, url, timeout) for _ in range(n))))


def _summary(results: list[float | str]) -> str:
    times = sorted(r for r in results if isinstance(r, float))
    bad = [r for r in results if not isinstance(r, float)]
    if not times:
        return f"keine gezeichnet; {len(bad)} hängen/fehlgeschlagen: {bad}"
    digits = 2 if times[-1] < 1 else 1  # a preheated page's HTML comes in milliseconds
    text = (f"{len(times)}/{len(results)} gezeichnet; min {times[0]:.{digits}f} s, "
            f"median {statistics.median(times):.{digits}f} s, max {times[-1]:.{digits}f} s")
    if bad:
        text += f"; hängen/fehlgeschlagen: {bad}"
    return text


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"Last {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} Kerne)"


def _kernel_count(proc: psutil.Process) -> int:
    try:
        return len(proc.children(recursive=True))
    except psutil.Error:
        return 0


async def _settle(sampler: MemorySampler, baseline: int, seconds: float) -> None:
    """Wait until the closed pages' kernels are gone and the pools are full again: at
    least ``seconds`` (the server shuts a closed page's kernel down 20 s after its websocket
    closed and refills a pool ``fill_delay`` seconds after a page took a kernel from it, so
    the number of kernels alone can be right while a page kernel is still there and a
    refill not yet started), then until there are ``baseline`` kernels that stand still."""
    await asyncio.sleep(seconds)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if _kernel_count(sampler.proc) == baseline:
            await _wait_ready(sampler.proc, 30)
            if _kernel_count(sampler.proc) == baseline:
                return
        await asyncio.sleep(1.0)


def _tree_cpu(proc: psutil.Process) -> tuple[int, float]:
    """Number of kernels and CPU seconds used so far by the server's kernels."""
    total, count = 0.0, 0
    for kid in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = kid.cpu_times()
            total += times.user + times.system
            count += 1
    return count, total


async def _wait_ready(proc: psutil.Process, seconds: float = 240.0) -> int:
    """Wait until the server's kernels (the pools of preheated kernels) stand still: the
    same number over 3 s, together using under a tenth of a core; returns their number."""
    end = time.monotonic() + seconds
    count, used = _tree_cpu(proc)
    while time.monotonic() < end:
        await asyncio.sleep(3.0)
        now_count, now_used = _tree_cpu(proc)
        if now_count == count and now_used - used < 0.3:
            return now_count
        count, used = now_count, now_used
    return count


async def _concurrent(browser, url: str, n: int, args, sampler: MemorySampler,
                      cpu: CpuSampler, ref: float) -> float:
    sampler.reset()
    cpu.sample()
    before = cpu.totals()
    results = await asyncio.gather(*(load_once(browser, url, args.timeout) for _ in range(n)))
    cpu.sample()
    times = [r for r in results if isinstance(r, float)]
    ratio = statistics.median(times) / ref if times else float("nan")
    print(f"N = {n} gleichzeitig: {_summary(list(results))}; Median/einzeln {ratio:.1f}; "
          f"{cpu_text(before, cpu.totals(), n)}; Spitze Speicher "
          f"{sampler.peak / 2**20:,.0f} MiB ({sampler.peak_kernels} Kindprozesse); {_load()}")
    return statistics.median(times) if times else float("nan")


async def reference(tmp: Path, n: int, args, medians: dict[int, float]) -> None:
    """N reference pages (:data:`REFERENCE_NB`) at once on a server of their own, and the
    Kreisübersicht's median of the same N as a ratio to theirs."""
    folder = tmp / "bezug"
    folder.mkdir()
    (folder / "bezug.ipynb").write_text(json.dumps(REFERENCE_NB), encoding="utf-8")
    pools = json.dumps({"default": {"pool_size": n}})
    log = ROOT / "test-artifacts" / "bench_dashboards_bezug_voila.log"
    proc, url = start_server(tmp / "cache", log,
                             [f"--VoilaKernelManager.kernel_pools_config={pools}"], folder)
    try:
        server = psutil.Process(proc.pid)
        baseline = await _wait_ready(server)
        sampler, cpu = MemorySampler(proc.pid), CpuSampler(proc.pid)
        sampler.start()
        cpu.start()
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(cpu.stop)
            stack.callback(sampler.stop)
            browser = await launch(args.driver, stack)
            path = "/voila/render/bezug.ipynb"
            await load_once(browser, url, args.timeout, path, REFERENCE_JS)
            await _settle(sampler, baseline, args.settle)
            cpu.sample()
            before = cpu.totals()
            results = await asyncio.gather(*(load_once(browser, url, args.timeout, path,
                                                       REFERENCE_JS) for _ in range(n)))
            cpu.sample()
        times = [r for r in results if isinstance(r, float)]
        ratio = medians.get(n, float("nan")) / statistics.median(times) if times else float("nan")
        print(f"Bezug: leere Voilà-Seite (ein HTML-Widget, gleiche Vorlage, vorgewärmt), N = {n} "
              f"gleichzeitig: {_summary(list(results))}; {cpu_text(before, cpu.totals(), n)}; "
              f"Kreisübersicht/leere Seite (Median) {ratio:.2f}; {_load()}")
    finally:
        stop_process(proc)


async def run(args: argparse.Namespace) -> int:
    print(f"bench_dashboards: {time.strftime('%Y-%m-%d %H:%M:%S')}, {_load()}; "
          f"Browser gesteuert über {DRIVERS[args.driver]}")
    log = ROOT / "test-artifacts" / "bench_dashboards_voila.log"
    log.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Kernel (Kreisübersicht, eigener Prozess): {kernel_costs(Path(tmp) / 'k')}")
        t0 = time.monotonic()
        proc, url = start_server(Path(tmp) / "cache", log, args.voila_arg)
        if args.voila_arg:
            print(f"Voilà-Optionen: {' '.join(args.voila_arg)}")
        server = psutil.Process(proc.pid)
        medians: dict[int, float] = {}
        baseline = await _wait_ready(server)
        print(f"Server bereit mit {baseline} vorgewärmten Kerneln nach "
              f"{time.monotonic() - t0:.0f} s; {_load()}")
        sampler, cpu = MemorySampler(proc.pid), CpuSampler(proc.pid)
        sampler.start()
        cpu.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                browser = await launch(args.driver, stack)
                cold = await load_once(browser, url, args.timeout)
                print(f"erste Seite (kalt, füllt den Zwischenspeicher): {_summary([cold])}")
                single: list[float | str] = []
                for _ in range(3):
                    await _settle(sampler, baseline, args.settle)
                    single.append(await load_once(browser, url, args.timeout))
                print(f"einzeln, warm (3 nacheinander, Pool jeweils voll): {_summary(single)}")
                warm = [r for r in single if isinstance(r, float)]
                ref = statistics.median(warm) if warm else float("nan")
                for n in args.concurrent:
                    await _settle(sampler, baseline, args.settle)
                    await asyncio.sleep(args.pause)
                    medians[n] = await _concurrent(browser, url, n, args, sampler, cpu, ref)
                await _settle(sampler, baseline, args.settle)
                sampler.reset()
                seq: list[float | str] = []
                for _ in range(args.sequential):
                    seq.append(await load_once(browser, url, args.timeout))
                bad = [r for r in seq if not isinstance(r, float)]
                print(f"{args.sequential} nacheinander: {len(bad)} hängen/fehlgeschlagen; "
                      f"{_summary(seq)}; Spitze Speicher {sampler.peak / 2**20:,.0f} MiB "
                      f"({sampler.peak_kernels} Kindprozesse); {_load()}")
            for n in args.concurrent:
                await _settle(sampler, baseline, args.settle)
                got = await http_concurrent(url, n, args.timeout)
                print(f"nur Server (HTTP, ohne Browser), N = {n} gleichzeitig: "
                      f"{_summary(got)}")
        finally:
            sampler.stop()
            cpu.stop()
            stop_process(proc)
        if not args.no_reference:
            await reference(Path(tmp), max(args.concurrent), args, medians)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 4; 10 nacheinander")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="Sekunden, nach denen eine Seite als hängend zählt")
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--settle", type=float, default=45.0,
                        help="Sekunden Ruhe zwischen den Messungen, bevor auf volle Pools "
                        "gewartet wird (geschlossene Seiten: 20 s, Nachfüllen: fill_delay)")
    parser.add_argument("--sequential", type=int, default=None,
                        help="Anzahl der Aufrufe nacheinander (Standard 50, --quick 10)")
    parser.add_argument("--concurrent", type=int, nargs="+", default=None,
                        help="Anzahlen gleichzeitiger Aufrufe (Standard 1 4 8)")
    parser.add_argument("--no-reference", action="store_true",
                        help="ohne den Bezug (leere Voilà-Seite, N wie das größte N)")
    parser.add_argument("--driver", choices=sorted(DRIVERS), default="cdp",
                        help="wie der Browser gesteuert wird (Standard: cdp, ohne den "
                        "Messaufwand von Playwright)")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="OPTION",
                        help="weitere Voilà-Option (mehrfach möglich)")
    args = parser.parse_args(argv)
    if args.concurrent is None:
        args.concurrent = [1, 4] if args.quick else [1, 4, 8]
    if args.sequential is None:
        args.sequential = 10 if args.quick else 50
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
