"""Double descent: the minimum-norm interpolant's risk peaks at p = n and falls after it.

The lecture shows that GD from 0 on least squares converges to the minimum-norm
solution A⁺y.  Its test risk, as the number of parameters p grows past the
number of samples n, first rises to a peak at p = n (the interpolation
threshold) and then descends again; ridge at the optimal λ has no peak.

(a) ``isotropic``: x ~ N(0, I_p), y = xᵀβ + ξ + ε with ‖β‖² = r², observation
    noise ξ ~ N(0, s²) (setting ``noise_variance``) and the grid's label noise
    ε uniform on {−σ, +σ} (drawn once per sample, so the data's total noise
    variance is s² + σ²).  n is fixed and γ = p/n sweeps the setting ``gammas``.
    Estimators (the grid's optimizer axis):
      ``min_norm``  β̂ = X⁺y (LAPACK gelsd: SVD-based, minimum norm),
      ``ridge``     β̂ = (XᵀX + nλ*I)⁻¹Xᵀy at λ* = (s² + σ²)γ/r²,
      ``gd``        GD from 0 on E(β) = ½‖Xβ − y‖² (a sum) for the γ in
                    ``gd_gammas``; η in units of 1/β_max, β_max = λ_max(XᵀX).
    Excess risk R = E_x(xᵀβ̂ − xᵀβ)² = ‖β̂ − β‖², compared with the formulas of
    Hastie, Montanari, Rosset & Tibshirani (``implicitbias.hmrt``).
(b) ``rff_digits`` and ``relu_digits``: scikit-learn's bundled digits, n_train
    images, random features (``implicitbias.digits``), one-hot targets (plus ε
    on the training targets), ``min_norm`` coefficients for N in ``features``.

Closed forms have no steps: in this family's table the column ``step`` numbers
the points of the sweep (0, 1, …), whose values are the columns ``gamma`` = p/n
and ``p`` (the dimension, or the number of features N).  The grid's η is used
by ``gd`` only.
"""

from __future__ import annotations

import numpy as np
import torch

from ...numerics import digits, hmrt, least_squares, objectives, optim, step_size, train

E = "double_descent"


# ---------------------------------------------------------------- estimators


