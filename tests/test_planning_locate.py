"""The geographic front end of the location models (kulturplan.planning.locate).

Reference: brute-force enumeration of every set of new sites on the tiny region
(``conftest.py``: Musikschule F03 in Cestadt; Veranstaltungsräume F06 in Aheim and F08
in Bedorf) with numpy distances — small enough to be checked by hand.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import kulturplan as kp
from kulturplan import access, demand
from kulturplan.errors import ParameterError
from kulturplan.planning.compare import compare, reach_id
from kulturplan.planning.locate import candidate_sites, locate

AHEIM, BEDORF, CESTADT, DEWALD = "99001001", "99001002", "99001003", "99001004"
CENTRES = np.array([(502_500, 5_702_500), (507_500, 5_702_500), (502_500, 5_707_500),
                    (507_500, 5_707_500)], dtype=float)
POP = np.array([1_000, 2_500, 12_000, 500], dtype=float)
F03 = (502_000, 5_707_000)
SITES = {"F06": (502_500, 5_702_500), "F08": (508_000, 5_703_000)}


def _km(points: np.ndarray, sites: list[tuple[float, float]]) -> np.ndarray:
    s = np.asarray(sites, dtype=float)
    return np.hypot(points[:, :1] - s[:, 0], points[:, 1:] - s[:, 1]) / 1000.0


def _brute(points, weights, candidates: dict, k: int, kind: str, max_cost: float = np.inf):
    """Best objective and site ids over every k-subset (existing F03 always open)."""
    best = None
    for combo in itertools.combinations(sorted(candidates), k):
        d = _km(points, [F03, *[candidates[c] for c in combo]]).min(axis=1)
        value = (weights * (d <= max_cost)).sum() if kind == "mclp" else (weights * d).sum()
        better = best is None or (value > best[0] if kind == "mclp" else value < best[0])
        if better:
            best = (value, combo)
    return best


def test_cost_matrix_is_sparse_and_keeps_explicit_zeros():
    dem = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(1000, 0)], crs=kp.CRS)
    sup = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(5000, 0)], crs=kp.CRS)
    matrix, report = access.cost_matrix(dem, sup, 2.0)
    assert matrix.nnz == 2 and matrix.shape == (2, 2)
    assert matrix[0, 0] == 0.0 and matrix[1, 0] == 1.0  # stored 0 = a real cost 0
    assert report.supply_unused == 1


def test_mclp_on_centres_by_hand(tiny_region):
    p = locate(tiny_region, "musikschule", "mclp", k=1, max_cost=3.0, demand="centres")
    # F03 reaches Cestadt (0.71 km); F08 reaches Bedorf (0.71 km), F06 only Aheim
    assert list(p.sites.index) == ["F08"]
    assert p.result.status == "optimal"
    assert p.result.objective == pytest.approx(12_000 + 2_500)
    assert p.result.baseline_objective == pytest.approx(12_000)
    assert p.gain == pytest.approx(2_500)
    assert p.sites.at["F08", "population"] == pytest.approx(2_500)
    assert list(p.existing.index) == ["F03"] and 0 in p.result.selected  # fixed kept
    both = locate(tiny_region, "musikschule", "mclp", k=2, max_cost=3.0, demand="centres")
    assert sorted(both.sites.index) == ["F06", "F08"]
    assert both.result.objective == pytest.approx(15_500)


@pytest.mark.parametrize("kind", ["mclp", "p_median"])
@pytest.mark.parametrize("k", [1, 2])
def test_points_and_grid_candidates_match_brute_force(tiny_region, kind, k):
    pts = demand.population_points(tiny_region)
    pts = pts[pts["population"] > 0]
    xy = shapely.get_coordinates(pts.geometry.values)
    w = pts["population"].to_numpy()
    grid = candidate_sites(tiny_region, "musikschule", "grid", grid_km=2.5)
    assert len(grid) == 16  # 4 × 4 cell centres inside the 10 × 10 km region
    cands = dict(zip(grid.index, shapely.get_coordinates(grid.geometry.values).tolist(),
                     strict=True))
    p = locate(tiny_region, "musikschule", kind, k=k, candidates="grid", grid_km=2.5,
               max_cost=4.0 if kind == "mclp" else None)
    value, combo = _brute(xy, w, cands, k, kind, 4.0 if kind == "mclp" else np.inf)
    assert p.result.status == "optimal"
    assert p.result.objective == pytest.approx(value, rel=1e-9)
    if kind == "p_median":
        assert p.result.baseline_objective == pytest.approx(
            (w * _km(xy, [F03]).min(axis=1)).sum(), rel=1e-9)
    assert len(p.sites) == k and set(p.sites.index) <= set(grid.index)


def test_p_median_by_hand_on_centres(tiny_region):
    p = locate(tiny_region, "musikschule", "p_median", k=1, demand="centres")
    d = _km(CENTRES, [F03, SITES["F08"]]).min(axis=1)
    assert list(p.sites.index) == ["F08"]
    assert p.result.objective == pytest.approx((POP * d).sum(), rel=1e-9)
    assert p.unreachable == 0


def test_proposal_flows_into_compare(tiny_region):
    p = locate(tiny_region, "musikschule", "mclp", k=1, max_cost=4.0)
    scenario = p.as_scenario()
    assert scenario.name.startswith("Vorschlag: 1 × Musikschule")
    assert scenario.edits[0].name == f"{p.sites['name'].iloc[0]} (Vorschlag 1)"
    c = compare(tiny_region, scenario, ids=[], reach={"musikschule": (4.0, "km")})
    total = c.totals().loc[(scenario.name, reach_id("musikschule", 4.0, "km"))]
    # the inhabitants within reach after the proposal = the MCLP objective
    assert total["value"] == pytest.approx(p.result.objective, rel=1e-9)
    assert total["change"] == pytest.approx(p.gain, rel=1e-9)


def test_user_list_and_od_table(tiny_region):
    user = gpd.GeoDataFrame({"name": ["Schule Dewald", "Schule Aheim"]},
                            geometry=[shapely.Point(507_500, 5_707_500),
                                      shapely.Point(502_500, 5_702_500)],
                            index=["S1", "S2"], crs=kp.CRS)
    # routing table: only these pairs exist; Dewald's school is 5 minutes from Dewald
    od = pd.DataFrame({
        "origin": [CESTADT, DEWALD, AHEIM, AHEIM, BEDORF],
        "destination": ["F03", "S1", "S2", "F03", "S1"],
        "cost": [3.0, 5.0, 4.0, 25.0, 12.0],
    })
    p = locate(tiny_region, "musikschule", "mclp", k=1, candidates=user, cost=od,
               max_cost=10.0, demand="centres")
    assert list(p.sites.index) == ["S2"]  # Aheim (1,000) beats Dewald (500); Bedorf is 12 min
    assert p.result.objective == pytest.approx(13_000)


def test_german_errors(tiny_region):
    with pytest.raises(ParameterError, match="Sparte „oper“ ist unbekannt"):
        locate(tiny_region, "oper", "mclp", k=1, max_cost=5)
    with pytest.raises(ParameterError, match="kind='median' ist unbekannt"):
        locate(tiny_region, "musikschule", "median", k=1, max_cost=5)
    with pytest.raises(ParameterError, match="max_cost"):
        locate(tiny_region, "musikschule", "mclp", k=1)
    with pytest.raises(ParameterError, match="keine möglichen Standorte"):
        locate(tiny_region, "musikschule", "mclp", k=1, max_cost=5,
               candidate_categories=("galerie",))
    with pytest.raises(ParameterError, match="candidates='alle' ist unbekannt"):
        locate(tiny_region, "musikschule", "mclp", k=1, max_cost=5, candidates="alle")
    with pytest.raises(ParameterError, match="unit='m' ist unbekannt"):
        locate(tiny_region, "musikschule", "mclp", k=1, max_cost=5, unit="m")
    with pytest.raises(ParameterError):  # more new sites than candidates (P1's check)
        locate(tiny_region, "musikschule", "mclp", k=3, max_cost=5)


def _grid_instance(tiny_region):
    pts = demand.population_points(tiny_region)
    pts = pts[pts["population"] > 0]
    xy = shapely.get_coordinates(pts.geometry.values)
    grid = candidate_sites(tiny_region, "musikschule", "grid", grid_km=2.5)
    cands = dict(zip(grid.index, shapely.get_coordinates(grid.geometry.values).tolist(),
                     strict=True))
    return xy, cands


def test_p_center_and_lscp_match_brute_force(tiny_region):
    xy, cands = _grid_instance(tiny_region)
    p = locate(tiny_region, "musikschule", "p_center", k=1, candidates="grid", grid_km=2.5)
    longest = min(_km(xy, [F03, cands[c]]).min(axis=1).max() for c in cands)
    assert p.result.status == "optimal"
    assert p.result.objective == pytest.approx(longest, rel=1e-9)
    assert p.gain == pytest.approx(_km(xy, [F03]).min(axis=1).max() - longest, rel=1e-9)
    cover = locate(tiny_region, "musikschule", "lscp", candidates="grid", grid_km=2.5,
                   max_cost=4.0)
    fewest = next(n for n in range(len(cands) + 1) if any(
        (_km(xy, [F03, *[cands[c] for c in combo]]).min(axis=1) <= 4.0).all()
        for combo in itertools.combinations(sorted(cands), n)))
    assert cover.result.status == "optimal" and len(cover.sites) == fewest
    assert (_km(xy, [F03, *cover.sites.geometry.apply(lambda g: (g.x, g.y))]).min(axis=1)
            <= 4.0).all()


def test_k_zero_reproduces_the_baseline(tiny_region):
    p = locate(tiny_region, "musikschule", "mclp", k=0, max_cost=3.0, demand="centres")
    assert p.sites.empty and p.result.objective == pytest.approx(12_000)
    assert p.as_scenario().edits == ()
