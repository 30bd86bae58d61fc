"""Solver reference of sensing_map: the minimum-trace PSD interpolant of every (seed, m), as low_rank solves it."""

from __future__ import annotations

from ..low_rank.reference import min_trace_references
from .problem import low_rank_settings


def reference(settings: dict, seeds: list[int]) -> dict:
    """The SDP solutions (cvxpy, Clarabel) of every sensing problem of the map, by seed and m."""
    return {"min_trace": min_trace_references(low_rank_settings(settings), seeds)}
