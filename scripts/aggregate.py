"""Snakemake entry point: stack one experiment's chunk tables (implicitbias.pipeline.jobs.aggregate)."""

from implicitbias.pipeline import jobs
from implicitbias.pipeline.config import planned_cells

with jobs.logged(snakemake.log[0]):
    experiment = snakemake.wildcards.experiment
    cells = [c.id for c in planned_cells(snakemake.config, experiment)]
    jobs.aggregate(list(snakemake.input), snakemake.output[0], list(snakemake.params.planned), cells)
