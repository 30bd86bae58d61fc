"""The regime maps (config/regimes.yaml) end to end, on the reduced config tests/regimes_reduced.yaml.

``snakemake --configfile config/regimes.yaml`` (the README's command, with the reduced config
in that file) runs in a temporary copy of the workflow (the shared
``regimes_run`` fixture), once with its own seeds and once with every seed shifted by
SEED_OFFSET: every check must pass on both, and each map's figure must exist.  The
wrong worlds of the maps' claims are in tests/mutations/<experiment>.py, run by
tests/test_claims_falsifiable.py.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import REPO, check_config, regimes_config
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline.jobs import read_claims

MAPS = sorted(regimes_config()["experiments"])


def test_the_reduced_config_holds_the_same_maps_as_the_full_one():
    full = yaml.safe_load((REPO / "config" / "regimes.yaml").read_text())
    assert sorted(full["experiments"]) == MAPS == ["recovery_map", "risk_map", "sensing_map", "stability_map"]
    cells = {name: sum(len(b) for b in batches.values()) for name, batches in check_config(full).items()}
    assert sum(cells.values()) >= 10_000, cells
    reduced = {name: sum(len(b) for b in batches.values()) for name, batches in check_config(regimes_config()).items()}
    assert 100 <= sum(reduced.values()) <= 1000, reduced


@pytest.mark.parametrize("run", ["regimes_run", "regimes_shifted_run"])
def test_every_check_of_every_map_passes_and_each_figure_exists(run, request):
    work = request.getfixturevalue(run)
    rows = read_claims(work / "results" / "claims.csv")
    assert {r["experiment"] for r in rows} == set(MAPS)
    failed = [(r["experiment"], r["claim"], r["measured"], r["bound"]) for r in rows if r["relation"] != "info"
              and r["pass"] is not True]  # fmt: skip
    assert not failed, failed
    for name in MAPS:
        assert sum(r["experiment"] == name and r["relation"] != "info" for r in rows) >= 1, name
        for ext in ("pdf", "png"):
            figure = work / "results" / "figures" / f"{name}.{ext}"
            assert figure.is_file() and figure.stat().st_size > 1000, figure


def test_the_maps_log_final_values_only(regimes_run):
    """A map's table stays small: at most three logged steps per run (start, one more, the last)."""
    import pandas as pd

    for name in MAPS:
        if name == "risk_map":  # a closed form: step numbers the gamma sweep
            continue
        t = pd.read_parquet(regimes_run / "results" / name / "table.parquet")
        keys = [k for k in ("cell", "n", "m", "alpha") if k in t.columns]
        assert t.groupby(keys).step.nunique().max() <= 3, name


def test_a_bad_regime_config_fails_before_any_job_with_one_message():
    config = copy.deepcopy(regimes_config())
    config["experiments"]["stability_map"]["grid"]["optimizer"] = ["adam"]
    with pytest.raises(ibconfig.ConfigError) as err:
        check_config(config)
    message = ibconfig.explain(err.value)
    assert "experiments.stability_map" in message and "'adam'" in message and "gd" in message
    config = copy.deepcopy(regimes_config())
    config["experiments"]["sensing_map"]["settings"]["alphas"] = [0.1]
    with pytest.raises(ibconfig.ConfigError) as err:
        check_config(config)
    assert "experiments.sensing_map.settings.alphas" in ibconfig.explain(err.value)
