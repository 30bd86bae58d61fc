"""Snakemake entry point: stack one experiment's batch tables (implicitbias.jobs.aggregate)."""

from implicitbias import jobs

with jobs.logged(snakemake.log[0]):
    jobs.aggregate(list(snakemake.input), snakemake.output[0], list(snakemake.params.planned))
