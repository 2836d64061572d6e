"""The shared mode (``kulturplan serve``) and what the dashboard server exposes.

Checked with plain HTTP requests against a real server: without the password every
page is refused (redirect to the login page, 403 for APIs), with it only the dashboards
answer — no Jupyter contents, terminals, kernel list, tree or lab, no files through
``/voila/files/`` (also not by path traversal). ``make start`` listens on 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser_support import ROOT, _free_port, _wait_port, stop_process, template_env

from kulturplan import cli
from kulturplan._paths import ENV_TOKEN
from kulturplan.errors import ParameterError
from kulturplan.serve import MIN_TOKEN_LENGTH, read_token, voila_argv

TOKEN = "kp-test-" + "x7Q2m9Lr4Tz8Wc1N"  # 24 characters


# -- the password ---------------------------------------------------------------------------
def test_no_password_is_refused_in_german():
    with pytest.raises(ParameterError, match="startet nicht ohne Passwort.*KULTURPLAN_TOKEN"):
        read_token(environ={})
    with pytest.raises(ParameterError, match="ohne Passwort"):
        read_token(environ={ENV_TOKEN: "   "})


def test_short_password_is_refused():
    with pytest.raises(ParameterError, match=rf"zu kurz \(5 Zeichen\).*{MIN_TOKEN_LENGTH}"):
        read_token(environ={ENV_TOKEN: "abcde"})


def test_password_from_environment_or_file(tmp_path):
    assert read_token(environ={ENV_TOKEN: f"  {TOKEN}\n"}) == TOKEN
    path = tmp_path / "passwort.txt"
    path.write_text(TOKEN + "\nzweite Zeile\n", encoding="utf-8")
    # the file wins over the environment
    assert read_token(path, environ={ENV_TOKEN: "y" * 20}) == TOKEN
    with pytest.raises(ParameterError, match="nicht lesbar"):
        read_token(tmp_path / "fehlt.txt", environ={})
    (tmp_path / "leer.txt").write_text("", encoding="utf-8")
    with pytest.raises(ParameterError, match="ohne Passwort"):
        read_token(tmp_path / "leer.txt", environ={})


def test_token_never_on_the_command_line():
    argv = voila_argv(Path("dashboards"), host="0.0.0.0", port=8866, base_url="/kulturplan")
    assert argv == ["dashboards", "--no-browser", "--Voila.ip=0.0.0.0", "--port=8866",
                    "--Voila.base_url=/kulturplan/"]
    with pytest.raises(ParameterError, match="Port 0"):
        voila_argv(Path("dashboards"), host="127.0.0.1", port=0)
    with pytest.raises(ParameterError, match="muss mit „/“ beginnen"):
        voila_argv(Path("dashboards"), host="127.0.0.1", port=1, base_url="kulturplan")


def test_cli_serve_refuses_to_start_without_password(monkeypatch, capsys):
    monkeypatch.delenv(ENV_TOKEN, raising=False)
    assert cli.main(["serve", "--port", "8899"]) == 2
    err = capsys.readouterr().err
    assert "kulturplan: Fehler: Der geteilte Betrieb startet nicht ohne Passwort" in err
    assert "Traceback" not in err


# -- make start (its command line: tests/test_package.py) -------------------------------
def _outside_address() -> str | None:
    """This machine's address on its default network interface (not loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent for UDP connect
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.browser
def test_started_like_make_start_not_reachable_from_the_network(voila_url):
    address = _outside_address()
    if address is None:
        pytest.skip("kein Netzwerk-Interface außer loopback")
    port = int(voila_url.rsplit(":", 1)[1])
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((address, port)) != 0, f"{address}:{port} antwortet"
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


# -- the shared server ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """``kulturplan serve`` on a free port with the test password."""
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), KULTURPLAN_TOKEN=TOKEN,
               KULTURPLAN_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    env.pop("JUPYTER_PATH", None)
    env.update(template_env())
    log = open(tmp_path_factory.mktemp("log") / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "kulturplan.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_port(port, proc)
        yield port
    finally:
        stop_process(proc)
        log.seek(0)
        assert TOKEN not in log.read(), "Passwort im Server-Log"
        log.close()


def _get(port: int, path: str, headers: dict[str, str] | None = None,
         method: str = "GET", body: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


AUTH = {"Authorization": f"token {TOKEN}"}


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/voila/render/kreisuebersicht.ipynb",
                                  "/voila/tree/"])
