"""Performs docs/adding_an_experiment.md: a new experiment in a temporary copy of the
project, run end to end by snakemake, so the walkthrough cannot drift from the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pandas as pd
import yaml

from conftest import REPO, make_workdir

NUMERICS = '''
"""Toy: GD on E(c) = ½ Σᵢ (c − yᵢ)² from c = 0 converges to the mean of y."""

import numpy as np
import torch

from .. import optim, train
from ..claims import Claim
from ..objectives import LeastSquares


def train_batch(settings, cells, device, dtype, reference=None):
    n = settings["n"]
    y = np.stack([np.random.default_rng([c.seed, 7]).standard_normal(n) for c in cells])
    A = torch.ones(len(cells), n, 1, dtype=dtype, device=device)  # E(c) = ½‖A c − y‖²
    y_t = torch.as_tensor(y, dtype=dtype, device=device)
    seeds = torch.tensor([c.seed for c in cells], device=device)
    objective = LeastSquares(A, y_t, seeds, torch.zeros(len(cells), dtype=dtype))
    x0 = torch.zeros(len(cells), 1, dtype=dtype, device=device)
    eta = torch.tensor([c.eta / n for c in cells], dtype=dtype)  # beta = n
    rule = optim.make(cells[0].optimizer, x0, eta)
    mean = y_t.mean(dim=1)
    log_at = train.log_schedule(settings["steps"], 20)
    traj = train.run(objective, rule, x0, log_at, lambda x: {"error": (x[:, 0] - mean).abs() / mean.abs()})
    return traj, {"mean": mean.cpu().numpy()}


def claims(table, settings, reference=None):
    last = table.sort_values("step").groupby("cell").tail(1)
    return [Claim("toy_mean", "GD from 0 reaches the mean: max |c_K - mean(y)|/|mean(y)|",
                  float(last.error.max()), "<=", 1e-10, "numpy mean")]
'''

FIGURE = '''
import seaborn as sns

from . import theme


def figure(table, settings, reference=None):
    fig, (ax,) = theme.panels(1, width=3.4)
    sns.lineplot(table[table.step > 0], x="step", y="error", hue="seed", errorbar=None, ax=ax)
    ax.set(xscale="log", yscale="log", ylabel="|c_k - mean(y)| / |mean(y)|")
    return fig
'''

REGISTRY = '''
EXPERIMENTS["toy_mean"] = Spec(
    models=("constant",), losses=("squares",), optimizers=("gd",), title="GD finds the mean"
)
'''

SCHEMA_BLOCK = {
    "description": "Toy: GD from 0 on a constant model converges to the mean.",
    "type": "object",
    "additionalProperties": False,
    "required": ["grid"],
    "properties": {
        "grid": {"$ref": "#/$defs/grid"},
        "include": {"$ref": "#/$defs/entries", "default": []},
        "exclude": {"$ref": "#/$defs/entries", "default": []},
        "settings": {
            "description": "Fixed settings.",
            "type": "object",
            "additionalProperties": False,
            "default": {},
            "properties": {
                "n": {"description": "Samples.", "type": "integer", "minimum": 1, "default": 10},
                "steps": {"$ref": "#/$defs/steps", "default": 200},
            },
        },
    },
}


def test_a_new_experiment_runs_end_to_end(tmp_path):
    work = make_workdir(tmp_path / "w", {"experiments": {}})
    shutil.copytree(REPO / "src", work / "src")
    pkg = work / "src" / "implicitbias"
    # 1. register, 2. numerics, 3. figure
    with open(pkg / "experiments" / "__init__.py", "a") as fh:
        fh.write(REGISTRY)
    (pkg / "experiments" / "toy_mean.py").write_text(textwrap.dedent(NUMERICS))
    (pkg / "figures" / "toy_mean.py").write_text(textwrap.dedent(FIGURE))
    # 4. schema
    schema_path = work / "workflow" / "schemas" / "config.schema.yaml"
    schema = yaml.safe_load(schema_path.read_text())
    schema["properties"]["experiments"]["propertyNames"]["enum"].append("toy_mean")
    schema["properties"]["experiments"]["properties"]["toy_mean"] = SCHEMA_BLOCK
    schema_path.write_text(yaml.safe_dump(schema, sort_keys=False))
    # 5. caption, 6. config
    (work / "workflow" / "report" / "toy_mean.rst").write_text("GD from 0 finds the mean of y.\n")
    config = {
        "experiments": {
            "toy_mean": {
                "grid": {"model": "constant", "loss": "squares", "optimizer": "gd",
                         "eta": [0.5, 1.0], "sigma": 0.0, "seed": [0, 1, 2]},
                "settings": {"n": 10, "steps": 200},
            }
        }
    }  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    env = {**os.environ, "PYTHONPATH": str(work / "src")}
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2"]
    done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    claims = pd.read_csv(work / "results" / "claims.csv")
    assert list(claims.experiment) == ["toy_mean"] and claims["pass"].all()
    assert claims.measured.iloc[0] < 1e-10
    assert (work / "results" / "figures" / "toy_mean.png").stat().st_size > 0
    report = subprocess.run(cmd + ["--report", "results/report.html"], cwd=work, env=env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-2000:]
