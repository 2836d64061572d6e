"""Chapters (blocks) of the Kreisbericht.

A block is a function ``block(ctx) -> Section | None`` of a
:class:`~kulturplan.report.context.ReportContext`; ``None`` means "nothing to show for
this region" (e.g. no survey). :data:`KREIS_BLOCKS` is the default order; a new result
type (planning scenarios, cooperation lists, …) adds a block function and, where it
needs input, an entry of ``ctx.extras`` — not a new report::

    from kulturplan import report
    html = report.kreisbericht(region, blocks=[*report.KREIS_BLOCKS, my_block])

Hooks (entries of ``ctx.extras``, each block silent while its entry is absent):
``"scenarios"`` — :func:`scenario_block`, a table of scenarios to compare
(:func:`scenario_table` of a :func:`kulturplan.planning.compare` result, as the
Planungswerkstatt passes it); ``"cooperation"`` — :func:`cooperation_block` (places like
mine, partners, volunteer matches by id; also a chapter of the Gemeindesteckbrief,
:data:`STECKBRIEF_BLOCKS`); ``"calendar"`` — :func:`calendar_block` (collisions of one
month); ``"costs"`` — :func:`cost_block` (cost-sharing keys side by side with the cost
alone). The needs block reads the region's survey itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kulturplan import catalog
from kulturplan._format import MONTHS_DE, format_number
from kulturplan._safe import html_text
from kulturplan.report._html import SVG_CELL, Section, cards, figure, legend, notice, paragraph
from kulturplan.report._html import table as html_table
from kulturplan.report.context import KEY_DECIMALS, ReportContext, german_date
from kulturplan.viz import svg
from kulturplan.viz.charts import indicator_meta, ranking_order
from kulturplan.viz.prepare import ColourScale, source_table

if TYPE_CHECKING:
    from kulturplan.region import Region

Block = Callable[[ReportContext], Section | None]
"""A chapter of a report: returns its :class:`Section`, or ``None`` to leave it out."""


def pct(value: float, decimals: int = 1) -> str:
    """Percent (0–100) in German format: ``"12,5 %"``; "–" without a value (e.g. no
    inhabitant counted)."""
    if value is None or pd.isna(value):
        return "–"
    return f"{format_number(value, decimals)} %"


def number(value: float, decimals: int = KEY_DECIMALS) -> str:
    """German number; a value that rounds to zero is shown as 0 (never "-0,0")."""
    if isinstance(value, (int, float, np.floating)) and np.isfinite(value) \
            and round(float(value), decimals) == 0:
        value = 0.0
    return format_number(value, decimals)


# -- overview ------------------------------------------------------------------------------
def overview_block(ctx: ReportContext) -> Section:
    """Key figures of the Kreis and facilities per Sparte."""
    from kulturplan.overview import facilities_by_category, key_figures

    figures = key_figures(ctx.region)
    body = cards(zip(figures["Wert"], figures["Kennzahl"], strict=True))
    counts = facilities_by_category(ctx.region)
    counts = counts[counts["Einrichtungen"] > 0]
    if counts.empty:
        body += notice(
            "Für diese Region sind noch keine Kultureinrichtungen erfasst. Die Kapitel zu "
            "Indikatoren und Erreichbarkeit füllen sich, sobald eine Einrichtungsliste "
            "(Excel-Vorlage oder OpenStreetMap) eingelesen ist; bis dahin zeigen Karte und "
            "Rangfolge die Bevölkerungsdichte."
        )
    else:
        shown = counts.assign(Einrichtungen=[number(v, 0) for v in counts["Einrichtungen"]])
        body += "<h3>Einrichtungen nach Sparten</h3>" + html_table(
            shown, right=["Einrichtungen"])
    return Section("Überblick", body)


# -- map and ranking -------------------------------------------------------------------------
def _map_values(ctx: ReportContext) -> tuple[pd.Series, dict[str, object]]:
    """Values, label, unit, direction and description of the map (population fallback)."""
    ind = ctx.map_indicator
    if ind is None:
        muni = ctx.region.municipalities
        dens = muni["population"].astype(float) / muni["area_km2"].astype(float)
        return dens, {"label": "Bevölkerungsdichte", "unit": "Einw. je km²",
                      "higher_is_better": True,
                      "description": "Einwohner:innen je km² Fläche. Für die Region sind noch "
                      "keine Kultureinrichtungen erfasst; bis dahin zeigen Karte und "
                      "Rangfolge die Bevölkerungsdichte.",
                      "note": "dunkler = dichter besiedelt",
                      "direction": "am dichtesten besiedelte zuerst"}
    meta = indicator_meta(ind, ctx.region)
    direction = ("beste zuerst: höhere Werte = bessere Versorgung" if meta["higher_is_better"]
                 else "beste zuerst: niedrigere Werte = bessere Versorgung")
    return ctx.indicators[ind], {**meta, "note": "dunkler = bessere Versorgung",
                                 "direction": direction}


def map_names(names: pd.Series) -> pd.Series:
    """Short map labels: the official name without its suffix ("Döbeln, Stadt" → "Döbeln")."""
    return names.str.split(",").str[0].str.strip()


def choropleth(ctx: ReportContext, values: pd.Series, meta: dict[str, object], *,
               highlight: str | None = None, width: float = 640.0,
               max_height: float = 700.0, labels: bool = True) -> tuple[str, str]:
    """SVG map and HTML legend of ``values`` (classes of :class:`ColourScale`)."""
    scale = ColourScale.from_values(values, higher_is_better=bool(meta["higher_is_better"]),
                                    unit=str(meta["unit"]))
    geoms = ctx.region.municipalities.geometry
    vals = values.reindex(geoms.index)
    titles = pd.Series(
        [f"{n}: {number(v, scale.decimals)} {meta['unit']}" for n, v in
         zip(ctx.names.reindex(geoms.index), vals, strict=True)], index=geoms.index)
    drawn = svg.choropleth_svg(geoms, scale.colour(vals), highlight=highlight, titles=titles,
                               width=width, max_height=max_height, label=str(meta["label"]),
                               names=map_names(ctx.names) if labels else None,
                               priority=ctx.region.population)
    key = legend(f"{meta['label']}", scale.legend(),
                 str(meta["note"]) if not scale.empty else "")
    return drawn, key


def describe(meta: dict[str, object]) -> str:
    """"<label> (<unit>): <description>" without repeating a unit the label names."""
    label, unit = str(meta["label"]), str(meta["unit"])
    head = label if not unit or unit in label else f"{label} ({unit})"
    return f"{head}: {meta['description']}"


def map_block(ctx: ReportContext) -> Section:
    """Choropleth of the chosen indicator with legend and reading aid."""
    values, meta = _map_values(ctx)
    drawn, key = choropleth(ctx, values, meta)
    from kulturplan.viz.prepare import attribution

    body = (paragraph(describe(meta))
            + figure(drawn, attribution(ctx.region)) + key
            + paragraph("Namen kleiner Gemeinden fehlen in der Karte, wo sie sich überdecken "
                        "würden; alle Werte stehen in der Rangfolge.", "kp-note"))
    return Section(f"Karte: {meta['label']}", body, new_page=True)


def ranking_block(ctx: ReportContext) -> Section:
    """All municipalities ranked by the map indicator (best first)."""
    values, meta = _map_values(ctx)
    order = ranking_order(values, higher_is_better=bool(meta["higher_is_better"]))
    decimals = ColourScale.from_values(values).decimals
    chart = svg.bar_chart_svg(values.reindex(order), ctx.names, decimals=decimals,
                              highlight=ctx.ags, label=f"Rangfolge {meta['label']}")
    body = paragraph(f"{describe(meta)} Alle Gemeinden ({meta['direction']}).") \
        + figure(chart)
    return Section(f"Rangfolge: {meta['label']}", body, new_page=True)


# -- reachability -------------------------------------------------------------------------
def gap_frame(ctx: ReportContext) -> pd.DataFrame:
    """The gap table formatted for print (without AGS; numbers in German format)."""
    gaps = ctx.gaps.drop(columns=["AGS"])
    out = pd.DataFrame({"Gemeinde": gaps["Gemeinde"],
                        "Einwohner": [number(v, 0) for v in gaps["Einwohner"]]})
    for col in gaps.columns[2:]:
        if col.endswith("Anteil (%)"):
            out[col.replace(": Anteil (%)", ": Anteil")] = [pct(v) for v in gaps[col]]
        else:
            out[col] = [number(v, 0) for v in gaps[col]]
    return out


def _network_method(ctx: ReportContext, mode: str) -> str:
    from kulturplan.io import input_file
    from kulturplan.overview import MODE_PHRASES
    from kulturplan.routing.region import ON_NETWORK_M, for_region

    road = for_region(ctx.region)
    name = Path(str(input_file(ctx.region, "osm"))).name
    share = road.network_share(mode) if road is not None else float("nan")
    return (f"Fahrzeit {MODE_PHRASES[mode]} auf dem Straßennetz der OpenStreetMap-Datei "
            f"„{name}“; gezählt sind nur Einwohner:innen höchstens "
            f"{format_number(ON_NETWORK_M / 1000, 0)} km vom Netz "
            f"({format_number(share, 1)} % der Einwohner:innen), die Anteile beziehen sich "
            "auf sie")


def gap_method_note(ctx: ReportContext) -> str:
    """How the gap figures of the report were measured (plain German text).

    Names the population source (Zensus grid or uniform spread) and, per way of measuring
    of the active criteria, straight line, estimated minutes or road network.
    """
    from kulturplan.io import input_file
    from kulturplan.overview import criterion_parts

    if input_file(ctx.region, "grid") is not None:
        people = ("Einwohner:innen nach dem Zensus-2022-Gitter (ohne Angleichung an das "
                  "Gemeindeverzeichnis)")
    else:
        people = "Einwohner:innen gleichmäßig auf ein 1-km-Raster je Gemeinde verteilt"
    units = {criterion_parts(c)[1] for c in ctx.active_criteria.values()
             if criterion_parts(c)[2] == "line"}
    parts = []
    if "km" in units:
        parts.append("Entfernung als Luftlinie")
    if "min" in units:
        parts.append("Fahrzeit geschätzt aus der Luftlinie (Umwegfaktor 1,3, 50 km/h)")
    parts += [_network_method(ctx, m) for m in ctx.gap_modes if m != "line"]
    return (f"{people}; " + "; ".join(parts) + " – jeweils zur nächsten Einrichtung, auch "
            "jenseits der Kreisgrenze (kulturplan.demand).")


def gaps_block(ctx: ReportContext) -> Section:
    """Inhabitants beyond each reachability standard (:func:`kulturplan.overview.gap_table`)."""
    missing = [c for c in ctx.criteria if c not in ctx.active_criteria]
    if ctx.gaps.empty:
        return Section("Erreichbarkeit und Versorgungslücken", notice(
            "Ohne erfasste Einrichtungen der geprüften Sparten ("
            + ", ".join(catalog.category_label(c, plural=True) for c in missing)
            + ") lassen sich Versorgungslücken noch nicht berechnen; sie erscheinen hier, "
            "sobald eine Einrichtungsliste eingelesen ist."))
    note = ""
    if missing:
        note = notice("Ohne erfasste Einrichtungen nicht berechnet: " + ", ".join(
            catalog.category_label(c, plural=True) for c in missing) + ".")
    total = ctx.gaps.iloc[-1]
    lines = []
    for cat in ctx.active_criteria:
        label = ctx.criterion_label(cat)
        lines.append(f"{number(total[f'{label}: Einw.'], 0)} Einwohner:innen "
                     f"({pct(total[f'{label}: Anteil (%)'])}) wohnen weiter als "
                     f"{label.split(' > ')[1]} von der nächsten Einrichtung „"
                     f"{catalog.category_label(cat)}“.")
    frame = gap_frame(ctx)
    body = (
        "".join(paragraph(t) for t in lines) + note
        + html_table(frame, right=list(frame.columns[1:]), sum_row=True, small=True)
        + paragraph(gap_method_note(ctx), "kp-note")
    )
    return Section("Erreichbarkeit und Versorgungslücken", body, new_page=True)


# -- peers ------------------------------------------------------------------------------------
def peers_block(ctx: ReportContext) -> Section | None:
    """Each municipality against the median of comparable municipalities (map indicator)."""
    ind = ctx.map_indicator
    if ind is None:
        return None
    meta = indicator_meta(ind, ctx.region)
    long = ctx.peers.xs(ind, level="indicator")
    order = ranking_order(long["value"], higher_is_better=meta["higher_is_better"])
    long = long.loc[order]
    degrees = catalog.URBAN_DEGREES
    index = np.where(long["peer_median"] > 0, long["value"] / long["peer_median"] * 100, np.nan)
    better = [None if pd.isna(v) or pd.isna(m) or v == m else bool((v > m) ==
              meta["higher_is_better"]) for v, m in zip(long["value"], long["peer_median"],
                                                        strict=True)]
    frame = pd.DataFrame({
        "Gemeinde": ctx.names.reindex(long.index).to_numpy(),
        "Größenklasse": long["size_class"].astype(str).to_numpy(),
        "Siedlungstyp": [degrees.get(int(d), "–") if pd.notna(d) else "–"
                         for d in long["urban_degree"]],
        "Vergleichs­gemeinden": [number(n, 0) for n in long["n_peers"]],
        "Wert": [number(v) for v in long["value"]],
        "Median Vergleich": [number(v) for v in long["peer_median"]],
        "Index (100 = Median)": [SVG_CELL + svg.index_bar_svg(i, better=b) + " "
                                 + number(i, 0) if np.isfinite(i) else "–"
                                 for i, b in zip(index, better, strict=True)],
    }, index=long.index)
    body = paragraph(
        f"{describe(meta)} Jede Gemeinde gegen den Median ihrer "
        "Vergleichsgruppe: Gemeinden gleicher Größenklasse und gleichen Siedlungstyps "
        "(zu wenige: nur gleiche Größenklasse); die Gemeinde selbst zählt nicht mit. Blau: "
        "besser als der Median, orange: schlechter."
    ) + html_table(frame, right=["Vergleichs­gemeinden", "Wert", "Median Vergleich",
                                 "Index (100 = Median)"], highlight=ctx.ags, small=True)
    return Section("Vergleich mit ähnlichen Gemeinden", body, new_page=True)


# -- needs ------------------------------------------------------------------------------------
def _share_table(frame: pd.DataFrame, label_col: str, header: str) -> pd.DataFrame:
    rows = frame.reset_index(drop=True)
    return pd.DataFrame({
        header: rows[label_col].astype(str),
        "Antworten": [number(v, 0) for v in rows["n"]],
        "Anteil (gewichtet)": ["zu wenige Antworten" if s else pct(100 * e)
                               for e, s in zip(rows["estimate"], rows["suppressed"],
                                               strict=True)],
        "95-%-Bereich": ["–" if s else f"{format_number(100 * lo, 1)} bis "
                         f"{format_number(100 * hi, 1)} %" for lo, hi, s in
                         zip(rows["ci_low"], rows["ci_high"], rows["suppressed"], strict=True)],
    })


def needs_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """Weighted Kreis-wide survey results (shares with 95 % intervals, suppressed below 30)."""
    from kulturplan.needs import barrier_profile, sparte_table

    rake = ctx.survey_weights
    weights = rake.weights.reindex(ctx.region.survey.index)
    usage = sparte_table(ctx.region.survey, weights, item="besuche", by=None)
    usage["label"] = [catalog.category_label(s, plural=True) for s in usage["sparte"]]
    barriers = barrier_profile(ctx.region.survey, weights, by=None)
    return {
        "Nutzung in den letzten 12 Monaten": _share_table(usage, "label", "Sparte"),
        "Was vom Besuch abhält": _share_table(
            barriers.sort_values("estimate", ascending=False), "label", "Hindernis"),
    }


def needs_block(ctx: ReportContext) -> Section | None:
    """Needs analysis: who answered and weighted results (only with a survey)."""
    if not ctx.has_survey:
        return None
    rake = ctx.survey_weights
    body = cards([
        (number(rake.n, 0), "Befragte"),
        (number(rake.effective_n, 0), "effektive Befragte nach Gewichtung"),
        (format_number(rake.design_effect, 2), "Designeffekt"),
    ]) + paragraph(
        "Die Antworten sind auf die erwachsene Bevölkerung nach Gemeinde, Altersgruppe und "
        "Geschlecht gewichtet (Raking); Anteile mit 95-%-Vertrauensbereich (Wilson, mit "
        "effektiver Fallzahl). Gruppen mit weniger als 30 Antworten werden nicht ausgewiesen."
    )
    for title, frame in needs_tables(ctx).items():
        body += f"<h3>{title}</h3>" + html_table(
            frame, right=["Antworten", "Anteil (gewichtet)", "95-%-Bereich"])
    return Section("Bedarfsanalyse: Ergebnisse der Befragung", body, new_page=True)


# -- planning hook ----------------------------------------------------------------------------
def scenario_block(ctx: ReportContext) -> Section | None:
    """Comparison of planning scenarios passed as ``ctx.extras["scenarios"]`` (hook).

    The table has one row per scenario and German column headers; numbers are printed
    in German format (integers without, other numbers with one decimal).
    """
    frame = ctx.extras.get("scenarios")
    if frame is None or len(frame) == 0:
        return None
    shown = frame.reset_index() if frame.index.name else frame.copy()
    numeric = [c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])]
    for col in numeric:
        vals = shown[col].astype(float)
        d = 0 if bool((vals.dropna() % 1 == 0).all()) else 1
        shown[col] = [number(v, d) for v in vals]
    body = paragraph("Vergleich der gerechneten Planungsszenarien.") + html_table(
        shown.astype(str), right=numeric)
    return Section("Planungsszenarien im Vergleich", body, new_page=True)


def scenario_table(comparison: Any, population: float) -> pd.DataFrame:
    """Table of :func:`scenario_block` from a :class:`kulturplan.planning.Comparison`.

    One row per scenario (and reach standard): inhabitants within reach today and in
    the scenario, the change, both shares of ``population`` and the number of
    municipalities that gain. Inhabitants are rounded to whole persons.

    Parameters
    ----------
    comparison
        Result of :func:`kulturplan.planning.compare`.
    population
        Inhabitants of the region (denominator of the shares).
    """
    table = comparison.table
    reach = table[table["indicator"].str.startswith("erreichbar__")]
    rows = []
    for (scenario, _ind), part in reach.groupby(["scenario", "indicator"], sort=False):
        before, after = float(part["baseline"].sum()), float(part["value"].sum())
        rows.append({
            "Szenario": str(scenario),
            "Kennzahl": str(part["label"].iloc[0]),
            "Einw. in Reichweite heute": round(before),
            "im Szenario": round(after),
            "Veränderung": round(after) - round(before),
            "Anteil heute (%)": 100 * before / population if population else 0.0,
            "Anteil im Szenario (%)": 100 * after / population if population else 0.0,
            "Gemeinden mit Zugewinn": int((part["change"] > 0).sum()),
        })
    return pd.DataFrame(rows)


# -- cooperation ------------------------------------------------------------------------------
VOLUNTEER_COLUMNS: dict[str, str] = {
    "volunteer": "Freiwillige:r (Kennung)",
    "volunteer_ags": "Wohngemeinde",
    "request": "Gesuch (Kennung)",
    "request_ags": "Gemeinde des Gesuchs",
    "km": "Entfernung (km)",
    "score": "Punktzahl (0–1)",
}
"""The only columns of volunteer matches a report shows: ids and municipalities (no names,
no contact data — whatever else the table holds is never printed)."""

PARTNER_ROWS = 10
"""Partner pairs printed in a report (the rest are counted)."""


def _similar_frame(similar: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Rang": [number(v, 0) for v in similar["rank"]],
        "Gemeinde": similar["name"].astype(str).to_numpy(),
        "Abstand": [format_number(v, 2) for v in similar["distance"]],
        "ähnlich bei": similar["alike"].astype(str).to_numpy(),
        "verschieden bei": similar["different"].astype(str).to_numpy(),
    })


def _partner_frame(rows: pd.DataFrame) -> pd.DataFrame:
    groups = catalog.TARGET_GROUPS
    return pd.DataFrame({
        "Sparte": [catalog.category_label(c) if isinstance(c, str) and c else
                   f"Zielgruppe {groups.get(g, g)}"
                   for c, g in zip(rows["category"], rows["target_group"], strict=True)],
        "sucht": rows["name"].astype(str).to_numpy(),
        "Partner": rows["partner_name"].astype(str).to_numpy(),
        "Punkte": [number(v, 0) for v in rows["score"]],
        "Begründung": rows["reason"].astype(str).to_numpy(),
    })


def volunteer_frame(pairs: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """Volunteer matches for print: ids and municipality names only (German headers)."""
    out = pd.DataFrame({
        VOLUNTEER_COLUMNS["volunteer"]: pairs["volunteer"].astype(str).to_numpy(),
        VOLUNTEER_COLUMNS["volunteer_ags"]: pairs["volunteer_ags"].map(names).fillna("–")
        .to_numpy(),
        VOLUNTEER_COLUMNS["request"]: pairs["request"].astype(str).to_numpy(),
        VOLUNTEER_COLUMNS["request_ags"]: pairs["request_ags"].map(names).fillna("–")
        .to_numpy(),
        VOLUNTEER_COLUMNS["km"]: [number(v, 1) for v in pairs["km"]],
        VOLUNTEER_COLUMNS["score"]: [format_number(v, 2) for v in pairs["score"]],
    })
    return out


def cooperation_block(ctx: ReportContext) -> Section | None:
    """Places like the chosen municipality, partners nearby and volunteer matches.

    Shows ``ctx.extras["cooperation"]``, a mapping with ``ags`` (the municipality) and any
    of ``similar`` (:meth:`kulturplan.ui.cooperation.CooperationModel.similar_to`-style
    rows: ``rank``, ``name``, ``distance``, ``alike``, ``different``), ``partners``
    (:func:`kulturplan.cooperation.partners` rows of that municipality) and
    ``volunteers`` (:class:`kulturplan.cooperation.VolunteerMatch` ``pairs``). Volunteers
    appear by id and municipality only (:data:`VOLUNTEER_COLUMNS`).
    """
    coop = ctx.extras.get("cooperation")
    if not coop or coop.get("ags") not in ctx.names.index:
        return None
    ags = str(coop["ags"])
    name = ctx.names[ags]
    body = ""
    similar = coop.get("similar")
    if similar is not None and len(similar):
        body += f"<h3>Orte wie {html_text(name)}</h3>" + html_table(
            _similar_frame(similar), right=["Rang", "Abstand"], small=True) + paragraph(
            "Abstand über die Kennzahlen des Kulturprofils (0 = gleich, 1 = am wenigsten "
            "ähnlich); Gemeinden gleicher Struktur lernen am leichtesten voneinander.",
            "kp-note")
    partner_rows = coop.get("partners")
    if partner_rows is not None and len(partner_rows):
        shown = _partner_frame(partner_rows.head(PARTNER_ROWS))
        body += "<h3>Partner in der Nähe</h3>" + html_table(shown, right=["Punkte"],
                                                            small=True)
        if len(partner_rows) > PARTNER_ROWS:
            body += paragraph(f"{number(len(partner_rows), 0)} Paare; die ersten "
                              f"{PARTNER_ROWS} nach Punktzahl stehen hier.", "kp-note")
    pairs = coop.get("volunteers")
    if pairs is not None and len(pairs):
        mine = pairs[(pairs["volunteer_ags"] == ags) | (pairs["request_ags"] == ags)]
        body += "<h3>Freiwilligenbörse</h3>"
        body += (html_table(volunteer_frame(mine, ctx.names), right=[
            VOLUNTEER_COLUMNS["km"], VOLUNTEER_COLUMNS["score"]], small=True) if len(mine)
            else paragraph(f"Keine vorgeschlagenen Paare mit {name}."))
        body += paragraph("Freiwillige und Gesuche nur mit ihrer Kennung und Gemeinde; "
                          "Namen und Kontaktdaten stehen nicht im Bericht.", "kp-note")
    if not body:
        return None
    return Section(f"Kooperation: {name}", body, new_page=True)


# -- calendar ---------------------------------------------------------------------------------


def _when(value: Any) -> str:
    ts = pd.Timestamp(value)
    return f"{ts:%d.%m.%Y}" if (ts.hour, ts.minute) == (0, 0) else f"{ts:%d.%m.%Y %H:%M}"


def month_collisions(cal: dict[str, Any]) -> pd.DataFrame:
    """The collisions of ``cal["collisions"]`` whose first event starts in ``cal["month"]``."""
    month = pd.Timestamp(cal["month"]).to_period("M")
    col = cal["collisions"]
    return col[pd.to_datetime(col["start_a"]).dt.to_period("M") == month]


def calendar_block(ctx: ReportContext) -> Section | None:
    """Event collisions of one month (``ctx.extras["calendar"]``).

    The entry holds ``month`` (any date in the month), ``collisions``
    (:func:`kulturplan.cooperation.event_collisions` rows) and optionally ``window``
    (German text, e.g. "am selben Wochenende"), ``radius_km`` and ``events`` (number
    of events of the month in the selection).
    """
    cal = ctx.extras.get("calendar")
    if not cal or cal.get("month") is None or cal.get("collisions") is None:
        return None
    month = pd.Timestamp(cal["month"]).to_period("M")
    col = month_collisions(cal)
    label = f"{MONTHS_DE[month.month - 1]} {month.year}"
    window, radius = cal.get("window"), cal.get("radius_km")
    rule = ("gleiche Sparte und Zielgruppe"
            + (f" {window}" if window else "")
            + (f" im Umkreis von {number(radius, 0)} km" if radius is not None else "")
            + ", oder derselbe Ort doppelt belegt")
    items = [(number(len(col), 0), f"Überschneidungen im {label}")]
    if cal.get("events") is not None:
        items.insert(0, (number(cal["events"], 0), f"Termine im {label}"))
    body = cards(items) + paragraph(f"Überschneidung: {rule}. Hinweise, keine Verbote; "
                                    "Entfernungen als Luftlinie zwischen den "
                                    "Veranstaltungsorten.")
    if len(col):
        frame = pd.DataFrame({
            "Veranstaltung": col["title_a"].astype(str).to_numpy(),
            "Wann": [_when(v) for v in col["start_a"]],
            "Gemeinde": col["ags_a"].map(ctx.names).fillna("–").to_numpy(),
            "kollidiert mit": col["title_b"].astype(str).to_numpy(),
            "Wann ": [_when(v) for v in col["start_b"]],
            "Gemeinde ": col["ags_b"].map(ctx.names).fillna("–").to_numpy(),
            "Entfernung (km)": [number(v, 1) for v in col["distance_km"]],
            "Gründe": col["reasons"].astype(str).to_numpy(),
        })
        body += html_table(frame, right=["Entfernung (km)"], small=True)
    else:
        body += notice(f"Im {label} überschneiden sich keine Veranstaltungen.")
    return Section(f"Veranstaltungskalender: Überschneidungen im {label}", body,
                   new_page=True)


# -- cost sharing -----------------------------------------------------------------------------
def cost_block(ctx: ReportContext) -> Section | None:
    """Cost sharing of a shared facility: every key side by side and the cost alone.

    Shows ``ctx.extras["costs"]``: ``shares`` (index AGS of the members, one numeric
    column in euros per key, German column labels, in order), ``alone`` (label of the
    stand-alone column, compared with every key), optional ``title`` (the facility or
    association) and ``explanations`` (label → plain German sentence).
    """
    costs = ctx.extras.get("costs")
    if not costs or costs.get("shares") is None or len(costs["shares"]) == 0:
        return None
    shares: pd.DataFrame = costs["shares"]
    alone = costs.get("alone")
    names = pd.Series(ctx.names.reindex(shares.index).fillna(
        pd.Series(shares.index.astype(str), index=shares.index)))
    frame = pd.DataFrame({"Gemeinde": names.to_numpy()}, index=shares.index)
    for col in shares.columns:
        frame[str(col)] = [f"{number(v, 0)} €" for v in shares[col]]
    total = {"Gemeinde": "zusammen", **{str(c): f"{number(shares[c].sum(), 0)} €"
                                        for c in shares.columns}}
    frame = pd.concat([frame, pd.DataFrame([total], index=["_total"])])
    title = str(costs.get("title") or "Gemeinsame Einrichtung")
    body = paragraph(f"{title}: was jede Mitgliedsgemeinde im Jahr nach jedem Schlüssel "
                     "zahlt" + (f" und was sie „{alone}“ zahlen müsste." if alone else "."))
    body += html_table(frame, right=[str(c) for c in shares.columns], sum_row=True, small=True)
    if alone in shares.columns:
        above = [f"{col}: " + ", ".join(names[shares.index[shares[col] > shares[alone] + 1e-6]])
                 for col in shares.columns if col != alone
                 and bool((shares[col] > shares[alone] + 1e-6).any())]
        body += paragraph("Mehr als allein zahlen: " + "; ".join(above) + "." if above else
                          "Bei keinem Schlüssel zahlt eine Gemeinde mehr als allein.")
    explanations = costs.get("explanations") or {}
    if explanations:
        body += "<h3>Die Schlüssel in einfachen Worten</h3><ul>" + "".join(
            f"<li><b>{html_text(k)}</b>: {html_text(v)}</li>" for k, v in explanations.items()
        ) + "</ul>"
    return Section(f"Kostenteilung: {title}", body, new_page=True)


# -- sources ----------------------------------------------------------------------------------
def methods_frame(ids: Sequence[str], region: Region | None = None) -> pd.DataFrame:
    """Label, unit and method description of the indicators ``ids`` (German).

    With ``region`` the texts say how travel times are measured for it
    (:func:`kulturplan.viz.charts.indicator_meta`).
    """
    rows = [indicator_meta(i, region) for i in ids]
    return pd.DataFrame({"Kennzahl": [r["label"] for r in rows],
                         "Einheit": [r["unit"] for r in rows],
                         "Berechnung": [r["description"] for r in rows]})


def sources_html(ctx: ReportContext) -> str:
    """Table of the data sources (Quelle, Stand, Lizenz, Namensnennung), German dates."""
    sources = source_table(ctx.region).fillna("")
    if sources.empty:
        return notice("Für diese Region sind keine Quellen angegeben.")
    sources["Stand"] = [german_date(str(v).strip()) or "nicht angegeben"
                        for v in sources["Stand"]]
    return html_table(sources, small=True)


def sources_block(ctx: ReportContext) -> Section:
    """Data sources with dates and licences, and how the indicators are computed."""
    body = sources_html(ctx)
    if ctx.report_indicators:
        body += "<h3>Kennzahlen und Berechnung</h3>" + html_table(
            methods_frame(ctx.report_indicators, ctx.region), small=True)
    body += paragraph(
        f"Erstellt am {ctx.created:%d.%m.%Y} mit kulturplan. Der Bericht enthält nur "
        "zusammengefasste Zahlen und keine personenbezogenen Daten.", "kp-note")
    return Section("Quellen und Methoden", body)


KREIS_BLOCKS: tuple[Block, ...] = (
    overview_block,
    map_block,
    ranking_block,
    gaps_block,
    peers_block,
    needs_block,
    scenario_block,
    cooperation_block,
    calendar_block,
    cost_block,
    sources_block,
)
"""Chapters of the Kreisbericht in order (each may leave itself out)."""

STECKBRIEF_BLOCKS: tuple[Block, ...] = (cooperation_block,)
"""Optional chapters of the Gemeindesteckbrief, before its sources (silent without data)."""
