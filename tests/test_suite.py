"""The test commands of the README: the default one deselects the cluster tests and says so."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO, RUN_EVERYTHING


def pytest(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_default_command_deselects_the_cluster_tests_in_one_line():
    done = pytest("tests/test_cluster.py")
    lines = [line for line in done.stdout.splitlines() if "cluster test(s) deselected" in line]
    assert len(lines) == 1, done.stdout[-3000:]
    n = int(re.search(r"(\d+) cluster test\(s\) deselected", lines[0]).group(1))
    assert n > 0 and RUN_EVERYTHING in lines[0]
    assert not re.search(r"^tests/test_cluster\.py::", done.stdout, re.MULTILINE)  # none selected


def test_the_second_command_selects_them():
    done = pytest("tests/test_cluster.py", "-m", "cluster or not cluster")
    selected = re.findall(r"^tests/test_cluster\.py::\S+", done.stdout, re.MULTILINE)
    assert selected, done.stdout[-3000:]
    assert "deselected" not in done.stdout
