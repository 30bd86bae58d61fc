"""How to bundle short training jobs on SLURM: one job each, groups, or job arrays.

Starts the test harness's one-node SLURM cluster on localhost (root, Slurm and
munge installed: see .ci/run), then runs the quick config through
profiles/slurm once per mode and prints the wall time of the whole snakemake
run and the number of sbatch submissions.  Usage (from the repository root):

    python benchmarks/slurm_bundling.py [--config tests/quick_config.yaml] [--repeat 1]

Timings on a loaded 2-core machine are noisy: repeat, and read the submission
counts beside them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import make_workdir, snakemake  # noqa: E402
from slurm_harness import LocalSlurm  # noqa: E402
from test_cluster import CLUSTER_ARGS  # noqa: E402

MODES = {
    "one job per batch": ["--groups", "train=none", "--group-components", "none=1"],
    "groups of 2 (profile default, 2-CPU node)": [],
    "job arrays": ["--groups", "train=none", "--group-components", "none=1", "--slurm-array-jobs", "train"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "tests" / "quick_config.yaml"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibslurm-") as tmp:
        cluster = LocalSlurm(Path(tmp) / "slurm").start()
        try:
            for r in range(args.repeat):
                for mode, extra in MODES.items():
                    work = make_workdir(Path(tmp) / f"{r}-{len(extra)}", Path(args.config))
                    start = time.perf_counter()
                    done = snakemake(work, *CLUSTER_ARGS, *extra, env=cluster.env())
                    wall = time.perf_counter() - start
                    out = done.stdout + done.stderr
                    print(f"{mode:45s} rc={done.returncode} wall={wall:6.1f} s submissions={out.count('SLURM jobid')}")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
