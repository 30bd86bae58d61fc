"""Counter-based random streams: one reproducible stream per (seed, tag, step).

A batch of runs must give each run the same random numbers whether it trains
alone or stacked with others (batching must not change results).  A stateful
``torch.Generator`` shared by the batch cannot do that, and one generator per
run costs a Python call per run per step.  Instead every random number is a
pure function of ``(seed, tag, step, index)``, hashed with SplitMix64 in int64
tensor arithmetic: vectorised over runs, identical on CPU and CUDA, and
independent of how the runs are batched.
"""

from __future__ import annotations

import math

import torch

_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as a signed int64
_MIX1 = -4658895280553007687  # 0xBF58476D1CE4E5B9
_MIX2 = -7723592293110705685  # 0x94D049BB133111EB
_MASK53 = (1 << 53) - 1


def _shr(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 (torch's ``>>`` is arithmetic)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix(z: torch.Tensor) -> torch.Tensor:
    """SplitMix64 finaliser: a bijective avalanche of 64-bit words (wrap-around)."""
    z = (z ^ _shr(z, 30)) * _MIX1
    z = (z ^ _shr(z, 27)) * _MIX2
    return z ^ _shr(z, 31)


def _i64(v: int) -> int:
    """A Python int wrapped to the signed 64-bit range (as the tensor arithmetic wraps)."""
    return (v + 2**63) % 2**64 - 2**63


def stream_key(seeds: torch.Tensor, tag: int) -> torch.Tensor:
    """One 64-bit key per run from its integer seed and a stream tag."""
    return _mix(_mix(seeds.to(torch.int64) * _GOLDEN + tag) + _i64(tag * _GOLDEN))


def uniform(key: torch.Tensor, step: int, size: int, dtype=torch.float64) -> torch.Tensor:
    """U[0, 1) numbers of shape ``[runs, size]`` for one step of each run's stream."""
    counter = torch.arange(size, device=key.device, dtype=torch.int64)
    z = _mix(key[:, None] + (step * size + counter + 1) * _GOLDEN)
    return _shr(z, 11).to(dtype) * (2.0**-53)


def rademacher(key: torch.Tensor, step: int, size: int, dtype=torch.float64) -> torch.Tensor:
    """Uniform signs ±1 of shape ``[runs, size]``."""
    return signs(uniform(key, step, size, dtype), dtype)


def randint(key: torch.Tensor, step: int, size: int, high: int) -> torch.Tensor:
    """Integers uniform in ``{0, …, high−1}``, shape ``[runs, size]``."""
    return integers(uniform(key, step, size), high)


def normal(key: torch.Tensor, step: int, size: int, dtype=torch.float64) -> torch.Tensor:
    """Standard normal numbers of shape ``[runs, size]`` by the Box–Muller transform."""
    return gaussians(uniform(key, step, 2 * size, torch.float64), dtype)


# The transforms of U[0, 1) numbers used above (and by Stream).


def signs(u: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
    """±1 with probability ½ each: −1 where u < ½."""
    return torch.where(u < 0.5, -1.0, 1.0).to(dtype)


def integers(u: torch.Tensor, high: int) -> torch.Tensor:
    """⌊u·high⌋, uniform in {0, …, high−1}."""
    return (u * high).floor().to(torch.int64).clamp_(max=high - 1)


def gaussians(u: torch.Tensor, dtype=torch.float64) -> torch.Tensor:
    """Box–Muller: the first half of the last axis gives the radius, the second the angle."""
    size = u.shape[-1] // 2
    u1, u2 = u[..., :size], u[..., size:]
    r = torch.sqrt(-2.0 * torch.log1p(-u1))  # 1 − u1 ∈ (0, 1]: log is finite
    return (r * torch.cos(2.0 * math.pi * u2)).to(dtype)


class Stream:
    """``uniform(key, t, size)`` for t = 0, 1, 2, …, hashed many steps at a time.

    ``uniform(key, m, C·size)`` holds exactly ``uniform(key, t, size)`` for
    t = m·C, …, m·C + C − 1 (both use the counters t·size + j + 1), so fetching C
    steps in one call changes no number, only how many tensor operations a step
    costs.  C is chosen so that one block holds at most ``block`` numbers.
    """

    def __init__(self, key: torch.Tensor, size: int, block: int = 1 << 16):
        self.key, self.size = key, size
        self.chunk = max(1, block // max(1, key.shape[0] * size))
        self.m, self.values = -1, None

    def uniform(self, step: int) -> torch.Tensor:
        """The ``[runs, size]`` numbers of ``step``, equal to ``uniform(key, step, size)`` in float64."""
        m, i = divmod(step, self.chunk)
        if m != self.m:
            self.values = uniform(self.key, m, self.chunk * self.size).reshape(-1, self.chunk, self.size)
            self.m = m
        return self.values[:, i]


class Streams:
    """One :class:`Stream` of ``key`` per size, made on first use: ``uniform(step, size)``
    equals ``uniform(key, step, size)`` (a run's minibatch indices or label signs, whatever
    size each step asks for)."""

    def __init__(self, key: torch.Tensor):
        self.key = key
        self.by_size: dict[int, Stream] = {}

    def uniform(self, step: int, size: int) -> torch.Tensor:
        if size not in self.by_size:
            self.by_size[size] = Stream(self.key, size)
        return self.by_size[size].uniform(step)
