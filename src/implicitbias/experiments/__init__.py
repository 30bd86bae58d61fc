"""The registry of experiments (figure families) and the names each one accepts.

This module imports nothing heavy: Snakemake reads it while planning, to
check a config's names before any job starts.  Each experiment lives in
``implicitbias.experiments.<name>`` (problem, training, claims) and
``implicitbias.figures.<name>`` (its figure), imported only by the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Spec:
    """What an experiment accepts on its grid's name axes, and what it draws."""

    models: tuple[str, ...]
    losses: tuple[str, ...]
    optimizers: tuple[str, ...]
    title: str
    reference: bool = False  # computes a cached solver reference (rule ``reference``)

    def choices(self, axis: str) -> tuple[str, ...]:
        return {"model": self.models, "loss": self.losses, "optimizer": self.optimizers}[axis]


EXPERIMENTS: dict[str, Spec] = {
    "pseudo_inverse": Spec(
        models=("linear", "linear_z"),
        losses=("squares",),
        optimizers=("gd", "sgd", "heavy_ball", "nesterov", "adam", "adagrad"),
        title="Least squares: GD converges to the pseudo-inverse solution",
    ),
    "double_descent": Spec(
        models=("isotropic", "rff_digits", "relu_digits"),
        losses=("squares",),
        optimizers=("min_norm", "ridge", "gd"),
        title="Min-norm interpolation: the risk peaks at p = n and descends again; optimal ridge has no peak",
    ),
    "low_rank": Spec(
        models=("sensing_uut", "completion_depth2", "completion_depth3", "razin_cohen"),
        losses=("squares", "mean_squares"),
        optimizers=("gd",),
        title="Matrix factorization: GD from small init finds low-rank solutions, which no norm explains",
        reference=True,
    ),
    "label_noise": Spec(
        models=("quadratic", "product"),
        losses=("squares",),
        optimizers=("gd", "sgd", "noisy_gd"),
        title="Label-noise SGD finds flat minima: R(theta) ~ 1/4 tr Hessian",
    ),
    "robbins_monro": Spec(
        models=("median", "least_squares"),
        losses=("absolute", "squares"),
        optimizers=("robbins_monro", "sgd"),
        title="SGD as Robbins-Monro stochastic approximation: step sizes and the sqrt(n) rate",
    ),
    "max_margin": Spec(
        models=("default", "stretched", "generic"),  # the data set of the linear classifier
        losses=("exponential", "logistic"),
        optimizers=("gd", "heavy_ball", "adam", "adam_decay", "sign_gd", "normalized_gd"),
        title="Separable data: GD converges in direction to the L2 max-margin; other geometries to other margins",
        reference=True,
    ),
    "adaptive_geometry": Spec(
        models=("wilson",),
        losses=("squares",),
        optimizers=("gd", "adam", "adagrad"),
        title="Wilson et al. 2017: adaptive methods find sign(X^T y) and generalise badly; GD does not",
    ),
    "mean_field": Spec(
        models=("both_layers", "output_layer"),
        losses=("logistic", "exponential", "smooth_margin"),
        optimizers=("gd",),
        title="Wide two-layer ReLU networks approach the F1 max-margin classifier (Chizat & Bach 2020)",
        reference=True,
    ),
}


def module(name: str):
    """The experiment's numerics module (problem, train, claims)."""
    return import_module(f"implicitbias.experiments.{name}")


def figure_module(name: str):
    """The experiment's figure module (imports seaborn)."""
    return import_module(f"implicitbias.figures.{name}")
