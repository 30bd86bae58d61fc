"""Wrong worlds for the adaptive_geometry claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

from mutations import carry

TRAJECTORY = ["train_loss", "test_error", "cos_sign", "cos_min_norm", "dist_min_norm", "status"]


def adaptive_rules_follow_gd(world):
    """Adam and AdaGrad behave like GD (rotation-invariant steps): they reach the min-norm interpolant."""
    t = world.table
    for name in ("adam", "adagrad"):
        t = carry(t, TRAJECTORY, t.optimizer == "gd", t.optimizer == name)
    world.table = t
    return world


def gd_follows_adam(world):
    """GD behaves like Adam (a coordinate-wise preconditioner): it ends along sign(X^T y)."""
    t = world.table
    world.table = carry(t, TRAJECTORY, t.optimizer == "adam", t.optimizer == "gd")
    return world


def balanced_test_labels(world):
    """The test labels drawn with P(y = +1) = 1/2 instead of p: predicting +1 errs on half of them."""
    t = world.table
    m = t.optimizer.isin(["adam", "adagrad"])
    t.loc[m, "test_error"] = 0.5
    t.loc[m, "test_negatives"] = 0.5
    return world


MUTATIONS = [
    (r"^(adam|adagrad) (ends along sign|predicts \+1 everywhere|'s test error is the population)", adaptive_rules_follow_gd),
    (r"^(adam|adagrad)'s test error is the population", balanced_test_labels),
    (r"^gd (classifies|converges)", gd_follows_adam),
]
