"""Teacher–student two-layer ReLU networks under Gaussian inputs (Safran & Shamir, ICML 2018).

The student f(x) = Σᵢ relu(wᵢ·x) (n units, output weights fixed to 1) learns the
teacher f*(x) = Σⱼ relu(vⱼ·x) (k units) from x ~ N(0, I_d) under the population
squared loss

    L(W) = ½ E[(f(x) − f*(x))²]
         = ½ [Σᵢᵢ' g(wᵢ, wᵢ') − 2 Σᵢⱼ g(wᵢ, vⱼ) + Σⱼⱼ' g(vⱼ, vⱼ')],

with the arc-cosine kernel (Cho & Saul 2009)
g(w, v) = E[relu(w·x) relu(v·x)] = ‖w‖‖v‖ (sin θ + (π − θ) cos θ) / (2π),
θ the angle between w and v.  Its gradient is closed form as well,

    ∂L/∂wᵢ = Σ_u ± ∂₁g(wᵢ, u),   ∂₁g(w, u) = (‖u‖ sin θ · w/‖w‖ + (π − θ) u) / (2π),

summed over u ∈ {w₁ … w_n} (sign +, the term u = wᵢ being wᵢ/2) and u ∈ {v₁ … v_k}
(sign −).  With orthonormal teacher vectors and n = k ≥ 6, L has spurious local
minima (Safran & Shamir prove it for 6 ≤ k ≤ 20 with a computer-assisted proof),
and GD from Xavier initialisation reaches them in a fraction of runs that grows
with k.  Everything acts on a stack of runs W of shape ``[R, n, d]``.

The rounding bounds below follow Higham's γ_m = m·u/(1 − m·u) for sums of m
terms: a computed sum of m terms tᵢ has error at most γ_m Σ|tᵢ|.
"""

from __future__ import annotations

import math

import torch

U = 2.0**-53  # unit roundoff of float64


def _pairs(W: torch.Tensor, U_: torch.Tensor, self_block: bool):
    """Norms ‖wᵢ‖ [R, n], ‖u_j‖ [R, m], cos θ_ij and θ_ij [R, n, m]; the diagonal of a W–W block is θ = 0 exactly."""
    nw = torch.linalg.vector_norm(W, dim=-1)
    nu = torch.linalg.vector_norm(U_, dim=-1)
    cos = (W @ U_.transpose(-1, -2)) / (nw[..., :, None] * nu[..., None, :])
    cos = cos.clamp(-1.0, 1.0)
    if self_block:
        n = W.shape[-2]
        eye = torch.eye(n, U_.shape[-2], dtype=torch.bool, device=W.device)
        cos = torch.where(eye, torch.ones_like(cos), cos)
    return nw, nu, cos, torch.arccos(cos)


NEAR = 1e-10  # |1 ∓ cos θ| below which the kernel's cubic term is dropped (see _kernel)


def _kernel(A: torch.Tensor, B: torch.Tensor, same: bool) -> torch.Tensor:
    """2π·g(aᵢ, b_j) = ‖aᵢ‖‖b_j‖ (sin θ + (π − θ) cos θ) for every pair, ``[R, n, m]``.

    arccos and √(1 − cos²) have infinite derivatives at cos = ±1, which would
    make the forward-over-reverse Hessian NaN at aligned pairs (a global
    minimum aligns every student unit with a teacher unit).  Near θ = 0,
    sin θ + (π − θ) cos θ = π cos θ + θ³/3 + O(θ⁵), and near θ = π it is
    O((π − θ)³); for 1 ∓ cos θ < NEAR (|θ| < 1.5e-5) the cubic term is below
    1e-15 and is dropped, leaving the smooth π cos θ (resp. 0).  The diagonal
    of a block of a set with itself is π‖a‖² exactly."""
    na = torch.linalg.vector_norm(A, dim=-1)
    nb = torch.linalg.vector_norm(B, dim=-1)
    cos = ((A @ B.transpose(-1, -2)) / (na[..., :, None] * nb[..., None, :])).clamp(-1.0, 1.0)
    aligned, opposed = cos > 1 - NEAR, cos < -1 + NEAR
    mid = torch.where(aligned | opposed, torch.zeros_like(cos), cos)  # a safe value off the middle range
    theta = torch.arccos(mid)
    shape = torch.sqrt(1 - mid * mid) + (math.pi - theta) * mid
    shape = torch.where(aligned, math.pi * cos, torch.where(opposed, torch.zeros_like(cos), shape))
    K = na[..., :, None] * nb[..., None, :] * shape
    if same:
        eye = torch.eye(A.shape[-2], dtype=torch.bool, device=A.device)
        K = torch.where(eye, math.pi * (na * na)[..., :, None].expand_as(K), K)
    return K


def teacher(k: int, d: int, dtype=torch.float64, device=None) -> torch.Tensor:
    """Orthonormal teacher vectors v_j = e_j, shape ``[k, d]`` (Safran & Shamir's setting)."""
    return torch.eye(k, d, dtype=dtype, device=device)


