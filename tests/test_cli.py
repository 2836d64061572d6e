"""Tests of the command line ``kulturplan``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sources_helpers import (
    BOUNDARIES,
    BOUNDARIES_FIXTURE,
    FACILITIES_FIXTURE,
    ICS_FIXTURE,
    REGISTER,
    REGISTER_FIXTURE,
    REGISTER_XLSX,
    needs_data,
)

import kulturplan as kp
from kulturplan.cli import main


def test_build_region_writes_folder_and_prints_report(tmp_path, capsys):
    out = tmp_path / "hoexter"
    code = main([
        "build-region", "--ags", "05762",
        "--register", str(REGISTER_XLSX),
        "--boundaries", str(BOUNDARIES_FIXTURE),
        "--facilities", str(FACILITIES_FIXTURE),
        "--events", str(ICS_FIXTURE),
        "--out", str(out),
    ])
    printed = capsys.readouterr()
    assert code == 0
    assert printed.err == ""
    assert "Importbericht: Kreis Höxter (05762)" in printed.out
    assert "Einwohner:innen in der Region" in printed.out
    assert "140.251" in printed.out
    assert "„Kabarettabend“" in printed.out  # unmatched event listed
    assert f"geschrieben nach: {out}" in printed.out
    region = kp.load_region(out)
    assert region.name == "Kreis Höxter"
    assert len(region.municipalities) == 10
    assert region.municipalities["population"].sum() == 140_251
    assert len(region.facilities) == 6
    assert len(region.events) == 8  # the weekly series counts with its 4 dates
    assert "© GeoBasis-DE / BKG" in region.attribution


def test_build_region_writes_the_full_import_report_into_the_folder(tmp_path, capsys):
    # issue 8, defect 2: the printed report summarises, the files beside the tables list all
    fac = tmp_path / "liste.csv"
    text = FACILITIES_FIXTURE.read_text(encoding="utf-8")
    fac.write_text(text + "X1;Theater Freiberg;Theater;;09599;Freiberg;50,9176;13,3427;;;\n",
                   encoding="utf-8")
    before = fac.read_bytes()
    out = tmp_path / "hoexter"
    args = ["build-region", "--ags", "05762", "--register", str(REGISTER_FIXTURE),
            "--boundaries", str(BOUNDARIES_FIXTURE), "--facilities", str(fac), "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"Vollständiger Importbericht: {out / 'importbericht.csv'}" in printed
    table = (out / "importbericht.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0] == "Art;Quelle;Zeile;Spalte;Hinweis"
    assert [line.split(";")[:3] for line in table[1:]] == [
        ["Einrichtung", "liste.csv", "8"]
    ]
    assert "Theater Freiberg" in (out / "importbericht.txt").read_text(encoding="utf-8")
    assert fac.read_bytes() == before  # the input is never touched
    # a rebuild replaces the folder including its report files
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "region.toml", "report.csv", "importbericht.csv", "importbericht.txt",
        "municipalities.geojson", "facilities.geojson", "organisations.csv", "events.csv",
        "funding.csv", "survey.csv", "projects.csv",
    ])


def test_error_exit_code_2_german_message_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kulturplan.cli", "build-region", "--ags", "05762",
         "--register", str(tmp_path / "fehlt.csv"), "--boundaries", str(BOUNDARIES_FIXTURE),
         "--out", str(tmp_path / "x")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "kulturplan: Fehler: fehlt.csv: Die Datei wurde nicht gefunden" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_validation_error_in_input(tmp_path, capsys):
    bad = tmp_path / "gv.csv"
    text = REGISTER_FIXTURE.read_text(encoding="utf-8-sig").replace(" 18 959", "viele")
    bad.write_text(text, encoding="utf-8")
    code = main(["build-region", "--ags", "05762", "--register", str(bad),
                 "--boundaries", str(BOUNDARIES_FIXTURE), "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2
    assert "gv.csv, Zeile 6, Spalte „bevoelkerung“: „viele“ ist keine Zahl" in err


def test_usage_errors_in_german(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build-region", "--ags", "05762"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Aufruf: kulturplan build-region")
    assert "Fehler: diese Angaben fehlen: --register, --boundaries, --out" in err
    with pytest.raises(SystemExit) as exc:
        main(["build-region", "--help"])
    assert exc.value.code == 0
    assert "Gemeindeverzeichnis von Destatis" in capsys.readouterr().out
    assert main([]) == 2


def test_template_command(tmp_path, capsys):
    target = tmp_path / "vorlage.xlsx"
    assert main(["template", str(target)]) == 0
    assert target.exists()
    assert main(["template", str(target)]) == 2
    assert "wird nicht überschrieben" in capsys.readouterr().err


@needs_data
def test_real_kreis_via_entry_point(tmp_path):
    exe = shutil.which("kulturplan", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "kulturplan.cli"]
    out = tmp_path / "mittelsachsen"
    result = subprocess.run(
        [*cmd, "build-region", "--ags", "14522", "--register", str(REGISTER),
         "--boundaries", str(BOUNDARIES), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Importbericht: Landkreis Mittelsachsen (14522)" in result.stdout
    region = kp.load_region(out)
    assert len(region.municipalities) == 53
    assert int(region.municipalities["population"].sum()) == 304_099
