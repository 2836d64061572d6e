"""Environment variables and folder lookup — the one place for them (bottom layer).

No imports from the rest of kulturplan. Used by the dashboards (:mod:`kulturplan.ui.data`),
the notebook helpers (:mod:`kulturplan.overview`) and the reference-file lookup of
:mod:`kulturplan.sources.build`.

Environment variables
---------------------
``KULTURPLAN_REGION``
    Region folder a dashboard shows (default: the demo district).
``KULTURPLAN_CACHE_DIR``
    Cache folder of the dashboards' indicator tables (default
    ``$XDG_CACHE_HOME/kulturplan`` or ``~/.cache/kulturplan``; ``0``/``off`` switch it off).
``KULTURPLAN_SHARED_DATA``
    Folder of the official reference files (default: ``../shared/data`` next to the
    project, the development layout).
``KULTURPLAN_TOKEN``
    Password (token) of the shared mode ``kulturplan serve`` (see :mod:`kulturplan.serve`);
    set by the administrator, never stored in the repository.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

ENV_REGION = "KULTURPLAN_REGION"
"""Environment variable naming a region folder (``region.toml`` plus tables)."""

ENV_CACHE_DIR = "KULTURPLAN_CACHE_DIR"
"""Environment variable naming the cache folder of the dashboards' indicator tables."""

ENV_SHARED_DATA = "KULTURPLAN_SHARED_DATA"
"""Environment variable that overrides the location of the reference data folder."""

ENV_TOKEN = "KULTURPLAN_TOKEN"
"""Environment variable holding the password (token) of ``kulturplan serve``."""

CACHE_OFF = frozenset({"0", "off", "false", "no"})
"""Values of ``KULTURPLAN_CACHE_DIR`` that switch the cache off."""


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def region_folder_from_env(
    env: str = ENV_REGION, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The region folder named by ``$KULTURPLAN_REGION``, ``None`` for the demo district."""
    folder = _env(environ).get(env, "").strip()
    return Path(folder).expanduser() if folder else None


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Folder of the indicator-table cache; ``None`` when switched off.

    ``$KULTURPLAN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/kulturplan`` or
    ``~/.cache/kulturplan``.
    """
    env = _env(environ)
    value = env.get(ENV_CACHE_DIR, "").strip()
    if value.lower() in CACHE_OFF:
        return None
    if value:
        return Path(value).expanduser()
    base = env.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "kulturplan"


def _is_project_root(folder: Path) -> bool:
    return (folder / "pyproject.toml").is_file() and (
        folder / "kulturplan" / "__init__.py"
    ).is_file()


def project_root(start: str | Path | None = None) -> Path | None:
    """Find the kulturplan project folder (with ``pyproject.toml`` and ``kulturplan/``).

    Looks in ``start`` (default: the working directory) and its parents, then next to
    the installed package (an editable install lives in the project). Returns ``None``
    when kulturplan is installed without its project folder.
    """
    here = (Path(start) if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_project_root(folder):
            return folder
    package_parent = Path(__file__).resolve().parents[1]
    return package_parent if _is_project_root(package_parent) else None


def find_data_dir(start: str | Path | None = None) -> Path | None:
    """Find a ``shared/data`` folder in ``start`` (default: working directory) or above.

    So ``../shared/data`` (from the project root) and ``../../shared/data`` (from
    ``notebooks/``) are both found — the development layout; installed use names the
    folder with ``$KULTURPLAN_SHARED_DATA`` (see :func:`shared_data_dir`). Returns
    ``None`` when there is none.
    """
    here = (Path(start) if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def shared_data_dir(
    start: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Where the official reference files are expected.

    ``$KULTURPLAN_SHARED_DATA`` if set, else ``../shared/data`` seen from the project
    root (see :func:`project_root`), else ``shared/data`` in the working directory or
    one of its parents (:func:`find_data_dir`). The folder need not exist.
    """
    value = _env(environ).get(ENV_SHARED_DATA, "").strip()
    if value:
        return Path(value).expanduser()
    root = project_root(start)
    if root is not None:
        candidate = root.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    found = find_data_dir(start)
    if found is not None:
        return found
    base = root.parent if root is not None else Path.cwd().resolve()
    return base / "shared" / "data"


def write_atomic(
    path: str | Path, content: bytes | Callable[[BinaryIO], object], *, private: bool = False
) -> Path:
    """Write ``path`` through a temporary file in its folder and a rename.

    Readers never see a half-written file, and a failed write leaves the old file (and no
    temporary one) behind. The file gets the permissions of any newly created file
    (``0666`` minus the umask), so that an export, a report or the front-end bundle can be
    read by the colleague or the web server it is meant for — not the ``0600`` of
    :func:`tempfile.mkstemp`; ``private=True`` keeps it to the owner (caches).

    Parameters
    ----------
    path
        Target file; its folder must exist.
    content
        The bytes, or a function that writes them to the open binary file
        (e.g. ``lambda fh: pickle.dump(value, fh)``).
    private
        Permissions ``0600`` instead of ``0666`` minus the umask.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    The permissions are given to :func:`os.open`, which applies the umask itself (no
    :func:`os.umask` round trip, which would change the process-wide value for a moment).
    The rename is atomic on POSIX file systems (:func:`os.replace`).
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600 if private else 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                content(handle)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
