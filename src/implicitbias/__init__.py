"""Numerics of the implicit-regularization pipeline (no Snakemake import)."""
