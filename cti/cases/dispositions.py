"""Dispositions (wrap-up codes) of a queue: the check the desktop's wrap-up goes through.

The codes are config (``dispositions`` in queues.yaml, per queue or for every
queue); a queue with ``wrapup_requires_disposition`` keeps its agent in
WRAP_UP until one is given (the ACD's ``wrapup_time`` None).
"""

from __future__ import annotations

from cti.cases.errors import CaseError
from cti.config import Config, Disposition


class UnknownDisposition(CaseError):
    status, code = 400, "unknown-disposition"


def check_disposition(config: Config, queue: str, code: str | None) -> Disposition | None:
    """The queue's disposition named ``code`` (None when none is given and none is
    required).

    Raises:
        UnknownDisposition: the queue has no such code, or needs one and got none.
    """
    found = config.queues.get(queue)
    if found is None:
        raise UnknownDisposition(f"no queue named {queue!r}; queues: "
                                 f"{', '.join(sorted(config.queues))}")
    codes = ", ".join(d.code for d in found.dispositions) or "none configured"
    if code is None:
        if found.wrapup_requires_disposition:
            raise UnknownDisposition(f"queue {queue} needs a disposition to end the wrap-up; "
                                     f"give one of: {codes}")
        return None
    disposition = found.disposition(code)
    if disposition is None:
        raise UnknownDisposition(f"disposition {code!r} is not one of queue {queue}'s: {codes}")
    return disposition


def wrapup_time(config: Config, queue: str) -> float | None:
    """The ACD's wrap-up time of a queue: None (until a disposition) when it requires one."""
    found = config.queues[queue]
    return None if found.wrapup_requires_disposition else found.wrapup
