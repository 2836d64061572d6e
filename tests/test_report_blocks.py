"""Report blocks of the later dashboards: scenarios, cooperation, calendar, cost sharing.

Each block is fed with what its dashboard passes (``selection`` of the
:class:`~kulturplan.ui.report_download.ReportDownload`) and its HTML is checked for the
real numbers of the library functions. The PDFs of the new chapters are turned into PNG
pages in ``test-artifacts/report/`` (``blocks-*.png``) to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import kulturplan as kp
from kulturplan import report
from kulturplan._format import format_number
from kulturplan.cooperation import costs
from kulturplan.demo import calendar_feeds, music_school_association
from kulturplan.report import blocks
from kulturplan.ui.calendar import Veranstaltungskalender
from kulturplan.ui.cooperation import CooperationModel, _load_volunteers
from kulturplan.ui.costs import KEYS, CostSharingModel
from kulturplan.ui.data import DashboardData
from kulturplan.ui.planning import PlanningModel

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "report"
POPPLER = shutil.which("pdftoppm") is not None


@pytest.fixture(scope="module")
def region():
    return kp.demo.musterland(seed=0)


@pytest.fixture(scope="module")
def table(region):
    return kp.indicators.compute(region)


@pytest.fixture(scope="module")
def data(region):
    return DashboardData(region, pd.DataFrame(index=region.municipalities.index.copy()))


def text_of(html: str) -> str:
    """Visible text of the HTML (tags removed, whitespace collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def chapter(region, table, block, extras, **kwargs) -> str:
    return report.kreisbericht(region, table=table, blocks=[block], extras=extras, **kwargs)


# -- silent without data ----------------------------------------------------------------------
@pytest.mark.parametrize("block", [blocks.scenario_block, blocks.cooperation_block,
                                   blocks.calendar_block, blocks.cost_block])
def test_blocks_are_silent_without_their_data(region, table, block):
    ctx = report.ReportContext(region, table=table)
    assert block(ctx) is None
    # and the default Steckbrief has no cooperation chapter
    html = report.gemeindesteckbrief(region, "99001005", table=table)
    assert "Kooperation:" not in html


# -- cost sharing ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cost_model(region):
    return CostSharingModel(music_school_association(region))


def test_cost_block_shows_shapley_and_every_key_in_german(region, table, cost_model):
    m = cost_model
    extras = {"costs": m.report_extras("Musikschulverband Test")}
    html = chapter(region, table, blocks.cost_block, extras)
    text = text_of(html)
    assert "Kostenteilung: Musikschulverband Test" in text
    phi = costs.shapley(m.cost, m.members)
    names = m.names()
    header = " ".join(KEYS[c][0] for c in m.table.columns)
    assert f"Gemeinde {header}" in text
    for ags in m.members:  # each member's row: name, alone, keys …, Shapley, nucleolus
        row = " ".join(f"{format_number(v, 0)} €" for v in m.table.loc[ags])
        assert f"{names[ags]} {row}" in text
        assert f"{format_number(phi[ags], 0)} €" in text
    assert f"zusammen {format_number(m.table['alone'].sum(), 0)} €" in text
    assert f"{format_number(m.total, 0)} € {format_number(m.total, 0)} €" in text
    # the one municipality paying more than alone under the inhabitants key
    assert "Mehr als allein zahlen: nach Einwohner:innen: Waldleben" in text
    assert "<b>Shapley-Wert</b>: Jede Gemeinde zahlt die Mehrkosten" in html


# -- calendar ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def calendar_app(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("feeds")
    for name, content in calendar_feeds(data.region).items():
        (folder / name).write_bytes(content)
    return Veranstaltungskalender(data, feeds=folder)


def test_calendar_block_lists_the_collisions_of_the_chosen_month(region, table, calendar_app):
    app = calendar_app
    extras = app.report_extras()
    month = pd.Timestamp(app.month + "-01")
    col = app.current_collisions()
    mine = col[col["start_a"].dt.strftime("%Y-%m") == app.month]
    assert len(mine) > 0
    text = text_of(chapter(region, table, blocks.calendar_block, extras))
    label = f"{blocks.MONTHS_DE[month.month - 1]} {month.year}"
    assert f"{format_number(len(mine), 0)} Überschneidungen im {label}" in text
    n_events = int((app.current_events()["start"].dt.strftime("%Y-%m") == app.month).sum())
    assert f"{format_number(n_events, 0)} Termine im {label}" in text
    for title in mine["title_a"]:
        assert title in text
    first = mine.iloc[0]
    assert f"{format_number(first['distance_km'], 1)} " in text
    other = col[col["start_a"].dt.strftime("%Y-%m") != app.month]
    assert all(f"{s:%d.%m.%Y}" not in text for s in other["start_a"]
               if f"{s:%Y-%m}" != app.month and f"{s:%d.%m.%Y}" not in
               set(f"{x:%d.%m.%Y}" for x in mine["start_b"]))


# -- planning scenarios ------------------------------------------------------------------------
def test_scenario_block_shows_the_comparison_of_the_planungswerkstatt(region, table):
    model = PlanningModel(region, category="musikschule", threshold=20.0, unit="min")
    assert "extras" not in model.report_selection()  # nothing kept: no scenario chapter
    model.propose(2)  # two branches (exact MCLP), as in test_ui_planning
    model.keep("Zweigstellen")
    selection = model.report_selection()
    frame = selection["extras"]["scenarios"]
    figures = model.key_figures(model.kept["Zweigstellen"].edits)
    row = frame.set_index("Szenario").loc["Zweigstellen"]
    assert row["Einw. in Reichweite heute"] == round(figures["vorher"])
    assert row["im Szenario"] == round(figures["nachher"])
    assert row["Anteil im Szenario (%)"] == pytest.approx(figures["anteil_nachher"])
    ctx = report.ReportContext(region, table=table, **selection)
    text = text_of(report.render_html(ctx, [blocks.scenario_block]))
    assert "Planungsszenarien im Vergleich" in text
    assert (f"Zweigstellen {row['Kennzahl']} {format_number(round(figures['vorher']), 0)} "
            f"{format_number(round(figures['nachher']), 0)}") in text
    assert f"{format_number(figures['anteil_nachher'], 1)}" in text
    assert "128.321 139.827 11.506" in text  # the Planungswerkstatt's own comparison


# -- cooperation -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def coop(region):
    offers, requests = _load_volunteers(None, region)
    return CooperationModel(region, offers=offers, requests=requests)


def _coop_extras(coop, ags):
    return {"cooperation": {"ags": ags, "similar": coop.similar_to(ags),
                            "partners": coop.partners_of(ags),
                            "volunteers": coop.match.pairs}}


def test_cooperation_block_in_the_steckbrief(region, table, coop):
    pairs = coop.match.pairs
    ags = pairs["request_ags"].value_counts().index[0]  # a municipality with matches
    html = report.gemeindesteckbrief(region, ags, table=table, extras=_coop_extras(coop, ags))
    text = text_of(html)
    name = coop.names[ags]
    assert f"Kooperation: {name}" in text and f"Orte wie {name}" in text
    sim = coop.similar_to(ags)
    first = sim.iloc[0]
    assert f"1 {first['name']} {format_number(first['distance'], 2)}" in text
    partners = coop.partners_of(ags)
    if len(partners):
        assert "Partner in der Nähe" in text
        assert str(partners.iloc[0]["partner_name"]) in text
    mine = pairs[(pairs["volunteer_ags"] == ags) | (pairs["request_ags"] == ags)]
    for vid, rid in zip(mine["volunteer"], mine["request"], strict=True):
        assert f"{vid} " in text and f"{rid} " in text
    # the chapter stands before the sources
    assert text.index("Kooperation:") < text.index("Quellen")


def test_cooperation_block_prints_no_personal_data(region, table, coop):
    ags = coop.match.pairs["request_ags"].iloc[0]
    pairs = coop.match.pairs.assign(
        name="Erika Mustermann", email="erika.mustermann@example.org",
        phone="+49 171 2345678", contact="Erika M., Lindenweg 3")
    extras = _coop_extras(coop, ags)
    extras["cooperation"]["volunteers"] = pairs
    html = chapter(region, table, blocks.cooperation_block, extras)
    assert "Freiwilligenbörse" in html
    for secret in ("Erika", "Mustermann", "example.org", "2345678", "Lindenweg"):
        assert secret not in html
    head = re.findall(r"<th[^>]*>([^<]*)</th>", html.split("Freiwilligenbörse")[1])
    assert set(head) <= set(blocks.VOLUNTEER_COLUMNS.values())


def test_cooperation_block_escapes_names(region, table, coop):
    ags = coop.names.index[0]
    sim = coop.similar_to(ags).assign(name="<script>alert(1)</script>")
    html = chapter(region, table, blocks.cooperation_block,
                   {"cooperation": {"ags": ags, "similar": sim}})
    assert "<script>" not in html and "&lt;script&gt;" in html


# -- PNG pages to look at ----------------------------------------------------------------------
@pytest.mark.skipif(not POPPLER, reason="pdftoppm fehlt (apt-get install poppler-utils)")
def test_new_chapters_as_png_pages(region, table, coop, cost_model, calendar_app):
    ags = coop.match.pairs["request_ags"].value_counts().index[0]
    model = PlanningModel(region, category="musikschule", threshold=20.0, unit="min")
    model.propose(2)
    model.keep("Zwei Zweigstellen")
    model.reset()
    model.propose(1)  # the current scenario: one branch
    extras = {"costs": cost_model.report_extras("Musikschulverband Musterland"),
              **calendar_app.report_extras(),
              "scenarios": model.report_selection()["extras"]["scenarios"]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    docs = {
        "blocks-kreis": report.kreisbericht(region, table=table, extras=extras, blocks=[
            blocks.scenario_block, blocks.calendar_block, blocks.cost_block]),
        "blocks-steckbrief": report.gemeindesteckbrief(region, ags, table=table,
                                                       extras=_coop_extras(coop, ags)),
    }
    for name, html in docs.items():
        for old in ARTIFACTS.glob(f"{name}-*.png"):
            old.unlink()
        pdf = ARTIFACTS / f"{name}.pdf"
        pdf.write_bytes(report.to_pdf(html))
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / name)],
                       check=True)
        assert len(list(ARTIFACTS.glob(f"{name}-*.png"))) >= 2


