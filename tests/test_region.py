"""Validation of :class:`kulturplan.Region`: every error with its German message."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from kulturplan import KulturplanError, Region, ValidationError
from kulturplan.errors import Problem
from kulturplan.region import normalise_ags

X0, Y0 = 500_000.0, 5_700_000.0
AGE = ("pop_0_5", "pop_6_17", "pop_18_29", "pop_30_64", "pop_65_plus")


def _square(i: int, j: int = 0) -> Polygon:
    """1 km x 1 km square, column ``i`` and row ``j`` of a grid starting at X0/Y0."""
    return box(X0 + 1000 * i, Y0 + 1000 * j, X0 + 1000 * (i + 1), Y0 + 1000 * (j + 1))


def _munis(**changes: object) -> gpd.GeoDataFrame:
    """Four municipalities in two Kreise of Land 01 and one of Land 02."""
    frame = gpd.GeoDataFrame(
        {
            "ags": ["01001001", "01001002", "01002001", "02001001"],
            "name": ["Aheim", "Bedorf", "Cestadt", "Dewald"],
            "population": [100, 200, 300, 400],
            "area_km2": [1.0, 1.0, 1.0, 1.0],
        },
        geometry=[_square(0), _square(1), _square(2), _square(3)],
        crs="EPSG:25832",
    )
    for col, values in changes.items():
        frame[col] = values
    return frame


def _facilities(**changes: object) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["Bücherei Aheim", "Kino Cestadt", "Museum Dewald"],
            "category": ["bibliothek", "kino", "museum"],
        },
        geometry=[
            Point(X0 + 500, Y0 + 500),
            Point(X0 + 2500, Y0 + 500),
            Point(X0 + 3500, Y0 + 500),
        ],
        crs="EPSG:25832",
    )
    for col, values in changes.items():
        frame[col] = values
    return frame


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --- a valid region --------------------------------------------------------------------------
def test_valid_region_is_normalised() -> None:
    region = Region(_munis(), facilities=_facilities(), name="Test")
    m = region.municipalities
    assert list(m.index) == ["01001001", "01001002", "01002001", "02001001"]
    assert m.index.name == "ags"
    assert m["population"].dtype == float
    assert m.crs == "EPSG:25832"
    assert region.facilities.index.name == "facility_id"
    # point-in-polygon: (500500, …) lies in Aheim, (502500, …) in Cestadt, (503500, …) in Dewald
    assert region.facilities["ags"].tolist() == ["01001001", "01002001", "02001001"]
    assert not region.report
    assert region.population.sum() == 1000
    assert repr(region) == (
        "Region('Test': 4 Gemeinden, 1.000 Einw., 3 Einrichtungen, 0 Organisationen, "
        "0 Veranstaltungen)"
    )


def test_ags_from_numbers_keeps_leading_zero() -> None:
    region = Region(_munis(ags=[1001001, 1001002, 1002001, 2001001]))
    assert list(region.municipalities.index) == ["01001001", "01001002", "01002001", "02001001"]


def test_normalise_ags_text_and_numbers() -> None:
    out = normalise_ags(pd.Series([" 5762004", 5762004, 5762004.0, "abc", None, "123456789"]))
    assert out.tolist() == ["05762004", "05762004", "05762004", "abc", None, "123456789"]


def test_given_ags_of_a_facility_is_kept() -> None:
    region = Region(_munis(), facilities=_facilities(ags=["01001002", None, None]))
    # F1 lies in Aheim but its table says Bedorf: the given key wins, only gaps are filled
    assert region.facilities["ags"].tolist() == ["01001002", "01002001", "02001001"]


# --- municipalities ---------------------------------------------------------------------------
@pytest.mark.parametrize("column", ["name", "population", "area_km2", "geometry"])
def test_missing_required_column(column: str) -> None:
    frame = _munis()
    frame = pd.DataFrame(frame.drop(columns=column)) if column == "geometry" else frame.drop(
        columns=column
    )
    with pytest.raises(ValidationError, match=f"Pflichtspalte „{column}“ fehlt") as exc:
        Region(frame)
    assert exc.value.problems[0].column == column
    assert "ist unvollständig" in str(exc.value)


def test_missing_ags_column() -> None:
    with pytest.raises(ValidationError, match="Pflichtspalte „ags“ fehlt"):
        Region(_munis().drop(columns="ags"))


def test_ags_as_index_is_accepted() -> None:
    region = Region(_munis().set_index("ags"))
    assert list(region.municipalities.index)[0] == "01001001"


@pytest.mark.parametrize("bad", ["01A01001", "123456789", "01-00100"])
def test_bad_ags(bad: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(ags=["01001001", bad, "01002001", "02001001"]))
    (problem,) = exc.value.problems
    assert problem == Problem(
        "Gemeinden",
        f"AGS „{bad}“ ist kein 8-stelliger Gemeindeschlüssel (erwartet z. B. „05762004“).",
        row=3,
        column="ags",
    )
    assert "Tabelle „Gemeinden“ enthält Fehler (1 Problem(e))" in str(exc.value)


def test_duplicate_ags() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(ags=["01001001", "01001002", "01001001", "02001001"]))
    assert _messages(exc) == [
        "Gemeinden, Zeile 4, Spalte „ags“: Schlüssel „01001001“ kommt mehrfach vor; jeder "
        "Schlüssel darf nur einmal vorkommen."
    ]


def test_negative_population() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(population=[100, -5, 300, 400]))
    assert _messages(exc) == [
        "Gemeinden, Zeile 3, Spalte „population“: Wert -5 ist negativ; erwartet wird eine "
        "Zahl ≥ 0."
    ]


def test_text_in_number_column() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(population=[100, "viele", 300, 400]))
    assert _messages(exc) == ["Gemeinden, Zeile 3, Spalte „population“: „viele“ ist keine Zahl."]


def test_missing_number() -> None:
    with pytest.raises(ValidationError, match="Zeile 2, Spalte „area_km2“: Wert fehlt."):
        Region(_munis(area_km2=[None, 1.0, 1.0, 1.0]))


def test_all_problems_of_a_table_are_collected() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(
            _munis(
                ags=["01001001", "01001001", "0100X001", "02001001"],
                population=[100, -1, "?", 400],
            )
        )
    assert [(p.row, p.column) for p in exc.value.problems] == [
        (4, "ags"),
        (3, "ags"),
        (4, "population"),
        (3, "population"),
    ]
    assert "(4 Problem(e))" in str(exc.value)


def test_age_groups_must_sum_to_population() -> None:
    ages = {c: [20, 40, 60, 80] for c in AGE}  # sums: 100, 200, 300, 400
    Region(_munis(**ages))  # consistent
    ages["pop_65_plus"] = [20, 40, 50, 80]  # Cestadt: 290 instead of 300
    with pytest.raises(ValidationError) as exc:
        Region(_munis(**ages))
    (problem,) = exc.value.problems
    assert problem.row == 4
    assert problem.message == (
        "Die Altersgruppen ergeben zusammen 290, die Einwohnerzahl ist aber 300."
    )
    assert problem.column == ",".join(AGE)


def test_partial_age_groups() -> None:
    with pytest.raises(ValidationError, match="Altersgruppen sind nur teilweise vorhanden; es "
                       "fehlen: pop_18_29, pop_30_64, pop_65_plus."):
        Region(_munis(pop_0_5=[1, 1, 1, 1], pop_6_17=[1, 1, 1, 1]))


def test_negative_age_group() -> None:
    ages = {c: [20, 40, 60, 80] for c in AGE}
    ages["pop_0_5"] = [20, 40, 60, -80]
    with pytest.raises(ValidationError, match="Zeile 5, Spalte „pop_0_5“: Wert -80 ist negativ"):
        Region(_munis(**ages))


def test_bad_urban_degree() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(urban_degree=[1, 2, 4, 3]))
    assert _messages(exc) == [
        "Gemeinden, Zeile 4, Spalte „urban_degree“: Grad der Verstädterung „4“ ist ungültig; "
        "erlaubt sind 1 (dicht), 2 (mittel), 3 (gering besiedelt)."
    ]


def test_urban_degree_and_kreis_ags_are_normalised() -> None:
    region = Region(_munis(urban_degree=["1", 2, 3.0, None], kreis_ags=[1001, 1001, 1002, 2001]))
    m = region.municipalities
    assert m["urban_degree"].dtype == "Int64"
    assert m["urban_degree"].tolist()[:3] == [1, 2, 3]
    assert m["urban_degree"].isna().tolist() == [False, False, False, True]
    assert m["kreis_ags"].tolist() == ["01001", "01001", "01002", "02001"]


def test_point_is_not_a_municipality() -> None:
    frame = _munis()
    frame.loc[1, "geometry"] = Point(X0, Y0)
    with pytest.raises(ValidationError) as exc:
        Region(frame)
    assert _messages(exc) == [
        "Gemeinden, Zeile 3, Spalte „geometry“: Geometrie ist ein Point; erwartet wird ein "
        "(Multi-)Polygon."
    ]


def test_missing_municipal_geometry() -> None:
    frame = _munis()
    frame.loc[2, "geometry"] = None
    with pytest.raises(ValidationError, match="Zeile 4, Spalte „geometry“: Geometrie fehlt."):
        Region(frame)


def test_invalid_polygon_is_repaired() -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    assert not bowtie.is_valid
    frame = _munis()
    frame.loc[0, "geometry"] = bowtie
    region = Region(frame)
    geom = region.municipalities.geometry.iloc[0]
    assert geom.is_valid
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(500_000.0)  # two triangles of 0.25 km²


def test_multipolygon_municipality_is_valid() -> None:
    frame = _munis()
    frame.loc[0, "geometry"] = shapely.MultiPolygon([_square(0), _square(0, 2)])
    region = Region(frame)
    assert region.municipalities.geometry.iloc[0].geom_type == "MultiPolygon"


def test_missing_crs() -> None:
    frame = _munis().set_crs(None, allow_override=True)
    with pytest.raises(ValidationError) as exc:
        Region(frame)
    assert _messages(exc) == [
        "Gemeinden, Spalte „geometry“: Die Geometrien haben kein Koordinatenreferenzsystem "
        "(CRS). Bitte das CRS angeben, z. B. EPSG:25832 oder EPSG:4326."
    ]


def test_plain_dataframe_without_crs() -> None:
    frame = pd.DataFrame(_munis())
    frame["geometry"] = list(frame["geometry"])
    with pytest.raises(ValidationError, match="kein Koordinatenreferenzsystem"):
        Region(frame)


def test_crs_conversion_from_wgs84() -> None:
    utm = _munis()
    wgs = utm.to_crs("EPSG:4326")
    assert abs(wgs.geometry.iloc[0].bounds[0] - 9.0) < 0.1  # x=500,000 is 9° E in zone 32
    fac = _facilities().to_crs("EPSG:4326")
    region = Region(wgs, facilities=fac)
    assert region.municipalities.crs == "EPSG:25832"
    assert region.facilities.crs == "EPSG:25832"
    back = region.municipalities.geometry.to_numpy()
    assert shapely.equals_exact(back, utm.geometry.to_numpy(), tolerance=1e-3).all()
    assert region.facilities["ags"].tolist() == ["01001001", "01002001", "02001001"]
    x, y = region.facilities.geometry.iloc[1].coords[0]
    assert (x, y) == pytest.approx((X0 + 2500, Y0 + 500), abs=1e-3)


def test_other_projected_crs_is_converted() -> None:
    gk3 = _munis().to_crs("EPSG:31467")  # Gauß-Krüger zone 3, as in VG250/VG5000 files
    region = Region(gk3)
    assert region.municipalities.crs == "EPSG:25832"
    assert region.municipalities.geometry.iloc[0].area == pytest.approx(1e6, rel=1e-6)


# --- facilities ---------------------------------------------------------------------------------
@pytest.mark.parametrize("column", ["facility_id", "name", "category"])
def test_facility_missing_column(column: str) -> None:
    with pytest.raises(
        ValidationError, match=f"Einrichtungen, Spalte „{column}“: Pflichtspalte „{column}“ fehlt"
    ):
        Region(_munis(), facilities=_facilities().drop(columns=column))


def test_facility_unknown_category() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(), facilities=_facilities(category=["bibliothek", "oper", "museum"]))
    (problem,) = exc.value.problems
    assert (problem.source, problem.row, problem.column) == ("Einrichtungen", 3, "category")
    assert problem.message.startswith("Sparte „oper“ ist unbekannt; erlaubt sind: bibliothek, ")


def test_facility_duplicate_id() -> None:
    with pytest.raises(ValidationError, match="Zeile 4, Spalte „facility_id“: Schlüssel „F1“ "
                       "kommt mehrfach vor"):
        Region(_munis(), facilities=_facilities(facility_id=["F1", "F2", "F1"]))


def test_facility_polygon_is_rejected() -> None:
    fac = _facilities()
    fac.loc[0, "geometry"] = _square(0)
    with pytest.raises(ValidationError) as exc:
        Region(_munis(), facilities=fac)
    assert _messages(exc) == [
        "Einrichtungen, Zeile 2, Spalte „geometry“: Geometrie ist ein Polygon; erwartet wird "
        "ein Punkt."
    ]


def test_facility_without_coordinates() -> None:
    fac = _facilities()
    fac.loc[2, "geometry"] = None
    with pytest.raises(ValidationError, match="Zeile 4, Spalte „geometry“: Koordinaten fehlen."):
        Region(_munis(), facilities=fac)


def test_facility_capacity_must_be_a_number() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(_munis(), facilities=_facilities(capacity=[10, "groß", -3]))
    assert _messages(exc) == [
        "Einrichtungen, Zeile 3, Spalte „capacity“: „groß“ ist keine Zahl.",
        "Einrichtungen, Zeile 4, Spalte „capacity“: Wert -3.0 ist negativ; erwartet wird eine "
        "Zahl ≥ 0.",
    ]


def test_facility_outside_every_municipality_is_reported_not_dropped() -> None:
    fac = _facilities()
    fac.loc[1, "geometry"] = Point(X0 + 50_000, Y0)
    region = Region(_munis(), facilities=fac)
    assert len(region.facilities) == 3
    assert region.facilities.loc["F2", "ags"] is None
    (problem,) = region.report.problems
    assert problem == Problem(
        "Einrichtungen",
        "Einrichtung „Kino Cestadt“ liegt in keiner Gemeinde der Region. Sie wird mitgeführt, "
        "aber keiner Gemeinde zugerechnet.",
        row=3,
        column="ags",
    )
    assert region.report.to_frame().to_dict("records") == [
        {"Quelle": "Einrichtungen", "Zeile": 3, "Spalte": "ags", "Hinweis": problem.message}
    ]
    assert bool(region.report) and len(region.report) == 1


def test_facility_with_foreign_ags_is_reported() -> None:
    region = Region(_munis(), facilities=_facilities(ags=[None, "09162000", None]))
    assert region.facilities.loc["F2", "ags"] == "09162000"
    assert [p.message for p in region.report.problems] == [
        "Einrichtung „Kino Cestadt“ verweist auf AGS „09162000“, die nicht zur Region gehört. "
        "Sie wird mitgeführt, aber keiner Gemeinde zugerechnet."
    ]


def test_facility_on_shared_border_gets_one_municipality() -> None:
    fac = _facilities()
    fac.loc[0, "geometry"] = Point(X0 + 1000, Y0 + 500)  # border of Aheim and Bedorf
    region = Region(_munis(), facilities=fac)
    assert region.facilities.loc["F1", "ags"] in {"01001001", "01001002"}
    assert not region.report


def test_public_facilities_drop_personal_data() -> None:
    fac = _facilities(contact_email=["a@b.de", None, None], Telefon=["0123", None, None])
    region = Region(_munis(), facilities=fac)
    assert "contact_email" in region.facilities.columns
    public = region.public_facilities()
    assert "contact_email" not in public.columns
    assert "Telefon" not in public.columns
    assert len(public) == 3


# --- organisations, events, funding, survey -----------------------------------------------------
def _orgs(**changes: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "org_id": ["V1", "V2"],
            "name": ["Musikverein Aheim e. V.", "Heimatverein Dewald e. V."],
            "category": ["musikschule", "heimatverein_archiv"],
            "ags": ["01001001", "02001001"],
            "members": [50, 80],
            "volunteers": [10, 20],
        }
    )
    for col, values in changes.items():
        frame[col] = values
    return frame


def test_organisations_valid() -> None:
    region = Region(_munis(), organisations=_orgs())
    assert region.organisations.index.name == "org_id"
    assert region.organisations["volunteers"].sum() == 30


def test_organisation_problems() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(
            _munis(),
            organisations=_orgs(ags=["1001001", "X"], members=[50, "fünfzig"], volunteers=[-1, 3]),
        )
    assert _messages(exc) == [
        "Organisationen, Zeile 3, Spalte „members“: „fünfzig“ ist keine Zahl.",
        "Organisationen, Zeile 2, Spalte „volunteers“: Wert -1 ist negativ; erwartet wird eine "
        "Zahl ≥ 0.",
        "Organisationen, Zeile 3, Spalte „ags“: AGS „X“ ist kein 8-stelliger Gemeindeschlüssel "
        "(erwartet z. B. „05762004“).",
    ]


def test_organisation_missing_column() -> None:
    with pytest.raises(
        ValidationError, match="Organisationen, Spalte „ags“: Pflichtspalte „ags“ fehlt"
    ):
        Region(_munis(), organisations=_orgs().drop(columns="ags"))


def test_organisation_outside_region_is_reported() -> None:
    region = Region(_munis(), organisations=_orgs(ags=["01001001", "09162000"]))
    assert len(region.organisations) == 2
    assert [str(p) for p in region.report.problems] == [
        "Organisationen, Zeile 3, Spalte „ags“: AGS „09162000“ gehört nicht zur Region; die "
        "Zeile wird keiner Gemeinde zugerechnet."
    ]


def _events(**changes: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3"],
            "title": ["Lesung", "Filmabend", "Dorffest"],
            "category": ["bibliothek", "kino", "veranstaltungsraum"],
            "start": ["2025-03-01 19:30", "2025-03-02 20:00", "2025-07-05 14:00"],
            "facility_id": ["F1", "F2", None],
            "ags": [None, None, "01001002"],
        }
    )
    for col, values in changes.items():
        frame[col] = values
    return frame


def test_events_take_ags_from_venue() -> None:
    region = Region(_munis(), facilities=_facilities(), events=_events())
    ev = region.events
    assert ev["ags"].tolist() == ["01001001", "01002001", "01001002"]
    assert ev["start"].iloc[0] == pd.Timestamp("2025-03-01 19:30")
    assert pd.api.types.is_datetime64_dtype(ev["start"])


def test_event_problems() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(
            _munis(),
            facilities=_facilities(),
            events=_events(
                start=["2025-03-01 19:30", "nächsten Samstag", None],
                facility_id=["F1", None, None],
                ags=[None, None, "01001002"],
            ),
        )
    assert _messages(exc) == [
        "Veranstaltungen, Zeile 3, Spalte „start“: „nächsten Samstag“ ist kein gültiges Datum "
        "(erwartet z. B. 2025-05-17 19:30).",
        "Veranstaltungen, Zeile 4, Spalte „start“: Wert fehlt.",
        "Veranstaltungen, Zeile 3, Spalte „ags“: Weder Gemeinde (ags) noch Veranstaltungsort "
        "(facility_id) angegeben.",
    ]


def test_event_problems_of_all_checks_are_collected() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(
            _munis(),
            facilities=_facilities(),
            events=_events(
                category=["lesung", "kino", "kino"], start=["x", "2025-01-01", "2025-01-02"]
            ),
        )
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "category"), (2, "start")]


def test_event_unknown_venue_and_category() -> None:
    region = Region(
        _munis(),
        facilities=_facilities(),
        events=_events(facility_id=["F1", "F9", None], ags=[None, "01002001", "01001002"]),
    )
    assert [p.message for p in region.report.problems] == [
        "Veranstaltungsort „F9“ ist keine bekannte Einrichtung."
    ]
    with pytest.raises(ValidationError, match="Zeile 2, Spalte „category“: Sparte „lesung“ ist "
                       "unbekannt"):
        Region(
            _munis(), facilities=_facilities(), events=_events(category=["lesung", "kino", "kino"])
        )


def _funding(**changes: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "year": [2024, 2025, 2025],
            "ags": ["01001001", "01001001", "01002001"],
            "category": ["bibliothek", "bibliothek", "allgemein"],
            "source": ["kommune", "kommune", "land"],
            "amount_eur": [1000.0, 1100.0, 500.0],
        }
    )
    for col, values in changes.items():
        frame[col] = values
    return frame


def test_funding_valid() -> None:
    region = Region(_munis(), funding=_funding(year=["2024", "2025", "2025"]))
    assert region.funding["year"].tolist() == [2024, 2025, 2025]
    assert region.funding["year"].dtype == np.int64
    assert region.funding["amount_eur"].sum() == 2600.0


def test_funding_problems() -> None:
    with pytest.raises(ValidationError) as exc:
        Region(
            _munis(),
            funding=_funding(
                year=[2025, 2025, 2025],
                source=["kommune", "kommune", "lotto"],
                category=["bibliothek", "bibliothek", "oper"],
                amount_eur=[1000.0, -1.0, 500.0],
            ),
        )
    assert _messages(exc) == [
        "Förderung, Zeile 3, Spalte „amount_eur“: Wert -1.0 ist negativ; erwartet wird eine "
        "Zahl ≥ 0.",
        "Förderung, Zeile 4, Spalte „source“: Quelle „lotto“ ist unbekannt; erlaubt sind: bund, "
        "eu, kommune, kreis, land, sonstige, stiftung.",
        "Förderung, Zeile 4, Spalte „category“: Sparte „oper“ ist unbekannt; erlaubt sind die "
        "Sparten des Katalogs oder „allgemein“.",
        "Förderung, Zeile 3, Spalte „year,ags,category,source“: Schlüssel "
        "„2025|01001001|bibliothek|kommune“ kommt mehrfach vor; jeder Schlüssel darf nur einmal "
        "vorkommen.",
    ]


def test_survey_valid_and_weight_checked() -> None:
    survey = pd.DataFrame(
        {
            "respondent_id": [1, 2],
            "ags": ["01001001", "01002001"],
            "age_group": ["18-29", "65+"],
            "weight": [1.2, 0.8],
            "interesse_kino": [5, None],
        }
    )
    region = Region(_munis(), survey=survey)
    assert list(region.survey.index) == ["1", "2"]
    with pytest.raises(ValidationError, match="Befragung, Zeile 3, Spalte „weight“: Wert -0.8 "
                       "ist negativ"):
        Region(_munis(), survey=survey.assign(weight=[1.2, -0.8]))
    with pytest.raises(
        ValidationError, match="Befragung, Spalte „age_group“: Pflichtspalte „age_group“ fehlt"
    ):
        Region(_munis(), survey=survey.drop(columns="age_group"))


def test_empty_optional_tables() -> None:
    region = Region(_munis())
    for table in ("facilities", "organisations", "events", "funding", "survey"):
        assert len(getattr(region, table)) == 0
    assert region.facilities.crs == "EPSG:25832"


def test_validation_error_is_a_kulturplan_error() -> None:
    with pytest.raises(KulturplanError):
        Region(_munis(population=[1, 2, 3, -4]))
    with pytest.raises(ValueError):
        Region(_munis(population=[1, 2, 3, -4]))


# --- subset -----------------------------------------------------------------------------------
def _full_region() -> Region:
    return Region(
        _munis(),
        facilities=_facilities(),
        organisations=_orgs(),
        events=_events(),
        funding=_funding(),
        name="Zwei Länder",
        sources=({"name": "Test", "licence": "CC0", "attribution": "Testdaten", "date": "2025"},),
    )


def test_subset_kreis() -> None:
    region = _full_region().subset("01001")
    assert list(region.municipalities.index) == ["01001001", "01001002"]
    assert list(region.facilities.index) == ["F1"]
    assert list(region.organisations.index) == ["V1"]
    assert list(region.events.index) == ["E1", "E3"]
    assert region.funding["ags"].tolist() == ["01001001", "01001001"]
    assert region.kreis_ags == "01001"
    assert region.name == "Zwei Länder (01001)"
    assert region.attribution == "Testdaten"
    assert not region.report


def test_subset_land() -> None:
    region = _full_region().subset("01")
    assert list(region.municipalities.index) == ["01001001", "01001002", "01002001"]
    assert list(region.facilities.index) == ["F1", "F2"]
    assert region.population.sum() == 600
    assert region.kreis_ags == "01"


def test_subset_one_municipality() -> None:
    region = _full_region().subset("02001001")
    assert list(region.municipalities.index) == ["02001001"]
    assert list(region.organisations.index) == ["V2"]


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("0x", "AGS-Präfix „0x“ ist ungültig; erwartet werden 2 (Land), 5 (Kreis) oder 8 Ziffern."),
        ("123456789", "AGS-Präfix „123456789“ ist ungültig"),
        ("03", "Keine Gemeinde der Region „Zwei Länder“ hat einen AGS, der mit „03“ beginnt."),
    ],
)
def test_subset_errors(prefix: str, message: str) -> None:
    with pytest.raises(KulturplanError, match=re.escape(message)):
        _full_region().subset(prefix)


def test_subset_of_demo_by_kreis() -> None:
    from kulturplan.demo import musterland

    region = musterland(seed=3, n_municipalities=1000)
    kreise = region.municipalities["kreis_ags"].value_counts()
    kreis = kreise.index[0]
    part = region.subset(kreis)
    assert len(part.municipalities) == kreise.iloc[0]
    assert set(part.facilities["ags"]) <= set(part.municipalities.index)
    assert part.population.sum() == region.population[
        region.municipalities["kreis_ags"] == kreis
    ].sum()
