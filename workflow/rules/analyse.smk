# Aggregation, claims and figures: one experiment at a time, then all claims.


rule aggregate:
    input:
        batch_tables,
    output:
        "results/{experiment}/table.parquet",
    log:
        "results/logs/aggregate/{experiment}.log",
    conda:
        ENV
    params:
        planned=planned_tables,
        grid=grid_block,
    script:
        "../../scripts/aggregate.py"


rule claims:
    input:
        table="results/{experiment}/table.parquet",
        reference=reference_input,
    output:
        report(
            "results/{experiment}/claims.csv",
            caption="../report/claims.rst",
            category="{experiment}",
            labels={"experiment": "{experiment}", "content": "claims"},
        ),
    log:
        "results/logs/claims/{experiment}.log",
    conda:
        ENV
    params:
        settings=experiment_settings,
    script:
        "../../scripts/claims.py"


rule figure:
    input:
        table="results/{experiment}/table.parquet",
        reference=reference_input,
    output:
        pdf=report(
            "results/figures/{experiment}.pdf",
            caption="../report/figure.rst",
            category="{experiment}",
            labels={"experiment": "{experiment}", "format": "pdf"},
        ),
        png=report(
            "results/figures/{experiment}.png",
            caption="../report/figure.rst",
            category="{experiment}",
            labels={"experiment": "{experiment}", "format": "png"},
        ),
    log:
        "results/logs/figure/{experiment}.log",
    conda:
        ENV
    params:
        settings=experiment_settings,
        caption=caption,
    script:
        "../../scripts/figure.py"


rule all_claims:
    input:
        expand("results/{experiment}/claims.csv", experiment=EXPERIMENTS),
    output:
        report(
            "results/claims.csv",
            caption="../report/claims.rst",
            category="claims",
            labels={"experiment": "all", "content": "claims"},
        ),
    log:
        "results/logs/claims/all.log",
    conda:
        ENV
    params:
        landing=landing_page,
    script:
        "../../scripts/all_claims.py"


rule run_info:
    input:
        benchmarks=every_batch("results/benchmarks/train/{experiment}/{batch}.tsv"),
        provenance=every_batch("results/{experiment}/batches/{batch}.provenance.json"),
    output:
        benchmarks=report(
            "results/run/benchmarks.csv",
            caption="../report/benchmarks.rst",
            category="run",
            labels={"table": "benchmarks"},
        ),
        provenance=report(
            "results/run/provenance.csv",
            caption="../report/provenance.rst",
            category="run",
            labels={"table": "provenance"},
        ),
    log:
        "results/logs/run_info.log",
    conda:
        ENV
    script:
        "../../scripts/run_info.py"
