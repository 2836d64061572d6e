"""Report download buttons in a real browser (Voilà + headless Chromium, network blocked).

In the Kreisübersicht a municipality is chosen, "Bericht herunterladen (PDF)" and
"Tabellen (Excel)" are clicked, the progress note and then the link appear, and the
downloaded files are a valid PDF (its text names the municipality) and a valid workbook
(its Steckbrief sheet is that municipality's). The Versorgungslücken dashboard offers the
Kreisbericht for the chosen standard; the Planungswerkstatt the Kreisbericht with its
scenario comparison, the Kostenteilung one with the cost-sharing keys, the Kooperation the
Steckbrief with the cooperation chapter, the Veranstaltungskalender one with the month's
collisions (screenshots ``*_bericht.png`` in test-artifacts).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from browser_support import (
    ARTIFACTS,
    BROWSER,
    SVG_BARS,
    Page,
    _assert_clean,
    _select,
    _wait_drawn,
    _wait_for,
)
from openpyxl import load_workbook

pytestmark = BROWSER

NAME = "Eulenhofen"


def _download(page, button: str, suffix: str, target):
    page.get_by_role("button", name=button).first.click()
    link = page.locator(f'.kp-report-link a[download$="{suffix}"]')
    link.wait_for(state="visible", timeout=120_000)
    with page.expect_download(timeout=60_000) as info:
        link.click()
    info.value.save_as(str(target))
    return target


def test_kreisuebersicht_downloads_pdf_and_excel_of_the_selected_municipality(
        voila_url, browser, tmp_path):
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/kreisuebersicht.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page, bars=SVG_BARS)
        _select(page, "Gemeinde", NAME)
        page.wait_for_timeout(1500)
        assert "Bericht und Tabellen" in page.inner_text("body")
        pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf", tmp_path / "bericht.pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]
        assert "Fertig: Gemeindesteckbrief Eulenhofen" in page.inner_text("body")
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout
            assert f"Gemeindesteckbrief {NAME}" in text
        xlsx = _download(page, "Tabellen (Excel)", ".xlsx", tmp_path / "tabellen.xlsx")
        book = load_workbook(xlsx)
        assert book.sheetnames[:2] == ["Steckbrief", "Indikatoren"]
        assert f"Wert {NAME}" in [c.value for c in book["Steckbrief"][1]]
        page.locator(".kp-report-link").scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "kreisuebersicht_bericht.png"))
        _assert_clean(p)
    finally:
        p.close()


def test_versorgungsluecken_downloads_the_kreisbericht(voila_url, browser, tmp_path):
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/versorgungsluecken.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_drawn(page)
        pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf", tmp_path / "kreis.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        assert pdf.name == "kreis.pdf"
        assert "Fertig: Kreisbericht" in page.inner_text("body")
        _assert_clean(p)
    finally:
        p.close()


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _report_shot(page, name: str) -> None:
    """Screenshot of the viewport around the report buttons (after a download)."""
    page.locator(".kp-report-pdf").first.scroll_into_view_if_needed()
    page.evaluate("() => document.querySelector('.kp-report-pdf')"
                  ".scrollIntoView({block: 'center'})")
    page.wait_for_timeout(400)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext fehlt (poppler-utils)")
def test_planungswerkstatt_and_kostenteilung_download_their_kreisbericht(
        voila_url, browser, tmp_path):
    """The Kreisbericht of the Planungswerkstatt carries the scenario comparison, the one
    of the Kostenteilung the keys side by side (Shapley amounts of cooperation.shapley)."""
    from kulturplan._format import format_number
    from kulturplan.cooperation import costs
    from kulturplan.demo import music_school_association, musterland
    from kulturplan.ui.costs import CostSharingModel

    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/planungswerkstatt.ipynb", wait_until="commit",
                  timeout=90_000)
        _wait_for(page, "() => document.querySelectorAll('.leaflet-container "
                  "path.leaflet-interactive').length > 0 && document.querySelector("
                  "'.kp-report-pdf') !== null", 90_000, "Karte und Berichtsknopf")
        page.get_by_text("Vorschlag berechnen", exact=True).last.click()
        page.wait_for_function(
            "() => document.body.innerText.includes('nachweislich die beste Lösung')",
            timeout=90_000)
        pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf", tmp_path / "planung.pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]
        assert "Fertig: Kreisbericht Landkreis Musterland" in page.inner_text("body")
        text = " ".join(_pdf_text(pdf).split())
        assert "Planungsszenarien im Vergleich" in text
        assert "Aktuelles Szenario" in text
        for figure in ("128.321", "139.827", "11.506", "97,9"):  # as on the dashboard
            assert figure in text, figure
        _report_shot(page, "planungswerkstatt_bericht.png")
        _assert_clean(p)
    finally:
        p.close()

    model = CostSharingModel(music_school_association(musterland()))
    phi = costs.shapley(model.cost, model.members)
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/kostenteilung.ipynb", wait_until="commit",
                  timeout=90_000)
        page.wait_for_selector(".kp-costtable table", timeout=90_000)
        pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf", tmp_path / "kosten.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        text = " ".join(_pdf_text(pdf).split())
        assert "Kostenteilung: Zweckverband Musikschule Waldleben" in text
        for ags in model.members:
            assert f"{format_number(phi[ags], 0)} €" in text
            assert f"{format_number(model.table.at[ags, 'alone'], 0)} €" in text
        assert f"{format_number(model.total, 0)} €" in text
        assert "Mehr als allein zahlen: nach Einwohner:innen: Waldleben" in text
        _report_shot(page, "kostenteilung_bericht.png")
        _assert_clean(p)
    finally:
        p.close()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext fehlt (poppler-utils)")
def test_kooperation_kalender_bedarf_offer_their_report(voila_url, browser, tmp_path):
    """Kooperation: the Steckbrief of the chosen municipality with its cooperation chapter;
    Veranstaltungskalender and Bedarfsanalyse show the buttons (screenshots)."""
    p = Page(browser)
    page = p.page
    try:
        page.goto(voila_url + "/voila/render/kooperation.ipynb", wait_until="commit",
                  timeout=90_000)
        page.wait_for_selector(".kp-similartable table", timeout=90_000)
        pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf", tmp_path / "koop.pdf")
        text = " ".join(_pdf_text(pdf).split())
        assert "Gemeindesteckbrief Waldleben" in text
        assert "Kooperation: Waldleben" in text and "Orte wie Waldleben" in text
        assert "Freiwilligenbörse" in text
        _report_shot(page, "kooperation_bericht.png")
        _assert_clean(p)
    finally:
        p.close()
    for notebook, ready, shot in (
            ("veranstaltungskalender", ".kp-collisions", "kalender_bericht.png"),
            ("bedarfsanalyse", ".kp-sattable table", "bedarfsanalyse_bericht.png")):
        p = Page(browser)
        page = p.page
        try:
            page.goto(voila_url + f"/voila/render/{notebook}.ipynb", wait_until="commit",
                      timeout=90_000)
            page.wait_for_selector(ready, timeout=90_000)
            assert page.get_by_role("button", name="Bericht herunterladen (PDF)").count() == 1
            if notebook == "veranstaltungskalender":
                pdf = _download(page, "Bericht herunterladen (PDF)", ".pdf",
                                tmp_path / "kalender.pdf")
                text = " ".join(_pdf_text(pdf).split())
                assert "Veranstaltungskalender: Überschneidungen im" in text
            _report_shot(page, shot)
            _assert_clean(p)
        finally:
            p.close()
