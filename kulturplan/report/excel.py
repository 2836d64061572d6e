"""Excel workbook of a report: one sheet per table, German headers with units.

Sheets: (Steckbrief of the municipality,) Indikatoren, Versorgungslücken, Vergleich,
Einrichtungen, Befragung (with a survey), the tables of optional chapters passed in
``extras`` (Szenarien, Kostenteilung, Überschneidungen, Freiwilligenbörse), Katalog
(labels, units, methods), Quellen (sources, licences, date of the data and of the
workbook). Every sheet has its header in row 1, frozen, German number formats
(``#.##0,0`` as Excel shows them under a German locale) and column widths. Text cells
pass :func:`kulturplan._safe.cell_text`, so a name such as ``=HYPERLINK(…)`` from an
input file arrives as text, never as a formula. Only aggregated numbers and public
facility data are written (no personal data; volunteers by id and municipality only).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._safe import cell_text
from kulturplan.indicators import catalog as indicator_catalog
from kulturplan.indicators.basic import own_facilities
from kulturplan.region import Region
from kulturplan.report.context import ReportContext, data_date, german_date

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written, not with the package
    from openpyxl import Workbook

HEADER_COLOUR = "1D5A8A"
"""Fill colour of the header row (white bold text)."""
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
"""Excel number formats (shown as ``1.234`` / ``1.234,56`` under a German locale)."""


def indicator_header(indicator: str, region: Region | None = None) -> str:
    """German column header of an indicator: "<label> (<unit>)" (unit only if not named).

    With ``region`` the labels of the indicators in minutes say how travel time is
    measured for it (:func:`kulturplan.indicators.catalog`).
    """
    cat = indicator_catalog(region)
    if indicator not in cat.index:
        return indicator
    label, unit = str(cat.at[indicator, "label"]), cat.at[indicator, "unit"]
    unit = str(unit) if pd.notna(unit) else ""
    return f"{label} ({unit})" if unit and unit not in label else label


def indicator_sheet(ctx: ReportContext) -> pd.DataFrame:
    """All indicators per municipality with German headers (numbers unrounded)."""
    table = ctx.indicators
    out = pd.DataFrame({
        "AGS": table.index.astype(str),
        "Gemeinde": ctx.names.reindex(table.index).to_numpy(),
        "Einwohner:innen (Personen)": ctx.region.population.reindex(table.index).to_numpy(),
    })
    for col in table.columns:
        out[indicator_header(col, ctx.region)] = table[col].to_numpy()
    return out


def _steckbrief_sheet(ctx: ReportContext) -> pd.DataFrame:
    from kulturplan.report.steckbrief import key_figure_frame

    frame = key_figure_frame(ctx)
    return pd.DataFrame({
        "Kennzahl": frame["label"], "Einheit": frame["unit"],
        f"Wert {ctx.names[ctx.municipality]}": frame["value"],
        "Median Kreis": frame["kreis_median"],
        "Median Vergleichsgruppe": frame["peer_median"],
        "Zahl der Vergleichsgemeinden": frame["n_peers"].astype(float),
    })


def _peer_sheet(ctx: ReportContext) -> pd.DataFrame:
    long = ctx.peers.reset_index()
    return pd.DataFrame({
        "AGS": long["ags"].astype(str),
        "Gemeinde": long["ags"].map(ctx.names),
        "Kennzahl": long["indicator"].map(indicator_header),
        "Wert der Gemeinde": long["value"],
        "Median der Vergleichsgemeinden": long["peer_median"],
        "Zahl der Vergleichsgemeinden": long["n_peers"].astype(float),
        "Vergleichsgruppe": long["peer_basis"],
        "Gemeindegrößenklasse (Einw.)": long["size_class"].astype(str),
    })


def _facility_sheet(ctx: ReportContext) -> pd.DataFrame:
    fac = own_facilities(ctx.region)
    if ctx.ags is not None:
        fac = fac[fac["ags"] == ctx.ags]
    return pd.DataFrame({
        "Einrichtung": fac["name"].astype(str).to_numpy(),
        "Sparte": [catalog.category_label(c) for c in fac["category"]],
        "Gemeinde": fac["ags"].map(ctx.names).to_numpy(),
        "AGS": fac["ags"].astype(str).to_numpy(),
    })


def _catalog_sheet(ctx: ReportContext) -> pd.DataFrame:
    cat = indicator_catalog(ctx.region).reindex(ctx.indicators.columns)
    return pd.DataFrame({
        "Kennung": cat.index,
        "Kennzahl (Spaltenkopf)": [indicator_header(i, ctx.region) for i in cat.index],
        "Einheit": cat["unit"].fillna(""),
        "Höher ist besser": cat["higher_is_better"].map({True: "ja", False: "nein"}),
        "Beschreibung": cat["description"].fillna(""),
        "Methode (Funktion in kulturplan)": cat["method"].fillna(""),
    })


def _sources_sheet(ctx: ReportContext) -> pd.DataFrame:
    rows = [{"Angabe": "Quelle", "Wert": s.get("name", ""),
             "Stand": german_date(str(s.get("date", ""))),
             "Lizenz": s.get("licence", ""), "Namensnennung": s.get("attribution", "")}
            for s in ctx.region.sources]
    rows += [
        {"Angabe": "Region", "Wert": ctx.region.name},
        {"Angabe": "Stand der Daten", "Wert": data_date(ctx.region)},
        {"Angabe": "Erstellt am", "Wert": f"{ctx.created:%d.%m.%Y}"},
        {"Angabe": "Hinweis", "Wert": "Nur zusammengefasste Zahlen und öffentliche Angaben zu "
         "Einrichtungen; keine personenbezogenen Daten."},
    ]
    return pd.DataFrame(rows, columns=["Angabe", "Wert", "Stand", "Lizenz", "Namensnennung"])


def _survey_sheet(ctx: ReportContext) -> pd.DataFrame:
    from kulturplan.needs import barrier_profile, sparte_table

    weights = ctx.survey_weights.weights.reindex(ctx.region.survey.index)
    usage = sparte_table(ctx.region.survey, weights, item="besuche", by=None)
    barriers = barrier_profile(ctx.region.survey, weights, by=None)
    parts = [
        pd.DataFrame({"Frage": "Nutzung in den letzten 12 Monaten",
                      "Antwort": [catalog.category_label(s, plural=True)
                                  for s in usage["sparte"]],
                      **_share_columns(usage)}),
        pd.DataFrame({"Frage": "Was vom Besuch abhält", "Antwort": barriers["label"].to_numpy(),
                      **_share_columns(barriers)}),
    ]
    return pd.concat(parts, ignore_index=True)


def _share_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    hidden = frame["suppressed"].to_numpy(dtype=bool)

    def pct(col: str) -> np.ndarray:
        return np.where(hidden, np.nan, 100 * frame[col].to_numpy(dtype=float))

    return {"Antworten": frame["n"].to_numpy(dtype=float),
            "Anteil gewichtet (%)": pct("estimate"),
            "Vertrauensbereich von (%)": pct("ci_low"),
            "Vertrauensbereich bis (%)": pct("ci_high")}


def sheets(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The workbook's tables by sheet name (German headers, unformatted numbers)."""
    out: dict[str, pd.DataFrame] = {}
    if ctx.ags is not None:
        out["Steckbrief"] = _steckbrief_sheet(ctx)
    out["Indikatoren"] = indicator_sheet(ctx)
    if not ctx.gaps.empty:
        out["Versorgungslücken"] = ctx.gaps
    if len(ctx.peers):
        out["Vergleich"] = _peer_sheet(ctx)
    out["Einrichtungen"] = _facility_sheet(ctx)
    if ctx.has_survey:
        out["Befragung"] = _survey_sheet(ctx)
    out.update(_extra_sheets(ctx))
    out["Katalog"] = _catalog_sheet(ctx)
    out["Quellen"] = _sources_sheet(ctx)
    return out