def test_pages_need_the_password(shared, path):
    response = _get(shared, path)
    assert response.status == 302
    assert response.getheader("Location").startswith("/login?next=")
    wrong = _get(shared, path, {"Authorization": "token falsches-passwort-123456"})
    assert wrong.status == 302


@pytest.mark.browser
def test_apis_refuse_without_password(shared):
    kernel = f"/api/kernels/{uuid.uuid4()}"
    assert _get(shared, kernel).status == 403
    assert _get(shared, kernel, method="DELETE").status == 403
    assert _get(shared, f"/voila/api/shutdown/{uuid.uuid4()}", method="POST", body="").status \
        == 403


@pytest.mark.browser
def test_landing_page_with_password(shared):
    response = _get(shared, "/", AUTH)
    assert response.status == 200
    assert _get(shared, f"/?token={TOKEN}").status == 200


@pytest.mark.browser
@pytest.mark.parametrize("path", [
    "/api/kernels", "/api/contents", "/api/contents/dashboards", "/api/terminals",
    "/api/sessions", "/terminals/1", "/tree", "/lab", "/api/kernelspecs", "/api/status",
])
def test_no_jupyter_apis_even_with_password(shared, path):
    assert _get(shared, path, AUTH).status == 404


@pytest.mark.browser
def test_voila_contents_lists_names_only(shared):
    """Voilà's tree API (``/voila/api/contents``) names the dashboards, never a content."""
    conn = http.client.HTTPConnection("127.0.0.1", shared, timeout=60)
    conn.request("GET", "/voila/api/contents/kreisuebersicht.ipynb?content=1", headers=AUTH)
    response = conn.getresponse()
    model = json.loads(response.read())
    conn.close()
    assert response.status == 200
    assert model["type"] == "notebook" and model["content"] is None
    for path in ("/voila/api/contents/..%2fvoila.json",
                 "/voila/api/contents/%2e%2e/pyproject.toml?content=1"):
        assert _get(shared, path, AUTH).status == 404
    assert _get(shared, "/voila/api/contents").status == 403  # API without password


@pytest.mark.browser
def test_unknown_kernel_with_password(shared):
    assert _get(shared, f"/api/kernels/{uuid.uuid4()}", AUTH).status == 404


@pytest.mark.browser
@pytest.mark.parametrize("path", [
    "/voila/files/kreisuebersicht.ipynb",
    "/voila/files/../voila.json",
    "/voila/files/..%2fvoila.json",
    "/voila/files/%2e%2e/%2e%2e/pyproject.toml",
    "/voila/files/..%2f..%2fkulturplan%2f_paths.py",
    "/voila/files//etc/passwd",
    "/voila/files/../../../../etc/passwd",
])
def test_no_files_by_path_traversal(shared, path):
    for headers in ({}, AUTH):
        response = _get(shared, path, headers)
        assert response.status in (403, 404), (path, response.status)


@pytest.mark.browser
def test_login_form(shared):
    login = _get(shared, "/login")
    assert login.status == 200
    cookie = "; ".join(c.split(";")[0] for c in login.headers.get_all("Set-Cookie") or [])
    xsrf = re.search(r"_xsrf=([^;]+)", cookie)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    form = {"password": "falsches-passwort-123456"}
    if xsrf:
        form["_xsrf"] = xsrf.group(1)
    bad = _get(shared, "/login", headers, method="POST", body=urlencode(form))
    assert bad.status == 401
    form["password"] = TOKEN
    good = _get(shared, "/login?next=%2F", headers, method="POST", body=urlencode(form))
    assert good.status == 302
    session = "; ".join(c.split(";")[0] for c in good.headers.get_all("Set-Cookie"))
    assert _get(shared, "/", {"Cookie": session}).status == 200



# -- the kernel manager (cap, closed pages) ------------------------------------------------
def _manager(**kwargs):
    from kulturplan.serve import CappedKernelManager

    km = CappedKernelManager(**kwargs)
    km.shut = []

    async def shutdown_kernel(kernel_id, *args, **kw):
        km.shut.append(kernel_id)
        km._kernels.pop(kernel_id, None)

    km.shutdown_kernel = shutdown_kernel
    return km


