"""The registry of experiments (figure families): one folder each, discovered here.

A folder ``experiments/<name>/`` is an experiment when it holds a
``contract.yaml``: the names it accepts on each axis, the (model, loss,
optimizer) combinations it allows, whether it takes label noise (``noisy_labels``), and the JSON
schema of its settings.  Beside it live its numerics (``train.py``, which
imports torch), its torch-free claims (``claims.py``), its figure
(``figure.py``), its caption (``caption.rst``) and, when ``reference: true``,
its solver reference (``reference.py``).

Reading the registry imports nothing heavy: Snakemake reads it while planning,
to check a config before any job starts.  The experiment names are the folder
names and are written nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType

import yaml

HERE = Path(__file__).parent
NAME_AXES = ("model", "loss", "optimizer")


@dataclass(frozen=True)
class Contract:
    """What an experiment accepts: names per axis, allowed combinations, settings schema."""

    name: str
    title: str
    description: str
    axes: dict[str, tuple[str, ...]]
    allowed: tuple[dict[str, tuple[str, ...]], ...]
    noisy_labels: bool
    settings: dict
    reference: bool = False  # computes a cached solver reference (rule ``reference``)

    def choices(self, axis: str) -> tuple[str, ...]:
        return self.axes[axis]

    def allows(self, model: str, loss: str, optimizer: str) -> bool:
        """True when (model, loss, optimizer) matches one ``allowed`` entry (or none are listed)."""
        combo = {"model": model, "loss": loss, "optimizer": optimizer}
        return not self.allowed or any(all(combo[a] in entry[a] for a in entry) for entry in self.allowed)

    def combinations(self) -> str:
        """The allowed combinations, for an error message."""
        if not self.allowed:
            return "any model with any loss and optimizer"
        return "; ".join(" with ".join(f"{a} in [{', '.join(e[a])}]" for a in e) for e in self.allowed)

    @property
    def folder(self) -> Path:
        return HERE / self.name


def load_contract(folder: Path) -> Contract:
    """Read ``folder/contract.yaml``."""
    c = yaml.safe_load((folder / "contract.yaml").read_text())
    return Contract(
        name=folder.name,
        title=c["title"],
        description=c["description"],
        axes={a: tuple(c["axes"][a]) for a in NAME_AXES},
        allowed=tuple({a: tuple(v) for a, v in e.items()} for e in c.get("allowed", [])),
        noisy_labels=bool(c.get("noisy_labels", True)),
        settings=c["settings"],
        reference=bool(c.get("reference", False)),
    )


@cache
def registry() -> dict[str, Contract]:
    """Every experiment folder's contract, by name (sorted)."""
    folders = sorted(p.parent for p in HERE.glob("*/contract.yaml"))
    return {f.name: load_contract(f) for f in folders}


EXPERIMENTS: dict[str, Contract] = registry()


def part(name: str, module: str) -> ModuleType:
    """One module of an experiment's folder: ``train``, ``claims``, ``figure`` or ``reference``."""
    return import_module(f"{__name__}.{name}.{module}")


def caption(name: str) -> Path:
    """The experiment's report caption (reStructuredText)."""
    return HERE / name / "caption.rst"
