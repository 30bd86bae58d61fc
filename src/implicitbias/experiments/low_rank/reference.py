"""Solver reference of low_rank: the minimum-trace PSD interpolant of each sensing problem (SDP)."""

from __future__ import annotations

import warnings

from ...numerics.sdp import min_trace_psd
from .problem import sensing_problem


def min_trace_references(settings: dict, seeds: list[int]) -> dict:
    """The minimum-trace PSD interpolant (SDP) of every sensing problem, by seed and m."""
    s = settings["sensing"]
    out = {}
    for seed in seeds:
        for m in s["measurements"]:
            _, A, y = sensing_problem(seed, s["n"], s["rank"], m)
            with warnings.catch_warnings():  # an "inaccurate" solve is recorded in its status
                warnings.simplefilter("ignore", UserWarning)
                sol = min_trace_psd(A, y)
            out[f"{seed}/{m}"] = {**sol, "X": sol["X"].tolist()}
    return out


def reference(settings: dict, seeds: list[int]) -> dict:
    """The cached solver reference: the SDP solutions of part (a)."""
    return {"min_trace": min_trace_references(settings, seeds)}
