"""A process that uses an embedded PostgreSQL, driven over stdin, for the tests
of sharing one data directory between processes (imported by name, and run as
``python pg_process.py DATA_DIR``).

It starts (or adopts) the server on DATA_DIR and prints ``ready <adopted> <dsn>``;
then each line it reads is a command: ``stop`` calls ``stop()`` and prints
``stopped <True|False>`` before exiting; end of input exits without stopping.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()


def spawn(data_dir: Path) -> tuple[subprocess.Popen[str], bool, str]:
    """Start a process using the server on ``data_dir``; returns it, whether it
    adopted a running server, and the DSN, once the server answers."""
    proc = subprocess.Popen([sys.executable, str(HERE), str(data_dir)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "ready":
        proc.kill()
        raise AssertionError(f"pg_process did not start: {line} {proc.stderr.read()[-2000:]}")
    return proc, line[1] == "True", line[2]


def stop(proc: subprocess.Popen[str], timeout: float = 30) -> bool:
    """Ask the process to call ``stop()``; True if that stopped the server."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("stop\n")
    proc.stdin.flush()
    answer = proc.stdout.readline().split()
    proc.wait(timeout)
    assert answer[:1] == ["stopped"], (answer, proc.stderr.read()[-2000:] if proc.stderr else "")
    return answer[1] == "True"


def main(data_dir: str) -> None:
    from cti.log import configure_logging
    from cti.store import EmbeddedPostgres

    configure_logging("console", "info")  # on stderr: stdout carries the answers
    server = EmbeddedPostgres(Path(data_dir), durable=False)
    dsn = server.start()
    print("ready", server.adopted, dsn, flush=True)
    for line in sys.stdin:
        if line.strip() == "stop":
            print("stopped", server.stop(), flush=True)
            return


if __name__ == "__main__":
    main(sys.argv[1])