# -- the dashboards' buttons pass their selection ---------------------------------------------
def test_dashboard_buttons_build_reports_with_their_chapters(data, calendar_app):
    from kulturplan.ui.cooperation import Kooperation
    from kulturplan.ui.costs import Kostenteilung
    from kulturplan.ui.needs import Bedarfsanalyse

    html = Kostenteilung(data).report.build("html").decode("utf-8")
    assert "Kostenteilung: Zweckverband Musikschule Waldleben" in text_of(html)
    html = calendar_app.report.build("html").decode("utf-8")
    assert "Veranstaltungskalender: Überschneidungen im" in text_of(html)
    coop = Kooperation(data, volunteer_folder="demo")
    coop.picker.value = "99001005"
    text = text_of(coop.report.build("html").decode("utf-8"))
    assert "Gemeindesteckbrief Eulenhofen" in text and "Kooperation: Eulenhofen" in text
    coop.report.scope = "kreis"  # the Kreisbericht keeps the lists of the chosen place
    text = text_of(coop.report.build("html").decode("utf-8"))
    assert "Kreisbericht Landkreis Musterland" in text and "Kooperation: Eulenhofen" in text
    needs = Bedarfsanalyse(data)
    text = text_of(needs.report.build("html").decode("utf-8"))
    assert "Bedarfsanalyse: Ergebnisse der Befragung" in text


