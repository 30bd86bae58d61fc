"""Every check can fail, and a missing batch makes its checks fail rather than vanish.

The claims of each experiment are recomputed in-process from the quick run's
aggregated tables (the shared ``quick_run`` fixture; for the regime maps, the
reduced regimes run ``regimes_run``) in worlds that are wrong in one way each
(``tests/mutations/<experiment>.py``).  A new claim without a
mutation fails ``test_every_check_has_a_mutation``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re

import pandas as pd
import pytest

from conftest import REPO, quick_config, regimes_config
from implicitbias import experiments
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline.claims import partial_table
from implicitbias.pipeline.claims import BASES
from mutations import World

QUICK_NAMES = sorted(quick_config()["experiments"])
REGIME_NAMES = sorted(regimes_config()["experiments"])
NAMES = QUICK_NAMES + REGIME_NAMES


def config_of(name: str) -> dict:
    """The config whose run holds the experiment: the quick config, or the reduced regime maps."""
    return regimes_config() if name in REGIME_NAMES else quick_config()


def settings_of(name: str) -> dict:
    config = config_of(name)
    ibconfig.plan(config, REPO / "workflow" / "schemas" / "config.schema.yaml")  # fills in the defaults
    return config["experiments"][name]["settings"]


def world_of(run, name: str) -> World:
    table = pd.read_parquet(run / "results" / name / "table.parquet")
    ref = run / "results" / name / "reference.json"
    return World(table, settings_of(name), json.loads(ref.read_text()) if ref.exists() else None)


def claims_in(name: str, world: World) -> list:
    """The claims job's rows (as Claims) on a world: the family's claims, failed where chunks are missing."""
    rows = experiments.part(name, "claims").claims(world.table, world.settings, reference=world.reference)
    return partial_table(rows, world.table.attrs.get("missing", []))


def mutations_of(name: str) -> list:
    """The experiment's wrong worlds; none when it has no module (its checks then fail the coverage test)."""
    if importlib.util.find_spec(f"mutations.{name}") is None:
        return []
    return importlib.import_module(f"mutations.{name}").MUTATIONS


_READ: dict[str, World] = {}  # the unmutated worlds, read once per session


class Worlds:
    """The unmutated worlds, read on first use from the run that holds each experiment, so that
    selecting only the regime maps (``-k _map``) waits for the regimes run alone."""

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name: str) -> World:
        if name not in _READ:
            run = self.request.getfixturevalue("regimes_run" if name in REGIME_NAMES else "quick_run")
            _READ[name] = world_of(run, name)
        return _READ[name]


@pytest.fixture
def worlds(request):
    return Worlds(request)


def test_every_experiment_is_covered():
    """Every registered experiment's claims are tested here (through the quick or the regimes config)."""
    assert set(experiments.EXPERIMENTS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_check_states_the_basis_of_its_bound(worlds, name):
    for c in claims_in(name, worlds[name].copy()):
        if c.is_check:
            kind = c.basis.split(":", 1)[0]
            assert kind in BASES and len(c.basis) > len(kind) + 3, (c.claim, c.basis)


@pytest.mark.parametrize("name", NAMES)
def test_every_check_has_a_mutation(worlds, name):
    patterns = [p for p, _ in mutations_of(name)]
    unmatched = [c.claim for c in claims_in(name, worlds[name].copy()) if c.is_check
                 and not any(re.search(p, c.claim) for p in patterns)]  # fmt: skip
    assert not unmatched, f"checks of {name} with no mutation in tests/mutations/{name}.py: {unmatched}"


def _cases():
    for name in NAMES:
        for i, (pattern, mutate) in enumerate(mutations_of(name)):
            yield pytest.param(name, pattern, mutate, id=f"{name}-{i}-{mutate.__name__}")


@pytest.mark.parametrize("name, pattern, mutate", list(_cases()))
def test_each_mutation_fails_the_checks_it_targets(worlds, name, pattern, mutate):
    truth = {c.claim: c for c in claims_in(name, worlds[name].copy())}
    targeted = [k for k, c in truth.items() if c.is_check and re.search(pattern, k)]
    assert targeted, f"pattern {pattern!r} matches no check of {name}"
    assert all(truth[k].passed for k in targeted), "the unmutated world must pass first"
    wrong = {c.claim: c for c in claims_in(name, mutate(worlds[name].copy()))}
    still = [k for k in targeted if k in wrong and wrong[k].passed]
    missing = [k for k in targeted if k not in wrong]
    assert not missing, f"{mutate.__name__} made checks vanish: {missing}"
    assert not still, f"{mutate.__name__} did not fail: {[(k, wrong[k].measured, wrong[k].bound) for k in still]}"


def _batches():
    plans = {id(f): ibconfig.plan(f(), REPO / "workflow" / "schemas" / "config.schema.yaml")
             for f in (quick_config, regimes_config)}  # fmt: skip
    for name in NAMES:
        plan = plans[id(regimes_config if name in REGIME_NAMES else quick_config)]
        for batch, cells in plan[name].items():
            alone = all(c.model != cells[0].model for other, cs in plan[name].items() if other != batch for c in cs)
            yield pytest.param(name, batch, {c.id for c in cells}, alone, id=f"{name}-{batch}")


@pytest.mark.parametrize("name, batch, cells, alone", list(_batches()))
def test_a_missing_batch_fails_its_checks_and_hides_none(worlds, name, batch, cells, alone):
    """Drop one batch (one training job's cells): every claim is still a row and every check
    fails (the aggregation records the missing chunk); where the chunk held all of its model's
    cells, some check's measured value also depends on it."""
    world = worlds[name].copy()
    truth = {c.claim: c for c in claims_in(name, world)}
    world.table = world.table[~world.table.cell.isin(cells)].reset_index(drop=True)
    world.table.attrs["missing"] = [batch]  # as the aggregation records a planned batch it lacks
    partial = {c.claim: c for c in claims_in(name, world)}
    assert set(partial) == set(truth), f"claims vanished without batch {batch}: {set(truth) - set(partial)}"
    assert not [k for k, c in partial.items() if c.is_check and c.passed], f"checks still pass without {batch}"
    if alone:
        changed = [k for k, c in partial.items() if c.is_check and not _same(c.measured, truth[k].measured)]
        assert changed, f"no check depends on batch {batch}"


def _same(a: float, b: float) -> bool:
    return (a == b) or (a != a and b != b)
