"""Exact location optimisation with HiGHS (work in progress: API skeleton)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LocationResult:
    """Result of a location model (see the module docstring)."""

    model: str
    selected: np.ndarray
    new: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    assignment: np.ndarray
    baseline_objective: float
    seconds: float
    method: str


def p_median(cost, weights=None, *, k, fixed=None, capacity=None, time_limit=None):
    raise NotImplementedError


def mclp(cost, weights, *, k, max_cost, fixed=None, time_limit=None):
    raise NotImplementedError


def lscp(cost, *, max_cost, fixed=None, time_limit=None):
    raise NotImplementedError


def p_center(cost, weights=None, *, k, fixed=None, time_limit=None):
    raise NotImplementedError
