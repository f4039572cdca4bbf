"""store.customers against a real database."""

from decimal import Decimal
from uuid import uuid4

import pytest
from store_testing import bounded

from cti.store import NoSuchCustomer, Store, StoreRejected


@bounded()
async def test_created_customer_reads_back_with_phones_and_attributes(store: Store) -> None:
    created = await store.customers.create(
        "Ada Lovelace", account_number="AC-1001", tier="gold", value=1250.5,
        attributes={"language": "en", "vip": True},
        phones=["+33 6 12 34 56 78", ("01 40 00 00 00", "work")])
    got = await store.customers.get(created.id)
    assert got == created
    assert got.name == "Ada Lovelace" and got.tier == "gold"
    assert got.value == Decimal("1250.50")
    assert got.attributes == {"language": "en", "vip": True}
    assert {(p.digits, p.label) for p in got.phones} == {("33612345678", None),
                                                         ("0140000000", "work")}


@bounded()
async def test_create_with_the_same_id_twice_stores_one_customer(store: Store) -> None:
    cid = uuid4()
    first = await store.customers.create("Bob", customer_id=cid, phones=["1001"])
    again = await store.customers.create("Bob", customer_id=str(cid), phones=["1001"])
    assert again == first
    assert len(await store.customers.search("Bob")) == 1


@bounded()
async def test_unknown_customer_is_none(store: Store) -> None:
    assert await store.customers.get(uuid4()) is None


@bounded()
async def test_duplicate_account_number_is_rejected(store: Store) -> None:
    await store.customers.create("A", account_number="X-1")
    with pytest.raises(StoreRejected, match="refused the write: duplicate key"):
        await store.customers.create("B", account_number="X-1")


@bounded()
async def test_find_by_phone_matches_any_formatting(store: Store) -> None:
    ada = await store.customers.create("Ada", phones=["+33 6 12 34 56 78"])
    for typed in ("+33612345678", "0033 612 345 678", "33-6-12-34-56-78"):
        assert [c.id for c in await store.customers.find_by_phone(typed)] == [ada.id]


@bounded()
async def test_national_form_matches_international_on_last_nine_digits(store: Store) -> None:
    ada = await store.customers.create("Ada", phones=["+33 6 12 34 56 78"])
    assert [c.id for c in await store.customers.find_by_phone("06 12 34 56 78")] == [ada.id]


@bounded()
async def test_exact_match_comes_before_suffix_match(store: Store) -> None:
    suffix = await store.customers.create("Aaron", phones=["0612345678"])
    exact = await store.customers.create("Zoe", phones=["+33612345678"])
    found = await store.customers.find_by_phone("+33 6 12 34 56 78")
    assert [c.id for c in found] == [exact.id, suffix.id]


@bounded()
async def test_short_numbers_match_only_exactly(store: Store) -> None:
    await store.customers.create("Desk", phones=["1001"])
    assert await store.customers.find_by_phone("21001") == []
    assert len(await store.customers.find_by_phone("1001")) == 1


@bounded()
async def test_anonymous_caller_finds_nobody(store: Store) -> None:
    await store.customers.create("Ada", phones=["0612345678"])
    assert await store.customers.find_by_phone("anonymous") == []


@bounded()
async def test_find_by_account(store: Store) -> None:
    ada = await store.customers.create("Ada", account_number="AC-7")
    assert (await store.customers.find_by_account(" AC-7 ")).id == ada.id
    assert await store.customers.find_by_account("AC-8") is None


@bounded()
async def test_add_phone_makes_the_customer_findable_and_is_idempotent(store: Store) -> None:
    ada = await store.customers.create("Ada")
    await store.customers.add_phone(ada.id, "+44 20 7946 0000", "office")
    updated = await store.customers.add_phone(ada.id, "0044 20 7946 0000")
    assert [(p.digits, p.label) for p in updated.phones] == [("442079460000", "office")]
    assert [c.id for c in await store.customers.find_by_phone("+442079460000")] == [ada.id]


@bounded()
async def test_add_phone_to_unknown_customer_fails(store: Store) -> None:
    missing = uuid4()
    with pytest.raises(NoSuchCustomer, match=f"no customer with id '{missing}'"):
        await store.customers.add_phone(missing, "0612345678")


@bounded()
async def test_update_attributes_merges_and_removes_none_keys(store: Store) -> None:
    ada = await store.customers.create("Ada", attributes={"lang": "en", "vip": True})
    updated = await store.customers.update_attributes(ada.id, {"vip": None, "plan": "pro"})
    assert updated.attributes == {"lang": "en", "plan": "pro"}
    assert updated.updated_at >= ada.updated_at


@bounded()
async def test_update_attributes_can_replace_everything(store: Store) -> None:
    ada = await store.customers.create("Ada", attributes={"lang": "en"})
    updated = await store.customers.update_attributes(ada.id, {"plan": "pro"}, replace=True)
    assert updated.attributes == {"plan": "pro"}


@bounded()
async def test_update_attributes_of_unknown_customer_fails(store: Store) -> None:
    with pytest.raises(NoSuchCustomer):
        await store.customers.update_attributes(uuid4(), {"a": 1})


@bounded()
async def test_search_by_name_is_case_insensitive_and_literal(store: Store) -> None:
    await store.customers.create("Ada Lovelace")
    await store.customers.create("Adam Smith")
    await store.customers.create("100% Pure Ltd")
    assert [c.name for c in await store.customers.search("ada")] == ["Ada Lovelace", "Adam Smith"]
    assert [c.name for c in await store.customers.search("0%")] == ["100% Pure Ltd"]
    assert [c.name for c in await store.customers.search("d", limit=1)] == ["100% Pure Ltd"]
