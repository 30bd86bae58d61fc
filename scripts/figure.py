"""Snakemake entry point: draw one experiment's figure (implicitbias.pipeline.jobs.figure)."""

import json

from implicitbias.pipeline import jobs

with jobs.logged(snakemake.log[0]):
    jobs.figure(
        snakemake.wildcards.experiment,
        json.loads(snakemake.params.settings),
        snakemake.input.table,
        snakemake.output.pdf,
        snakemake.output.png,
        reference=jobs.load_reference(snakemake.input),
    )
