"""The grid: Cartesian product, include/exclude, stable ids, batches."""

from __future__ import annotations

import pytest

from implicitbias.pipeline import grid

BASE = {
    "grid": {"model": ["linear"], "loss": "squares", "optimizer": ["gd", "adam"],
             "eta": [0.5, 1.0], "sigma": 0.0, "seed": [0, 1, 2]},
}  # fmt: skip


def test_product_size_and_groups():
    cells = grid.expand(BASE)
    assert len(cells) == 1 * 1 * 2 * 2 * 1 * 3
    groups = grid.groups(cells)
    assert list(groups) == [("linear", "squares", "adam"), ("linear", "squares", "gd")]
    assert all(len(g) == 6 for g in groups.values())


def test_include_takes_missing_axes_from_the_grid_and_exclude_removes():
    block = {**BASE, "include": [{"optimizer": "sgd", "eta": 0.1}], "exclude": [{"optimizer": "adam", "seed": 2}]}
    cells = grid.expand(block)
    sgd = [c for c in cells if c.optimizer == "sgd"]
    assert {(c.eta, c.seed) for c in sgd} == {(0.1, 0), (0.1, 1), (0.1, 2)}
    assert not [c for c in cells if c.optimizer == "adam" and c.seed == 2]
    assert len(cells) == 12 + 3 - 2


@pytest.mark.parametrize(
    "block, words",
    [
        ({**BASE, "include": [{"optimizer": "gd"}]}, "include[0]"),
        ({**BASE, "exclude": [{"seed": 7}]}, "exclude[0]"),
        ({**BASE, "exclude": [{"model": "linear"}]}, "is empty"),
    ],
)
def test_entries_that_change_nothing_are_errors(block, words):
    with pytest.raises(grid.GridError, match=words.replace("[", r"\[").replace("]", r"\]")):
        grid.expand(block)


def test_cell_id_is_stable_under_float_round_off():
    a = grid.Cell("linear", "squares", "gd", grid.canonical(0.1 + 0.2), 0.0, 3)
    b = grid.Cell("linear", "squares", "gd", grid.canonical(0.3), 0.0, 3)
    assert a == b and a.id == b.id == "linear.squares.gd.eta=0.3.sigma=0.seed=3"
    assert grid.format_number(1e-3) == grid.format_number(0.001) == "0.001"
    assert grid.format_number(-0.0) == "0"


def test_cell_ids_are_filesystem_safe_and_unique():
    cells = grid.expand({**BASE, "include": [{"eta": [1e-5, 2.5e7]}]})
    ids = [c.id for c in cells]
    assert len(set(ids)) == len(ids)
    assert all("/" not in i and " " not in i for i in ids)
