"""The experiment grid: cells, their ids, and the batches that train them.

A *cell* is one point (model, loss, optimizer, η, σ, seed) of an experiment's
grid.  The grid is the Cartesian product of the six axes, refined by
``include:`` entries (each a small product of its own, with unnamed axes taken
from the grid) and ``exclude:`` entries (each removes the cells that match all
the axes it names).

The cells one training job trains in one process form a *chunk*
(:mod:`implicitbias.pipeline.chunks`: one model, at most a budget of work,
stable when the grid grows).  Inside the job, each (model, loss, optimizer)
*group* trains as one tensor program.  A chunk may hold several groups of one
model, since importing torch costs about 1.5 core-seconds per process
(benchmarks/run.py measures this).
"""

from __future__ import annotations

import functools
import itertools
from typing import NamedTuple

AXES = ("model", "loss", "optimizer", "eta", "sigma", "seed")
NAME_AXES = ("model", "loss", "optimizer")


class GridError(ValueError):
    """A grid that cannot be expanded (empty, or an entry that matches nothing)."""


@functools.lru_cache(maxsize=65536)
def format_number(x: float) -> str:
    """Stable text for a float: 10 significant digits, so 0.1 + 0.2 and 0.3 agree.

    ``str(float)`` (what Paramspace uses) writes 0.30000000000000004 and
    switches between 1e-05 and 0.0001 styles; ten significant digits remove the
    round-off of a computed value while keeping every value a user types apart.
    """
    text = format(float(x), ".10g")
    return "0" if text == "-0" else text


def canonical(x: float) -> float:
    """The float a cell stores: the value of its stable text."""
    return float(format_number(x))


class Cell(NamedTuple):
    """One point of the grid (a named tuple: at 10⁵ cells, hashing and sorting run in C)."""

    model: str
    loss: str
    optimizer: str
    eta: float
    sigma: float
    seed: int

    @property
    def group(self) -> tuple[str, str, str]:
        """The cells trained together as one tensor program: same model, loss and optimizer."""
        return (self.model, self.loss, self.optimizer)

    @property
    def id(self) -> str:
        """Readable, filesystem-safe and stable id, e.g. ``linear.squares.gd.eta=1.sigma=0.seed=3``."""
        return (
            f"{self.model}.{self.loss}.{self.optimizer}"
            f".eta={format_number(self.eta)}.sigma={format_number(self.sigma)}.seed={self.seed}"
        )


def as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _product(axes: dict) -> list[Cell]:
    values = {a: as_list(axes[a]) for a in AXES}
    values["eta"] = [canonical(v) for v in values["eta"]]
    values["sigma"] = [canonical(v) for v in values["sigma"]]
    values["seed"] = [int(v) for v in values["seed"]]
    return [Cell(*point) for point in itertools.product(*(values[a] for a in AXES))]


def _matches(cell: Cell, entry: dict) -> bool:
    for axis, value in entry.items():
        wanted = as_list(value)
        if axis in ("eta", "sigma"):
            wanted = [canonical(v) for v in wanted]
        if getattr(cell, axis) not in wanted:
            return False
    return True


def expand(block: dict, where: str = "grid") -> list[Cell]:
    """All cells of one experiment block, sorted, without duplicates.

    Raises GridError naming the entry when the grid is empty, an include entry
    adds nothing new, or an exclude entry removes nothing.
    """
    grid = block["grid"]
    cells = dict.fromkeys(_product(grid))
    for i, entry in enumerate(block.get("include", []) or []):
        new = [c for c in _product({**grid, **entry}) if c not in cells]
        if not new:
            raise GridError(f"{where}.include[{i}] = {entry} adds no cell that the grid does not already have")
        cells.update(dict.fromkeys(new))
    for i, entry in enumerate(block.get("exclude", []) or []):
        drop = [c for c in cells if _matches(c, entry)]
        if not drop:
            raise GridError(f"{where}.exclude[{i}] = {entry} matches no cell of the grid")
        for c in drop:
            del cells[c]
    if not cells:
        raise GridError(f"{where} is empty: the product of its axes, after include/exclude, has no cell")
    return sorted(cells)


def groups(cells: list[Cell]) -> dict[tuple[str, str, str], list[Cell]]:
    """Cells grouped by (model, loss, optimizer), in a stable order."""
    out: dict[tuple[str, str, str], list[Cell]] = {}
    for c in sorted(cells):
        out.setdefault(c.group, []).append(c)
    return out
