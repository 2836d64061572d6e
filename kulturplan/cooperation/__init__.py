"""Cooperation between municipalities: calendar collisions and cost sharing (this branch).

The lead merges this file with the cooperation branch's ``__init__``.
"""

from kulturplan.cooperation.calendar import event_collisions, event_places
from kulturplan.cooperation.costs import (
    airport,
    by_benefit,
    by_inhabitants,
    by_usage,
    core_is_empty,
    core_violations,
    cost_shares,
    kulturumlage,
    nucleolus,
    shapley,
)

__all__ = [
    "airport",
    "by_benefit",
    "by_inhabitants",
    "by_usage",
    "core_is_empty",
    "core_violations",
    "cost_shares",
    "event_collisions",
    "event_places",
    "kulturumlage",
    "nucleolus",
    "shapley",
]
