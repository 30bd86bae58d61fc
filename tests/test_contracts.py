"""Experiment contracts, the step-size convention and the one label-noise implementation."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import yaml

from conftest import QUICK, REPO
from implicitbias import experiments
from implicitbias.numerics import rng, step_size
from implicitbias.numerics.label_noise import LABEL_TAG, LabelNoise
from implicitbias.numerics.objectives import LeastSquares
from implicitbias.pipeline import config as ibconfig

ROOT = REPO / "workflow" / "schemas" / "config.schema.yaml"


def plan(config: dict):
    return ibconfig.plan(copy.deepcopy(config), ROOT)


def quick() -> dict:
    return yaml.safe_load(QUICK.read_text())


def error_of(config: dict) -> str:
    with pytest.raises(ibconfig.ConfigError) as err:
        plan(config)
    return ibconfig.explain(err.value)


def test_registry_is_the_folders_and_each_folder_is_complete():
    folders = sorted(p.parent.name for p in (REPO / "src/implicitbias/experiments").glob("*/contract.yaml"))
    assert list(experiments.EXPERIMENTS) == folders
    for name, contract in experiments.EXPERIMENTS.items():
        for part in ("train.py", "claims.py", "figure.py", "caption.rst"):
            assert (contract.folder / part).is_file(), (name, part)
        assert (contract.folder / "reference.py").is_file() == contract.reference, name


def test_quick_config_plans():
    assert set(plan(quick())) == set(quick()["experiments"])


def test_an_unsupported_combination_fails_at_planning_with_what_is_allowed():
    config = quick()
    config["experiments"]["double_descent"]["include"].append({"model": "relu_digits", "optimizer": "ridge"})
    message = error_of(config)
    assert "experiments.double_descent" in message
    assert "'relu_digits'" in message and "'ridge'" in message
    assert "allowed combinations for double_descent" in message and "optimizer in [min_norm]" in message


def test_a_model_with_the_wrong_loss_fails_at_planning():
    config = quick()
    config["experiments"]["robbins_monro"]["include"] = [{"model": "median", "loss": "squares"}]
    message = error_of(config)
    assert "'median'" in message and "'squares'" in message and "loss in [absolute]" in message


def test_label_noise_on_an_experiment_without_it_fails_at_planning():
    config = quick()
    config["experiments"]["low_rank"]["grid"]["sigma"] = [0.0, 0.5]
    message = error_of(config)
    assert "experiments.low_rank.sigma" in message and "0.5" in message and "valid: 0" in message


def test_an_eta_unit_the_experiment_cannot_resolve_is_refused_by_its_schema():
    config = quick()
    config["experiments"]["robbins_monro"]["settings"]["eta_unit"] = "inverse_sharpness"
    message = error_of(config)
    assert "experiments.robbins_monro.settings.eta_unit" in message and "valid choices: absolute" in message


def test_step_size_units():
    eta = np.array([0.5, 1.0, 1.99])
    beta = np.array([4.0, 8.0, 3.0])
    assert np.array_equal(step_size.absolute_step(eta, "absolute"), eta)
    assert np.array_equal(step_size.absolute_step(eta, "inverse_sharpness", beta=beta), eta / beta)
    assert np.array_equal(step_size.absolute_step(eta, "width_scaled", width=200), eta * 200)
    with pytest.raises(ValueError, match="needs the sharpness"):
        step_size.absolute_step(eta, "inverse_sharpness")
    with pytest.raises(ValueError, match="unknown eta_unit"):
        step_size.absolute_step(eta, "per_sample")


def test_a_rule_unit_overrides_the_block_unit_and_is_not_a_rule_option():
    settings = {"eta_unit": "inverse_sharpness", "optimizers": {"adam": {"eta_unit": "absolute", "eps": 1e-8},
                                                                 "gd": {"eta_unit": "block"}}}  # fmt: skip
    assert step_size.unit_of(settings, "adam") == "absolute"
    assert step_size.unit_of(settings, "gd") == "inverse_sharpness"
    assert step_size.unit_of(settings, "sgd") == "inverse_sharpness"
    assert step_size.rule_options(settings, "adam") == {"eps": 1e-8}


def test_the_defaults_of_a_block_give_the_scale_invariant_rules_absolute_steps():
    config = {"experiments": {"max_margin": quick()["experiments"]["max_margin"]}}
    del config["experiments"]["max_margin"]["settings"]["optimizers"]
    del config["experiments"]["max_margin"]["settings"]["eta_unit"]
    plan_config = copy.deepcopy(config)
    ibconfig.plan(plan_config, ROOT)
    settings = plan_config["experiments"]["max_margin"]["settings"]
    assert step_size.unit_of(settings, "gd") == "inverse_sharpness"
    assert {step_size.unit_of(settings, r) for r in ("adam", "sign_gd", "normalized_gd")} == {"absolute"}


def test_label_noise_is_fresh_plus_minus_sigma_from_each_runs_own_stream():
    seeds, sigma = torch.arange(4), torch.tensor([0.0, 0.5, 1.0, 2.0], dtype=torch.float64)
    noise = LabelNoise(seeds, sigma)
    r = torch.zeros(4, 7, dtype=torch.float64)
    for t in (0, 1, 5, 1000):
        eps = -noise.perturb(r, t)  # f − (y + ε) with f − y = 0
        assert torch.equal(eps, sigma[:, None] * rng.rademacher(rng.stream_key(seeds, LABEL_TAG), t, 7))
    assert not torch.equal(noise.perturb(r, 1), noise.perturb(r, 2))  # fresh at every step
    alone = LabelNoise(seeds[2:3], sigma[2:3]).perturb(r[2:3], 5)
    assert torch.equal(alone, noise.perturb(r, 5)[2:3])  # the same noise alone or in a batch


def test_least_squares_uses_the_shared_label_noise():
    """∇E with σ at step t equals Aᵀ(Ax − y − ε) with ε from LabelNoise: one implementation."""
    g = np.random.default_rng(0)
    A = torch.as_tensor(g.standard_normal((3, 5, 4)))
    y, x = torch.as_tensor(g.standard_normal((3, 5))), torch.as_tensor(g.standard_normal((3, 4)))
    seeds, sigma = torch.tensor([3, 4, 5]), torch.tensor([0.3, 0.0, 1.0], dtype=torch.float64)
    eps = -LabelNoise(seeds, sigma).perturb(torch.zeros(3, 5, dtype=torch.float64), 9)
    expected = torch.einsum("rnp,rn->rp", A, torch.einsum("rnp,rp->rn", A, x) - y - eps)
    assert torch.equal(LeastSquares(A, y, seeds, sigma).grad(x, 9), expected)
