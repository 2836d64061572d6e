"""Small helpers for the notebooks: find the project and the reference data, German tables.

The notebooks hold no logic; what they need beyond one library call lives here:

* :func:`project_root`, :func:`demo_region` — find the project folder and load the demo;
* :func:`shared_data_dir`, :func:`data_status` — find the official reference files
  (``../shared/data`` or ``$KULTURPLAN_SHARED_DATA``) and explain in German how to get
  them when they are missing (the lookup itself lives in :mod:`kulturplan._paths`);
* :func:`key_figures`, :func:`facilities_by_category`, :func:`labelled`,
  :func:`gap_table` — German tables for a coordinator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kulturplan import catalog
from kulturplan._format import format_decimal, format_number
from kulturplan._paths import ENV_SHARED_DATA, project_root, shared_data_dir
from kulturplan.region import Region

__all__ = [
    "DEMO_FOLDER",
    "ENV_SHARED_DATA",
    "OUTSIDE_FIGURE",
    "data_status",
    "demo_region",
    "facilities_by_category",
    "gap_table",
    "indicator_catalog",
    "key_figures",
    "labelled",
    "project_root",
    "reference_files",
    "shared_data_dir",
]

DEMO_FOLDER = Path("data") / "musterland"
"""The demo region folder, relative to the project root."""


def demo_region(start: str | Path | None = None) -> Region:
    """The demo district "Landkreis Musterland".

    Reads the region folder ``data/musterland`` of the project when it exists (the
    same data the dashboards show), else builds it with
    :func:`kulturplan.demo.musterland` (``seed=0``, identical content).
    """
    root = project_root(start)
    if root is not None and (root / DEMO_FOLDER / "region.toml").is_file():
        from kulturplan.io import read_region

        return read_region(root / DEMO_FOLDER)
    from kulturplan.demo import musterland

    return musterland(seed=0)


def reference_files(folder: str | Path) -> dict[str, Path] | None:
    """Register and boundary files in ``folder`` (``None`` when one is missing).

    See :func:`kulturplan.sources.build.reference_files`.
    """
    from kulturplan.sources.build import reference_files as _reference_files

    return _reference_files(folder) if Path(folder).is_dir() else None


MISSING_DATA_HELP = """\
### Die amtlichen Dateien fehlen noch

Im Ordner `{folder}` liegen {what}. So beschaffen Sie sie (beide kostenlos, Lizenz
*Datenlizenz Deutschland – Namensnennung – Version 2.0*):

1. **Gemeindeverzeichnis vom Statistischen Bundesamt (Destatis)**: auf www.destatis.de unter
   *Themen → Länder & Regionen → Regionales → Gemeindeverzeichnis* die Datei
   „Alle politisch selbständigen Gemeinden mit ausgewählten Merkmalen“
   (GV-ISys, **Auszug**, z. B. `AuszugGV4QAktuell.xlsx`) herunterladen.
   Ablegen als `{folder}/destatis/AuszugGV4QAktuell.xlsx` (eine CSV-Fassung
   `destatis/Auszug….csv` geht ebenso).
2. **Verwaltungsgrenzen vom Bundesamt für Kartographie und Geodäsie (BKG)**: auf
   gdz.bkg.bund.de unter *Open Data → Verwaltungsgebiete* den Datensatz
   **VG250** (1:250 000, genau) oder **VG5000** (1:5 000 000, grob) im Format
   *Shape, Ebenen* herunterladen und entpacken. Alle Dateien der Gemeindeebene
   (`VG250_GEM.shp`, `.shx`, `.dbf`, `.prj`, `.cpg`) ablegen in
   `{folder}/bkg-vg250/` (der Ordnername muss mit `bkg-` beginnen).

