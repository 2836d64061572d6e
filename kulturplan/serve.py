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
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Integer

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


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter-server's kernel manager with an upper bound on the number of kernels, and
    closed pages' kernels shut down at once.

    Every page load starts a kernel (about 150 MB); without a bound, many anonymous loads
    fill the machine's memory (issue 9, item 13). When ``max_kernels`` kernels run, a
    new page gets HTTP 503 with a calm German page (template ``error.html``) asking to
    reload in a minute. Kernels that Voilà starts to refill its pool of preheated kernels
    are not refused (at most the pool size on top of the bound).

    Voilà 0.5 does not shut a kernel down when its page is closed (the idle culler
    would, after ``cull_idle_timeout``); a page's kernel serves no other page, so when the
    last websocket of a kernel closes and none reconnects within ``closed_page_grace``
    seconds (a network blip), the kernel is shut down. A page that is still executing
    has not connected yet and is not affected.
    """

    max_kernels = Integer(
        12, config=True,
        help="Höchstzahl gleichzeitig laufender Kernel (jede offene Dashboard-Seite hat einen).",
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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._closing: set[asyncio.Task] = set()
        self._connected_once: set[str] = set()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._connected_once.add(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Also cull kernels no page ever connected to, after ``unconnected_timeout``."""
        kernel = self._kernels.get(kernel_id)
        last = getattr(kernel, "last_activity", None)
        if (kernel is not None and last is not None and kernel_id not in self._connected_once
                and getattr(kernel, "execution_state", None) != "busy"
                and utcnow() - last > timedelta(seconds=self.unconnected_timeout)):
            self.log.info("Kernel %s ohne Seite beendet", kernel_id)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

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

    async def start_kernel(self, *args, **kwargs) -> str:  # type: ignore[override]
        env = kwargs.get("env") or {}
        preheat = env.get("VOILA_PREHEAT") == "True"
        if not preheat and len(self.list_kernel_ids()) >= self.max_kernels:
            self.log.warning("Kernel-Obergrenze %d erreicht: Seite abgewiesen", self.max_kernels)
            # the German text is the page body (error.html); the status line stays ASCII
            raise HTTPError(503, BUSY_MESSAGE.format(limit=self.max_kernels))
        return await super().start_kernel(*args, **kwargs)

