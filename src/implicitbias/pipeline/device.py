"""Device and dtype resolution for training jobs, and one GPU per concurrent job.

``auto`` picks a CUDA GPU when torch sees one that no other training job holds,
and the CPU otherwise.  ``cuda`` is an explicit request: where no GPU is visible
the job fails with a clear message instead of silently running on the CPU (use
``auto`` for a fallback).

On a GPU machine each training job uses one GPU that no other running
training job holds (see :mod:`implicitbias.gpus`).
"""

from __future__ import annotations

import os

import torch

from .gpus import claim

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def resolve(name: str) -> torch.device:
    """The torch device of a training job for the config's ``device`` setting."""
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        if name == "auto":
            return torch.device("cpu")
        raise RuntimeError(
            "device: cuda was requested but torch sees no CUDA GPU "
            f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', '<unset>')}, "
            f"torch {torch.__version__}, CUDA build: {torch.version.cuda}); "
            "set device: auto to fall back to the CPU, or device: cpu"
        )
    keys = [_uuid(i) for i in range(torch.cuda.device_count())]
    index = claim(keys)
    if index is not None:
        return torch.device("cuda", index)
    if name == "auto":
        print(f"device: auto: all {len(keys)} GPUs are held by other training jobs; running on the CPU")
        return torch.device("cpu")
    raise RuntimeError(
        f"device: cuda: all {len(keys)} visible GPUs are held by other training jobs; "
        f"run at most that many at once, e.g. snakemake --resources gpu={len(keys)}"
    )


def _uuid(index: int) -> str:
    return str(getattr(torch.cuda.get_device_properties(index), "uuid", index))


def dtype(name: str) -> torch.dtype:
    return DTYPES[name]
