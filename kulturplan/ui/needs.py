"""The Bedarfsanalyse dashboard: who answered, satisfaction near home, barriers, needs vs supply.

:class:`NeedsModel` holds every number the dashboard shows (testable without a
browser); :class:`Bedarfsanalyse` arranges them as widgets. The survey is raked to
the population (municipality, age group, sex; :func:`kulturplan.needs.weight_survey`);
every figure carries its number of answers, and no figure is shown where there are
too few answers (:data:`MIN_N`, :data:`MIN_N_AREA`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets as t

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan._safe import cell_frame, cell_text, html_text
from kulturplan.needs.demography import (
    Projection,
    base_population,
    prefer_official,
    project_population,
    read_official_projection,
)
from kulturplan.needs.supply import STATUS_LABELS, SupplyReport, compare_needs_supply
from kulturplan.ui import style
from kulturplan.ui.apps import _App, _subtitle, sources_html
from kulturplan.ui.data import DashboardData, region_folder_from_env
from kulturplan.ui.figure import FigureView
from kulturplan.ui.report_download import ReportDownload
from kulturplan.ui.style import download_link
from kulturplan.viz import prepare
from kulturplan.viz.charts import BASE_LAYOUT
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.spec import MapSpec, map_spec

__all__ = ["MIN_N", "MIN_N_AREA", "Bedarfsanalyse", "NeedsModel", "has_survey", "no_survey_note"]

MIN_N = 30
"""Fewest answers behind a directly estimated share (else „zu wenige Antworten“)."""

MIN_N_AREA = 10
"""Fewest answers of a municipality for a small-area estimate on the map."""

TOO_FEW = "zu wenige Antworten"

AGE_LABELS: dict[str, str] = {
    "18_29": "18–29 Jahre",
    "30_64": "30–64 Jahre",
    "65_plus": "65 Jahre und älter",
}
SEX_LABELS: dict[str, str] = {"w": "weiblich", "m": "männlich"}

STATUS_COLOURS: dict[str, str] = {
    "gap": "#f2b27c",
    "ok": "#eef1f4",
    "above": "#b9d6ea",
    "too_few": "#ffffff",
    "no_demand": "#ffffff",
}
"""Cell colours of the needs-against-supply table (calm: only gaps stand out)."""

DISTANCE_BARRIERS: tuple[str, ...] = ("entfernung", "verkehrsmittel")


def _pct(value: float, decimals: int = 0) -> str:
    return f"{format_number(100 * value, decimals)} %"


def _n_text(n: float) -> str:
    return f"n = {format_number(n, 0)}"


def _base_year(region: Any) -> int:
    """Year of the region's data (from its first source date), default 2025."""
    for src in getattr(region, "sources", ()) or ():
        text = str(src.get("date", ""))[:4]
        if text.isdigit():
            return int(text)
    return 2025


