"""Each batched update rule equals its torch.optim counterpart step for step."""

from __future__ import annotations

import pytest
import torch

from implicitbias.numerics import optim

# rule name -> (torch.optim class, constructor options, our options)
CASES = {
    "gd": (torch.optim.SGD, {}, {}),
    "sgd": (torch.optim.SGD, {}, {"batch_size": 1}),
    "heavy_ball": (torch.optim.SGD, {"momentum": 0.9}, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.8, "nesterov": True}, {"momentum": 0.8}),
    "adam": (torch.optim.Adam, {"betas": (0.8, 0.99), "eps": 1e-8}, {"betas": (0.8, 0.99), "eps": 1e-8}),
    "adagrad": (torch.optim.Adagrad, {"eps": 1e-10}, {"eps": 1e-10}),
}
SCHEDULES = {"constant": lambda t: 1.0, "inv_sqrt": lambda t: (t + 1) ** -0.5}


def problem(seed=0, n=15, p=40):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, p, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    return A, y


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_matches_torch_optim(name, schedule):
    torch_cls, torch_opts, our_opts = CASES[name]
    A, y = problem()
    eta = 0.3 / torch.linalg.matrix_norm(A, ord=2).item() ** 2 if name not in ("adam", "adagrad") else 0.05

    param = torch.zeros(A.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch_cls([param], lr=eta, **torch_opts)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, SCHEDULES[schedule])

    x = torch.zeros(1, A.shape[1], dtype=torch.float64)
    rule = optim.make(name, x, torch.tensor([eta], dtype=torch.float64), {"schedule": schedule, **our_opts})
    for t in range(1, 201):
        # Both rules get the same gradient ∇E(x) = Aᵀ(Ax − y) at their own iterate:
        # near the solution the residual cancels, and two ways of computing it
        # would differ by far more than the update rules do.
        with torch.no_grad():
            param.grad = A.T @ (A @ param - y)
        opt.step()
        sched.step()
        g = (A.T @ (A @ x[0] - y))[None]
        x = rule.step(x, g, t)
        ref = param.detach()
        err = torch.linalg.vector_norm(x[0] - ref) / torch.linalg.vector_norm(ref)
        assert err <= 1e-12, (t, float(err))


def test_batched_rule_equals_rules_run_alone():
    """Stacking runs with different eta changes nothing for any of them."""
    A, y = problem(1)
    etas = torch.tensor([1e-3, 5e-3, 1e-2], dtype=torch.float64)
    x = torch.zeros(3, A.shape[1], dtype=torch.float64)
    batched = optim.make("adam", x, etas)
    alone = [optim.make("adam", x[:1], etas[i : i + 1]) for i in range(3)]
    xs = [x[:1].clone() for _ in range(3)]
    for t in range(1, 51):
        x = batched.step(x, x @ A.T @ A - y @ A, t)
        for i in range(3):
            xs[i] = alone[i].step(xs[i], xs[i] @ A.T @ A - y @ A, t)
    # equal up to the summation order of the batched matrix product
    torch.testing.assert_close(x, torch.cat(xs), rtol=1e-12, atol=0)
