"""The dashboard kernels' cache: region, indicator table and key figures are computed once
per region folder and code version, then read by every further kernel (issue 16)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_tiny_region

from kulturplan.io import write_region
from kulturplan.testing import assert_region_equal
from kulturplan.ui import DashboardData, Kreisuebersicht
from kulturplan.ui import data as ui_data


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KULTURPLAN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def region_folder(tmp_path, monkeypatch):
    folder = tmp_path / "region"
    write_region(make_tiny_region(), folder)
    monkeypatch.setenv("KULTURPLAN_REGION", str(folder))
    return folder


def _fail(*args, **kwargs):
    raise AssertionError("trotz Zwischenspeicher neu gelesen/berechnet")


def test_region_read_once_then_from_cache(region_folder, tmp_path, monkeypatch):
    from kulturplan import io

    first = ui_data.load_region_from_env()
    assert len(list((tmp_path / "cache").glob("region-*.pkl"))) == 1
    monkeypatch.setattr(io, "read_region", _fail)
    second = ui_data.load_region_from_env()
    assert_region_equal(second, first)
    assert second.name == "Testkreis Tiny"


def test_changed_region_folder_is_read_again(region_folder, monkeypatch):
    ui_data.load_region_from_env()
    toml = region_folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("Testkreis Tiny", "Neukreis"),
                    encoding="utf-8")
    assert ui_data.load_region_from_env().name == "Neukreis"


def test_key_figures_cached_with_the_region(region_folder, tmp_path, monkeypatch):
    app = Kreisuebersicht(DashboardData.from_env())
    figures = app.key_figure_values()
    # by hand (tiny region): 16,000 inhabitants, 4 municipalities, 9 own facilities
    assert figures["Einwohner:innen"] == "16.000"
    assert figures["Gemeinden"] == "4"
    assert figures["Kultureinrichtungen"] == "9"
    assert len(list((tmp_path / "cache").glob("kennzahlen-*.pkl"))) == 1
    monkeypatch.setattr(Kreisuebersicht, "_compute_key_figures", _fail)
    again = Kreisuebersicht(DashboardData.from_env())
    assert again.key_figure_values() == figures
    assert "gap_model" not in again.__dict__  # no population points built for cached figures


def test_data_not_from_env_is_never_cached(tmp_path):
    region = make_tiny_region()
    data = DashboardData(region, pd.DataFrame(index=region.municipalities.index))
    calls = []
    assert data.cached("probe", lambda: calls.append(1) or 7) == 7
    assert data.cached("probe", lambda: calls.append(1) or 7) == 7
    assert calls == [1, 1]
    assert not (tmp_path / "cache").exists()


def test_broken_cache_file_is_recomputed(region_folder, tmp_path):
    first = ui_data.load_region_from_env()
    (path,) = (tmp_path / "cache").glob("region-*.pkl")
    path.write_bytes(b"kaputt")
    assert_region_equal(ui_data.load_region_from_env(), first)


def test_display_outlines_and_peer_comparison_cached_with_the_region(region_folder, tmp_path,
                                                                     monkeypatch):
    from kulturplan.indicators import peers
    from kulturplan.viz import prepare

    ids = ["einrichtungen_gesamt_je_10000", "sparten_anzahl"]
    first = DashboardData.from_env()
    outlines, rows = first.geometries, first.peer_rows("99001002", ids)
    assert len(list((tmp_path / "cache").glob("umrisse-*.pkl"))) == 1
    assert len(list((tmp_path / "cache").glob("vergleich-*.pkl"))) == 1
    monkeypatch.setattr(prepare, "display_geometries", _fail)
    monkeypatch.setattr(peers, "peer_comparison", _fail)
    monkeypatch.setattr("kulturplan.indicators.peer_comparison", _fail)
    again = DashboardData.from_env()
    assert again.geometries.equals(outlines)
    assert list(again.geometries.index) == list(make_tiny_region().municipalities.index)
    pd.testing.assert_frame_equal(again.peer_rows("99001002", ids), rows)
    # by hand: Bedorf has 2 facilities (F02, F08) for 2,500 inhabitants: 8 per 10,000
    assert rows.loc["einrichtungen_gesamt_je_10000", "value"] == 8.0


def test_peer_comparison_of_other_indicators_is_not_taken_from_the_cache(region_folder):
    data = DashboardData.from_env()
    one = data.peer_rows("99001002", ["einrichtungen_gesamt_je_10000"])
    other = DashboardData.from_env().peer_rows("99001002", ["sparten_anzahl"])
    assert list(one.index) == ["einrichtungen_gesamt_je_10000"]
    assert list(other.index) == ["sparten_anzahl"]
