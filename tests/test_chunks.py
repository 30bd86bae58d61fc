"""Chunked training jobs: bounded, problem-preserving, and stable when the grid grows."""

from __future__ import annotations

import copy
import re
import shutil

import pandas as pd
import yaml

from conftest import SCHEMA, make_workdir, quick_config, snakemake
from implicitbias.pipeline import chunks
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline.grid import Cell

STEPS = 100  # run-steps per cell in the unit tests


def _cells(etas, seeds, optimizers=("gd",), model="linear"):
    return [Cell(model, "squares", o, float(e), 0.0, s) for o in optimizers for s in seeds for e in etas]


def _cost(_cell):
    return STEPS


def test_a_chunk_holds_at_most_its_budget_and_whole_units():
    cells = _cells([0.5, 1.0, 1.5], range(10), optimizers=("gd", "adam"))
    planned = chunks.pack(cells, chunks.Budget(cells=7, run_steps=1e9), _cost)
    assert sorted(c for cs in planned.values() for c in cs) == sorted(cells)  # a partition
    for cs in planned.values():
        assert len(cs) <= 7
        units = {(c.optimizer, c.seed) for c in cs}
        # every unit (optimizer, seed) it touches is whole in it: 3 etas each
        assert len(cs) == 3 * len(units)
    planned = chunks.pack(cells, chunks.Budget(cells=1000, run_steps=6 * STEPS), _cost)
    assert max(len(cs) for cs in planned.values()) == 6  # two units of 3 cells fit the run-steps
    assert len(chunks.pack(cells, chunks.Budget(cells=1000, run_steps=1e9), _cost)) == 1


def test_a_unit_larger_than_the_budget_is_cut_and_models_never_mix():
    cells = _cells(range(1, 6), [0]) + _cells([1.0], [0], model="linear_z")
    planned = chunks.pack(cells, chunks.Budget(cells=2, run_steps=1e9), _cost)
    assert sorted(len(cs) for cs in planned.values()) == [1, 1, 2, 2]
    assert all(len({c.model for c in cs}) == 1 for cs in planned.values())
    assert all(chunk.startswith(cs[0].model + ".") for chunk, cs in planned.items())


def test_ids_depend_on_the_cells_only():
    cells = _cells([0.5, 1.0], range(4))
    budget = chunks.Budget(cells=4, run_steps=1e9)
    assert chunks.pack(cells, budget, _cost) == chunks.pack(list(reversed(cells)), budget, _cost)
    assert chunks.pack(cells, budget, _cost).keys() != chunks.pack(cells[:-1], budget, _cost).keys()


def test_a_grown_grid_keeps_every_recorded_chunk(tmp_path):
    budget = chunks.Budget(cells=6, run_steps=1e9)
    first = chunks.plan(_cells([0.5, 1.0], range(5)), {}, budget, _cost)
    chunks.write_ledger(tmp_path, "e", first)
    assert chunks.read_ledger(tmp_path, "e") == first
    grown = _cells([0.5, 1.0, 2.0], range(8))  # three more seeds and one more eta
    second = chunks.plan(grown, chunks.read_ledger(tmp_path, "e"), budget, _cost)
    assert {k: second[k] for k in first} == first  # same ids, same cells: same params
    new = set(second) - set(first)
    assert new and not {c for k in new for c in second[k]} & {c for cs in first.values() for c in cs}
    assert sorted(c for cs in second.values() for c in cs) == sorted(grown)
    # a shrunk grid drops the chunks it no longer touches and keeps the others whole
    shrunk = chunks.plan(_cells([0.5], [0]), chunks.read_ledger(tmp_path, "e"), budget, _cost)
    assert list(shrunk.values()) == [cs for cs in first.values() if Cell("linear", "squares", "gd", 0.5, 0.0, 0) in cs]


def test_overlapping_records_never_train_a_cell_twice(tmp_path):
    budget = chunks.Budget(cells=4, run_steps=1e9)
    cells = _cells([0.5, 1.0], range(3))
    chunks.write_ledger(tmp_path, "e", {"linear.a": cells[:4], "linear.b": cells[2:]})
    planned = chunks.plan(cells, chunks.read_ledger(tmp_path, "e"), budget, _cost)
    assert planned["linear.a"] == cells[:4] and "linear.b" not in planned
    assert sorted(c for cs in planned.values() for c in cs) == sorted(cells)


def test_the_config_sets_the_budget_per_experiment():
    config = quick_config()
    config["chunk"] = {"cells": 5}
    config["experiments"]["pseudo_inverse"]["chunk"] = {"cells": 3}
    plan = ibconfig.plan(config, SCHEMA)
    assert max(len(cs) for cs in plan["pseudo_inverse"].values()) <= 3
    assert max(len(cs) for cs in plan["adaptive_geometry"].values()) <= 5
    assert config["chunk"]["run_steps"] > 0  # the default filled in


def _planned_chunks(text: str) -> set[str]:
    return set(re.findall(r"batch=([\w.]+)", text))


def _tables(batches):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(batches.glob("*.parquet"))}


def test_extending_the_grid_trains_only_new_chunks(quick_run, tmp_path):
    """More seeds and one more η: the dry run plans only new chunks, and the run leaves
    every existing chunk table as it was (bytes and modification time)."""
    work = make_workdir(tmp_path / "w")
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True, dirs_exist_ok=True)
    config = quick_config()
    grid = config["experiments"]["pseudo_inverse"]["grid"]
    grid["seed"] = [*grid["seed"], max(grid["seed"]) + 1, max(grid["seed"]) + 2]
    grid["eta"] = [*grid["eta"], 0.75]
    config["experiments"]["adaptive_geometry"]["grid"]["seed"] += [100]
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    recorded = {p.name.removesuffix(".cells.json") for p in (work / "results").glob("*/batches/*.cells.json")}
    before = {e: _tables(work / "results" / e / "batches") for e in ("pseudo_inverse", "adaptive_geometry")}

    dry = snakemake(work, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = _planned_chunks(dry.stdout + dry.stderr)
    assert planned and not planned & recorded, planned
    assert {p.split(".")[0] for p in planned} == {"linear", "linear_z", "wilson"}

    done = snakemake(work)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    for experiment, tables in before.items():
        after = _tables(work / "results" / experiment / "batches")
        assert {k: after[k] for k in tables} == tables  # untouched: bytes and mtime
        assert len(after) > len(tables)
    grown = ibconfig.plan(copy.deepcopy(config), SCHEMA)
    cells = set(pd.read_parquet(work / "results" / "pseudo_inverse" / "table.parquet", columns=["cell"]).cell)
    assert cells == {c.id for cs in grown["pseudo_inverse"].values() for c in cs}
    again = snakemake(work, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_a_configfile_on_the_command_line_replaces_config_yaml(tmp_path):
    """`snakemake --configfile config/regimes.yaml` runs that config alone, not merged into config.yaml."""
    work = make_workdir(tmp_path / "w")
    other = quick_config()
    other["experiments"] = {"adaptive_geometry": other["experiments"]["adaptive_geometry"]}
    (work / "other.yaml").write_text(yaml.safe_dump(other, sort_keys=False))
    dry = snakemake(work, "-n", "--configfile", "other.yaml")
    out = dry.stdout + dry.stderr
    assert dry.returncode == 0, out[-3000:]
    assert set(re.findall(r"experiment=(\w+)", out)) == {"adaptive_geometry"}