def min_norm(A: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """argmin ‖B‖ over the minimisers of ‖AB − Y‖, batched over the leading axis.

    LAPACK gelsd (SVD) runs on the CPU, the only device torch has it on; it
    is backward stable, also when A is square and nearly singular (p ≈ n).
    """
    out = torch.linalg.lstsq(A.cpu(), Y.cpu(), driver="gelsd").solution
    return out.to(A.device)


def ridge(A: torch.Tensor, Y: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """β̂ = (AᵀA + nλI)⁻¹AᵀY, in the dual form Aᵀ(AAᵀ + nλI)⁻¹Y when p > n (the same
    matrix by the push-through identity, and the smaller system); λ is ``[R]``."""
    n, p = A.shape[-2:]
    shift = (n * lam).reshape(-1, 1, 1)
    At = A.mT
    if p <= n:
        return torch.linalg.solve(At @ A + shift * torch.eye(p, dtype=A.dtype, device=A.device), At @ Y)
    return At @ torch.linalg.solve(A @ At + shift * torch.eye(n, dtype=A.dtype, device=A.device), Y)


# ---------------------------------------------------------------- (a) isotropic


def isotropic_problem(seed: int, n: int, p: int, r2: float, s2: float, sigma: float):
    """X (n×p) ~ N(0, 1), β uniform on the sphere of radius r, y = Xβ + ξ + ε.

    The draw depends on (seed, p) only, so every estimator sees the same data.
    """
    g = np.random.default_rng([seed, 60, p])
    X = g.standard_normal((n, p))
    beta = g.standard_normal(p)
    beta *= np.sqrt(r2) / np.linalg.norm(beta)
    xi = np.sqrt(s2) * g.standard_normal(n)
    eps = sigma * (2.0 * g.integers(0, 2, n) - 1.0)
    return X, X @ beta + xi + eps, beta


def isotropic_sweep(settings, cells, device, dtype):
    """Part (a) for every cell of one estimator over the sweep of γ (also used by ``risk_map``): the risk
    ‖β̂ − β‖² and the formulas at each point; settings n, gammas (gd_gammas for ``gd``),
    signal_norm_squared and noise_variance."""
    n, r2, s2 = settings["n"], settings["signal_norm_squared"], settings["noise_variance"]
    estimator = cells[0].optimizer
    ps = hmrt.sweep_points(n, settings["gd_gammas"] if estimator == "gd" else settings["gammas"])
    sigma = np.array([c.sigma for c in cells])
    noise = s2 + sigma**2  # total noise variance of y around xᵀβ
    R, P = len(cells), len(ps)
    m = {k: np.full((P, R), np.nan) for k in ("gamma", "p", "risk", "norm", "lambda")}
    m.update({k: np.full((P, R), np.nan) for k in ("theory_exact", "theory_asymptotic", "theory_ridge")})
    if estimator == "gd":
        m.update({k: np.full((P, R), np.nan) for k in ("dist_min_norm", "eta_abs", "gd_bound")})
    diverged_at = np.full(R, -1)
    for i, p in enumerate(ps):
        draws = [isotropic_problem(c.seed, n, int(p), r2, s2, c.sigma) for c in cells]
        X, y, beta = (torch.as_tensor(np.stack([d[k] for d in draws]), dtype=dtype, device=device) for k in range(3))
        gamma = p / n
        lam = hmrt.optimal_lambda(gamma, r2, noise)
        if estimator == "min_norm":
            b = min_norm(X, y[..., None])[..., 0]
            m["lambda"][i] = 0.0
        elif estimator == "ridge":
            b = ridge(X, y[..., None], torch.as_tensor(lam, dtype=dtype, device=device))[..., 0]
            m["lambda"][i] = lam
        else:
            b, eta_abs, bad = gd_from_zero(X, y, cells, settings)
            ref = min_norm(X, y[..., None])[..., 0]
            m["dist_min_norm"][i] = (torch.linalg.vector_norm(b - ref, dim=1) / torch.linalg.vector_norm(ref, dim=1)).cpu()
            m["eta_abs"][i] = eta_abs
            m["gd_bound"][i] = gd_bound(X.cpu().numpy(), y.cpu().numpy(), ref.cpu().numpy(), eta_abs, settings["gd_steps"])
            diverged_at = np.where((diverged_at < 0) & bad, i, diverged_at)
        m["gamma"][i], m["p"][i] = gamma, p
        m["risk"][i] = torch.linalg.vector_norm(b - beta, dim=1).square().cpu()
        m["norm"][i] = torch.linalg.vector_norm(b, dim=1).cpu()
        m["theory_exact"][i] = hmrt.minnorm_exact(p, n, r2, noise)
        m["theory_asymptotic"][i] = hmrt.minnorm_asymptotic(gamma, r2, noise)
        m["theory_ridge"][i] = hmrt.optimal_ridge_risk(gamma, r2, noise)
    constants = {"n": np.full(R, n), "noise_variance_total": noise}
    return train.Trajectory(np.arange(P), m, diverged_at, b), constants


def gd_from_zero(X: torch.Tensor, y: torch.Tensor, cells, settings):
    """GD from β = 0 on E(β) = ½‖Xβ − y‖² (sum) for ``gd_steps`` steps, the grid's η in ``eta_unit`` (1/λ_max(XᵀX)).

    Uses the pipeline's LeastSquares objective and GD rule (as the pseudo-inverse
    figure does) with σ = 0 there: the label noise is already inside y.
    Returns the final β, the absolute η, and which runs diverged.
    """
    R = X.shape[0]
    beta_max = torch.linalg.matrix_norm(X, ord=2).square()
    eta_abs = step_size.absolute_step([c.eta for c in cells], step_size.unit_of(settings, "gd"), beta=beta_max.cpu().numpy())
    eta = torch.as_tensor(eta_abs, dtype=X.dtype, device=X.device)
    seeds = torch.tensor([c.seed for c in cells], device=X.device)
    objective = objectives.LeastSquares(X, y, seeds, torch.zeros(R, dtype=X.dtype, device=X.device))
    x0 = torch.zeros(R, X.shape[2], dtype=X.dtype, device=X.device)
    rule = optim.make("gd", x0, eta)
    n_steps = settings["gd_steps"]
    traj = train.run(objective, rule, x0, np.array([0, n_steps]), lambda x: {}, blowup=settings["blowup"])
    return traj.x, eta.cpu().numpy(), traj.diverged


def gd_bound(X: np.ndarray, y: np.ndarray, x_inf: np.ndarray, eta: np.ndarray, steps: int) -> np.ndarray:
    """How far K steps of GD from 0 may end from the lstsq solution x∞ = X⁺y, relative to ‖x∞‖, per run:

    * theorem: the error −x∞ lies in the row space, where each step multiplies it by at most
      ρ = max |1 − ηλᵢ| over the non-zero eigenvalues λᵢ of XᵀX: ρᴷ;
    * rounding of GD: u·κ·S·K with κ = C_OPS + 2(n + p + 1)·η‖X‖₂‖X‖_F and S = 2‖x∞‖
      (:mod:`implicitbias.numerics.least_squares`);
    * rounding of lstsq (backward stable): u·(n + p)·(c + c²‖y − Xx∞‖/(‖X‖₂‖x∞‖)), c = σ₁/σ_min
      the condition number (Higham 2002, Thm 20.1).
    """
    n, p = X.shape[1:]
    s = np.linalg.svd(X, compute_uv=False)  # [R, min(n, p)], decreasing
    lam_max, lam_min = s[:, 0] ** 2, s[:, -1] ** 2
    rho = np.maximum(np.abs(1 - eta * lam_max), np.abs(1 - eta * lam_min))
    kappa = least_squares.step_kappa(n, p, eta * s[:, 0] * np.sqrt((s**2).sum(1)))
    gd_rounding = least_squares.floor(kappa, 2.0, steps)
    cond = s[:, 0] / s[:, -1]
    x_norm = np.linalg.norm(x_inf, axis=1)
    residual = np.linalg.norm(y - np.einsum("rnp,rp->rn", X, x_inf), axis=1)
    lstsq_rounding = least_squares.U * (n + p) * (cond + cond**2 * residual / (s[:, 0] * x_norm))
    return rho**steps + gd_rounding + lstsq_rounding


# ---------------------------------------------------------------- (b) digits


def _digits(settings, cells, device, dtype):
    kind = {"rff_digits": "rff", "relu_digits": "relu"}[cells[0].model]
    scale = settings["rff_scale"] if kind == "rff" else settings["relu_scale"]
    n = settings["n_train"]
    X, labels = digits.load()
    onehot = np.eye(digits.N_CLASSES)[labels]
    Ns = np.unique(np.asarray(settings["features"], dtype=np.int64))
    names = ("gamma", "p", "test_error", "test_mse", "train_error", "train_mse", "coef_norm", "train_backward_error")
    m = {k: np.full((len(Ns), len(cells)), np.nan) for k in names}
    m["gamma"][:], m["p"][:] = (Ns / n)[:, None], Ns[:, None]
    as_t = lambda a: torch.as_tensor(a, dtype=dtype, device=device)
    for r, c in enumerate(cells):
        tr, te = digits.split(len(X), n, c.seed)
        phi = digits.feature_map(kind, int(Ns[-1]), c.seed, scale, X[tr])
        eps = c.sigma * (2.0 * np.random.default_rng([c.seed, 63]).integers(0, 2, (n, digits.N_CLASSES)) - 1.0)
        F_tr, F_te, Y_tr, Y_te = as_t(phi(X[tr])), as_t(phi(X[te])), as_t(onehot[tr] + eps), as_t(onehot[te])
        lab_tr, lab_te = torch.as_tensor(labels[tr], device=device), torch.as_tensor(labels[te], device=device)
        for i, N in enumerate(Ns):
            A = F_tr[:, :N]
            coef = min_norm(A, Y_tr)
            fit, pred = A @ coef, F_te[:, :N] @ coef
            m["test_error"][i, r] = (pred.argmax(dim=1) != lab_te).double().mean().item()
            m["train_error"][i, r] = (fit.argmax(dim=1) != lab_tr).double().mean().item()
            m["test_mse"][i, r] = (pred - Y_te).square().sum(dim=1).mean().item()
            m["train_mse"][i, r] = (fit - Y_tr).square().sum(dim=1).mean().item()
            m["coef_norm"][i, r] = torch.linalg.matrix_norm(coef).item()
            m["train_backward_error"][i, r] = backward_error(A, coef, Y_tr)
    return train.Trajectory(np.arange(len(Ns)), m, np.full(len(cells), -1), coef), {"n": np.full(len(cells), n)}


def backward_error(A: torch.Tensor, coef: torch.Tensor, Y: torch.Tensor) -> float:
    """‖AĈ − Y‖_F in units of u‖A‖_F‖Ĉ‖_F (u the unit round-off): where AC = Y is
    solvable, a backward-stable solver leaves a residual of a modest multiple of this."""
    u = torch.finfo(A.dtype).eps / 2
    unit = u * torch.linalg.matrix_norm(A) * torch.linalg.matrix_norm(coef)
    return (torch.linalg.matrix_norm(A @ coef - Y) / unit).item()


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Every cell (seed) of one (model, estimator) batch over the whole sweep of γ or N."""
    model = cells[0].model  # contract.yaml allows each model its estimators (checked when planning)
    return (isotropic_sweep if model == "isotropic" else _digits)(settings, cells, device, dtype)
