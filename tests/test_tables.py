"""Tidy tables: column safety, atomic writes, truncation detection."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from implicitbias.pipeline import tables
from implicitbias.pipeline.grid import Cell
from implicitbias.numerics.train import Trajectory


def _traj(metrics):
    return Trajectory(steps=np.array([0, 1]), metrics=metrics, diverged_at=np.array([-1]), x=None)


def test_a_metric_may_not_overwrite_an_axis_column():
    cells = [Cell("linear", "squares", "gd", 1.0, 0.0, 0)]
    with pytest.raises(ValueError, match="loss"):
        tables.trajectory_table("e", cells, _traj({"loss": np.zeros((2, 1))}), {})
    table = tables.trajectory_table("e", cells, _traj({"train_loss": np.zeros((2, 1))}), {})
    assert table.column("loss").to_pylist() == ["squares", "squares"]


def test_diverged_run_keeps_rows_up_to_divergence():
    cells = [Cell("linear", "squares", "gd", 3.0, 0.0, 0), Cell("linear", "squares", "gd", 1.0, 0.0, 0)]
    traj = Trajectory(np.array([0, 10, 100]), {"m": np.ones((3, 2))}, np.array([10, -1]), None)
    t = tables.trajectory_table("e", cells, traj, {}).to_pandas()
    assert list(t[t.eta == 3.0].step) == [0, 10] and set(t[t.eta == 3.0].status) == {"diverged"}
    assert list(t[t.eta == 1.0].step) == [0, 10, 100] and set(t[t.eta == 1.0].status) == {"ok"}


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "t.parquet"

    def broken(tmp):
        open(tmp, "w").write("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        tables.atomic_write(target, broken)
    assert list(tmp_path.iterdir()) == []


def test_truncated_parquet_is_detected(tmp_path):
    cells = [Cell("linear", "squares", "gd", 1.0, 0.0, 0)]
    path = tmp_path / "b.parquet"
    tables.write_parquet(path, tables.trajectory_table("e", cells, _traj({"m": np.zeros((2, 1))}), {}))
    assert tables.is_complete(path)
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    assert not tables.is_complete(path)
    with pytest.raises(ValueError, match="not a complete Parquet table"):
        tables.read_parquet(path)
    derived = tmp_path / "table.parquet"
    derived.write_text("x")
    assert tables.set_aside_incomplete([path], derived=[derived], dry_run=True) == [str(path)]
    assert path.read_bytes() == data[:-10] and derived.exists()  # a dry run only reports
    assert tables.set_aside_incomplete([path], derived=[derived]) == [str(path)]
    assert not path.exists() and (tmp_path / "b.parquet.corrupt").exists() and not derived.exists()


def test_atomic_write_refuses_to_replace_a_special_file_or_directory(tmp_path):
    """Renaming over a device would replace it (as root: /dev/null).  A FIFO in a temporary
    folder stands for any special file, so that a broken guard harms nothing outside it."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        tables.atomic_write(fifo, lambda tmp: open(tmp, "w").write("x"))
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not replaced by a file
    with pytest.raises(ValueError, match="not a regular file"):
        tables.atomic_write(tmp_path, lambda tmp: open(tmp, "w").write("x"))
    assert tmp_path.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]  # no temporary file left


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_atomically_written_files_get_the_mode_open_gives_under_the_umask(tmp_path, mask):
    """tables, JSON, CSV and figures: readable by the group (and others) as the umask says, never 0600."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from implicitbias.pipeline import theme

    cells = [Cell("linear", "squares", "gd", 1.0, 0.0, 0)]
    old = os.umask(mask)
    try:
        open(tmp_path / "plain.txt", "w").close()
        tables.write_parquet(tmp_path / "t.parquet", tables.trajectory_table("e", cells, _traj({"m": np.zeros((2, 1))}), {}))
        tables.write_json(tmp_path / "p.json", {"a": 1})
        tables.write_csv(tmp_path / "c.csv", [{"a": 1}], ["a"])
        theme.save(plt.figure(), str(tmp_path / "f.pdf"), str(tmp_path / "f.png"))
        assert tables.umask() == mask
    finally:
        os.umask(old)
    expected = 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == expected
    for name in ("t.parquet", "p.json", "c.csv", "f.pdf", "f.png"):
        assert oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) == oct(expected), name


def test_rewriting_a_file_keeps_its_mode_as_open_would(tmp_path):
    target = tmp_path / "p.json"
    tables.write_json(target, {"a": 1})
    target.chmod(0o640)
    tables.write_json(target, {"a": 2})
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and json.loads(target.read_text()) == {"a": 2}
