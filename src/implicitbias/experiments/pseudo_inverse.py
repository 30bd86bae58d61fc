"""Convergence to the pseudo-inverse (lecture, Part I).

Over-parametrised least squares E(x) = ½‖Ax − y‖², A ∈ ℝ^{n×p}, p > n, with
A and y standard Gaussian (the seed draws them).  GD from x⁽⁰⁾ reads

    x⁽ᵏ⁺¹⁾ = [I − ηAᵀA] x⁽ᵏ⁾ + ηAᵀy,

so for η < 2/β (β = λ_max(AᵀA)) it converges to z + A⁺(y − Az) from x⁽⁰⁾ = z,
i.e. to A⁺y, the minimum-norm interpolant, from 0.  The error in the range of
Aᵀ contracts per step by max |1 − ηλ| over the non-zero eigenvalues λ of
AᵀA, which is 1 − λ₊/β at η = 1/β.

Models: ``linear`` starts at 0, ``linear_z`` at z ~ N(0, init_scale² I).
The loss ``squares`` is the sum ½‖Ax − y‖² (not a mean).
"""

from __future__ import annotations

import numpy as np

from ..claims import Claim
from ..lazy import deferred

# Training only, imported on first use: the claims job imports this module without torch.
torch, objectives, optim, train = deferred(globals(), "torch", ".objectives", ".optim", ".train")


