"""Reports: Gemeindesteckbrief and Kreisbericht as HTML/PDF, tables as Excel, the CLI.

The PDFs of the demo district and of Landkreis Mittelsachsen (built from the official
files in ``../shared/data``) are turned into PNG pages in ``test-artifacts/report/`` with
``pdftoppm`` — to be looked at, page by page, after a change of the layout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import kulturplan as kp
from kulturplan import report
from kulturplan._format import format_number
from kulturplan.cli import main
from kulturplan.io import read_region
from kulturplan.overview import demo_region
from kulturplan.report.excel import indicator_header

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "report"
SHARED = ROOT.parent / "shared" / "data"
REGISTER = SHARED / "destatis" / "AuszugGV4QAktuell_2020.csv"
BOUNDARIES = SHARED / "bkg-vg5000-2021" / "VG5000_GEM.shp"
DEMO_AGS = "99001005"  # Eulenhofen
POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="pdftotext/pdftoppm fehlen (apt-get install poppler-utils, .ci/run)")


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return demo_region(ROOT)


@pytest.fixture(scope="module")
def demo_table(demo):
    return kp.indicators.compute(demo)


@pytest.fixture(scope="module")
def mittelsachsen():
    if not (REGISTER.exists() and BOUNDARIES.exists()):
        pytest.skip(f"Amtliche Daten fehlen unter {SHARED}")
    from kulturplan.sources import build_region

    region, _ = build_region("14522", REGISTER, BOUNDARIES)
    return region


@pytest.fixture(scope="module")
def demo_pdfs(demo, demo_table):
    steck = report.to_pdf(report.gemeindesteckbrief(demo, DEMO_AGS, table=demo_table))
    kreis = report.to_pdf(report.kreisbericht(demo, table=demo_table))
    return steck, kreis


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "bericht.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True)
    return done.stdout


def png_pages(data: bytes, name: str) -> list[Path]:
    """The PDF's pages as PNG in test-artifacts/report (to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / name)],
                   check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


# -- HTML ----------------------------------------------------------------------------------------
def test_html_is_self_contained(demo, demo_table):
    for html in (report.gemeindesteckbrief(demo, DEMO_AGS, table=demo_table),
                 report.kreisbericht(demo, table=demo_table)):
        assert not re.search(r"https?://", html)
        assert "<script" not in html and "<link" not in html and "src=" not in html
        assert "url(" not in html and "@import" not in html
        assert html.count("<svg") >= 1 and "@page" in html and "counter(pages)" in html


def test_html_escapes_text_from_data(demo):
    muni = demo.municipalities.copy()
    muni.loc[DEMO_AGS, "name"] = '<img src=x onerror="alert(1)">'
    region = kp.Region(muni, facilities=demo.facilities, name="<b>Kreis</b>",
                       kreis_ags=demo.kreis_ags, sources=demo.sources)
    for html in (report.gemeindesteckbrief(region, DEMO_AGS), report.kreisbericht(region)):
        assert "<img" not in html and "<b>Kreis" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_kreisbericht_has_the_chapters_of_the_region(demo, demo_table):
    html = report.kreisbericht(demo, table=demo_table)
    for title in ("Überblick", "Karte: Kultureinrichtungen je 10.000 Einw.",
                  "Rangfolge", "Erreichbarkeit und Versorgungslücken",
                  "Vergleich mit ähnlichen Gemeinden", "Bedarfsanalyse: Ergebnisse der Befragung",
                  "Quellen und Methoden"):
        assert f"<h2>{title}" in html
    assert "Planungsszenarien" not in html  # hook silent without scenarios
    # gap chapter: the Kreis totals of overview.gap_table, German format
    gaps = kp.overview.gap_table(demo, {"bibliothek": (10.0, "km")})
    total = gaps.iloc[-1]
    assert f"{format_number(total['Bibliothek > 10 km: Einw.'], 0)} Einwohner:innen" in html


