"""Mutation check: each chosen change to the code must turn the tests that guard it red.

    python tests/mutation_check.py              # every mutation (about 3 minutes on 2 cores)
    python tests/mutation_check.py --list       # what each mutation breaks, and its tests
    python tests/mutation_check.py gd_step      # some of them, by name

For each mutation the project's files (those git tracks or would track) are copied
to a temporary folder, one textual change is made to the copy's source, and the
mutation's tests run there with this Python and ``PYTHONPATH`` pointing at the
copy's ``src/``, so the ``snakemake`` jobs a test starts import the mutant too.
The tests must fail.  They are first run on an unmutated copy, where they must
pass (otherwise a red result would prove nothing).  Exit status 1 when a
mutation survives, a baseline fails, or a mutation's text is no longer found
(the code moved: update the mutation).

Not collected by pytest (its name does not start with ``test_``).  The claims'
own wrong worlds are a different check: ``tests/test_claims_falsifiable.py``
feeds each claim a wrong table; this one changes the code under test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    breaks: str  # the behaviour the change breaks, in words
    path: str  # file under the repository root
    old: str  # text that must occur exactly once in it
    new: str
    tests: tuple[str, ...]  # pytest node ids that must go red


MUTATIONS = (
    Mutation(
        "atomic_rename",
        "tables are written in place instead of to a temporary file renamed over the target",
        "src/implicitbias/pipeline/tables.py",
        "        write(tmp)\n        os.chmod(tmp, open_mode(path))\n        os.replace(tmp, path)\n",
        "        write(str(path))\n        os.unlink(tmp)\n",
        ("tests/test_tables.py",),
    ),
    Mutation(
        "hide_failed_claims",
        "results/claims.csv keeps only the claims that pass",
        "src/implicitbias/pipeline/jobs.py",
        "    rows = [r for path in inputs for r in read_claims(path)]\n",
        "    rows = [r for path in inputs for r in read_claims(path) if r['pass'] is not False]\n",
        ("tests/test_reliability.py::test_a_batch_that_diverges_entirely_still_gives_table_claims_and_figure",),
    ),
    Mutation(
        "drop_claim_row",
        "mean_field's last claim row is dropped",
        "src/implicitbias/experiments/mean_field/claims.py",
        "    return out\n",
        "    return out[:-1]\n",
        ("tests/test_mean_field.py::test_claims_on_a_small_run_and_the_bound",),
    ),
    Mutation(
        "gd_step",
        "GD takes a step 0.1% longer than eta",
        "src/implicitbias/numerics/optim.py",
        "        return x - eta * g\n",
        "        return x - 1.001 * eta * g\n",
        ("tests/test_optim.py", "tests/test_pseudo_inverse.py::test_gd_iterate_equals_the_lectures_sum_formula"),
    ),
    Mutation(
        "duplicate_seed",
        "a duplicated seed is no longer refused",
        "src/implicitbias/pipeline/config.py",
        "        if len(set(seeds)) != len(seeds):\n",
        "        if False:\n",
        ("tests/test_bad_input.py::test_bad_config_is_refused_with_one_line_naming_the_key[seed duplicate]",),
    ),
    Mutation(
        "linear_schedule",
        "logged steps are spaced linearly instead of geometrically",
        "src/implicitbias/numerics/train.py",
        "    geo = np.geomspace(1, steps, num=max(points, 2))\n",
        "    geo = np.linspace(1, steps, num=max(points, 2))\n",
        (
            "tests/test_pseudo_inverse.py::test_log_schedule_is_geometric_and_ends_at_steps",
            "tests/test_workflow.py::test_the_schedule_check_refuses_linear_and_sparse_schedules",
        ),
    ),
)


def project_files() -> list[str]:
    """Every file git tracks or would track (untracked, not ignored) in the repository."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [f for f in out.stdout.split("\0") if f and (REPO / f).is_file()]


def copy_project(where: Path) -> Path:
    for name in project_files():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, where / name)
    return where


def apply(mutation: Mutation, root: Path) -> None:
    path = root / mutation.path
    text = path.read_text()
    if text.count(mutation.old) != 1:
        found = text.count(mutation.old)
        raise LookupError(f"{mutation.name}: the text to change occurs {found} times in {mutation.path}, not once")
    path.write_text(text.replace(mutation.old, mutation.new))


def run_tests(root: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    options = ["-q", "-x", "-p", "no:cacheprovider", "--basetemp", str(root / ".pytest-tmp")]
    cmd = [sys.executable, "-m", "pytest", *options, "-m", "cluster or not cluster", *tests]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to apply (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)
    known = {m.name: m for m in MUTATIONS}
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name}: {m.breaks}\n    {m.path}\n    " + "\n    ".join(m.tests))
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown mutation(s) {unknown}; valid: {', '.join(known)}")
    chosen = [known[n] for n in args.names] or list(MUTATIONS)

    failures = []
    with tempfile.TemporaryDirectory(prefix="ib-mutation-") as tmp:
        baseline = copy_project(Path(tmp) / "baseline")
        tests = tuple(dict.fromkeys(t for m in chosen for t in m.tests))
        start = time.monotonic()
        done = run_tests(baseline, tests)
        print(f"baseline: {'pass' if done.returncode == 0 else 'FAIL'} ({time.monotonic() - start:.0f} s)", flush=True)
        if done.returncode != 0:
            print(done.stdout[-3000:] + done.stderr[-2000:])
            return 1
        for m in chosen:
            root = copy_project(Path(tmp) / m.name)
            start = time.monotonic()
            try:
                apply(m, root)
            except LookupError as err:
                print(f"{m.name}: NOT APPLIED: {err}")
                failures.append(m.name)
                continue
            done = run_tests(root, m.tests)
            red = done.returncode == 1  # 1: tests failed (2-5: interrupted, usage error, nothing collected)
            verdict = "killed (tests red)" if red else f"SURVIVED (pytest exit {done.returncode})"
            print(f"{m.name}: {verdict} ({time.monotonic() - start:.0f} s): {m.breaks}", flush=True)
            if not red:
                print(done.stdout[-2000:] + done.stderr[-1000:])
                failures.append(m.name)
    print(f"mutation check: {len(chosen) - len(failures)}/{len(chosen)} mutations turned their tests red")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
