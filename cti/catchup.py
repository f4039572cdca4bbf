"""Catching PostgreSQL up with the journal in a process of its own.

After a long outage the journal holds what the database missed: at 100 calls
a second, ten minutes are over a million events. Storing them is CPU work
(projection and encoding, about 7,000 events a CPU-second), which in the
service's one thread would compete with the calls going on. So the recorder
hands a large backlog to this worker, a child process run as
``python -m cti.catchup DIRECTORY AFTER [UNTIL]`` with the DSN in the
``CTI_CATCHUP_DSN`` environment variable (never on the command line). It
reads the journal's segments itself, stores the events after AFTER (up to
UNTIL) in batches, in sequence order, with the same projection, and reports
on stdout, a line a batch::

    stored SEQ                 everything up to SEQ is stored
    rejected RECORD            PostgreSQL refused this event (a JSON journal record)
    done SEQ                   caught up with what is on disk

Exit status: 0 caught up; 3 PostgreSQL unreachable (the recorder takes over
and retries). It exits at once when its stdin closes: the service is gone.
Storing twice is harmless (the events table dedups by sequence number), so
the recorder can always go on from the last ``stored`` line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

# Every event type and projection the service has: the case, campaign and alert
# ones register themselves when their modules are imported (a test compares).
import cti.campaigns
import cti.cases
import cti.reports.alerts  # noqa: F401
from cti.events import to_record
from cti.journal import JournalReader, segments_on_disk
from cti.recorder import WORKER_DSN, WORKER_UNREACHABLE, store_batch
from cti.records import project
from cti.store import Store, StoreUnavailable

#: Events a transaction: four times the recorder's, as nobody waits on one of them
#: here (store_bench: 27 % more events a second than batches of 500, 6 % less CPU).
BATCH = 2_000


async def catch_up(directory: Path, after: int, until: int | None, dsn: str) -> int:
    """Store the journal's events after ``after``; the exit status."""
    try:
        store = await Store.open(dsn, min_size=1, max_size=1)
    except StoreUnavailable:
        return WORKER_UNREACHABLE
    reader = JournalReader(lambda: segments_on_disk(directory), after)
    try:
        while True:
            batch = [e for e in reader.next(BATCH) if until is None or e.seq <= until]
            if not batch:
                _say(f"done {reader.after if until is None else min(reader.after, until)}")
                return 0
            try:
                refused = await store_batch(store, batch, project)
            except StoreUnavailable:
                return WORKER_UNREACHABLE
            for event in refused:
                _say("rejected " + json.dumps(to_record(event), separators=(",", ":")))
            _say(f"stored {batch[-1].seq}")
            if until is not None and batch[-1].seq >= until:
                _say(f"done {until}")
                return 0
    finally:
        await store.close()


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _exit_when_orphaned() -> None:
    """The service holds our stdin: when it closes (the service ended, even by
    SIGKILL), stop; a transaction cut short is rolled back and redone later.
    (``os.read``, not ``sys.stdin``: a thread blocked in the buffered reader
    holds its lock, and the interpreter aborts at exit on it.)"""
    while os.read(0, 4096):
        pass
    os._exit(0)


def main(argv: list[str]) -> int:
    from cti.log import configure_logging

    configure_logging(os.environ.get("CTI_CATCHUP_LOG", "console"), "info",  # type: ignore[arg-type]
                      stream=sys.stderr)
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    directory, after = Path(argv[0]), int(argv[1])
    until = int(argv[2]) if len(argv) > 2 else None
    return asyncio.run(catch_up(directory, after, until, os.environ[WORKER_DSN]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
