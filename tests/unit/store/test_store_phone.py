"""Phone normalisation, migration file naming, DSN descriptions: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.store.db import describe_dsn
from cti.store.errors import MigrationFailed
from cti.store.migrate import bundled_migrations, load_migrations
from cti.store.phone import phone_digits


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("+33 6 12-34-56-78", "33612345678"),
        ("0033612345678", "33612345678"),
        ("06 12 34 56 78", "0612345678"),
        ("(555) 010-0199", "5550100199"),
        ("1001", "1001"),
        ("+0044 20", "004420"),  # after a +, a 00 is part of the number
    ],
)
def test_phone_digits_drops_formatting_and_international_prefix(number: str, digits: str) -> None:
    assert phone_digits(number) == digits


@pytest.mark.parametrize("number", ["", "anonymous", "+-"])
def test_phone_without_digits_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="has no digits"):
        phone_digits(number)


def test_dsn_description_never_shows_the_password() -> None:
    text = describe_dsn("postgresql://cti:s3cret@db.example:6543/cc")
    assert text == "cti@db.example:6543/cc"
    assert "s3cret" not in text


def test_dsn_description_defaults_port() -> None:
    assert describe_dsn("postgresql://db.example/cc") == "db.example:5432/cc"


def test_migrations_are_sorted_by_number() -> None:
    found = load_migrations([("002_b.sql", "B"), ("001_a.sql", "A"), ("010_c.sql", "C")])
    assert [m.name for m in found] == ["001_a.sql", "002_b.sql", "010_c.sql"]


def test_misnamed_migration_is_refused_with_the_expected_form() -> None:
    with pytest.raises(MigrationFailed, match=r"'2_views.sql' is misnamed; expected NNN_"):
        load_migrations([("2_views.sql", "")])


def test_two_migrations_with_one_number_are_refused() -> None:
    with pytest.raises(MigrationFailed, match="share number 001; renumber one"):
        load_migrations([("001_a.sql", ""), ("001_b.sql", "")])


def test_bundled_migrations_start_with_the_schema() -> None:
    names = [m.name for m in bundled_migrations()]
    assert names[0] == "001_schema.sql"


digits_text = st.text(alphabet="0123456789", min_size=1, max_size=15)
separators = st.lists(st.sampled_from([" ", "-", ".", "(", ")", "/"]), max_size=15)


@given(digits_text, separators, st.randoms(use_true_random=False))
def test_formatting_never_changes_the_digits(digits: str, seps: list[str], rnd) -> None:
    chars = list(digits)
    for sep in seps:
        chars.insert(rnd.randint(1, len(chars)), sep)
    formatted = "".join(chars)
    assert phone_digits(formatted) == phone_digits(digits)


@given(st.text(alphabet="123456789", min_size=1).flatmap(
    lambda head: st.just(head) | st.builds(lambda tail: head + tail, digits_text)))
def test_plus_and_double_zero_prefixes_are_the_same_number(number: str) -> None:
    assert phone_digits("+" + number) == phone_digits("00" + number) == number
