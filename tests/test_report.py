"""The report's first page, as a browser shows it: the verdict, each failing check
with its measured value and bound, a link to each family's figure, and the run's
provenance.  Checked in headless Chromium (Debian's `chromium`, which .ci/run
installs), not only in the HTML source: the report is a JavaScript application
that draws the page from embedded data."""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess

import pytest

from conftest import make_workdir, quick_config, snakemake

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def _visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))
    return re.sub(r" ([:,.)])", r"\1", text)  # tags split "<b>x</b>:" into "x :"


@pytest.fixture(scope="module")
def browser() -> str:
    if BROWSER is None:
        if os.environ.get("IMPLICITBIAS_REQUIRE_BROWSER"):  # set by .ci/run, which installs chromium
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    return BROWSER


def test_report_first_page_leads_with_the_verdict_failures_figures_and_provenance(quick_run, tmp_path, browser):
    work = make_workdir(tmp_path / "w", quick_run / "config.yaml")
    shutil.copytree(quick_run / "results", work / "results")
    shutil.copytree(quick_run / ".snakemake", work / ".snakemake", symlinks=True)
    # a wrong world: the first check fails (the report must list it with its numbers)
    path = work / "results" / "claims.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    victim = next(r for r in rows if r["relation"] != "info")
    victim.update(measured="0.5", bound="1e-10", relation="<=", **{"pass": "False"})
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = snakemake(work, "--report", "results/report.html")
    assert done.returncode == 0, done.stderr[-3000:]
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--dump-dom", (work / "results" / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    text = _visible_text(dom)
    checks = [r for r in rows if r["relation"] != "info"]
    passing = sum(r["pass"] == "True" for r in checks)
    verdict = f"Verdict: {passing}/{len(checks)} checks pass, {len(rows) - len(checks)} reported values."
    assert passing == len(checks) - 1
    assert verdict in text, text[:2000]
    assert text.index(verdict) < text.index("Figures of the lecture")  # it leads the page
    assert f"FAILED {victim['experiment']}: {victim['claim']}: measured 0.5, needs <= 1e-10" in text, text[:3000]
    for name in quick_config()["experiments"]:  # a link to each family's figure, which opens it in the report
        assert re.search(rf"<a [^>]*href=\"javascript:app\.showResultInfo\('[^']*{name}\.png'\)\"", dom), name
    assert "device: cpu; dtype: float64" in text and "git revision:" in text and "torch 2.13.0" in text
