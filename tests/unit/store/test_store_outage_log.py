"""OutageLog: one line when the database goes down, one when it is back; time passed in."""

from __future__ import annotations

from cti.store.outage import OutageLog, OutageNote

REFUSED = "PostgreSQL at cti@db:5432/cti is unreachable: connection refused"


def test_an_outage_is_one_warning_then_one_info_with_the_backlog() -> None:
    outage = OutageLog()
    down = outage.failed(100.0, error=REFUSED, backlog=3)
    assert down == OutageNote("warning", "database unreachable; writes wait in memory",
                              {"error": REFUSED, "backlog": 3})
    assert outage.down and outage.down_since == 100.0
    # retries every 0.1-5 s during the outage: silence
    assert [outage.failed(t, error=REFUSED, backlog=3 + int(t)) for t in (100.2, 103.0, 160.0)] \
        == [None, None, None]
    back = outage.succeeded(171.5, backlog=412)
    assert back == OutageNote("info", "database reachable again; writing the backlog",
                              {"down_for": 71.5, "backlog": 412, "failed_attempts": 4})
    assert not outage.down and outage.down_since is None
    assert outage.succeeded(172.0, backlog=0) is None


def test_success_without_an_outage_logs_nothing() -> None:
    outage = OutageLog()
    assert outage.succeeded(1.0, backlog=10) is None
    assert not outage.down


def test_a_second_outage_is_reported_again() -> None:
    outage = OutageLog()
    assert outage.failed(0.0, error=REFUSED, backlog=1) is not None
    assert outage.succeeded(5.0, backlog=1) is not None
    second = outage.failed(50.0, error="no answer in time", backlog=7)
    assert second is not None and second.fields == {"error": "no answer in time", "backlog": 7}
    back = outage.succeeded(52.25, backlog=9)
    assert back is not None and back.fields["down_for"] == 2.25
    assert back.fields["failed_attempts"] == 1


def test_a_long_outage_is_recalled_every_remind_every_seconds() -> None:
    outage = OutageLog(remind_every=60.0)
    assert outage.failed(0.0, error=REFUSED, backlog=1) is not None
    assert outage.failed(59.0, error=REFUSED, backlog=5) is None
    reminder = outage.failed(61.0, error=REFUSED, backlog=6)
    assert reminder == OutageNote("warning", "database still unreachable; writes wait in memory",
                                  {"error": REFUSED, "backlog": 6, "down_for": 61.0})
    assert outage.failed(100.0, error=REFUSED, backlog=7) is None
    assert outage.failed(121.5, error=REFUSED, backlog=8) is not None
    assert outage.succeeded(130.0, backlog=8) is not None


def test_a_note_is_one_line_in_every_log_format() -> None:
    outage = OutageLog()
    note = outage.failed(0.0, error="bad\nthings\rhappened", backlog=0)
    assert note is not None and note.fields["error"] == "bad things happened"
