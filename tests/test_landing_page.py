"""The landing page (template ``tree.html``) names every dashboard with one German sentence.

Each dashboard is one line in the ``titles`` mapping of ``tree.html``
(``"datei.ipynb": ("Titel", "Ein Satz, was es zeigt"),``), so that a branch adding a
dashboard adds exactly one line there; this test fails when a notebook in
``dashboards/`` has no line (the page would show it only as "weiteres Dashboard").
"""

from __future__ import annotations

import re

from browser_support import ROOT

TREE = ROOT / "share" / "jupyter" / "voila" / "templates" / "kulturplan" / "tree.html"
ENTRY = re.compile(
    r'^\s*"(?P<file>[\w-]+\.ipynb)":\s*\("(?P<title>[^"]+)",\s*"(?P<text>[^"]+)"\),\s*$'
)


def landing_entries() -> dict[str, tuple[str, str]]:
    """File name → (title, sentence) as written in ``tree.html``."""
    out = {}
    for line in TREE.read_text(encoding="utf-8").splitlines():
        m = ENTRY.match(line)
        if m:
            out[m["file"]] = (m["title"], m["text"])
    return out


def test_every_dashboard_has_a_title_and_a_sentence():
    notebooks = sorted(p.name for p in (ROOT / "dashboards").glob("*.ipynb"))
    entries = landing_entries()
    assert notebooks, "keine Dashboards gefunden"
    missing = [n for n in notebooks if n not in entries]
    assert missing == [], f"ohne Zeile in tree.html: {missing}"
    for name, (title, text) in entries.items():
        assert title.strip() == title and len(title) <= 40, name
        assert 20 <= len(text) <= 220, (name, text)
        assert "\n" not in text and not text.endswith("."), (name, text)


def test_entries_are_one_line_each_and_unique():
    lines = [line for line in TREE.read_text(encoding="utf-8").splitlines()
             if '.ipynb": (' in line]
    assert len(lines) == len(landing_entries())  # every entry parsed: exactly one line
    titles = [t for t, _ in landing_entries().values()]
    assert len(set(titles)) == len(titles)
