"""Snakemake entry point: train one batch of cells (see implicitbias.jobs.train)."""

import json

from implicitbias import jobs

with jobs.logged(snakemake.log[0]):
    jobs.train(
        json.loads(snakemake.params.spec),
        snakemake.output.table,
        snakemake.output.provenance,
        snakemake.threads,
        reference=jobs.load_reference(snakemake.input),
    )
