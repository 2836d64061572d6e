"""A page whose kernel is gone says so calmly, in German, with a reload button (issue 16).

The kernel of an open Kreisübersicht is killed (as by the out-of-memory killer); the
server does not restart it but removes it (``KernelRestarter.restart_limit`` 0 in
``voila.json``: a restarted kernel would have none of the page's widgets), the page's
watch (template ``kernel_watch.macro.html.j2``) notices within its polling interval and
shows the notice; the reload button brings a working page back.
"""

from __future__ import annotations

import json
import signal

import psutil
from browser_support import ARTIFACTS, BROWSER, SVG_BARS, Page, _assert_clean, _wait_drawn

pytestmark = BROWSER


def _kernel_id(page) -> str:
    configs = page.eval_on_selector_all(
        "script#jupyter-config-data", "els => els.map(e => e.textContent)")
    ids = [json.loads(c).get("kernelId") for c in configs]
    return next(i for i in ids if i)


def _kill_kernel(kernel_id: str) -> None:
    for proc in psutil.process_iter(["cmdline"]):
        if any(kernel_id in part for part in proc.info["cmdline"] or []):
            proc.send_signal(signal.SIGKILL)
            return
    raise AssertionError(f"kein Kernelprozess {kernel_id}")


def test_lost_kernel_shows_calm_notice_with_reload(voila_url, browser):
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/kreisuebersicht.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page, bars=SVG_BARS)
        assert page.locator(".kp-kernel-problem").count() == 0
        _assert_clean(p)
        first = _kernel_id(page)
        _kill_kernel(first)
        notice = page.locator(".kp-kernel-problem")
        notice.wait_for(timeout=60_000)
        text = notice.inner_text()
        assert "Die Verbindung zur Berechnung wurde beendet" in text
        assert "Seite neu laden" in text
        page.screenshot(path=str(ARTIFACTS / "kernel_beendet.png"))
        notice.get_by_role("button", name="Seite neu laden").click()
        page.wait_for_load_state("commit")
        _wait_drawn(page, bars=SVG_BARS)
        assert _kernel_id(page) != first
        assert page.locator(".kp-kernel-problem").count() == 0
    finally:
        p.close()
