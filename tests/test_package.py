"""The package itself: lazy submodules, version, what an installation provides."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import kulturplan as kp

ROOT = Path(__file__).resolve().parents[1]


def test_hasattr_is_honest_for_modules_that_do_not_exist():
    # defect (issue 8, 6): `hasattr(kp, "planning")` raised ModuleNotFoundError
    # while the module did not exist yet
    assert hasattr(kp, "kein_modul") is False
    assert hasattr(kp, "zukunftsmodul") is False
    assert hasattr(kp, "cooperation") is True  # exists since issue 13 (lazy submodule)
    with pytest.raises(AttributeError, match="kein_modul"):
        kp.kein_modul  # noqa: B018


@pytest.mark.parametrize("name", sorted(kp._SUBMODULES))
def test_every_lazy_submodule_imports(name):
    assert getattr(kp, name) is importlib.import_module(f"kulturplan.{name}")


def test_dir_lists_lazy_names():
    names = dir(kp)
    assert {"indicators", "access", "load_region", "Region"} <= set(names)


def test_top_level_aliases():
    from kulturplan import io

    assert kp.load_region is io.read_region
    assert kp.write_region is io.write_region


def test_declared_python_version_is_the_one_tested():
    # defect (issue 8, 5): 3.10 was declared, but kulturplan.io imported tomli there
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["requires-python"] == ">=3.11"
    assert sys.version_info >= (3, 11)


def test_package_is_typed():
    assert (Path(kp.__file__).parent / "py.typed").is_file()


def test_voila_template_is_installed_into_the_environment():
    # defect (issue 8, 3): the template only existed with JUPYTER_PATH set by the Makefile
    from jupyter_core.paths import jupyter_path

    found = [Path(p) / "voila" / "templates" / "kulturplan" / "index.html.j2"
             for p in jupyter_path()]
    assert any(f.is_file() for f in found), "Voilà-Vorlage nicht in der Umgebung installiert"
    installed = next(f for f in found if f.is_file())
    repo = ROOT / "share" / "jupyter" / "voila" / "templates" / "kulturplan" / "index.html.j2"
    assert installed.read_text(encoding="utf-8") == repo.read_text(encoding="utf-8")


def test_a_wheel_installs_every_file_of_the_voila_template():
    """pyproject's data-files name each file of the template once, and only files: a
    pattern that also matched the folder ``static/`` made the wheel build fail ("can't
    copy … not a regular file"; the editable install of make skips data-files)."""
    import tomllib

    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["data-files"]
    template = ROOT / "share" / "jupyter" / "voila" / "templates" / "kulturplan"
    listed: list[Path] = []
    for target, patterns in data_files.items():
        for pattern in patterns:
            matched = sorted(ROOT.glob(pattern))
            assert matched, f"{pattern}: keine Datei"
            assert all(m.is_file() for m in matched), f"{pattern} trifft einen Ordner"
            assert all(m.parent == ROOT / target for m in matched), pattern
            listed.extend(matched)
    files = sorted(f for f in template.rglob("*") if f.is_file())
    assert sorted(listed) == files
    assert template / "static" / "kp-no-mathjax.js" in files


def test_make_start_listens_only_on_this_computer():
    # defect (issue 8, 4): `make start` listened on all interfaces without a password
    import subprocess

    done = subprocess.run(["make", "-n", "start"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    voila = [line for line in done.stdout.splitlines() if "voila" in line and "--port" in line]
    assert len(voila) == 1
    assert "--Voila.ip=127.0.0.1" in voila[0]
    assert "0.0.0.0" not in done.stdout
    assert "JUPYTER_PATH" not in voila[0]
