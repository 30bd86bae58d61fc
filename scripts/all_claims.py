"""Snakemake entry point: collect every experiment's claims into results/claims.csv."""

from implicitbias.pipeline import claims, jobs

with jobs.logged(snakemake.log[0]):
    rows = jobs.collect_claims(list(snakemake.input), snakemake.output[0])
    print(claims.summary(rows))
