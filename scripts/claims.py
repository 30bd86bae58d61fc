"""Snakemake entry point: check one experiment's claims (implicitbias.pipeline.jobs.claims)."""

import json

from implicitbias.pipeline import jobs

with jobs.logged(snakemake.log[0]):
    jobs.claims(
        snakemake.wildcards.experiment,
        json.loads(snakemake.params.settings),
        snakemake.input.table,
        snakemake.output[0],
        reference=jobs.load_reference(snakemake.input),
    )