def problem(seed: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (n×p), y (n) and the init direction z (p), all N(0, 1), from the seed."""
    g = np.random.default_rng([seed, 20])
    return g.standard_normal((n, p)), g.standard_normal(n), g.standard_normal(p)


def references(A: np.ndarray, y: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray | float]:
    """A⁺y, z + A⁺(y − Az), β = λ_max(AᵀA), λ₊ = smallest non-zero eigenvalue, ‖(I − A⁺A)z‖."""
    A_pinv = np.linalg.pinv(A)
    s = np.linalg.svd(A, compute_uv=False)
    rank = int(np.sum(s > s[0] * max(A.shape) * np.finfo(float).eps))
    x_pinv = A_pinv @ y
    return {
        "x_pinv": x_pinv,
        "x_proj": z + A_pinv @ (y - A @ z),
        "beta": s[0] ** 2,
        "lambda_plus": s[rank - 1] ** 2,
        "null_norm": np.linalg.norm(z - A_pinv @ (A @ z)),
    }


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one batch together; returns (Trajectory, per-cell constants)."""
    n, p = settings["n"], settings["p"]
    rows = []
    for c in cells:
        A, y, z = problem(c.seed, n, p)
        z = z * settings["init_scale"] if c.model == "linear_z" else np.zeros(p)
        rows.append((A, y, z, references(A, y, z)))
    as_t = lambda arrays: torch.as_tensor(np.stack(arrays), dtype=dtype, device=device)  # noqa: E731
    A, y, x0 = (as_t([r[i] for r in rows]) for i in range(3))
    x_pinv = as_t([r[3]["x_pinv"] for r in rows])
    x_proj = as_t([r[3]["x_proj"] for r in rows])
    beta = np.array([r[3]["beta"] for r in rows])
    unit = 1.0 / beta if settings["eta_unit"] == "inverse_sharpness" else np.ones(len(cells))
    eta = np.array([c.eta for c in cells]) * unit

    seeds = torch.tensor([c.seed for c in cells], device=device)
    sigma = torch.tensor([c.sigma for c in cells], dtype=dtype, device=device)
    objective = objectives.LeastSquares(A, y, seeds, sigma)
    name = cells[0].optimizer
    rule = optim.make(name, x0, torch.as_tensor(eta, dtype=dtype, device=device), settings["optimizers"].get(name))

    def metrics(x):
        return {
            "train_loss": objective.loss(x),
            "dist_pinv": torch.linalg.vector_norm(x - x_pinv, dim=1),
            "dist_proj": torch.linalg.vector_norm(x - x_proj, dim=1),
            "norm": torch.linalg.vector_norm(x, dim=1),
        }

    log_at = train.log_schedule(settings["steps"], settings["log_points"])
    traj = train.run(objective, rule, x0, log_at, metrics, blowup=settings["blowup"])
    constants = {
        "eta_abs": eta,
        "beta": beta,
        "lambda_plus": np.array([r[3]["lambda_plus"] for r in rows]),
        "pinv_norm": np.linalg.norm(np.stack([r[3]["x_pinv"] for r in rows]), axis=1),
        "null_norm": np.array([r[3]["null_norm"] for r in rows]),
        "loss0": objective.loss(x0).cpu().numpy(),
    }
    return traj, constants


# ---------------------------------------------------------------- claims


def final_rows(table):
    """The last logged row of every cell (the divergence step for a diverged run)."""
    t = table.dropna(subset=["train_loss"])
    return t.sort_values("step").groupby("cell", sort=True).tail(1).set_index("cell")


def contraction_rate(steps: np.ndarray, rel: np.ndarray, window=(1e-3, 1e-9)) -> float:
    """Measured per-step factor (d_k2/d_k1)^(1/(k2−k1)) over the logged steps where
    the relative error lies in ``window``: past the transient, above round-off."""
    hi, lo = window
    inside = np.flatnonzero((rel <= hi) & (rel >= lo))
    if len(inside) < 2:
        return float("nan")
    i, j = inside[0], inside[-1]
    return float((rel[j] / rel[i]) ** (1.0 / (steps[j] - steps[i])))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The lecture's statements about this figure, each checked as a number."""
    E = "pseudo_inverse"
    last = final_rows(table)
    last = last.assign(rel_pinv=last.dist_pinv / last.pinv_norm)
    gd0 = last[(last.model == "linear") & (last.optimizer == "gd")]
    out = []

    def worst(frame, column, how="max"):
        return float(getattr(frame[column], how)()) if len(frame) else float("nan")

    for eb in (0.5, 1.0, 1.99):
        cells = gd0[np.isclose(gd0.eta, eb)]
        out.append(
            Claim(E, f"GD from 0 at eta*beta={eb:g}: max over seeds of |x_K - A+y|/|A+y|",
                  worst(cells, "rel_pinv"), "<=", 1e-10, "numpy.linalg.pinv")
        )  # fmt: skip

    gdz = last[(last.model == "linear_z") & (last.optimizer == "gd")]
    gdz = gdz.assign(
        rel_proj=gdz.dist_proj / np.hypot(gdz.pinv_norm, gdz.null_norm),
        kept=gdz.dist_pinv / gdz.null_norm,
    )
    out += [
        Claim(E, "GD from z: max |x_K - (z + A+(y - Az))| / |z + A+(y - Az)|",
              worst(gdz, "rel_proj"), "<=", 1e-10, "numpy.linalg.pinv"),
        Claim(E, "GD from z keeps the null-space part: min |x_K - A+y| / |(I - A+A)z|",
              worst(gdz, "kept", "min"), ">=", 0.1, "numpy.linalg.pinv"),
    ]  # fmt: skip

    above = gd0[np.isclose(gd0.eta, 2.01)]
    below = gd0[np.isclose(gd0.eta, 1.99)]
    frac = lambda f: float((f.status == "diverged").mean()) if len(f) else float("nan")  # noqa: E731
    out += [
        Claim(E, "eta*beta=2.01 diverges: fraction of seeds with status=diverged",
              frac(above), ">=", 1.0, "stability threshold 2/beta"),
        Claim(E, "eta*beta=1.99 is stable: fraction of seeds with status=diverged",
              frac(below), "<=", 0.0, "stability threshold 2/beta"),
    ]  # fmt: skip

    err = []
    for cell, rows in table[(table.model == "linear") & (table.optimizer == "gd") & np.isclose(table.eta, 1.0)].groupby("cell"):
        rows = rows.sort_values("step")
        rate = contraction_rate(rows.step.to_numpy(), (rows.dist_pinv / rows.pinv_norm).to_numpy())
        err.append(abs(rate - (1 - rows.lambda_plus.iloc[0] / rows.beta.iloc[0])))
    out.append(
        Claim(E, "contraction at eta=1/beta: max |measured rate - (1 - lambda_+/beta)|",
              max(err) if err else float("nan"), "<=", 1e-2, "eigenvalues of A^T A")
    )  # fmt: skip

    for name in ("sgd", "heavy_ball", "nesterov"):
        cells = last[(last.model == "linear") & (last.optimizer == name)]
        out.append(Claim(E, f"{name} reaches the same limit: max |x_K - A+y|/|A+y|",
                         worst(cells, "rel_pinv"), "<=", 1e-8, "numpy.linalg.pinv"))  # fmt: skip
    for name in ("adam", "adagrad"):
        cells = last[(last.model == "linear") & (last.optimizer == name)]
        cells = cells.assign(loss_ratio=cells.train_loss / cells.loss0)
        out += [
            Claim(E, f"{name} fits the data: max E(x_K)/E(x_0)",
                  worst(cells, "loss_ratio"), "<=", 1e-6, "E(x_0)"),
            Claim(E, f"{name} ends elsewhere: min |x_K - A+y|/|A+y|",
                  worst(cells, "rel_pinv", "min"), ">=", 1e-2, "numpy.linalg.pinv"),
        ]  # fmt: skip
    return out
