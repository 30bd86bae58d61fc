"""Say at once why a SLURM run cannot work, before anything is queued.

A cluster run through ``profiles/slurm`` depends on things its config cannot
show: that the plugin's job-status command answers (``sacct`` needs an
accounting database), that the largest job it submits (a group of training
batches) fits the nodes of its partition, and that the partition (and account)
exist.  When one fails, SLURM refuses the job or the plugin waits forever, and
Snakemake says "message: None" or nothing at all.  So before the first
submission the workflow asks the cluster (``sinfo``, ``scontrol``, the status
command; each answer within seconds) and stops with one line per problem,
naming the setting to change.

It runs on its own too, with the options of the run it checks:

    python -m implicitbias.pipeline.doctor --workflow-profile profiles/slurm [snakemake options]

That starts ``snakemake`` with those options (plus ``--forceall``, so that
every job of the config counts, and ``--nolock``), which plans the run as it
would, checks, prints the verdict and exits before submitting anything.

No Snakemake import: the workflow hands over its own objects.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

PROFILE = "profiles/slurm/config.yaml"
ONLY = "IMPLICITBIAS_DOCTOR"  # set to "only" by the command: check, then exit
TIMEOUT = 10  # seconds any one SLURM command may take before it counts as not answering


@dataclass(frozen=True)
class Request:
    """What one SLURM job will ask ``sbatch`` for."""

    what: str  # e.g. "a group of 4 train jobs"
    cpus: int
    mem_mb: int
    gpus: int
    partition: str | None = None  # None: the cluster's default partition
    account: str | None = None


@dataclass(frozen=True)
class Node:
    name: str
    partition: str
    default: bool  # the partition is the cluster's default
    cpus: int
    mem_mb: int
    gpus: int


@dataclass(frozen=True)
class Answer:
    ok: bool
    text: str  # stdout if ok, else the first line of stderr (or why it did not answer)


def ask(cmd: list[str], timeout: float = TIMEOUT) -> Answer:
    """Run a SLURM client command; never hangs longer than ``timeout``."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        return Answer(False, f"{cmd[0]} is not installed")
    except subprocess.TimeoutExpired:
        return Answer(False, f"no answer within {timeout:g} s")
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return Answer(False, lines[0] if lines else f"exit code {done.returncode}")
    return Answer(True, done.stdout)


# -- what the cluster has ------------------------------------------------------

SINFO = ["sinfo", "--noheader", "--Node", "--format=%N|%P|%c|%m|%G"]


def gpu_count(gres: str) -> int:
    """GPUs in a ``sinfo`` GRES field: ``gpu:a100:4(S:0-1),gpu:2`` -> 6; ``(null)`` -> 0."""
    total = 0
    for item in gres.split(","):
        m = re.match(r"gpu(?::[^:(]+)?:(\d+)", item.strip())
        if m:
            total += int(m.group(1))
    return total


def parse_sinfo(text: str) -> list[Node]:
    """Nodes from ``sinfo --Node --format=%N|%P|%c|%m|%G`` (one line per node and partition)."""
    nodes = []
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) != 5:
            continue
        name, partition, cpus, mem, gres = parts
        nodes.append(
            Node(name, partition.rstrip("*"), partition.endswith("*"), int(cpus), int(re.sub(r"\D.*", "", mem) or 0), gpu_count(gres))
        )
    return nodes


def config_value(scontrol_config: str, key: str) -> str | None:
    """One value of ``scontrol show config`` (e.g. ``MinJobAge`` -> ``300 sec``)."""
    for line in scontrol_config.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == key:
            return value.strip()
    return None


def seconds(value: str | None) -> int | None:
    m = re.match(r"(\d+)\s*(\w*)", value or "")
    if not m:
        return None
    return int(m.group(1)) * (3600 if m.group(2).lower() in ("h", "hour", "hours") else 1)


# -- the checks ------------------------------------------------------------------


def status_problems(command: str | None, init_seconds: int, scontrol_config: str, profile: str = PROFILE) -> list[str]:
    """The plugin's job-status command must answer, or the run waits forever after its jobs end."""
    if command in (None, "sacct"):
        answer = ask(["sacct", "--noheader", "--allocations", "--format=JobID", "--starttime=now"])
        if not answer.ok:
            return [
                f"the job-status command `sacct` does not answer ({answer.text}), so the run would wait "
                "forever for its jobs: on a cluster without an accounting database add "
                "`--slurm-status-command squeue` (or `slurm-status-command: squeue` in "
                f"{profile})"
            ]
        return []
    answer = ask(["squeue", "--noheader", "--format=%i", "--user", str(os.getuid())])
    if not answer.ok:
        return [f"the job-status command `squeue` does not answer ({answer.text}): check that SLURM runs here"]
    min_age = seconds(config_value(scontrol_config, "MinJobAge"))
    if min_age is not None and min_age < 3 * init_seconds:
        return [
            f"squeue forgets a finished job after MinJobAge = {min_age} s, less than 3 x the first status "
            f"check delay ({init_seconds} s), so finished jobs could be missed: set "
            f"`--slurm-init-seconds-before-status-checks {max(1, min_age // 3)}` or use sacct"
        ]
    return []


