"""The shared mathematics: objectives, update rules, the batched training loop, Hessians,
random streams, reference solvers and closed forms.  It imports nothing from the pipeline."""
