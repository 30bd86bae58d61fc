"""Figure "escape": vanilla GD is brittle; noisy dynamics escape (Kramers) and concentrate (Gibbs).

Two models (the grid's model axis):

``double_well`` (loss ``potential``): V(θ) = (θ² − 1)² + cθ, shallow minimum a,
saddle s, deep minimum b (``implicitbias.numerics.double_well``).

- ``gd`` (σ = 0): θ ← θ − ηV'(θ) from ``gd_inits`` points spread over (s, 2a − s].
- ``noisy_gd``: θ ← θ − ηV'(θ) + ησξ, ξ ~ N(0, 1): the Euler–Maruyama chain of
  overdamped Langevin dynamics at temperature T = ησ²/2 (unadjusted Langevin).
- ``sgd``: V = ½(V₊ + V₋) with V± = V ± σθ, one of the two sampled per step:
  θ ← θ − η(V'(θ) + ε), ε = ±σ, gradient noise of the same variance σ²; it is
  label noise ε on the tilt's label c, drawn by ``implicitbias.numerics.label_noise``.

Every noisy cell holds ``runs`` replicates (``implicitbias.numerics.replicates``), all
started at a and run for ``steps`` steps; a run *escapes* at the first step
with θ ≤ b.  The table has one row per run and logged step (θ), with the run's
escape step (−1: not by ``steps``).

``teacher_student`` (loss ``squares``): the population loss of a two-layer ReLU
student (n units) learning an orthonormal teacher (k units) from x ~ N(0, I_d)
(Safran & Shamir 2018; ``implicitbias.numerics.relu_teacher``), from Xavier
initialisation W₀ ~ N(0, 1/d) (the same W₀ for every optimizer: paired runs).
``steps`` steps of the optimizer, then the same ``polish_steps`` GD steps for
all, then Newton steps on the exact Hessian (``torch.func``) from every point
that is not already a global minimum.  The table keeps, per run, the numbers
that certify its end point (loss, gradient norm, smallest Hessian eigenvalue and
their rounding bounds); ``implicitbias.numerics.critical_points`` reads them as
a global minimum, a spurious minimum, or neither.

Optimizers: ``gd`` (∇L), ``sgd`` (gradient of a fresh batch of ``batch_size``
Gaussian inputs), ``label_noise_sgd`` (the same inputs as ``sgd``, with labels
y ± σ: the two differ by the label noise alone), ``noisy_gd`` (∇L + σξ: Langevin
at T = ησ²/2).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ...numerics import optim, replicates, rng, step_size
from ...numerics import relu_teacher as rt
from ...numerics import train as loop
from ...numerics.double_well import TiltedDoubleWell
from ...numerics.label_noise import LabelNoise
from ...numerics.train import Trajectory

NOISE_TAG = 11  # the double well's Gaussian noise; its label noise is numerics.label_noise's (tag 2)
INIT_TAG, INPUT_TAG, GAUSS_TAG = 21, 22, 24


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    c0 = cells[0]  # the contract's allowed combinations are checked at planning time
    # the step each cell takes (eta_abs; this experiment's eta is absolute)
    steps = step_size.absolute_step([c.eta for c in cells], step_size.unit_of(settings, c0.optimizer))
    if c0.model == "teacher_student":
        return train_teacher_student(settings["teacher_student"], cells, steps, device, dtype)
    s = settings["double_well"]
    if c0.optimizer == "gd":
        return train_gd(s, cells, steps, device, dtype)
    return train_noisy(s, cells, steps, device, dtype)


# ------------------------------------------------------------------ double well: GD


class Potential:
    """V as the training loop's objective, for runs θ of shape ``[R, 1]``; the loss is
    V(θ) − V(b) + 1 ≥ 1, so that the loop's blow-up check compares with a positive number."""

    def __init__(self, well: TiltedDoubleWell):
        self.well, self.floor = well, well.V(well.b) - 1

    def loss(self, x):
        return self.well.V(x[:, 0]) - self.floor

    def grad(self, x, t, batch_size=None):
        return self.well.dV(x)


def gd_inits(well: TiltedDoubleWell, count: int) -> np.ndarray:
    """``count`` points spaced evenly inside (s, 2a − s], the part of a's basin mirrored about a."""
    _, s, a = well.critical_points()
    return s + (2 * a - 2 * s) * np.arange(1, count + 1) / count


