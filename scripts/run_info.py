"""Snakemake entry point: per-job benchmark and provenance tables (implicitbias.runinfo)."""

from implicitbias import jobs, runinfo

with jobs.logged(snakemake.log[0]):
    runinfo.benchmarks(list(snakemake.input.benchmarks), snakemake.output.benchmarks)
    runinfo.provenance(list(snakemake.input.provenance), snakemake.output.provenance)
