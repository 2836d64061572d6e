"""The front-end chunk bundle (kulturplan.frontend): what is written, when nothing is, and
that the list matches the installed Voilà (the browser tests check that a page then
requests no chunk of its own, ``browser_support.single_chunk_requests``)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jinja2
import pytest

from kulturplan import frontend

ROOT = Path(__file__).resolve().parents[1]

SPEC = {
    "voila": {"version": "9.9.9", "chunks": ["12.voila.js", "7.voila.js"]},
    "labextensions": {
        "@x/widgets": {"load": "static/remoteEntry.abc.js", "chunks": ["static/3.ff.js"]},
    },
}


def _tree(tmp_path: Path, spec: dict = SPEC) -> tuple[Path, Path, Path]:
    """A template folder with the list, two static roots and a labextension root."""
    template = tmp_path / "kulturplan"
    (template / "static").mkdir(parents=True)
    (template / frontend.LIST_NAME).write_text(json.dumps(spec), encoding="utf-8")
    first, base = tmp_path / "tpl_static", tmp_path / "base_static"
    first.mkdir()
    base.mkdir()
    (base / "12.voila.js").write_text(
        "(self.webpackChunk_v=self.webpackChunk_v||[]).push([[12],{}])"
        "\n//# sourceMappingURL=12.voila.js.map")
    (base / "7.voila.js").write_text("PUSH7")
    (first / "7.voila.js").write_text("PUSH7-override")  # found first, as Voilà serves it
    labext = tmp_path / "labextensions"
    ext = labext / "@x" / "widgets"
    (ext / "static").mkdir(parents=True)
    (ext / "package.json").write_text("{}")
    (ext / "static" / "remoteEntry.abc.js").write_text("ENTRY")
    (ext / "static" / "3.ff.js").write_text("PUSH3")
    return template, base, labext


def test_bundle_concatenates_the_listed_chunks_in_order(tmp_path):
    template, base, labext = _tree(tmp_path)
    umask = os.umask(0o022)
    try:
        bundle = frontend.write_bundle(template, voila_version="9.9.9",
                                       static_roots=[tmp_path / "tpl_static", base],
                                       labextension_roots=[tmp_path / "nowhere", labext])
    finally:
        os.umask(umask)
    data = (template / "static" / frontend.BUNDLE_NAME).read_text()
    # each chunk on lines of its own, ended by ";" (a chunk ending in a comment or
    # without a semicolon cannot swallow the next one)
    assert data == ("(self.webpackChunk_v=self.webpackChunk_v||[]).push([[12],{}])\n"
                    "//# sourceMappingURL=12.voila.js.map\n;\n"
                    "PUSH7-override\n;\nPUSH3\n;\n")
    assert bundle.size == len(data.encode())
    assert [p.name for p in bundle.files] == ["12.voila.js", "7.voila.js", "3.ff.js"]
    assert bundle.files[1].parent == tmp_path / "tpl_static"
    # the web server may run as another user than `make install` (was 0600, mkstemp's)
    for written in (template / "static" / frontend.BUNDLE_NAME, template / frontend.SNIPPET_NAME):
        assert stat.S_IMODE(written.stat().st_mode) == 0o644


def _render(template: Path, page_config: dict) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template)))
    return env.get_template(frontend.SNIPPET_NAME).render(
        page_config=page_config, resources={"base_url": "/kp/"}).strip()


def test_snippet_loads_the_bundle_only_for_the_listed_versions(tmp_path):
    template, base, labext = _tree(tmp_path)
    bundle = frontend.write_bundle(template, voila_version="9.9.9", static_roots=[base],
                                   labextension_roots=[labext])
    exts = [{"name": "@x/widgets", "load": "static/remoteEntry.abc.js"},
            {"name": "plotly", "load": "static/remoteEntry.p.js"}]
    assert _render(template, {"appVersion": "9.9.9", "federated_extensions": exts}) == (
        '<script src="/kp/voila/templates/kulturplan/static/kp-chunks.js'
        f'?v={bundle.digest}"></script>')
    # another build of the extension, another Voilà, no extension: no bundle
    other = [{"name": "@x/widgets", "load": "static/remoteEntry.def.js"}]
    assert _render(template, {"appVersion": "9.9.9", "federated_extensions": other}) == ""
    assert _render(template, {"appVersion": "9.9.8", "federated_extensions": exts}) == ""
    assert _render(template, {"appVersion": "9.9.9"}) == ""


@pytest.mark.parametrize("change, message", [
    (lambda t, b, e: None, "Voilà 9.9.8 statt 9.9.9"),
    (lambda t, b, e: (b / "7.voila.js").unlink(), "Voilà-Datei 7.voila.js fehlt"),
    (lambda t, b, e: (e / "@x" / "widgets" / "static" / "remoteEntry.abc.js").rename(
        e / "@x" / "widgets" / "static" / "remoteEntry.new.js"),
     "Erweiterung @x/widgets nicht in der Fassung static/remoteEntry.abc.js"),
    (lambda t, b, e: (e / "@x" / "widgets" / "static" / "3.ff.js").unlink(),
     "Datei static/3.ff.js der Erweiterung @x/widgets fehlt"),
])
def test_a_mismatch_writes_no_bundle_and_removes_an_old_one(tmp_path, change, message):
    template, base, labext = _tree(tmp_path)
    frontend.write_bundle(template, voila_version="9.9.9", static_roots=[base],
                          labextension_roots=[labext])
    change(template, base, labext)
    version = "9.9.8" if "9.9.8" in message else "9.9.9"
    with pytest.raises(frontend.BundleError, match=message):
        frontend.write_bundle(template, voila_version=version, static_roots=[base],
                              labextension_roots=[labext])
    assert not (template / "static" / frontend.BUNDLE_NAME).exists()
    assert not (template / frontend.SNIPPET_NAME).exists()


def test_main_says_in_german_why_there_is_no_bundle(tmp_path, capsys, monkeypatch):
    template, base, labext = _tree(tmp_path)
    monkeypatch.setattr(frontend, "installed_roots", lambda: ("1.0", [base], [labext]))
    assert frontend.main([str(template)]) == 0  # make install goes on
    out = capsys.readouterr().out
    assert out.startswith("Hinweis: die Dashboards laden ihre Skripte einzeln (langsamer), "
                          "weil Voilà 1.0 statt 9.9.9 installiert")
    monkeypatch.setattr(frontend, "installed_roots", lambda: ("9.9.9", [base], [labext]))
    frontend.main([str(template)])
    assert capsys.readouterr().out == (
        "Dashboards: 3 Skriptteile von Voilà und den Widget-Erweiterungen in einer Datei "
        "(kp-chunks.js, 0,0 MB).\n")


def test_the_list_matches_the_installed_front_end():
    """The project's list names files of exactly the installed Voilà and extensions
    (requirements.lock pins them): after `make install` the bundle is in use."""
    version, static, labext = frontend.installed_roots()
    spec = json.loads((frontend.template_folder() / frontend.LIST_NAME).read_text())
    files = frontend.chunk_files(spec, voila_version=version, static_roots=static,
                                 labextension_roots=labext)
    assert len(files) == len(spec["voila"]["chunks"]) + sum(
        len(e["chunks"]) for e in spec["labextensions"].values())
    # the widget manager's 4-s wait for all widget states (ipywidgets#3633) is patched in
    # the listed build: the chunk holding it is bundled and holds the text exactly once
    patched = dict(files)
    for name, replacements in frontend.PATCHES.items():
        for _old, new in replacements:
            assert new.encode() in frontend._patched(name, patched[name])
    bundle = (frontend.template_folder() / "static" / frontend.BUNDLE_NAME).read_text()
    assert bundle.count('"Control comm did not respond in time"),6e4)') == 1
    assert '"Control comm did not respond in time"),4e3)' not in bundle
    # get_model waits 30 s for a late model and looks once more (ipywidgets#4026)
    assert bundle.count("Date.now()-o<3e4;") == 1 and "Date.now()-o<2e3;" not in bundle
    # plotly.js (4,8 MB) only for the dashboards with plotly charts
    assert "jupyterlab-plotly" not in spec["labextensions"]
    # the template loads the bundle just before voila.js
    index = (frontend.template_folder() / "index.html.j2").read_text(encoding="utf-8")
    assert index.index("{% include 'kp-chunks.html' ignore missing %}") < index.index(
        "{{ voila_setup_labextensions(")


def test_a_patch_whose_text_is_missing_writes_no_bundle(tmp_path, monkeypatch):
    template, base, labext = _tree(tmp_path)
    monkeypatch.setattr(frontend, "PATCHES", {"@x/widgets/static/3.ff.js": (("PUSH3", "P3"),)})
    frontend.write_bundle(template, voila_version="9.9.9", static_roots=[base],
                          labextension_roots=[labext])
    assert (template / "static" / frontend.BUNDLE_NAME).read_text().endswith("P3\n;\n")
    monkeypatch.setattr(frontend, "PATCHES", {"@x/widgets/static/3.ff.js": (("4e3", "6e4"),)})
    with pytest.raises(frontend.BundleError,
                       match="die zu ändernde Stelle in @x/widgets/static/3.ff.js nicht"):
        frontend.write_bundle(template, voila_version="9.9.9", static_roots=[base],
                              labextension_roots=[labext])
    assert not (template / "static" / frontend.BUNDLE_NAME).exists()
