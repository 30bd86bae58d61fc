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
