"""Population points of a region on its road network (:mod:`kulturplan.routing.region`).

The hand-built region and network of :mod:`test_ui_fahrzeiten` (answers by hand there):
car times to the facility a 0, b1 3, b2 13 min; point c lies 8 km from the network.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_ui_fahrzeiten import OSM, _network, _region

from kulturplan import access
from kulturplan.errors import ParameterError
from kulturplan.routing import region as region_network
from kulturplan.routing.region import RegionNetwork, for_region


@pytest.fixture
def networks(monkeypatch):
    cache = {(OSM, m): _network(m) for m in ("car", "bike", "walk")}
    monkeypatch.setattr(region_network, "_NETWORKS", cache)
    return cache


def test_region_network_exact(networks):
    region = _region()
    road = for_region(region)
    assert road is not None and for_region(region) is road  # one per region and cell size
    assert for_region(region, cell_km=0.5) is not road
    assert road.network("car") is networks[(OSM, "car")]
    assert road.on_network("car").tolist() == [True, True, True, False]
    assert road.points_on("car").index.tolist() == [0, 1, 2]
    assert road.network_share("car") == pytest.approx(300 / 350 * 100)
    od = road.od_table(region.facilities, "car")
    assert od.set_index("origin")["cost"].iloc[:3].tolist() == pytest.approx([0.0, 3.0, 13.0])
    assert road.od_table(region.facilities, "car") is od  # cached
    short = road.od_table(region.facilities, "car", max_minutes=5.0)
    assert short.set_index("origin")["cost"].loc[[0, 1]].tolist() == pytest.approx([0.0, 3.0])
    assert 2 not in set(short["origin"])  # b2: 13 min, beyond the bound
    cost = road.nearest_costs(region.facilities, "car")
    assert cost.iloc[:3].tolist() == pytest.approx([0.0, 3.0, 13.0])
    assert np.isnan(cost.iloc[3])
    # the OD table is the cost= of every access measure
    covered = access.coverage(road.points_on("car"), region.facilities, 5.0, cost=od)
    assert covered.tolist() == [True, True, False]
    none = road.nearest_costs(region.facilities.iloc[0:0], "car")
    assert np.isinf(none.iloc[:3]).all() and np.isnan(none.iloc[3])


def test_region_network_needs_osm_and_known_mode(networks):
    assert for_region(_region(osm=False)) is None
    with pytest.raises(ParameterError, match="keine OpenStreetMap-Datei"):
        RegionNetwork(_region(osm=False))
    with pytest.raises(ParameterError, match="kein Verkehrsmittel"):
        RegionNetwork(_region()).network("bus")
