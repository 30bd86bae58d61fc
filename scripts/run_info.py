"""Snakemake entry point: per-job benchmark and provenance tables (implicitbias.pipeline.runinfo)."""

from implicitbias.pipeline import jobs, runinfo

with jobs.logged(snakemake.log[0]):
    runinfo.benchmarks(list(snakemake.input.benchmarks), snakemake.output.benchmarks)
    runinfo.provenance(list(snakemake.input.provenance), snakemake.output.provenance)
