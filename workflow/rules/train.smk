# Training: one job per batch (one experiment x model x loss x optimizer, all
# eta x sigma x seeds), so torch is imported once per batch, not once per cell.


rule train:
    output:
        table="results/{experiment}/batches/{batch}.parquet",
        provenance="results/{experiment}/batches/{batch}.provenance.json",
    params:
        spec=batch_spec,
    log:
        "results/logs/train/{experiment}/{batch}.log",
    benchmark:
        "results/benchmarks/train/{experiment}/{batch}.tsv"
    threads: config["threads"]
    resources:
        gpu=training_resources,
    conda:
        ENV
    script:
        "../../scripts/train.py"
