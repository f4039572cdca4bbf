"""store.interactions against a real database."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from store_testing import bounded

from cti.store import NoSuchInteraction, Store, StoreRejected

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@bounded()
async def test_created_case_has_defaults_and_given_fields(store: Store) -> None:
    iid = await store.interactions.create(
        caller_number="+33612345678", caller_name="ADA", dialled_number="3000", queue="sales",
        priority=3, node="pbx1", uniqueid="1700000000.12", linkedid="1700000000.12",
        created_at=T0)
    case = await store.interactions.get(iid)
    assert case.id == iid
    assert (case.channel, case.direction, case.status) == ("voice", "inbound", "open")
    assert (case.caller_number, case.queue, case.priority) == ("+33612345678", "sales", 3)
    assert (case.node, case.uniqueid) == ("pbx1", "1700000000.12")
    assert case.created_at == T0


@bounded()
async def test_create_with_the_same_id_is_a_noop(store: Store) -> None:
    iid = uuid4()
    await store.interactions.create(interaction_id=iid, queue="sales")
    await store.interactions.create(interaction_id=str(iid), queue="support")
    assert (await store.interactions.get(iid)).queue == "sales"


@bounded()
async def test_unknown_case_is_none(store: Store) -> None:
    assert await store.interactions.get(uuid4()) is None


@bounded()
async def test_bad_channel_unknown_field_and_naive_time_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="channel 'fax' is not one of voice, chat, email"):
        await store.interactions.create(channel="fax")
    with pytest.raises(TypeError, match="no updatable field colour"):
        await store.interactions.create(colour="red")
    with pytest.raises(ValueError, match="created_at must be timezone-aware"):
        await store.interactions.create(created_at=datetime(2026, 1, 1))


@bounded()
async def test_create_for_unknown_customer_is_rejected(store: Store) -> None:
    with pytest.raises(StoreRejected, match="foreign key"):
        await store.interactions.create(customer_id=uuid4())


@bounded()
async def test_update_sets_classification_routing_and_timestamps(store: Store) -> None:
    customer = await store.customers.create("Ada")
    iid = await store.interactions.create(created_at=T0)
    case = await store.interactions.update(
        iid, customer_id=str(customer.id), topic="billing", reason="invoice",
        sub_reason="duplicate", question="why twice?", call_type="complaint", queue="billing",
        agent_id="a17", status="pending", queued_at=T0 + timedelta(seconds=20),
        answered_at=T0 + timedelta(seconds=45))
    assert case.customer_id == customer.id
    assert (case.topic, case.reason, case.sub_reason) == ("billing", "invoice", "duplicate")
    assert (case.agent_id, case.status) == ("a17", "pending")
    assert case.answered_at - case.queued_at == timedelta(seconds=25)
    assert await store.interactions.get(iid) == case


@bounded()
async def test_update_of_unknown_case_fails(store: Store) -> None:
    missing = uuid4()
    with pytest.raises(NoSuchInteraction, match=f"no interaction with id '{missing}'"):
        await store.interactions.update(missing, topic="x")
    with pytest.raises(NoSuchInteraction):
        await store.interactions.update(missing)


@bounded()
async def test_update_refuses_bad_status_and_fixed_fields(store: Store) -> None:
    iid = await store.interactions.create()
    with pytest.raises(ValueError, match="status 'done' is not one of open, pending, closed"):
        await store.interactions.update(iid, status="done")
    with pytest.raises(TypeError, match="no updatable field channel"):
        await store.interactions.update(iid, channel="chat")


@bounded()
async def test_open_cases_for_customer_skip_closed_ones_newest_first(store: Store) -> None:
    ada = await store.customers.create("Ada")
    other = await store.customers.create("Bob")
    old = await store.interactions.create(customer_id=ada.id, created_at=T0)
    new = await store.interactions.create(customer_id=ada.id, status="pending",
                                          created_at=T0 + timedelta(hours=1))
    done = await store.interactions.create(customer_id=ada.id, created_at=T0)
    await store.interactions.update(done, status="closed", outcome="resolved")
    await store.interactions.create(customer_id=other.id)
    cases = await store.interactions.open_cases_for_customer(ada.id)
    assert [c.id for c in cases] == [new, old]


@bounded()
async def test_between_filters_by_creation_time_and_queue(store: Store) -> None:
    a = await store.interactions.create(queue="sales", created_at=T0)
    b = await store.interactions.create(queue="support", created_at=T0 + timedelta(minutes=1))
    await store.interactions.create(queue="sales", created_at=T0 + timedelta(hours=2))
    window = (T0, T0 + timedelta(hours=1))
    assert [c.id for c in await store.interactions.between(*window)] == [a, b]
    assert [c.id for c in await store.interactions.between(*window, queue="sales")] == [a]
