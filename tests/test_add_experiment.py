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

CONTRACT = """
title: GD finds the mean
description: "Toy: GD from 0 on a constant model converges to the mean."
reference: false
axes: {model: [constant], loss: [squares], optimizer: [gd]}
noisy_labels: false
settings:
  description: Fixed settings.
  type: object
  additionalProperties: false
  default: {}
  properties:
    n: {description: Samples., type: integer, minimum: 1, default: 10}
    steps: {$ref: "#/$defs/steps", default: 200}
    eta_unit: {$ref: "#/$defs/eta_unit", default: inverse_sharpness}
"""

TRAIN = '''
"""Toy: GD on E(c) = ½ Σᵢ (c − yᵢ)² from c = 0 converges to the mean of y."""

import numpy as np
import torch

from ...numerics import optim, step_size, train
from ...numerics.objectives import LeastSquares


def train_batch(settings, cells, device, dtype, reference=None):
    n = settings["n"]
    y = np.stack([np.random.default_rng([c.seed, 7]).standard_normal(n) for c in cells])
    A = torch.ones(len(cells), n, 1, dtype=dtype, device=device)  # E(c) = ½‖A c − y‖², β = n
    y_t = torch.as_tensor(y, dtype=dtype, device=device)
    seeds = torch.tensor([c.seed for c in cells], device=device)
    objective = LeastSquares(A, y_t, seeds, torch.zeros(len(cells), dtype=dtype))
    x0 = torch.zeros(len(cells), 1, dtype=dtype, device=device)
    eta = step_size.absolute_step([c.eta for c in cells], settings["eta_unit"], beta=np.full(len(cells), float(n)))
    rule = optim.make(cells[0].optimizer, x0, torch.as_tensor(eta, dtype=dtype, device=device))
    mean = y_t.mean(dim=1)
    log_at = train.log_schedule(settings["steps"], 20)
    traj = train.run(objective, rule, x0, log_at, lambda x: {"error": (x[:, 0] - mean).abs() / mean.abs()})
    return traj, {"mean": mean.cpu().numpy(), "eta_abs": eta}
'''

CLAIMS = '''
from ...pipeline.claims import Claim, final_rows, worst


def claims(table, settings, reference=None):
    last = final_rows(table)
    return [Claim("toy_mean", "GD from 0 reaches the mean: max |c_K - mean(y)|/|mean(y)|",
                  worst(last.error), "<=", 1e-10, "numpy mean", "rounding: 1e-10 >> K u of the 200 steps")]
'''

FIGURE = '''
import seaborn as sns

from ...pipeline import theme


def figure(table, settings, reference=None):
    fig, (ax,) = theme.panels(1, width=3.4)
    sns.lineplot(table[table.step > 0], x="step", y="error", hue="seed", errorbar=None, ax=ax)
    ax.set(xscale="log", yscale="log", ylabel="|c_k - mean(y)| / |mean(y)|")
    return fig
'''


def test_a_new_experiment_runs_end_to_end(tmp_path):
    work = make_workdir(tmp_path / "w", {"experiments": {}})
    shutil.copytree(REPO / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    # 1. one folder: contract, numerics, claims, figure, caption
    folder = work / "src" / "implicitbias" / "experiments" / "toy_mean"
    folder.mkdir()
    (folder / "contract.yaml").write_text(CONTRACT)
    (folder / "train.py").write_text(textwrap.dedent(TRAIN))
    (folder / "claims.py").write_text(textwrap.dedent(CLAIMS))
    (folder / "figure.py").write_text(textwrap.dedent(FIGURE))
    (folder / "caption.rst").write_text("GD from 0 finds the mean of y.\n")
    # 2. one config block
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
    cmd = [sys.executable, "-m", "snakemake"]  # as a user types it (profiles/default)
    done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    claims = pd.read_csv(work / "results" / "claims.csv")
    assert list(claims.experiment) == ["toy_mean"] and (claims["pass"] == True).all()  # noqa: E712
    assert claims.measured.iloc[0] < 1e-10
    assert (work / "results" / "figures" / "toy_mean.png").stat().st_size > 0
    report = subprocess.run(cmd + ["--report", "results/report.html"], cwd=work, env=env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-2000:]