def test_needs_block_shows_weighted_shares(demo):
    from kulturplan.needs import sparte_table, weight_survey

    ctx = report.ReportContext(demo)
    weights = weight_survey(demo.survey, demo).weights.reindex(demo.survey.index)
    usage = sparte_table(demo.survey, weights, item="besuche", by=None)
    row = usage[usage["sparte"] == "bibliothek"].iloc[0]
    section = report.blocks.needs_block(ctx)
    assert section is not None
    assert f"{format_number(100 * row['estimate'], 1)} %" in section.body


def test_planning_hook_and_extra_blocks(demo, demo_table):
    scenarios = pd.DataFrame({"Szenario": ["Heute", "Neue Zweigstelle Otterfeld"],
                              "Einwohner:innen > 10 km": [2803.0, 1740.0],
                              "Kosten je Jahr (EUR)": [0.0, 85250.5]})
    html = report.kreisbericht(demo, table=demo_table, extras={"scenarios": scenarios})
    assert "<h2>Planungsszenarien im Vergleich" in html
    assert "Neue Zweigstelle Otterfeld" in html and "1.740" in html and "85.250,5" in html

    def cooperation_block(ctx):
        return report.Section("Kooperationen", "<p>3 Partnerschaften</p>")

    html = report.kreisbericht(demo, table=demo_table,
                               blocks=[*report.KREIS_BLOCKS, cooperation_block])
    assert "<h2>Kooperationen</h2><p>3 Partnerschaften</p>" in html


def test_unknown_municipality_and_indicator_are_german_errors(demo, demo_table):
    with pytest.raises(kp.errors.ParameterError, match="gehört nicht zur Region"):
        report.gemeindesteckbrief(demo, "12345678", table=demo_table)
    with pytest.raises(kp.errors.ParameterError, match="Indikator „gibtsnicht“"):
        report.kreisbericht(demo, table=demo_table, indicator="gibtsnicht")
    with pytest.raises(kp.errors.ParameterError, match="Unbekannte Sparte"):
        report.kreisbericht(demo, table=demo_table, criteria={"oper": (10, "km")})


# -- PDF -----------------------------------------------------------------------------------------
@needs_poppler
def test_steckbrief_pdf_states_name_inhabitants_and_key_figures(demo, demo_table, demo_pdfs,
                                                               tmp_path):
    text = pdf_text(demo_pdfs[0], tmp_path)
    name = demo.municipalities.loc[DEMO_AGS, "name"]
    assert f"Gemeindesteckbrief {name}" in text
    assert format_number(demo.population[DEMO_AGS], 0) in text
    for ind in ("einrichtungen_gesamt_je_10000", "veranstaltungen_je_1000", "vereine_je_10000"):
        value = demo_table.loc[DEMO_AGS, ind]
        assert format_number(value, report.KEY_DECIMALS) in text, ind
    assert "Seite 1 von 2" in text and "Seite 2 von 2" in text  # at most two pages
    assert "Stand der Daten: 31.12.2025" in text


@needs_poppler
def test_demo_pdfs_as_png_pages(demo_pdfs, tmp_path):
    steck = png_pages(demo_pdfs[0], "demo_gemeindesteckbrief")
    kreis = png_pages(demo_pdfs[1], "demo_kreisbericht")
    assert len(steck) == 2
    assert len(kreis) >= 6
    text = pdf_text(demo_pdfs[1], tmp_path)
    assert f"Seite {len(kreis)} von {len(kreis)}" in text
    assert "Kreisbericht Landkreis Musterland" in text


@needs_poppler
@pytest.mark.realdata
def test_mittelsachsen_reports_as_png_pages(mittelsachsen, tmp_path):
    ctx = report.ReportContext(mittelsachsen)
    assert len(mittelsachsen.municipalities) == 53
    kreis = report.build(ctx, "pdf")
    pages = png_pages(kreis, "mittelsachsen_kreisbericht")
    assert len(pages) >= 4
    text = pdf_text(kreis, tmp_path)
    assert "Kreisbericht Landkreis Mittelsachsen" in text
    assert "noch keine Kultureinrichtungen erfasst" in text  # calm note, no fake 100 % gaps
    assert "© GeoBasis-DE / BKG 2021" in text
    freiberg = mittelsachsen.municipalities.index[
        mittelsachsen.municipalities["name"].str.startswith("Freiberg")][0]
    steck = report.build(report.ReportContext(mittelsachsen, ags=freiberg), "pdf")
    assert len(png_pages(steck, "mittelsachsen_gemeindesteckbrief")) <= 2
    text = pdf_text(steck, tmp_path)
    assert format_number(mittelsachsen.population[freiberg], 0) in text