def test_kernel_cap_refuses_calmly(monkeypatch):
    import asyncio

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado.web import HTTPError

    from kulturplan.serve import BUSY_MESSAGE

    started = []

    async def fake_start(self, *args, **kwargs):
        started.append(kwargs.get("env", {}).get("VOILA_PREHEAT"))
        return "neu"

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
    km = _manager(max_kernels=2)
    km._kernels.update({"a": object(), "b": object()})
    with pytest.raises(HTTPError) as info:
        asyncio.run(km.start_kernel(kernel_name="python3", env={"VOILA_PREHEAT": "False"}))
    assert info.value.status_code == 503
    assert info.value.log_message == BUSY_MESSAGE.format(limit=2)
    assert "alle 2 Plätze" in info.value.log_message
    # refilling the pool of preheated kernels is not refused; below the cap pages start
    assert asyncio.run(km.start_kernel(env={"VOILA_PREHEAT": "True"})) == "neu"
    km._kernels.pop("b")
    assert asyncio.run(km.start_kernel(env={"VOILA_PREHEAT": "False"})) == "neu"
    assert started == ["True", "False"]


def test_closed_page_kernel_is_shut_down_after_grace():
    import asyncio

    async def scenario():
        km = _manager(closed_page_grace=0.05)
        km._kernels.update({"zu": object(), "neu-verbunden": object(), "zwei": object()})
        km._kernel_connections.update({"zu": 1, "neu-verbunden": 1, "zwei": 2})
        km.notify_disconnect("zu")            # the page was closed
        km.notify_disconnect("neu-verbunden")  # a network blip: reconnects in time
        km.notify_connect("neu-verbunden")
        km.notify_disconnect("zwei")          # one of two connections left
        await asyncio.sleep(0.2)
        return km.shut

    assert asyncio.run(scenario()) == ["zu"]


def test_closed_page_grace_negative_keeps_kernels():
    import asyncio

    async def scenario():
        km = _manager(closed_page_grace=-1)
        km._kernels["zu"] = object()
        km._kernel_connections["zu"] = 1
        km.notify_disconnect("zu")
        await asyncio.sleep(0.05)
        return km.shut

    assert asyncio.run(scenario()) == []


def test_kernel_no_page_connected_to_is_culled():
    import asyncio
    from datetime import timedelta
    from types import SimpleNamespace

    from jupyter_server._tz import utcnow

    async def scenario():
        km = _manager(unconnected_timeout=60, cull_idle_timeout=900)
        old = utcnow() - timedelta(seconds=61)
        spec = {"kernel_spec": SimpleNamespace(metadata={}), "kernel_name": "python3"}
        km._kernels.update({
            "skript": SimpleNamespace(last_activity=old, execution_state="idle", **spec),
            "rechnet": SimpleNamespace(last_activity=old, execution_state="busy", **spec),
            "frisch": SimpleNamespace(last_activity=utcnow(), execution_state="idle", **spec),
        })
        for kernel_id in ("skript", "rechnet", "frisch"):
            await km.cull_kernel_if_idle(kernel_id)
        return km.shut

    assert asyncio.run(scenario()) == ["skript"]


# -- kernel channels: a lost wake-up costs one slice, not the cell timeout -------------------
def _channel_pair():
    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    from kulturplan.serve import SlicedChannel

    ctx = zmq.asyncio.Context()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    port = a.bind_to_random_port("tcp://127.0.0.1")
    b.connect(f"tcp://127.0.0.1:{port}")
    session = Session()
    return ctx, a, SlicedChannel(b, session), session


def test_sliced_channel_returns_a_message_and_times_out():
    import asyncio
    from queue import Empty

    async def scenario():
        ctx, sender, channel, session = _channel_pair()
        session.send(sender, "execute_reply", {"status": "ok"})
        msg = await channel.get_msg(timeout=5)
        t0 = asyncio.get_running_loop().time()
        with pytest.raises(Empty):
            await channel.get_msg(timeout=1.2)  # three slices, nothing sent
        waited = asyncio.get_running_loop().time() - t0
        ctx.destroy(linger=0)
        return msg, waited

    msg, waited = asyncio.run(scenario())
    assert msg["msg_type"] == "execute_reply" and msg["content"] == {"status": "ok"}
    assert 1.1 <= waited < 3.0


