"""One file for the front-end chunks every dashboard page needs, instead of ~90 requests.

Voilà's front end and the widget extensions (ipywidgets' managers, jupyter-leaflet) are
webpack builds split into chunks, and a dashboard page fetched 90 of them one by one
(101 requests for the Kreisübersicht). Each request costs the browser work of its own
(request, response, script task): on the 2-core machine, 8 Kreisübersicht pages opened
at once were drawn after a median of 10,9 s with the chunks one by one and 8,5 s with
them in one file (``benchmarks/bench_dashboards.py``, browser 2,6 → 2,2 CPU-s per page).

How it works: webpack 5 registers a chunk by pushing it onto a global array of its build
(``self.webpackChunk…``), which the build's runtime reads when it starts and watches
afterwards; a chunk already registered is never requested (webpack's JSONP chunk loading,
https://webpack.js.org/configuration/output/#outputchunkloadingglobal). ``kp-chunks.js``
is the concatenation of the chunk files named in the template's ``kp-chunks.json`` and
is loaded by the template just before ``voila.js``. It is written from the installed
files by ``make install`` (``python -m kulturplan.frontend``), with
``kp-chunks.html``, the template snippet that loads it — only when Voilà's version and
the build of each bundled extension (its ``remoteEntry`` file name, a content hash) are
those the list was made for. Otherwise no bundle is written (a German line says why), or
an existing one is not used, and a page loads its chunks one by one as before.

The list holds the chunks of the first draw of every dashboard (a browser test fails
naming any chunk a dashboard still requests, ``tests/browser_support.py``). plotly.js is
not bundled: only the dashboards with plotly charts load it.

Server side only (run at install time); imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kulturplan._format import format_number
from kulturplan._paths import project_root, write_atomic

LIST_NAME = "kp-chunks.json"
"""The list of bundled chunks, in the template folder (in git)."""
BUNDLE_NAME = "kp-chunks.js"
"""The bundle, in the template's ``static/`` folder (written by ``make install``)."""
SNIPPET_NAME = "kp-chunks.html"
"""The template snippet loading the bundle (written by ``make install``)."""


CONTROL_COMM_PATCH = (
    'setTimeout(()=>l("Control comm did not respond in time"),4e3)',
    'setTimeout(()=>l("Control comm did not respond in time"),6e4)',
)
"""ipywidgets' widget manager asks the kernel for all widget states at once and gives up
after 4 s (``CONTROL_COMM_TIMEOUT``, not configurable; jupyter-widgets/ipywidgets#3633);
it then fetches the widgets one by one, and on a busy machine that fallback left whole
dashboards showing "Error displaying widget: model not found" (5 of 32 Kreisübersicht
pages, 8 opened at once on 2 cores). Our kernels always answer (ipywidgets 8), so the
bundled copy waits up to 60 s; a kernel that does not answer at all is reported by the
template's kernel watch. Applied to the one chunk of the listed build that holds it
(exact text; :func:`write_bundle` fails when it is not there)."""
GET_MODEL_PATCH = (
    'for(;Date.now()-o<2e3;){if(void 0!==(t=this._models[e]))return t;'
    'await new Promise(e=>setTimeout(e,100))}throw Error("widget model not found")',
    'for(;Date.now()-o<3e4;){if(void 0!==(t=this._models[e]))return t;'
    'await new Promise(e=>setTimeout(e,100))}'
    'if(void 0!==(t=this._models[e]))return t;throw Error("widget model not found")',
)
"""A widget view whose model is not registered yet waits for it in ``get_model``, polling
every 100 ms for at most 2 s (ipywidgets 8.1.9, jupyter-widgets/ipywidgets#4033, towards
#4026); the loop compares the clock *before* it looks again, so when the page's main
thread is busy for a while (creating the ~110 models of the Kreisübersicht took 0,8 s on
the 2-core machine with 8 pages loading) the model registered meanwhile is never seen: the
renderer, asked once before the manager's restore from the kernel had finished, then
shows "Error displaying widget: model not found" for good (seen in 1 to 6 of 8 pages per
round, 8 opened at once, with the chunks in one file; the page's manager held the model).
The bundled copy waits up to 30 s and looks once more before it gives up."""
PATCHES = {
    "@jupyter-widgets/jupyterlab-manager/static/32.3281b05d23655ae8.js": (
        CONTROL_COMM_PATCH, GET_MODEL_PATCH),
}
"""Replacements in bundled chunks: ``{extension/chunk: ((old, new), …)}``."""


@dataclass(frozen=True)
class Bundle:
    """What :func:`write_bundle` wrote: the files concatenated and the bundle's size."""

    files: tuple[Path, ...]
    size: int
    digest: str


class BundleError(RuntimeError):
    """The installed front end does not match the list (German message)."""


def template_folder(root: Path | None = None) -> Path:
    """The project's Voilà template folder (``share/jupyter/voila/templates/kulturplan``)."""
    root = project_root() if root is None else root
    if root is None:
        raise BundleError("Der kulturplan-Projektordner wurde nicht gefunden.")
    return root / "share" / "jupyter" / "voila" / "templates" / "kulturplan"


def _find(name: str, roots: Sequence[Path]) -> Path | None:
    """The first existing ``root / name`` (as Voilà's static handlers look up files)."""
    for root in roots:
        path = Path(root) / name
        if path.is_file():
            return path
    return None