def test_workbook_carries_the_chapters_tables(region, table, cost_model, calendar_app, coop):
    import io

    from openpyxl import load_workbook

    ags = coop.match.pairs["request_ags"].iloc[0]
    pairs = coop.match.pairs.assign(email="erika@example.org")
    extras = {"costs": cost_model.report_extras("ZV"), **calendar_app.report_extras(),
              "cooperation": {"ags": ags, "volunteers": pairs}}
    book = load_workbook(io.BytesIO(report.workbook(region, table=table, ags=ags,
                                                    extras=extras)))
    assert {"Kostenteilung", "Überschneidungen", "Freiwilligenbörse"} <= set(book.sheetnames)
    rows = list(book["Kostenteilung"].values)
    header = list(rows[0])
    shapley = costs.shapley(cost_model.cost, cost_model.members)
    got = {r[0]: r[header.index("Shapley-Wert (EUR)")] for r in rows[1:]}
    assert got == pytest.approx(shapley.to_dict())
    n = len(blocks.month_collisions(extras["calendar"]))
    assert book["Überschneidungen"].max_row == n + 1
    cells = [str(c) for r in book["Freiwilligenbörse"].values for c in r]
    assert not any("example.org" in c for c in cells)
    assert list(book["Freiwilligenbörse"].values)[0] == tuple(blocks.VOLUNTEER_COLUMNS.values())


def test_pct_without_a_value_is_a_dash():
    from kulturplan.report.blocks import pct

    assert pct(12.5) == "12,5 %"
    assert pct(float("nan")) == "–"  # e.g. a municipality without inhabitants counted
