"""Agent commands from people and phones: one login rule (routing.login_state), login and
logout that change nothing are no error, refusals in words, changes waiting for a call,
pause reasons from the config."""

from __future__ import annotations

import pytest
from routing_support import at, make_router

from acd import events as acd
from cti.ami import events as ami
from cti.errors import BadRequest, CommandRefused
from cti.routing import Router, Step
from cti.routing.effects import Reply
from cti.routing.items import AgentCommand
from cti.routing.requests import agent_command


def _run(router: Router, agent_id: str, action: str, reason: str | None = None,
         mono: float = 1.0) -> dict:
    step = Step(router, at(mono))
    result = agent_command(step, agent_id, action, reason)
    step.drain()
    return result


def _on_call(router: Router, agent_id: str) -> None:
    """Put the (ready) agent in a call through the engine."""
    engine = router.engine
    engine.handle(acd.CallArrived("c1", "bookings"), 2.0)
    assert engine.agent(agent_id).offer == "c1"
    engine.handle(acd.OfferAnswered("c1", agent_id), 3.0)
    assert engine.agent(agent_id).state.value == "ON_CALL"


def test_login_leaves_the_agent_as_routing_login_state_says() -> None:
    router = make_router()
    assert _run(router, "a1001", "login") == {
        "agent_id": "a1001", "state": "NOT_READY", "reason": "login", "changed": True}
    service = router.config.service
    routing = service.routing.model_copy(update={"login_state": "ready"})
    router.config = router.config.model_copy(update={"service": service.model_copy(
        update={"routing": routing})})
    assert _run(router, "a1002", "login")["state"] == "READY"


def test_the_phone_login_follows_the_same_rule() -> None:
    router = make_router()
    router.process(ami.AgentFeatureUsed("pbx1", "login", "PJSIP/1005", None), at(1.0))
    snap = router.engine.agent("a1005")
    assert (snap.state.value, snap.reason) == ("NOT_READY", "login")
    router.process(ami.AgentFeatureUsed("pbx1", "pause", "PJSIP/1005", None), at(2.0))
    assert router.engine.agent("a1005").reason == "break"  # the first configured reason


def test_login_and_logout_that_change_nothing_are_no_error() -> None:
    router = make_router()
    _run(router, "a1001", "ready")
    assert _run(router, "a1001", "login") == {
        "agent_id": "a1001", "state": "READY", "reason": None, "changed": False}
    _run(router, "a1001", "logout")
    assert _run(router, "a1001", "logout")["changed"] is False
    assert _run(router, "a1001", "ready")["changed"] is True


def test_a_refusal_is_in_words_without_engine_names() -> None:
    router = make_router()
    with pytest.raises(CommandRefused) as refused:
        _run(router, "a1004", "pause", "lunch")
    message = str(refused.value)
    assert message == "agent a1004 is logged out: log it in first (cti agent login a1004)"
    for engine_word in ("InvalidTransition", "AgentNotReady", "AgentLoggedIn", "Error"):
        assert engine_word not in message


def test_a_pause_on_an_agent_in_a_call_is_pending_until_it_ends() -> None:
    router = make_router()
    _run(router, "a1001", "ready")
    _on_call(router, "a1001")
    assert _run(router, "a1001", "pause", "lunch", mono=4.0) == {
        "agent_id": "a1001", "state": "ON_CALL", "reason": None, "pending": "NOT_READY",
        "pending_reason": "lunch", "changed": True}
    assert _run(router, "a1001", "logout", mono=5.0)["pending"] == "LOGGED_OUT"


async def test_pause_reasons_of_people_are_checked_against_the_config() -> None:
    # async: a command's reply is a future of the running loop
    router = make_router()
    _run(router, "a1001", "ready")

    def command(reason: str | None) -> Reply:
        cmd = AgentCommand("a1001", "pause", reason)
        (reply,) = [e for e in router.process(cmd, at(2.0)) if isinstance(e, Reply)]
        return reply

    refused = command("siesta").error
    assert isinstance(refused, BadRequest)
    assert str(refused).startswith("unknown pause reason 'siesta'; known: break (Break), "
                                   "lunch (Lunch), training (Training)")
    assert isinstance(command("").error, BadRequest)
    assert router.engine.agent("a1001").state.value == "READY"  # nothing happened
    assert command("lunch").result["reason"] == "lunch"
    assert command(None).result["changed"] is True  # the default reason, break
    assert router.engine.agent("a1001").reason == "break"