def chunk_files(spec: dict, *, voila_version: str, static_roots: Sequence[Path],
                labextension_roots: Sequence[Path]) -> list[tuple[str, Path]]:
    """The chunks in ``spec`` (the parsed ``kp-chunks.json``): their names as listed
    (``extension/static/file`` for an extension's) with their installed files.

    Raises
    ------
    BundleError
        When Voilà's version, an extension's build or a chunk file differs from the list.
    """
    voila = spec["voila"]
    if voila["version"] != voila_version:
        raise BundleError(f"Voilà {voila_version} statt {voila['version']} installiert")
    files: list[tuple[str, Path]] = []
    for chunk in voila["chunks"]:
        path = _find(chunk, static_roots)
        if path is None:
            raise BundleError(f"Voilà-Datei {chunk} fehlt")
        files.append((chunk, path))
    for name, ext in spec["labextensions"].items():
        folder = next((Path(r) / name for r in labextension_roots
                       if (Path(r) / name / "package.json").is_file()), None)
        if folder is None or not (folder / ext["load"]).is_file():
            raise BundleError(f"Erweiterung {name} nicht in der Fassung {ext['load']} "
                              "installiert")
        for chunk in ext["chunks"]:
            if not (folder / chunk).is_file():
                raise BundleError(f"Datei {chunk} der Erweiterung {name} fehlt")
            files.append((f"{name}/{chunk}", folder / chunk))
    return files


def snippet(spec: dict, digest: str) -> str:
    """The Jinja snippet that loads the bundle when the page's Voilà and extensions are
    those of the list (``page_config``: Voilà's version and its federated extensions)."""
    conditions = [f"page_config.get('appVersion') == {json.dumps(spec['voila']['version'])}"]
    conditions += [f"{json.dumps(ext['load'])} in kp_loads"
                   for ext in spec["labextensions"].values()]
    return (
        "{#- written by `python -m kulturplan.frontend` (make install) from "
        f"{LIST_NAME}; not in git -#}}\n"
        "{%- set kp_loads = page_config.get('federated_extensions', [])"
        " | map(attribute='load') | list -%}\n"
        f"{{%- if {' and '.join(conditions)} -%}}\n"
        '<script src="{{ resources.base_url }}voila/templates/kulturplan/static/'
        f'{BUNDLE_NAME}?v={digest}"></script>\n'
        "{%- endif -%}\n"
    )


def write_bundle(template: Path, *, voila_version: str, static_roots: Sequence[Path],
                 labextension_roots: Sequence[Path]) -> Bundle:
    """Write ``static/kp-chunks.js`` and ``kp-chunks.html`` into ``template`` from the
    chunks listed in its ``kp-chunks.json``.

    On a mismatch (:class:`BundleError`) both files are removed, so that no page loads
    a bundle of other versions.
    """
    spec = json.loads((template / LIST_NAME).read_text(encoding="utf-8"))
    try:
        files = chunk_files(spec, voila_version=voila_version, static_roots=static_roots,
                            labextension_roots=labextension_roots)
        # a chunk ends with a source-map comment or without a newline: each on its own lines
        data = b"".join(_patched(name, path).rstrip() + b"\n;\n" for name, path in files)
    except BundleError:
        remove_bundle(template)
        raise
    digest = hashlib.sha256(data).hexdigest()[:20]
    # readable by the web server's user, also when `make install` ran as another one
    write_atomic(template / "static" / BUNDLE_NAME, data)
    write_atomic(template / SNIPPET_NAME, snippet(spec, digest).encode("utf-8"))
    return Bundle(tuple(path for _, path in files), len(data), digest)


def _patched(name: str, path: Path,
             patches: dict[str, tuple[tuple[str, str], ...]] | None = None) -> bytes:
    """The bytes of chunk ``name`` with its replacements from ``patches`` (default
    :data:`PATCHES`), if any; :class:`BundleError` when a text to replace is not there
    exactly once."""
    data = path.read_bytes()
    for old_text, new_text in (PATCHES if patches is None else patches).get(name, ()):
        old, new = old_text.encode("utf-8"), new_text.encode("utf-8")
        if data.count(old) != 1:
            raise BundleError(f"die zu ändernde Stelle in {name} nicht gefunden")
        data = data.replace(old, new)
    return data


def remove_bundle(template: Path) -> None:
    (template / "static" / BUNDLE_NAME).unlink(missing_ok=True)
    (template / SNIPPET_NAME).unlink(missing_ok=True)


def installed_roots() -> tuple[str, list[Path], list[Path]]:
    """Voilà's version, the static folders of the kulturplan template and the
    labextension folders, as the Voilà server looks them up."""
    from voila import __version__
    from voila.paths import collect_static_paths
    from voila.utils import get_voila_labextensions_path

    static = [Path(p) for p in collect_static_paths(["voila", "nbconvert"], "kulturplan")]
    return __version__, static, [Path(p) for p in get_voila_labextensions_path()]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kulturplan.frontend [TEMPLATE]``: write the bundle; one German line."""
    args = list(sys.argv[1:] if argv is None else argv)
    template = Path(args[0]) if args else template_folder()
    version, static, labext = installed_roots()
    try:
        bundle = write_bundle(template, voila_version=version, static_roots=static,
                              labextension_roots=labext)
    except BundleError as exc:
        print(f"Hinweis: die Dashboards laden ihre Skripte einzeln (langsamer), weil {exc}; "
              f"die Liste {template / LIST_NAME} passt nicht zur installierten Fassung.")
        return 0
    print(f"Dashboards: {len(bundle.files)} Skriptteile von Voilà und den "
          f"Widget-Erweiterungen in einer Datei ({BUNDLE_NAME}, "
          f"{format_number(bundle.size / 1e6, 1)} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
