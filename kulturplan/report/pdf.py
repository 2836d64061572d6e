"""PDF from a report's HTML with WeasyPrint (no browser, no network).

WeasyPrint lays out HTML/CSS for print in pure Python on top of Pango/HarfBuzz (Debian
packages ``libpango-1.0-0``, ``libpangoft2-1.0-0``, ``libharfbuzz-subset0``), reads the
report's ``@page`` rules (A4, running header, page numbers) and draws its inline SVG
itself. Nothing is fetched: the URL fetcher refuses every request, so a report can never
depend on the network.
"""

from __future__ import annotations

from typing import Any, NoReturn

from kulturplan.errors import KulturplanError

INSTALL_HINT = (
    "Für PDF-Berichte wird WeasyPrint gebraucht: „pip install weasyprint“ und unter "
    "Debian/Ubuntu „apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0“. "
    "Ohne WeasyPrint lässt sich der Bericht als HTML speichern und im Browser drucken."
)


class PdfEngineError(KulturplanError, RuntimeError):
    """WeasyPrint or its system libraries are missing."""


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"Bericht lädt nichts nach: {url}")


def html_to_pdf(html: str) -> bytes:
    """Render a report's HTML (self-contained) to PDF bytes.

    Raises
    ------
    PdfEngineError
        If WeasyPrint or Pango is not installed (German message with the install line).
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz libraries missing
        raise PdfEngineError(INSTALL_HINT) from exc
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch)
    return bytes(document.write_pdf())
