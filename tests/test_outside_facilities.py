"""Issue 8, defect 1: facilities outside the Kreis are not counted as the Kreis's own.

Landkreis Mittelsachsen (AGS 14522, 53 municipalities, 304,099 inhabitants in the 2020
register) is built from the official register and the VG5000 boundaries together with a
Land-wide facility list: one library in every one of Saxony's 419 municipalities, a
second one in the first 3 municipalities of the Kreis and in the first 30 outside it
(56 + 396 = 452 libraries), and 10 museums (4 in the Kreis). Every facility sits on a
point inside its municipality's polygon, so the expected counts are known exactly.
Outside facilities count for reachability, not for key figures, counts by Sparte or
per-capita indicators, and maps draw them as hollow markers with their own legend entry.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sources_helpers import BOUNDARIES, REGISTER, needs_data, real_boundaries

from kulturplan import overview
from kulturplan.indicators import compute
from kulturplan.sources import build_region
from kulturplan.ui import DashboardData
from kulturplan.ui.apps import Kreisuebersicht, facility_counts
from kulturplan.ui.gaps import GapExplorer
from kulturplan.viz import prepare
from kulturplan.viz.spec import legend_html, map_spec

pytestmark = [pytest.mark.realdata, needs_data]

KREIS = "14522"
IN_KREIS_LIBRARIES = 56
OUTSIDE_LIBRARIES = 396


def _facility_csv(path: Path) -> pd.DataFrame:
    """Write the Land-wide list (German spreadsheet layout) and return its rows."""
    saxony = real_boundaries()
    saxony = saxony[saxony.index.str.startswith("14")].sort_index()
    spots = gpd.GeoSeries(shapely.point_on_surface(saxony.geometry.to_numpy()),
                          crs=saxony.crs).to_crs("EPSG:4326")
    ll = pd.DataFrame({"ags": saxony.index, "name": saxony["name"].to_numpy(),
                       "lon": spots.x.to_numpy(), "lat": spots.y.to_numpy()})
    inside = ll[ll["ags"].str.startswith(KREIS)]
    outside = ll[~ll["ags"].str.startswith(KREIS)]
    assert (len(inside), len(outside)) == (53, 366)
    rows = []

    def add(kind: str, label: str, places: pd.DataFrame) -> None:
        for _, place in places.iterrows():
            n = sum(1 for r in rows if r["Sparte"] == label) + 1
            rows.append({"ID": f"{kind}{n:03d}", "Name": f"{label} {place['name']} {n}",
                         "Sparte": label, "Ort": place["name"],
                         "Breitengrad": f"{place['lat']:.6f}".replace(".", ","),
                         "Längengrad": f"{place['lon']:.6f}".replace(".", ",")})

    add("B", "Bibliothek", pd.concat([inside, inside.head(3), outside, outside.head(30)]))
    add("M", "Museum", pd.concat([inside.head(4), outside.head(6)]))
    frame = pd.DataFrame(rows)
    frame.to_csv(path, sep=";", index=False, encoding="utf-8")
    return frame


@pytest.fixture(scope="module")
def mittelsachsen(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("landesliste") / "bibliotheken_sachsen.csv"
    rows = _facility_csv(path)
    assert (rows["Sparte"] == "Bibliothek").sum() == 452
    region, _report = build_region(KREIS, REGISTER, BOUNDARIES, facilities=path)
    return region


def test_all_facilities_are_kept_for_reachability(mittelsachsen) -> None:
    fac = mittelsachsen.facilities
    assert len(fac) == 462
    assert int(fac["ags"].isin(mittelsachsen.municipalities.index).sum()) == 60


def test_key_figures_count_only_the_kreis(mittelsachsen) -> None:
    figures = dict(overview.key_figures(mittelsachsen).to_numpy().tolist())
    assert figures["Gemeinden"] == "53"
    assert figures["Einwohner:innen"] == "304.099"
    assert figures["Einrichtungen"] == "60"
    assert figures[overview.OUTSIDE_FIGURE] == "402"
    by_sparte = overview.facilities_by_category(mittelsachsen).set_index("Sparte")
    assert by_sparte.loc["Bibliotheken", "Einrichtungen"] == IN_KREIS_LIBRARIES
    assert by_sparte.loc["Museen", "Einrichtungen"] == 4
    assert by_sparte["Einrichtungen"].sum() == 60


def test_per_capita_indicators_count_only_the_kreis(mittelsachsen) -> None:
    ids = ["einrichtungen_je_10000__bibliothek", "einrichtungen_gesamt_je_10000"]
    table = compute(mittelsachsen, ids)
    pop = mittelsachsen.municipalities["population"].astype(float)
    first = sorted(mittelsachsen.municipalities.index)[0]  # 2 libraries and 1 museum
    assert table.at[first, ids[0]] == pytest.approx(2 / pop[first] * 10_000, rel=1e-12)
    assert table.at[first, ids[1]] == pytest.approx(3 / pop[first] * 10_000, rel=1e-12)
    assert (table[ids[0]] * pop / 10_000).sum() == pytest.approx(IN_KREIS_LIBRARIES)
    assert (table[ids[1]] * pop / 10_000).sum() == pytest.approx(60)


def test_dashboards_count_only_the_kreis(mittelsachsen) -> None:
    data = DashboardData(mittelsachsen, pd.DataFrame(index=mittelsachsen.municipalities.index))
    app = Kreisuebersicht(data)
    assert app.key_figure_values()["Kultureinrichtungen"] == "60"
    assert facility_counts(data).to_dict() == {"Bibliotheken": 56, "Museen": 4}
    assert "außerhalb des Kreises: <b>402</b>" in app.key_figures.value
    gaps = GapExplorer(data, category="bibliothek", threshold=10.0)
    assert (gaps.n_own_facilities, gaps.n_facilities) == (56, 452)
    assert "Bibliotheken in der Region" in gaps.headline.value
    assert ">56<" in gaps.headline.value and ">452<" not in gaps.headline.value
    assert "Weitere 396 Einrichtungen „Bibliothek“ außerhalb des Kreises" in gaps.headline.value


def test_maps_draw_outside_facilities_hollow_with_a_legend_entry(mittelsachsen) -> None:
    points = prepare.facility_points(mittelsachsen, ["bibliothek"])
    assert int(points["outside"].sum()) == OUTSIDE_LIBRARIES
    spec = map_spec(mittelsachsen, categories=["bibliothek"])
    styles = {f["id"]: f["properties"]["style"] for f in spec.facility_collection()["features"]}
    outside_id = points.index[points["outside"].to_numpy()][0]
    inside_id = points.index[~points["outside"].to_numpy()][0]
    assert styles[outside_id]["fillColor"] == "#ffffff"
    assert styles[outside_id]["color"] == points.at[outside_id, "colour"]
    assert styles[inside_id]["fillColor"] == points.at[inside_id, "colour"]
    assert "außerhalb des Kreises" in points.at[outside_id, "tooltip"]
    assert prepare.OUTSIDE_LEGEND in legend_html(spec)
