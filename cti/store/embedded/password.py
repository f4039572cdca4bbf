"""The embedded server's password: generated once, kept in the data directory.

The file is in the format of ``~/.pgpass`` (mode 0600, readable by the user
who runs cti), so ``psql`` reads it too:

    PGPASSFILE=var/pgdata/cti_embedded.pgpass psql postgresql://postgres@127.0.0.1:PORT/cti

``pg_hba.conf`` asks every connection for it (SCRAM-SHA-256); the server
listens on 127.0.0.1 only and has no Unix socket.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PASSWORD_FILE = "cti_embedded.pgpass"
HBA = """\
# Written by cti.store.embedded: every connection gives the password kept in
# cti_embedded.pgpass (SCRAM-SHA-256). The server listens on 127.0.0.1 only.
host    all    all    127.0.0.1/32    scram-sha-256
host    all    all    ::1/128         scram-sha-256
"""


def new_password() -> str:
    """43 URL-safe characters: nothing to escape in a DSN or a pgpass line."""
    return secrets.token_urlsafe(32)


def read_password(path: Path) -> str | None:
    """The password of a pgpass file written by ``write_password``; None if missing."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) == 5 and fields[4]:
            return fields[4]
    return None


def write_password(path: Path, user: str, password: str) -> None:
    """Write the pgpass file atomically, mode 0600 from its creation."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, f"127.0.0.1:*:*:{user}:{password}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    temporary.replace(path)


def hba_asks_password(data_dir: Path) -> bool:
    """True if pg_hba.conf lets no one in without a password (a data directory
    made before passwords says ``trust``). Lines someone added are kept as
    long as they ask for a password too."""
    try:
        text = (data_dir / "pg_hba.conf").read_text()
    except FileNotFoundError:
        return False
    rules = [line.split() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return bool(rules) and not any("trust" in rule for rule in rules)


def write_hba(data_dir: Path) -> None:
    """Replace pg_hba.conf in place: the file keeps its owner, the server's user."""
    with (data_dir / "pg_hba.conf").open("w") as hba:
        hba.write(HBA)
