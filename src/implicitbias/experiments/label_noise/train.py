"""Label noise prefers flat minima (lecture, Part II).

Label-noise SGD, as the lecture writes it: at each step sample one data point
(x_i, y_i), perturb its label by ε uniform on {−σ, +σ} (σ is the grid's σ
axis), and take a gradient step on that one sample's loss.  Damian, Lee & Ma:
it follows L + λR with the implicit regulariser

    R(θ) = −(1/2η) tr log(I − (η/2)∇²L(θ)) ≈ ¼ tr ∇²L(θ)   (small η),

so it finds flat interpolators.  Two models:

``quadratic`` (HaoChen, Wei, Lee & Ma 2021): f_v(x) = ⟨v⊙v, x⟩, x ~ N(0, I_d),
y = ⟨w*, x⟩ with w* = 1 on the first κ coordinates, v₀ = 1 (α = 1).  The loss
is a MEAN over the n samples, L(v) = (1/n) Σᵢ ¼(⟨v⊙v, xᵢ⟩ − yᵢ)², whose
per-sample gradient is rᵢ xᵢ⊙v with rᵢ = ⟨v⊙v, xᵢ⟩ − yᵢ.  Its Hessian is
(1/n) Σᵢ [2(xᵢ⊙v)(xᵢ⊙v)ᵀ + rᵢ diag(xᵢ)], so at zero loss
tr ∇²L = (2/n) Σᵢⱼ xᵢⱼ² vⱼ² ≈ 2‖v⊙v‖₁ (4‖v⊙v‖₁ for the ½-normalised loss),
so ¼ tr ∇²L ∝ ‖v⊙v‖₁ and label noise should end at the minimum-ℓ1 interpolant
of the seed (``reference.py``: basis pursuit, an LP).  Each run logs its
distance to it and whether it rounds to its support (every coordinate of v⊙v
on the right side of half the smallest nonzero entry of w_ℓ1).

``product`` (the toy): f(u, v) = u·v with one sample y = 1 and the loss
L = ½(uv − y)² (closed forms in ``implicitbias.toy_drift``).  On uv = 1 write
u = eˢ, v = e⁻ˢ; off it, s is defined by u² − v² = 2 sinh 2s, the quantity
gradient flow conserves.  One label-noise step gives exactly
u'² − v'² = (u² − v²)(1 − η²r²), r = uv − y − ε, so E sinh 2s shrinks by about
1 − η²σ² per step: the ¼ tr ∇²L prediction sinh 2s_k = sinh 2s₀·e^{−η²σ²k}.
Damian–Lee–Ma's exact-log form gives ds/dk = −(η²σ²/2) tanh 2s/(1 − η cosh 2s).
Gaussian parameter noise leaves E sinh 2s unchanged up to O(η³σ²k); its mean
s still drifts (Itô: s is a concave function of sinh 2s for s > 0, by
−(η²σ²/2) tanh 2s/cosh 2s per step), so the control is checked on E sinh 2s.

η is in units of 1/β, β the largest one-sample Hessian eigenvalue at the start
(``problem.py``): the batch-1 step is stable iff η < 2, for every seed.

Optimizers (the grid's optimizer axis):

- ``gd``: full-batch gradient of L; with σ > 0 every label is perturbed afresh at
  every step: label noise alone, without minibatch sampling (its gradient noise
  has covariance σ²/n·(1/n)Σᵢ(xᵢ⊙v)(xᵢ⊙v)ᵀ, that of one-sample label-noise SGD
  at σ/√n, so the config sets σ√(n/b) for it);
- ``sgd``: the lecture's label-noise SGD, ``batch_size`` sampled points (default 1);
  with σ = 0 it is minibatch noise alone;
- ``noisy_gd``: the SGLD-style control, θ ← θ − η(∇L(θ) + σξ), ξ ~ N(0, I) on clean
  labels: Gaussian parameter noise ησξ of the same size as label noise's kick
  ηε∇f when ‖∇f‖² equals the number of parameters (true at v₀ = 1 in
  expectation, and at u = v = 1).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch

from ...numerics import hessian, optim, replicates, rng, step_size, train
from ...numerics.label_noise import LabelNoise
from ...numerics.toy_drift import drift_exact_log, drift_quarter_trace
from . import reference as solver
from .problem import problem, product_sharpness, quadratic_sharpness

E = "label_noise"
SAMPLE_TAG, GAUSS_TAG, PROBE_TAG = 1, 3, 4  # LABEL_TAG = 2 is implicitbias.numerics.label_noise's


class NoisyObjective:
    """Shared noise for a stack of runs: label noise on residuals, or Gaussian gradient noise.

    ``noise`` is ``"label"`` (ε uniform on {−σ, +σ} added to each label used,
    :class:`implicitbias.numerics.label_noise.LabelNoise`) or ``"gaussian"``
    (clean labels, σξ added to the gradient).  Every draw at step t is
    ``rng.<kind>(key, t, size)`` of the run's stream (fetched in blocks by
    ``rng.Stream``: the same numbers, fewer tensor calls).
    """

    def __init__(self, seeds: torch.Tensor, sigma: torch.Tensor, noise: str):
        self.sigma = sigma.reshape(-1, 1)
        self.noise = noise
        self.noisy = bool((sigma > 0).any())
        self.labels = LabelNoise(seeds, sigma if noise == "label" else torch.zeros_like(sigma))
        self.streams = {tag: rng.Streams(rng.stream_key(seeds, tag)) for tag in (SAMPLE_TAG, GAUSS_TAG)}

    def draw(self, tag: int, t: int, size: int) -> torch.Tensor:
        """``rng.uniform(key_tag, t, size)`` of every run."""
        return self.streams[tag].uniform(t, size)

    def sample(self, t: int, size: int, n: int) -> torch.Tensor:
        """Indices of the ``size`` points sampled at step t, uniform in {0, …, n−1}."""
        return rng.integers(self.draw(SAMPLE_TAG, t, size), n)

    def gradient_noise(self, g: torch.Tensor, t: int) -> torch.Tensor:
        """g + σξ with ξ ~ N(0, I) for the Gaussian control."""
        if self.noise == "gaussian" and self.noisy:
            return g + self.sigma * rng.gaussians(self.draw(GAUSS_TAG, t, 2 * g.shape[1]), g.dtype)
        return g


class Quadratic(NoisyObjective):
    """L(v) = (1/n) Σᵢ ¼(⟨v⊙v, xᵢ⟩ − yᵢ)² per run; X ``[R, n, d]``, y ``[R, n]``."""

    def __init__(self, X, y, seeds, sigma, noise):
        super().__init__(seeds, sigma.to(X), noise)
        self.X, self.y, self.n = X, y, X.shape[1]

    def residual(self, v):
        """rᵢ = ⟨v⊙v, xᵢ⟩ − yᵢ, shape ``[R, n]``."""
        return (self.X * (v * v)[:, None, :]).sum(dim=2) - self.y  # 3x faster than a batched matmul here

    def loss(self, v):
        return 0.25 * self.residual(v).square().mean(dim=1)

    def grad(self, v, t, batch_size=None):
        """Mean over the used samples of rᵢ xᵢ⊙v (the gradient of ¼rᵢ²), with the chosen noise."""
        if batch_size is None or batch_size >= self.n:
            X, r = self.X, self.residual(v)
        else:
            idx = self.sample(t, batch_size, self.n)
            X = torch.gather(self.X, 1, idx[:, :, None].expand(-1, -1, self.X.shape[2]))
            r = (X * (v * v)[:, None, :]).sum(dim=2) - torch.gather(self.y, 1, idx)
        r = self.labels.perturb(r, t)
        g = (r[:, None, :] @ X)[:, 0, :] * v / X.shape[1]
        return self.gradient_noise(g, t)

    def trace_hessian(self, v):
        """tr ∇²L = (1/n) Σᵢ [2 Σⱼ xᵢⱼ² vⱼ² + rᵢ Σⱼ xᵢⱼ] in closed form (clean labels)."""
        r = self.residual(v)
        return (2 * ((self.X * self.X) @ (v * v)[:, :, None])[:, :, 0] + r * self.X.sum(dim=2)).mean(dim=1)

def quadratic_loss(v: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss of one run (for torch.func): (1/n) Σᵢ ¼(⟨v⊙v, xᵢ⟩ − yᵢ)²."""
    return 0.25 * (X @ (v * v) - y).square().mean()


