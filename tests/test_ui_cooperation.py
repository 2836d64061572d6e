"""Kooperation without a browser: model tables, widget reactions, Excel, no personal data."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_sources_projects import PERSONAL, volunteer_file

from kulturplan.demo import musterland, volunteer_offers, volunteer_requests
from kulturplan.io import write_region
from kulturplan.sources.volunteers import read_offers, read_requests, to_csv_text
from kulturplan.ui.cooperation import (
    NETWORK_COLOURS,
    OFFERS_FILE,
    PARTNER_ROWS,
    REQUESTS_FILE,
    SIMILAR_COLOURS,
    Kooperation,
    excel_bytes,
)
from kulturplan.ui.data import DashboardData


@pytest.fixture(scope="module")
def region():
    return musterland(seed=0)


def _data(region) -> DashboardData:
    return DashboardData(region, pd.DataFrame(index=region.municipalities.index.copy()))


@pytest.fixture(scope="module")
def app(region):
    return Kooperation(_data(region), offers=volunteer_offers(region),
                       requests=volunteer_requests(region))


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def _widgets(widget) -> list:
    out = [widget]
    for child in getattr(widget, "children", ()) or ():
        out += _widgets(child)
    return out


def _everything(app) -> str:
    """Every text the dashboard sends: HTML widgets, map layers, downloads (unpacked)."""
    texts = []
    for wid in _widgets(app):
        if isinstance(wid, w.HTML):
            texts.append(wid.value)
    texts.append(json.dumps(app.map.choropleth.data, ensure_ascii=False))
    texts.append(json.dumps(app.map.facilities.data, ensure_ascii=False))
    for html in list(texts):
        for b64 in re.findall(r"base64,([A-Za-z0-9+/=]+)", html):
            book = load_workbook(io.BytesIO(base64.b64decode(b64)))
            for ws in book.worksheets:
                texts += [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    return "\n".join(texts)


def test_first_view_is_the_largest_municipality(app, region):
    start = region.municipalities["population"].idxmax()
    assert app.ags == start
    rows = _rows(app.similar_table.value)
    expected = app.model.similar_to(start)
    assert [r[1] for r in rows] == list(expected["name"])
    assert len(rows) == 8
    assert "Netzwerk der Kulturorte" in app.network_note.value
    styles = app.map.styles()
    fills = [s["fillColor"] for s in styles.values()]
    assert [fills.count(c) for c in SIMILAR_COLOURS.values()] == [1, 3, 5, 15]


def test_widgets_react(app, region):
    names = app.model.names
    ags = names.index[names == "Adlergrund"][0]
    app.picker.value = ags
    assert app.ags == ags
    assert [r[1] for r in _rows(app.similar_table.value)] == list(
        app.model.similar_to(ags)["name"])
    app.view_toggle.value = "network"
    fills = [s["fillColor"] for s in app.map.styles().values()]
    counts = app.model.typology["network_label"].value_counts()
    for label, colour in NETWORK_COLOURS.items():
        assert fills.count(colour) == counts[label]
    app.category_picker.value = "musikschule"
    rows = _rows(app.partner_table.value)
    assert rows and {r[0] for r in rows} == {"Musikschule"}
    expected = app.model.partners_of(ags, "musikschule")
    assert len(rows) == min(PARTNER_ROWS, len(expected))
    app.view_toggle.value = "similar"
    app.category_picker.value = ""


def test_volunteer_figures_and_export(app):
    figures = app.model.volunteer_figures()
    assert figures["Angebote von Freiwilligen"] == "60"
    assert figures["Gesuche von Vereinen"] == "24"
    pairs = app.model.match.pairs
    assert figures["Vorschläge (Paare)"] == str(len(pairs))
    export = app.model.volunteer_export()
    assert list(export.columns) == ["Freiwillige:r (Kennung)", "Wohngemeinde", "Gesuch (Kennung)",
                                    "Verein (Kennung)", "Gemeinde des Gesuchs",
                                    "Entfernung (km, Luftlinie)", "Punktzahl (0–1)"]
    assert len(export) == len(pairs)


def test_excel_download_keeps_formulas_as_text():
    frame = pd.DataFrame({"Titel": ["=HYPERLINK(\"http://x\")", "Lesung"], "Punkte": [1.0, 2.0]})
    book = load_workbook(io.BytesIO(excel_bytes(frame, sheet="Test", title="T",
                                                attribution="Quelle")))
    ws = book["Test"]
    assert ws["A5"].value == "'=HYPERLINK(\"http://x\")"
    assert ws["B6"].value == 2.0 and ws["A4"].value == "Titel"


def test_no_personal_data_in_region_folder_dashboard_or_exports(tmp_path: Path, region):
    """A volunteer file with names, e-mails and phones: none of them leaves the input file."""
    raw = volunteer_file(tmp_path / "freiwillige_mit_kontakt.csv")
    offers, _ = read_offers(raw, municipalities=region.municipalities)
    requests_raw = tmp_path / "gesuche.csv"
    requests_raw.write_text(
        "Kennung;Organisation;Aufgaben;Zeiten;AGS;Personen;Ansprechpartner;Telefon\n"
        "G1;V00001;Technik;sa_abend;99001002;2;Anna Schmidt;0171 2345678\n"
        "G2;V00002;Kasse;so_vormittag;99001001;1;max.muster@example.de;+49 5271 123456\n",
        encoding="utf-8")
    requests, _ = read_requests(requests_raw, municipalities=region.municipalities)
    folder = write_region(region, tmp_path / "region", attachments={
        OFFERS_FILE: to_csv_text(offers), REQUESTS_FILE: to_csv_text(requests)})
    stored = "\n".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    for value in PERSONAL:
        assert value not in stored, value
    app = Kooperation(_data(region), volunteer_folder=folder)
    assert app.model.match is not None and len(app.model.match.pairs) >= 1
    shown = _everything(app)
    assert "F02" in shown  # the pseudonym of the match is there …
    for value in (*PERSONAL, "Anna", "Schmidt", "Max Muster", "@"):
        assert value not in shown, value  # … the person is not
    assert raw.read_text(encoding="utf-8").count("anna.schmidt@example.org") == 2  # input intact


def test_region_without_volunteers_or_projects_shows_calm_notes(region, tmp_path):
    from kulturplan import Region

    bare = Region(region.municipalities, facilities=region.facilities, name="Kreis X")
    app = Kooperation(_data(bare), volunteer_folder=tmp_path)
    text = _everything(app)
    assert "noch keine Freiwilligenbörse" in text
    assert "keine Best-Practice-Projekte erfasst" in text
    assert "0 mögliche Doppelungen" in text
