"""Counter-based random streams: right distribution, independent of batching."""

from __future__ import annotations

import math

import torch

from implicitbias.numerics import rng


def test_uniform_moments_and_range():
    key = rng.stream_key(torch.arange(4), tag=7)
    u = rng.uniform(key, step=3, size=50_000)
    assert u.min() >= 0 and u.max() < 1
    # mean of N uniforms: sd = 1/sqrt(12 N); 5 sd is a 1-in-3.5-million event
    assert abs(u.mean().item() - 0.5) < 5 / math.sqrt(12 * u.numel())


def test_normal_moments():
    z = rng.normal(rng.stream_key(torch.arange(2), tag=1), step=0, size=100_000)
    n = z.numel()
    assert abs(z.mean().item()) < 5 / math.sqrt(n)
    assert abs(z.var().item() - 1) < 5 * math.sqrt(2 / n)


def test_stream_of_a_run_does_not_depend_on_its_batch():
    seeds = torch.tensor([5, 9, 5, 11])
    batched = rng.uniform(rng.stream_key(seeds, 2), step=17, size=8)
    alone = rng.uniform(rng.stream_key(seeds[1:2], 2), step=17, size=8)
    assert torch.equal(batched[1], alone[0])
    assert torch.equal(batched[0], batched[2])  # same seed, same stream
    assert not torch.equal(batched[0], batched[1])


def test_steps_and_tags_give_different_numbers():
    key = rng.stream_key(torch.tensor([0]), 1)
    assert not torch.equal(rng.uniform(key, 0, 4), rng.uniform(key, 1, 4))
    assert not torch.equal(rng.uniform(key, 0, 4), rng.uniform(rng.stream_key(torch.tensor([0]), 2), 0, 4))


def test_randint_covers_its_range_uniformly():
    idx = rng.randint(rng.stream_key(torch.tensor([3]), 1), 0, 60_000, high=6)
    counts = torch.bincount(idx[0], minlength=6).double()
    expected = 10_000.0
    chi2 = ((counts - expected) ** 2 / expected).sum().item()
    assert chi2 < 25  # chi-square, 5 dof: P(> 25) ~ 1e-4