def fit_problems(requests: list[Request], nodes: list[Node], profile: str = PROFILE) -> list[str]:
    """Every request must name an existing partition (or have a default one) and fit one of its nodes."""
    partitions = sorted({n.partition + ("*" if n.default else "") for n in nodes})
    problems = []
    by_partition: dict[str | None, list[Request]] = {}
    for r in requests:
        by_partition.setdefault(r.partition, []).append(r)
    for partition, reqs in by_partition.items():
        if partition is None:
            members = [n for n in nodes if n.default]
            if not members:
                problems.append(
                    f"this cluster has no default partition (partitions: {', '.join(partitions)}): set "
                    f"`slurm_partition` under default-resources in {profile}"
                )
                continue
            partition = members[0].partition
        else:
            members = [n for n in nodes if n.partition == partition]
            if not members:
                problems.append(
                    f"partition '{partition}' does not exist (partitions: {', '.join(partitions)}): set "
                    f"`slurm_partition` in {profile} (or --set-resources) to one of them"
                )
                continue
        for dim, unit, setting in (
            ("cpus", "CPUs", f"`cores:` in {profile} (the CPUs one SLURM job may use)"),
            ("mem_mb", "MB of memory", f"`mem_mb=` under `resources:` in {profile} (the memory one SLURM job may use)"),
            ("gpus", "GPUs", f"`gpu=` under `resources:` in {profile} (the GPUs one SLURM job may use)"),
        ):
            largest = max(reqs, key=lambda r: getattr(r, dim))
            have = max(getattr(n, dim) for n in members)
            if getattr(largest, dim) > have:
                if dim == "gpus" and have == 0:
                    fix = "set `slurm_partition` to a partition with GPUs, or `device: cpu` in config.yaml"
                else:
                    fix = f"set {setting} to at most {have}"
                problems.append(
                    f"{largest.what} asks for {getattr(largest, dim)} {unit}, but the nodes of partition "
                    f"'{partition}' have at most {have}: {fix}"
                )
        if not problems:
            for r in reqs:
                if not any(n.cpus >= r.cpus and n.mem_mb >= r.mem_mb and n.gpus >= r.gpus for n in members):
                    problems.append(
                        f"{r.what} asks for {r.cpus} CPUs, {r.mem_mb} MB and {r.gpus} GPUs on one node, and no node "
                        f"of partition '{partition}' has all three: lower `cores:` or `mem_mb=`/`gpu=` under "
                        f"`resources:` in {profile}"
                    )
                    break
    return problems


def account_problems(requests: list[Request], scontrol_config: str, profile: str = PROFILE) -> list[str]:
    """A named account must exist for this user; where accounts are enforced, one must be named or default."""
    if config_value(scontrol_config, "AccountingStorageType") in (None, "accounting_storage/none"):
        return []  # no accounting database: accounts are neither known nor required
    user = ask(["id", "-un"]).text.strip()
    known = ask(["sacctmgr", "--noheader", "--parsable2", "show", "associations", f"user={user}", "format=Account"])
    if not known.ok:
        return [f"`sacctmgr` does not answer ({known.text}): cannot check slurm_account"]
    accounts = {a.strip() for a in known.text.splitlines() if a.strip()}
    problems = []
    for account in sorted({r.account for r in requests if r.account}):
        if account not in accounts:
            problems.append(
                f"account '{account}' is not one of yours ({', '.join(sorted(accounts)) or 'none'}): set "
                f"`slurm_account` in {profile}"
            )
    enforce = config_value(scontrol_config, "AccountingStorageEnforce") or ""
    if "associations" in enforce and any(r.account is None for r in requests) and not accounts:
        problems.append(f"this cluster requires an account and you have none by default: set `slurm_account` in {profile}")
    return problems


def problems(requests: list[Request], status_command: str | None, init_seconds: int, profile: str = PROFILE) -> list[str]:
    """Everything that would make the run fail or hang, one line each (empty: go ahead)."""
    info = ask(SINFO)
    if not info.ok:
        return [f"the SLURM controller does not answer (sinfo: {info.text}): check that SLURM runs and SLURM_CONF"]
    config = ask(["scontrol", "show", "config"])
    scontrol_config = config.text if config.ok else ""
    return (
        status_problems(status_command, init_seconds, scontrol_config, profile)
        + fit_problems(requests, parse_sinfo(info.text), profile)
        + account_problems(requests, scontrol_config, profile)
    )


