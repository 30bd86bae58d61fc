"""The quick config end to end: figures, tables, claims, report, and reruns."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from conftest import REPO, SEED_OFFSET, make_workdir, quick_config, snakemake
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline.grid import AXES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_figures_are_valid_png_and_pdf(quick_run):
    for name in ibconfig.plan(quick_config()):
        png = (quick_run / "results" / "figures" / f"{name}.png").read_bytes()
        pdf = (quick_run / "results" / "figures" / f"{name}.pdf").read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000
        assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


def test_every_claim_passes(quick_run):
    claims = pd.read_csv(quick_run / "results" / "claims.csv")
    checks = claims[claims.relation != "info"]
    assert len(checks) > 0
    failed = checks[checks["pass"] != True]  # noqa: E712  (an empty pass is a reported value)
    assert failed.empty, failed.to_string()
    assert claims[claims.relation == "info"]["pass"].isna().all()  # reported values are never passes
    assert set(claims.experiment) == set(quick_config()["experiments"])


def test_aggregated_table_has_the_planned_cells_and_columns(quick_run):
    plan = ibconfig.plan(quick_config())
    for name, batches in plan.items():
        table = pq.read_table(quick_run / "results" / name / "table.parquet").to_pandas()
        expected = {c.id for cells in batches.values() for c in cells}
        assert set(table.cell) == expected
        assert {*AXES, "experiment", "cell", "step", "status"} <= set(table.columns)
        assert set(table.status) <= {"ok", "diverged"}
        if name == "double_descent":
            continue  # closed forms: its `step` numbers the points of a sweep, not training steps
        # every cell that did not diverge is logged at step 0, then on a geometric schedule
        done = table.groupby("cell").status.transform(lambda s: (s == "ok").all())
        for cell, steps in table[done].groupby("cell").step:
            assert geometric_violations(steps.to_numpy()) == [], (name, cell, sorted(steps))


def geometric_violations(steps) -> list[str]:
    """Why ``steps`` is not 0 followed by a geometric schedule 1, r, r², … up to the last
    step, each rounded to an integer ([] if it is).  The ratio r is read off the top two
    steps.  Rounding moves log s by at most 0.5/(s − 0.5) ≤ 1/s, so two consecutive steps
    a < b must have |log(b/a) − log r| ≤ 1/a + 1/b (+ the same for the top pair);
    below 1/(r − 1) the points are less than 1 apart, so every integer is logged."""
    s = np.unique(np.asarray(steps, dtype=float))
    if len(s) < 3 or s[0] != 0 or s[1] != 1:
        return [f"does not start 0, 1, ...: {s[:3]}"]
    r = s[-1] / s[-2]
    problems = [f"ratio {r:.3f} > 2: fewer than one logged step per doubling"] if r > 2 else []
    dense = set(range(1, int(1 / (r - 1))))
    if not dense <= set(s):
        problems.append(f"steps missing below {1 / (r - 1):.1f}: {sorted(dense - set(s))[:5]}")
    top_error = 1 / s[-2] + 1 / s[-1]
    for a, b in zip(s[1:-1], s[2:]):
        if a >= 1 / (r - 1) and abs(np.log(b / a) - np.log(r)) > 1 / a + 1 / b + top_error:
            problems.append(f"{a:g} -> {b:g}: ratio {b / a:.4f}, not {r:.4f}")
    return problems


def test_the_schedule_check_refuses_linear_and_sparse_schedules():
    from implicitbias.numerics.train import log_schedule

    assert geometric_violations(log_schedule(4000, 45)) == []
    assert geometric_violations(log_schedule(100_000, 40)) == []
    assert geometric_violations(np.r_[0, np.linspace(1, 4000, 45).round()])  # linear
    assert geometric_violations(np.r_[0, 1, 10, 100, 1000, 10_000])  # geometric but one point per decade
    assert geometric_violations(np.r_[log_schedule(4000, 45)[:-5], 4000])  # a gap at the end


def test_summary_is_printed_and_provenance_recorded(quick_run):
    log = (quick_run / "results" / "logs" / "claims" / "all.log").read_text()
    assert re.search(r"claims: (\d+)/\1 checks pass, \d+ reported values", log)
    prov = next((quick_run / "results" / "pseudo_inverse" / "batches").glob("*.provenance.json"))
    record = yaml.safe_load(prov.read_text())
    assert record["dtype"] == "float64" and record["device"] == "cpu"
    assert record["versions"]["torch"].startswith("2.13.0")
    assert "spec" in record and "wall_seconds" in record


def test_report_has_every_family_and_the_claims_table(quick_run):
    done = snakemake(quick_run, "--report", "results/report.html")
    assert done.returncode == 0, done.stderr[-3000:]
    html = (quick_run / "results" / "report.html").read_text(errors="replace")
    for name in quick_config()["experiments"]:
        assert f"figures/{name}.png" in html and f"{name}/claims.csv" in html
    assert "results/claims.csv" in html and "run/benchmarks.csv" in html and "run/provenance.csv" in html
    # captions are rendered with the measured claims
    assert "Measured in this run" in html and "checks pass" in html


def test_run_summary_is_printed_at_the_end_of_the_run(quick_run):
    out = (quick_run / "snakemake.out").read_text()
    claims = pd.read_csv(quick_run / "results" / "claims.csv")
    n, k = int((claims.relation != "info").sum()), int((claims.relation == "info").sum())
    assert f"claims: {n}/{n} checks pass, {k} reported values" in out


def test_results_load_into_one_dataframe(quick_run):
    from implicitbias.pipeline import results

    table = results.load(quick_run / "results")
    assert set(table.experiment) == set(quick_config()["experiments"])
    assert len(results.claims(quick_run / "results")) > 0


def test_cost_command_counts_what_snakemake_plans(tmp_path):
    work = make_workdir(tmp_path / "w", REPO / "config.yaml")
    planned = snakemake(work, "-n", "--quiet", "rules")
    assert planned.returncode == 0, planned.stderr[-2000:]
    total = int(re.search(r"^total\s+(\d+)", planned.stdout + planned.stderr, re.M).group(1))
    cost = subprocess.run(
        [sys.executable, "-m", "implicitbias.pipeline.cost", "config.yaml"], cwd=work, capture_output=True, text=True
    )
    assert cost.returncode == 0, cost.stderr
    numbers = dict(re.findall(r"^([a-z -]+):\s+(\d+)$", cost.stdout, re.M))
    assert int(numbers["jobs"]) == total
    plan = ibconfig.plan(yaml.safe_load((REPO / "config.yaml").read_text()))
    assert int(numbers["cells"]) == sum(len(c) for b in plan.values() for c in b.values())
    assert int(numbers["training jobs"]) == sum(len(b) for b in plan.values())


def test_cost_command_measures_a_unit_of_every_model_before_a_run(tmp_path):
    config = quick_config()
    config["experiments"] = {"adaptive_geometry": config["experiments"]["adaptive_geometry"]}
    work = make_workdir(tmp_path / "w", config)
    cost = subprocess.run(
        [sys.executable, "-m", "implicitbias.pipeline.cost", "config.yaml", "--measure"],
        cwd=work, capture_output=True, text=True,
    )  # fmt: skip
    assert cost.returncode == 0, cost.stderr
    seconds = float(re.search(r"^estimated wall time: ([\d.]+) s = ", cost.stdout, re.M).group(1))
    assert seconds > 0 and "one unit per model timed here now" in cost.stdout
    assert not (work / "results").exists()  # nothing written


def test_second_run_has_nothing_to_do(quick_run):
    done = snakemake(quick_run, "-n")
    assert done.returncode == 0
    assert "Nothing to be done" in done.stdout + done.stderr


def _planned_batches(text: str) -> set[str]:
    return set(re.findall(r"batch=([\w.]+)", text))


def test_changing_one_eta_reruns_only_its_batch(quick_run, tmp_path):
    """The linear_z cells at the new η form one new chunk; no recorded chunk trains again."""
    work = make_workdir(tmp_path / "w")
    # start from the finished quick run's results and metadata
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True, dirs_exist_ok=True)
    config = quick_config()
    config["experiments"]["pseudo_inverse"]["include"][0]["eta"] = 0.9  # the linear_z entry
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    done = snakemake(work, "-n")
    assert done.returncode == 0, done.stderr[-3000:]
    (planned,) = _planned_batches(done.stdout + done.stderr)
    assert planned.startswith("linear_z.")
    assert not (quick_run / "results" / "pseudo_inverse" / "batches" / f"{planned}.cells.json").exists()


def test_every_check_passes_with_seeds_nobody_chose(shifted_run):
    """The quick config again with every seed list shifted: claims hold for any seeds, not the shipped ones."""
    work = shifted_run
    claims = pd.read_csv(work / "results" / "claims.csv")
    checks = claims[claims.relation != "info"]
    failed = checks[checks["pass"] != True]  # noqa: E712
    assert failed.empty, f"seed offset {SEED_OFFSET}:\n" + failed.to_string()
    table = pd.read_parquet(work / "results" / "pseudo_inverse" / "table.parquet", columns=["seed"])
    assert table.seed.min() >= SEED_OFFSET  # the run really used the shifted seeds


def test_every_result_file_is_readable_as_the_umask_says(quick_run):
    """What a plain open() would give under the run's umask (the test's own): under
    022, tables, claims, figures and provenance are readable by collaborators."""
    from implicitbias.pipeline.tables import umask

    expected = 0o666 & ~umask()
    modes = {str(p.relative_to(quick_run)): stat.S_IMODE(p.stat().st_mode) for p in (quick_run / "results").rglob("*") if p.is_file()}
    assert len(modes) > 50
    assert {p: oct(m) for p, m in modes.items() if m != expected} == {}
