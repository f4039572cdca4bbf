"""Random sequences of case commands against the real database: whatever the order,
the stored case equals the fold of its events, the status rules always hold,
a refused command publishes nothing, and nothing is stored that was not published."""

from __future__ import annotations

import asyncio
from typing import Any

from case_support import Cases
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti.cases.errors import CaseError
from cti.cases.model import fold
from cti.config import LEVELS
from cti.events import DomainEvent, from_json

PATHS = [
    {"topic": "bookings", "reason": "new booking", "sub_reason": "package holiday",
     "question": "what is included"},
    {"topic": "billing", "reason": "refund", "sub_reason": "refund status",
     "question": "when will i get my refund"},
]

levels = st.builds(lambda path, depth: dict(list(path.items())[:depth]),
                   st.sampled_from(PATHS), st.integers(0, 4))
commands = st.one_of(
    st.tuples(st.just("classify"), levels,
              st.sampled_from([None, "perfect", "extraordinary", "improper"])),
    st.tuples(st.just("status"), st.sampled_from(["open", "pending", "closed"])),
    st.tuples(st.just("derive"), st.sampled_from(["finance", "operations", "nowhere"])),
    st.tuples(st.just("answer"), st.integers(0, 3)),
    st.tuples(st.just("note"), st.sampled_from(["called back", "  "])),
    st.tuples(st.just("link")),
    st.tuples(st.just("assign"), st.sampled_from(["complaints", None]),
              st.sampled_from(["a1005", None])),
)


async def _run(cases: Cases, case_id: str, command: tuple[Any, ...],
               derivations: list[str], contact: str) -> None:
    service, kind = cases.service, command[0]
    if kind == "classify":
        await service.classify(case_id, by="a1", classification=command[1],
                               call_type=command[2])
    elif kind == "status":
        await service.set_status(case_id, command[1], by="a1")
    elif kind == "derive":
        receipt = await service.derive(case_id, unit=command[1], reason="check", by="a1")
        derivations.append(receipt.id or "")
    elif kind == "answer":
        target = derivations[command[1] % len(derivations)] if derivations else \
            "00000000-0000-4000-8000-000000000000"
        await service.answer_derivation(case_id, target, answer="done", by="unit")
    elif kind == "note":
        await service.add_note(case_id, command[1], author="a1")
    elif kind == "link":
        await service.link_interaction(case_id, contact, by="a1")
    else:
        await service.assign(case_id, unit=command[1], owner=command[2], by="a1")


async def _stored_events(cases: Cases, case_id: str) -> list[DomainEvent]:
    rows = await cases.store.pool.fetch(
        "SELECT seq, at, type, version, interaction_id, case_id, customer_id, queue, "
        "agent_id, node, data FROM events WHERE case_id = $1 ORDER BY seq", case_id)
    return [from_json({**{k: (str(v) if v is not None and k.endswith("_id") else v)
                          for k, v in dict(r).items()}, "ts": r["at"].timestamp()})
            for r in rows]


async def _check(cases: Cases, case_id: str) -> None:
    row = await cases.store.cases.get(case_id)
    assert row is not None
    unanswered = await cases.store.pool.fetchval(
        "SELECT count(*) FROM case_derivations WHERE case_id = $1 AND answered_at IS NULL",
        case_id)
    # the status rules
    assert row.open_derivations == unanswered
    if row.status == "open":
        assert unanswered == 0
    if row.status == "closed":
        assert unanswered == 0
        assert row.call_type == "improper" or all(getattr(row, lv) for lv in LEVELS)
    # the row is the fold of the stored events, which are the published ones
    stored = await _stored_events(cases, case_id)
    published = [e for e in cases.published if e.case_id == case_id]
    assert [e.seq for e in stored] == [e.seq for e in published]
    state = fold(stored)
    assert state == fold(published)
    assert (state.status, state.call_type, state.unit, state.owner, state.open_derivations) \
        == (row.status, row.call_type, row.unit, row.owner, row.open_derivations)
    assert state.levels == {lv: getattr(row, lv) for lv in LEVELS}
    assert state.notes == len(await cases.store.cases.notes(case_id))
    assert state.interactions == {str(i.id) for i in
                                  await cases.store.cases.interactions(case_id)}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(commands, max_size=10))
async def test_random_commands_keep_the_stored_case_equal_to_its_events(
        cases: Cases, sequence: list[tuple[Any, ...]]) -> None:
    async with asyncio.timeout(60):
        case_id = (await cases.service.open_case(customer_id=None, by="a1")).id or ""
        derivations: list[str] = []
        for command in sequence:
            contact = await cases.call() if command[0] == "link" else ""
            before = len(cases.published)
            try:
                await _run(cases, case_id, command, derivations, contact)
            except CaseError:
                assert len(cases.published) == before, f"{command} refused yet published"
            await _check(cases, case_id)
        stored_seqs = {r["seq"] for r in await cases.store.pool.fetch("SELECT seq FROM events")}
        assert stored_seqs <= {e.seq for e in cases.published}
