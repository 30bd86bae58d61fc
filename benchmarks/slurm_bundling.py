"""How to bundle short training jobs on SLURM: one job each, groups, or job arrays.

Starts the tests' one-node SLURM cluster on localhost (needs root, Slurm and
munge: see .ci/run), then runs a config through three variants of
profiles/slurm and prints, per variant, the wall time of the snakemake run,
the number of sbatch calls and of SLURM jobs (array tasks counted one by one).  From the repository root:

    python benchmarks/slurm_bundling.py [--config tests/quick_config.yaml] [--repeat 1]

Timings on a loaded 2-core machine are noisy: repeat, and read the submission
counts beside them.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_workdir  # noqa: E402
from slurm_harness import LocalSlurm, submitted_jobids  # noqa: E402
from test_cluster import NO_ACCOUNTING, command  # noqa: E402


def variants() -> dict[str, dict]:
    """profiles/slurm as shipped (groups of 4 training batches), without groups, and with job arrays."""
    shipped = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    plain = {k: v for k, v in shipped.items() if k not in ("groups", "group-components")}
    return {"groups": shipped, "one_per_batch": plain, "arrays": {**plain, "slurm-array-jobs": "train"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "tests" / "quick_config.yaml"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibslurm-") as tmp:
        Path(tmp).chmod(0o755)
        cluster = LocalSlurm(Path(tmp) / "slurm").start()
        try:
            for r in range(args.repeat):
                for name, profile in variants().items():
                    work = make_workdir(Path(tmp) / f"{name}-{r}", Path(args.config))
                    (work / "profiles" / "slurm" / "config.yaml").write_text(yaml.safe_dump(profile))
                    start = time.perf_counter()
                    done = subprocess.run(
                        command(*NO_ACCOUNTING), cwd=work, capture_output=True, text=True, env=cluster.env()
                    )
                    wall = time.perf_counter() - start
                    out = done.stdout + done.stderr
                    arrays = re.findall(r"individual task IDs are (\d+)-(\d+)", out)
                    calls = len(submitted_jobids(out)) + len(arrays)
                    jobs = len(submitted_jobids(out)) + sum(int(b) - int(a) + 1 for a, b in arrays)
                    print(f"{name:14s} exit={done.returncode} wall={wall:6.1f} s  sbatch calls={calls}  SLURM jobs={jobs}", flush=True)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
