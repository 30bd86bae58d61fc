"""Checks of a config that a JSON schema cannot express, and the plan of jobs.

The schema (``workflow/schemas/config.schema.yaml``) fixes types, ranges and
defaults.  This module then checks names against the registry of experiments,
expands each grid into cells and batches, and refuses what would silently do
the wrong thing (a duplicated seed, an include/exclude that matches nothing).
Every error names the key path, the bad value and the valid choices.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from . import grid
from .experiments import EXPERIMENTS


class ConfigError(ValueError):
    """A config that must not start any job."""


def load(path: str | Path) -> dict:
    """Read a YAML config with the safe loader."""
    with open(path) as fh:
        return yaml.safe_load(fh)


def _choices(values) -> str:
    return ", ".join(sorted(values))


def check_block(name: str, block: dict) -> list[grid.Cell]:
    """Validate one experiment block's names and grid; return its cells."""
    where = f"experiments.{name}"
    if name not in EXPERIMENTS:
        raise ConfigError(f"{where}: unknown experiment {name!r}; valid experiments: {_choices(EXPERIMENTS)}")
    spec = EXPERIMENTS[name]
    entries = [("grid", block["grid"])]
    entries += [(f"include[{i}]", e) for i, e in enumerate(block.get("include") or [])]
    entries += [(f"exclude[{i}]", e) for i, e in enumerate(block.get("exclude") or [])]
    for label, entry in entries:
        for axis in grid.NAME_AXES:
            for value in grid._as_list(entry.get(axis, [])):
                if value not in spec.choices(axis):
                    raise ConfigError(
                        f"{where}.{label}.{axis}: unknown {axis} {value!r}; "
                        f"valid choices for {name}: {_choices(spec.choices(axis))}"
                    )
        seeds = grid._as_list(entry.get("seed", []))
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"{where}.{label}.seed: duplicate seed in {seeds}; each seed must appear once")
    try:
        return grid.expand(block, where=where)
    except grid.GridError as err:
        raise ConfigError(str(err)) from None


def plan(config: dict) -> dict[str, dict[str, list[grid.Cell]]]:
    """experiment → batch id → cells, for every experiment of the config."""
    experiments = config.get("experiments") or {}
    if not experiments:
        raise ConfigError(f"experiments: no experiment given; valid experiments: {_choices(EXPERIMENTS)}")
    return {name: grid.batches(check_block(name, block)) for name, block in experiments.items()}


def batch_spec(config: dict, experiment: str, cells: list[grid.Cell]) -> dict:
    """Everything a training job needs, as plain data (it becomes the job's params,
    so a change to any of it reruns exactly the batches it concerns)."""
    return {
        "experiment": experiment,
        "settings": config["experiments"][experiment]["settings"],
        "device": config["device"],
        "dtype": config["dtype"],
        "cells": [[c.model, c.loss, c.optimizer, c.eta, c.sigma, c.seed] for c in cells],
    }
