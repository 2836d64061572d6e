"""Helpers shared by the importer tests (``tests/test_sources_*.py``, ``test_cli.py``).

The real official files live in ``../shared/data`` seen from the project root; they are
found relative to this file, read once per test session (``lru_cache``) and must not be
modified by tests.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
DATA = ROOT.parent / "shared" / "data"
REGISTER = DATA / "destatis" / "AuszugGV4QAktuell_2020.csv"
BOUNDARIES = DATA / "bkg-vg5000-2021" / "VG5000_GEM.shp"

HAVE_DATA = REGISTER.is_file() and BOUNDARIES.is_file()
needs_data = pytest.mark.skipif(
    not HAVE_DATA,
    reason=(
        "Die amtlichen Referenzdateien fehlen (erwartet ../shared/data/destatis/"
        "AuszugGV4QAktuell_2020.csv und ../shared/data/bkg-vg5000-2021/VG5000_GEM.shp "
        "neben dem Projektordner)."
    ),
)

REGISTER_FIXTURE = FIXTURES / "register_hoexter.csv"
REGISTER_XLSX = FIXTURES / "register_hoexter.xlsx"
BOUNDARIES_FIXTURE = FIXTURES / "vg5000_hoexter.geojson"
FACILITIES_FIXTURE = FIXTURES / "einrichtungen_hoexter.csv"
OVERPASS_FIXTURE = FIXTURES / "overpass_hoexter.json"
GEOJSON_FIXTURE = FIXTURES / "osm_export.geojson"
ICS_FIXTURE = FIXTURES / "veranstaltungen_hoexter.ics"


@lru_cache(maxsize=1)
def real_register():
    from kulturplan.sources import destatis

    return destatis.read_register(REGISTER)


@lru_cache(maxsize=1)
def real_boundaries():
    from kulturplan.sources import bkg

    return bkg.read_boundaries(BOUNDARIES)


def csv_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> list[list[str]]:
    """Records of a CSV file."""
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """Write records as CSV (quoted where needed) and return ``path``."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path
