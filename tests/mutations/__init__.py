"""Wrong worlds for the claims: one module per experiment, ``tests/mutations/<experiment>.py``.

Each module defines ``MUTATIONS``: a list of ``(pattern, mutate)`` pairs. ``pattern``
is a regular expression matched (``re.search``) against claim names; ``mutate(world)``
takes a :class:`World` (the quick run's aggregated table, settings and reference of
that experiment, deep copies) and returns the world changed in one plausible way
that the lecture says is wrong: the trajectory of a different optimizer, too few
steps, a perturbed reference, label noise switched off, the wrong prefactor, ...
``tests/test_claims_falsifiable.py`` checks that every check (non-info claim) of the
quick run is matched by at least one pattern, and that each mutation makes every
claim it matches fail.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class World:
    """What an experiment's claims read: its aggregated table, its settings, its reference."""

    table: pd.DataFrame
    settings: dict
    reference: dict | None = None
    extra: dict = field(default_factory=dict)

    def copy(self) -> World:
        return World(self.table.copy(deep=True), copy.deepcopy(self.settings), copy.deepcopy(self.reference))


def scale(table: pd.DataFrame, where, column: str, factor: float) -> pd.DataFrame:
    """``table`` with ``column`` multiplied by ``factor`` on the rows ``where`` (a boolean mask)."""
    out = table.copy()
    out.loc[where, column] = out.loc[where, column] * factor
    return out


def swap_optimizer(table: pd.DataFrame, source: str, target: str, **match) -> pd.DataFrame:
    """``table`` in which the cells of ``target`` carry the trajectory of ``source`` (same other axes).

    The relabelled rows replace the target's: the claims about ``target`` then read
    what ``source`` did, the wrong world of "this optimizer behaves like that one".
    """
    keep = table[table.optimizer != target]
    src = table[table.optimizer == source]
    for k, v in match.items():
        src = src[src[k] == v]
    moved = src.assign(optimizer=target, cell=src.cell.str.replace(f".{source}.", f".{target}.", regex=False))
    return pd.concat([keep, moved], ignore_index=True)


def carry(table: pd.DataFrame, columns, source, target, on=("seed", "step")) -> pd.DataFrame:
    """``table`` in which the rows ``target`` (a boolean mask) take ``columns`` from the rows ``source``
    that agree on ``on`` (the same seed at the same logged step, by default).

    The target cells keep their own labels and constants (η, the exact predictions, …): the wrong
    world of "this cell's run did what that one did", e.g. an update rule with the wrong step.
    Target rows with no source row are dropped (their run ends where the source's does).
    """
    columns, on = list(columns), list(on)
    src = table.loc[source, on + columns].drop_duplicates(on)
    tgt = table.loc[target].drop(columns=columns).merge(src, on=on, how="inner")
    return pd.concat([table.loc[~target], tgt[table.columns]], ignore_index=True)