class Product(NoisyObjective):
    """L(u, v) = ½(uv − y)² per run, θ = (u, v) of shape ``[R, 2]``; one sample, so SGD = GD."""

    def __init__(self, target: float, seeds, sigma, noise):
        super().__init__(seeds, sigma, noise)
        self.target = target

    def loss(self, theta):
        u, v = theta.unbind(dim=1)
        return 0.5 * (u * v - self.target).square()

    def grad(self, theta, t, batch_size=None):
        u, v = theta.unbind(dim=1)
        r = self.labels.perturb((u * v - self.target)[:, None], t)
        return self.gradient_noise(r * torch.stack([v, u], dim=1), t)


def s_of(theta: torch.Tensor) -> torch.Tensor:
    """s with u² − v² = 2 sinh 2s (the quantity gradient flow conserves), per row of ``[R, 2]``."""
    u, v = theta.unbind(dim=1)
    return 0.5 * torch.asinh((u * u - v * v) / 2)


class Guarded:
    """The toy as the training loop's divergence check sees it: L(θ) + L(0).

    The toy starts ON the zero-loss set (L(θ₀) = 0), where "loss above blowup ×
    initial loss" would flag any step; measuring L + L(0) = L + ½y² makes the
    check "loss above blowup × ½y²" (and non-finite iterates)."""

    def __init__(self, objective: Product):
        self.objective = objective
        self.grad = objective.grad

    def loss(self, theta):
        return self.objective.loss(theta) + 0.5 * self.objective.target**2


