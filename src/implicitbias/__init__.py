"""The package behind the implicit-regularization pipeline (no Snakemake import), in three rooms:

* :mod:`implicitbias.experiments` — one folder per figure family: its contract,
  numerics, claims, figure and caption; the registry discovers the folders.
* :mod:`implicitbias.numerics` — the shared mathematics: objectives, label noise,
  step sizes, update rules, the batched training loop, Hessians, random streams,
  reference solvers and closed forms.  It imports nothing from the other rooms.
* :mod:`implicitbias.pipeline` — what Snakemake needs: config checks and schema,
  grid and plan, jobs, tables, claims, provenance, cost, report, device and GPUs.
"""
