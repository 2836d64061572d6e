"""page_config_hook: the Kreisübersicht's pages load no plotly.js (issue 16)."""

from __future__ import annotations

from kulturplan.ui.page_config import PLOTLY_EXTENSION, WITHOUT_PLOTLY, page_config_hook

CONFIG = {"baseUrl": "/", "federated_extensions": [
    {"name": "jupyter-leaflet", "load": "static/remoteEntry.js"},
    {"name": PLOTLY_EXTENSION, "load": "static/remoteEntry.1dd.js",
     "mimeExtension": "./mimeExtension"},
]}


def test_kreisuebersicht_page_has_no_plotly_extension():
    out = page_config_hook(CONFIG, base_url="/", settings={}, log=None,
                           voila_configuration=None,
                           notebook_path="/srv/kulturplan/dashboards/kreisuebersicht.ipynb")
    assert [e["name"] for e in out["federated_extensions"]] == ["jupyter-leaflet"]
    assert out["baseUrl"] == "/"
    assert len(CONFIG["federated_extensions"]) == 2  # the input is not changed
    assert "kreisuebersicht.ipynb" in WITHOUT_PLOTLY


def test_other_pages_keep_plotly():
    for path in ("dashboards/versorgungsluecken.ipynb", ""):
        out = page_config_hook(CONFIG, notebook_path=path)
        assert out is CONFIG
