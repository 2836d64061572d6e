"""Gemeindesteckbrief: one municipality on one or two A4 pages.

Key figures with the Kreis median and the median of comparable municipalities, the
facilities by Sparte, reachability (inhabitants beyond the standards), a small locator
map, the indicator profile against the peers, the sources with dates and licences.
"""

from __future__ import annotations

import pandas as pd

from kulturplan import catalog
from kulturplan.indicators.basic import own_facilities
from kulturplan.indicators.peers import size_class
from kulturplan.report._html import SVG_CELL, Section, cards, figure, notice, paragraph
from kulturplan.report._html import table as html_table
from kulturplan.report.blocks import (
    STECKBRIEF_BLOCKS,
    gap_method_note,
    methods_frame,
    number,
    pct,
    sources_html,
)
from kulturplan.report.context import ReportContext
from kulturplan.viz import svg
from kulturplan.viz.charts import profile_frame
from kulturplan.viz.prepare import attribution

LOCATOR_COLOUR = "#c6dbe9"
"""Fill of the other municipalities in the locator map."""


def key_figure_frame(ctx: ReportContext) -> pd.DataFrame:
    """Indicators of the municipality against the Kreis median and the peer median.

    Returns
    -------
    pandas.DataFrame
        Index indicator id; columns ``label``, ``unit``, ``value``, ``kreis_median``,
        ``peer_median``, ``n_peers``, ``index`` (value ÷ peer median × 100) and
        ``better`` (see :func:`kulturplan.viz.charts.profile_frame`).
    """
    ags = ctx.municipality
    ids = ctx.report_indicators
    rows = ctx.peers.xs(ags, level="ags").reindex(ids)
    profile = profile_frame(rows["value"], rows["peer_median"], region=ctx.region)
    profile["kreis_median"] = ctx.indicators[ids].median()
    profile["n_peers"] = rows["n_peers"]
    return profile


def _figures_section(ctx: ReportContext) -> Section:
    ags = ctx.municipality
    muni = ctx.region.municipalities.loc[ags]
    pop = float(muni["population"])
    area = float(muni["area_km2"])
    fac = own_facilities(ctx.region)
    n_fac = int((fac["ags"] == ags).sum())
    degree = muni.get("urban_degree")
    degree_text = (catalog.URBAN_DEGREES.get(int(degree), "–")
                   if degree is not None and pd.notna(degree) else "–")
    items = [
        (number(pop, 0), "Einwohner:innen"),
        (number(area, 1), "Fläche (km²)"),
        (number(pop / area if area > 0 else float("nan"), 0), "Einwohner:innen je km²"),
        (number(n_fac, 0), "Kultureinrichtungen"),
        (str(size_class(pop)), "Gemeindegrößenklasse (Einw.)"),
        (degree_text, "Siedlungstyp"),
    ]
    geoms = ctx.region.municipalities.geometry
    fills = [svg.HIGHLIGHT_COLOUR if a == ags else LOCATOR_COLOUR for a in geoms.index]
    drawn = svg.choropleth_svg(geoms, fills, highlight=ags, width=300, max_height=300,
                               label=f"Lage von {ctx.names[ags]}")
    side = figure(drawn, f"Lage von {ctx.names[ags]} im {ctx.region.name}")
    body = (f'<div class="kp-two"><div class="kp-main">{cards(items)}</div>'
            f'<div class="kp-side">{side}</div></div>')
    return Section("Auf einen Blick", body)


def _profile_section(ctx: ReportContext) -> Section:
    if ctx.map_indicator is None:
        return Section("Kennzahlen im Vergleich", notice(
            "Für die Region sind noch keine Kultureinrichtungen, Vereine, Veranstaltungen oder "
            "Förderdaten erfasst. Die Kennzahlen zur Kulturversorgung und ihr Vergleich mit "
            "ähnlichen Gemeinden erscheinen hier, sobald diese Tabellen eingelesen sind."))
    frame = key_figure_frame(ctx)
    name = ctx.names[ctx.municipality]
    shown = pd.DataFrame({
        "Kennzahl": frame["label"],
        "Einheit": frame["unit"],
        name: [number(v) for v in frame["value"]],
        "Median Kreis": [number(v) for v in frame["kreis_median"]],
        "Median Vergleichsgruppe": [number(v) for v in frame["peer_median"]],
        "Index (100 = Median Vergleich)": [
            SVG_CELL + svg.index_bar_svg(i, better=None if pd.isna(b) else bool(b))
            + " " + number(i, 0) if pd.notna(i) else "–"
            for i, b in zip(frame["index"], frame["better"], strict=True)],
    })
    n = pd.to_numeric(frame["n_peers"], errors="coerce").max()
    basis = ctx.peers.xs(ctx.municipality, level="ags")["peer_basis"].iloc[0] if len(frame) else ""
    group = ("keine vergleichbare Gemeinde im Kreis" if not n > 0 else
             "1 Gemeinde des Kreises" if n == 1 else f"bis zu {number(n, 0)} Gemeinden des Kreises")
    body = html_table(shown, right=[name, "Median Kreis", "Median Vergleichsgruppe",
                                    "Index (100 = Median Vergleich)"]) + paragraph(
        f"Vergleichsgruppe: {group} ({basis}); die Gemeinde selbst zählt nicht mit. Index: "
        "Wert der Gemeinde ÷ Median der Vergleichsgruppe × 100; blau = besser, orange = "
        "schlechter als der Median.", "kp-note")
    return Section("Kennzahlen im Vergleich", body)


