"""Regression tests of issue 9 for region folders, the build and the CLI.

Each test reproduces one failure of ``hostile-inputs-2026-12.md`` (section 2 and 4) and
asserts the outcome: numbers right or refused, hand-filled tables intact, German errors
instead of tracebacks, implausible geometry and AGS prefixes refused.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from kulturplan import io as kio
from kulturplan.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
MUSTERLAND = ROOT / "data" / "musterland"


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "musterland"
    shutil.copytree(MUSTERLAND, target)
    return target


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a region CSV as a text editor would (``row``: spreadsheet row)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(path, index=False, lineterminator="\n")


# --- 3 German numbers in a region folder ---------------------------------------------------------
def test_dot_group_next_to_point_decimals_is_refused_with_file_row_column(folder):
    _set_cell(folder / "funding.csv", 2, "amount_eur", "12.500")
    with pytest.raises(ValidationError) as info:
        kio.read_region(folder)
    (problem,) = info.value.problems
    assert problem.source.endswith("funding.csv")
    assert (problem.row, problem.column) == (2, "amount_eur")
    assert "„12.500“" in problem.message and "12500 oder 12,5" in problem.message


def test_funding_saved_by_a_german_spreadsheet_is_read_right(folder):
    path = folder / "funding.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = pd.to_numeric(frame["amount_eur"]).copy()
    german = [f"{float(v):,.0f}".replace(",", ".") for v in frame["amount_eur"]]
    german[0], german[1] = "12.500", "1.234,56"
    expected.iloc[0], expected.iloc[1] = 12500.0, 1234.56
    frame["amount_eur"] = german
    frame.to_csv(path, index=False, lineterminator="\n")
    region = kio.read_region(folder)
    assert region.funding["amount_eur"].tolist() == pytest.approx(expected.tolist())
    assert region.funding["amount_eur"].iloc[0] == 12500.0


def test_volunteers_with_a_thousands_dot_are_not_truncated(folder):
    _set_cell(folder / "organisations.csv", 2, "volunteers", "1.200")
    region = kio.read_region(folder)
    assert region.organisations["volunteers"].iloc[0] == 1200


def test_fraction_in_a_whole_number_column_is_refused(folder):
    _set_cell(folder / "organisations.csv", 3, "volunteers", "1,5")
    with pytest.raises(ValidationError) as info:
        kio.read_region(folder)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "volunteers")
    assert "ganze Zahl" in problem.message


def test_population_as_german_text_in_the_geojson(folder):
    path = folder / "municipalities.geojson"
    lines = path.read_text(encoding="utf-8").splitlines()
    feature = json.loads(lines[1].rstrip(","))
    population = int(feature["properties"]["population"])
    assert population >= 1000  # so that the German text has a thousands dot
    feature["properties"]["population"] = f"{population:,}".replace(",", ".")
    lines[1] = json.dumps(feature, ensure_ascii=False) + ","
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    region = kio.read_region(folder)
    assert region.municipalities["population"].iloc[0] == population


def test_floats_with_three_decimals_round_trip(folder, tmp_path):
    region = kio.read_region(folder)
    funding = region.funding.copy()
    funding.iloc[0, funding.columns.get_loc("amount_eur")] = 12.345
    changed = replace(region, funding=funding)
    out = kio.write_region(changed, tmp_path / "out")
    assert "12.3450" in (out / "funding.csv").read_text(encoding="utf-8")
    assert kio.read_region(out).funding["amount_eur"].iloc[0] == 12.345