def test_closing_a_sliced_channel_delivers_what_is_queued():
    """Voilà closes its executor's channels right after the last cell; the last messages
    nbclient queued on the shell channel (Output widget syncs) must still reach the kernel.
    jupyter_client's ``close(linger=0)`` dropped them (an empty profile chart in 1 of 60
    preheated Kreisübersicht pages)."""
    import asyncio

    from kulturplan import serve

    async def scenario():
        ctx, receiver, channel, session = _channel_pair()
        await asyncio.sleep(0.2)  # connected
        for i in range(50):  # with linger=0 about 10 of these 50 never arrived
            channel.send(session.msg("comm_msg", {"i": i, "data": "x" * 5000}))
        channel.close()  # at once, as Voilà's _cleanup_resources does
        got = []
        while await receiver.poll(2000):
            parts = session.feed_identities(await receiver.recv_multipart(), copy=True)[1]
            got.append(session.deserialize(parts)["content"]["i"])
        receiver.close(linger=0)
        ctx.term()
        return got, channel.socket

    for _ in range(3):
        got, socket = asyncio.run(scenario())
        assert got == list(range(50))
        assert socket is None
    assert serve.CLOSE_LINGER_MS >= 500


def test_sliced_channel_recovers_a_lost_wakeup(monkeypatch):
    """The first poll misses the message (as a lost edge-triggered wake-up does: it waits
    its whole timeout and answers 0); the next slice finds it."""
    import asyncio

    from kulturplan import serve

    async def scenario():
        ctx, sender, channel, session = _channel_pair()
        session.send(sender, "execute_reply", {"status": "ok"})
        await asyncio.sleep(0.2)  # the reply has arrived
        real_poll, calls = channel.socket.poll, []

        async def lossy_poll(timeout_ms=None):
            calls.append(timeout_ms)
            if len(calls) == 1:
                await asyncio.sleep(timeout_ms / 1000)
                return 0
            return await real_poll(timeout_ms)

        monkeypatch.setattr(channel.socket, "poll", lossy_poll)
        t0 = asyncio.get_running_loop().time()
        msg = await channel.get_msg(timeout=180)  # Voilà's cell timeout
        waited = asyncio.get_running_loop().time() - t0
        ctx.destroy(linger=0)
        return msg, waited, calls

    msg, waited, calls = asyncio.run(scenario())
    assert msg["msg_type"] == "execute_reply"
    assert calls[0] == int(serve.POLL_SLICE_S * 1000) and len(calls) == 2
    assert waited < serve.POLL_SLICE_S + 1.0


def test_voila_executor_client_uses_sliced_channels():
    from kulturplan.serve import CappedKernelManager, SlicedChannel

    km = CappedKernelManager()
    assert km.kernel_manager_class == "kulturplan.serve.PageKernelManager"
    from kulturplan.serve import PageKernelManager

    client = PageKernelManager().client()
    assert client.shell_channel_class is SlicedChannel
    assert client.iopub_channel_class is SlicedChannel


# -- the cap with Voilà's pools of preheated kernels -------------------------------------
def test_cap_applies_to_pages_served_from_the_pool(tmp_path):
    """With ``preheat_kernel`` Voilà subclasses the manager; a page then takes a pool
    kernel, so the cap is checked where the handler asks for the pool size: at the cap it
    gets 0 and starts a kernel of its own, which start_kernel refuses (503)."""
    import asyncio

    from traitlets import Unicode
    from traitlets.config import Configurable
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from kulturplan.serve import CappedKernelManager

    class App(Configurable):
        root_dir = Unicode(str(tmp_path))  # no notebooks: no pool is filled here
        notebook_path = None

    cls = voila_kernel_manager_factory(CappedKernelManager, True, 1)
    assert issubclass(cls, CappedKernelManager)

    async def scenario():
        km = cls(parent=App(), max_kernels=2)
        loop = asyncio.get_running_loop()
        pooled = loop.create_future()
        pooled.set_result({"kernel_id": "pool-1"})
        km._pools["kreisuebersicht.ipynb"] = [pooled]
        km._kernels.update({"pool-1": object(), "seite-1": object()})
        below = (km.page_kernel_count(), km.get_pool_size("kreisuebersicht.ipynb"))
        km._kernels["seite-2"] = object()
        at_cap = (km.page_kernel_count(), km.get_pool_size("kreisuebersicht.ipynb"))
        return below, at_cap, km.pool_kernel_ids()

    below, at_cap, pool_ids = asyncio.run(scenario())
    assert below == (1, 1)     # one page kernel, the pool kernel does not count
    assert at_cap == (2, 0)    # two pages: the handler gets no pool kernel ...
    assert pool_ids == {"pool-1"}


