"""Snakemake entry point: stack one experiment's batch tables (implicitbias.pipeline.jobs.aggregate)."""

from implicitbias.pipeline import jobs

with jobs.logged(snakemake.log[0]):
    jobs.aggregate(list(snakemake.input), snakemake.output[0], list(snakemake.params.planned))
