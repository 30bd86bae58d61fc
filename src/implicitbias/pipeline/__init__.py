"""The pipeline: what Snakemake needs (config checks, grid and plan, tables, provenance,
cost, report, device and GPU), as plain functions of paths and data."""
