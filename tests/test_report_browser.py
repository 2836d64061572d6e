"""Report download buttons in a real browser (Voilà + headless Chromium, network blocked).

In the Kreisübersicht a municipality is chosen, "Bericht herunterladen (PDF)" and
"Tabellen (Excel)" are clicked, the progress note and then the link appear, and the
downloaded files are a valid PDF (its text names the municipality) and a valid workbook
(its Steckbrief sheet is that municipality's). The Versorgungslücken dashboard offers the
Kreisbericht for the chosen standard.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from browser_support import ARTIFACTS, CHROMIUM, Page, _assert_clean, _select, _wait_drawn
from openpyxl import load_workbook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium fehlt (CI installiert es mit apt: .ci/run)"),
]

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
        _wait_drawn(page)
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
