"""Environment and folder lookup in one place (:mod:`kulturplan._paths`, issue 8)."""

from __future__ import annotations

import ast
from pathlib import Path

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
