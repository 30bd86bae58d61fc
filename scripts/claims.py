"""Snakemake entry point: check one experiment's claims (implicitbias.jobs.claims)."""

import json

from implicitbias import jobs

with jobs.logged(snakemake.log[0]):
    settings = json.loads(snakemake.params.settings)
    jobs.claims(snakemake.wildcards.experiment, settings, snakemake.input[0], snakemake.output[0])
