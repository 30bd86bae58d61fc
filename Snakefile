# Implicit Regularization & Noisy Dynamics: every figure of the lecture, with
# each claim checked as a number. Edit config.yaml, then run `snakemake`.
from snakemake.utils import min_version

min_version("9.0")


# `snakemake` runs config.yaml; `snakemake --configfile other.yaml` runs that
# config INSTEAD (not merged into config.yaml, as Snakemake would otherwise do),
# e.g. config/regimes.yaml.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# On a cluster (profiles/slurm) these cheap pandas/matplotlib steps run on the
# submitting host; only `reference` and `train` become cluster jobs.
localrules:
    aggregate,
    claims,
    figure,
    all_claims,
    run_info,
    all,


include: "workflow/rules/common.smk"


wildcard_constraints:
    experiment="[a-z][a-z0-9_]*",
    batch="[a-z0-9_.]+",


include: "workflow/rules/train.smk"
include: "workflow/rules/analyse.smk"


rule all:
    input:
        expand(
            "results/figures/{experiment}.{ext}",
            experiment=EXPERIMENTS,
            ext=["pdf", "png"],
        ),
        "results/claims.csv",
        "results/run/benchmarks.csv",
        "results/run/provenance.csv",


# On SLURM: before the first submission, the status command answers and every
# job fits its partition's nodes (implicitbias.pipeline.doctor), or one line per
# problem and nothing is queued. Then the plan's chunks are recorded, so a later,
# larger grid keeps them (implicitbias.pipeline.chunks).
onstart:
    before_submission(workflow)
    record_chunks()


onsuccess:
    print_run_summary()


onerror:
    print_failure_help(log)
