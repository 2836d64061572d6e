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


# a Land-wide facility list for Saxony (issue 8, defect 2): points inside the municipalities of
# the real VG5000, a known number of them in Landkreis Mittelsachsen, plus two points inside
# Germany's bounding box but outside every German polygon (in Czechia)
SAXONY_IN_KREIS = 56
SAXONY_OUTSIDE_KREIS = 396
SAXONY_ABROAD = {"Bibliothek Liberec": (50.7671, 15.0562), "Bibliothek Ústí": (50.6607, 14.0323)}


def saxony_library_list(path: Path, seed: int = 8) -> Path:
    """Write the seeded Land-wide list (``Name;Sparte;Breitengrad;Längengrad``) to ``path``.

    Rows 2 … 57 lie in Kreis 14522, rows 58 … 453 elsewhere in Saxony, rows 454 and 455 in
    Czechia. Points are sampled inside the municipality polygons, so each lies in exactly the
    municipality it was drawn for.
    """
    import numpy as np

    gem = real_boundaries()
    saxony = gem[gem.index.str.startswith("14")]
    kreis = saxony[saxony.index.str.startswith("14522")]
    rest = saxony[~saxony.index.str.startswith("14522")]
    rng = np.random.default_rng(seed)
    chosen = list(rng.choice(kreis.index, SAXONY_IN_KREIS)) + list(
        rng.choice(rest.index, SAXONY_OUTSIDE_KREIS)
    )
    sampled = gem.geometry.loc[chosen].sample_points(1, rng=rng).to_crs("EPSG:4326")
    points = [g if g.geom_type == "Point" else g.geoms[0] for g in sampled]
    lines = ["Name;Sparte;Breitengrad;Längengrad"]
    for k, (ags, pt) in enumerate(zip(chosen, points, strict=True), start=1):
        lat, lon = f"{pt.y:.6f}".replace(".", ","), f"{pt.x:.6f}".replace(".", ",")
        lines.append(f"Bibliothek {k} ({ags});Bibliothek;{lat};{lon}")
    for name, (lat, lon) in SAXONY_ABROAD.items():
        lines.append(f"{name};Bibliothek;{str(lat).replace('.', ',')};{str(lon).replace('.', ',')}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
