"""Veranstaltungskalender and Kostenteilung widgets without a browser."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from kulturplan.demo import calendar_feeds, music_school_association, musterland
from kulturplan.ui.calendar import Veranstaltungskalender
from kulturplan.ui.costs import CostSharingModel, Kostenteilung
from kulturplan.ui.data import DashboardData


@pytest.fixture(scope="module")
def data():
    region = musterland()
    return DashboardData(region, pd.DataFrame(index=region.municipalities.index))


@pytest.fixture()
def feeds(data, tmp_path):
    for name, content in calendar_feeds(data.region).items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


def test_calendar_app_filters_and_windows(data, feeds):
    app = Veranstaltungskalender(data, feeds=feeds, today=pd.Timestamp("2026-12-01"))
    assert app.month == "2025-07"  # the month of the most collisions (demo in the past)
    assert len(app.current_events()) == 139
    assert len(app.current_collisions()) == 5
    app.window = "overlap"
    assert len(app.current_collisions()) == 2
    app.category = "kino"
    assert "Keine Überschneidungen" in app.collision_table.value
    app.category = ""
    app.target_group = "kinder"
    # children's events and those for everyone (no target group given) stay
    groups = set(app.current_events()["target_group"].dropna())
    assert groups <= {"kinder", "alle"}
    matrix = app.model.day_matrix(app.model.events, pd.Timestamp("2025-07-01"))
    assert matrix.shape == (4, 31) and int(matrix.loc["Waldleben", "2025-07-12"]) == 1


def test_calendar_exports_escape_formulas_and_html(data, feeds):
    path = feeds / "gemeinde_waldleben.ics"
    text = path.read_text(encoding="utf-8").replace(
        "SUMMARY:Sommerfest Waldleben", "SUMMARY:=HYPERLINK(\"http://x\")<img src=x onerror=1>")
    path.write_text(text, encoding="utf-8")
    app = Veranstaltungskalender(data, feeds=feeds, today=pd.Timestamp("2026-12-01"))
    app.month = "2025-07"  # the weekend of 12 July shows the renamed festival
    assert "<img src=x" not in app.collision_table.value + app.weekend_box.value
    assert "&lt;img src=x onerror=1&gt;" in app.weekend_box.value
    events = app.current_events()
    xlsx = app.model.excel_bytes(events, app.current_collisions(), "Test")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    titles = [c.value for c in book["Kalender"]["A"]]
    bad = [t for t in titles if isinstance(t, str) and "HYPERLINK" in t]
    assert bad == ["'=HYPERLINK(\"http://x\")<img src=x onerror=1>"]
    assert all(c.data_type != "f" for row in book["Kalender"].iter_rows() for c in row)


def test_cost_sharing_model_and_app(data):
    zv = music_school_association(data.region)
    model = CostSharingModel(zv)
    assert model.table.columns.tolist() == ["alone", "inhabitants", "usage", "umlage",
                                            "shapley", "nucleolus"]
    for col in model.table.columns[1:]:
        assert model.table[col].sum() == pytest.approx(model.total)
    # the Umlage: one rate on the bases
    assert (model.table["umlage"] / zv.bases).round(12).nunique() == 1
    assert model.above_alone()["inhabitants"] == ["Waldleben"]
    assert model.above_alone()["shapley"] == []
    shown = model.display_table()
    assert shown.iloc[-1]["Gemeinde"] == "zusammen"
    app = Kostenteilung(data)
    assert "Waldleben: 500.853 € statt 486.475 € allein" in app.core.value
    book = openpyxl.load_workbook(io.BytesIO(model.excel_bytes("Test")))
    assert book.sheetnames == ["Kostenteilung", "Erläuterung"]
