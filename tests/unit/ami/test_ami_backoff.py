"""Reconnect delays: exponential, capped, jittered, reset after a login."""

from __future__ import annotations

import random

import pytest

from cti.ami.backoff import Backoff


def test_delays_double_up_to_the_cap_without_jitter() -> None:
    b = Backoff(initial=0.5, cap=4.0, jitter=0.0)
    assert [b.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_only_shortens_and_stays_within_its_share() -> None:
    b = Backoff(initial=1.0, cap=8.0, jitter=0.3, rng=random.Random(3))
    delays = [b.next() for _ in range(200)]
    bases = [min(8.0, 2.0**i) for i in range(200)]
    assert all(0.7 * base <= d <= base for d, base in zip(delays, bases, strict=True))
    assert len({round(d, 6) for d in delays[10:]}) > 100  # clients do not move in step


def test_reset_after_login_starts_again_small() -> None:
    b = Backoff(initial=0.5, cap=30.0, jitter=0.0)
    for _ in range(10):
        b.next()
    b.reset()
    assert b.next() == 0.5


def test_a_huge_number_of_attempts_does_not_overflow() -> None:
    b = Backoff(initial=0.5, cap=30.0, jitter=0.0, attempts=10_000)
    assert b.next() == 30.0


@pytest.mark.parametrize("kwargs", [{"initial": 0}, {"initial": 5, "cap": 1}, {"jitter": 1.0}])
def test_nonsense_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**kwargs)
