"""GD on separable data converges in direction to the L2 max-margin (lecture, Part I).

Soudry et al. (2018): for a linear classifier trained by GD at a stable
constant step η on the exponential or logistic loss of separable data,

    θ_t = ŵ log t + w̃ + o(1),   so   θ_t/‖θ_t‖ → ŵ/‖ŵ‖,   ‖θ_t‖ ≈ ‖ŵ‖ log t,

where ŵ is the hard-margin SVM, and t·L(θ_t) → Σα/η with α its dual weights
(the loss is the **sum** Σᵢ ℓ(yᵢ⟨θ, xᵢ⟩), see ``implicitbias.classification``).
The direction error is O(1/log t) in general (1 − cos, its square, O(1/log² t));
it is faster when w̃ is parallel to ŵ, as on the symmetric set.
Other geometries give other margins: sign descent (steepest descent in ℓ∞)
and Adam with a decaying step tend to the ℓ∞ max-margin direction instead.

Data sets (the grid's ``model`` axis names the data set of the linear model):

* ``symmetric``: support vectors (0.5, 1.5), (1.5, 0.5) with y = +1 and their
  negatives with y = −1, plus 6 points per class uniform on [0.3, 3]² (negated
  for y = −1) whose margin along (1, 1)/√2 exceeds √2 + 0.3 (the seed draws
  them).  ŵ = (½, ½), α = ⅛ on each support vector.
* ``orthants``: two support vectors z = (1, −1.5, 0) and (−1, −1.5, 1) in ℝ³
  plus ``points`` random points whose margins exceed both max margins by the
  factor 1.5: ŵ = (4, −30, 8)/49, w∞ = (½, −1, 1), γ∞ = 2.  The zᵢ lie in
  several orthants and w∞ is not a vertex of the cube, so sign descent has to
  change the sign of its steps on the way (on a set with every zᵢ in one
  orthant sign ∇L is constant and θ ∝ w∞ from the first step).
* ``generic``: n standard Gaussian points in ℝ^d labelled by a random
  hyperplane through 0, keeping those at distance > ``gap`` from it: support
  vectors in general position, where the 1/log t behaviour shows.

* ``symmetric_init``: the symmetric set trained from θ₀ = 0 and from the random
  starts θ₀ = s·z/‖z‖ for each s in ``settings.sets.symmetric_init.scales``
  (several runs per cell, column ``init_scale``; z standard normal from the
  cell's seed, one z for all its scales).  Soudry et al.'s theorem holds "from
  any initial condition": θ_t = ŵ log t + ρ_t with the start only in the bounded
  ρ_t.  On the logistic loss, convex with sharpness ≤ β = σ_max(X)²/4
  everywhere, GD at η ≤ 2/β is moreover non-expansive, ‖θ_t − θ'_t‖ ≤ ‖θ₀ − θ'₀‖,
  so the directions from two starts differ by O(1/log t) (``claims.py``).  The
  exponential loss has no global sharpness (a start with negative margins can
  make η/β unstable), so the contract allows this set with the logistic loss only.

SGD (rule ``sgd``, ``batch_size`` under ``optimizers.sgd``) samples b points with
replacement per step and steps along (n/b) Σ_{i∈B} ∇ℓᵢ, the unbiased estimate
of ∇L; Nacson, Srebro & Soudry (2019) prove that with a fixed step it too
converges in direction to ŵ, at GD's O(1/log t) rate.  ``max_sq_norm`` =
maxᵢ‖zᵢ‖² records their step condition: each single-sample step of length
n·η·ℓ''·‖zᵢ‖² ≤ 2 (ℓ'' ≤ ¼ for the logistic loss) does not overshoot.

Each data set has its own number of steps (``settings.sets.<name>.steps``):
the symmetric set carries the rate claims and needs the longest runs.

Every logged step records, besides the loss and ‖θ‖, the angle gaps
1 − cos(θ, ŵ) and 1 − cos(θ, w∞), the L2-normalised margin minᵢ⟨θ, zᵢ⟩/‖θ‖
and the ℓ∞-normalised margin minᵢ⟨θ, zᵢ⟩/‖θ‖∞ (the angle of θ on planar
sets).  The constants of a cell include Σₜ ηₜ and Σₜ ηₜ² over its steps
(``eta_sum``, ``eta_sq_sum``), n and maxᵢ‖zᵢ‖₁ (``n_points``, ``l1_radius``):
the terms of the sign-descent margin bound in ``claims.py``.

Step sizes (``implicitbias.numerics.step_size``): with ``eta_unit:
inverse_sharpness`` the η of gd and heavy_ball is in units of 1/β, β =
ℓ''(0)·σ_max(X)² the sharpness at θ = 0 (the largest it gets); the other rules
(adam, adam_decay, sign_gd, normalized_gd) move by about η per coordinate or
per step whatever the size of the gradient, so the config gives them
``eta_unit: absolute`` under ``optimizers:``.  ``adam_decay`` is Adam with the options of ``adam`` and the step
η/√t.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...numerics import classification, optim, rng, step_size, train
from .problem import angle_deg, data

# optimizer name on the grid -> (update rule, options forced on top of the rule's own)
VARIANTS = {"adam_decay": ("adam", {"schedule": "inv_sqrt"})}
INIT_TAG = 40  # the stream tag of the random start z of the set symmetric_init


# ---------------------------------------------------------------- training


def rule_and_options(name: str, settings: dict) -> tuple[str, dict]:
    """The update rule behind a grid optimizer name, and its options from the settings."""
    rule, forced = VARIANTS.get(name, (name, {}))
    return rule, {**step_size.rule_options(settings, rule), **forced}


def init_scales(name: str, settings: dict) -> np.ndarray:
    """The scales s of the starts θ₀ = s·z/‖z‖ of each cell: 0 alone, or on symmetric_init 0 and its scales."""
    extra = settings["sets"][name].get("scales", []) if name == "symmetric_init" else []
    return np.array([0.0, *extra])


def random_starts(seeds: torch.Tensor, scales: torch.Tensor, d: int) -> torch.Tensor:
    """θ₀ = s·z/‖z‖ per run (``[R, d]``), z = ``rng.normal`` of the run's seed: a start that does not
    depend on the batch it trains in, the same direction z for every scale of one seed."""
    z = rng.normal(rng.stream_key(seeds, INIT_TAG), 0, d, scales.dtype)
    return scales[:, None] * z / torch.linalg.vector_norm(z, dim=1, keepdim=True)


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one batch (one data set, loss, optimizer) from θ = 0, and on
    symmetric_init also from the random starts of each cell (one run per start)."""
    name, loss, opt = cells[0].model, cells[0].loss, cells[0].optimizer
    if reference is None:  # outside the pipeline: solve the references here
        from .reference import reference as solve

        reference = solve(settings, sorted({c.seed for c in cells}))
    scales = init_scales(name, settings)
    cell_of_run = np.repeat(np.arange(len(cells)), len(scales))
    runs = [cells[i] for i in cell_of_run]
    Xs, ys, refs = [], [], []
    for c in runs:
        X, y = data(name, c.seed, settings)
        Xs.append(X)
        ys.append(y)
        refs.append(reference[name][str(c.seed)])
    as_t = partial(train.stacked, dtype=dtype, device=device)
    X, y = as_t(Xs), as_t(ys)
    w_hat = np.array([r["w"] for r in refs])
    w_inf = np.array([r["w_inf"] for r in refs])
    W_hat, W_inf = as_t(w_hat), as_t(w_inf)

    beta = classification.curvature_at_zero(loss) * np.array([np.linalg.norm(A, 2) ** 2 for A in Xs])
    rule, options = rule_and_options(opt, settings)
    eta = step_size.absolute_step([c.eta for c in runs], step_size.unit_of(settings, rule), beta=beta)

    seeds = torch.tensor([c.seed for c in runs], device=device)
    objective = classification.LinearClassifier(X, y, loss, seeds=seeds)
    s0 = np.tile(scales, len(cells))
    theta0 = random_starts(seeds, torch.as_tensor(s0, dtype=dtype, device=device), X.shape[2])
    update = optim.make(rule, theta0, torch.as_tensor(eta, dtype=dtype, device=device), options)
    planar = X.shape[2] == 2

    def metrics(theta):
        out = {
            "train_loss": objective.loss(theta),
            "norm": torch.linalg.vector_norm(theta, dim=1),
            "gap_l2": classification.angle_gap(theta, W_hat),
            "gap_linf": classification.angle_gap(theta, W_inf),
            "margin": objective.normalised_margin(theta),
            "margin_linf": objective.margins(theta).min(dim=1).values / theta.abs().amax(dim=1),
        }
        if planar:
            out["angle"] = torch.rad2deg(torch.atan2(theta[:, 1], theta[:, 0]))
        return out

    steps = settings["sets"][name]["steps"]
    log_at = train.log_schedule(steps, settings["log_points"])
    traj = train.run(objective, update, theta0, log_at, metrics, blowup=settings["blowup"])
    traj.cell_of_run = cell_of_run
    w_norm = np.linalg.norm(w_hat, axis=1)
    s = np.array([update.schedule(t) for t in range(1, steps + 1)])  # η_t = η s(t)
    Zs = [y[:, None] * x for x, y in zip(Xs, ys)]
    constants = {
        "eta_abs": eta,
        "eta_sum": eta * s.sum(),
        "eta_sq_sum": eta**2 * (s**2).sum(),
        "beta": beta,
        "n_points": np.array([len(Z) for Z in Zs]),
        "max_sq_norm": np.array([np.square(Z).sum(axis=1).max() for Z in Zs]),
        "init_scale": s0,
        "l1_radius": np.array([np.abs(Z).sum(axis=1).max() for Z in Zs]),
        "svm_norm": w_norm,
        "svm_margin": 1.0 / w_norm,
        "sum_alpha": np.array([np.sum(r["alpha"]) for r in refs]),
        "gamma_inf": np.array([r["gamma_inf"] for r in refs]),
        "linf_margin_of_w": np.array([r["linf_margin_of_w"] for r in refs]),
        "lambda_min": np.array([r["lambda_min"] for r in refs]),
        "mu_min": np.array([r["mu_min"] for r in refs]),
    }
    if planar:
        constants["angle_l2"] = np.array([angle_deg(w) for w in w_hat])
        constants["angle_linf"] = np.array([angle_deg(w) for w in w_inf])
    return traj, constants
