"""Planungswerkstatt without a browser: set widget values, assert on the model output.

Numbers are those of the demo district (Musterland, seed 0): 10 Musikschulen;
128,321 inhabitants live within 20 estimated car minutes of one (89.9 %).
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest

import kulturplan as kp
from kulturplan._format import format_number
from kulturplan.errors import ParameterError
from kulturplan.indicators.reachability import population_beyond
from kulturplan.ui.data import DashboardData
from kulturplan.ui.planning import PlanningModel, PlanningWorkshop, Planungswerkstatt


@pytest.fixture(scope="module")
def data() -> DashboardData:
    region = kp.demo.musterland(seed=0)
    return DashboardData(region, pd.DataFrame(index=region.municipalities.index.copy()))


@pytest.fixture
def workshop(data) -> PlanningWorkshop:
    return PlanningWorkshop(data)


def _cards(ws: PlanningWorkshop) -> list[str]:
    return [num for num, _ in ws.key_figure_cards()]


def _latlon(ws: PlanningWorkshop, facility_id: str) -> tuple[float, float]:
    p = ws.model.region.facilities.loc[[facility_id]].geometry.to_crs(4326).iloc[0]
    return p.y, p.x


def test_start_shows_today(workshop):
    assert _cards(workshop) == ["128.321", "128.321", "0", "10 → 10"]
    labels = [label for _, label in workshop.key_figure_cards()]
    assert labels[0] == "Einw. heute in Reichweite (89,9 %)"
    assert workshop.reach_text() == ("In Reichweite: höchstens 20 Minuten Fahrzeit (geschätzt) "
                                     "bis zur nächsten Einrichtung „Musikschule“.")
    assert "Noch keine Änderung" in workshop.edit_list.value
    assert workshop.download.value == ""  # nothing to compare yet
    assert workshop.excel_button.layout.display == "none"
    assert workshop.undo_button.disabled


def test_proposal_two_branches_within_20_minutes(workshop):
    proposal = workshop.propose()
    assert list(proposal.sites["name"]) == ["Bürgerhaus Eulenhofen", "Bürgerhaus Wolfshausen"]
    assert proposal.result.status == "optimal"
    assert "nachweislich die beste Lösung" in workshop.status.value
    assert _cards(workshop) == ["128.321", "139.827", "+11.506", "10 → 12"]
    # the dashboard agrees with the exact MCLP objective (same points, same costs)
    figures = workshop.model.key_figures()
    assert figures["nachher"] == pytest.approx(proposal.result.objective, rel=1e-9)
    assert figures["vorher"] == pytest.approx(proposal.result.baseline_objective, rel=1e-9)
    # ... and with the reachability indicator on the scenario region
    part = population_beyond(workshop.model.scenario_region, "musikschule", 20, "min")
    beyond = part["population_beyond"]
    assert figures["nachher"] == pytest.approx((part["population"] - beyond).sum())
    assert workshop.view.value == "veraenderung"
    legend = workshop.map.legend_text()
    assert legend.startswith("Veränderung: Einw. in Reichweite")
    assert "keine Veränderung" in legend and "+3.166" in legend
    changes = workshop.model.change_table()
    assert changes["veraenderung"].sum() == pytest.approx(11_506, abs=0.5)
    assert (changes["veraenderung"] >= 0).all()
    # chart and table show the same change per municipality
    assert sum(workshop.chart.traces[0]["x"]) == pytest.approx(11_506, abs=3)  # rounded bars
    assert "Eulenhagen" in workshop.table.value and "+3.166" in workshop.table.value


def test_shortest_ways_proposal(workshop):
    workshop.objective.value = "p_median"
    workshop.k.value = 1
    proposal = workshop.propose()
    assert proposal.kind == "p_median" and proposal.result.status == "optimal"
    assert len(proposal.sites) == 1 and proposal.gain > 0
    assert "möglichst kurze Wege" in workshop.status.value
    assert _cards(workshop)[3] == "10 → 11"


def test_click_adds_and_removes(workshop):
    lat, lon = 51.43, 9.22
    workshop._on_map_interaction(type="click", coordinates=[lat, lon])
    assert len(workshop.model.edits) == 1
    edit = workshop.model.edits[0]
    assert edit.name.startswith("Neuer Standort 1 (")
    assert workshop.new_layer.data["features"][0]["id"] == "neu-1"
    assert workshop.model.key_figures()["veraenderung"] >= 0
    workshop._map_added = (0.0, -1, 0.0, 0.0)  # a person takes more than a second
    # a click on the new site takes it back; Leaflet's bubbled map click is ignored
    workshop._on_marker_click(feature={"id": "neu-1", "geometry": {
        "type": "Point", "coordinates": [lon, lat]}})
    workshop._on_map_interaction(type="click", coordinates=[lat, lon])
    assert workshop.model.edits == []
    assert "zurückgenommen" in workshop.status.value
    # a click on an existing Musikschule closes it (here the browser reports the map
    # click of the same click first: the site it added is taken back)
    fid = workshop.model.facilities().index[0]
    f_lat, f_lon = _latlon(workshop, fid)
    workshop._on_map_interaction(type="click", coordinates=[f_lat, f_lon])
    workshop._on_marker_click(feature={"id": fid, "geometry": {
        "type": "Point", "coordinates": [f_lon, f_lat]}})
    assert [type(e).__name__ for e in workshop.model.edits] == ["RemoveFacility"]
    name = workshop.model.region.facilities.at[fid, "name"]
    assert f"Entfernt: {name}" in workshop.edit_list.value
    assert _cards(workshop)[3] == "10 → 9"
    assert workshop.model.key_figures()["veraenderung"] < 0
    assert [f["id"] for f in workshop.removed_layer.data["features"]] == [fid]
    assert fid not in [f["id"] for f in workshop.map.facilities.data["features"]]
    # a click on the removed one (dashed circle) brings it back
    workshop._on_removed_click(feature={"id": fid})
    assert workshop.model.edits == [] and _cards(workshop)[3] == "10 → 10"
    # the model also removes the facility nearest to a position (within 1.5 km)
    assert workshop.model.remove_latlon(*_latlon(workshop, fid)) == fid
    assert workshop.model.remove_latlon(50.0, 7.0) is None
    workshop.undo_button.click()
    assert workshop.model.edits == [] and _cards(workshop)[3] == "10 → 10"


def test_keep_compare_and_excel(workshop):
    workshop.propose()
    workshop.name.value = "Zwei Zweigstellen"
    workshop.keep_button.click()
    assert list(workshop.model.kept) == ["Zwei Zweigstellen"]
    assert workshop.compare_with.value == "Zwei Zweigstellen"
    text = re.sub(r"<[^>]+>", " ", workshop.comparison_html.value)
    assert "128.321" in text and "139.827" in text
    workshop.reset_button.click()
    workshop.k.value = 1
    workshop.propose()  # one branch only
    one = workshop.model.key_figures()["nachher"]
    text = " ".join(re.sub(r"<[^>]+>", " ", workshop.comparison_html.value).split())
    assert f"139.827 {format_number(one, 0)}" in text
    assert workshop.download.value == "" and workshop.excel_button.layout.display == ""
    workshop.excel_button.click()
    href = re.search(r'href="data:[^;]+;base64,([^"]+)"', workshop.download.value).group(1)
    book = pd.read_excel(io.BytesIO(base64.b64decode(href)), sheet_name=None, header=3)
    assert list(book) == ["Überblick", "Gemeinden", "Änderungen", "Hinweise"]
    overview = book["Überblick"].set_index("Szenario")
    assert overview.loc["Zwei Zweigstellen", "Veränderung"] == pytest.approx(11_506, abs=1)
    assert overview.loc["Zwei Zweigstellen", "heute"] == pytest.approx(128_321, abs=1)
    assert set(overview.index) == {"Zwei Zweigstellen", "Aktuelles Szenario"}
    edits = book["Änderungen"]
    # leave-one-out: each branch's own share of the gain (Wolfshausen reaches more)
    two = edits[edits["Szenario"] == "Zwei Zweigstellen"]["Wirkung: Einw. in Reichweite"]
    assert list(two.round()) == [4_342, 7_164]
    assert list(edits["Änderung"].iloc[:2]) == [
        "Musikschule neu: Bürgerhaus Eulenhofen (Vorschlag 1)",
        "Musikschule neu: Bürgerhaus Wolfshausen (Vorschlag 2)",
    ]
    gemeinden = book["Gemeinden"]
    share = gemeinden[(gemeinden["Szenario"] == "Zwei Zweigstellen")
                      & (gemeinden["Kennzahl"] == "Anteil Einw. bis 15 Min. entfernt "
                         "(geschätzt aus Luftlinie): Musikschule")]
    assert len(share) == 24 and (share["Veränderung"].dropna() >= 0).all()
    assert "Hinweis" in book["Hinweise"].columns


def test_empty_name_is_refused_in_german(workshop):
    workshop.keep_button.click()
    assert "Bitte dem Szenario einen Namen geben." in workshop.comparison_html.value


def test_threshold_and_category_change(workshop):
    workshop.propose()
    workshop.slider.value = 30.0
    before_30 = workshop.model.key_figures()["vorher"]
    assert before_30 > 128_321 and len(workshop.model.edits) == 2  # edits kept
    workshop.category_picker.value = "bibliothek"
    assert workshop.model.edits == [] and workshop.model.category == "bibliothek"
    assert _cards(workshop)[3] == "20 → 20"


def test_model_without_widgets(data):
    model = PlanningModel(data.region, category="kino", threshold=15, unit="km")
    base = model.key_figures()
    model.propose(1, "mclp")
    assert model.key_figures()["veraenderung"] == pytest.approx(model.proposal.gain, rel=1e-9)
    assert model.key_figures()["vorher"] == base["vorher"]
    np.testing.assert_array_equal(model.change_table().index, data.region.municipalities.index)


def test_dashboard_app_builds(data):
    app = Planungswerkstatt(data)
    assert "Planungswerkstatt – Landkreis Musterland" in app.children[1].value
    assert isinstance(app.workshop, PlanningWorkshop)


def test_change_scale_has_a_class_for_no_change_and_for_losses():
    from kulturplan.viz.prepare import LOSS_COLOUR, PALETTE, ChangeScale

    values = pd.Series([-930.0, 0.0, 12.0, 500.0])
    scale = ChangeScale.from_changes(values, unit="Einw.")
    assert [label for label, _ in scale.legend()] == [
        "+256 bis +500", "+1 bis unter +256", "keine Veränderung", "weniger"]
    assert scale.colour(values) == [LOSS_COLOUR, PALETTE[0], PALETTE[1], PALETTE[4]]
    nothing = ChangeScale.from_changes(pd.Series([0.0, 0.0]))
    assert nothing.legend() == [("keine Veränderung", PALETTE[0])]


def test_progress_is_shown_while_solving(workshop, monkeypatch):
    seen = {}
    solve = workshop.model.propose

    def spy(k, kind):
        seen["status"], seen["disabled"] = workshop.status.value, workshop.propose_button.disabled
        return solve(k, kind)

    monkeypatch.setattr(workshop.model, "propose", spy)
    workshop.propose_button.click()
    assert "Vorschlag für 2 neue Musikschulen wird berechnet" in seen["status"]
    assert 'class="kp-busy"' in seen["status"] and seen["disabled"] is True
    assert not workshop.propose_button.disabled and "kp-busy" not in workshop.status.value


def test_region_without_facilities_gets_a_grid_proposal(tiny_region):
    import kulturplan as kp_

    empty = kp_.Region(municipalities=tiny_region.municipalities, name="Leer")
    ws = PlanningWorkshop(DashboardData(empty, pd.DataFrame(index=empty.municipalities.index)))
    assert "noch keine Einrichtung erfasst" in ws.headline.value
    assert _cards(ws) == ["–", "0", "0", "0 → 0"]
    assert ws.map.legend_text().startswith("Musikschule: keine Einrichtung erfasst")
    ws.k.value = 1
    ws.propose()
    assert "Mittelpunkte eines 2-km-Rasters" in ws.status.value
    # one site on the 2-km grid reaches all 16,000 inhabitants of the 10 × 10 km region
    assert _cards(ws) == ["–", "16.000", "+16.000", "0 → 1"]


def test_proposal_intro_names_the_candidates(workshop):
    assert "unter den Veranstaltungsräumen der Region" in workshop.propose_intro.value
    workshop.category_picker.value = "veranstaltungsraum"  # its own rooms are no candidates
    assert "2-km-Raster" in workshop.propose_intro.value
    with pytest.raises(ParameterError, match="Bitte dem Szenario einen Namen geben"):
        workshop.model.keep("  ")