def profile_file(argv: list[str]) -> str:
    """The profile a command line names (``--workflow-profile DIR``, else the shipped one), for the messages."""
    for i, arg in enumerate(argv):
        for flag in ("--workflow-profile", "--profile"):
            if arg == flag and i + 1 < len(argv):
                return f"{argv[i + 1].rstrip('/')}/config.yaml"
            if arg.startswith(flag + "="):
                return f"{arg.split('=', 1)[1].rstrip('/')}/config.yaml"
    return PROFILE


# -- the workflow's side ---------------------------------------------------------


def _int(value, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def request_of(job, what: str) -> Request:
    """What the SLURM executor asks ``sbatch`` for, from a (group) job's resources."""
    res = job.resources
    cpus = _int(res.get("cpus_per_task"), 0) or _int(res.get("_cores"), 1)
    mem = _int(res.get("mem_mb"), 0) or _int(res.get("mem_mb_per_cpu"), 0) * max(cpus, 1)
    gpus = _int(res.get("gpu"), 0) or _int(res.get("gpus"), 0)
    return Request(what, max(cpus, 1), mem, gpus, res.get("slurm_partition"), res.get("slurm_account"))


def submitted_requests(dag) -> list[Request]:
    """One request per SLURM job this run will submit: each group job, and each ungrouped job."""
    seen, out = set(), []
    for job in dag.needrun_jobs():
        if job.is_local:
            continue
        group = dag.get_job_group(job)
        unit = group if group is not None else job
        if id(unit) in seen:
            continue
        seen.add(id(unit))
        if group is None:
            out.append(request_of(job, f"a {job.rule.name} job"))
        else:
            rules = sorted({j.rule.name for j in group.jobs})
            out.append(request_of(group, f"a group of {len(group.jobs)} {'/'.join(rules)} jobs"))
    return out


def before_submission(workflow) -> None:
    """Called when a run starts (Snakefile ``onstart``): on SLURM, check, and stop at the first sign of trouble."""
    plugin = getattr(workflow, "executor_plugin", None)
    only = os.environ.get(ONLY) == "only"
    if not workflow.is_main_process or plugin is None or plugin.name != "slurm":
        if only:
            sys.exit("cluster check: this run does not use the slurm executor (add --workflow-profile profiles/slurm)")
        return
    settings = workflow.executor_settings
    found = problems(
        submitted_requests(workflow.dag),
        getattr(settings, "status_command", None),
        getattr(settings, "init_seconds_before_status_checks", None) or 40,
        profile_file(sys.argv),
    )
    for line in found:
        print(f"cluster check: {line}", file=sys.stderr, flush=True)
    if found and not only:
        print(
            f"cluster check: nothing was submitted ({len(found)} problem(s)); rerun the checks alone with "
            "`python -m implicitbias.pipeline.doctor` and the same options",
            file=sys.stderr,
            flush=True,
        )
    if found:
        raise SystemExit(1)  # Snakemake releases its lock on the way out
    if only:
        print("cluster check: the status command answers and every job fits its partition's nodes", file=sys.stderr, flush=True)
        raise SystemExit(0)


def _written(path: str) -> bool:
    return os.path.isfile(path) and os.path.getsize(path) > 0


def failure_hint(snakemake_log: str, written=_written) -> str | None:
    """When a group job failed and none of its jobs wrote a line to its log (Snakemake
    creates them empty), SLURM refused it at submission: ``sbatch`` said why, but
    Snakemake does not print sbatch's reason for group jobs."""
    for block in re.finditer(r"Error in group[^\n]*\n(.*?)(?=\n\s*\[|\n\s*Error in |\Z)", snakemake_log, flags=re.DOTALL):
        logs = re.findall(r"\blog: (\S+)", block.group(1))
        if logs and not any(written(log) for log in logs):
            return (
                "A group job failed before any of its jobs started (their logs are empty): SLURM's sbatch refused "
                "it (e.g. 'More processors requested than permitted'), and Snakemake does not print sbatch's reason "
                "for group jobs. To see it, rerun with --verbose, copy the printed `sbatch call: sbatch ...` and run "
                "it with --test-only added (it queues nothing, and prints SLURM's reason); "
                "`python -m implicitbias.pipeline.doctor` with the same options checks partitions and node sizes."
            )
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m implicitbias.pipeline.doctor [snakemake options]``: check a cluster run without starting it."""
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    cmd = [sys.executable, "-m", "snakemake", *args, "--forceall", "--nolock", "--quiet", "all"]
    done = subprocess.run(cmd, env={**os.environ, ONLY: "only"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checks = [ln for ln in done.stdout.splitlines() if ln.startswith("cluster check:")]
    print("\n".join(checks) if checks else done.stdout.rstrip(), file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
