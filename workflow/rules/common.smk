# Helpers shared by all the workflow files, and defined nowhere else: config validation,
# the plan of batches, and the input and params functions.
import json
import sys
from pathlib import Path

from implicitbias import experiments
from implicitbias.pipeline import chunks as ibchunks
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline.doctor import before_submission, failure_hint
from implicitbias.pipeline.report import FigureCaption, Landing, run_summary
from implicitbias.pipeline.tables import incomplete_message, set_aside_incomplete

RESULTS = "results"

# Bad input stops here, before any job is planned: one message naming the key,
# the bad value and the valid choices (no traceback), and a non-zero exit. The
# schema is ../schemas/config.schema.yaml composed with every experiment
# folder's contract (implicitbias.pipeline.schema); the plan checks the names
# and combinations each contract allows.
try:
    PLAN = ibconfig.plan(
        config, Path(workflow.basedir, "workflow/schemas/config.schema.yaml"), RESULTS
    )
except ibconfig.ConfigError as err:
    sys.exit(str(err))
EXPERIMENTS = list(PLAN)

ENV = "../../environment.yml"


def planned_tables(wildcards):
    """The training tables of every batch of one experiment."""
    return expand(
        "results/{experiment}/batches/{batch}.parquet",
        experiment=wildcards.experiment,
        batch=PLAN[wildcards.experiment],
    )


def record_chunks():
    """Record every planned chunk's cells in its ledger file (a real run only, never -n),
    and say how many cells and chunks the plan holds."""
    for experiment, planned in PLAN.items():
        new = ibchunks.write_ledger(RESULTS, experiment, planned)
        cells = sum(len(c) for c in planned.values())
        print(
            f"plan: {experiment}: {cells} cells in {len(planned)} chunk(s), {len(new)} newly recorded",
            file=sys.stderr,
        )


def grid_block(wildcards):
    """The experiment's grid, include and exclude as JSON: a change to them re-aggregates,
    since the aggregate keeps only the grid's cells."""
    block = config["experiments"][wildcards.experiment]
    return json.dumps(
        {k: block.get(k) for k in ("grid", "include", "exclude")}, sort_keys=True
    )


def batch_tables(wildcards):
    """What the aggregation reads: every planned table, or with ``partial: true``
    only those that exist (the figure then marks the missing batches)."""
    tables = planned_tables(wildcards)
    return [t for t in tables if Path(t).exists()] if config["partial"] else tables


def every_batch(pattern):
    """``pattern`` filled in for every (experiment, batch) of the plan."""
    return [pattern.format(experiment=e, batch=b) for e in PLAN for b in PLAN[e]]


def batch_spec(wildcards):
    """The JSON spec of one training batch: a change to it reruns that batch only."""
    cells = PLAN[wildcards.experiment][wildcards.batch]
    spec = ibconfig.batch_spec(config, wildcards.experiment, cells)
    return json.dumps(spec, sort_keys=True)


def experiment_settings(wildcards):
    return json.dumps(
        config["experiments"][wildcards.experiment]["settings"], sort_keys=True
    )


def caption(wildcards):
    """The figure's caption: the family's text and, at report time, its measured claims."""
    return FigureCaption(
        title=experiments.EXPERIMENTS[wildcards.experiment].title,
        text=str(experiments.caption(wildcards.experiment)),
        claims=f"results/{wildcards.experiment}/claims.csv",
        table=f"results/{wildcards.experiment}/table.parquet",
    )


def landing_page(wildcards):
    """The report's first page: verdict, failing checks, figures, provenance (read at report time)."""
    return Landing(claims="results/claims.csv", provenance="results/run/provenance.csv")


def training_resources(wildcards):
    """GPUs a training job asks for: one when the config's device is cuda."""
    return 1 if config["device"] == "cuda" else 0


def reference_input(wildcards):
    """The experiment's cached solver reference, for experiments that have one."""
    if experiments.EXPERIMENTS[wildcards.experiment].reference:
        return f"results/{wildcards.experiment}/reference.json"
    return []


def experiment_seeds(wildcards):
    """Every seed of the experiment's grid: the reference is solved for each."""
    cells = [c for b in PLAN[wildcards.experiment].values() for c in b]
    return sorted({c.seed for c in cells})


def print_run_summary():
    """Printed when a run succeeds: how many claims hold, and each failure."""
    if Path("results/claims.csv").exists():
        print(run_summary("results/claims.csv"), file=sys.stderr)


def print_failure_help(log):
    """Printed when a job fails: where its log is, or why a group job left none."""
    logs = [log] if isinstance(log, str) else list(log or [])
    print(
        "A job failed: its log is named in the error above (results/logs/<rule>/...); "
        f"the full Snakemake log is {', '.join(logs)}. Finished results are kept; rerun "
        "`snakemake` to continue, with --keep-going to build every figure that can be built.",
        file=sys.stderr,
    )
    hint = failure_hint("".join(Path(f).read_text() for f in logs if Path(f).exists()))
    if hint:
        print(hint, file=sys.stderr)


# A truncated table (a killed copy, a file edited by hand) is never aggregated:
# a run renames it to <name>.corrupt and drops the experiment's aggregated table,
# claims and figure, so that it rebuilds the batch and everything after it.
# (Snakemake does not regenerate a missing intermediate whose consumers exist.)
# A dry run (-n) only says so and changes nothing on disk. Only the main
# process does this, never a job re-reading the workflow on a cluster.
for _e in PLAN if workflow.is_main_process else []:
    for _path in set_aside_incomplete(
        [f"results/{_e}/batches/{b}.parquet" for b in PLAN[_e]]
        + [f"results/{_e}/table.parquet"],
        derived=[
            f"results/{_e}/table.parquet",
            f"results/{_e}/claims.csv",
            f"results/figures/{_e}.pdf",
            f"results/figures/{_e}.png",
        ],
        dry_run=workflow.output_settings.dryrun,
    ):
        print(
            incomplete_message(_path, _e, workflow.output_settings.dryrun),
            file=sys.stderr,
        )
