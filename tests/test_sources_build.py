"""Tests of build_region: register × boundaries join, fallback geometries, the import report."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from sources_helpers import (
    BOUNDARIES_FIXTURE,
    FACILITIES_FIXTURE,
    ICS_FIXTURE,
    OVERPASS_FIXTURE,
    REGISTER_FIXTURE,
    needs_data,
    real_boundaries,
    real_register,
)

import kulturplan as kp
from kulturplan.errors import KulturplanError
from kulturplan.region import CRS
from kulturplan.sources import bkg, destatis
from kulturplan.sources.build import ImportReport, build_region, find_data_dir, reference_files

ATTR_DESTATIS = "© Statistisches Bundesamt (Destatis)"
ATTR_BKG = "© GeoBasis-DE / BKG"


@pytest.fixture(scope="module")
def fixture_register():
    return destatis.read_register(REGISTER_FIXTURE)


@pytest.fixture(scope="module")
def fixture_boundaries():
    return bkg.read_boundaries(BOUNDARIES_FIXTURE)


def test_build_from_fixture_files():
    region, report = build_region("05762", REGISTER_FIXTURE, BOUNDARIES_FIXTURE)
    assert isinstance(region, kp.Region)
    assert isinstance(report, ImportReport)
    m = region.municipalities
    assert region.name == "Kreis Höxter"
    assert region.kreis_ags == "05762"
    assert len(m) == 10
    assert m["population"].sum() == 140_251
    assert (m["geometry_source"] == "grenze").all()
    assert m.crs == CRS
    for col in ("kreis_ags", "kreis_name", "verband", "male", "female", "postcode", "lon",
                "lat", "urban_degree", "geometry_source"):
        assert col in m.columns
    assert m.loc["05762020", "area_km2"] == pytest.approx(158.16)
    assert m.loc["05762020", "urban_degree"] == 2
    assert len(report) == 0
    assert report.counts["Gemeinden in der Region"] == 10
    assert "Keine Hinweise" in str(report)
    assert ATTR_DESTATIS in region.attribution and ATTR_BKG in region.attribution
    assert all(s["licence"] == "Datenlizenz Deutschland – Namensnennung – Version 2.0"
               for s in region.sources)


def test_missing_polygon_gets_fallback_circle(fixture_register, fixture_boundaries):
    bnd = fixture_boundaries.drop(index="05762024")  # Marienmünster
    region, report = build_region("05762", fixture_register, bnd)
    m = region.municipalities
    assert len(m) == 10  # nothing dropped
    assert m.loc["05762024", "geometry_source"] == "ersatz_mittelpunkt"
    assert (m.drop(index="05762024")["geometry_source"] == "grenze").all()
    circle = m.loc["05762024"].geometry
    assert circle.area / 1e6 == pytest.approx(64.36, rel=0.01)  # official area
    centre = gpd.GeoSeries(gpd.points_from_xy([9.229516], [51.81928]), crs=4326).to_crs(CRS)
    assert circle.centroid.distance(centre.iloc[0]) < 5
    (p,) = report.of_kind("gemeinde_ohne_grenze")
    assert p.source == "register_hoexter.csv"
    assert p.row == 16 and p.column == "AGS"
    assert "AGS 05762024 „Marienmünster, Stadt“ (4.902 Einw., 64,36 km²)" in p.message
    assert "Ersatzgeometrie" in p.message
    assert report.counts["Gemeinden ohne Fläche (Ersatzgeometrie)"] == 1
    assert p in region.report.problems


def test_boundary_without_register_record_is_reported(fixture_register, fixture_boundaries):
    bnd = fixture_boundaries.rename(index={"05762040": "05762099"})
    region, report = build_region("05762", fixture_register, bnd)
    (lost,) = report.of_kind("gemeinde_ohne_grenze")
    (extra,) = report.of_kind("grenze_ohne_gemeinde")
    assert "AGS 05762040 „Willebadessen, Stadt“" in lost.message
    assert "05762099 „Willebadessen“" in lost.message  # where its centre lies
    assert "AGS 05762099 „Willebadessen“ fehlt im Gemeindeverzeichnis" in extra.message
    assert "05762040 „Willebadessen, Stadt“" in extra.message
    assert report.to_frame()["Art"].tolist() == ["Gemeinde ohne Grenzfläche",
                                                  "Grenzfläche ohne Gemeinde"]
    assert len(region.municipalities) == 10


def test_invalid_prefix(fixture_register, fixture_boundaries):
    with pytest.raises(KulturplanError, match="AGS-Präfix „057x“ ist ungültig"):
        build_region("057x", fixture_register, fixture_boundaries)
    with pytest.raises(KulturplanError, match="register_hoexter.csv: Keine Gemeinde hat einen "
                       "AGS, der mit „14522“ beginnt"):
        build_region("14522", fixture_register, fixture_boundaries)


def test_facilities_and_events_attached(fixture_register, fixture_boundaries, tmp_path):
    # one facility far away (Freiberg, Mittelsachsen): kept, reported, no AGS
    text = FACILITIES_FIXTURE.read_text(encoding="utf-8")
    text += "X1;Theater Freiberg;Theater;;09599;Freiberg;50,9176;13,3427;;Kommune;ja\n"
    fac = tmp_path / "einrichtungen.csv"
    fac.write_text(text, encoding="utf-8")
    region, report = build_region(
        "05762", fixture_register, fixture_boundaries,
        facilities=[fac, OVERPASS_FIXTURE], events=ICS_FIXTURE,
    )
    f = region.facilities
    assert len(f) == 7 + 4
    assert f.loc["B1", "ags"] == "05762020" and f.loc["node/1004", "ags"] == "05762008"
    assert pd.isna(f.loc["X1", "ags"])
    outside = [p for p in report.of_kind("einrichtung") if "Theater Freiberg" in p.message]
    assert len(outside) == 1 and outside[0].row == 8
    assert report.counts["Einrichtungen außerhalb der Region"] == 1
    assert "© OpenStreetMap contributors" in region.attribution
    ev = region.events
    weekly = [f"ev-6@test/202510{d:02d}T1000" for d in (4, 11, 18, 25)]
    assert sorted(ev.index) == ["ev-1@test", "ev-2@test", "ev-3@test", "ev-4@test", *weekly]
    assert ev.loc["ev-4@test", "ags"] == "05762028"  # by GEO, Nieheim
    assert ev.loc["ev-1@test", "ags"] == "05762020"  # via venue B1
    unplaced = [p for p in report.of_kind("veranstaltung") if "Kabarettabend" in p.message]
    # listed by the calendar (no venue) and by the region (left out, the calendar keeps it)
    assert len(unplaced) == 2 and "nicht in die Region übernommen" in unplaced[1].message
    assert report.counts["Veranstaltungen übernommen"] == 8


def test_find_data_dir_and_reference_files(tmp_path):
    (tmp_path / "shared" / "data" / "destatis").mkdir(parents=True)
    deep = tmp_path / "projekt" / "notebooks"
    deep.mkdir(parents=True)
    assert find_data_dir(deep) == (tmp_path / "shared" / "data").resolve()
    assert reference_files(tmp_path / "shared" / "data") is None
    assert reference_files(tmp_path / "nichts") is None


# --------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------

UNMATCHED_REGISTER = {
    "07000999": "Gemeinsames deutsch-luxemburgisches Hoheitsgebiet",
    "07132074": "Neitersen",
    "07132084": "Obernau",
    "10042999": "Deutsch-luxemburgisches Hoheitsgebiet",
    "12073505": "Schöneberg",
    "13000999": "Küstengewässer einschl. Anteil am Festlandsockel",
    "16065023": "Greußen, Stadt",
    "16065082": "Wolferschwenda",
    "16065084": "Großenehrich, Stadt",
}
UNMATCHED_BOUNDARIES = {"07132502": "Neitersen", "16065089": "Greußen"}


@pytest.fixture(scope="module")
def germany():
    return build_region(None, real_register(), real_boundaries())


@needs_data
def test_germany_join_reports_every_unmatched_ags(germany):
    region, report = germany
    text = str(report)
    lost = report.of_kind("gemeinde_ohne_grenze") + report.of_kind("gemeinde_nicht_uebernommen")
    extra = report.of_kind("grenze_ohne_gemeinde")
    assert len(lost) + len(extra) == 11
    for ags, name in UNMATCHED_REGISTER.items():
        assert sum(f"AGS {ags} „{name}“" in p.message for p in lost) == 1
        assert f"AGS {ags} „{name}“" in text
    for ags, name in UNMATCHED_BOUNDARIES.items():
        assert sum(f"AGS {ags} „{name}“" in p.message for p in extra) == 1
        assert f"AGS {ags} „{name}“" in text
    assert all(p.source == "AuszugGV4QAktuell_2020.csv" and p.row > 1 for p in lost)
    assert all(p.source == "VG5000_GEM.shp" for p in extra)
    # the three uninhabited records without polygon and centre are not placed
    dropped = {p.message.split("„")[0].split()[-1] for p in
               report.of_kind("gemeinde_nicht_uebernommen")}
    assert dropped == {"07000999", "10042999", "13000999"}
    m = region.municipalities
    assert len(m) == 11004 - 3
    assert int(m["population"].sum()) == 83_166_711
    assert (m["geometry_source"] == "ersatz_mittelpunkt").sum() == 6
    assert report.counts["Gemeinden mit Fläche (AGS gefunden)"] == 10995
    assert region.name == "Deutschland"
    assert region.kreis_ags is None


@needs_data
@pytest.mark.parametrize(
    ("prefix", "name", "count", "population"),
    [
        ("05762", "Kreis Höxter", 10, 140_251),
        ("14522", "Landkreis Mittelsachsen", 53, 304_099),
    ],
)
def test_real_kreis_region_validates_and_indicators_compute(prefix, name, count, population):
    region, report = build_region(prefix, real_register(), real_boundaries())
    assert region.name == name
    assert len(region.municipalities) == count
    assert int(region.municipalities["population"].sum()) == population
    assert len(report) == 0
    assert (region.municipalities["geometry_source"] == "grenze").all()
    # round trip through Region validation again (e.g. after subset)
    again = kp.Region(municipalities=region.municipalities, name=region.name)
    assert len(again.municipalities) == count
    from kulturplan import indicators

    table = indicators.compute(region)
    assert list(table.index) == list(region.municipalities.index)
    assert table.shape[1] >= 15


@needs_data
def test_real_hoexter_with_facility_list_indicators_by_hand():
    region, report = build_region(
        "05762", real_register(), real_boundaries(), facilities=FACILITIES_FIXTURE
    )
    assert len(report) == 0
    f = region.facilities
    assert f["ags"].to_dict() == {
        "B1": "05762020", "M1": "05762020", "V1": "05762016", "S1": "05762036",
        "K1": "05762004", "A1": "05762008",
    }
    from kulturplan import indicators

    table = indicators.compute(region)
    # Höxter, Stadt: 28,808 inhabitants, one library (B1) and one museum (M1)
    assert table.loc["05762020", "einrichtungen_je_10000__bibliothek"] == pytest.approx(
        1 / 28808 * 10_000
    )
    assert table.loc["05762020", "einrichtungen_gesamt_je_10000"] == pytest.approx(
        2 / 28808 * 10_000
    )
    # Brakel: 16,137 inhabitants, Stadthalle with 1.200 places
    assert table.loc["05762016", "kapazitaet_je_1000"] == pytest.approx(1200 / 16137 * 1000)
    # Nieheim has no facility
    assert table.loc["05762028", "einrichtungen_gesamt_je_10000"] == 0


@needs_data
def test_real_land_prefix():
    region, report = build_region("16", real_register(), real_boundaries())
    assert region.name == "Thüringen"
    reg = real_register().select("16")
    assert len(region.municipalities) == len(reg)
    assert {p.message.split("„")[0].split()[-1] for p in report.of_kind("gemeinde_ohne_grenze")} \
        == {"16065023", "16065082", "16065084"}
    assert len(report.of_kind("grenze_ohne_gemeinde")) == 1


@needs_data
@pytest.mark.realdata
def test_land_wide_list_outside_the_kreis_is_one_summary_line(tmp_path):
    # issue 8, defect 2: a Kreis built with a Land-wide list listed every facility of the
    # neighbouring Kreise as a problem; now they are one line, and only the two points outside
    # every polygon of the boundary file (in Czechia) are problems
    from sources_helpers import (
        SAXONY_ABROAD,
        SAXONY_IN_KREIS,
        SAXONY_OUTSIDE_KREIS,
        saxony_library_list,
    )

    from kulturplan.sources.build import IMPORT_REPORT_CSV, IMPORT_REPORT_TXT

    path = saxony_library_list(tmp_path / "bibliotheken_sachsen.csv")
    # real_register()/real_boundaries(): AuszugGV4QAktuell_2020.csv and VG5000_GEM.shp
    region, report = build_region("14522", real_register(), real_boundaries(), facilities=path)
    fac = region.facilities
    assert len(fac) == SAXONY_IN_KREIS + SAXONY_OUTSIDE_KREIS + 2 == 454
    assert int(fac["ags"].isin(region.municipalities.index).sum()) == SAXONY_IN_KREIS
    # the drawn municipality is the one assigned (sampled inside its polygon)
    inside = fac.iloc[:SAXONY_IN_KREIS]
    assert (inside["name"].str.extract(r"\((\d{8})\)")[0] == inside["ags"]).all()

    text = str(report)
    summary = (
        "396 Einrichtungen liegen außerhalb des Kreises; sie zählen für die Erreichbarkeit, "
        "nicht für die Kennzahlen der Gemeinden"
    )
    assert summary in text.splitlines()
    assert report.outside_summary() == summary
    assert "liegt in keiner Gemeinde der Region" not in text.replace(
        "liegt in keiner Gemeinde der Region und in keiner Fläche", ""
    )
    assert len(report.of_kind("ausserhalb")) == SAXONY_OUTSIDE_KREIS
    assert report.counts["Einrichtungen außerhalb der Region"] == SAXONY_OUTSIDE_KREIS + 2
    problems = report.of_kind("einrichtung")
    assert [str(p) for p in problems] == [
        f"bibliotheken_sachsen.csv, Zeile {row}: Einrichtung „{name}“ liegt in keiner Gemeinde "
        "der Region und in keiner Fläche der Grenzdatei (VG5000_GEM.shp). Sie wird mitgeführt, "
        "aber keiner Gemeinde zugerechnet; bitte die Koordinaten prüfen."
        for row, name in zip((454, 455), SAXONY_ABROAD, strict=True)
    ]
    # these problem lines are printed, the 396 outside facilities are not
    for p in problems:
        assert f"    - {p}" in text
    assert "Bibliothek 57 (" not in text
    # the report file lists every one of them, with file and row
    files = report.files()
    table = files[IMPORT_REPORT_CSV]
    assert table.count("Einrichtung außerhalb der Region;bibliotheken_sachsen.csv;") == 396
    assert "Bibliothek 57 (" in table and "Bibliothek 57 (" in files[IMPORT_REPORT_TXT]
    first_outside = report.of_kind("ausserhalb")[0]
    assert first_outside.row == 2 + SAXONY_IN_KREIS
    assert first_outside.message.startswith(
        f"Einrichtung „{fac['name'].iloc[SAXONY_IN_KREIS]}“ liegt außerhalb des Kreises (Gemeinde "
        f"{fac['name'].iloc[SAXONY_IN_KREIS][-9:-1]} „"
    )


def test_outside_summary_wording_and_german_numbers():
    from kulturplan.errors import Problem
    from kulturplan.sources.build import ReportEntry

    def report(prefix, n):
        entries = tuple(ReportEntry("ausserhalb", Problem("liste.csv", f"E{k}", row=k + 2))
                        for k in range(n))
        return ImportReport("Gebiet", prefix, {"Einrichtungen übernommen": n}, entries)

    assert report("05762", 1).outside_summary() == (
        "1 Einrichtung liegt außerhalb des Kreises; sie zählt für die Erreichbarkeit, nicht "
        "für die Kennzahlen der Gemeinden"
    )
    big = report("05", 1234)
    assert big.outside_summary().startswith("1.234 Einrichtungen liegen außerhalb des Landes;")
    text = str(big)
    assert "Einrichtungen übernommen       1.234" in text
    assert "E17" not in text and "Hinweise" not in text  # summarised, not listed
    assert text.count("\n") == 2  # title, one count, the summary
    assert "    - liste.csv, Zeile 19: E17" in big.details()
    assert len(big.to_frame()) == 1234 and len(big.to_frame(outside=False)) == 0
