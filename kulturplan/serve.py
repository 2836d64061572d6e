"""Serving the dashboards to many users: the shared mode and the kernel cap.

``kulturplan serve --host 127.0.0.1 --port 8866`` starts Voilà on the project's
``dashboards/`` with the project's ``voila.json`` (the same server as ``make start``) and
requires the password (token) the administrator set in ``$KULTURPLAN_TOKEN`` or in a
file named with ``--token-file``. Authentication is jupyter-server's
``PasswordIdentityProvider`` as Voilà configures it (``Voila.token``): a browser is sent
to Voilà's login page, the token entered there sets a signed login cookie; nothing of
it is implemented here. Voilà itself only registers the dashboards, the widget
websocket of a page's own kernel and static assets — no contents, terminals, tree or
lab (see ``tests/test_serve.py`` for what answers what).

This module is imported by the Voilà server process (``voila.json`` names
:class:`CappedKernelManager`), so it imports nothing heavy from kulturplan.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import (
    AsyncMappingKernelManager,
    ServerKernelManager,
)
from tornado.web import HTTPError
from traitlets import DottedObjectName, Float, Integer, Type, default

from kulturplan._paths import ENV_TOKEN, project_root
from kulturplan.errors import ParameterError

MIN_TOKEN_LENGTH = 16
"""Shortest accepted password: long enough that guessing over the network is hopeless."""

TOKEN_HINT = (
    'Ein zufälliges Passwort erzeugt z. B. `python -c "import secrets; '
    'print(secrets.token_urlsafe(24))"`.'
)

BUSY_MESSAGE = (
    "Gerade sind alle {limit} Plätze für geöffnete Dashboards belegt. Bitte in ein bis zwei "
    "Minuten neu laden – sobald andere ihre Seiten schließen, wird wieder Platz frei."
)
"""Text of the page shown when the kernel cap is reached (HTTP 503)."""


def read_token(token_file: str | Path | None = None,
               environ: Mapping[str, str] | None = None) -> str:
    """The shared mode's password: the first line of ``token_file``, else ``$KULTURPLAN_TOKEN``.

    Raises
    ------
    kulturplan.errors.ParameterError
        Without a password, or with one shorter than :data:`MIN_TOKEN_LENGTH`
        characters (German message saying how to set one).
    """
    env = os.environ if environ is None else environ
    if token_file is not None:
        path = Path(token_file).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ParameterError(
                f"Die Passwortdatei „{path}“ ist nicht lesbar ({exc.strerror})."
            ) from exc
        token, where = (lines[0].strip() if lines else ""), f"in der Datei „{path}“"
    else:
        token, where = env.get(ENV_TOKEN, "").strip(), f"in der Umgebungsvariable {ENV_TOKEN}"
    if not token:
        raise ParameterError(
            "Der geteilte Betrieb startet nicht ohne Passwort: bitte ein Passwort in der "
            f"Umgebungsvariable {ENV_TOKEN} oder in einer Datei (--token-file DATEI) "
            f"setzen. {TOKEN_HINT}"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise ParameterError(
            f"Das Passwort {where} ist zu kurz ({len(token)} Zeichen); nötig sind mindestens "
            f"{MIN_TOKEN_LENGTH}. {TOKEN_HINT}"
        )
    return token


def voila_argv(dashboards: Path, *, host: str, port: int, base_url: str = "/") -> list[str]:
    """Command line of the shared server (the token is passed as configuration, never here,
    so that it does not show in the process list)."""
    if not 0 < port < 65536:
        raise ParameterError(f"Ungültiger Port {port}: erlaubt sind 1 bis 65535.")
    if not base_url.startswith("/"):
        raise ParameterError(f"Der Basis-Pfad „{base_url}“ muss mit „/“ beginnen.")
    return [
        str(dashboards), "--no-browser", f"--Voila.ip={host}", f"--port={port}",
        f"--Voila.base_url={base_url.rstrip('/') + '/'}",
    ]


def dashboards_folder(root: Path | None = None) -> Path:
    """The project's ``dashboards/`` folder (German error when kulturplan runs without it)."""
    root = project_root() if root is None else root
    folder = None if root is None else root / "dashboards"
    if folder is None or not folder.is_dir():
        raise ParameterError(
            "Der Ordner „dashboards“ des kulturplan-Projekts wurde nicht gefunden; bitte "
            "„kulturplan serve“ im Projektordner aufrufen (dort, wo auch „make start“ läuft)."
        )
    return folder