def product_loss(theta: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """½(uv − y)² of one run (for torch.func)."""
    return 0.5 * (theta[0] * theta[1] - target).square()


# ------------------------------------------------------------- training


NOISE = {"gd": "label", "sgd": "label", "noisy_gd": "gaussian"}


def make_rule(name: str, x0, eta, batch_size: int = 1):
    """The update rule: gd or sgd from implicitbias.optim (noisy_gd is gd on a noisy gradient)."""
    return optim.make("sgd", x0, eta, {"batch_size": batch_size}) if name == "sgd" else optim.make("gd", x0, eta)


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one group; η is in ``eta_unit`` (default inverse_sharpness: 1/β, see problem.py)."""
    model = cells[0].model
    unit = step_size.unit_of(settings, cells[0].optimizer)
    if model == "quadratic":
        return train_quadratic(settings[model], cells, device, dtype, unit, reference)
    return train_product(settings[model], cells, device, dtype, unit)


def train_quadratic(s: dict, cells: list, device, dtype, unit: str = "absolute", reference=None):
    """Sparse recovery: one run per cell (its seed draws X and the noise); distances to the seed's
    minimum-ℓ1 interpolant w_ℓ1 (``reference``, solved here when it is not given)."""
    n, d, kappa = s["n"], s["d"], s["kappa"]
    seeds_ = [c.seed for c in cells]
    data = [problem(seed, n, d, kappa) for seed in seeds_]
    beta = np.array([quadratic_sharpness(p[0], s["init"]) for p in data])
    eta_abs = step_size.absolute_step([c.eta for c in cells], unit, beta=beta)
    ref = (reference or solver.reference({"quadratic": s}, sorted(set(seeds_))))["quadratic"]
    as_t = partial(train.stacked, dtype=dtype, device=device)
    X, y, w = as_t([p[0] for p in data]), as_t([p[1] for p in data]), as_t([p[2] for p in data])
    w_l1 = as_t([np.asarray(ref[str(seed)]["w_l1"]) for seed in seeds_])
    on_l1 = w_l1 > 0.0
    # rounding to the support of w_ℓ1: coordinate j rounds to it iff w_j > ½ min over the support of w_ℓ1
    scale = torch.where(on_l1, w_l1, torch.full_like(w_l1, float("inf"))).min(dim=1).values
    seeds = torch.tensor(seeds_, device=device)
    sigma = torch.tensor([c.sigma for c in cells], dtype=dtype, device=device)
    name = cells[0].optimizer
    objective = Quadratic(X, y, seeds, sigma, NOISE[name])
    clean = Quadratic(X, y, seeds, torch.zeros_like(sigma), "label")
    v0 = torch.full((len(cells), d), s["init"], dtype=dtype, device=device)
    rule = make_rule(name, v0, torch.tensor(eta_abs, dtype=dtype, device=device), s["batch_size"])
    drop_after, factor = int(s["eta_drop_at"] * s["steps"]), s["eta_drop_factor"]
    rule.schedule = lambda t: 1.0 if t <= drop_after else factor
    probe_key = rng.stream_key(seeds, PROBE_TAG)
    inf = torch.tensor(float("inf"), dtype=dtype, device=device)

    def metrics(v):
        w_hat = v * v
        return {
            "test_error": (w_hat - w).square().sum(dim=1),
            "dist_l1": (w_hat - w_l1).square().sum(dim=1),
            "train_loss": clean.loss(v),
            "trace_hessian": clean.trace_hessian(v),
            "trace_zero_loss": 2 * torch.einsum("rnd,rd->r", X * X, w_hat) / n,
            "l1_norm": w_hat.abs().sum(dim=1),
            "support_off": torch.where(on_l1, -inf, w_hat).max(dim=1).values / scale,
            "support_on": torch.where(on_l1, w_hat, inf).min(dim=1).values / scale,
            "sample_sharpness": 2 * ((X * X) @ w_hat[:, :, None])[:, :, 0].max(dim=1).values,
        }

    log_at = train.log_schedule(s["steps"], s["log_points"])
    traj = train.run(objective, rule, v0, log_at, metrics, blowup=s["blowup"])
    v = traj.x
    H = hessian.matrix(quadratic_loss, v, X, y)
    constants = {
        "beta": beta,
        "eta_abs": eta_abs,
        "eta_drop_step": np.full(len(cells), drop_after),
        "trace_exact_final": torch.diagonal(H, dim1=1, dim2=2).sum(dim=1).cpu().numpy(),
        "trace_hutchinson_final": hessian.trace_hutchinson(
            quadratic_loss, v, X, y, key=probe_key, probes=s["hutchinson_probes"]
        ).cpu().numpy(),
        "hutchinson_sd": hessian.hutchinson_sd(H, s["hutchinson_probes"]).cpu().numpy(),
        "train_loss0": clean.loss(v0).cpu().numpy(),
        "test_error0": (v0 * v0 - w).square().sum(dim=1).cpu().numpy(),
    }
    return traj, constants


def train_product(s: dict, cells: list, device, dtype, unit: str = "absolute"):
    """The toy: ``runs`` replicates per cell, pooled into means and standard errors."""
    runs = s["runs"]
    s0 = s["s0"]
    beta = np.full(len(cells), product_sharpness(s0, s["target"]))
    eta_abs = step_size.absolute_step([c.eta for c in cells], unit, beta=beta)
    seeds = replicates.seeds([c.seed for c in cells], runs, device)
    rep = lambda vals: torch.tensor(vals, dtype=dtype, device=device).repeat_interleave(runs)  # noqa: E731
    sigma, eta = rep([c.sigma for c in cells]), rep(eta_abs)
    name = cells[0].optimizer
    objective = Product(s["target"], seeds, sigma, NOISE[name])
    theta0 = torch.tensor([[math.exp(s0), math.exp(-s0)]], dtype=dtype, device=device).repeat(len(seeds), 1)
    rule = make_rule(name, theta0, eta)

    def metrics(theta):
        u, v = theta.unbind(dim=1)
        return {"s": s_of(theta), "sinh2s": (u * u - v * v) / 2, "train_loss": objective.loss(theta)}

    log_at = train.log_schedule(s["steps"], s["log_points"])
    log_at = np.unique(np.concatenate([log_at, s["checkpoints"]]).astype(np.int64))
    log_at = log_at[log_at <= s["steps"]]
    traj = replicates.pool(
        train.run(Guarded(objective), rule, theta0, log_at, metrics, blowup=s["blowup"]), runs, ("s", "sinh2s")
    )
    # the two drift predictions at every logged step, per cell (they depend on η and σ)
    for key, fn in (("s_exact_log", drift_exact_log), ("s_quarter_trace", drift_quarter_trace)):
        traj.metrics[key] = np.stack([fn(s0, e, c.sigma, log_at) for e, c in zip(eta_abs, cells)], axis=1)
    constants = {"s0": np.full(len(cells), s0), "runs": np.full(len(cells), runs), "beta": beta, "eta_abs": eta_abs}
    return traj, constants
