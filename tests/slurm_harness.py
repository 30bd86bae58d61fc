"""A real one-node SLURM cluster on localhost, for the cluster tests.

``LocalSlurm(root).start()`` writes a slurm.conf (and a gres.conf with fake GPUs)
under ``root``, starts a private munged, slurmctld and slurmd, and waits until
the node is idle; ``stop()`` ends each daemon by the PID in its pid file.
Needs root and the Debian packages ``slurmctld slurmd slurm-client munge``
(``.ci/run`` installs them).  Any failure raises ``SlurmError`` carrying the
daemons' logs: a daemon that dies after forking leaves no other trace.

Client commands find the cluster through ``SLURM_CONF`` (see ``env()``), but
the plugin's job step strips every ``SLURM_*`` variable before its inner
``srun``; that srun finds the configuration where a configless node keeps it,
``/run/slurm/conf/slurm.conf``, which ``start()`` links to ours.  So the
harness refuses to run on a machine that has a Slurm configuration of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

CLIENT_CONF = Path("/run/slurm/conf/slurm.conf")  # where clients look after $SLURM_CONF and /etc/slurm
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
MIN_JOB_AGE = 300  # squeue keeps finished jobs this long: >= 3x the plugin's first status delay
DAEMONS = ("slurmd", "slurmctld", "munged")  # stop order


class SlurmError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_hardware() -> str:
    """CPUs, sockets, cores and RealMemory of this machine, as ``slurmd -C`` reports them."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("NodeName="))
    return " ".join(f for f in line.split()[1:] if not f.startswith("UpTime"))


class LocalSlurm:
    def __init__(self, root: Path, gpus: int = 2):
        """A cluster under ``root`` whose node has ``gpus`` fake GPUs of model ``fake``."""
        self.root = Path(root)
        self.gpus = gpus
        self.conf = self.root / "slurm.conf"
        self.munge_socket = self.root / "munge" / "munge.socket"

    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def pidfile(self, daemon: str) -> Path:
        return self.root / ("munge" if daemon == "munged" else "run") / f"{daemon}.pid"

    # -- start ---------------------------------------------------------------

    def start(self, timeout: float = 60) -> "LocalSlurm":
        missing = [c for c in ("munged", "slurmctld", "slurmd", "sinfo", "sbatch") if not shutil.which(c)]
        if missing:
            raise SlurmError(f"SLURM is not installed (missing {missing}); run .ci/run or apt-get install slurmctld slurmd slurm-client munge")
        if os.geteuid() != 0:
            raise SlurmError("the local SLURM cluster needs root (slurmd runs jobs as their users)")
        if SYSTEM_CONF.exists():
            raise SlurmError(f"{SYSTEM_CONF} exists: this machine has a Slurm of its own; not starting a test cluster")
        if CLIENT_CONF.is_symlink() and not CLIENT_CONF.exists():
            CLIENT_CONF.unlink()  # left by a test cluster that was killed
        if CLIENT_CONF.exists() or CLIENT_CONF.is_symlink():
            raise SlurmError(f"{CLIENT_CONF} is in use: another Slurm (or test cluster) runs here")
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # munged (user munge) must reach its socket
        try:
            self._start_munge()
            self._write_config()
            self._run(["slurmctld", "-f", str(self.conf)])
            self._run(["slurmd", "-f", str(self.conf), "-N", "localhost"])
            self._wait_idle(timeout)
        except Exception as err:
            self.stop()
            raise SlurmError(f"{err}\n{self.logs()}") from err
        return self

    def _start_munge(self) -> None:
        folder = self.munge_socket.parent
        folder.mkdir(exist_ok=True)
        shutil.chown(folder, "munge", "munge")
        os.chmod(folder, 0o755)
        self._run(
            [
                "runuser", "-u", "munge", "--", "munged",
                f"--socket={self.munge_socket}",
                f"--pid-file={self.pidfile('munged')}",
                f"--log-file={folder / 'munged.log'}",
                f"--seed-file={folder / 'munged.seed'}",
            ]
        )  # fmt: skip

    def _write_config(self) -> None:
        for sub in ("state", "spool", "log", "run"):
            (self.root / sub).mkdir(exist_ok=True)
        gres = []
        for i in range(self.gpus):  # fake GPUs: SLURM only needs distinct device files
            fake = self.root / f"fakegpu{i}"
            if not fake.is_symlink():
                fake.symlink_to("/dev/null")
            gres.append(f"NodeName=localhost Name=gpu Type=fake File={fake}")
        (self.root / "gres.conf").write_text("\n".join(gres) + "\n")
        r = self.root
        self.conf.write_text(
            f"""\
ClusterName=implicitbias
SlurmctldHost=localhost
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={self.pidfile('slurmctld')}
SlurmdPidFile={self.pidfile('slurmd')}
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
EnforcePartLimits=ALL
ReturnToService=2
MinJobAge={MIN_JOB_AGE}
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 {_node_hardware()} Gres=gpu:fake:{self.gpus} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
        )
        CLIENT_CONF.parent.mkdir(parents=True, exist_ok=True)
        CLIENT_CONF.symlink_to(self.conf)

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), timeout=60)
        if done.returncode != 0:
            raise SlurmError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")

    def _wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            done = subprocess.run(["sinfo", "-h", "-n", "localhost", "-o", "%t"], capture_output=True, text=True, env=self.env())
            state = done.stdout.strip()
            if state == "idle":
                return
            time.sleep(0.5)
        raise SlurmError(f"node localhost is '{state}', not idle, after {timeout:.0f} s")

    # -- inspect and stop ----------------------------------------------------

    def logs(self) -> str:
        parts = []
        for log in (*sorted((self.root / "log").glob("*.log")), self.root / "munge" / "munged.log"):
            if log.exists():
                parts.append(f"--- {log} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
        return "\n".join(parts)

    def job(self, jobid: str) -> str:
        """``scontrol show job`` of a job that ran (kept for MinJobAge seconds)."""
        return subprocess.run(["scontrol", "show", "job", jobid], capture_output=True, text=True, env=self.env()).stdout

    def stop(self) -> None:
        if self.pidfile("slurmctld").exists():
            subprocess.run(["scancel", "--full", "--quiet", "--partition=debug"], env=self.env(), capture_output=True, timeout=30)
        for daemon in DAEMONS:
            self._kill(self.pidfile(daemon))
        if CLIENT_CONF.is_symlink() and os.readlink(CLIENT_CONF) == str(self.conf):
            CLIENT_CONF.unlink()

    @staticmethod
    def _kill(pidfile: Path, grace: float = 10) -> None:
        try:
            pid = int(pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def submitted_jobids(snakemake_output: str) -> list[str]:
    """The SLURM job ids that snakemake reports having submitted, in order."""
    return re.findall(r"submitted with SLURM jobid (\d+)", snakemake_output)
