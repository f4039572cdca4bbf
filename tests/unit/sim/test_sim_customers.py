"""Customer scripts, the random outbound profile and AMD's decisions."""

from __future__ import annotations

import random
import statistics

import pytest

from cti.sim import Behaviour, OutboundProfile, SimError
from cti.sim.amd import AmdSettings, decide
from cti.sim.customers import CustomerBook


def test_sim_outbound_profile_draws_its_rates() -> None:
    profile = OutboundProfile(answer_rate=0.6, busy_rate=0.1, answer_delay=(2.0, 8.0),
                              machine_rate=0.25, talk_median=90.0, talk_sigma=0.5)
    rng = random.Random(3)
    scripts = [profile.draw(rng) for _ in range(4000)]
    answered = [s for s in scripts if s.answer_after is not None and not s.refuse]
    busy = [s for s in scripts if s.refuse == "busy"]
    assert len(answered) / len(scripts) == pytest.approx(0.6, abs=0.03)
    assert len(busy) / len(scripts) == pytest.approx(0.1, abs=0.02)
    machines = [s for s in answered if s.audio == "machine"]
    assert len(machines) / len(answered) == pytest.approx(0.25, abs=0.03)
    assert all(2.0 <= s.answer_after <= 8.0 for s in answered)
    talk = [s.talk_seconds for s in answered]
    assert statistics.median(talk) == pytest.approx(90.0, rel=0.08)  # lognormal median


def test_sim_customer_book_prefers_the_number_then_the_profile_then_the_phone() -> None:
    book = CustomerBook(seed=1)
    own, phone = Behaviour.machine(after=2.0), Behaviour.answers(1.0)
    book.scripts["5550001"] = own
    assert book.script("5550001", phone) is own
    assert book.script("5550002", phone) is phone
    book.set_profile(OutboundProfile(answer_rate=1.0, busy_rate=0.0, machine_rate=0.0))
    drawn = book.script("5550002", phone)
    assert drawn.audio == "human" and drawn.talk_seconds is not None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"answer_rate": 1.2}, "answer_rate must be between 0 and 1"),
    ({"answer_rate": 0.9, "busy_rate": 0.2}, "answer_rate + busy_rate must not exceed 1"),
    ({"answer_delay": (5.0, 1.0)}, "answer_delay must be (low, high)"),
    ({"talk_median": 0.0}, "talk_median must be > 0")])
def test_sim_outbound_profile_refuses_impossible_settings(kwargs, message: str) -> None:
    with pytest.raises(SimError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("+", r"\+")):
        OutboundProfile(**kwargs)


def test_sim_behaviour_names_a_bad_audio() -> None:
    with pytest.raises(SimError, match="unknown audio 'music': use one of human"):
        Behaviour(audio="music")


@pytest.mark.parametrize(("audio", "args", "expected"), [
    ("human", "", ("HUMAN", "HUMAN-800-800", 1.76)),
    ("machine", "", ("MACHINE", "MAXWORDS-3-2", 1.54)),
    ("silence", "", ("NOTSURE", "TOOLONG-4900", 5.0)),
    ("silence", "2500,1500,800,3000", ("NOTSURE", "TOOLONG-2900", 3.0)),
    ("human", ",,1200", ("HUMAN", "HUMAN-1200-1200", 2.16)),
    ("machine", ",,,,,,4", ("MACHINE", "MAXWORDS-5-4", 2.84)),
    ("human", ",,800,1000", ("NOTSURE", "TOOLONG-900", 1.0))])
def test_sim_amd_decides_on_the_audio_with_its_settings(audio: str, args: str,
                                                        expected: tuple) -> None:
    status, cause, seconds = decide(audio, AmdSettings.from_args(args))
    assert (status, cause) == expected[:2]
    assert seconds == pytest.approx(expected[2])
