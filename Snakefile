# Implicit Regularization & Noisy Dynamics: every figure of the lecture, with
# each claim checked as a number. Edit config.yaml, then run `snakemake`.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


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


onsuccess:
    print_run_summary()


onerror:
    print_failure_help(log)
