"""One GPU per concurrent training job on a machine with several GPUs.

Snakemake bounds how many GPU jobs run at once (``--resources gpu=N``) but does
not say *which* GPU a job should use, and sets no ``CUDA_VISIBLE_DEVICES``
(snakemake/snakemake#281).  So each training job claims one itself: it takes an
exclusive, non-blocking ``flock`` on a lock file named after the GPU and keeps
it until the process exits, when the kernel drops it (also after a crash).
With at most N concurrent GPU jobs on N GPUs a free one always exists; nothing
here waits or queues.  Under SLURM a job sees only the GPUs it was allocated.

This module imports no torch: the caller names the visible GPUs.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from pathlib import Path

LOCK_DIR_ENV = "IMPLICITBIAS_GPU_LOCK_DIR"

_held: dict[str, object] = {}  # key -> open lock file, kept for the process lifetime


def claim(keys: list[str], lock_dir: str | Path | None = None) -> int | None:
    """Index of the first GPU in ``keys`` that no other process holds, now held by this one.

    ``keys`` name the visible GPUs (their UUIDs, so that two jobs that see the
    same physical GPU under different indices still exclude each other).  A
    process keeps what it claimed and gets the same index again on a second
    call.  Returns None when every GPU is held by another process.
    """
    for i, key in enumerate(keys):
        if key in _held:
            return i
    folder = Path(lock_dir or os.environ.get(LOCK_DIR_ENV) or default_lock_dir())
    folder.mkdir(parents=True, exist_ok=True)
    for i, key in enumerate(keys):
        fh = open(folder / f"gpu-{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.lock", "a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        fh.truncate(0)
        fh.write(f"{os.getpid()}\n")  # who holds it, for a curious reader
        fh.flush()
        _held[key] = fh
        return i
    return None


def default_lock_dir() -> Path:
    """Where GPU claims live unless ``$IMPLICITBIAS_GPU_LOCK_DIR`` says otherwise: one folder per user in the temp directory."""
    return Path(tempfile.gettempdir()) / f"implicitbias-gpu-locks-{os.getuid()}"