def fixed_point_rounding(well: TiltedDoubleWell, eta) -> np.ndarray:
    """8u(|a| + η Σ|terms of V'(a)|)/(ηV''(a)): how far from a the computed GD map can stop.

    A computed fixed point θ* satisfies |ηV'(θ*)| ≤ η·(error of V') + (error of the
    subtraction) ≤ u(η Σ|terms| + |a|)·(a few); V'(θ*) ≈ V''(a)(θ* − a) turns
    this into a distance, with the factor 8 covering the few roundings of each term."""
    a, c = well.a, well.c
    eta = np.asarray(eta, dtype=float)
    terms = 4 * abs(a) ** 3 + 4 * abs(a) + abs(c)
    return 8 * 2.0**-53 * (abs(a) + eta * terms) / (eta * well.d2V(a))


def train_gd(s: dict, cells: list, steps: np.ndarray, device, dtype):
    well = TiltedDoubleWell(s["tilt"])
    inits = gd_inits(well, s["gd_inits"])
    J = len(inits)
    theta0 = torch.as_tensor(np.tile(inits, len(cells)), dtype=dtype, device=device)[:, None]
    eta_run = np.repeat(steps, J)
    rule = optim.make("gd", theta0, torch.as_tensor(eta_run, dtype=dtype, device=device))
    a = well.a
    log_at = loop.log_schedule(s["gd_steps"], s["log_points"])
    traj = loop.run(Potential(well), rule, theta0, log_at,
                    lambda x: {"theta": x[:, 0], "distance_to_a": (x[:, 0] - a).abs()}, blowup=s["blowup"])  # fmt: skip
    traj.cell_of_run = np.repeat(np.arange(len(cells)), J)
    hi = 2 * a - well.s
    constants = {
        "theta0": np.tile(inits, len(cells)),
        "eta_abs": eta_run,
        "secant_sharpness": np.full(len(eta_run), well.secant_sharpness(hi)),
        "rounding_bound": fixed_point_rounding(well, eta_run),
    }
    return traj, constants


# ---------------------------------------------------------- double well: noisy GD and SGD


class NormalStream(rng.Stream):
    """``rng.normal(key, t, size)`` for t = 0, 1, 2, …: the uniforms of a block of steps are
    fetched by ``rng.Stream`` and turned into normals by one Box–Muller call per block
    (the same numbers as step by step)."""

    def __init__(self, key: torch.Tensor, size: int):
        super().__init__(key, 2 * size)
        self.block = -1

    def normal(self, step: int) -> torch.Tensor:
        m, i = divmod(step, self.chunk)
        if m != self.block:
            self.uniform(step)
            self.normals, self.block = rng.gaussians(self.values), m
        return self.normals[:, i]


def train_noisy(s: dict, cells: list, steps: np.ndarray, device, dtype):
    """``runs`` replicates of every cell from θ₀ = a, ``steps`` steps; the step of first arrival at θ ≤ b."""
    well = TiltedDoubleWell(s["tilt"])
    b, _, a = well.critical_points()
    runs, K = s["runs"], s["steps"]
    seeds = replicates.seeds([c.seed for c in cells], runs, device)
    per_run = lambda v: torch.tensor(v, dtype=dtype, device=device).repeat_interleave(runs)
    eta, sigma = per_run(steps), per_run([c.sigma for c in cells])
    gaussian = cells[0].optimizer == "noisy_gd"
    normals = NormalStream(rng.stream_key(seeds, NOISE_TAG), 1) if gaussian else None
    labels = None if gaussian else LabelNoise(seeds, sigma)
    R = len(seeds)
    theta = torch.full((R,), a, dtype=dtype, device=device)
    alive = torch.ones(R, dtype=torch.bool, device=device)
    before = torch.zeros(R, dtype=torch.int64, device=device)  # steps k ≥ 1 with θ_j > b for all j ≤ k
    log_at = loop.log_schedule(K, s["log_points"])
    logged = {int(t): i for i, t in enumerate(log_at)}
    table = torch.full((len(log_at), R), float("nan"), dtype=dtype, device=device)
    table[0] = theta
    diverged_at = torch.full((R,), -1, dtype=torch.int64, device=device)
    # θ ← θ − η(4θ³ − 4θ + c) + ησ·noise = (1 + 4η)θ − 4ηθ³ + (ησ·noise − ηc)
    grow, cube, shift = 1 + 4 * eta, -4 * eta, -eta * well.c
    kick = eta * sigma
    for k in range(1, K + 1):
        # noisy GD: + ησξ; SGD: the tilt's label c + ε, ε = ±σ, i.e. −η(V'(θ) + ε)
        z = normals.normal(k)[:, 0] if gaussian else -labels.signs(k, 1, dtype)[:, 0]
        theta = torch.addcmul(torch.addcmul(shift, kick, z).addcmul_(grow, theta), cube, theta * theta * theta)
        alive &= theta > b
        before += alive
        i = logged.get(k)
        if i is not None:
            table[i] = theta
            bad = (~torch.isfinite(theta) | (theta.abs() > s["blowup"])) & (diverged_at < 0)
            diverged_at = torch.where(bad, k, diverged_at)
    escape = torch.where(alive, -1, before + 1).cpu().numpy()
    traj = Trajectory(steps=log_at, metrics={"theta": table.cpu().numpy()}, diverged_at=diverged_at.cpu().numpy(),
                      x=theta[:, None], cell_of_run=np.repeat(np.arange(len(cells)), runs))  # fmt: skip
    constants = {
        "replicate": np.tile(np.arange(runs), len(cells)),
        "eta_abs": eta.cpu().numpy(),
        "escape_step": escape,
    }
    return traj, constants


