"""Batched first-order update rules, written as the lecture writes them.

Every rule acts on a stack of runs ``x`` of shape ``[R, P]`` with one step size
per run (``eta`` of shape ``[R]``), so that a whole grid of η trains as one
tensor program.  Each rule follows the update of the matching ``torch.optim``
class exactly (tests compare them step by step), so "adam" here means what it
means in PyTorch.  ``sign_gd`` and ``normalized_gd`` (steepest descent in ℓ∞
and ℓ2 with steps of length η) have no torch.optim class; tests check them
against their formulas.

A step-size schedule multiplies η by ``s(t)`` at step t = 1, 2, …:
``constant`` (1), ``inv_sqrt`` (1/√t) or ``inv_t`` (1/t).
"""

from __future__ import annotations

import math

import torch

SCHEDULES = {
    "constant": lambda t: 1.0,
    "inv_sqrt": lambda t: 1.0 / math.sqrt(t),
    "inv_t": lambda t: 1.0 / t,
}


class Rule:
    """Base class: holds η (per run) and the schedule; subclasses define ``update``.

    ``batch_size`` is the number of samples per gradient (None: full batch).
    """

    batch_size: int | None = None

    def __init__(self, x0: torch.Tensor, eta: torch.Tensor, schedule: str = "constant", **options):
        self.eta = eta.reshape(-1, 1).to(x0)
        self.schedule = SCHEDULES[schedule]
        self.setup(x0, **options)

    def setup(self, x0: torch.Tensor) -> None:
        pass

    def step(self, x: torch.Tensor, g: torch.Tensor, t: int) -> torch.Tensor:
        """Return x_{t} from x_{t−1} and the gradient g at x_{t−1}."""
        constant = self.schedule is SCHEDULES["constant"]  # η·1 is η: one tensor op less per step
        return self.update(x, g, self.eta if constant else self.eta * self.schedule(t), t)

    def update(self, x, g, eta, t):  # pragma: no cover - abstract
        raise NotImplementedError


class GD(Rule):
    """x_{k+1} = x_k − η ∇E(x_k)."""

    def update(self, x, g, eta, t):
        return x - eta * g


class SGD(GD):
    """The GD update with a minibatch gradient of ``batch_size`` samples (Robbins–Monro)."""

    def setup(self, x0, batch_size: int = 1):
        self.batch_size = int(batch_size)


class HeavyBall(Rule):
    """Polyak momentum as torch.optim.SGD writes it: b = μ b + g, x = x − η b.

    Equal to x_{k+1} = x_k − η∇E(x_k) + μ (x_k − x_{k−1}) for constant η.
    """

    def setup(self, x0, momentum: float = 0.9):
        self.mu = momentum
        self.b = None

    def update(self, x, g, eta, t):
        self.b = g.clone() if self.b is None else self.mu * self.b + g
        return x - eta * self.direction(g)

    def direction(self, g):
        return self.b


class Nesterov(HeavyBall):
    """Nesterov momentum as torch.optim.SGD(nesterov=True): step along g + μ b."""

    def direction(self, g):
        return g + self.mu * self.b


class Adam(Rule):
    """Adam (Kingma & Ba) with bias correction, in torch.optim.Adam's arithmetic."""

    def setup(self, x0, betas=(0.9, 0.999), eps: float = 1e-8):
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = torch.zeros_like(x0)
        self.v = torch.zeros_like(x0)

    def update(self, x, g, eta, t):
        self.m = torch.lerp(self.m, g, 1 - self.beta1)  # torch's form of β₁m + (1 − β₁)g
        self.v = torch.addcmul(self.beta2 * self.v, g, g, value=1 - self.beta2)
        bias1 = 1 - self.beta1**t
        bias2 = 1 - self.beta2**t
        denom = self.v.sqrt() / bias2**0.5 + self.eps
        return x - (eta / bias1) * self.m / denom  # addcdiv: (step·m)/denom


class Adagrad(Rule):
    """AdaGrad (Duchi et al.): per-coordinate steps η / (√Σg² + ε), as torch.optim.Adagrad."""

    def setup(self, x0, eps: float = 1e-10):
        self.eps = eps
        self.sum = torch.zeros_like(x0)

    def update(self, x, g, eta, t):
        self.sum = torch.addcmul(self.sum, g, g)
        return x - eta * (g / (self.sum.sqrt() + self.eps))


class SignGD(Rule):
    """Sign descent: x_{k+1} = x_k − η_k sign(∇E(x_k)), η_k = η s(k).

    sign(g) = argmax_{‖d‖∞ ≤ 1} ⟨g, d⟩, so this is normalised steepest descent
    in the ℓ∞ norm (each coordinate moves by η_k); on separable data with a
    decaying step its direction tends to the ℓ∞ max-margin (Gunasekar et al.
    2018).  The schedule defaults to inv_sqrt (η_k = η/√k).
    """

    def __init__(self, x0, eta, schedule: str = "inv_sqrt", **options):
        super().__init__(x0, eta, schedule, **options)

    def update(self, x, g, eta, t):
        return x - eta * torch.sign(g)


class NormalizedGD(Rule):
    """Normalised GD: x_{k+1} = x_k − η_k ∇E(x_k)/‖∇E(x_k)‖₂, η_k = η s(k).

    Steepest descent in ℓ2 with a step of length η_k.  On separable data with
    the exponential loss ‖∇L‖/L tends to a constant (the max-margin γ), so
    this is GD on log L (Nacson et al. 2019, η_t ∝ 1/(L(θ_t)√t)) up to a
    constant factor in η; its direction reaches the L2 max-margin much faster
    than GD's 1/log t.  The schedule defaults to inv_sqrt; a zero gradient
    gives a zero step.  g is first divided by max|gⱼ|, so that a gradient
    whose square underflows (a loss near 1e-300) still gives a unit direction.
    """

    def __init__(self, x0, eta, schedule: str = "inv_sqrt", **options):
        super().__init__(x0, eta, schedule, **options)

    def update(self, x, g, eta, t):
        scale = g.abs().amax(dim=1, keepdim=True)
        u = g / torch.where(scale > 0, scale, torch.ones_like(scale))
        norm = torch.linalg.vector_norm(u, dim=1, keepdim=True)
        return x - eta * u / torch.where(norm > 0, norm, torch.ones_like(norm))


RULES: dict[str, type[Rule]] = {
    "gd": GD,
    "sgd": SGD,
    "heavy_ball": HeavyBall,
    "nesterov": Nesterov,
    "adam": Adam,
    "adagrad": Adagrad,
    "sign_gd": SignGD,
    "normalized_gd": NormalizedGD,
}


def make(name: str, x0: torch.Tensor, eta: torch.Tensor, options: dict | None = None) -> Rule:
    """The update rule ``name`` for runs starting at x0, with its options (schedule, momentum, …)."""
    return RULES[name](x0, eta, **(options or {}))
