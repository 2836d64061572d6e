"""Headless Chromium driven through the bare DevTools protocol, for the benchmarks.

Playwright instruments every page it drives: it enables the Network, Page, Runtime and
further domains with their events and injects its own scripts into every frame, so the
browser reports each of a Voilà page's ~100 requests to the driver. Measured on the
Kreisübersicht (warm server, one page at a time, 3 loads each, CPU seconds of all
Chromium processes per page): 2,19 with Playwright, 1,55 with this client — work a
user's browser does not do, on the same two cores as the server. This client opens
browser contexts and pages, navigates and evaluates expressions (``Target``, ``Page``,
``Runtime`` commands only; no domain is enabled, no event subscribed), which is all a
page-load benchmark needs. Protocol: https://chromedevtools.github.io/devtools-protocol/

The websocket is tornado's (installed with Voilà); no further dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tornado.websocket import WebSocketClientConnection, websocket_connect

FOREGROUND = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
"""Every page is treated as the visible tab of its own window, as each user looks at
their own page (Playwright starts Chromium with the same three switches): without them,
Chromium may throttle the timers and lower the priority of pages it considers hidden."""


class CdpError(RuntimeError):
    """An error answer of the browser to a command."""


class CdpBrowser:
    """One Chromium process; :meth:`new_page` opens a page in a fresh browser context
    (no shared cache or cookies, as on another person's computer)."""

    def __init__(self, proc: subprocess.Popen, ws: WebSocketClientConnection,
                 profile: Path) -> None:
        self.proc = proc
        self._ws = ws
        self._profile = profile
        self._next = 0
        self._pending: dict[int, asyncio.Future] = {}
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def launch(cls, executable: str, args: list[str],
                     timeout: float = 30.0) -> CdpBrowser:
        """Start ``executable`` headless with ``args`` and connect to it."""
        profile = Path(tempfile.mkdtemp(prefix="kp-cdp-"))
        proc = subprocess.Popen(
            [executable, *args, *FOREGROUND, "--headless", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while True:
            lines = port_file.read_text().split() if port_file.exists() else []
            if len(lines) >= 2:
                break
            if proc.poll() is not None or time.monotonic() > end:
                proc.kill()
                raise RuntimeError(f"Chromium startet nicht ({executable})")
            await asyncio.sleep(0.05)
        ws = await websocket_connect(f"ws://127.0.0.1:{lines[0]}{lines[1]}",
                                     max_message_size=1 << 28)
        return cls(proc, ws, profile)

    async def _read(self) -> None:
        while True:
            message = await self._ws.read_message()
            if message is None:
                for future in self._pending.values():
                    if not future.done():
                        future.set_exception(CdpError("Verbindung zum Browser beendet"))
                return
            data = json.loads(message)
            future = self._pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   session: str | None = None) -> dict[str, Any]:
        """Send one command (to a page's ``session``) and return its result."""
        self._next += 1
        future = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        message: dict[str, Any] = {"id": self._next, "method": method,
                                   "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self._ws.write_message(json.dumps(message))
        answer = await future
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error']}")
        return answer["result"]

    async def new_page(self, width: int = 1600, height: int = 1000) -> CdpPage:
        """A blank page of ``width`` × ``height`` CSS pixels in a fresh browser context."""
        context = (await self.send("Target.createBrowserContext"))["browserContextId"]
        target = (await self.send("Target.createTarget", {
            "url": "about:blank", "browserContextId": context,
            "width": width, "height": height}))["targetId"]
        session = (await self.send("Target.attachToTarget",
                                   {"targetId": target, "flatten": True}))["sessionId"]
        await self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session)
        await self.send("Emulation.setLocaleOverride", {"locale": "de-DE"}, session)
        await self.send("Emulation.setFocusEmulationEnabled", {"enabled": True}, session)
        return CdpPage(self, context, target, session)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.send("Browser.close")
        self._ws.close()
        self._reader.cancel()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)


class CdpPage:
    """A page opened by :meth:`CdpBrowser.new_page`."""

    def __init__(self, browser: CdpBrowser, context: str, target: str, session: str) -> None:
        self.browser, self.context, self.target, self.session = browser, context, target, session

    async def goto(self, url: str) -> None:
        """Start loading ``url`` (returns when the navigation has been committed)."""
        result = await self.browser.send("Page.navigate", {"url": url}, self.session)
        if result.get("errorText"):
            raise CdpError(f"{url}: {result['errorText']}")

    async def evaluate(self, function: str) -> Any:
        """The value of the JavaScript function ``function`` called in the page."""
        result = await self.browser.send("Runtime.evaluate", {
            "expression": f"({function})()", "returnByValue": True}, self.session)
        return result.get("result", {}).get("value")

    async def close(self) -> None:
        """Close the tab as a user does (its unload handlers run), then its context."""
        with contextlib.suppress(CdpError):
            await self.browser.send("Target.closeTarget", {"targetId": self.target})
        with contextlib.suppress(CdpError):
            await self.browser.send("Target.disposeBrowserContext",
                                    {"browserContextId": self.context})
