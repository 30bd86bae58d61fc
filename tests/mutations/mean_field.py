"""Wrong worlds for the mean_field claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

from mutations import World, scale


def half_path_norm(world: World) -> World:
    """The margin normalised by half the path norm (P without its 1/2 from a^2 + |w|^2 >= 2|a||w|, say)."""
    world.table = scale(world.table, world.table.model == "both_layers", "margin", 2.0)
    return world


def models_swapped(world: World) -> World:
    """The two models' runs filed under each other's name (the output layer reads the both-layer run,
    margin trajectory and dimension sweep alike)."""
    swap = {"both_layers": "output_layer", "output_layer": "both_layers"}
    world.table = world.table.assign(model=world.table.model.map(swap))
    return world


MUTATIONS = [
    (r"the bound margin/P <= gamma\* holds throughout", half_path_norm),
    (r"output layer only .*gamma\*_init, the F1 max margin of its fixed initial directions", models_swapped),
    (r"both layers reach a larger F1 margin than the output layer alone", models_swapped),
    (r"both layers adapt, the output layer alone does not", models_swapped),
]
