"""Environment and folder lookup in one place (:mod:`kulturplan._paths`, issue 8)."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from kulturplan import _paths, overview
from kulturplan.ui import data as ui_data

ROOT = Path(__file__).resolve().parents[1]


def test_bottom_layer_imports_nothing_from_kulturplan() -> None:
    tree = ast.parse((ROOT / "kulturplan" / "_paths.py").read_text(encoding="utf-8"))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in modules if m.startswith("kulturplan")]


def test_region_folder_from_env(tmp_path: Path) -> None:
    assert _paths.region_folder_from_env(environ={}) is None
    assert _paths.region_folder_from_env(environ={"KULTURPLAN_REGION": "  "}) is None
    env = {"KULTURPLAN_REGION": f" {tmp_path} "}
    assert _paths.region_folder_from_env(environ=env) == tmp_path


def test_cache_dir(tmp_path: Path) -> None:
    for off in ("0", "off", "OFF", "false", "no"):
        assert _paths.cache_dir({"KULTURPLAN_CACHE_DIR": off}) is None
    assert _paths.cache_dir({"KULTURPLAN_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert _paths.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "kulturplan"
    assert _paths.cache_dir({}) == Path.home() / ".cache" / "kulturplan"


def test_find_data_dir(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert _paths.find_data_dir(deep) is None
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert _paths.find_data_dir(deep) == (tmp_path / "shared" / "data").resolve()


def test_shared_data_dir_order(tmp_path: Path) -> None:
    env = {_paths.ENV_SHARED_DATA: str(tmp_path / "x")}
    assert _paths.shared_data_dir(ROOT, environ=env) == tmp_path / "x"  # the variable wins
    beside = ROOT.parent / "shared" / "data"
    expected = beside if beside.is_dir() else _paths.find_data_dir(ROOT) or beside
    assert _paths.shared_data_dir(ROOT, environ={}) == expected


def test_callers_use_the_one_place() -> None:
    assert overview.project_root is _paths.project_root
    assert overview.shared_data_dir is _paths.shared_data_dir
    assert ui_data.cache_dir is _paths.cache_dir
    assert ui_data.region_folder_from_env is _paths.region_folder_from_env
    assert ui_data.ENV_VAR == "KULTURPLAN_REGION"
    assert ui_data.CACHE_ENV_VAR == "KULTURPLAN_CACHE_DIR"
    from kulturplan.sources import build

    assert build.find_data_dir is _paths.find_data_dir


def _umask(value: int) -> int:
    old = os.umask(value)
    return old


def test_write_atomic_gives_a_new_files_permissions(tmp_path: Path) -> None:
    old = _umask(0o022)
    try:
        shared = _paths.write_atomic(tmp_path / "bericht.pdf", b"%PDF")
        private = _paths.write_atomic(tmp_path / "cache.pkl", b"x", private=True)
        _umask(0o077)
        strict = _paths.write_atomic(tmp_path / "streng.csv", b"a;b")
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644  # 0666 minus umask 022, not 0600
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(strict.stat().st_mode) == 0o600  # the umask is respected
    assert shared.read_bytes() == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bericht.pdf", "cache.pkl", "streng.csv"]


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "tabelle.pkl"
    _paths.write_atomic(target, lambda fh: fh.write(b"alt"))
    assert target.read_bytes() == b"alt"

    def broken(fh) -> None:
        fh.write(b"halb")
        raise OSError("Datenträger voll")

    with pytest.raises(OSError, match="Datenträger voll"):
        _paths.write_atomic(target, broken)
    assert target.read_bytes() == b"alt"
    assert [p.name for p in tmp_path.iterdir()] == ["tabelle.pkl"]  # no temporary file left