# ------------------------------------------------------------------ teacher–student


class TeacherStudent:
    """The population loss for runs x = vec(W) of shape ``[R, n·d]``, with each optimizer's gradient."""

    def __init__(self, V, n, d, optimizer, seeds, sigma, batch_size):
        self.V, self.n, self.d, self.optimizer = V, n, d, optimizer
        self.sigma = sigma[:, None]  # Langevin's gradient noise (noisy_gd)
        self.batch = batch_size
        size = {"sgd": batch_size * d, "label_noise_sgd": batch_size * d, "noisy_gd": n * d}.get(optimizer, 0)
        self.normals = NormalStream(rng.stream_key(seeds, GAUSS_TAG if optimizer == "noisy_gd" else INPUT_TAG), size) \
            if size else None  # fmt: skip
        self.labels = LabelNoise(seeds, sigma) if optimizer == "label_noise_sgd" else None

    def W(self, x):
        return x.reshape(x.shape[0], self.n, self.d)

    def loss(self, x):
        return rt.loss(self.W(x), self.V)

    def grad(self, x, t, batch_size=None):
        W = self.W(x)
        if self.optimizer in ("sgd", "label_noise_sgd"):
            X = self.normals.normal(t).reshape(x.shape[0], self.batch, self.d)
            return rt.minibatch_grad(W, self.V, X, self.labels, t).reshape(x.shape)
        g = rt.grad(W, self.V).reshape(x.shape)
        if self.optimizer == "noisy_gd":
            g = g + self.sigma * self.normals.normal(t)
        return g


def newton(W: torch.Tensor, V: torch.Tensor, steps: int) -> torch.Tensor:
    """Up to ``steps`` Newton steps W ← W − (∇²L)⁻¹∇L on the exact Hessian, for a stack of runs.

    A run stops once its step is below 4u‖W‖ (converged to working precision); a
    run whose step is not finite (a singular Hessian) keeps its point."""
    R, n, d = W.shape
    moving = torch.ones(R, dtype=torch.bool, device=W.device)
    for _ in range(steps):
        idx = torch.nonzero(moving).flatten()
        if not len(idx):
            break
        Wi = W[idx]
        g = rt.grad(Wi, V).reshape(len(idx), n * d, 1)
        step = torch.linalg.lstsq(rt.hessian(Wi, V), g).solution.reshape(len(idx), n, d)
        size = torch.linalg.vector_norm(step.reshape(len(idx), -1), dim=1)
        ok = torch.isfinite(size)
        W = W.clone()
        W[idx[ok]] = Wi[ok] - step[ok]
        moving[idx] = ok & (size > 4 * rt.U * torch.linalg.vector_norm(Wi.reshape(len(idx), -1), dim=1))
    return W


