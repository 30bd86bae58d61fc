"""Wrong worlds for the mean_field claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

from mutations import World, scale


def half_path_norm(world: World) -> World:
    """The margin normalised by half the path norm (P without its 1/2 from a^2 + |w|^2 >= 2|a||w|, say)."""
    world.table = scale(world.table, world.table.model == "both_layers", "margin", 2.0)
    return world


def _swap_models(table, columns):
    """``table`` with the two models' ``columns`` exchanged (same seed and step)."""
    out = table.copy()
    key = ["seed", "step"]
    both = table[table.model == "both_layers"].set_index(key)[columns]
    output = table[table.model == "output_layer"].set_index(key)[columns]
    for model, source in (("both_layers", output), ("output_layer", both)):
        where = out.model == model
        index = list(zip(out.seed[where], out.step[where]))
        out.loc[where, columns] = source.reindex(index).to_numpy()
    return out


def models_swapped(world: World) -> World:
    """The margin trajectories of the two models exchanged (the output layer reads the both-layer run)."""
    world.table = _swap_models(world.table, ["margin"])
    return world


def sweep_swapped(world: World) -> World:
    """The dimension sweep's test errors of the two models exchanged."""
    columns = [c for c in world.table.columns if c.startswith("test_error_d")]
    world.table = _swap_models(world.table, columns)
    return world


MUTATIONS = [
    (r"the bound margin/P <= gamma\* holds throughout", half_path_norm),
    (r"output layer only .*gamma\*_init, the F1 max margin of its fixed initial directions", models_swapped),
    (r"both layers reach a larger F1 margin than the output layer alone", models_swapped),
    (r"both layers adapt, the output layer alone does not", sweep_swapped),
]
