"""`cti doctor`'s dialplan and hint checks against the answers of a real Asterisk
(shared/asterisk-traces: ``ExtensionStatus`` with ``Hint: SIP/agent1101``;
``ShowDialPlan`` of an unknown context fails with "Did not find context")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cti.ami.errors import AmiActionFailed
from cti.config import load_config
from cti.doctor import checks

ROOT = Path(__file__).resolve().parents[3]


class FakeAmi:
    def __init__(self, contexts: set[str], hints: list[str]) -> None:
        self.contexts, self.hints = contexts, hints

    async def send_list(self, action: dict[str, str]) -> list[dict[str, str]]:
        context = action["Context"]
        if context not in self.contexts:
            raise AmiActionFailed("pbx1", "ShowDialPlan", "1",
                                  f"Did not find context {context}")
        return [{"Event": "ListDialplan", "Context": context}]

    async def extension_state_list(self) -> list[dict[str, str]]:
        return [{"Event": "ExtensionStatus", "Hint": h} for h in self.hints]


def _setup() -> tuple[Any, Any, list[str]]:
    config = load_config(ROOT / "config")
    node = config.service.ami[0]
    names = config.service.dialplan
    contexts = ["cti-inbound", names.hold_context, names.connect_context,
                names.voicemail_context, names.transfer_context, names.outbound_context]
    return config, node, contexts


async def test_a_context_not_loaded_is_named_with_the_fix() -> None:
    config, node, contexts = _setup()
    ami = FakeAmi(set(contexts) - {contexts[1]}, [])
    (finding,) = await checks._dialplan(ami, config, node, [])   # type: ignore[arg-type]
    assert finding.status == "fail" and f"contexts not loaded: {contexts[1]}" in finding.message
    assert "extensions_cti.conf" in finding.message
    (finding,) = await checks._dialplan(FakeAmi(set(contexts), []), config, node, [])  # type: ignore[arg-type]
    assert finding.status == "ok"


async def test_agents_without_a_hint_are_named_and_joined_hints_count() -> None:
    config, node, _ = _setup()
    agents = sorted(config.agents.values(), key=lambda a: a.id)
    hints = [f"{a.endpoint}&Custom:dnd{a.id}" if i % 2 else a.endpoint.lower()
             for i, a in enumerate(agents[1:])]
    (finding,) = await checks._hints(FakeAmi(set(), hints), config, node, [])  # type: ignore[arg-type]
    assert finding.status == "warn" and f"1 agent(s) without a hint: {agents[0].id}" in \
        finding.message
    all_hints = [*hints, f"{agents[0].endpoint},CustomPresence:{agents[0].id}"]
    (finding,) = await checks._hints(FakeAmi(set(), all_hints), config, node, [])  # type: ignore[arg-type]
    assert finding.status == "ok"
