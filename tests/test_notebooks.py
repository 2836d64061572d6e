"""Every notebook in ``notebooks/`` and ``dashboards/`` runs, and is stored clean.

* Each notebook is executed with :mod:`nbclient` in its own folder (as JupyterLab and
  Voilà do) on the ``python3`` kernel. jupyter_client starts that kernel with the
  Python running the tests (``sys.executable``, i.e. ``.venv/bin/python``). A failing
  cell fails the test with its number, source and error.
* Stored notebooks carry no outputs, execution counts or execution metadata.
* Executed outputs load nothing from the internet (no ``<script src=http…>`` /
  ``<link href=http…>``, also not inside ``<iframe srcdoc>``) and need no "Trust".
* Dashboards show no Python traceback anywhere (not even in a caught-and-printed error).
* ``03_eigene_daten`` without the reference data explains in German what to download.
* Kernels get a fresh ``KULTURPLAN_CACHE_DIR`` (no stale cache, nothing in ``~/.cache``).

One test per notebook (parametrised), so ``pytest -n 2`` spreads them over workers.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from kulturplan import overview
from kulturplan.viz.folium_map import cdn_references

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DASHBOARDS = sorted((ROOT / "dashboards").glob("*.ipynb"))
ALL = NOTEBOOKS + DASHBOARDS
CELL_TIMEOUT = 300  # seconds per cell
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels inherit the environment: dashboards start cold and leave ~/.cache alone."""
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def execute(path: Path) -> nbformat.NotebookNode:
    """Run ``path`` in its folder; fail with the failing cell's source and error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(_describe_failure(path, nb, exc), pytrace=False)
    return nb


def _describe_failure(path: Path, nb: nbformat.NotebookNode, exc: Exception) -> str:
    for number, cell in enumerate(nb.cells, start=1):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            err = errors[0]
            trace = ANSI.sub("", "\n".join(err.get("traceback", [])))
            return (
                f"{path.relative_to(ROOT)}: Zelle {number} schlägt fehl\n"
                f"--- Quelltext ---\n{cell.source}\n"
                f"--- Fehler: {err.get('ename')}: {err.get('evalue')} ---\n{trace}"
            )
    return f"{path.relative_to(ROOT)}: {ANSI.sub('', str(exc))}"


def output_texts(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """``(cell number, kind, text)`` of every output (HTML unescaped, for srcdoc)."""
    texts = []
    for number, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []):
            kind = out.get("output_type", "")
            if kind == "stream":
                texts.append((number, f"stream/{out.get('name')}", str(out.get("text", ""))))
            elif kind == "error":
                texts.append((number, "error", "\n".join(out.get("traceback", []))))
            for mime, value in out.get("data", {}).items():
                if isinstance(value, list):
                    value = "".join(value)
                if not isinstance(value, str):  # JSON mime types (plotly, widgets)
                    value = json.dumps(value, ensure_ascii=False)
                texts.append((number, mime, html.unescape(value) if mime == "text/html" else value))
    return texts


def _remote_assets(nb: nbformat.NotebookNode) -> list[Any]:
    found = []
    for number, mime, text in output_texts(nb):
        if mime == "text/html":
            found += [(number, tag) for tag in cdn_references(text)]
            if "Make this Notebook Trusted" in text:
                found.append((number, "Make this Notebook Trusted"))
    return found


# --------------------------------------------------------------------------------------
def test_every_folder_has_notebooks() -> None:
    names = {p.name for p in ALL}
    assert {"01_erste_schritte.ipynb", "03_eigene_daten.ipynb"} <= names
    assert DASHBOARDS, "dashboards/ enthält keine Notebooks"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            dirty.append(f"Zelle {number}: Ausgaben gespeichert")
        if cell.get("execution_count") is not None:
            dirty.append(f"Zelle {number}: execution_count = {cell.execution_count}")
        if "execution" in cell.get("metadata", {}):
            dirty.append(f"Zelle {number}: Ausführungszeiten in den Metadaten")
    if "widgets" in nb.metadata:
        dirty.append("Widget-Zustand in den Notebook-Metadaten")
    assert not dirty, (
        f"{path.relative_to(ROOT)} bitte ohne Ausgaben speichern "
        "(jupyter nbconvert --clear-output --inplace): " + "; ".join(dirty)
    )


@pytest.mark.parametrize("path", DASHBOARDS, ids=_ids(DASHBOARDS))
def test_dashboard_title_names_its_app(path: Path) -> None:
    """The notebook title is the browser tab's and the loading page's ("Kreisübersicht
    wird geladen …"): it names the app the notebook shows (the Kooperation notebook said
    "Bedarfsanalyse")."""
    import kulturplan.ui

    nb = nbformat.read(path, as_version=4)
    (name,) = re.findall(r"from kulturplan\.ui import (\w+)", nb.cells[0].source)
    app = getattr(kulturplan.ui, name)
    assert nb.metadata["title"] == f"{app.title} – Kulturplan"


def _check_erste_schritte(nb: nbformat.NotebookNode) -> None:
    texts = output_texts(nb)
    plain = [t for _, mime, t in texts if mime == "text/plain"]
    assert repr(overview.demo_region(ROOT)) in plain  # the demo region as stored
    assert any(mime == "application/vnd.plotly.v1+json" for _, mime, _ in texts)
    maps = [t for _, mime, t in texts if mime == "text/html" and "<iframe srcdoc=" in t]
    assert len(maps) == 1 and "Kultureinrichtungen je 10.000 Einw." in maps[0]


def _check_erreichbarkeit(nb: nbformat.NotebookNode) -> None:
    html_out = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/html")
    text = " ".join(re.sub(r"<[^>]+>", " ", html_out).split())  # tags → spaces
    # the demo district's gap table: 25 municipalities, then the totals of the region
    # (library > 10 km: 2,803 of 142,794 inhabitants = 2.0 %; music school > 20 min:
    # 14,473 = 10.1 %), with German threshold labels
    assert "Bibliothek > 10 km: Einw." in html.unescape(text)
    assert "Musikschule > 20 min: Anteil (%)" in html.unescape(text)
    assert "24 Summe 142794.0 2803.0 2.0 14473.0 10.1" in text
    assert "99001024 Wolfshausen 4062.0 1058.0 26.1 3069.0 75.5" in text
    maps = [t for _, mime, t in output_texts(nb) if mime == "text/html" and "<iframe srcdoc=" in t]
    assert len(maps) == 2
    assert "weiter als 10 km (Luftlinie)" in html.unescape(maps[0])
    assert "weiter als 20 Minuten (geschätzte Fahrzeit)" in html.unescape(maps[1])


def _check_eigene_daten(nb: nbformat.NotebookNode) -> None:
    if overview.reference_files(overview.shared_data_dir(ROOT)) is None:
        pytest.skip("../shared/data fehlt (der Fall ohne Daten wird eigens getestet)")
    html_out = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/html")
    text = " ".join(re.sub(r"<[^>]+>", " ", html_out).split())  # tags → spaces
    # import reports with the register's figures (issue 4 acceptance numbers)
    for expected in (
        "Importbericht: Landkreis Mittelsachsen",
        "Gemeinden in der Region 53 Einwohner:innen in der Region 304.099",
        "Importbericht: Kreis Höxter",
        "Gemeinden in der Region 10 Einwohner:innen in der Region 140.251",
        "Einrichtungen übernommen 10",
    ):
        assert expected in text
    assert html_out.count("<iframe srcdoc=") == 2  # Mittelsachsen and Höxter maps


def _check_bedarfsanalyse(nb: nbformat.NotebookNode) -> None:
    streams = "\n".join(t for _, mime, t in output_texts(nb) if mime.startswith("stream"))
    for expected in (
        "800 Befragte aus 800 Zeilen übernommen",
        "Befragte: 800",
        "Designeffekt: 1,53",
        "effektive Befragte: 522",
        "Kreis: 51,4 % zufrieden (gewichtet), 58,7 % ungewichtet",
        "Amtliche Vorausberechnung (musterland_vorausberechnung.csv)",
    ):
        assert expected in streams, expected
    plain = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/plain")
    assert "140879.0" in plain  # official total 2040 of the demo projection file
    assert re.search(r"Waldleben\s+348\s+0\.673", plain)  # weighted satisfaction, n
    assert any(mime == "application/vnd.plotly.v1+json" for _, mime, _ in output_texts(nb))


def _check_fahrzeiten(nb: nbformat.NotebookNode) -> None:
    if not (overview.shared_data_dir(ROOT) / "osm" / "north-bayreuth-2014.osm.pbf").is_file():
        pytest.skip("../shared/data/osm fehlt (das Notebook überspringt dann alles)")
    text = " ".join(t for _, mime, t in output_texts(nb) if mime in ("text/plain", "text/markdown",
                                                                     "stream/stdout"))
    for expected in (  # issue 12: real network, Zensus cells, honest stand-ins, measured ratio
        "Übernommen: 76 Zellen mit 10.091 Einwohner:innen.",
        "Kultureinrichtungen des Katalogs im OSM-Auszug: 0, davon Bibliotheken: 0",
        "228 Start–Ziel-Paare in Reichweite von 76 Startpunkten × 3 Zielen",
        "Straße allein (5.560 Paare): echte Fahrzeit im Median **1,52-mal**",
        "Von Tür zu Tür (5.592 Paare): echte Fahrzeit im Median **2,16-mal**",
    ):
        assert expected in text, expected
    maps = [t for _, mime, t in output_texts(nb) if mime == "text/html" and "<iframe srcdoc=" in t]
    assert len(maps) == 1 and "Autofahrzeit zum nächsten Platzhalter-Ziel" in maps[0]


def _check_planung(nb: nbformat.NotebookNode) -> None:
    plain = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/plain")
    # Bücherbus (6 stops): 139,991 -> 142,778 inhabitants with a library within 10 km
    assert re.search(r"Bücherbus\s+erreichbar__bibliothek__10km\s+139991\.0", plain)
    assert "142778.0" in plain and "2787.0" in plain
    assert "Bevölkerung skalieren" in plain  # the note on an indicator that cannot react
    # two MCLP proposals, 2 branches, 20 minutes: Bürgerhäuser vs a free 2-km grid
    assert "Bürgerhaus Eulenhofen, Bürgerhaus Wolfshausen" in plain
    for number in ("128321.0", "139827.0", "11506.0", "141769.0", "13448.0"):
        assert number in plain, number
    assert plain.count("optimal") >= 2
    maps = [t for _, mime, t in output_texts(nb) if mime == "text/html" and "<iframe srcdoc=" in t]
    assert len(maps) == 1 and "Vorschlag A" in maps[0]


def _check_kalender_und_kosten(nb: nbformat.NotebookNode) -> None:
    streams = "\n".join(t for _, mime, t in output_texts(nb) if mime.startswith("stream"))
    for expected in (
        "Kreiskalender: 5 Kalender mit zusammen 141 Terminen zusammengeführt; 2 doppelt "
        "(einmal gezählt), 139 Termine im Kreiskalender.",
        "gemeinde_waldleben.ics: 23 Einträge (VEVENT) gelesen, 33 Termine übernommen; 1 Serie",
        "overlap: 2 Überschneidungen", "day: 4 Überschneidungen", "weekend: 5 Überschneidungen",
        "Sommerfest Schwanenheim ↔ Sommerfest Waldleben: gleichzeitig (9,0 Std. "
        "Überschneidung); 8,2 km entfernt",
        "Kinderfest Waldleben ↔ Kinderfest Kronenborn: am selben Wochenende; 8,3 km entfernt",
        "139 Termine",
        "Shapley:   ['91,667', '66,667', '41,667']",
        "Nukleolus: ['87,500', '67,500', '45,000']",
        "Umlagesatz: 1,19 % der Umlagegrundlagen",
        "zahlt mehr als allein: {'inhabitants': ['99001020'], 'usage': [], 'shapley': [], "
        "'nucleolus': []}",
    ):
        assert expected in streams, expected
    plain = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/plain")
    assert re.search(r"Waldleben\s+486475\.0\s+500853\.0\s+387310\.0\s+518994\.0\s+310438\.0",
                     plain)
    assert re.search(r"\(C,\)\s+60\.0\s+160\.0\s+100\.0", streams)  # C better off alone


def _check_kooperation(nb: nbformat.NotebookNode) -> None:
    streams = "\n".join(t for _, mime, t in output_texts(nb) if mime.startswith("stream"))
    for expected in (
        "1. Langbrück: Abstand 0,31 (0 = gleich, 1 = am wenigsten ähnlich)",
        "Gemeinden mit weniger als 10.000 Einwohner:innen gelten als klein",
        "553 Partnerpaare",
        "- Weißbrück hat keine Einrichtung „Museum“; „Stadtmuseum Adlerwang“ in Adlerwang ist "
        "6 Minuten entfernt und hat 80 Plätze.",
        "31 mögliche Doppelungen",
        "„Lesepaten im Dorf“ aus Waldleben → Adlerwang",
        "60 Angebote, 24 Gesuche, 33 Vorschläge, Summe der Punkte 22,70",
    ):
        assert expected in streams, expected
    plain = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/plain")
    assert re.search(r"Netzwerk kleine Gemeinden\s+20", plain)
    assert re.search(r"Netzwerk der Kulturorte \(große und kulturstarke Gemeinden\)\s+4", plain)
    for personal in ("@", "Telefon"):
        assert personal not in plain


CHECKS = {
    "01_erste_schritte.ipynb": _check_erste_schritte,
    "02_erreichbarkeit.ipynb": _check_erreichbarkeit,
    "05_bedarfsanalyse.ipynb": _check_bedarfsanalyse,
    "03_eigene_daten.ipynb": _check_eigene_daten,
    "06_fahrzeiten.ipynb": _check_fahrzeiten,
    "04_planung.ipynb": _check_planung,
    "08_kalender_und_kosten.ipynb": _check_kalender_und_kosten,
    "07_kooperation.ipynb": _check_kooperation,
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path: Path) -> None:
    nb = execute(path)
    assert _remote_assets(nb) == []
    if path.name in CHECKS:
        CHECKS[path.name](nb)


@pytest.mark.parametrize("path", DASHBOARDS, ids=_ids(DASHBOARDS))
def test_dashboard_runs_without_traceback(path: Path) -> None:
    nb = execute(path)
    shown = [(n, kind) for n, kind, text in output_texts(nb) if "Traceback" in text]
    assert shown == [], f"{path.name}: Traceback in der Ausgabe von Zelle(n) {shown}"
    assert _remote_assets(nb) == []


def test_eigene_daten_without_reference_data_explains_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KULTURPLAN_SHARED_DATA", str(tmp_path))
    nb = execute(ROOT / "notebooks" / "03_eigene_daten.ipynb")
    markdown = "\n".join(t for _, mime, t in output_texts(nb) if mime == "text/markdown")
    assert "Die amtlichen Dateien fehlen noch" in markdown
    assert f"`{tmp_path}/destatis/AuszugGV4QAktuell.xlsx`" in markdown
    assert f"`{tmp_path}/bkg-vg250/`" in markdown
    for needed in ("Destatis", "GV-ISys", "BKG", "VG250", "VG5000", "KULTURPLAN_SHARED_DATA"):
        assert needed in markdown
    # the real-data sections are skipped, the facility-list part still runs
    everything = "\n".join(t for _, _, t in output_texts(nb))
    assert "Importbericht" not in everything
    assert "Zeile 4, Spalte „Breitengrad“" in everything
    assert "2 von 12 Zeilen werden wegen der oben genannten Probleme nicht übernommen." in (
        everything
    )
    assert list(tmp_path.iterdir()) == []  # nothing written into the data folder
