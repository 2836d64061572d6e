"""Planning: what-if scenarios and exact location optimisation (issue 10)."""

from __future__ import annotations

from kulturplan.planning.optimize import LocationResult, lscp, mclp, p_center, p_median

__all__ = [
    "LocationResult",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
]

# scenarios, their comparison and the geographic front end of the location models
from kulturplan.planning.compare import Comparison, compare
from kulturplan.planning.locate import Proposal, candidate_sites, locate
from kulturplan.planning.scenario import (
    AddFacility,
    ChangeFacility,
    MobileOffer,
    MoveFacility,
    RemoveFacility,
    ScaleDemand,
    Scenario,
    ScenarioRegion,
)

__all__ += [
    "AddFacility",
    "ChangeFacility",
    "Comparison",
    "MobileOffer",
    "MoveFacility",
    "Proposal",
    "RemoveFacility",
    "ScaleDemand",
    "Scenario",
    "ScenarioRegion",
    "candidate_sites",
    "compare",
    "locate",
]
