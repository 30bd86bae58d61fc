"""Wrong worlds for the mean_field claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

from mutations import World, scale


def _width_columns(table) -> list[str]:
    """The width sweep's margin_m<m> columns, by increasing m."""
    return sorted((c for c in table.columns if c.removeprefix("margin_m").isdigit()),
                  key=lambda c: int(c.removeprefix("margin_m")))  # fmt: skip


def half_path_norm(world: World) -> World:
    """The margin normalised by half the path norm (P without its 1/2 from a^2 + |w|^2 >= 2|a||w|, say),
    in the margin trajectory and in the width sweep alike."""
    both = world.table.model == "both_layers"
    for column in ["margin", *_width_columns(world.table)]:
        world.table = scale(world.table, both, column, 2.0)
    return world


def models_swapped(world: World) -> World:
    """The two models' runs filed under each other's name (the output layer reads the both-layer run,
    margin trajectory and dimension sweep alike)."""
    swap = {"both_layers": "output_layer", "output_layer": "both_layers"}
    world.table = world.table.assign(model=world.table.model.map(swap))
    return world


def widths_reversed(world: World) -> World:
    """The width sweep's results filed under the reversed list of widths (the narrowest network's margin
    recorded as the widest one's): a world in which the gap grows with m."""
    columns = _width_columns(world.table)
    world.table = world.table.rename(columns=dict(zip(columns, reversed(columns))))
    return world


def angle_stalls(world: World) -> World:
    """The output layer's direction stops moving towards the F2 max margin after T/10 (a limit other
    than a_hat, or a step that has run out): every logged 1 - cos(a_t, a_hat) after the step nearest
    T/10 keeps that step's value."""
    t = world.table
    out = (t.model == "output_layer") & t.f2_gap.notna()
    steps = np.sort(t.loc[out, "step"].unique())
    t0 = steps[np.argmin(np.abs(np.log(np.maximum(steps, 1)) - np.log(world.settings["steps"] // 10)))]
    frozen = t[out & (t.step == t0)].set_index("cell").f2_gap
    later = out & (t.step > t0)
    t.loc[later, "f2_gap"] = t.loc[later, "cell"].map(frozen).to_numpy()
    return world


def f2_reference_of_another_seed(world: World) -> World:
    """The F2 max margin solved once and reused for every seed (the features of the next seed in the list):
    the reference no longer belongs to the random features the output layer was trained on."""
    seeds = sorted(world.reference["seeds"], key=int)
    solutions = [world.reference["seeds"][s]["f2_weights"] for s in seeds]
    for s, a_hat in zip(seeds, solutions[1:] + solutions[:1]):
        world.reference["seeds"][s]["f2_weights"] = a_hat
    return world


def f2_limit_is_f1(world: World) -> World:
    """The output layer's limit credited with the F1 max margin of the whole sphere (gamma_F1(a_hat) read as
    gamma*_LP): the Chizat-Bach limit of both layers, wrongly expected of the kernel regime."""
    world.table = world.table.assign(gamma_f2=world.table.gamma_lp)
    return world


MUTATIONS = [
    (r"the bound margin/P <= gamma\* holds throughout", half_path_norm),
    (r"output layer only .*gamma\*_init, the F1 max margin of its fixed initial directions", models_swapped),
    (r"both layers reach a larger F1 margin than the output layer alone", models_swapped),
    (r"both layers adapt, the output layer alone does not", models_swapped),
    (r"max over cells and widths of final margin/P / gamma\*_up", half_path_norm),
    (r"the gap shrinks as m grows", widths_reversed),
    (r"seed-mean of log\(gap\(m=\d+\) / gap\(m=\d+\)\)", widths_reversed),
    (r"the angle of a_t to the F2 max margin a_hat decays at least as 1/log t", angle_stalls),
    (r"the angle to a_hat is bounded by the L2 margin", f2_reference_of_another_seed),
    (r"its limit a_hat is not the F1 max margin", f2_limit_is_f1),
]
