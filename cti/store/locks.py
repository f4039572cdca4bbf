"""File locks between processes, and one ``cti run`` per configuration.

``flock`` locks: the kernel drops them when their process dies, however it
dies (SIGKILL included), so there is no stale lock to clean up. A flock
belongs to an open file, not to a process: two objects in one process
conflict like two processes do. Our file descriptors are not inherited by
children (PEP 446), so a server we start never holds one.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from cti.errors import CtiError

_POLL = 0.05


class InstanceLocked(CtiError):
    """Another ``cti run`` holds the configuration."""

    status, code = 409, "instance-locked"

    def __init__(self, directory: Path, pid: int | None) -> None:
        who = "another cti run" if pid is None else f"another cti run (pid {pid})"
        super().__init__(f"{who} uses this configuration ({directory}); stop it first, "
                         "or give this one another --config directory")
        self.directory, self.pid = directory, pid


class Flock:
    """One flock on one path (a file, created if missing, or a directory)."""

    def __init__(self, path: Path, *, directory: bool = False) -> None:
        self.path = path
        self._directory = directory
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_take(self, *, shared: bool = False) -> bool:
        """Take the lock without waiting; False if another holder prevents it."""
        if self._fd is not None:
            return True
        flags = os.O_RDONLY | os.O_DIRECTORY if self._directory else os.O_RDWR | os.O_CREAT
        fd = os.open(self.path, flags | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def take(self, timeout: float) -> bool:
        """Take the lock exclusively, waiting up to ``timeout`` seconds; False if
        it stayed taken."""
        deadline = time.monotonic() + timeout
        while not self.try_take():
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor of the open file drops the flock


class InstanceLock:
    """One ``cti run`` per configuration directory.

    A flock on the directory itself: nothing is written in it (it may be
    read-only, as in the container image), every user of the machine meets
    the same lock, and a killed process leaves no stale lock. The pid of the
    holder, for the message, comes from ``/proc/locks``.

        lock = InstanceLock(config_dir)
        lock.acquire()          # raises InstanceLocked naming the other pid
        ...
        lock.release()
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).expanduser().resolve()
        self._lock = Flock(self.directory, directory=True)

    def acquire(self) -> None:
        """Take the lock or raise ``InstanceLocked`` at once (never waits).

        Raises:
            InstanceLocked: another process (or another InstanceLock) holds it.
            CtiError: the directory cannot be opened.
        """
        try:
            taken = self._lock.try_take()
        except OSError as exc:
            raise CtiError(f"cannot open the configuration directory {self.directory}: "
                           f"{exc.strerror}; check --config") from None
        if not taken:
            raise InstanceLocked(self.directory, _flock_holder(self.directory))

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def _flock_holder(path: Path) -> int | None:
    """The pid holding a flock on ``path``, from /proc/locks (None if unknown)."""
    try:
        st = os.stat(path)
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; blocked waiters start with "->"
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted \
                and fields[4].isdigit() and int(fields[4]) > 0:
            return int(fields[4])
    return None
