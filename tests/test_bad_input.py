"""Bad configs stop before any job, with one message naming the key and the valid choices,
and leave existing results untouched."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import make_workdir, quick_config, snakemake


def edit(change):
    config = copy.deepcopy(quick_config())
    change(config)
    return config


def grid(**values):
    def change(c):
        c["experiments"]["pseudo_inverse"]["grid"].update(values)

    return change


CASES = {
    "unknown model": (grid(model=["linear", "cubic"]), ["grid.model", "'cubic'", "linear, linear_z"]),
    "unknown loss": (grid(loss="hinge"), ["grid.loss", "'hinge'", "squares"]),
    "unknown optimizer": (grid(optimizer=["gd", "adamw"]), ["grid.optimizer", "'adamw'", "adagrad, adam, gd"]),
    "unknown experiment": (
        lambda c: c["experiments"].update(magic=c["experiments"]["pseudo_inverse"]),
        ["experiments", "'magic'", "pseudo_inverse"],
    ),
    "eta zero": (grid(eta=[0.5, 0.0]), ["grid.eta[1]", "0", "> 0"]),
    "eta negative": (grid(eta=-1.0), ["grid.eta", "-1", "> 0"]),
    "eta not a number": (grid(eta=["fast"]), ["grid.eta[0]", "'fast'", "number"]),
    "sigma negative": (grid(sigma=[-0.1]), ["grid.sigma[0]", "-0.1", ">= 0"]),
    "seed float": (grid(seed=[0, 1.5]), ["grid.seed[1]", "1.5", "integer"]),
    "seed negative": (grid(seed=[-3]), ["grid.seed[0]", "-3", ">= 0"]),
    "seed duplicate": (grid(seed=[0, 1, 1]), ["grid.seed", "duplicate"]),
    "empty grid axis": (grid(seed=[]), ["grid.seed", "[]", "at least 1"]),
    "include matches nothing new": (
        lambda c: c["experiments"]["pseudo_inverse"]["include"].append({"eta": 0.5}),
        ["include[4]", "adds no cell"],
    ),
    "exclude matches nothing": (
        lambda c: c["experiments"]["pseudo_inverse"].update(exclude=[{"seed": 99}]),
        ["exclude[0]", "matches no cell"],
    ),
    "missing required field": (
        lambda c: c["experiments"]["pseudo_inverse"].pop("grid"),
        ["experiments.pseudo_inverse", "'grid' is a required property"],
    ),
    "missing grid axis": (
        lambda c: c["experiments"]["pseudo_inverse"]["grid"].pop("sigma"),
        ["grid", "'sigma' is a required property"],
    ),
    "unknown top-level key": (lambda c: c.update(devcie="cpu"), ["'devcie' was unexpected", "valid keys: device"]),
    "unknown setting": (
        lambda c: c["experiments"]["pseudo_inverse"]["settings"].update(stpes=10),
        ["settings", "'stpes' was unexpected", "steps"],
    ),
    "wrong type of a setting": (
        lambda c: c["experiments"]["pseudo_inverse"]["settings"].update(n="twenty"),
        ["settings.n", "'twenty'", "integer"],
    ),
    "unknown device": (lambda c: c.update(device="tpu"), ["device", "'tpu'", "auto, cpu, cuda"]),
    "boolean of the wrong type": (lambda c: c.update(partial="yes"), ["partial", "'yes'", "boolean"]),
    "object of the wrong type": (
        lambda c: c["experiments"]["pseudo_inverse"].update(settings=[1, 2]),
        ["experiments.pseudo_inverse.settings", "[1, 2]", "object"],
    ),
    "list of the wrong type": (
        lambda c: c["experiments"]["pseudo_inverse"].update(include={"eta": 1.0}),
        ["experiments.pseudo_inverse.include", "array"],
    ),
    "no experiments": (lambda c: c.update(experiments={}), ["experiments", "at least 1"]),
}


@pytest.fixture
def workdir_with_results(tmp_path):
    """A workflow copy whose results/ already holds a finished file."""
    work = make_workdir(tmp_path / "w")
    kept = work / "results" / "pseudo_inverse" / "claims.csv"
    kept.parent.mkdir(parents=True)
    kept.write_text("experiment,claim\nold,result\n")
    return work, kept


def _results_snapshot(work):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (work / "results").rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_fails_before_any_job(case, workdir_with_results):
    work, kept = workdir_with_results
    change, words = CASES[case]
    (work / "config.yaml").write_text(yaml.safe_dump(edit(change), sort_keys=False))
    before = _results_snapshot(work)
    done = snakemake(work, "-n")
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    for word in words:
        assert word in out, f"{word!r} not in: {out}"
    assert "Traceback" not in out and "Building DAG" not in out
    assert _results_snapshot(work) == before


def test_malformed_yaml_fails_before_any_job(workdir_with_results):
    work, kept = workdir_with_results
    (work / "config.yaml").write_text("experiments:\n  pseudo_inverse: [\n")
    before = _results_snapshot(work)
    for args in (["-n"], []):
        done = snakemake(work, *args)
        assert done.returncode != 0
        assert "not valid JSON or YAML" in done.stdout + done.stderr
    assert _results_snapshot(work) == before


def test_a_real_run_with_bad_input_also_stops_before_any_job(workdir_with_results):
    work, kept = workdir_with_results
    (work / "config.yaml").write_text(yaml.safe_dump(edit(grid(optimizer="adamw")), sort_keys=False))
    done = snakemake(work)
    assert done.returncode != 0
    assert "unknown optimizer 'adamw'" in done.stdout + done.stderr
    assert not (work / "results" / "pseudo_inverse" / "batches").exists()
    assert kept.read_text() == "experiment,claim\nold,result\n"