def test_pool_kernels_being_started_are_no_pages(monkeypatch):
    """At a server's start the pools' kernels run before Voilà's pool entries have them; they
    must not count as pages (with max_kernels=1 a first page got the 503 page in CI)."""
    import asyncio

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from kulturplan.serve import CappedKernelManager

    async def scenario():
        km = CappedKernelManager(max_kernels=1)
        seen = []

        async def fake_start(self, *args, **kwargs):
            kid = f"k{len(self._kernels)}"
            self._kernels[kid] = object()  # running before start_kernel returns
            seen.append((self.page_kernel_count(), self.pages_full()))
            return kid

        monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", fake_start)
        pool = [await km.start_kernel(env={"VOILA_PREHEAT": "True"}) for _ in range(3)]
        after_pool = (km.page_kernel_count(), km.pool_kernel_ids() == set(pool))
        page = await km.start_kernel(env={"VOILA_PREHEAT": "False"})
        full = km.pages_full()
        with pytest.raises(Exception, match="503"):
            await km.start_kernel(env={})
        return seen, after_pool, page, full

    seen, after_pool, page, full = asyncio.run(scenario())
    assert seen[:3] == [(0, False)] * 3   # starting pool kernels: no pages
    assert after_pool == (0, True)
    assert page == "k3" and full        # the page kernel counts; the next page is refused


def test_a_page_takes_a_started_pool_kernel_never_a_refill_waiting_for_its_delay(tmp_path):
    """Voilà counts refills that still wait ``fill_delay`` as available, and a page handed
    one waited for the delay; here only started kernels count, handed out first."""
    import asyncio
    import types

    from traitlets import Unicode
    from traitlets.config import Configurable
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from kulturplan.serve import CappedKernelManager

    class App(Configurable):
        root_dir = Unicode(str(tmp_path))
        notebook_path = None

    cls = voila_kernel_manager_factory(CappedKernelManager, True, 1)

    async def scenario():
        km = cls(parent=App(), max_kernels=4)
        km.fill_if_needed = lambda **kwargs: None  # no refill in this test
        loop = asyncio.get_running_loop()
        waiting = loop.create_future()  # a refill in its fill_delay
        render = loop.create_future()
        render.set_result((["<div>fertig</div>"], None))
        ready = loop.create_future()
        ready.set_result({"kernel_id": "bereit", "task": render,
                          "renderer": types.SimpleNamespace(stop_generator=False,
                                                            rendered_cache=["<div>"])})
        name = "kreisuebersicht.ipynb"
        km._pools[name] = [waiting, ready]
        km._kernels["bereit"] = object()
        sizes = [km.get_pool_size(name)]
        _, cache, kernel_id = await asyncio.wait_for(  # Voilà's own would wait for the refill
            km.get_rendered_notebook(notebook_name=name), 5)
        sizes.append(km.get_pool_size(name))
        left = km._pools[name]
        waiting.cancel()
        return sizes, kernel_id, cache, left, set(km._handed_out)

    sizes, kernel_id, cache, left, handed = asyncio.run(scenario())
    assert sizes == [1, 0]           # the waiting refill is not counted
    assert kernel_id == "bereit" and cache == ["<div>"] and handed == {"bereit"}
    assert len(left) == 1            # the refill stays in the pool