def loss(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """The population loss L(W) of every run, shape ``[R]`` (W ``[R, n, d]``, V ``[k, d]``)."""
    Vb = V.expand(W.shape[0], -1, -1)
    ww = _kernel(W, W, True).sum(dim=(-1, -2))
    wv = _kernel(W, Vb, False).sum(dim=(-1, -2))
    vv = _kernel(Vb, Vb, True).sum(dim=(-1, -2))
    return (ww - 2 * wv + vv) / (4 * math.pi)


def loss_one(w: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """L of ONE run with flattened weights ``w`` of shape ``[n·d]`` (for torch.func.hessian)."""
    return loss(w.reshape(1, -1, V.shape[1]), V)[0]


def grad(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """∇L(W) in closed form, shape ``[R, n, d]``."""
    Ub = torch.cat([W, V.expand(W.shape[0], -1, -1)], dim=1)
    nw, nu, cos, theta = _pairs(W, Ub, True)
    sign = torch.ones(Ub.shape[1], dtype=W.dtype, device=W.device)
    sign[W.shape[1]:] = -1.0
    sin = torch.sqrt(torch.clamp(1 - cos * cos, min=0.0))
    radial = (nu[..., None, :] * sin * sign).sum(dim=-1)  # Σ_u ±‖u‖ sin θ
    return (radial[..., None] * W / nw[..., None] + ((math.pi - theta) * sign) @ Ub) / (2 * math.pi)


def minibatch_grad(W: torch.Tensor, V: torch.Tensor, X: torch.Tensor, label_noise=None, t: int = 0):
    """Gradient of (1/2B) Σ_b (f(x_b) − (f*(x_b) + ε_b))² for inputs X ``[R, B, d]``: (1/B) Σ_b r_b 1[wᵢ·x_b > 0] x_b,
    with the residuals r = f − f* perturbed by ``label_noise`` (an ``implicitbias.numerics.label_noise.LabelNoise``,
    fresh ±σ at step t) when given.  Its mean over x ~ N(0, I) (and ε of mean 0) is ∇L."""
    Z = X @ W.transpose(1, 2)  # [R, B, n]
    r = Z.clamp_min(0).sum(-1) - (X @ V.T).clamp_min(0).sum(-1)
    if label_noise is not None:
        r = label_noise.perturb(r, t)
    return ((r[..., None] * (Z > 0)).transpose(1, 2) @ X) / X.shape[1]


def loss_rounding_bound(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """γ_m Σ|terms| for the m = (n + k)² kernel terms of L (each computed to a few ulps): ``[R]``.

    A computed L at a global minimum (L = 0) lies below this; a point whose L
    exceeds it has L > 0 for certain."""
    Vb = V.expand(W.shape[0], -1, -1)
    total = sum(_kernel(A, B, s).abs().sum(dim=(-1, -2)) * f
                for A, B, s, f in ((W, W, True, 1), (W, Vb, False, 2), (Vb, Vb, True, 1)))  # fmt: skip
    m = (W.shape[1] + V.shape[0]) ** 2 + 8
    return m * U / (1 - m * U) * total / (4 * math.pi)


def grad_rounding_bound(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """A bound on the rounding error of :func:`grad`, ``[R]``: γ_m Σᵢ (Σ_u ‖term_iu‖) in the Frobenius sense,
    m = n + k + 8, plus the conditioning of θ = arccos(cos θ), whose error 4u/sin θ multiplies ‖u‖."""
    Ub = torch.cat([W, V.expand(W.shape[0], -1, -1)], dim=1)
    _, nu, cos, theta = _pairs(W, Ub, True)
    sin = torch.sqrt(torch.clamp(1 - cos * cos, min=0.0))
    size = nu[..., None, :] * (sin + (math.pi - theta))  # ‖term_iu‖ ≤ ‖u‖(sin θ + π − θ)
    off = torch.ones_like(cos, dtype=torch.bool)
    off[..., : W.shape[1]] &= ~torch.eye(W.shape[1], dtype=torch.bool, device=W.device)
    cond = torch.where(off, nu[..., None, :] * 4 * U / torch.clamp(sin, min=math.sqrt(U)), torch.zeros_like(sin))
    m = W.shape[1] + V.shape[0] + 8
    per_unit = m * U / (1 - m * U) * size.sum(-1) + cond.sum(-1)
    return torch.linalg.vector_norm(per_unit, dim=-1) / (2 * math.pi)


def hessian(W: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """The exact Hessian ∇²L of every run by forward-over-reverse AD of the closed form, ``[R, P, P]``, P = n·d."""
    from torch.func import hessian as func_hessian
    from torch.func import vmap

    return vmap(func_hessian(loss_one), in_dims=(0, None))(W.reshape(W.shape[0], -1), V)


def hessian_rounding_bound(H: torch.Tensor, n: int, k: int) -> torch.Tensor:
    """γ_m ‖H‖_F with m = n + k + P: the entries' summation error plus eigvalsh's backward error, ``[R]``.
    A computed smallest eigenvalue above −this is consistent with a positive semi-definite Hessian."""
    m = n + k + H.shape[-1]
    return m * U / (1 - m * U) * torch.linalg.matrix_norm(H)
