"""Command line of kulturplan (``kulturplan …``).

``kulturplan build-region --ags 05762 --register GV.csv --boundaries VG5000_GEM.shp
--out data/hoexter`` builds a region folder from the official register and
boundaries (plus optional facility lists and calendars) and prints the import
report. ``kulturplan report --region DIR --gemeinde AGS|--kreis --format
pdf|html|xlsx --out FILE [--force]`` writes a Gemeindesteckbrief or Kreisbericht.
Exit codes: 0 success, 2 bad input or usage (German message on stderr,
no traceback).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from kulturplan.errors import KulturplanError

_TRANSLATIONS: list[tuple[str, str]] = [
    (r"the following arguments are required: (.*)", r"diese Angaben fehlen: \1"),
    (r"unrecognized arguments: (.*)", r"unbekannte Angaben: \1"),
    (r"argument (\S+): expected one argument", r"Angabe \1: erwartet einen Wert"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
     r"Angabe \1: ungültige Auswahl \2 (möglich: \3)"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"ungültige Auswahl \1 (möglich: \2)"),
    (r"argument (\S+): not allowed with argument (\S+)",
     r"Angabe \1 ist zusammen mit \2 nicht möglich"),
    (r"one of the arguments (.*) is required", r"eine dieser Angaben fehlt: \1"),
]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "Aufruf: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser with German usage line, section titles and error messages."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "Argumente"
        self._optionals.title = "Optionen"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="Diese Hilfe anzeigen und beenden.")

    def error(self, message: str) -> NoReturn:
        for pattern, repl in _TRANSLATIONS:
            message = re.sub(pattern, repl, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: Fehler: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kulturplan",
        description="kulturplan – Analyse- und Planungswerkzeug für die kulturelle "
        "Grundversorgung in Landkreisen.",
    )
    sub = parser.add_subparsers(dest="command", title="Befehle", metavar="BEFEHL",
                                parser_class=_Parser)
    build = sub.add_parser(
        "build-region",
        help="Region aus Gemeindeverzeichnis (Destatis) und Grenzen (BKG) bauen.",
        description=(
            "Baut einen Regionsordner aus dem Gemeindeverzeichnis (GV-ISys-Auszug von "
            "Destatis, CSV oder XLSX) und den Verwaltungsgrenzen des BKG (VG250/VG5000), "
            "optional mit Einrichtungslisten (CSV/XLSX oder OpenStreetMap-JSON) und "
            "Veranstaltungskalendern (.ics), und zeigt den Importbericht."
        ),
        epilog=(
            "Beispiel:\n  kulturplan build-region --ags 05762 \\\n"
            "    --register ../shared/data/destatis/AuszugGV4QAktuell_2020.csv \\\n"
            "    --boundaries ../shared/data/bkg-vg5000-2021/VG5000_GEM.shp \\\n"
            "    --out data/hoexter"
        ),
    )
    build.add_argument("--ags", required=True, metavar="SCHLÜSSEL",
                       help="Kreis (5 Ziffern, z. B. 05762), Regierungsbezirk (3 Ziffern), Land "
                       "(2 Ziffern) oder „DE“ für ganz Deutschland.")
    build.add_argument("--register", required=True, metavar="DATEI",
                       help="Gemeindeverzeichnis von Destatis (CSV oder XLSX).")
    build.add_argument("--boundaries", required=True, metavar="DATEI",
                       help="Gemeindegrenzen des BKG (Shapefile, GeoPackage, GeoJSON oder "
                       "Ordner).")
    build.add_argument("--facilities", action="append", default=[], metavar="DATEI",
                       help="Einrichtungsliste (CSV/XLSX) oder OpenStreetMap-Export "
                       "(.json/.geojson); mehrfach möglich.")
    build.add_argument("--organisations", action="append", default=[], metavar="DATEI",
                       help="Liste der Organisationen/Vereine (CSV/XLSX, Vorlage: „kulturplan "
                       "template --art organisationen“); mehrfach möglich.")
    build.add_argument("--funding", action="append", default=[], metavar="DATEI",
                       help="Liste der Förderung (CSV/XLSX, Vorlage: „kulturplan template "
                       "--art foerderung“); mehrfach möglich.")
    build.add_argument("--events", action="append", default=[], metavar="DATEI",
                       help="Veranstaltungskalender (.ics); mehrfach möglich.")
    build.add_argument("--osm", default=None, metavar="DATEI",
                       help="OpenStreetMap-Auszug (.osm.pbf) für Fahrzeiten auf dem Straßennetz "
                       "(Auto, Fahrrad, zu Fuß); die Region verweist auf die Datei, sie wird "
                       "nicht kopiert. Die Netze werden gleich vorberechnet und "
                       "zwischengespeichert.")
    build.add_argument("--grid", default=None, metavar="DATEI",
                       help="Zensus-2022-Gitter (CSV oder ZIP, z. B. "
                       "Zensus2022_Bevoelkerungszahl_1km-Gitter.csv): wo die Einwohner:innen "
                       "wohnen; der Importbericht vergleicht es je Gemeinde mit dem "
                       "Gemeindeverzeichnis (ohne Angleichung).")
    build.add_argument("--name", default=None, help="Name der Region (Standard: aus dem "
                       "Gemeindeverzeichnis, z. B. „Kreis Höxter“).")
    build.add_argument("--out", required=True, metavar="ORDNER",
                       help="Zielordner der Region (wird neu angelegt oder ersetzt, wenn er "
                       "eine kulturplan-Region enthält; von Hand gefüllte Organisationen und "
                       "Förderung darin bleiben erhalten).")
    template = sub.add_parser(
        "template",
        help="Excel-Vorlage für eine Einrichtungs-, Organisations- oder Förderliste schreiben.",
        description="Schreibt eine Excel-Vorlage mit Eingabehinweisen (für Einrichtungen mit "
        "Auswahlliste für die Sparte).",
    )
    template.add_argument("--art", choices=("einrichtungen", "organisationen", "foerderung"),
                          default="einrichtungen", help="Art der Liste (Standard: einrichtungen).")
    template.add_argument("out", metavar="DATEI", help="Ziel-Datei (.xlsx); wird nicht "
                          "überschrieben.")
    serve = sub.add_parser(
        "serve",
        help="Dashboards im Netz teilen (mit Passwort).",
        description=(
            "Startet die Dashboards für mehrere Nutzerinnen und Nutzer (wie „make start“, "
            "aber mit Passwort). Das Passwort legt die Administration fest: in der "
            "Umgebungsvariable KULTURPLAN_TOKEN oder in einer Datei (--token-file). Ohne "
            "Passwort startet der Server nicht. Für den Zugriff aus dem Netz gehört er "
            "hinter den HTTPS-Reverse-Proxy des Kreises (siehe README)."
        ),
        epilog=(
            "Beispiel:\n  export KULTURPLAN_TOKEN=$(python -c "
            "'import secrets; print(secrets.token_urlsafe(24))')\n"
            "  kulturplan serve --host 127.0.0.1 --port 8866 --base-url /kulturplan/"
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", metavar="ADRESSE",
                       help="Adresse, auf der der Server lauscht (Standard 127.0.0.1: nur "
                       "der Reverse-Proxy auf diesem Rechner erreicht ihn; 0.0.0.0: alle "
                       "Netzwerkschnittstellen).")
    serve.add_argument("--port", type=int, default=8866, help="Port (Standard 8866).")
    serve.add_argument("--base-url", default="/", metavar="PFAD",
                       help="Pfad, unter dem der Reverse-Proxy die Dashboards weiterreicht "
                       "(z. B. /kulturplan/; Standard /).")
    serve.add_argument("--token-file", default=None, metavar="DATEI",
                       help="Datei, deren erste Zeile das Passwort ist (statt "
                       "KULTURPLAN_TOKEN).")
    _add_report(sub)
    return parser


def _add_report(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="Gemeindesteckbrief oder Kreisbericht als PDF, HTML oder Excel schreiben.",
        description=(
            "Schreibt einen Bericht für die Sitzungsvorlage: den Gemeindesteckbrief einer "
            "Gemeinde (--gemeinde AGS, 1–2 Seiten A4) oder den Kreisbericht (--kreis), als "
            "PDF, als eigenständige HTML-Datei oder die Tabellen als Excel-Arbeitsmappe."
        ),
        epilog=(
            "Beispiele:\n  kulturplan report --region data/musterland --kreis --format pdf "
            "--out kreisbericht.pdf\n  kulturplan report --region data/musterland --gemeinde "
            "99001001 --format xlsx --out adlergrund.xlsx"
        ),
    )
    report.add_argument("--region", required=True, metavar="ORDNER",
                        help="Regionsordner (mit region.toml), z. B. data/musterland.")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--gemeinde", metavar="AGS",
                       help="Gemeindesteckbrief der Gemeinde mit diesem AGS (8 Ziffern).")
    which.add_argument("--kreis", action="store_true", help="Kreisbericht der ganzen Region.")
    report.add_argument("--format", required=True, choices=["pdf", "html", "xlsx"],
                        help="Dateiformat: pdf, html oder xlsx (Excel-Tabellen).")
    report.add_argument("--indikator", default=None, metavar="ID",
                        help="Indikator für Karte und Rangfolge des Kreisberichts "
                        "(Standard: Kultureinrichtungen je 10.000 Einw.).")
    report.add_argument("--out", required=True, metavar="DATEI", help="Ziel-Datei.")
    report.add_argument("--force", action="store_true",
                        help="Eine vorhandene Ziel-Datei ersetzen (sonst Abbruch).")


def _serve(args: argparse.Namespace) -> int:
    from kulturplan.serve import dashboards_folder, read_token, serve, voila_argv

    token = read_token(args.token_file)
    folder = dashboards_folder()
    voila_argv(folder, host=args.host, port=args.port, base_url=args.base_url)  # checks
    print(f"Kulturplan-Dashboards (mit Passwort) auf http://{args.host}:{args.port}"
          f"{args.base_url.rstrip('/')}/ – Beenden mit Strg+C", file=sys.stderr)
    serve(host=args.host, port=args.port, token=token, base_url=args.base_url)
    return 0


def _build_region(args: argparse.Namespace) -> int:
    from kulturplan.io import write_region
    from kulturplan.sources.build import (
        IMPORT_REPORT_CSV,
        IMPORT_REPORT_TXT,
        build_region,
        keep_hand_filled,
    )

    if args.grid:
        _progress(f"Lese Zensus-Gitter {args.grid} …")
    region, report = build_region(
        args.ags,
        register=args.register,
        boundaries=args.boundaries,
        facilities=args.facilities or None,
        events=args.events or None,
        name=args.name,
        organisations=args.organisations or None,
        funding=args.funding or None,
        osm=args.osm,
        grid=args.grid,
    )
    region, kept = keep_hand_filled(region, args.out)
    path = write_region(region, args.out, attachments=report.files())
    print(report)
    print()
    for note in kept:
        print(note)
    print(f"Region „{region.name}“ geschrieben nach: {path}")
    print(
        f"Vollständiger Importbericht: {path / IMPORT_REPORT_CSV} und {path / IMPORT_REPORT_TXT}"
    )
    print("Quellen: " + region.attribution)
    if args.osm:
        _prebuild_networks(args.osm)
    return 0


def _progress(message: str) -> None:
    """A progress line on stderr (the report itself goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def _prebuild_networks(osm: str) -> None:
    """Build and cache the road networks of ``osm`` so dashboards start fast."""
    import time

    from kulturplan._format import format_number
    from kulturplan.routing import build_network

    labels = {"car": "Auto", "bike": "Fahrrad", "walk": "zu Fuß"}
    for i, (mode, label) in enumerate(labels.items(), start=1):
        _progress(f"Straßennetz {i}/{len(labels)} ({label}) wird aufgebaut …")
        start = time.perf_counter()
        net = build_network(osm, mode)
        where = "aus dem Zwischenspeicher" if net.info.get("from_cache") else "neu gebaut"
        seconds = format_number(time.perf_counter() - start, 1)
        _progress(f"  {format_number(net.n_nodes)} Knoten, {format_number(net.n_edges)} "
                  f"gerichtete Kanten, {where} in {seconds} s")


def _template(args: argparse.Namespace) -> int:
    from kulturplan.sources import lists
    from kulturplan.sources.facilities import write_template

    if args.art == "einrichtungen":
        path = write_template(args.out)
    else:
        spec = lists.ORGANISATIONS if args.art == "organisationen" else lists.FUNDING
        path = lists.write_template(args.out, spec)
    print(f"Vorlage geschrieben: {path}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kulturplan.errors import OverwriteRefusedError
    from kulturplan.io import read_region
    from kulturplan.report import ReportContext, write_report

    out = Path(args.out)
    if out.exists() and not args.force:  # before the (slow) build
        raise OverwriteRefusedError(
            f"{out}: Die Datei existiert bereits und wird nicht überschrieben. Bitte einen "
            "anderen Dateinamen wählen oder --force angeben."
        )
    region = read_region(args.region)
    ctx = ReportContext(region, ags=args.gemeinde, indicator=args.indikator)
    path = write_report(ctx, out, fmt=args.format, force=args.force)
    what = (f"Gemeindesteckbrief {ctx.names[ctx.ags]}" if ctx.ags
            else f"Kreisbericht {region.name}")
    print(f"{what} geschrieben: {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "build-region":
            return _build_region(args)
        if args.command == "template":
            return _template(args)
        if args.command == "report":
            return _report(args)
        if args.command == "serve":
            return _serve(args)
    except KulturplanError as exc:
        print(f"kulturplan: Fehler: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
