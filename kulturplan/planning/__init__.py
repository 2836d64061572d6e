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
