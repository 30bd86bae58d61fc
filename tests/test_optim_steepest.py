"""sign_gd and normalized_gd (no torch.optim counterpart) against their formulas."""

from __future__ import annotations

import math

import torch

from implicitbias.numerics import optim


def test_sign_gd_moves_each_coordinate_by_the_scheduled_step():
    x = torch.tensor([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]], dtype=torch.float64)
    g = torch.tensor([[3.0, -1e-12, 0.0], [-5.0, 2.0, 1.0]], dtype=torch.float64)
    rule = optim.make("sign_gd", x, torch.tensor([0.1, 0.2], dtype=torch.float64))  # default schedule η/√t
    out = rule.step(x, g, 4)
    expected = x - torch.tensor([[0.05], [0.1]], dtype=torch.float64) * torch.tensor([[1, -1, 0], [-1, 1, 1.0]])
    torch.testing.assert_close(out, expected, rtol=0, atol=0)


def test_normalized_gd_takes_a_step_of_length_eta():
    x = torch.zeros(3, 4, dtype=torch.float64)
    g = torch.tensor([[3.0, 4.0, 0, 0], [1e-200, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.float64)
    rule = optim.make("normalized_gd", x, torch.full((3,), 0.5, dtype=torch.float64), {"schedule": "constant"})
    out = rule.step(x, g, 9)
    torch.testing.assert_close(out[0], torch.tensor([-0.3, -0.4, 0, 0], dtype=torch.float64))
    assert math.isclose(out[1, 0].item(), -0.5)  # tiny gradients still give a step of length η
    assert torch.equal(out[2], torch.zeros(4, dtype=torch.float64))  # a zero gradient gives no step


def test_normalized_gd_default_schedule_is_inv_sqrt():
    x = torch.zeros(1, 2, dtype=torch.float64)
    rule = optim.make("normalized_gd", x, torch.tensor([1.0], dtype=torch.float64))
    out = rule.step(x, torch.tensor([[0.0, -7.0]], dtype=torch.float64), 16)
    torch.testing.assert_close(out, torch.tensor([[0.0, 0.25]], dtype=torch.float64))
