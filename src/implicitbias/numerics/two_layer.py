"""Two-layer ReLU networks in the mean-field scaling, batched over runs.

    f(x) = (1/m) Σⱼ aⱼ relu(wⱼ·x),      j = 1, …, m,

for R runs at once: inputs X of shape ``[R, n, d]`` (one data set per run),
output weights a of shape ``[R, m]`` and input weights W of shape ``[R, m, d]``.
The bias is the constant first input coordinate, so wⱼ·x includes it.

The loss is a **mean** over the n samples of ℓ(yᵢ f(xᵢ)), with ℓ the logistic
loss log(1 + e^{−u}) or the exponential loss e^{−u}: Chizat & Bach (2020) state
gradient flow for the empirical mean, so that one η serves every n.  The
``smooth_margin`` loss is log((1/n) Σᵢ e^{−yᵢf(xᵢ)}), minus the smoothed margin;
GD on it is GD on the exponential loss with its step divided by the loss
(the normalised ascent that Chizat & Bach use to reach the asymptotic regime
sooner).  Gradients are written by hand: with gᵢ = ∂L/∂fᵢ = ℓ'(yᵢfᵢ) yᵢ / n,

    ∂L/∂aⱼ = (1/m) Σᵢ gᵢ relu(wⱼ·xᵢ),     ∂L/∂wⱼ = (aⱼ/m) Σᵢ gᵢ 1[wⱼ·xᵢ > 0] xᵢ.

In the mean-field scaling each neuron (aⱼ, wⱼ) gets a gradient of order 1/m,
so the step is multiplied by m (the caller passes η·m to the update rule).

The path norm P(θ) = (1/m) Σⱼ |aⱼ| ‖wⱼ‖ bounds f's F1 (variation) norm, so for
every network min yᵢf(xᵢ) / P(θ) ≤ γ*, the F1 max margin.
"""

from __future__ import annotations

import torch

LOSSES = ("logistic", "exponential", "smooth_margin")


def relu_features(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """The features H = relu(X Wᵀ), Hᵢⱼ = relu(wⱼ·xᵢ): shape ``[R, n, m]``."""
    return torch.bmm(X, W.transpose(1, 2)).clamp_min(0)


def output(a: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
    """f = (1/m) H a for features H of shape ``[R, n, m]``: shape ``[R, n]``.

    Written as the row vector aᵀHᵀ, which torch's bmm computes several times
    faster than the column H a at these sizes.
    """
    return torch.bmm(a[:, None, :], H.transpose(1, 2))[:, 0] / a.shape[1]


def predict(a: torch.Tensor, W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """f(x) at the inputs X (``[R, N, d]``)."""
    return output(a, relu_features(X, W))


def path_norm(a: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """P(θ) = (1/m) Σⱼ |aⱼ| ‖wⱼ‖, shape ``[R]``."""
    return (a.abs() * torch.linalg.vector_norm(W, dim=2)).mean(dim=1)


def mean_loss(name: str, u: torch.Tensor) -> torch.Tensor:
    """The loss of the margins u = y f (``[R, n]``), averaged over the samples: ``[R]``."""
    if name == "logistic":
        return torch.nn.functional.softplus(-u).mean(dim=1)
    if name == "exponential":
        return torch.exp(-u).mean(dim=1)
    # smooth_margin: log mean exp(−u), written stably
    n = u.shape[1]
    return torch.logsumexp(-u, dim=1) - torch.log(torch.tensor(float(n), dtype=u.dtype))


def loss_slope(name: str, u: torch.Tensor) -> torch.Tensor:
    """∂L/∂uᵢ for L = ``mean_loss(name, u)``: shape ``[R, n]``."""
    n = u.shape[1]
    if name == "logistic":
        return -torch.sigmoid(-u) / n
    if name == "exponential":
        return -torch.exp(-u) / n
    return -torch.softmax(-u, dim=1)  # ∂/∂uᵢ log Σ e^{−u} = −e^{−uᵢ} / Σ e^{−u}


class BothLayers:
    """Loss and gradient when a and W are both trained; x packs ``[a, vec W]`` per run."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, m: int, loss: str):
        self.X, self.y, self.m, self.loss_name = X, y, m, loss
        self.d = X.shape[2]

    def pack(self, a: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
        return torch.cat([a, W.flatten(1)], dim=1)

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x[:, : self.m], x[:, self.m :].reshape(-1, self.m, self.d)

    def margins(self, x: torch.Tensor) -> torch.Tensor:
        """yᵢ f(xᵢ), shape ``[R, n]``."""
        a, W = self.unpack(x)
        return self.y * predict(a, W, self.X)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return mean_loss(self.loss_name, self.margins(x))

    def grad(self, x: torch.Tensor, t: int = 0, batch_size: int | None = None) -> torch.Tensor:
        """∇L with respect to [a, vec W] (full batch; ``batch_size`` is not used)."""
        a, W = self.unpack(x)
        H = relu_features(self.X, W)
        active = torch.sign(H)  # relu'(wⱼ·xᵢ) = 1[wⱼ·xᵢ > 0]
        g = loss_slope(self.loss_name, self.y * output(a, H)) * self.y  # ∂L/∂fᵢ
        grad_a = torch.bmm(g[:, None, :], H)[:, 0] / self.m  # (1/m) Σᵢ gᵢ Hᵢⱼ
        # (aⱼ/m) Σᵢ gᵢ 1[wⱼ·xᵢ > 0] xᵢ, computed as ((g ⊙ X)ᵀ active)ᵀ
        grad_W = (a / self.m)[:, :, None] * torch.bmm((g[:, :, None] * self.X).transpose(1, 2), active).transpose(1, 2)
        return torch.cat([grad_a, grad_W.flatten(1)], dim=1)


class OutputLayer:
    """Loss and gradient when only a is trained (W fixed): a linear model in the
    random features relu(wⱼ·x)/m, i.e. the kernel (F2) regime; x is a, ``[R, m]``."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, W: torch.Tensor, loss: str):
        self.X, self.y, self.W, self.loss_name = X, y, W, loss
        self.m = W.shape[1]
        self.H = relu_features(X, W)  # fixed features, computed once

    def pack(self, a: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
        return a

    def unpack(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, self.W

    def margins(self, x: torch.Tensor) -> torch.Tensor:
        return self.y * output(x, self.H)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return mean_loss(self.loss_name, self.margins(x))

    def grad(self, x: torch.Tensor, t: int = 0, batch_size: int | None = None) -> torch.Tensor:
        """∇L with respect to a (full batch)."""
        g = loss_slope(self.loss_name, self.margins(x)) * self.y
        return torch.bmm(g[:, None, :], self.H)[:, 0] / self.m
