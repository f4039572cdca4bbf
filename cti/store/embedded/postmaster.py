"""What ``postmaster.pid`` says, and whether the process it names is a live PostgreSQL.

psutil comes with the ``embedded`` extra: it is imported only when used, so
that the service imports this package without it.
"""

from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil


@dataclass(frozen=True, slots=True)
class Postmaster:
    """``postmaster.pid``: pid, port, status; ``alive`` if that process really runs."""

    pid: int
    port: int | None
    status: str
    alive: bool

    @classmethod
    def read(cls, data_dir: Path) -> Postmaster | None:
        try:
            lines = (data_dir / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        status = lines[7].strip() if len(lines) > 7 else "starting"
        return cls(pid, port, status, is_postmaster(pid))


def is_postmaster(pid: int) -> bool:
    """True if ``pid`` is a live postgres process (pids get reused after a crash)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return is_alive(proc) and proc.name() == "postgres"
    except psutil.Error:
        return False


def is_alive(proc: psutil.Process) -> bool:
    """Running and not a zombie (a killed postmaster is reparented, maybe never reaped)."""
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_tree(pid: int, timeout: float) -> None:
    """SIGKILL the postmaster and its children, as a crash would, and wait for them."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    deadline = time.monotonic() + timeout
    while any(is_alive(p) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.01)


def signal_and_wait(pid: int, sig: signal.Signals, timeout: float) -> None:
    import psutil

    with contextlib.suppress(psutil.Error):
        proc = psutil.Process(pid)
        proc.send_signal(sig)
        proc.wait(timeout)
