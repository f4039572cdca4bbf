"""Recording per queue: the offer tells [cti-connect] to record (and to ask consent
first) through channel variables; the service never sends the AMI MixMonitor action."""

from __future__ import annotations

from routing_support import CONFIG, ami_actions, at, command, make_router

from cti.calls import LiveCall
from cti.config import QueueRecording, load_config
from cti.routing import Enqueue


def _offer_actions(recording: QueueRecording) -> list[dict[str, str]]:
    config = load_config(CONFIG)
    queue = config.queues["bookings"]
    config.queues["bookings"] = queue.model_copy(update={"recording": recording})
    router = make_router(config)
    router.calls.add(LiveCall("i-1", "pbx1", "PJSIP/trunk-1", "1.1", caller_number="612345678"))
    command(router, "a1001", "ready")
    return ami_actions(router.process(Enqueue("i-1", "bookings", {}, 0, {}, None), at(1.0)))


def _vars(actions: list[dict[str, str]]) -> dict[str, str]:
    return {a["Variable"]: a["Value"] for a in actions if a["Action"] == "Setvar"}


def test_a_recorded_queue_asks_the_dialplan_to_record_after_the_consent_prompt() -> None:
    actions = _offer_actions(QueueRecording(enabled=True,
                                            consent_prompt="cti/recording-notice"))
    assert _vars(actions)["CTI_RECORD"] == "1"
    assert _vars(actions)["CTI_RECORD_CONSENT"] == "cti/recording-notice"
    assert [a["Action"] for a in actions][-1] == "Redirect"  # the variables come first
    assert not any(a["Action"] == "MixMonitor" for a in actions)


def test_a_queue_that_does_not_record_sets_nothing() -> None:
    variables = _vars(_offer_actions(QueueRecording()))
    assert "CTI_RECORD" not in variables and "CTI_RECORD_CONSENT" not in variables
