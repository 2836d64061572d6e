"""Tests of kulturplan.access: hand-computed values, edge cases, properties, PySAL access."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import kulturplan as kp
from kulturplan import access
from kulturplan import demand as kd
from kulturplan.errors import EmptyInputError, KulturplanError, ValidationError

# PySAL access 1.1 itself uses a pandas option deprecated in pandas 3
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
REGISTER = DATA / "destatis" / "AuszugGV4QAktuell_2020.csv"
CRS = "EPSG:25832"


# -- helpers ---------------------------------------------------------------------------------
def points(xy, crs=CRS, index=None, **columns) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    frame = gpd.GeoDataFrame(
        columns, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs
    )
    if index is not None:
        frame.index = pd.Index(index)
    return frame


def max_rel_diff(ours: pd.Series, ref: pd.Series) -> float:
    """Max relative difference; both 0 counts as equal, one 0 as difference 1."""
    a = ours.to_numpy(dtype=float)
    b = ref.reindex(ours.index).to_numpy(dtype=float)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    denom = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(np.abs(a - b), denom, out=np.zeros_like(a), where=denom > 0)
    return float(rel.max()) if len(rel) else 0.0


@pytest.fixture
def line():
    """Three demand points on a line (0, 3, 10 km) and facilities at 0 km (S=1), 10 km (S=2)."""
    demand = points([(0, 0), (3000, 0), (10000, 0)], index=["a", "b", "c"],
                    population=[100.0, 200.0, 300.0])
    supply = points([(0, 0), (10000, 0)], index=["f0", "f1"], cap=[1.0, 2.0])
    return demand, supply


# -- hand-computed values ------------------------------------------------------------------
def test_nearest_km_and_kth(line):
    demand, supply = line
    assert access.nearest(demand, supply).tolist() == pytest.approx([0.0, 3.0, 0.0])
    second = access.nearest(demand, supply, k=2)
    assert second.tolist() == pytest.approx([10.0, 7.0, 10.0])
    assert list(second.index) == ["a", "b", "c"]
    assert math.isinf(access.nearest(demand, supply, k=3).iloc[0])


def test_minutes_from_detour_and_speed(line):
    demand, supply = line
    minutes = access.nearest(demand, supply, cost="minutes")
    assert minutes["b"] == pytest.approx(3 * 1.3 / 50 * 60)  # 4.68 min
    custom = access.nearest(demand, supply, detour=1.2, speed_kmh=60)
    assert custom["b"] == pytest.approx(3 * 1.2 / 60 * 60)
    road_km = access.nearest(demand, supply, detour=1.25)
    assert road_km["b"] == pytest.approx(3.75)


def test_coverage_is_inclusive(line):
    demand, supply = line
    assert access.coverage(demand, supply, 3.0).tolist() == [True, True, True]
    assert access.coverage(demand, supply, 2.999).tolist() == [True, False, True]


def test_two_step_fca_by_hand(line):
    demand, supply = line
    # pairs <= 7 km: (a,f0)=0, (b,f0)=3, (b,f1)=7, (c,f1)=0
    a = access.two_step_fca(demand, supply, 7.0, supply_col="cap")
    r0, r1 = 1 / 300, 2 / 500
    assert a.tolist() == pytest.approx([r0, r0 + r1, r1], rel=1e-15)
    # just below 7 km the pair (b, f1) drops out
    b = access.two_step_fca(demand, supply, 6.999, supply_col="cap")
    assert b.tolist() == pytest.approx([1 / 300, 1 / 300, 2 / 300], rel=1e-15)
    # every facility counts 1 without supply_col
    c = access.two_step_fca(demand, supply, 7.0)
    assert c.tolist() == pytest.approx([1 / 300, 1 / 300 + 1 / 500, 1 / 500])
    # supply conservation: sum P_i A_i = sum S_j
    assert (a * demand["population"]).sum() == pytest.approx(3.0, rel=1e-14)
    rep = a.attrs["report"]
    assert (rep.n_pairs, rep.demand_unreached, rep.supply_unused) == (4, 0, 0)


def test_two_step_fca_normalize(line):
    demand, supply = line
    raw = access.two_step_fca(demand, supply, 7.0, supply_col="cap")
    norm = access.two_step_fca(demand, supply, 7.0, supply_col="cap", normalize=True)
    mean = (raw * demand["population"]).sum() / demand["population"].sum()
    assert norm.tolist() == pytest.approx((raw / mean).tolist())


def test_enhanced_two_step_fca_steps_by_hand(line):
    demand, supply = line
    # weights 1 up to 5 km, 0.5 up to 10 km; the pairs at exactly 10 km count with 0.5
    e = access.enhanced_two_step_fca(demand, supply, {5: 1.0, 10: 0.5}, supply_col="cap")
    d0 = 100 * 1 + 200 * 1 + 300 * 0.5
    d1 = 100 * 0.5 + 200 * 0.5 + 300 * 1
    r0, r1 = 1 / d0, 2 / d1
    expected = [r0 + 0.5 * r1, r0 + 0.5 * r1, 0.5 * r0 + r1]
    assert e.tolist() == pytest.approx(expected, rel=1e-15)
    # an explicit max_cost below the last step cuts the 10 km pairs
    cut = access.enhanced_two_step_fca(demand, supply, {5: 1.0, 10: 0.5}, max_cost=9.0,
                                       supply_col="cap")
    d1_cut = 200 * 0.5 + 300
    assert cut["c"] == pytest.approx(2 / d1_cut)


def test_enhanced_two_step_fca_gaussian_by_hand(line):
    demand, supply = line
    g = access.enhanced_two_step_fca(demand, supply, "gaussian", max_cost=7.0, sigma=5.0)
    w = math.exp(-9 / 50)  # 3 km
    w7 = math.exp(-49 / 50)
    d0 = 100 + 200 * w
    d1 = 200 * w7 + 300
    assert g.tolist() == pytest.approx([1 / d0, w / d0 + w7 / d1, 1 / d1], rel=1e-14)


def test_gravity_by_hand(line):
    demand, supply = line
    g = access.gravity(demand, supply, 1.0, supply_col="cap")  # min_cost 1 km
    assert g.tolist() == pytest.approx([1 + 2 / 10, 1 / 3 + 2 / 7, 1 / 10 + 2], rel=1e-15)
    cut = access.gravity(demand, supply, 1.0, max_cost=7.0, supply_col="cap")
    assert cut.tolist() == pytest.approx([1.0, 1 / 3 + 2 / 7, 2.0], rel=1e-15)
    scaled = access.gravity(demand, supply, 2.0, scale=10.0, min_cost=0.5, supply_col="cap")
    assert scaled["b"] == pytest.approx((0.3) ** -2 + 2 * (0.7) ** -2)
    count = access.gravity(demand, supply, 0.0, max_cost=3.0)  # beta 0: facilities in reach
    assert count.tolist() == [1.0, 1.0, 1.0]


def test_origin_destination_table(line):
    demand, supply = line
    od = pd.DataFrame(
        {
            "origin": ["a", "b", "b", "c", "x"],
            "destination": ["f0", "f0", "f1", "f1", "f0"],
            "cost": [2.0, 5.0, 12.0, 1.0, 3.0],
        }
    )
    n = access.nearest(demand, supply, cost=od)
    assert n.tolist() == [2.0, 5.0, 1.0]
    assert access.nearest(demand, supply, k=2, cost=od).tolist() == [math.inf, 12.0, math.inf]
    a = access.two_step_fca(demand, supply, 10.0, supply_col="cap", cost=od)
    assert a.tolist() == pytest.approx([1 / 300, 1 / 300, 2 / 300])
    rep = a.attrs["report"]
    assert rep.od_missing_pairs == 6 - 4  # (a,f1) and (c,f0) are not in the table
    assert rep.od_unknown_origins == ("x",)
    assert "Kostentabelle" in str(rep)
    cov = access.coverage(demand, supply, 4.0, cost=od.rename(columns={"destination": "dest"}))
    assert cov.tolist() == [True, False, True]


# -- edge cases -------------------------------------------------------------------------------
def test_facility_without_demand_in_reach(line):
    demand, supply = line
    far = pd.concat([supply, points([(500000, 0)], index=["far"], cap=[5.0])])
    a = access.two_step_fca(demand, far, 7.0, supply_col="cap")
    b = access.two_step_fca(demand, supply, 7.0, supply_col="cap")
    assert a.tolist() == b.tolist()
    assert a.attrs["report"].supply_unused == 1


def test_demand_without_facility_in_reach_is_zero(line):
    demand, supply = line
    far_demand = pd.concat([demand, points([(500000, 0)], index=["z"], population=[50.0])])
    for result in (
        access.two_step_fca(far_demand, supply, 7.0),
        access.enhanced_two_step_fca(far_demand, supply, {5: 1.0, 10: 0.5}),
        access.gravity(far_demand, supply, 1.0, max_cost=7.0),
    ):
        assert result["z"] == 0.0
        assert result.attrs["report"].demand_unreached == 1
    assert not access.coverage(far_demand, supply, 7.0)["z"]


def test_zero_distance_counts_and_zero_demand_facility(line):
    demand, supply = line
    # zero distance is in reach even for max_cost = 0
    a = access.two_step_fca(demand, supply, 0.0, supply_col="cap")
    assert a.tolist() == pytest.approx([1 / 100, 0.0, 2 / 300])
    # a facility whose only demand in reach has population 0 serves nobody (ratio 0, reported)
    empty = points([(0, 0), (50000, 0)], index=["p", "q"], population=[10.0, 0.0])
    fac = points([(0, 0), (50000, 0)], index=["s", "t"])
    r = access.two_step_fca(empty, fac, 5.0)
    assert r.tolist() == [0.1, 0.0]
    assert r.attrs["report"].supply_zero_demand == 1


def test_single_demand_point_and_facility():
    demand = points([(0, 0)], population=[4.0])
    supply = points([(1000, 0)])
    assert access.two_step_fca(demand, supply, 2.0).tolist() == [0.25]
    assert access.enhanced_two_step_fca(demand, supply, {2: 0.5}).tolist() == [0.25]
    assert access.two_step_fca(demand, supply, 0.5).tolist() == [0.0]


def test_duplicate_points(line):
    demand, supply = line
    doubled = pd.concat([supply, supply.set_axis(["g0", "g1"])])
    a = access.two_step_fca(demand, doubled, 7.0, supply_col="cap")
    b = access.two_step_fca(demand, supply, 7.0, supply_col="cap")
    assert a.tolist() == pytest.approx((2 * b).tolist())
    # splitting a demand point into two identical halves changes nothing for the others
    split = pd.concat([demand, demand.iloc[[1]].set_axis(["b2"])])
    split.loc[["b", "b2"], "population"] = 100.0
    c = access.two_step_fca(split, supply, 7.0, supply_col="cap")
    assert c[["a", "b", "c"]].tolist() == pytest.approx(b.tolist())
    assert c["b2"] == pytest.approx(c["b"])


def test_any_crs_and_polygons(line):
    demand, supply = line
    wgs = demand.to_crs("EPSG:4326")
    assert access.nearest(wgs, supply.to_crs("EPSG:3035")).tolist() == pytest.approx(
        [0.0, 3.0, 0.0], abs=1e-6
    )
    # a polygon stands for its representative point (inside the polygon)
    square = gpd.GeoDataFrame(
        {"population": [10.0]}, geometry=[shapely.box(-1000, -1000, 1000, 1000)], crs=CRS
    )
    assert access.nearest(square, supply).iloc[0] == pytest.approx(0.0, abs=1e-9)


def test_empty_inputs_raise_german_errors(line):
    demand, supply = line
    with pytest.raises(EmptyInputError, match="Nachfrage: die Tabelle ist leer"):
        access.two_step_fca(demand.iloc[0:0], supply, 10)
    with pytest.raises(EmptyInputError, match="Angebot: die Tabelle ist leer"):
        access.nearest(demand, supply.iloc[0:0])


def test_nan_population_raises_german_error(line):
    demand, supply = line
    bad = demand.copy()
    bad.loc["b", "population"] = np.nan
    message = r"Nachfrage, Zeile 3, Spalte „population“: Wert fehlt"
    with pytest.raises(ValidationError, match=message):
        access.two_step_fca(bad, supply, 10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda d, s: access.two_step_fca(d, s, 10, demand_col="einw"), ValidationError,
         "Spalte „einw“ fehlt"),
        (lambda d, s: access.two_step_fca(d, s, 10, supply_col="plaetze"), ValidationError,
         "Spalte „plaetze“ fehlt"),
        (lambda d, s: access.two_step_fca(d, s, -1), KulturplanError,
         "max_cost muss eine Zahl ≥ 0"),
        (lambda d, s: access.two_step_fca(d, s, None), KulturplanError,
         "max_cost .* muss angegeben"),
        (lambda d, s: access.gravity(d, s, -1.0), KulturplanError, "beta muss eine Zahl ≥ 0"),
        (lambda d, s: access.gravity(d, s, 1.0, min_cost=0), KulturplanError, "min_cost muss > 0"),
        (lambda d, s: access.gravity(d, s, 1.0, scale=0), KulturplanError,
         "scale muss eine positive"),
        (lambda d, s: access.nearest(d, s, k=0), KulturplanError, "k muss eine ganze Zahl"),
        (lambda d, s: access.nearest(d, s, cost="luftlinie"), KulturplanError, "ist unbekannt"),
        (lambda d, s: access.nearest(d, s, detour=0.8), KulturplanError, "Umwegfaktor"),
        (lambda d, s: access.nearest(d, s, speed_kmh=-5), KulturplanError, "speed_kmh muss"),
        (lambda d, s: access.enhanced_two_step_fca(d, s, "gaussian", max_cost=5), KulturplanError,
         "sigma"),
        (lambda d, s: access.enhanced_two_step_fca(d, s, {5: -1.0}), KulturplanError,
         "Stufengewichte"),
        (lambda d, s: access.nearest(d.set_crs(None, allow_override=True), s), ValidationError,
         "kein Koordinatenreferenzsystem"),
        (lambda d, s: access.nearest(pd.DataFrame(d), s), KulturplanError, "GeoDataFrame"),
    ],
)
def test_parameter_errors(line, call, error, message):
    demand, supply = line
    with pytest.raises(error, match=message):
        call(demand, supply)


def test_negative_and_invalid_values_are_collected(line):
    demand, supply = line
    bad = supply.copy()
    bad["cap"] = ["-1", "viel"]
    with pytest.raises(ValidationError) as info:
        access.two_step_fca(demand, bad, 10, supply_col="cap")
    text = str(info.value)
    assert "Zeile 2, Spalte „cap“: Wert -1 ist negativ" in text
    assert "Zeile 3, Spalte „cap“: „viel“ ist keine Zahl" in text


def test_od_table_errors(line):
    demand, supply = line
    od = pd.DataFrame({"origin": ["a", "a"], "destination": ["f0", "f0"], "cost": [-1.0, 2.0]})
    with pytest.raises(ValidationError) as info:
        access.nearest(demand, supply, cost=od)
    assert "Zeile 2, Spalte „cost“: Kosten -1 sind negativ" in str(info.value)
    assert "Zeile 3, Spalte „origin“: Paar „a“ → „f0“ kommt mehrfach vor" in str(info.value)
    with pytest.raises(ValidationError, match="Pflichtspalte „cost“ fehlt"):
        access.nearest(demand, supply, cost=od.drop(columns="cost"))
    with pytest.raises(KulturplanError, match="nur für Luftlinienkosten"):
        access.nearest(demand, supply, cost=od, speed_kmh=50)


def test_geometry_errors(line):
    demand, supply = line
    bad = demand.copy()
    bad.loc["b", "geometry"] = shapely.LineString([(0, 0), (1, 1)])
    bad.loc["c", "geometry"] = None
    with pytest.raises(ValidationError) as info:
        access.nearest(bad, supply)
    assert "Zeile 3, Spalte „geometry“: Geometrie ist ein LineString" in str(info.value)
    assert "Zeile 4, Spalte „geometry“: Geometrie fehlt" in str(info.value)


# -- population points and aggregation -----------------------------------------------------------
def tiny_region() -> kp.Region:
    muni = gpd.GeoDataFrame(
        {
            "ags": ["09999001", "09999002"],
            "name": ["Astadt", "Bdorf"],
            "population": [1000.0, 300.0],
            "area_km2": [4.0, 1.5],
        },
        geometry=[shapely.box(0, 0, 2000, 2000), shapely.box(2000, 500, 3000, 2000)],
        crs=CRS,
    )
    return kp.Region(municipalities=muni)


def test_population_points_by_hand():
    pts = kd.population_points(tiny_region(), cell_km=1.0)
    a = pts[pts["ags"] == "09999001"]
    b = pts[pts["ags"] == "09999002"]
    assert len(a) == 4 and a["population"].tolist() == pytest.approx([250.0] * 4)
    # Bdorf covers half of cell (2,0) and all of cell (2,1): 1/3 and 2/3 of its area
    assert sorted(b["population"].round(9).tolist()) == [100.0, 200.0]
    assert sorted(shapely.get_coordinates(b.geometry.values).tolist()) == [
        [2500.0, 750.0], [2500.0, 1500.0]
    ]
    assert pts.crs == CRS and set(pts.columns) >= {"ags", "population", "geometry"}
    fine = kd.population_points(tiny_region(), cell_km=0.5)
    assert fine.groupby("ags")["population"].sum().tolist() == pytest.approx([1000.0, 300.0])
    assert len(fine) == 16 + 6


def test_population_points_cached_and_errors():
    region = tiny_region()
    first = kd.population_points(region)
    first["population"] = 0.0  # a copy is returned; the cache is unaffected
    assert kd.population_points(region)["population"].sum() == pytest.approx(1300.0)
    with pytest.raises(KulturplanError, match="cell_km muss eine positive Zahl"):
        kd.population_points(region, cell_km=0)


def test_aggregate_by_hand():
    demand = points([(0, 0), (1, 0), (2, 0), (3, 0)], population=[100.0, 300.0, 50.0, 0.0],
                    ags=["1", "1", "2", "3"])
    cost = pd.Series([2.0, 6.0, math.inf, math.inf], index=demand.index)
    table = kd.aggregate(cost, demand, threshold=5.0)
    assert table.loc["1", "mean"] == pytest.approx((100 * 2 + 300 * 6) / 400)
    assert table.loc["1", "population_beyond"] == 300.0
    assert table.loc["1", "share_within"] == pytest.approx(0.25)
    assert math.isinf(table.loc["2", "mean"]) and table.loc["2", "share_within"] == 0.0
    assert math.isnan(table.loc["3", "mean"])  # no inhabitants
    covered = pd.Series([True, False, True, False], index=demand.index)
    assert kd.share_covered(covered, demand).tolist()[:2] == pytest.approx([0.25, 1.0])
    assert kd.weighted_mean(cost, demand)["1"] == pytest.approx(5.0)
    assert table.loc["2", "population_beyond"] == 50.0


# -- properties --------------------------------------------------------------------------------
coords = st.lists(
    st.tuples(st.floats(0, 40_000, allow_nan=False), st.floats(0, 40_000, allow_nan=False)),
    min_size=1, max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(dem=coords, sup=coords, extra=st.tuples(st.floats(0, 40_000), st.floats(0, 40_000)),
       radius=st.floats(0.5, 30.0))
def test_adding_a_facility_never_hurts(dem, sup, extra, radius):
    demand = points(dem)
    supply = points(sup)
    more = points([*sup, extra])
    before_cov = access.coverage(demand, supply, radius)
    after_cov = access.coverage(demand, more, radius)
    assert (after_cov | ~before_cov).all()  # covered stays covered
    before = access.nearest(demand, supply)
    after = access.nearest(demand, more)
    assert (after <= before).all()


@settings(max_examples=60, deadline=None)
@given(dem=coords, sup=coords, radius=st.floats(0.5, 30.0),
       pops=st.lists(st.floats(1, 1e5), min_size=25, max_size=25),
       caps=st.lists(st.floats(0, 50), min_size=25, max_size=25))
def test_two_step_fca_conserves_supply(dem, sup, radius, pops, caps):
    demand = points(dem, population=pops[: len(dem)])
    supply = points(sup, cap=caps[: len(sup)])
    a = access.two_step_fca(demand, supply, radius, supply_col="cap")
    # facilities with demand in reach: the distance to their nearest demand point <= radius
    served = access.coverage(supply, demand, radius)
    expected = supply["cap"][served.to_numpy()].sum()
    assert (a * demand["population"]).sum() == pytest.approx(expected, rel=1e-9, abs=1e-9)


# -- agreement with PySAL access -----------------------------------------------------------------
def pysal_measures(demand, supply, max_cost_km: float, supply_col: str, *, sigma_km: float,
                   beta: float, min_cost_km: float) -> dict[str, pd.Series]:
    """PySAL access end to end: its create_euclidean_distance (metres), then the measures."""
    from access import Access, weights

    logging.getLogger("access").setLevel(logging.WARNING)
    demand = demand[["population", "geometry"]].rename_axis("demand_id")
    supply = supply[[supply_col, "geometry"]].rename_axis("supply_id")
    acc = Access(demand_df=demand, demand_index=True,
                 demand_value="population", supply_df=supply,
                 supply_index=True, supply_value=supply_col)
    max_m = max_cost_km * 1000
    # PySAL keeps pairs with distance < threshold; the measures then use cost <= max_cost
    acc.create_euclidean_distance(threshold=max_m * 1.01)
    steps = {k * 1000: v for k, v in access.E2SFCA_STEPS.items()}
    out = {
        "2sfca": acc.two_stage_fca(max_cost=max_m)[f"2sfca_{supply_col}"],
        "e2sfca": acc.enhanced_two_stage_fca(max_cost=max_m, weight_fn=weights.step_fn(steps))[
            f"e2sfca_{supply_col}"],
        "gaussian": acc.enhanced_two_stage_fca(name="g2sfca", max_cost=max_m,
                                               weight_fn=weights.gaussian(sigma_km * 1000))[
            f"g2sfca_{supply_col}"],
        "gravity": acc.weighted_catchment(
            max_cost=max_m,
            weight_fn=weights.gravity(scale=1000, alpha=-beta, min_dist=min_cost_km * 1000),
        )[f"catchment_{supply_col}"],
        "2sfca_norm": acc.two_stage_fca(name="n2sfca", max_cost=max_m, normalize=True)[
            f"n2sfca_{supply_col}"],
    }
    # PySAL leaves demand without any facility in reach empty (NaN); kulturplan gives 0
    return {k: v.reindex(demand.index).fillna(0.0) for k, v in out.items()}


def ours_measures(demand, supply, max_cost_km, supply_col, *, sigma_km, beta, min_cost_km):
    return {
        "2sfca": access.two_step_fca(demand, supply, max_cost_km, supply_col=supply_col),
        "e2sfca": access.enhanced_two_step_fca(demand, supply, max_cost=max_cost_km,
                                               supply_col=supply_col),
        "gaussian": access.enhanced_two_step_fca(demand, supply, "gaussian", max_cost_km,
                                                 sigma=sigma_km, supply_col=supply_col),
        "gravity": access.gravity(demand, supply, beta, max_cost_km, min_cost=min_cost_km,
                                  supply_col=supply_col),
        "2sfca_norm": access.two_step_fca(demand, supply, max_cost_km, supply_col=supply_col,
                                          normalize=True),
    }


def test_matches_pysal_on_random_points():
    rng = np.random.default_rng(1)
    demand = points(rng.uniform(0, 60_000, (300, 2)), index=[f"d{i}" for i in range(300)],
                    population=rng.integers(0, 5000, 300).astype(float))
    supply = points(rng.uniform(0, 60_000, (40, 2)), index=[f"s{i}" for i in range(40)],
                    cap=rng.integers(1, 4, 40).astype(float))
    kw = {"sigma_km": 8.0, "beta": 1.5, "min_cost_km": 0.5}
    ref = pysal_measures(demand, supply, 12.0, "cap", **kw)
    ours = ours_measures(demand, supply, 12.0, "cap", **kw)
    for name in ref:
        assert max_rel_diff(ours[name], ref[name]) <= 1e-9, name
    assert (ours["2sfca"] == 0).any()  # some demand points are out of reach


def register_centres(path: Path) -> gpd.GeoDataFrame:
    """Municipality centres and populations of the Destatis register (official importer).

    Records without coordinates (3 uninhabited "…999" areas: coastal waters and the
    German–Luxembourg condominium) cannot be demand points and are left out explicitly.
    """
    from kulturplan.sources.destatis import read_register

    muni = read_register(path).municipalities
    ok = muni["lon"].notna() & muni["lat"].notna()
    muni = muni[ok]
    return gpd.GeoDataFrame(
        {"population": muni["population"].to_numpy(float)},
        index=pd.Index(muni.index, name="ags"),
        geometry=gpd.points_from_xy(muni["lon"], muni["lat"]),
        crs="EPSG:4326",
    ).to_crs(CRS)


@pytest.fixture(scope="module")
def register_demand_supply():
    if not REGISTER.exists():
        pytest.skip(f"Reale Daten fehlen: {REGISTER} (../shared/data ist nicht vorhanden)")
    demand = register_centres(REGISTER)
    rng = np.random.default_rng(2020)
    supply = demand.iloc[np.sort(rng.choice(len(demand), 2000, replace=False))][["geometry"]]
    supply = supply.set_axis(pd.Index([f"s{i:04d}" for i in range(2000)], name="fid"))
    supply["cap"] = rng.integers(1, 6, 2000).astype(float)
    return demand, supply


@pytest.mark.realdata
def test_register_parsing(register_demand_supply):
    demand, _ = register_demand_supply
    assert len(demand) == 11001  # 11,004 municipalities, 3 without coordinates
    assert demand.loc["01001000", "population"] == 90164  # Flensburg
    assert demand["population"].sum() == 83_166_711


@pytest.mark.realdata
def test_matches_pysal_on_register(register_demand_supply):
    demand, supply = register_demand_supply
    kw = {"sigma_km": 10.0, "beta": 1.0, "min_cost_km": 1.0}
    ref = pysal_measures(demand, supply, 30.0, "cap", **kw)
    ours = ours_measures(demand, supply, 30.0, "cap", **kw)
    diffs = {name: max_rel_diff(ours[name], ref[name]) for name in ref}
    assert max(diffs.values()) <= 1e-9, diffs
    assert ours["2sfca"].attrs["report"].n_pairs > 200_000


def test_matches_pysal_on_demo():
    region = kp.demo.musterland(seed=0)
    demand = kd.population_points(region).rename_axis("point")
    supply = region.facilities[["geometry"]].copy()
    supply["one"] = 1.0  # every facility counts 1 (supply_col=None in kulturplan)
    kw = {"sigma_km": 6.0, "beta": 1.2, "min_cost_km": 1.0}
    ref = pysal_measures(demand, supply, 15.0, "one", **kw)
    ours = ours_measures(demand, supply, 15.0, "one", **kw)
    # supply_col=None (every facility counts 1) equals an explicit column of ones
    assert access.two_step_fca(demand, supply, 15.0).equals(ours["2sfca"])
    diffs = {name: max_rel_diff(ours[name], ref[name]) for name in ref}
    assert max(diffs.values()) <= 1e-9, diffs
    # the municipality centres as demand (representative points of the polygons)
    centres = region.municipalities[["population", "geometry"]]
    ref_c = pysal_measures(centres.set_geometry(centres.representative_point()), supply, 15.0,
                           "one", **kw)
    ours_c = ours_measures(centres, supply, 15.0, "one", **kw)
    assert max(max_rel_diff(ours_c[n], ref_c[n]) for n in ref_c) <= 1e-9


def test_parameter_mistakes_are_parameter_errors_and_value_errors(line):
    from kulturplan.errors import ParameterError

    demand, supply = line
    with pytest.raises(ParameterError, match="k muss eine ganze Zahl ≥ 1 sein"):
        access.nearest(demand, supply, k=0)
    with pytest.raises(ValueError, match="max_cost muss eine Zahl ≥ 0 sein"):
        access.two_step_fca(demand, supply, -1)
    assert not hasattr(access, "AccessParameterError")  # one error tree, in errors.py