def serve(*, host: str, port: int, token: str, base_url: str = "/",
          root: Path | None = None) -> None:  # pragma: no cover - runs until stopped
    """Run Voilà in this process on the project's dashboards, protected by ``token``.

    The working directory becomes the project root, so that ``voila.json`` applies
    exactly as with ``make start``.
    """
    from traitlets.config import Config
    from voila.app import Voila

    folder = dashboards_folder(root)
    os.chdir(folder.parent)
    config = Config()
    config.Voila.token = token
    # /voila/files/ is served without login (a tornado StaticFileHandler): nothing there
    config.VoilaConfiguration.file_allowlist = []
    Voila.launch_instance(
        argv=voila_argv(Path("dashboards"), host=host, port=port, base_url=base_url),
        config=config,
    )


POLL_SLICE_S = 0.5
"""Longest single wait of a kernel channel of the server (see :class:`SlicedChannel`)."""

CLOSE_LINGER_MS = 1000
"""How long a closed kernel channel of the server still delivers the messages queued on it
(see :meth:`SlicedChannel.close`)."""


class SlicedChannel(AsyncZMQSocketChannel):
    """A kernel channel whose waits for a message end at least every :data:`POLL_SLICE_S`
    seconds with a level-triggered check of the socket.

    Why: Voilà's executor waits for a cell's ``execute_reply`` with *one* poll of the shell
    socket for the whole cell timeout (nbclient ``_async_poll_for_reply``, 180 s here).
    pyzmq's asyncio poll is woken by the socket's edge-triggered file descriptor and looks
    at the socket itself (``zmq_poll`` with timeout 0) only when woken or timed out. The
    stuck pages (voila-dashboards/voila#1428) looked exactly like a lost wake-up: in the
    server log the kernel had sent ``execute_result`` and gone ``idle``, no error, no
    timeout, and the page received nothing after the kernel start (2 of 60 sequential loads
    with three busy processes beside the server). A wait cut into slices looks at the
    socket after each slice, so a lost wake-up costs at most one slice: 0 of 80 loads under
    the same load. Results and timeouts are unchanged.

    Closing it still delivers what is queued on it (:meth:`close`).
    """

    def close(self) -> None:
        """Close the channel; messages queued on it are still delivered for up to
        :data:`CLOSE_LINGER_MS` ms.

        jupyter_client closes a channel with ``linger=0``, which drops the messages ZMQ has
        not yet passed on. Voilà closes its executor's channels right after the last cell,
        and the last messages nbclient had sent on the shell channel (its stand-in for the
        browser's Output widgets syncs captured output back to the kernel) were then
        sometimes lost under load: with preheated kernels 1 of 60 Kreisübersicht pages
        showed an empty profile chart (the kernel's widget state lacked its output).
        """
        if self.socket is not None:
            # as jupyter_client: an error while closing is no error of the page
            with contextlib.suppress(Exception):
                self.socket.close(linger=CLOSE_LINGER_MS)
            self.socket = None  # type: ignore[assignment]  # as jupyter_client does

    stop = close

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = POLL_SLICE_S if deadline is None else min(
                POLL_SLICE_S, max(deadline - time.monotonic(), 0.0))
            if await self.socket.poll(int(step * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SlicedKernelClient(AsyncKernelClient):
    """Voilà's kernel client (used by its executor) with :class:`SlicedChannel` channels."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
    stdin_channel_class = Type(SlicedChannel)
    control_channel_class = Type(SlicedChannel)


class PageKernelManager(ServerKernelManager):
    """Jupyter-server's manager of one kernel, whose clients are :class:`SlicedKernelClient`."""

    client_class = DottedObjectName("kulturplan.serve.SlicedKernelClient")
    client_factory = Type(SlicedKernelClient)


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter-server's kernel manager with an upper bound on the number of kernels, and
    closed pages' kernels shut down at once.

    Every page holds a kernel (about 170 MB); without a bound, many anonymous loads
    fill the machine's memory (issue 9, item 13). When ``max_kernels`` pages hold one, a
    new page gets HTTP 503 with a calm German page (template ``error.html``) asking to
    reload in a minute. With Voilà's preheated kernels (``voila.json``: a pool per
    dashboard that has already executed it, so a page is drawn at once) the pools come on
    top of the bound: refilling them is never refused, and their kernels do not count as
    pages (:meth:`page_kernel_count`; the cap is applied through ``get_pool_size``, see
    :meth:`__init_subclass__`).

    Its kernels' clients are :class:`SlicedKernelClient` (:class:`PageKernelManager`), so
    that a lost wake-up of a kernel channel never leaves a page hanging.

    Voilà 0.5 does not shut a kernel down when its page is closed (the idle culler
    would, after ``cull_idle_timeout``); a page's kernel serves no other page, so when the
    last websocket of a kernel closes and none reconnects within ``closed_page_grace``
    seconds (a network blip), the kernel is shut down. A page that is still executing
    has not connected yet and is not affected.
    """

    max_kernels = Integer(
        12, config=True,
        help="Höchstzahl der Kernel geöffneter Dashboard-Seiten (jede Seite hat einen; die "
        "vorgewärmten Kernel der Pools zählen nicht mit).",
    )
    closed_page_grace = Float(
        20.0, config=True,
        help="Sekunden nach dem Schließen der letzten Verbindung, bis der Kernel beendet wird "
        "(negativ: nie, nur der Leerlauf-Culler).",
    )

    unconnected_timeout = Float(
        120.0, config=True,
        help="Sekunden Leerlauf, nach denen ein Kernel beendet wird, mit dem sich nie eine "
        "Seite verbunden hat (Aufruf durch ein Skript, abgebrochenes Laden).",
    )

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self) -> str:
        return "kulturplan.serve.PageKernelManager"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._closing: set[asyncio.Task] = set()
        self._connected_once: set[str] = set()
        self._handed_out: dict[str, Any] = {}
        self._preheated: set[str] = set()  # pool kernels started, not yet handed to a page
        self._pool_starting = 0  # pool kernels being started (their id not known yet)

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._connected_once.add(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Also cull kernels no page ever connected to, after ``unconnected_timeout``."""
        kernel = self._kernels.get(kernel_id)
        last = getattr(kernel, "last_activity", None)
        if last is not None and kernel_id in self._handed_out:
            # a preheated kernel idles in its pool until a page takes it: count from then
            last = max(last, self._handed_out[kernel_id])
        if (kernel is not None and last is not None and kernel_id not in self._connected_once
                and getattr(kernel, "execution_state", None) != "busy"
                and utcnow() - last > timedelta(seconds=self.unconnected_timeout)):
            self.log.info("Kernel %s ohne Seite beendet", kernel_id)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:  # type: ignore[override]
        self._handed_out.pop(kernel_id, None)
        self._preheated.discard(kernel_id)
        self._connected_once.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self.closed_page_grace < 0 or self._kernel_connections.get(kernel_id) != 0:
            return
        task = asyncio.ensure_future(self._shutdown_if_closed(kernel_id))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _shutdown_if_closed(self, kernel_id: str) -> None:
        await asyncio.sleep(self.closed_page_grace)
        if kernel_id in self and self._kernel_connections.get(kernel_id) == 0:
            self.log.info("Seite geschlossen: Kernel %s beendet", kernel_id)
            await self.shutdown_kernel(kernel_id)
            self._connected_once.discard(kernel_id)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give Voilà's preheating subclass the cap, and let pages take only ready kernels.

        With ``preheat_kernel`` Voilà builds its kernel manager as a subclass of this
        class (``voila.voila_kernel_manager.voila_kernel_manager_factory``), and a page
        then takes a kernel of the pool instead of starting one, so :meth:`start_kernel`
        alone would never refuse a page. The subclass's ``get_pool_size`` answers 0 while
        :meth:`pages_full`: Voilà's handler then starts a kernel of its own for the page,
        which :meth:`start_kernel` refuses with the calm 503 page.

        Voilà counts a pool's refills as available while they still wait ``fill_delay``
        seconds before starting, and a page handed such a refill waited for the delay
        (13 s for the ninth of ten quick loads with a pool of eight and a delay of 20 s).
        ``get_pool_size`` here counts only :meth:`ready_pool_kernels` (kernel started), and
        those are handed out first; with none ready a page starts its own kernel at once.

        A kernel handed to a page is noted with the time, so that the culling of kernels
        no page connected to (``unconnected_timeout``) counts from then, not from its
        execution in the pool (a page taking a kernel that waited two minutes in the pool
        lost it before its websocket connected).
        """
        super().__init_subclass__(**kwargs)
        if "get_pool_size" not in cls.__dict__ or "get_rendered_notebook" not in cls.__dict__:
            return

        def get_pool_size(self: CappedKernelManager, notebook_name: str) -> int:
            if self.pages_full():
                return 0
            self.drop_failed_pool_kernels(notebook_name)
            return len(self.ready_pool_kernels(notebook_name))

        rendered = cls.__dict__["get_rendered_notebook"]

        async def get_rendered_notebook(self: CappedKernelManager, notebook_name: str,
                                        *args: Any, **kwargs: Any) -> Any:
            pool = getattr(self, "_pools", {}).get(notebook_name)
            if pool:
                self.drop_failed_pool_kernels(notebook_name)
                # Voilà hands out the first: the usable ones first, in their order
                pool.sort(key=lambda task: not self._usable(task))
            result = await rendered(self, notebook_name, *args, **kwargs)
            self._handed_out[result[2]] = utcnow()  # (render task, cache, kernel id)
            self._preheated.discard(result[2])  # a page's kernel from now on
            return result

        cls.get_pool_size = get_pool_size  # type: ignore[attr-defined]
        cls.get_rendered_notebook = get_rendered_notebook  # type: ignore[attr-defined]

    def ready_pool_kernels(self, notebook_name: str) -> list[str]:
        """Kernels of a dashboard's pool that have started (their notebook executes or has
        executed) and still run, in the pool's order; refills still waiting
        ``fill_delay`` are not, nor kernels that died (:meth:`drop_failed_pool_kernels`)."""
        pool = getattr(self, "_pools", {}).get(notebook_name, [])
        return [task.result()["kernel_id"] for task in pool if self._usable(task)]

    def _usable(self, task: asyncio.Future) -> bool:
        return _ready(task) and task.result()["kernel_id"] in self

    def drop_failed_pool_kernels(self, notebook_name: str) -> list[str]:
        """Take the pool entries whose kernel died out of a dashboard's pool and start
        kernels in their place; returns the dead kernels' ids.

        A kernel can die while it starts, e.g. when another process took one of the TCP
        ports jupyter_client chose for it (``ZMQError: Address already in use``, seen
        with 14 pool kernels starting at once). Jupyter-server then removes it from its
        kernels, but Voilà keeps its pool entry, counts the pool as filled and hands the
        dead kernel to the next page, which broke off after its first bytes and stayed
        on "Berechnung läuft" (1 of 8 concurrent loads in the benchmark)."""
        pool = getattr(self, "_pools", {}).get(notebook_name, [])
        dead = [task for task in pool if _ready(task) and not self._usable(task)]
        for task in dead:
            pool.remove(task)
            self._preheated.discard(task.result()["kernel_id"])
            self.log.warning("Vorgewärmter Kernel %s für %s ist ausgefallen; er wird ersetzt",
                             task.result()["kernel_id"], notebook_name)
        if dead:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)  # type: ignore[attr-defined]
        return [task.result()["kernel_id"] for task in dead]

    def pool_kernel_ids(self) -> set[str]:
        """Kernels waiting in Voilà's pools of preheated kernels (no page yet): started for
        a pool and not handed out, also while Voilà still sets their pool entry up."""
        ready = {kid for name in getattr(self, "_pools", {})
                 for kid in self.ready_pool_kernels(name)}
        return (ready | self._preheated) & set(self.list_kernel_ids())

    def page_kernel_count(self) -> int:
        """Kernels that belong to a page: all running kernels except the pools', less the
        pool kernels being started (running already, but their id is not known yet; at a
        server's start 14 of them made a first page look like a full house)."""
        pages = len(set(self.list_kernel_ids()) - self.pool_kernel_ids())
        return max(0, pages - self._pool_starting)

    def pages_full(self) -> bool:
        """Whether ``max_kernels`` pages hold a kernel (a new page is refused)."""
        return self.page_kernel_count() >= self.max_kernels

    async def start_kernel(self, *args, **kwargs) -> str:  # type: ignore[override]
        env = kwargs.get("env") or {}
        preheat = env.get("VOILA_PREHEAT") == "True"
        if not preheat and self.pages_full():
            self.log.warning("Kernel-Obergrenze %d erreicht: Seite abgewiesen", self.max_kernels)
            # the German text is the page body (error.html); the status line stays ASCII
            raise HTTPError(503, BUSY_MESSAGE.format(limit=self.max_kernels))
        if not preheat:
            return await super().start_kernel(*args, **kwargs)
        self._pool_starting += 1
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        finally:
            self._pool_starting -= 1
        self._preheated.add(kernel_id)
        return kernel_id


def _ready(task: asyncio.Future) -> bool:
    """Whether a pool entry of Voilà (a task starting a kernel) has its kernel."""
    return task.done() and not task.cancelled() and task.exception() is None
