"""Snakemake entry point: draw one experiment's figure (implicitbias.jobs.figure)."""

import json

from implicitbias import jobs

with jobs.logged(snakemake.log[0]):
    settings = json.loads(snakemake.params.settings)
    jobs.figure(snakemake.wildcards.experiment, settings, snakemake.input[0], snakemake.output.pdf, snakemake.output.png)
