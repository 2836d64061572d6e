"""Cooperation across municipal borders (Interkommunale Zusammenarbeit).

* :func:`similar_municipalities` – places like mine (CIPFA nearest neighbours)
* :func:`network_typology` – small vs. large/culture-strong municipalities, network suggestion
* :func:`partners` – complementary partners within reach, with German reasons
* :func:`duplicate_offers` – possible duplicated offers (a warning list, never a merge)
* :func:`tandems` – best-practice projects and where a transfer fits
* :func:`assign` / :func:`match_volunteers` – Freiwilligenbörse (optimal matching)
* :func:`event_collisions` – calendar collisions (same weekend, nearby, same Sparte/target group)
* :func:`shapley`, :func:`nucleolus`, :func:`airport`, :func:`kulturumlage`,
  :func:`cost_shares` – fair cost sharing

Events near each other in time and space: :func:`kulturplan.cooperation._events.near_pairs`
(also for calendar collisions).
"""

from __future__ import annotations

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
from kulturplan.cooperation.duplicates import duplicate_offers, event_positions, find_duplicates
from kulturplan.cooperation.networks import network_typology, typology_rule_text
from kulturplan.cooperation.partners import partners
from kulturplan.cooperation.similar import profile_table, similar_municipalities
from kulturplan.cooperation.tandems import best_practice_projects, tandems
from kulturplan.cooperation.volunteers import VolunteerMatch, assign, match_volunteers

__all__ = [
    "VolunteerMatch",
    "airport",
    "assign",
    "best_practice_projects",
    "by_benefit",
    "by_inhabitants",
    "by_usage",
    "core_is_empty",
    "core_violations",
    "cost_shares",
    "duplicate_offers",
    "event_collisions",
    "event_places",
    "event_positions",
    "find_duplicates",
    "kulturumlage",
    "match_volunteers",
    "network_typology",
    "nucleolus",
    "partners",
    "profile_table",
    "shapley",
    "similar_municipalities",
    "tandems",
    "typology_rule_text",
]