def certify(W: torch.Tensor, V: torch.Tensor, newton_steps: int) -> dict[str, np.ndarray]:
    """The numbers that classify every run's end point (``implicitbias.numerics.critical_points``).

    A run whose loss L is at most its rounding bound is at a global minimum as it
    stands.  From every other finite point ``newton_steps`` Newton steps find the
    critical point GD was converging to, where L, the gradient norm and the
    smallest eigenvalue of the exact Hessian (``torch.func.hessian`` of the closed
    form) are measured together with their rounding bounds."""
    R, n, _ = W.shape
    nan = lambda: torch.full((R,), float("nan"), dtype=W.dtype, device=W.device)
    out = {name: nan() for name in ("certified_loss", "loss_bound", "grad_norm", "grad_bound", "lambda_min",
                                    "hessian_bound", "newton_displacement")}  # fmt: skip
    finite = torch.isfinite(W.reshape(R, -1)).all(dim=1)
    L, eps_L = rt.loss(W, V), rt.loss_rounding_bound(W, V)
    at_zero = finite & (L <= eps_L)
    out["certified_loss"] = torch.where(finite, L, out["certified_loss"])
    out["loss_bound"] = torch.where(finite, eps_L, out["loss_bound"])
    out["newton_displacement"] = torch.where(at_zero, torch.zeros_like(L), out["newton_displacement"])
    idx = torch.nonzero(finite & ~at_zero).flatten()
    if len(idx):
        W0 = W[idx]
        Ws = newton(W0, V, newton_steps)
        H = rt.hessian(Ws, V)
        ok = torch.isfinite(H.reshape(len(idx), -1)).all(dim=1)
        lam = torch.full((len(idx),), float("nan"), dtype=W.dtype, device=W.device)
        if ok.any():
            lam[ok] = torch.linalg.eigvalsh(H[ok])[:, 0]
        values = {
            "certified_loss": rt.loss(Ws, V),
            "loss_bound": rt.loss_rounding_bound(Ws, V),
            "grad_norm": torch.linalg.vector_norm(rt.grad(Ws, V).reshape(len(idx), -1), dim=1),
            "grad_bound": rt.grad_rounding_bound(Ws, V),
            "lambda_min": lam,
            "hessian_bound": rt.hessian_rounding_bound(H, n, V.shape[0]),
            "newton_displacement": torch.linalg.vector_norm((Ws - W0).reshape(len(idx), -1), dim=1),
        }
        for name, v in values.items():
            out[name][idx] = v
    return {name: v.cpu().numpy() for name, v in out.items()}


def train_teacher_student(s: dict, cells: list, steps: np.ndarray, device, dtype):
    k, n, d, runs = s["k"], s["n"], s["d"], s["runs"]
    V = rt.teacher(k, d, dtype, device)
    seeds = replicates.seeds([c.seed for c in cells], runs, device)
    R = len(seeds)
    per_run = lambda v: torch.tensor(v, dtype=dtype, device=device).repeat_interleave(runs)
    eta, sigma = per_run(steps), per_run([c.sigma for c in cells])
    x0 = (rng.normal(rng.stream_key(seeds, INIT_TAG), 0, n * d, dtype) / math.sqrt(d)).to(device)
    objective = TeacherStudent(V, n, d, cells[0].optimizer, seeds, sigma, s["batch_size"])
    log_at = loop.log_schedule(s["steps"], s["log_points"])

    def metrics(x):
        W = objective.W(x)
        return {"population_loss": rt.loss(W, V), "gradient_norm": torch.linalg.vector_norm(rt.grad(W, V).reshape(R, -1), dim=1)}

    traj = loop.run(objective, optim.make("gd", x0, eta), x0, log_at, metrics, blowup=s["blowup"])
    traj.cell_of_run = np.repeat(np.arange(len(cells)), runs)
    x = traj.x.clone()
    x[torch.as_tensor(traj.diverged, device=device)] = float("nan")
    rule = optim.make("gd", x, eta)
    for t in range(1, s["polish_steps"] + 1):
        x = rule.step(x, rt.grad(objective.W(x), V).reshape(x.shape), t)
    W = objective.W(x)
    constants = certify(W, V, s["newton_steps"])
    constants["polished_loss"] = rt.loss(W, V).cpu().numpy()
    constants["replicate"] = np.tile(np.arange(runs), len(cells))
    constants["eta_abs"] = eta.cpu().numpy()
    return traj, constants
