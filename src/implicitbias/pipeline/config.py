"""Checks of a config that a JSON schema cannot express, and the plan of jobs.

The schema (the workflow's root composed with each experiment's fragment,
:mod:`implicitbias.pipeline.schema`) fixes types, ranges and defaults.  This
module then checks names against each experiment's contract, the combinations
it allows and whether it takes label noise, expands each grid into cells and
batches, and refuses what would silently do the wrong thing (a duplicated
seed, an include/exclude that matches nothing).  All of it runs before any job
is planned; every error names the key path, the bad value and the valid
choices.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from jsonschema import ValidationError

from ..experiments import EXPERIMENTS
from . import chunks, grid, schema


class ConfigError(ValueError):
    """A config that must not start any job."""


def load(path: str | Path) -> dict:
    """Read a YAML config with the safe loader."""
    with open(path) as fh:
        return yaml.safe_load(fh)


def key_path(parts) -> str:
    """``experiments.<name>.grid.eta[1]`` from a jsonschema path."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def explain(error: BaseException) -> str:
    """One message for a config that failed: key path, bad value, valid choices or range.

    Accepts a :class:`ConfigError`, or Snakemake's ``WorkflowError`` wrapping the
    jsonschema ``ValidationError`` raised by ``snakemake.utils.validate``.
    """
    import jsonschema

    e = error
    while e is not None and not isinstance(e, jsonschema.ValidationError):
        e = e.__cause__ or e.__context__  # validate() raises WorkflowError inside its except
    if e is None:
        return f"config error: {error}"
    schema = e.schema if isinstance(e.schema, dict) else {}
    hint = {
        "enum": lambda: "valid choices: " + ", ".join(map(str, e.validator_value)),
        "minimum": lambda: f"valid range: >= {e.validator_value}",
        "exclusiveMinimum": lambda: f"valid range: > {e.validator_value}",
        "maximum": lambda: f"valid range: <= {e.validator_value}",
        "exclusiveMaximum": lambda: f"valid range: < {e.validator_value}",
        "type": lambda: f"expected type: {e.validator_value}",
        "additionalProperties": lambda: "valid keys: " + ", ".join(schema.get("properties", {})),
        "required": lambda: "required keys: " + ", ".join(e.validator_value),
        "minItems": lambda: f"at least {e.validator_value} item(s) needed",
        "minProperties": lambda: f"at least {e.validator_value} entry needed",
    }.get(e.validator, lambda: "")()
    what = schema.get("description", "").strip()
    parts = [f"config error at {key_path(e.absolute_path)}: {e.message}", hint, what and f"({what})"]
    return "; ".join(p for p in parts if p)


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
            for value in grid.as_list(entry.get(axis, [])):
                if value not in spec.choices(axis):
                    raise ConfigError(
                        f"{where}.{label}.{axis}: unknown {axis} {value!r}; "
                        f"valid choices for {name}: {_choices(spec.choices(axis))}"
                    )
        seeds = grid.as_list(entry.get("seed", []))
        bad = [s for s in seeds if not isinstance(s, int) or isinstance(s, bool)]
        if bad:
            raise ConfigError(f"{where}.{label}.seed: {bad[0]!r} is not an integer seed; seeds are integers >= 0")
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"{where}.{label}.seed: duplicate seed in {seeds}; each seed must appear once")
    try:
        cells = grid.expand(block, where=where)
    except grid.GridError as err:
        raise ConfigError(str(err)) from None
    for c in cells:
        if not spec.allows(c.model, c.loss, c.optimizer):
            raise ConfigError(
                f"{where}: model {c.model!r} with loss {c.loss!r} and optimizer {c.optimizer!r} "
                f"is not supported; allowed combinations for {name}: {spec.combinations()}"
            )
        if c.sigma != 0 and not spec.noisy_labels:
            raise ConfigError(f"{where}.sigma: {c.sigma:g} is not allowed; {name} takes no label noise, valid: 0")
    return cells


def plan(
    config: dict, root_schema: str | Path | None = None, results: str | Path | None = None
) -> dict[str, dict[str, list[grid.Cell]]]:
    """Validate ``config`` (filling in defaults) and return experiment → chunk id → cells.

    The chunks are those recorded in the folder ``results`` (the Snakefile's
    ``results``; None: a fresh run, nothing recorded) that still hold a cell of
    the grid, then new ones for the other cells (:mod:`implicitbias.pipeline.chunks`).
    Raises :class:`ConfigError` with one message (see :func:`explain`) for a bad config.
    """
    try:
        schema.validate(config, schema.compose(root_schema or schema.ROOT))
    except ValidationError as err:
        raise ConfigError(explain(err)) from None
    out = {}
    for name, block in (config.get("experiments") or {}).items():
        cells = check_block(name, block)
        cost = {m: chunks.run_steps(block["settings"], [m]) for m in {c.model for c in cells}}
        out[name] = chunks.plan(
            cells,
            chunks.read_ledger(results, name) if results is not None else {},
            chunks.budget(config, name),
            lambda c, cost=cost: cost[c.model],
        )
    return out


def planned_cells(config: dict, experiment: str) -> list[grid.Cell]:
    """The cells of one experiment's grid (its chunks may also hold cells the grid has dropped)."""
    return check_block(experiment, config["experiments"][experiment])


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
