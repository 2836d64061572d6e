"""Cooperation across municipal borders (Interkommunale Zusammenarbeit).

* :func:`similar_municipalities` – places like mine (CIPFA nearest neighbours)
* :func:`network_typology` – small vs. large/culture-strong municipalities, network suggestion
* :func:`partners` – complementary partners within reach, with German reasons
* :func:`duplicate_offers` – possible duplicated offers (a warning list, never a merge)
* :func:`tandems` – best-practice projects and where a transfer fits
* :func:`assign` / :func:`match_volunteers` – Freiwilligenbörse (optimal matching)

Events near each other in time and space: :func:`kulturplan.cooperation._events.near_pairs`
(also for calendar collisions).
"""

from __future__ import annotations

from kulturplan.cooperation.duplicates import duplicate_offers, event_positions, find_duplicates
from kulturplan.cooperation.networks import network_typology, typology_rule_text
from kulturplan.cooperation.partners import partners
from kulturplan.cooperation.similar import profile_table, similar_municipalities
from kulturplan.cooperation.tandems import best_practice_projects, tandems
from kulturplan.cooperation.volunteers import VolunteerMatch, assign, match_volunteers

__all__ = [
    "VolunteerMatch",
    "assign",
    "best_practice_projects",
    "duplicate_offers",
    "event_positions",
    "find_duplicates",
    "match_volunteers",
    "network_typology",
    "partners",
    "profile_table",
    "similar_municipalities",
    "tandems",
    "typology_rule_text",
]