# -- Excel ---------------------------------------------------------------------------------------
def test_workbook_indicators_equal_the_indicator_table(demo, demo_table):
    data = report.workbook(demo, table=demo_table, ags=DEMO_AGS)
    book = load_workbook(__import__("io").BytesIO(data))
    assert book.sheetnames[:2] == ["Steckbrief", "Indikatoren"]
    assert {"Versorgungslücken", "Vergleich", "Einrichtungen", "Befragung", "Katalog",
            "Quellen"} <= set(book.sheetnames)
    ws = book["Indikatoren"]
    assert ws.freeze_panes == "A2"
    rows = list(ws.values)
    header, body = rows[0], rows[1:]
    assert header[:3] == ("AGS", "Gemeinde", "Einwohner:innen (Personen)")
    assert list(header[3:]) == [indicator_header(c) for c in demo_table.columns]
    assert [r[0] for r in body] == list(demo_table.index)
    got = np.array([[np.nan if v is None else v for v in r[3:]] for r in body], dtype=float)
    # Excel keeps 15 significant digits (openpyxl writes them so)
    np.testing.assert_allclose(got, demo_table.to_numpy(dtype=float), rtol=1e-14, atol=0)
    assert [r[2] for r in body] == list(demo.population.reindex(demo_table.index))
    # German number formats, units in the header
    col = list(header).index(indicator_header("einrichtungen_gesamt_je_10000")) + 1
    assert ws.cell(row=2, column=col).number_format == "#,##0.00"
    assert indicator_header("einrichtungen_gesamt_je_10000") == (
        "Kultureinrichtungen je 10.000 Einw.")
    assert indicator_header("foerderung_je_einw") == "Öffentliche Kulturförderung je Einw. " \
        "(EUR je Einw.)"
    catalog_rows = list(book["Katalog"].values)
    assert catalog_rows[0][-1] == "Methode (Funktion in kulturplan)"
    sources = [r for r in book["Quellen"].values]
    assert sources[1][:3] == ("Quelle", "Landkreis Musterland – fiktive Demodaten", "31.12.2025")
    assert sources[3][:2] == ("Stand der Daten", "31.12.2025")


