"""Snakemake entry point: train one batch of cells (see implicitbias.pipeline.jobs.train)."""

import json

from implicitbias.pipeline import jobs

with jobs.logged(snakemake.log[0]):
    jobs.train(
        json.loads(snakemake.params.spec),
        snakemake.output.table,
        snakemake.output.provenance,
        snakemake.threads,
        reference=jobs.load_reference(snakemake.input),
    )
