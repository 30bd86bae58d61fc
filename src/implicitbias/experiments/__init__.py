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
