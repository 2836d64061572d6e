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
