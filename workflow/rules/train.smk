# Training: one job per batch (one experiment x model: every loss, optimizer,
# eta, sigma and seed of it), so torch is imported once per batch, not per cell.


rule reference:
    output:
        "results/{experiment}/reference.json",
    log:
        "results/logs/reference/{experiment}.log",
    conda:
        ENV
    params:
        settings=experiment_settings,
        seeds=experiment_seeds,
    script:
        "../../scripts/reference.py"


rule train:
    input:
        reference=reference_input,
    output:
        table="results/{experiment}/batches/{batch}.parquet",
        provenance="results/{experiment}/batches/{batch}.provenance.json",
    log:
        "results/logs/train/{experiment}/{batch}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/{batch}.tsv"
    conda:
        ENV
    threads: config["threads"]
    resources:
        gpu=training_resources,
    params:
        spec=batch_spec,
    script:
        "../../scripts/train.py"