def test_formula_injection_from_an_input_file_arrives_as_text(demo, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(ROOT / "data" / "musterland", folder)
    evil = '=HYPERLINK("http://example.org/x","Klick")'
    path = folder / "facilities.geojson"
    text = path.read_text(encoding="utf-8")
    first = demo.facilities.index[0]
    old = demo.facilities.loc[first, "name"]
    path.write_text(text.replace(f'"name": "{old}"', '"name": ' + '"' + evil.replace(
        '"', '\\"') + '"', 1), encoding="utf-8")
    region = read_region(folder)
    assert region.facilities.loc[first, "name"] == evil
    out = tmp_path / "tabellen.xlsx"
    assert main(["report", "--region", str(folder), "--kreis", "--format", "xlsx",
                 "--out", str(out)]) == 0
    ws = load_workbook(out)["Einrichtungen"]
    cells = [c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert len(cells) == 1
    assert cells[0].data_type == "s" and cells[0].value == "'" + evil
    formulas = [c for sheet in load_workbook(out) for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []


# -- personal data -------------------------------------------------------------------------------
def test_no_personal_data_in_any_report(demo, tmp_path):
    fac = demo.facilities.assign(contact_name="Erika Mustermann",
                                 contact_email="erika.mustermann@example.org",
                                 telefon="0171 2345678")
    org = demo.organisations.assign(ansprechpartner="Max Mustermann",
                                    email="max@example.org", phone="05271 1234")
    region = kp.Region(demo.municipalities, facilities=fac, organisations=org,
                       events=demo.events, funding=demo.funding, survey=demo.survey,
                       name=demo.name, kreis_ags=demo.kreis_ags, sources=demo.sources)
    html = report.kreisbericht(region) + report.gemeindesteckbrief(region, DEMO_AGS)
    data = report.workbook(region, ags=DEMO_AGS)
    book = load_workbook(__import__("io").BytesIO(data))
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row
                     if c.value is not None)
    texts = [html, cells]
    if POPPLER:
        texts.append(pdf_text(report.to_pdf(report.gemeindesteckbrief(region, DEMO_AGS)),
                              tmp_path))
    for text in texts:
        for personal in ("Mustermann", "example.org", "2345678", "05271 1234"):
            assert personal not in text


# -- CLI -----------------------------------------------------------------------------------------
def test_cli_writes_reports_and_never_overwrites(tmp_path, capsys):
    region = str(ROOT / "data" / "musterland")
    out = tmp_path / "steckbrief.html"
    assert main(["report", "--region", region, "--gemeinde", DEMO_AGS, "--format", "html",
                 "--out", str(out)]) == 0
    assert "Gemeindesteckbrief Eulenhofen geschrieben" in capsys.readouterr().out
    first = out.read_bytes()
    assert first.startswith(b"<!DOCTYPE html>")
    out.write_text("meine Notizen", encoding="utf-8")
    assert main(["report", "--region", region, "--gemeinde", DEMO_AGS, "--format", "html",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "existiert bereits und wird nicht überschrieben" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "meine Notizen"
    assert main(["report", "--region", region, "--gemeinde", DEMO_AGS, "--format", "html",
                 "--out", str(out), "--force"]) == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    assert out.stat().st_mode & 0o044  # readable like a normal file, not 0600


def test_cli_german_usage_errors(tmp_path, capsys):
    region = str(ROOT / "data" / "musterland")
    with pytest.raises(SystemExit) as exc:
        main(["report", "--region", region, "--format", "pdf", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert "eine dieser Angaben fehlt: --gemeinde --kreis" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--region", region, "--kreis", "--gemeinde", DEMO_AGS,
              "--format", "pdf", "--out", str(tmp_path / "x")])
    assert "nicht möglich" in capsys.readouterr().err
    assert main(["report", "--region", region, "--gemeinde", "0815", "--format", "pdf",
                 "--out", str(tmp_path / "x.pdf")]) == 2
    assert "gehört nicht zur Region" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


# -- widget --------------------------------------------------------------------------------------
def test_report_download_widget_builds_for_the_selection(demo, demo_table):
    from kulturplan.ui.report_download import LABELS, ReportDownload

    chosen = {"ags": DEMO_AGS}
    widget = ReportDownload(demo, table=demo_table, selection=lambda: chosen)
    assert [b.description for b in widget.buttons.values()] == list(LABELS.values())
    assert widget.buttons["pdf"].description == "Bericht herunterladen (PDF)"
    assert widget.buttons["xlsx"].description == "Tabellen (Excel)"
    data = widget.build("pdf")
    assert data is not None and data.startswith(b"%PDF")
    assert widget.last[1] == f"gemeindesteckbrief_{DEMO_AGS}.pdf"
    assert 'download="gemeindesteckbrief_99001005.pdf"' in widget.link.value
    assert "data:application/pdf;base64," in widget.link.value
    assert "Fertig: Gemeindesteckbrief Eulenhofen" in widget.status.value
    assert not any(b.disabled for b in widget.buttons.values())
    widget.scope = "kreis"
    widget.build("xlsx")
    assert widget.last[1] == "tabellen_kreis.xlsx"
    chosen["ags"] = "00000000"
    widget.scope = "gemeinde"
    assert widget.build("pdf") is None
    assert "konnte nicht erstellt werden" in widget.status.value
