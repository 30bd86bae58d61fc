"""The quick config end to end: figures, tables, claims, report, and reruns."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import yaml

from conftest import REPO, make_workdir, quick_config, snakemake
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
    assert len(claims) > 0
    failed = claims[~claims["pass"]]
    assert failed.empty, failed.to_string()
    assert set(claims.experiment) == set(quick_config()["experiments"])


def test_aggregated_table_has_the_planned_cells_and_columns(quick_run):
    plan = ibconfig.plan(quick_config())
    for name, batches in plan.items():
        table = pq.read_table(quick_run / "results" / name / "table.parquet").to_pandas()
        expected = {c.id for cells in batches.values() for c in cells}
        assert set(table.cell) == expected
        assert {*AXES, "experiment", "cell", "step", "status"} <= set(table.columns)
        assert set(table.status) <= {"ok", "diverged"}
        # every cell is logged at step 0, and on a geometric schedule after it
        assert (table.groupby("cell").step.min() == 0).all()


def test_summary_is_printed_and_provenance_recorded(quick_run):
    log = (quick_run / "results" / "logs" / "claims" / "all.log").read_text()
    assert re.search(r"claims: (\d+)/\1 passed", log)
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
    assert "Measured in this run" in html and "claims hold" in html


def test_run_summary_is_printed_at_the_end_of_the_run(quick_run):
    out = (quick_run / "snakemake.out").read_text()
    n = len(pd.read_csv(quick_run / "results" / "claims.csv"))
    assert f"claims: {n}/{n} passed" in out


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


def test_second_run_has_nothing_to_do(quick_run):
    done = snakemake(quick_run, "-n")
    assert done.returncode == 0
    assert "Nothing to be done" in done.stdout + done.stderr


def _planned_batches(text: str) -> set[str]:
    return set(re.findall(r"batch=([\w.]+)", text))


def test_changing_one_eta_reruns_only_its_batch(quick_run, tmp_path):
    work = make_workdir(tmp_path / "w")
    # start from the finished quick run's results and metadata
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True, dirs_exist_ok=True)
    config = quick_config()
    config["experiments"]["pseudo_inverse"]["include"][0]["eta"] = 0.9  # the linear_z entry
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    done = snakemake(work, "-n")
    assert done.returncode == 0, done.stderr[-3000:]
    assert _planned_batches(done.stdout + done.stderr) == {"linear_z"}


def test_every_result_file_is_readable_as_the_umask_says(quick_run):
    """What a plain open() would give under the run's umask (the test's own): under
    022, tables, claims, figures and provenance are readable by collaborators."""
    from implicitbias.pipeline.tables import umask

    expected = 0o666 & ~umask()
    modes = {str(p.relative_to(quick_run)): stat.S_IMODE(p.stat().st_mode) for p in (quick_run / "results").rglob("*") if p.is_file()}
    assert len(modes) > 50
    assert {p: oct(m) for p, m in modes.items() if m != expected} == {}