def _facilities_section(ctx: ReportContext) -> Section:
    ags = ctx.municipality
    fac = own_facilities(ctx.region)
    here = fac[fac["ags"] == ags]
    kreis = fac["category"].value_counts()
    cats = [c for c in catalog.category_ids() if kreis.get(c, 0) > 0]
    if not cats:
        return Section("Einrichtungen nach Sparten", notice(
            "Für die Region sind noch keine Kultureinrichtungen erfasst."))
    names = here.groupby("category")["name"].agg(lambda s: ", ".join(sorted(map(str, s))))
    counts = here["category"].value_counts()
    frame = pd.DataFrame({
        "Sparte": [catalog.category_label(c, plural=True) for c in cats],
        ctx.names[ags]: [number(counts.get(c, 0), 0) for c in cats],
        "Kreis gesamt": [number(kreis.get(c, 0), 0) for c in cats],
        "Einrichtungen in der Gemeinde": [names.get(c, "–") for c in cats],
    })
    return Section("Einrichtungen nach Sparten", html_table(
        frame, right=[ctx.names[ags], "Kreis gesamt"], small=True))


def _reach_section(ctx: ReportContext) -> Section:
    if ctx.gaps.empty:
        return Section("Erreichbarkeit", notice(
            "Ohne erfasste Einrichtungen lässt sich die Erreichbarkeit nicht berechnen."))
    gaps = ctx.gaps
    row = gaps[gaps["AGS"] == ctx.municipality].iloc[0]
    total = gaps.iloc[-1]
    rows = []
    for cat in ctx.active_criteria:
        label = ctx.criterion_label(cat)
        rows.append({
            "Standard": f"{catalog.category_label(cat)}: höchstens {label.split(' > ')[1]}",
            "Einwohner:innen weiter entfernt": number(row[f"{label}: Einw."], 0),
            "Anteil": pct(row[f"{label}: Anteil (%)"]),
            "Anteil im Kreis": pct(total[f"{label}: Anteil (%)"]),
        })
    frame = pd.DataFrame(rows)
    body = html_table(frame, right=list(frame.columns[1:])) + paragraph(
        gap_method_note(ctx), "kp-note")
    return Section("Erreichbarkeit", body)


def _sources_section(ctx: ReportContext) -> Section:
    body = sources_html(ctx)
    body += "<h3>Kennzahlen und Berechnung</h3>" + html_table(
        methods_frame(ctx.report_indicators, ctx.region), small=True)
    body += paragraph(f"Karte: {attribution(ctx.region)}. Erstellt am {ctx.created:%d.%m.%Y} "
                      "mit kulturplan; nur zusammengefasste Zahlen, keine personenbezogenen "
                      "Daten.", "kp-note")
    return Section("Quellen", body)


def sections(ctx: ReportContext) -> list[Section]:
    """The chapters of the Gemeindesteckbrief of ``ctx.ags``."""
    extra = [s for s in (b(ctx) for b in STECKBRIEF_BLOCKS) if s is not None]
    return [_figures_section(ctx), _profile_section(ctx), _facilities_section(ctx),
            _reach_section(ctx), *extra, _sources_section(ctx)]


def title(ctx: ReportContext) -> tuple[str, str]:
    """Title and subtitle of the Steckbrief."""
    return (f"Gemeindesteckbrief {ctx.names[ctx.municipality]}",
            f"{ctx.region.name} · AGS {ctx.municipality}")


__all__ = ["key_figure_frame", "sections", "title"]
