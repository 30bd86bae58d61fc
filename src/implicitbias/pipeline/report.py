"""What the HTML report shows beside each figure: its caption and measured claims.

Snakemake renders every caption as a Jinja template with the job's params.
A :class:`FigureCaption` param reads the family's caption text and its claims
table *when the report is rendered*, so the caption states the values measured
by the run.  Snakemake's rerun trigger ignores params that are not plain data,
so this object never makes the figure rerun.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .claims import summary, verdict


@dataclass(frozen=True)
class FigureCaption:
    """The caption of one figure: its experiment's ``title`` (from contract.yaml),
    ``text`` path (reStructuredText), ``claims`` CSV and aggregated ``table`` paths."""

    title: str
    text: str
    claims: str
    table: str

    def __str__(self) -> str:
        return Path(self.text).read_text()

    def rows(self) -> list[dict]:
        """The experiment's claims as dicts; empty if the claims table does not exist yet."""
        from .jobs import read_claims

        return read_claims(self.claims) if Path(self.claims).exists() else []

    def seeds(self) -> int:
        """Number of distinct seeds in the experiment's table (the bands are over these)."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        if not Path(self.table).exists():
            return 0
        return len(pc.unique(pq.read_table(self.table, columns=["seed"]).column("seed")))

    def summary(self) -> str:
        """``N/M checks pass, K reported values`` of this experiment."""
        return verdict(self.rows())


def run_summary(claims_csv: str) -> str:
    """The claims summary of a finished run (``claims: N/M passed`` and each failure)."""
    from .jobs import read_claims

    return summary(read_claims(claims_csv))


def _counted(values: list[str]) -> str:
    """``cpu`` or ``cpu (17 jobs), cuda:0 (1 job)``: each distinct value, with its count when they differ."""
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{v} ({n} job{'s' * (n != 1)})" for v, n in sorted(counts.items()))


@dataclass(frozen=True)
class Landing:
    """The report's first page (``workflow/report/workflow.rst``): the verdict, every
    failing check with its measured value and bound, and the run's provenance.

    A param of the rule that writes ``claims``, read when the report is rendered
    (like :class:`FigureCaption`), from the claims table and the provenance table.
    """

    claims: str
    provenance: str

    def rows(self) -> list[dict]:
        from .jobs import read_claims

        return read_claims(self.claims) if Path(self.claims).exists() else []

    def verdict(self) -> str:
        return verdict(self.rows())

    def failures(self) -> list[dict]:
        """Every failing check (an unmeasured value fails too)."""
        return [r for r in self.rows() if r["relation"] != "info" and not r["pass"]]

    def jobs(self) -> list[dict]:
        """The provenance table's rows: one per training job."""
        import csv

        if not Path(self.provenance).exists():
            return []
        with open(self.provenance, newline="") as fh:
            return list(csv.DictReader(fh))

    def provenance_lines(self) -> list[str]:
        """Git revision, device, dtype and package versions of the training jobs, each distinct value once."""
        jobs = self.jobs()
        if not jobs:
            return []
        revisions = [j["git_revision"] or "none (not a git checkout)" for j in jobs]
        versions = [c for c in jobs[0] if c.startswith("version_")]
        return [
            f"git revision: {_counted(revisions)}",
            f"device: {_counted([j['device'] for j in jobs])}; dtype: {_counted([j['dtype'] for j in jobs])}",
            f"python {_counted([j['python'] for j in jobs])}; "
            + ", ".join(f"{c.removeprefix('version_')} {_counted([j[c] for j in jobs])}" for c in versions),
        ]
