"""Needs analysis (Bedarfsanalyse): resident survey, weighting and weighted results.

Import a survey export with its codebook (:func:`read_survey`), weight it to the
population of the region by raking (:func:`population_margins`, :func:`rake`) and
compute weighted shares and means with confidence intervals that account for the
weighting (:mod:`kulturplan.needs.results`).
"""

from kulturplan.needs.questionnaire import Codebook, Item, standard_codebook
from kulturplan.needs.results import (
    barrier_profile,
    distribution,
    mean,
    share,
    small_area,
    sparte_table,
    wilson_interval,
)
from kulturplan.needs.survey import SurveyImport, SurveyReport, read_survey
from kulturplan.needs.weighting import (
    Margins,
    RakeResult,
    design_effect,
    effective_n,
    population_margins,
    rake,
    weight_survey,
)

__all__ = [
    "Codebook",
    "Item",
    "standard_codebook",
    "SurveyImport",
    "SurveyReport",
    "read_survey",
    "Margins",
    "RakeResult",
    "design_effect",
    "effective_n",
    "population_margins",
    "rake",
    "weight_survey",
    "barrier_profile",
    "distribution",
    "mean",
    "share",
    "small_area",
    "sparte_table",
    "wilson_interval",
]

# demography (age structure, projection) and needs against supply
from kulturplan.needs.demography import (
    Projection,
    age_structure,
    base_population,
    prefer_official,
    project_population,
    read_official_projection,
)
from kulturplan.needs.supply import (
    compare_needs_supply,
    demand_table,
    needs_against_supply,
    supply_in_reach,
)

__all__ += [
    "Projection",
    "age_structure",
    "base_population",
    "prefer_official",
    "project_population",
    "read_official_projection",
    "compare_needs_supply",
    "demand_table",
    "needs_against_supply",
    "supply_in_reach",
]
