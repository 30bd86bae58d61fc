"""Device and dtype resolution for training jobs.

``auto`` picks CUDA when torch sees a GPU and the CPU otherwise.  ``cuda`` is an
explicit request: where no GPU is visible the job fails with a clear message
instead of silently running on the CPU (use ``auto`` for a fallback).
"""

from __future__ import annotations

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32}


def resolve(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device: cuda was requested but torch sees no CUDA GPU "
            f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}); "
            "set device: auto to fall back to the CPU, or device: cpu"
        )
    return torch.device(name)


def dtype(name: str) -> torch.dtype:
    return DTYPES[name]
