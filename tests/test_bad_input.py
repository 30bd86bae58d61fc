"""Bad configs stop before any job, with one message naming the key and the valid choices,
and leave existing results untouched.

Each malformed config is checked in this process through what the workflow runs
before planning (``conftest.check_config``: the schema, composed with the
experiments' contracts, then the plan's checks); two of them, one failing the schema and one failing the plan,
and malformed YAML go through ``snakemake`` end to end.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import check_config, make_workdir, quick_config, snakemake
from implicitbias.pipeline.config import ConfigError


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
    "eta zero": (grid(eta=[0.5, 0.0]), ["grid.eta[1]: 0.0", "> 0"]),
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


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_is_refused_with_one_line_naming_the_key(case):
    change, words = CASES[case]
    with pytest.raises(ConfigError) as refused:
        check_config(edit(change))
    message = str(refused.value)
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    assert "\n" not in message


def test_the_quick_config_is_accepted():
    plan = check_config(quick_config())
    assert set(plan) == set(quick_config()["experiments"])


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


def _stops_before_any_job(work, config, *args):
    """Run ``snakemake *args`` on ``config``: it must fail, print the message the
    in-process check gives, and leave results/ as it was."""
    with pytest.raises(ConfigError) as refused:
        check_config(copy.deepcopy(config))
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    before = _results_snapshot(work)
    done = snakemake(work, *args)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert str(refused.value) in out.splitlines()  # the same message, on a line of its own
    assert "Traceback" not in out and "Building DAG" not in out
    assert _results_snapshot(work) == before
    assert not (work / "results" / "pseudo_inverse" / "batches").exists()


def test_a_schema_error_stops_a_dry_run_before_any_job(workdir_with_results):
    work, _ = workdir_with_results
    _stops_before_any_job(work, edit(CASES["eta zero"][0]), "-n")


def test_a_plan_error_stops_a_real_run_before_any_job(workdir_with_results):
    work, kept = workdir_with_results
    _stops_before_any_job(work, edit(grid(optimizer="adamw")))
    assert kept.read_text() == "experiment,claim\nold,result\n"


def test_malformed_yaml_fails_before_any_job(workdir_with_results):
    work, _ = workdir_with_results
    (work / "config.yaml").write_text("experiments:\n  pseudo_inverse: [\n")
    before = _results_snapshot(work)
    done = snakemake(work)
    assert done.returncode != 0
    assert "not valid JSON or YAML" in done.stdout + done.stderr
    assert _results_snapshot(work) == before
