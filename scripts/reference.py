"""Snakemake entry point: solve an experiment's reference once (implicitbias.pipeline.jobs.reference)."""

import json

from implicitbias.pipeline import jobs

with jobs.logged(snakemake.log[0]):
    settings = json.loads(snakemake.params.settings)
    jobs.reference(snakemake.wildcards.experiment, settings, list(snakemake.params.seeds), snakemake.output[0])