def _indexed(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    return frame.set_index(by) if by in frame.columns else frame


class NeedsModel:
    """All tables of the Bedarfsanalyse for one region.

    Parameters
    ----------
    region
        The region; its ``survey`` follows the standard questionnaire.
    projection
        Population by age group in future years (own or official); default an own
        cohort-component projection over ten years with stated assumptions.
    projection_year
        Year compared with today (default ten years after the data year).
    min_n, min_n_area
        Fewest answers for a direct estimate and for a small-area estimate.
    supply_kwargs
        Passed to :func:`kulturplan.needs.supply.supply_in_reach` (e.g. ``cell_km``).
    """

    def __init__(
        self,
        region: Any,
        *,
        projection: Projection | None = None,
        projection_year: int | None = None,
        min_n: int = MIN_N,
        min_n_area: int = MIN_N_AREA,
        supply_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        from kulturplan.needs import weight_survey

        self.region = region
        self.min_n = int(min_n)
        self.min_n_area = int(min_n_area)
        self.base_year = _base_year(region)
        self.projection_year = int(projection_year or self.base_year + 10)
        self.survey = region.survey
        self.rake = weight_survey(self.survey, region)
        self.weights = self.rake.weights.reindex(self.survey.index)
        if projection is None:
            years = self.projection_year - self.base_year
            projection = project_population(base_population(region), years,
                                            start_year=self.base_year)
        self.projection = projection
        self.supply_kwargs = dict(supply_kwargs or {})
        self.names = region.municipalities["name"].astype(str)

    # -- who answered ---------------------------------------------------------------------
    @property
    def sparten(self) -> list[str]:
        """Sparten asked about (catalog order)."""
        cols = set(self.survey.columns)
        return [c for c in catalog.category_ids() if f"besuche_{c}" in cols]

    def response_table(self) -> pd.DataFrame:
        """Respondents by group: answers, share in the survey, share after weighting.

        The share after weighting equals the group's share of the adult population
        (that is what raking does), so the two columns show how unrepresentative the
        answers were.
        """
        s, wts = self.survey, self.weights
        rows = []
        central = self.region.municipalities.get("central_place")
        groups: list[tuple[str, str, pd.Series]] = [
            ("Alter", AGE_LABELS[g], s["age_group"] == g) for g in AGE_LABELS
        ]
        if "sex" in s.columns:
            groups += [("Geschlecht", lab, s["sex"] == k) for k, lab in SEX_LABELS.items()]
        if central is not None:
            mz = set(central.index[central == "Mittelzentrum"])
            if mz:
                in_mz = s["ags"].isin(mz)
                label = " / ".join(self.names[sorted(mz)])
                groups += [("Wohnort", f"{label} (Mittelzentrum)", in_mz),
                           ("Wohnort", "übrige Gemeinden", ~in_mz)]
        total_w = float(wts.sum())
        for kind, label, mask in groups:
            rows.append({
                "Merkmal": kind, "Gruppe": label, "Befragte": int(mask.sum()),
                "Anteil in der Befragung": float(mask.mean()),
                "Anteil nach Gewichtung": float(wts[mask].sum() / total_w),
            })
        return pd.DataFrame(rows)

    def key_figures(self) -> dict[str, str]:
        """n, effective n and design effect as German text."""
        return {
            "Befragte": format_number(self.rake.n, 0),
            "effektive Befragte nach Gewichtung": format_number(self.rake.effective_n, 0),
            "Designeffekt": format_number(self.rake.design_effect, 2),
        }

    # -- satisfaction near home -------------------------------------------------------------
    def satisfaction(self, sparte: str) -> pd.DataFrame:
        """Share satisfied (4 or 5) with the offer near home, per municipality.

        Columns ``name``, ``n``, ``unweighted`` and ``weighted`` (NaN below ``min_n``),
        ``ci_low``, ``ci_high``, ``estimate`` (small-area estimate, NaN below
        ``min_n_area``), ``shown`` (whether the map shows a value) and ``text`` (German
        tooltip with n).
        """
        from kulturplan.needs import share, small_area

        col = f"zufriedenheit_wohnort_{sparte}"
        ones = pd.Series(1.0, index=self.survey.index)
        raw = _indexed(share(self.survey, col, ones, by="ags", min_n=1), "ags")
        direct = _indexed(share(self.survey, col, self.weights, by="ags", min_n=self.min_n), "ags")
        area = _indexed(small_area(self.survey, col, self.weights, by="ags",
                                   min_n=self.min_n), "ags")
        idx = self.names.index
        n = direct["n"].reindex(idx).fillna(0.0)
        out = pd.DataFrame({
            "name": self.names,
            "n": n,
            "unweighted": raw["estimate"].reindex(idx),
            "weighted": direct["estimate"].reindex(idx),
            "ci_low": direct["ci_low"].reindex(idx),
            "ci_high": direct["ci_high"].reindex(idx),
            "estimate": area["estimate"].reindex(idx),
        }, index=idx)
        small = out["n"] < self.min_n
        out.loc[small, ["unweighted", "weighted", "ci_low", "ci_high"]] = np.nan
        # the direct weighted share where enough answered, the model value for 10–29
        out["estimate"] = out["weighted"].where(~small, out["estimate"])
        out.loc[out["n"] < self.min_n_area, "estimate"] = np.nan
        out["shown"] = out["estimate"].notna()
        out["text"] = [
            f"{nm}: {_pct(e)} zufrieden ({'geschätzt, ' if k < self.min_n else ''}"
            f"{_n_text(k)} Antworten)" if pd.notna(e) else f"{nm}: {TOO_FEW} ({_n_text(k)})"
            for nm, e, k in zip(out["name"], out["estimate"], out["n"], strict=True)
        ]
        return out

    def kreis_satisfaction(self, sparte: str) -> tuple[float, float, float]:
        """Kreis-wide share satisfied near home: (weighted, unweighted, n)."""
        from kulturplan.needs import share

        col = f"zufriedenheit_wohnort_{sparte}"
        wtd = share(self.survey, col, self.weights, min_n=self.min_n).iloc[0]
        raw = share(self.survey, col, pd.Series(1.0, index=self.survey.index),
                    min_n=self.min_n).iloc[0]
        return float(wtd["estimate"]), float(raw["estimate"]), float(wtd["n"])

    # -- barriers ---------------------------------------------------------------------------
    @cached_property
    def barriers(self) -> pd.DataFrame:
        """Weighted share naming each barrier, by age group (suppressed below ``min_n``)."""
        from kulturplan.needs import barrier_profile

        out = barrier_profile(self.survey, self.weights, by="age_group", min_n=self.min_n)
        return out.reset_index() if "age_group" not in out.columns else out

    def distance_barrier(self) -> pd.DataFrame:
        """Share naming distance or missing transport as a barrier, per municipality.

        The direct weighted share, shown only from ``min_n`` answers on.
        """
        from kulturplan.needs import share

        cols = [f"barriere_{o}" for o in DISTANCE_BARRIERS if f"barriere_{o}" in self.survey]
        data = self.survey.copy()
        answered = data[cols].notna().any(axis=1)
        data["barriere_entfernung_oder_verkehr"] = np.where(
            answered, (data[cols] == 1).any(axis=1).astype(float), np.nan)
        direct = _indexed(share(data, "barriere_entfernung_oder_verkehr", self.weights,
                                by="ags", positive=1, min_n=self.min_n), "ags")
        out = pd.DataFrame({"n": direct["n"], "estimate": direct["estimate"]}).reindex(
            self.names.index)
        out["n"] = out["n"].fillna(0.0)
        out.loc[out["n"] < self.min_n, "estimate"] = np.nan
        return out

    # -- needs against supply ------------------------------------------------------------------
    @cached_property
    def usage_rates(self) -> pd.DataFrame:
        """Weighted share who used each Sparte in the last 12 months, by age group."""
        from kulturplan.needs import sparte_table

        out = sparte_table(self.survey, self.weights, item="besuche", by="age_group",
                           min_n=self.min_n)
        return out.reset_index() if "age_group" not in out.columns else out

    @cached_property
    def _matrices(self) -> dict[int, tuple[pd.DataFrame, SupplyReport]]:
        today, report = compare_needs_supply(self.region, self.usage_rates, **self.supply_kwargs)
        ref = today.groupby("sparte")["reference"].first().to_dict()
        future_pop = self.projection.year(self.projection_year)
        future, report2 = compare_needs_supply(
            self.region, self.usage_rates, population=future_pop, reference=ref,
            **self.supply_kwargs,
        )
        return {self.base_year: (today, report), self.projection_year: (future, report2)}

    def matrix(self, year: int | None = None) -> pd.DataFrame:
        """Needs against supply, long (see :func:`kulturplan.needs.supply.needs_against_supply`)."""
        year = self.base_year if year is None else int(year)
        return self._matrices[year][0]

    @property
    def supply_notes(self) -> list[str]:
        return self._matrices[self.base_year][1].notes()

    def heat_frame(self, year: int | None = None) -> pd.DataFrame:
        """Municipalities × Sparten: places per 1,000 potential users and status (wide)."""
        m = self.matrix(year)
        ratio = m.pivot(index="ags", columns="sparte", values="ratio")
        status = m.pivot(index="ags", columns="sparte", values="status")
        cols = [c for c in self.sparten if c in ratio.columns]
        out = pd.concat({"ratio": ratio[cols], "status": status[cols]}, axis=1)
        return out.reindex(self.names.index)

    # -- export ---------------------------------------------------------------------------------
    def export_tables(self) -> dict[str, pd.DataFrame]:
        """The weighted tables offered for download (aggregates only, German headers)."""
        sheets: dict[str, pd.DataFrame] = {}
        resp = self.response_table()
        for c in ("Anteil in der Befragung", "Anteil nach Gewichtung"):
            resp[c] = (100 * resp[c]).round(1)
        sheets["Befragte"] = resp.rename(columns={
            "Anteil in der Befragung": "Anteil in der Befragung (%)",
            "Anteil nach Gewichtung": "Anteil nach Gewichtung (%)"})
        rows = []
        for sparte in self.sparten:
            sat = self.satisfaction(sparte)
            rows.append(pd.DataFrame({
                "AGS": sat.index, "Gemeinde": sat["name"],
                "Sparte": catalog.category_label(sparte), "Antworten": sat["n"].astype(int),
                "zufrieden ungewichtet (%)": (100 * sat["unweighted"]).round(1),
                "zufrieden gewichtet (%)": (100 * sat["weighted"]).round(1),
                "Vertrauensbereich von (%)": (100 * sat["ci_low"]).round(1),
                "Vertrauensbereich bis (%)": (100 * sat["ci_high"]).round(1),
                "Wert auf der Karte (%)": (100 * sat["estimate"]).round(1),
            }))
        sheets["Zufriedenheit Wohnort"] = pd.concat(rows, ignore_index=True)
        b = self.barriers
        sheets["Hindernisse"] = pd.DataFrame({
            "Altersgruppe": b["age_group"].map(AGE_LABELS), "Hindernis": b["label"],
            "Antworten": b["n"].astype(int), "Anteil gewichtet (%)": (100 * b["estimate"]).round(1),
            "Vertrauensbereich von (%)": (100 * b["ci_low"]).round(1),
            "Vertrauensbereich bis (%)": (100 * b["ci_high"]).round(1),
        })
        for year in (self.base_year, self.projection_year):
            m = self.matrix(year)
            sheets[f"Bedarf und Angebot {year}"] = pd.DataFrame({
                "AGS": m["ags"], "Gemeinde": m["ags"].map(self.names),
                "Sparte": m["sparte"].map(catalog.category_label),
                "Erwachsene": m["adults"].round(0),
                "mögliche Nutzer:innen": m["demand"].round(0),
                "Plätze in Reichweite": m["places"].round(1),
                "Plätze je 1.000 Nutzer:innen": m["ratio"].round(1),
                "von": m["ratio_low"].round(1), "bis": m["ratio_high"].round(1),
                "Kreiswert heute": m["reference"].round(1), "Einstufung": m["status_label"],
            })
        sheets["Gewichtung"] = self.rake.margins_table.copy()
        return sheets

    def excel_bytes(self) -> bytes:
        """All export tables as one .xlsx workbook (one sheet each)."""
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            for name, frame in self.export_tables().items():
                sheet = name[:31]
                cell_frame(frame).to_excel(writer, sheet_name=sheet, index=False, startrow=3)
                ws = writer.sheets[sheet]
                ws["A1"] = cell_text(f"Bedarfsanalyse {self.region.name}: {name}")
                ws["A2"] = cell_text(f"Gewichtete Befragung (n = {self.rake.n}, Designeffekt "
                            f"{format_number(self.rake.design_effect, 2)}); "
                            + prepare.attribution(self.region))
                for col in ws.columns:
                    ws.column_dimensions[col[0].column_letter].width = 18
        return buf.getvalue()


# --------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------
class _SurveySpec(MapSpec):
    """A map spec whose tooltips and legend say how many answered."""

    texts: pd.Series | None = None

    def tooltips(self) -> pd.Series:
        if self.texts is None:
            return super().tooltips()
        return self.texts.reindex(self.geometries.index).fillna("")

    def legend(self) -> list[tuple[str, str]]:
        return [(TOO_FEW if lab == "keine Angabe" else lab, col)
                for lab, col in super().legend()]


def _survey_spec(spec: MapSpec, texts: pd.Series, note: str) -> _SurveySpec:
    from dataclasses import fields, replace

    values = {f.name: getattr(spec, f.name) for f in fields(spec)}
    values["scale"] = replace(spec.scale, note_text=note)
    obj = _SurveySpec(**values)
    object.__setattr__(obj, "texts", texts)
    return obj


def heat_table_html(model: NeedsModel, year: int) -> str:
    """The needs-against-supply matrix as an HTML heat table (municipalities × Sparten)."""
    esc = html_text
    frame = model.heat_frame(year)
    barrier = model.distance_barrier()
    sparten = list(frame["ratio"].columns)
    head = "".join(f'<th class="kp-r">{esc(catalog.category_label(c))}</th>' for c in sparten)
    rows = []
    for ags in frame.index:
        cells = []
        for c in sparten:
            value, status = frame.at[ags, ("ratio", c)], frame.at[ags, ("status", c)]
            colour = STATUS_COLOURS.get(str(status), "#ffffff")
            text = TOO_FEW if status == "too_few" else format_number(value, 1)
            tip = f"{STATUS_LABELS.get(str(status), '')}"
            cells.append(f'<td class="kp-r kp-heat kp-{esc(str(status))}" title="{esc(tip)}" '
                         f'style="background:{colour}">{esc(text)}</td>')
        b_est, b_n = barrier.at[ags, "estimate"], barrier.at[ags, "n"]
        b_text = (f"{_pct(b_est)} ({_n_text(b_n)})" if pd.notna(b_est)
                  else f"{TOO_FEW} ({_n_text(b_n)})")
        rows.append(f"<tr><td>{esc(model.names[ags])}</td>{''.join(cells)}"
                    f'<td class="kp-r kp-barrier">{esc(b_text)}</td></tr>')
    legend = "".join(
        f'<span class="kp-chip" style="background:{STATUS_COLOURS[k]}">{esc(STATUS_LABELS[k])}'
        "</span>" for k in ("gap", "ok", "above")
    )
    return (
        '<div class="kp-heatwrap"><table class="kp-table kp-heattable"><thead><tr>'
        f"<th>Gemeinde</th>{head}"
        '<th class="kp-r">Hindernis Entfernung / Verkehrsmittel</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="kp-legend-chips">{legend}</div></div>'
    )


NEEDS_CSS = """
<style>
.kp-heattable td.kp-heat { min-width: 92px; }
.kp-heattable td.kp-barrier { color: #444; }
.kp-chip { display: inline-block; padding: 3px 10px; margin: 6px 8px 0 0; font-size: 14px;
  border: 1px solid #d5d9dd; border-radius: 3px; }
.kp-heatwrap { overflow-x: auto; max-width: 100%; }
.kp-sattable td { white-space: nowrap; }
</style>
"""


def barrier_props(model: NeedsModel) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Grouped horizontal bars: weighted share naming each barrier, per age group."""
    b = model.barriers
    options = list(dict.fromkeys(b["option"]))
    labels = dict(zip(b["option"], b["label"], strict=True))
    order = (b.groupby("option")["estimate"].mean().reindex(options)
             .sort_values(ascending=True).index.tolist())
    colours = {"18_29": "#9ecae1", "30_64": "#4292c6", "65_plus": "#08519c"}
    traces = []
    for g, lab in AGE_LABELS.items():
        part = b[b["age_group"] == g].set_index("option").reindex(order)
        if part["n"].max() < model.min_n or part["suppressed"].all():
            continue  # no figure below the minimum n
        n = int(part["n"].max())
        traces.append({
            "type": "bar", "orientation": "h", "name": f"{lab} ({_n_text(n)})",
            "y": [labels[o] for o in order], "x": [round(100 * v, 1) for v in part["estimate"]],
            "marker": {"color": colours[g]},
            "hovertemplate": "%{y}: %{x:.0f} %<extra>" + html_text(lab) + "</extra>",
        })
    layout = {
        **BASE_LAYOUT,
        "barmode": "group", "height": 560, "showlegend": True,
        "xaxis": {"title": {"text": "Anteil der Befragten (gewichtet), %"}, "rangemode": "tozero",
                  "gridcolor": "#e6e6e6"},
        "yaxis": {"automargin": True},
        "legend": {"orientation": "h", "y": -0.16, "x": 0},
        "margin": {"l": 10, "r": 20, "t": 10, "b": 90},
        "separators": ",.",
    }
    return traces, layout


class Bedarfsanalyse(_App):
    """Bedarfsanalyse: survey, weighting, satisfaction map, barriers, needs against supply."""

    title = "Bedarfsanalyse"
    needs_indicators = False

    sparte = t.Unicode("bibliothek")
    year = t.Int(0)

    @classmethod
    def from_env(cls, env: str = "KULTURPLAN_REGION", **kwargs: Any) -> w.VBox:
        """Build the dashboard for ``$KULTURPLAN_REGION`` (default: demo district).

        An official projection is used where the region folder holds one
        (``vorausberechnung.csv`` or ``.xlsx``); the demo uses its official-style table.
        """
        if "projection" not in kwargs:
            kwargs["projection_file"] = _projection_file(env)
        return super().from_env(env, **kwargs)

    def __init__(self, data: DashboardData, *, projection_file: Any = None,
                 map_height: str = "760px", **kwargs: Any) -> None:
        self.data = data
        region = data.region
        self.has_survey = has_survey(region)
        if not self.has_survey:  # e.g. a real Kreis before its survey is imported
            super().__init__(children=[
                style.css(), style.header(f"{self.title} – {region.name}", _subtitle(data)),
                w.HTML(no_survey_note(region)),
                style.section("Datenquellen"), w.HTML(sources_html(data)),
            ], **{k: v for k, v in kwargs.items() if k not in _MODEL_KEYS})
            return
        self.model = NeedsModel(region, **_model_kwargs(region, projection_file, kwargs))
        self.year = self.model.base_year
        self.sparte = self.model.sparten[0] if self.model.sparten else "bibliothek"
        self.cards = w.HTML(style.cards_html((v, k) for k, v in self.model.key_figures().items()))
        self.explain = w.HTML(self._explain_html())
        self.response = w.HTML(self._response_html())
        options = [(catalog.category_label(c), c) for c in self.model.sparten]
        self.sparte_picker = w.Dropdown(options=options, value=self.sparte,
                                        description="Sparte", style={"description_width": "70px"})
        self.kreis_note = w.HTML()
        spec = map_spec(region, None, title="zufrieden am Wohnort", unit="%",
                        categories=[self.sparte], geometries=data.geometries)
        self.map = LeafletMap(spec, height=map_height)
        self.sat_table = w.HTML()
        self.sat_table.add_class("kp-sattable")
        self.barrier_chart = FigureView(draw=False)
        traces, layout = barrier_props(self.model)
        self.barrier_chart.traces, self.barrier_chart.fig_layout = traces, layout
        self.barrier_chart.redraw()
        years = [self.model.base_year, self.model.projection_year]
        self.year_toggle = w.ToggleButtons(
            options=[(f"heute ({years[0]})", years[0]), (f"Vorausberechnung {years[1]}", years[1])],
            value=years[0], style={"button_width": "230px"},
        )
        self.heat = w.HTML()
        self.heat_note = w.HTML(self._heat_note_html())
        self.download = w.HTML(download_link(
            self.model.excel_bytes(), "bedarfsanalyse.xlsx",
            "Gewichtete Tabellen als Excel herunterladen"))
        self.report = ReportDownload(region, municipalities=False)  # the needs block
        children = [
            style.css(), w.HTML(NEEDS_CSS),
            style.header(f"{self.title} – {region.name}", _subtitle(data)),
            style.section("Wer hat geantwortet?"), self.cards, self.explain, self.response,
            style.section("Zufriedenheit mit dem Angebot am Wohnort"),
            self.sparte_picker, self.kreis_note,
            w.HBox([w.Box([self.map.widget], layout=w.Layout(flex="3 1 560px", min_width="420px")),
                    w.Box([self.sat_table], layout=w.Layout(flex="2 1 380px", min_width="340px"))],
                   layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%")),
            style.section("Was hält vom Besuch ab?"),
            w.HTML('<div class="kp-text">Anteil der Befragten, die ein Hindernis nennen '
                   "(gewichtet, Mehrfachnennungen möglich), nach Altersgruppe; die Zahl der "
                   "Antworten steht in der Legende.</div>"),
            self.barrier_chart,
            style.section("Bedarf und Angebot"),
            w.HTML('<div class="kp-text">Plätze in Reichweite je 1.000 mögliche '
                   "Nutzer:innen, für jede Gemeinde und Sparte – heute und in der "
                   "Vorausberechnung. <b>Orange</b>: deutlich weniger als im Kreis (Lücke), "
                   "<b>blau</b>: mehr als im Kreis. Rechts: wie viele Befragte Entfernung "
                   "oder fehlende Verkehrsmittel als Hindernis nennen.</div>"),
            self.year_toggle, self.heat, self.heat_note,
            style.section("Bericht und Tabellen"), self.report, self.download,
            style.section("Datenquellen"), w.HTML(sources_html(data)),
        ]
        super().__init__(children=children, **kwargs)
        t.link((self.sparte_picker, "value"), (self, "sparte"))
        t.link((self.year_toggle, "value"), (self, "year"))
        self._update_satisfaction()
        self._update_heat()

    @t.observe("sparte")
    def _on_sparte(self, change: dict[str, Any]) -> None:
        if hasattr(self, "sat_table"):
            self._update_satisfaction()

    @t.observe("year")
    def _on_year(self, change: dict[str, Any]) -> None:
        if hasattr(self, "heat"):
            self._update_heat()

    # -- texts ---------------------------------------------------------------------------------
    def _explain_html(self) -> str:
        r = self.model.rake
        return (
            '<div class="kp-text">Nicht alle Gruppen antworten gleich oft: Ältere und '
            "Menschen aus dem Mittelzentrum haben häufiger mitgemacht, als es ihrem Anteil an "
            "der Bevölkerung entspricht. Die Antworten werden deshalb <b>gewichtet</b>: jede "
            "Antwort zählt so viel, dass Gemeinde, Altersgruppe und Geschlecht wieder der "
            "Bevölkerung ab 18 Jahren entsprechen. Das hat einen Preis: Der "
            f"<b>Designeffekt von {format_number(r.design_effect, 2)}</b> bedeutet, dass die "
            f"{format_number(r.n, 0)} gewichteten Antworten so genau sind wie etwa "
            f"{format_number(r.effective_n, 0)} Antworten einer unverzerrten Zufallsauswahl. "
            f"Anteile werden nur gezeigt, wenn mindestens {self.model.min_n} Antworten "
            "dahinterstehen.</div>"
        )

    def _response_html(self) -> str:
        frame = self.model.response_table()
        shown = pd.DataFrame({
            "Merkmal": frame["Merkmal"], "Gruppe": frame["Gruppe"],
            "Befragte": [format_number(v, 0) for v in frame["Befragte"]],
            "Anteil in der Befragung": [_pct(v, 1) for v in frame["Anteil in der Befragung"]],
            "Anteil in der Bevölkerung (gewichtet)": [
                _pct(v, 1) for v in frame["Anteil nach Gewichtung"]],
        })
        return style.table_html(shown, right=("Befragte", "Anteil in der Befragung",
                                              "Anteil in der Bevölkerung (gewichtet)"))

    def _heat_note_html(self) -> str:
        notes = " ".join(html_text(n) for n in self.model.supply_notes)
        source = html_text(self.model.projection.source)
        return (
            '<div class="kp-note">Zahl = Plätze in Reichweite je 1.000 mögliche Nutzer:innen. '
            "Mögliche Nutzer:innen: Einwohner:innen ab 18 Jahren je Altersgruppe mal dem "
            "gewichteten Anteil ihrer Altersgruppe, der das Angebot in den letzten 12 Monaten "
            "genutzt hat. Plätze in Reichweite: Plätze der Einrichtungen bis 30 Minuten "
            "Fahrzeit, nach Entfernung gewichtet und mit allen geteilt, die sie erreichen "
            "(E2SFCA, Luo &amp; Qi 2009). <b>Lücke</b> heißt: auch am günstigsten Rand des "
            "95-%-Vertrauensbereichs weniger als halb so viele Plätze je 1.000 mögliche "
            "Nutzer:innen wie im Kreis heute; <b>über dem Kreiswert</b>: auch am ungünstigsten "
            f"Rand mehr als im Kreis heute. Bevölkerung {self.model.projection_year}: {source}. "
            f"{notes}</div>"
        )

    # -- updates -------------------------------------------------------------------------------
    def _update_satisfaction(self) -> None:
        sparte, model = self.sparte, self.model
        sat = model.satisfaction(sparte)
        label = catalog.category_label(sparte)
        weighted, unweighted, n = model.kreis_satisfaction(sparte)
        self.kreis_note.value = (
            f'<div class="kp-text">Im ganzen Kreis sind <b>{_pct(weighted)}</b> mit dem Angebot '
            f"„{html_text(label)}“ am Wohnort zufrieden oder sehr zufrieden (gewichtet; "
            f"ungewichtet {_pct(unweighted)}; {_n_text(n)} Antworten). Gemeinden mit "
            f"{model.min_n_area}–{model.min_n - 1} Antworten: kleinräumig geschätzt, zum "
            "Kreiswert hin ausgeglichen.</div>"
        )
        values = sat["estimate"].where(sat["shown"]) * 100
        spec = self.map.spec.with_values(values, title=f"zufrieden mit „{label}“ am Wohnort",
                                         unit="%", higher_is_better=True)
        spec = spec.with_facilities(prepare.facility_points(self.data.region, [sparte]))
        self.map.update(_survey_spec(spec, sat["text"], "dunkler = mehr Zufriedene"))
        order = sat.sort_values(["n"], ascending=False)
        shown = pd.DataFrame({
            "Gemeinde": order["name"],
            "Antworten": [format_number(v, 0) for v in order["n"]],
            "ungewichtet": [_pct(v) if pd.notna(v) else "–" for v in order["unweighted"]],
            "gewichtet": [
                f"{_pct(v)} ({format_number(100 * lo, 0)}–{format_number(100 * hi, 0)})"
                if pd.notna(v) else "–"
                for v, lo, hi in zip(order["weighted"], order["ci_low"], order["ci_high"],
                                     strict=True)],
            "auf der Karte": [_pct(v) if pd.notna(v) else TOO_FEW for v in order["estimate"]],
        }, index=order.index)
        self.sat_table.value = (
            style.table_html(shown, right=("Antworten", "ungewichtet", "gewichtet",
                                           "auf der Karte"))
            + '<div class="kp-note">Anteil „zufrieden“ oder „sehr zufrieden“; in Klammern der '
            f"95-%-Vertrauensbereich (ab {model.min_n} Antworten).</div>"
        )

    def _update_heat(self) -> None:
        self.heat.value = heat_table_html(self.model, int(self.year))


def has_survey(region: Any) -> bool:
    """Whether the region holds answers to the standard questionnaire."""
    survey = getattr(region, "survey", None)
    return survey is not None and len(survey) > 0 and any(
        str(c).startswith("besuche_") for c in survey.columns)


def no_survey_note(region: Any) -> str:
    """Calm German note for a region without (standard) survey answers."""
    name = html_text(str(region.name))
    return (
        f'<div class="kp-notice">Für die Region „{name}“ liegt noch keine Bevölkerungsbefragung '
        "nach dem Standardfragebogen vor. Sobald der Export einer Befragung eingelesen ist "
        "(Notebook 05, <code>needs.read_survey</code>), zeigt diese Seite, wer geantwortet "
        "hat, die Zufriedenheit am Wohnort, die Hindernisse nach Alter und den Abgleich von "
        "Bedarf und Angebot.</div>"
    )


def _projection_file(env: str) -> Any:
    """An official projection next to the region (or the demo's), ``None`` if there is none."""
    folder = region_folder_from_env(env)
    if folder is None:
        return "demo"
    for name in ("vorausberechnung.csv", "vorausberechnung.xlsx"):
        if (folder / name).exists():
            return folder / name
    return None


_MODEL_KEYS = ("projection", "projection_year", "min_n", "min_n_area", "supply_kwargs")


def _model_kwargs(region: Any, projection_file: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """NeedsModel keywords: own projection, replaced by official numbers where given."""
    out: dict[str, Any] = {k: kwargs.pop(k) for k in _MODEL_KEYS if k in kwargs}
    if "projection" in out or projection_file is None:
        return out
    if projection_file == "demo":
        from kulturplan.demo import projection_csv

        official = read_official_projection("musterland_vorausberechnung.csv",
                                            data=projection_csv(region))
    else:
        official = read_official_projection(projection_file)
    year = int(out.get("projection_year") or
               next((y for y in official.years if y >= _base_year(region) + 10),
                    official.years[-1]))
    base = _base_year(region)
    own = project_population(base_population(region), max(year - base, 0), start_year=base)
    out["projection"] = prefer_official(own, official)
    out["projection_year"] = year
    return out