def test_a_pool_kernel_that_died_is_replaced_never_handed_to_a_page(tmp_path, caplog):
    """A pool kernel that died while starting (a port taken by another process: ``ZMQError:
    Address already in use``) was removed by jupyter-server, but Voilà kept its pool entry,
    counted the pool as filled and gave it to the next page, which stayed on "Berechnung
    läuft" (benchmark, 1 of 8 concurrent loads). Now the entry leaves the pool, a kernel is
    started in its place at once, and the page gets the next living kernel."""
    import asyncio
    import logging
    import types

    from traitlets import Unicode
    from traitlets.config import Configurable
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from kulturplan.serve import CappedKernelManager

    class App(Configurable):
        root_dir = Unicode(str(tmp_path))
        notebook_path = None

    cls = voila_kernel_manager_factory(CappedKernelManager, True, 1)

    def entry(loop, kernel_id):
        render = loop.create_future()
        render.set_result((["<div>fertig</div>"], None))
        done = loop.create_future()
        done.set_result({"kernel_id": kernel_id, "task": render,
                         "renderer": types.SimpleNamespace(stop_generator=False,
                                                           rendered_cache=[kernel_id])})
        return done

    async def scenario():
        km = cls(parent=App(), max_kernels=4)
        refills = []
        km.fill_if_needed = lambda **kwargs: refills.append(kwargs)
        loop = asyncio.get_running_loop()
        name = "kreisuebersicht.ipynb"
        km._pools[name] = [entry(loop, "ausgefallen"), entry(loop, "lebt")]
        km._preheated.update({"ausgefallen", "lebt"})
        km._kernels["lebt"] = object()  # "ausgefallen" was removed by jupyter-server
        size = km.get_pool_size(name)
        after_size = [task.result()["kernel_id"] for task in km._pools[name]]
        km._pools[name].insert(0, entry(loop, "auch ausgefallen"))  # dies after the count
        _, cache, kernel_id = await km.get_rendered_notebook(notebook_name=name)
        return size, after_size, kernel_id, cache, refills, km._pools[name], km._preheated

    with caplog.at_level(logging.WARNING):
        size, after_size, kernel_id, cache, refills, left, preheated = asyncio.run(scenario())
    assert size == 1 and after_size == ["lebt"]
    assert kernel_id == "lebt" and cache == ["lebt"]
    assert left == []
    # one refill at once for each dead kernel (plus Voilà's own after handing one out)
    assert [r.get("delay") for r in refills[:2]] == [0, 0]
    assert {r["notebook_name"] for r in refills} == {"kreisuebersicht.ipynb"}
    assert "ausgefallen" not in preheated
    assert ("Vorgewärmter Kernel ausgefallen für kreisuebersicht.ipynb ist ausgefallen"
            in caplog.text)


def _pool_total() -> int:
    """Number of preheated kernels voila.json asks for (a pool per dashboard)."""
    pools = json.loads((ROOT / "voila.json").read_text(encoding="utf-8"))[
        "VoilaKernelManager"]["kernel_pools_config"]
    names = [p.name for p in (ROOT / "dashboards").glob("*.ipynb")]
    return sum(pools.get(n, pools["default"])["pool_size"] for n in names)


def _kernel_ids_of(pid: int, at_least: int, timeout: float = 120.0) -> set[str]:
    """Ids of the kernels a server process has started (from their connection files),
    once there are ``at_least`` of them."""
    import time

    import psutil

    end = time.monotonic() + timeout
    ids: set[str] = set()
    while time.monotonic() < end:
        ids = set()
        for child in psutil.Process(pid).children(recursive=True):
            found = re.search(r"kernel-([0-9a-f-]+)\.json", " ".join(child.cmdline()))
            if found:
                ids.add(found.group(1))
        if len(ids) >= at_least:
            return ids
        time.sleep(0.5)
    raise AssertionError(f"nur {len(ids)} Kernel gestartet")


