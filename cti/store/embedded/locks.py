"""Who runs an embedded server and who uses it: three flocks in its data directory.

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
from collections.abc import Iterator
from pathlib import Path

from cti.store.errors import EmbeddedPostgresFailed
from cti.store.locks import Flock

OWNER_FILE = "cti_embedded.owner.lock"
USERS_FILE = "cti_embedded.users.lock"


class DataDirLocks:
    """The three locks of one data directory (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._turn = Flock(data_dir, directory=True)
        self._owner = Flock(data_dir / OWNER_FILE)
        self._user = Flock(data_dir / USERS_FILE)

    @contextlib.contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold the directory while starting or stopping: one process at a time."""
        if not self._turn.take(timeout):
            raise EmbeddedPostgresFailed(
                f"embedded PostgreSQL in {self.data_dir}: another process has been starting or "
                f"stopping it for {timeout:.0f}s; wait for it, or look for a stuck cti process")
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
        probe = Flock(self.data_dir / USERS_FILE)
        try:
            return probe.try_take()
        finally:
            probe.release()

    def release_all(self) -> None:
        self._user.release()
        self._owner.release()
