"""A dashboard kernel imports only what its page uses (issue 16: cheap kernels).

Every Kreisübersicht page starts a kernel that runs ``from kulturplan.ui import
Kreisuebersicht; Kreisuebersicht.from_env()``. The gap dashboard's UI, the road network
code (scipy.sparse.csgraph) and the report writers (openpyxl, WeasyPrint) are not part of
that page: they are imported when a button or another dashboard needs them. Each check runs
in a fresh Python process, since this test session has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NOT_FOR_THE_KREISUEBERSICHT = (
    "kulturplan.ui.gaps",
    "kulturplan.routing",
    "kulturplan.routing.network",
    "kulturplan.report",
    "kulturplan.report.excel",
    "scipy.sparse.csgraph",
    "openpyxl",
    "weasyprint",
    "kulturplan.demo",  # the demo district comes from the cache on a warm start
)
"""Modules a Kreisübersicht kernel leaves out (jinja2 is not among them: ipyleaflet's
branca imports it for the map)."""

IMPORT_AND_BUILD = """
import json, sys
stage = sys.argv[1]
from kulturplan.ui import Kreisuebersicht
loaded = {"import": sorted(sys.modules)}
if stage != "import":
    app = Kreisuebersicht.from_env()
    assert type(app).__name__ == "Kreisuebersicht", app  # not the error box
    loaded["build"] = sorted(sys.modules)
print(json.dumps(loaded))
"""


def _loaded(stage: str, cache: Path, *, code: str = IMPORT_AND_BUILD) -> dict[str, list[str]]:
    env = dict(os.environ, KULTURPLAN_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    env.pop("KULTURPLAN_REGION", None)  # the demo district
    done = subprocess.run([sys.executable, "-c", code, stage], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_kreisuebersicht_leaves_out_gaps_routing_and_report_writers(tmp_path):
    loaded = set(_loaded("import", tmp_path / "cache")["import"])
    assert "kulturplan.ui.apps" in loaded  # the import did happen
    assert sorted(loaded.intersection(NOT_FOR_THE_KREISUEBERSICHT)) == []


def test_building_the_kreisuebersicht_on_a_warm_cache_leaves_them_out_too(tmp_path):
    cache = tmp_path / "cache"
    _loaded("build", cache)  # cold: computes indicator table and key figures
    assert len(list(cache.glob("kennzahlen-*.pkl"))) == 1
    warm = _loaded("build", cache)
    assert sorted(set(warm["build"]).intersection(NOT_FOR_THE_KREISUEBERSICHT)) == []


GAP_MODEL_WITHOUT_OSM = """
import json, sys
from conftest import make_tiny_region
from kulturplan.ui.gaps import GapModel
model = GapModel(make_tiny_region())
model.table("bibliothek", 10.0, "km")
print(json.dumps({"modes": model.modes, "modules": sorted(sys.modules)}))
"""


def test_gap_model_without_osm_file_imports_no_road_network(tmp_path):
    out = _loaded("-", tmp_path / "cache", code=GAP_MODEL_WITHOUT_OSM)
    assert out["modes"] == ["line"]
    loaded = set(out["modules"])
    assert {"kulturplan.routing.network", "scipy.sparse.csgraph"}.isdisjoint(loaded)


def test_moved_names_are_still_importable_from_where_they_were():
    from kulturplan import catalog, report
    from kulturplan.report import context
    from kulturplan.ui import explorer, gaps, style

    assert report.KEY_INDICATORS is catalog.KEY_INDICATORS
    assert context.KEY_INDICATORS is catalog.KEY_INDICATORS
    assert explorer.PROFILE_INDICATORS is catalog.KEY_INDICATORS
    assert gaps.download_link is style.download_link
    assert report.FORMATS["xlsx"] == gaps.XLSX_MIME
    assert style.download_link(b"abc", "t.xlsx", "Tabelle") == (
        '<div class="kp-download"><a download="t.xlsx" href="data:application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,YWJj">Tabelle</a></div>'
    )
