"""IndicatorExplorer: map, ranking, municipality profile and table of one indicator.

Changing the indicator restyles the map layer and updates the ranking figure's data in
place; picking a municipality (in the list, on the map or in the ranking) highlights it
and shows its profile against the median of comparable municipalities.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from kulturplan._format import format_number
from kulturplan._safe import html_text
from kulturplan.catalog import KEY_INDICATORS
from kulturplan.ui import style
from kulturplan.ui.data import DashboardData
from kulturplan.ui.figure import FigureView
from kulturplan.ui.widgets import ALL, CategoryFilter, IndicatorPicker, MunicipalityPicker
from kulturplan.viz import charts
from kulturplan.viz.leaflet import LeafletMap
from kulturplan.viz.prepare import ColourScale
from kulturplan.viz.spec import MapSpec, map_spec

PROFILE_INDICATORS = KEY_INDICATORS
"""Indicators of the municipality profile (those present in the table are shown): the
key indicators of the Steckbrief, one list (:data:`kulturplan.catalog.KEY_INDICATORS`)."""

DEFAULT_INDICATOR = "einrichtungen_gesamt_je_10000"

PROFILE_WIDTH = 820.0
"""SVG width of the profile chart (its box is wider than the ranking's)."""


class IndicatorExplorer(w.VBox):
    """Explore one indicator across the municipalities of a region.

    Parameters
    ----------
    data
        Region, indicator table and display geometries.
    indicator
        Initial indicator id (default: facilities per 10,000 inhabitants).
    ags
        Initially selected municipality; default: the largest one.
    map_height
        CSS height of the map.

    Attributes
    ----------
    indicator, category, ags
        Synced traits: chosen indicator id, Sparte filter (``""`` = all) and AGS of
        the selected municipality.
    """

    indicator = t.Unicode().tag(sync=True)
    category = t.Unicode(ALL).tag(sync=True)
    ags = t.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(
        self,
        data: DashboardData,
        *,
        indicator: str | None = None,
        ags: str | None = None,
        map_height: str = "600px",
        **kwargs: Any,
    ) -> None:
        self.data = data
        ids = data.indicators
        start = indicator if indicator in ids else (
            DEFAULT_INDICATOR if DEFAULT_INDICATOR in ids else ids[0]
        )
        if ags is None:
            ags = str(data.region.population.idxmax())
        self.category_filter = CategoryFilter()
        self.picker = IndicatorPicker(ids, value=start, region=data.region)
        self.municipality = MunicipalityPicker(data.names, value=ags)
        self.description = w.HTML()

        meta = charts.indicator_meta(start, data.region)
        values = data.table[start]
        spec = map_spec(
            data.region, values, title=meta["label"], unit=meta["unit"],
            higher_is_better=meta["higher_is_better"], categories=None,
            geometries=data.geometries,
        ).with_selected(ags)
        self.map = LeafletMap(spec, height=map_height)
        self.map.on_click(self._on_map_click)

        # figures are drawn once by _render_all() below (not once per trait change), as
        # static SVG: no plotly.js in the Kreisübersicht (issue 16, browser CPU per page)
        self.ranking = FigureView(draw=False, renderer="svg")
        self.ranking.add_class("kp-ranking")
        self.profile = FigureView(draw=False, renderer="svg", svg_width=PROFILE_WIDTH)
        self.profile.add_class("kp-profile")
        self.profile_note = w.HTML()
        self.table = w.HTML()

        controls = w.HBox(
            [self.category_filter, self.picker, self.municipality],
            layout=w.Layout(flex_flow="row wrap", grid_gap="8px 24px"),
        )
        top = w.HBox(
            [
                w.Box([self.map.widget], layout=w.Layout(flex="3 1 560px", min_width="420px")),
                w.Box([self.ranking], layout=w.Layout(flex="2 1 420px", min_width="360px")),
            ],
            layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"),
        )
        bottom = w.HBox(
            [
                w.VBox([self.profile, self.profile_note],
                       layout=w.Layout(flex="3 1 560px", min_width="420px")),
                w.VBox([style.section("Werte aller Gemeinden"), self.table],
                       layout=w.Layout(flex="2 1 420px", min_width="360px")),
            ],
            layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"),
        )
        super().__init__(children=[controls, self.description, top, bottom], **kwargs)
        t.link((self.picker, "value"), (self, "indicator"))
        t.link((self.category_filter, "value"), (self, "category"))
        t.link((self.municipality, "value"), (self, "ags"))
        with self.hold_trait_notifications():
            self.indicator = start
            self.ags = ags
        self._ready = True
        self._update_ranking()
        self._describe()
        self._update_table()
        self._update_profile()

    # -- state ------------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        return charts.indicator_meta(self.indicator, self.data.region)

    @property
    def values(self) -> pd.Series:
        return self.data.table[self.indicator]

    @property
    def spec(self) -> MapSpec:
        return self.map.spec

    def ranking_order(self) -> list[str]:
        """AGS in the order of the ranking chart (best first)."""
        return [c[0] for c in self.ranking.traces[0]["customdata"]]

    # -- reactions --------------------------------------------------------------------------
    @t.observe("indicator")
    def _on_indicator(self, change: dict[str, Any]) -> None:
        if not getattr(self, "_ready", False):
            return
        meta = self.meta
        spec = self.map.spec.with_values(
            self.values, title=meta["label"], unit=meta["unit"],
            higher_is_better=meta["higher_is_better"],
        )
        self.map.update(spec)
        self._update_ranking()
        self._describe()
        self._update_table()
        self._update_profile()

    @t.observe("category")
    def _on_category(self, change: dict[str, Any]) -> None:
        if not getattr(self, "_ready", False):
            return
        self.picker.category = change["new"]
        cats = None if not change["new"] else [change["new"]]
        from kulturplan.viz.prepare import facility_points

        self.map.update(self.map.spec.with_facilities(facility_points(self.data.region, cats)))

    @t.observe("ags")
    def _on_ags(self, change: dict[str, Any]) -> None:
        if not getattr(self, "_ready", False):
            return
        self.map.update(self.map.spec.with_selected(change["new"]))
        self._update_ranking()
        self._update_table()
        self._update_profile()

    def _on_map_click(self, ags: str) -> None:
        if ags in self.data.table.index:
            self.ags = ags

    # -- rendering --------------------------------------------------------------------------
    def _update_ranking(self) -> None:
        meta = self.meta
        trace, layout = charts.ranking_props(
            self.values, self.data.names, label=meta["label"], unit=meta["unit"],
            higher_is_better=meta["higher_is_better"], selected=self.ags,
            scale=self.map.spec.scale,
        )
        self.ranking.update(trace, layout)

    def _describe(self) -> None:
        meta = self.meta
        direction = "Höhere Werte bedeuten bessere Versorgung." if meta["higher_is_better"] \
            else "Niedrigere Werte bedeuten bessere Versorgung."
        self.description.value = (
            f'<div class="kp-text"><b>{html_text(meta["label"])}</b> '
            f'({html_text(meta["unit"])}): {html_text(meta["description"])} {direction}</div>'
        )

    def table_frame(self) -> pd.DataFrame:
        """The value table as shown (formatted German strings), best first."""
        meta = self.meta
        vals = self.values
        order = charts.ranking_order(vals, higher_is_better=meta["higher_is_better"])
        d = ColourScale.from_values(vals).decimals
        pop = self.data.region.population
        rank = vals.rank(ascending=not meta["higher_is_better"], method="min")
        return pd.DataFrame(
            {
                "Rang": [format_number(rank.get(a), 0) for a in order],
                "Gemeinde": [self.data.names[a] for a in order],
                "Einwohner": [format_number(pop[a], 0) for a in order],
                meta["unit"] or "Wert": [format_number(vals[a], d) for a in order],
            },
            index=pd.Index(order, name="ags"),
        )

    def _update_table(self) -> None:
        frame = self.table_frame()
        self.table.value = style.table_html(
            frame, right=("Rang", "Einwohner", frame.columns[-1]), highlight=self.ags
        )

    def profile_indicators(self) -> list[str]:
        ids = [i for i in PROFILE_INDICATORS if i in self.data.indicators]
        if self.indicator not in ids:
            ids = [self.indicator, *ids]
        return ids

    def _update_profile(self) -> None:
        ags = self.ags
        if not ags or ags not in self.data.table.index:
            self.profile_note.value = (
                '<div class="kp-note">Gemeinde in der Liste oder auf der Karte wählen, '
                "um ihr Profil zu sehen.</div>"
            )
            return
        ids = self.profile_indicators()
        rows = self.data.peer_rows(ags, ids)
        n = pd.to_numeric(rows["n_peers"], errors="coerce").fillna(0)
        name = self.data.names[ags]
        shown = html_text(name)  # names come from registers and users: text, never markup
        if (n > 0).any():
            medians = rows["peer_median"]
            basis = str(rows["peer_basis"].iloc[0]) if "peer_basis" in rows else ""
            peer_text = "vergleichbarer Gemeinden"
            note = (
                f"Vergleichsgruppe von {shown}: bis zu {int(n.max())} Gemeinden "
                f"({html_text(basis)}). Index 100 = Median der Vergleichsgruppe."
            )
        else:  # no comparable municipality: compare with all others of the region
            others = self.data.table.drop(index=ags)[ids]
            medians = others.median()
            peer_text = "aller anderen Gemeinden"
            note = (
                f"Für {shown} gibt es keine Gemeinde gleicher Größenklasse; verglichen wird "
                "mit dem Median aller anderen Gemeinden der Region (= 100)."
            )
        profile = charts.profile_frame(rows["value"], medians, region=self.data.region)
        trace, layout = charts.profile_props(profile, name=name, peer_text=peer_text)
        self.profile.update(trace, layout)
        self.profile_note.value = f'<div class="kp-note">{note}</div>'


class PopulationOverview(w.VBox):
    """Inhabitants per municipality: map, chart and table.

    Shown by the Kreisübersicht instead of the :class:`IndicatorExplorer` while a region
    has no indicator worth a map yet (e.g. a real Kreis built from official statistics
    before a facility list is imported), so the page still shows the district.

    Attributes
    ----------
    ags
        AGS of the highlighted municipality (map click), ``None`` = none.
    """

    ags = t.Unicode(None, allow_none=True).tag(sync=True)

    LABEL = "Einwohner:innen"
    UNIT = "Einw."

    def __init__(self, data: DashboardData, *, map_height: str = "600px", **kwargs: Any) -> None:
        from dataclasses import replace

        self.data = data
        values = data.region.population.astype(float)
        spec = map_spec(
            data.region, values, title=self.LABEL, unit=self.UNIT, higher_is_better=True,
            categories=(), geometries=data.geometries,
        )
        spec = replace(spec, scale=replace(spec.scale, note_text="dunkler = mehr Einwohner:innen"))
        self.map = LeafletMap(spec, height=map_height)
        self.map.on_click(self._on_map_click)
        self.ranking = FigureView(draw=False, renderer="svg")
        self.ranking.add_class("kp-ranking")
        self.table = w.HTML(self._table_html())
        top = w.HBox(
            [
                w.Box([self.map.widget], layout=w.Layout(flex="3 1 560px", min_width="420px")),
                w.Box([self.ranking], layout=w.Layout(flex="2 1 420px", min_width="360px")),
            ],
            layout=w.Layout(flex_flow="row wrap", grid_gap="16px", width="100%"),
        )
        super().__init__(
            children=[top, style.section(f"{self.LABEL} aller Gemeinden"), self.table], **kwargs
        )
        self._update_ranking()

    def _update_ranking(self) -> None:
        trace, layout = charts.ranking_props(
            self.data.region.population.astype(float), self.data.names, label=self.LABEL,
            unit=self.UNIT, higher_is_better=True, selected=self.ags,
            scale=self.map.spec.scale, direction="",
            title=f"<b>{self.LABEL} je Gemeinde</b>",
        )
        self.ranking.update(trace, layout)

    def _table_html(self) -> str:
        pop = self.data.region.population.sort_values(ascending=False)
        frame = pd.DataFrame(
            {"Gemeinde": [self.data.names[a] for a in pop.index],
             self.LABEL: [format_number(v, 0) for v in pop]},
            index=pop.index,
        )
        return style.table_html(frame, right=(self.LABEL,), highlight=self.ags)

    def _on_map_click(self, ags: str) -> None:
        if ags in self.data.region.municipalities.index:
            self.ags = ags

    @t.observe("ags")
    def _on_ags(self, change: dict[str, Any]) -> None:
        self.map.update(self.map.spec.with_selected(change["new"]))
        self._update_ranking()
        self.table.value = self._table_html()