def _wait_log(path: Path, text: str, timeout: float = 120.0) -> None:
    """Wait until the server's log says ``text`` (Voilà logs when a pool is filled)."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in path.read_text(encoding="utf-8"):
            return
        time.sleep(0.5)
    raise AssertionError(f"nicht im Protokoll: {text}")


@pytest.mark.browser
def test_preheated_page_then_cap_as_make_start_serves(tmp_path):
    """With preheated kernels (voila.json: a pool per dashboard, as make start serves): the
    first page comes from the Kreisübersicht's pool, already executed; with one page
    allowed, the second gets the calm 503 page although the pool has kernels left."""
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), KULTURPLAN_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("JUPYTER_PATH", None)
    env.pop("KULTURPLAN_REGION", None)
    env.update(template_env())
    voila = ROOT / ".venv" / "bin" / "voila"
    log_path = tmp_path / "voila.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [str(voila) if voila.exists() else "voila", f"--port={port}", "--no-browser",
             "--Voila.ip=127.0.0.1", "--CappedKernelManager.max_kernels=1", "dashboards/"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_port(port, proc)
            waiting = _kernel_ids_of(proc.pid, at_least=_pool_total())  # all pools
            _wait_log(log_path, "Kernel pool of kreisuebersicht.ipynb is filled")
            first = _get(port, "/voila/render/kreisuebersicht.ipynb")
            page = first.body.decode("utf-8")
            second = _get(port, "/voila/render/kreisuebersicht.ipynb")
            busy = second.body.decode("utf-8")
            # read before stopping: stopping the server interrupts pool kernels that still
            # execute their dashboard, and the interrupted build logs its traceback
            text = log_path.read_text(encoding="utf-8")
        finally:
            stop_process(proc)
    assert first.status == 200
    assert "window.voila_finish()" in page and "application/vnd.jupyter.widget-view+json" in page
    # the loading screen names the dashboard and does not animate (browser CPU, issue 16)
    assert "Kreisübersicht wird geladen …" in page and 'id="loading_seconds"' in page
    assert "animation: rotation" not in page
    # its charts are SVG: the page loads no plotly.js (notebook metadata, template)
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">'
                                  r"\s*(\{.*?\})\s*</script>", page, re.S).group(1))
    names = [e["name"] for e in config["federated_extensions"]]
    assert "jupyter-leaflet" in names and "jupyterlab-plotly" not in names
    assert "@jupyter-widgets/jupyterlab-manager" in names
    assert "jupyterlab_pygments" not in names  # no dashboard shows code
    # no MathJax: a typesetter that sets nothing (tests/test_template_browser.py)
    assert config["fullMathjaxUrl"] == "/voila/templates/kulturplan/static/kp-no-mathjax.js"
    # the page's kernel was running before the page was asked for
    assert re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1) in waiting
    assert "Traceback" not in text
    assert second.status == 503
    assert "alle 1 Plätze" in busy and "neu laden" in busy


def test_kernel_taken_from_the_pool_is_not_culled_before_its_page_connects(tmp_path):
    """A preheated kernel idles in its pool (here: executed 10 minutes ago); the culling of
    kernels no page connected to counts from the moment a page takes it."""
    import asyncio
    from datetime import timedelta
    from types import SimpleNamespace

    from jupyter_server._tz import utcnow
    from traitlets import Unicode
    from traitlets.config import Configurable
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from kulturplan.serve import CappedKernelManager

    class App(Configurable):
        root_dir = Unicode(str(tmp_path))
        notebook_path = None
        base_url = server_url = "/"
        port = 8866

    cls = voila_kernel_manager_factory(CappedKernelManager, True, 1)

    async def scenario():
        km = cls(parent=App(), unconnected_timeout=60, cull_idle_timeout=900, fill_delay=3600)
        shut = []

        async def shutdown(kernel_id, *args, **kwargs):
            shut.append(kernel_id)

        km.shutdown_kernel = shutdown
        loop = asyncio.get_running_loop()
        render = loop.create_future()
        render.set_result(([], None))
        pooled = loop.create_future()
        pooled.set_result({"kernel_id": "vorgewaermt", "task": render,
                           "renderer": SimpleNamespace(stop_generator=False, rendered_cache=[])})
        km._pools["kreisuebersicht.ipynb"] = [pooled]
        old = utcnow() - timedelta(minutes=10)
        spec = {"kernel_spec": SimpleNamespace(metadata={}), "kernel_name": "python3"}
        km._kernels["vorgewaermt"] = SimpleNamespace(last_activity=old,
                                                     execution_state="idle", **spec)
        _, _, kernel_id = await km.get_rendered_notebook("kreisuebersicht.ipynb")
        await km.cull_kernel_if_idle(kernel_id)  # the page is still connecting
        for task in [t for pool in km._pools.values() for t in pool]:
            task.cancel()  # the refill (waiting fill_delay)
        return kernel_id, shut

    assert asyncio.run(scenario()) == ("vorgewaermt", [])