Danach dieses Notebook neu ausführen. Einen anderen Ordner nennen Sie über die
Umgebungsvariable `{env}`. Ohne Internet geht es auch: die Dateien auf einem anderen
Rechner herunterladen und per USB-Stick kopieren. kulturplan selbst lädt nie etwas aus
dem Internet.
"""


def data_status(folder: str | Path) -> str:
    """German Markdown text: which reference files were found, or how to get them.

    Parameters
    ----------
    folder
        The reference data folder (see :func:`shared_data_dir`).

    Returns
    -------
    str
        Markdown; when files are missing, download instructions for the
        Destatis register (GV-ISys Auszug) and the BKG boundaries (VG250/VG5000).
    """
    folder = Path(folder)
    files = reference_files(folder)
    if files is not None:
        return (
            "**Amtliche Dateien gefunden** in `{}`:\n\n"
            "* Gemeindeverzeichnis: `{}` (© Statistisches Bundesamt (Destatis))\n"
            "* Gemeindegrenzen: `{}` (© GeoBasis-DE / BKG)\n".format(
                folder, files["register"].relative_to(folder),
                files["boundaries"].relative_to(folder),
            )
        )
    what = (
        "keine Dateien – es gibt ihn nicht"
        if not folder.is_dir()
        else "nicht beide nötigen Dateien (Gemeindeverzeichnis und Gemeindegrenzen)"
    )
    return MISSING_DATA_HELP.format(folder=folder, what=what, env=ENV_SHARED_DATA)


def key_figures(region: Region) -> pd.DataFrame:
    """Key figures of a region as a German two-column table (Kennzahl, Wert).

    Numbers are formatted the German way (``142.794``). Facilities count only when they
    lie in a municipality of the region; facilities outside it (kept for reachability)
    are listed in a row of their own when there are any.
    """
    from kulturplan.indicators.basic import own_facilities

    own = len(own_facilities(region))
    figures = {
        "Gemeinden": len(region.municipalities),
        "Einwohner:innen": float(region.municipalities["population"].sum()),
        "Fläche (km²)": float(region.municipalities["area_km2"].sum()),
        "Einrichtungen": own,
        "Organisationen (Vereine u. a.)": len(region.organisations),
        "Veranstaltungen": len(region.events),
        "Förderdatensätze": len(region.funding),
    }
    outside = len(region.facilities) - own
    if outside:
        figures[OUTSIDE_FIGURE] = outside
    return pd.DataFrame(
        {"Kennzahl": list(figures), "Wert": [format_number(v, 0) for v in figures.values()]}
    )


OUTSIDE_FIGURE = "Einrichtungen außerhalb (zählen nur für die Erreichbarkeit)"
"""Key figure row of facilities beyond the region's municipalities."""


def facilities_by_category(region: Region) -> pd.DataFrame:
    """Number of the region's own facilities per category (Sparte) in catalog order.

    Categories without facilities are listed with 0; facilities outside the region's
    municipalities are not counted (see :func:`kulturplan.indicators.basic.own_facilities`).
    """
    from kulturplan.indicators.basic import facility_counts

    counts = facility_counts(region)
    return pd.DataFrame(
        {
            "Sparte": [catalog.category_label(c, plural=True) for c in counts.index],
            "Einrichtungen": counts.to_numpy(dtype=int),
        }
    )


def labelled(table: pd.DataFrame, region: Region, ids: Sequence[str]) -> pd.DataFrame:
    """Indicator columns ``ids`` of ``table`` with German headers and the municipality name.

    Headers are ``"<label> (<unit>)"`` from the indicator catalog of ``region`` (the unit
    only when the label does not name it already; labels of the indicators in minutes say
    how travel time is measured, :func:`kulturplan.indicators.catalog`); the index stays
    the AGS, the first column is ``Gemeinde``.
    """
    from kulturplan.indicators import catalog as indicator_catalog

    cat = indicator_catalog(region)
    headers = {}
    for i in ids:
        if i in cat.index:
            unit = cat.loc[i, "unit"]
            unit = str(unit) if pd.notna(unit) else ""
            label = str(cat.loc[i, "label"])
            headers[i] = f"{label} ({unit})" if unit and unit not in label else label
        else:
            headers[i] = i
    out = table.loc[:, list(ids)].rename(columns=headers)
    out.insert(0, "Gemeinde", region.municipalities["name"].reindex(out.index))
    return out


MODE_PHRASES: dict[str, str] = {"car": "mit dem Auto", "bike": "mit dem Fahrrad",
                                "walk": "zu Fuß"}
"""How a network mode of :data:`kulturplan.indicators.reachability.GAP_MODES` reads in a
sentence ("20 min mit dem Auto")."""


def criterion_parts(criterion: Sequence[Any]) -> tuple[float, str, str]:
    """``(threshold, unit)`` or ``(threshold, unit, mode)`` → ``(threshold, unit, mode)``
    (mode ``"line"`` when not given)."""
    threshold, unit, *rest = criterion
    return float(threshold), str(unit), str(rest[0]) if rest else "line"


def criterion_label(category: str, threshold: float, unit: str, mode: str = "line") -> str:
    """German label of a reachability standard: „Bibliothek > 9,5 km“, „Bibliothek > 20 min
    mit dem Auto“ (network modes)."""
    text = f"{catalog.category_label(category)} > {format_decimal(threshold)} {unit}"
    return f"{text} {MODE_PHRASES[mode]}" if mode in MODE_PHRASES else text


GRID_COLUMN = "Einw. Zensus-Gitter"
"""Column of :func:`gap_table` with the grid inhabitants the straight-line shares refer to."""


