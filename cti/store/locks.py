"""File locks between processes: who runs the embedded server, who uses it, and
one ``cti run`` per configuration.

All are ``flock`` locks: the kernel drops them when their process dies, however
it dies (SIGKILL included), so there is no stale lock to clean up. A flock
belongs to an open file, not to a process: two objects in one process conflict
like two processes do. Our file descriptors are not inherited by children
(PEP 446), so the PostgreSQL server started by ``pg_ctl`` never holds one.

Embedded data directory (``DataDirLocks``):

- the directory itself, exclusive, held only while a process starts or stops
  the server: starts, adoptions and stops happen one at a time;
- ``cti_embedded.owner.lock``, exclusive, held by the process that runs the
  server (it started it, or found it running with no owner: its starter died);
- ``cti_embedded.users.lock``, shared, held by every process using the server.
  The owner stops the server only if it can take this one exclusively: no one
  else uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from cti.errors import CtiError
from cti.store.errors import EmbeddedPostgresFailed

OWNER_FILE = "cti_embedded.owner.lock"
USERS_FILE = "cti_embedded.users.lock"
_POLL = 0.05


class InstanceLocked(CtiError):
    """Another ``cti run`` holds the configuration."""

    status, code = 409, "instance-locked"

    def __init__(self, directory: Path, pid: int | None) -> None:
        who = "another cti run" if pid is None else f"another cti run (pid {pid})"
        super().__init__(f"{who} uses this configuration ({directory}); stop it first, "
                         "or give this one another --config directory")
        self.directory, self.pid = directory, pid


class _Flock:
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

    def take(self, timeout: float, *, what: str) -> None:
        """Take the lock exclusively, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.try_take():
            if time.monotonic() >= deadline:
                raise EmbeddedPostgresFailed(
                    f"{what}: {self.path} stayed locked by another process for {timeout:.0f}s; "
                    "is another cti starting or stopping the embedded server?")
            time.sleep(_POLL)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor of the open file drops the flock


class DataDirLocks:
    """The three locks of one embedded data directory (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._turn = _Flock(data_dir, directory=True)
        self._owner = _Flock(data_dir / OWNER_FILE)
        self._user = _Flock(data_dir / USERS_FILE)

    @contextlib.contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold the directory while starting or stopping: one process at a time."""
        self._turn.take(timeout, what=f"embedded PostgreSQL in {self.data_dir}")
        try:
            yield
        finally:
            self._turn.release()

    @property
    def owner(self) -> bool:
        """True while this object holds the owner lock."""
        return self._owner.held

    def claim_owner(self) -> bool:
        """Become the owner unless a live process already is; True if we are."""
        return self._owner.try_take()

    def release_owner(self) -> None:
        self._owner.release()

    def register_user(self) -> None:
        """Say that this object uses the server (shared; never waits: an exclusive
        holder holds ``turn()`` too, and so do we when we call this)."""
        if not self._user.try_take(shared=True):
            raise EmbeddedPostgresFailed(
                f"embedded PostgreSQL in {self.data_dir}: {USERS_FILE} is locked while "
                "nothing stops the server; remove the file if no cti process runs")

    def unregister_user(self) -> None:
        self._user.release()

    def alone(self) -> bool:
        """True if no other object uses the server (call after ``unregister_user``);
        the exclusive lock is dropped again at once."""
        probe = _Flock(self.data_dir / USERS_FILE)
        try:
            return probe.try_take()
        finally:
            probe.release()

    def release_all(self) -> None:
        self._user.release()
        self._owner.release()


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
        self._lock = _Flock(self.directory, directory=True)

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