def _extra_sheets(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """Tables of the optional chapters passed in ``ctx.extras`` (numbers unformatted)."""
    from kulturplan.report.blocks import VOLUNTEER_COLUMNS, month_collisions

    out: dict[str, pd.DataFrame] = {}
    scenarios = ctx.extras.get("scenarios")
    if scenarios is not None and len(scenarios):
        out["Szenarien"] = scenarios.reset_index(drop=not scenarios.index.name)
    costs = ctx.extras.get("costs")
    if costs and costs.get("shares") is not None and len(costs["shares"]):
        shares = costs["shares"]
        frame = shares.rename(columns=lambda c: f"{c} (EUR)").reset_index(drop=True)
        frame.insert(0, "Gemeinde", ctx.names.reindex(shares.index).to_numpy())
        frame.insert(0, "AGS", shares.index.astype(str))
        out["Kostenteilung"] = frame
    cal = ctx.extras.get("calendar")
    if cal and cal.get("month") is not None and cal.get("collisions") is not None:
        col = month_collisions(cal)
        out["Überschneidungen"] = pd.DataFrame({
            "Veranstaltung": col["title_a"].astype(str).to_numpy(),
            "Beginn": pd.to_datetime(col["start_a"]).dt.strftime("%d.%m.%Y %H:%M").to_numpy(),
            "Gemeinde": col["ags_a"].map(ctx.names).to_numpy(),
            "kollidiert mit": col["title_b"].astype(str).to_numpy(),
            "Beginn (2)": pd.to_datetime(col["start_b"]).dt.strftime("%d.%m.%Y %H:%M")
            .to_numpy(),
            "Gemeinde (2)": col["ags_b"].map(ctx.names).to_numpy(),
            "Entfernung (km)": col["distance_km"].astype(float).to_numpy(),
            "Gründe": col["reasons"].astype(str).to_numpy(),
        })
    coop = ctx.extras.get("cooperation")
    if coop and coop.get("volunteers") is not None and len(coop["volunteers"]):
        pairs = coop["volunteers"]
        ags = coop.get("ags")
        pairs = pairs[(pairs["volunteer_ags"] == ags) | (pairs["request_ags"] == ags)]
        out["Freiwilligenbörse"] = pd.DataFrame({  # ids and municipalities only
            VOLUNTEER_COLUMNS["volunteer"]: pairs["volunteer"].astype(str).to_numpy(),
            VOLUNTEER_COLUMNS["volunteer_ags"]: pairs["volunteer_ags"].map(ctx.names)
            .to_numpy(),
            VOLUNTEER_COLUMNS["request"]: pairs["request"].astype(str).to_numpy(),
            VOLUNTEER_COLUMNS["request_ags"]: pairs["request_ags"].map(ctx.names).to_numpy(),
            VOLUNTEER_COLUMNS["km"]: pairs["km"].astype(float).to_numpy(),
            VOLUNTEER_COLUMNS["score"]: pairs["score"].astype(float).to_numpy(),
        })
    return out


def _number_format(values: pd.Series) -> str:
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite = arr[np.isfinite(arr)]
    return INTEGER_FORMAT if finite.size == 0 or np.allclose(finite, np.round(finite)) \
        else DECIMAL_FORMAT


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (bool, np.bool_)):
        return "ja" if value else "nein"
    if pd.isna(value):
        return None
    return cell_text(str(value))


def _write_sheet(book: Workbook, name: str, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_COLOUR)
    ws = book.create_sheet(name[:31])
    ws.append([cell_text(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        if numeric:
            fmt = _number_format(frame[col])
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        if numeric:
            width = max(12, min(len(str(col)) // 2 + 4, 28))
        else:
            longest = max([len(str(col)) // 2 + 2, 8,
                           *(len(str(v)) + 2 for v in frame[col].head(200))])
            width = min(longest, 60)
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[1].height = 45
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def workbook_bytes(ctx: ReportContext) -> bytes:
    """The report's tables as an .xlsx workbook (see the module docstring)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets(ctx).items():
        _write_sheet(book, name, frame)
    book.properties.title = f"kulturplan: {ctx.region.name}"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