def gap_table(region: Region, criteria: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Inhabitants beyond several reachability thresholds, as a German table.

    Presentation of :func:`kulturplan.indicators.reachability.population_beyond` (one
    call per criterion) for a notebook or a report.

    Parameters
    ----------
    region
        The :class:`~kulturplan.Region`.
    criteria
        ``{category: (threshold, unit)}`` or ``{category: (threshold, unit, mode)}``, e.g.
        ``{"bibliothek": (10, "km"), "musikschule": (20, "min", "car")}``; ``mode`` is
        ``"line"`` (default) or a network mode (car, bike, walk: travel times on the road
        network of the region's OSM file, only inhabitants on the network counted).

    Returns
    -------
    pandas.DataFrame
        One row per municipality (region order) plus a last row „Summe“ (totals and the
        share of the whole region); columns ``AGS``, ``Gemeinde``, ``Einwohner`` (the
        register), ``Einw. Zensus-Gitter`` when the region names a Zensus grid and a
        criterion measures the straight line (the inhabitants those shares refer to,
        :func:`kulturplan.demand.population_points`), and per criterion (label
        :func:`criterion_label`) „…: Einw.“ (beyond, rounded) and „… Anteil (%)“ (one
        decimal, computed from the unrounded numbers), preceded for a network mode by
        „…: Einw. gezählt“ (the inhabitants on the network, whom its share refers to).
        Thresholds are written the
        German way („Bibliothek > 9,5 km“). The index is a plain row number: the
        „Summe“ row is not a municipality.
    """
    from kulturplan import demand
    from kulturplan.indicators.reachability import population_beyond
    from kulturplan.io import input_file

    muni = region.municipalities
    out = pd.DataFrame({"AGS": muni.index.astype(str), "Gemeinde": muni["name"].astype(str),
                        "Einwohner": muni["population"].astype(float).to_numpy()})
    total: dict[str, object] = {"AGS": "", "Gemeinde": "Summe",
                                "Einwohner": float(muni["population"].sum())}
    grid = input_file(region, "grid") is not None
    for category, criterion in criteria.items():
        threshold, unit, mode = criterion_parts(criterion)
        part = population_beyond(region, category, threshold, unit, mode=mode)
        label = criterion_label(category, threshold, unit, mode)
        whole = demand.overall(part)
        counted = GRID_COLUMN if mode == "line" else f"{label}: Einw. gezählt"
        if (grid or mode != "line") and counted not in out.columns:
            out.insert(3 if mode == "line" else len(out.columns), counted,
                       part["population"].round().to_numpy())
            total[counted] = round(whole["population"])
        out[f"{label}: Einw."] = part["population_beyond"].round().to_numpy()
        out[f"{label}: Anteil (%)"] = part["share_beyond"].round(1).to_numpy()
        total[f"{label}: Einw."] = round(whole["population_beyond"])
        total[f"{label}: Anteil (%)"] = round(whole["share_beyond"], 1)
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


PER_LABELS: dict[str, str] = {
    "category": "je Sparte",
    "source": "je Mittelgeber",
    "target_group": "je Zielgruppe",
}
"""German names of the catalog's ``per`` values (indicator families)."""


def indicator_catalog(*, families: bool = False, region: Region | None = None
                      ) -> pd.DataFrame:
    """The indicator catalog with German column names, for reading in a notebook.

    Parameters
    ----------
    region
        Texts as they apply to this region (:func:`kulturplan.indicators.catalog`); without
        it travel times are described as estimated from the straight line.
    families
        ``True``: one row per family (e.g. one row for "facilities per 10,000
        inhabitants" instead of one per category), labelled with its first member
        ("z. B. Bibliotheken je 10.000 Einw.") and the number of indicators in column
        ``Anzahl``; the index is the family id. ``False``: one row per indicator id.
    """
    from kulturplan.indicators import catalog as catalog_of

    cat = catalog_of(region)
    per = cat["per"].map(PER_LABELS).fillna("")
    label = cat["label"].astype(str)
    if families:
        label = label.where(per == "", "z. B. " + label)
    out = pd.DataFrame(
        {
            "Kennzahl": label,
            "Einheit": cat["unit"].fillna(""),
            "Höher ist besser": cat["higher_is_better"].map({True: "ja", False: "nein"}),
            "Beschreibung": cat["description"].fillna(""),
        },
        index=cat.index,
    )
    out.index.name = "Kennung"
    if not families:
        return out
    family = cat["family"].astype(str)
    first = ~family.duplicated()
    out = out[first.to_numpy()].copy()
    out.insert(1, "Aufteilung", per[first].to_numpy())
    out.insert(2, "Anzahl", family.value_counts().reindex(family[first]).to_numpy())
    out.index = pd.Index(family[first].to_numpy(), name="Kennung")
    return out
