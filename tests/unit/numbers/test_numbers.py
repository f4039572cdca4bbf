"""cti/numbers.py: what the service agrees to dial, and how the trunk gets it."""

from __future__ import annotations

import pytest

from cti.numbers import (
    CallbackLimiter,
    NumberPolicy,
    NumberRefused,
    NumberType,
    Trunk,
    dial_template_problem,
    parse,
)

SPAIN = NumberPolicy("ES", countries={"ES", "GB"})


@pytest.mark.parametrize(("text", "e164"), [
    ("612345678", "+34612345678"),            # national, read as Spanish
    ("612 34 56 78", "+34612345678"),
    ("+34 612-34-56-78", "+34612345678"),
    ("0034612345678", "+34612345678"),        # Spain's international prefix
    ("+442079460000", "+442079460000"),
    ("00442079460000", "+442079460000"),
])
def test_numbers_are_read_as_callers_write_them_and_kept_as_e164(text: str, e164: str) -> None:
    assert SPAIN.check(text).e164 == e164


@pytest.mark.parametrize("text", [
    "5551234&PJSIP/0900123456",   # a second Dial destination
    "+34612345678&Local/0900@x",
    "612345678,x",                 # a Dial argument
    "612345678abc",                # phonenumbers would read letters as a vanity number
    "612345678;ext=1",
    "${SHELL(id)}",
    "",
    "anonymous",
])
def test_anything_but_digits_is_not_a_number(text: str) -> None:
    with pytest.raises(NumberRefused) as info:
        SPAIN.check(text)
    assert info.value.reason == "not-a-number"


def test_an_incomplete_number_is_invalid() -> None:
    with pytest.raises(NumberRefused) as info:
        SPAIN.check("5551234")
    assert info.value.reason == "invalid"
    assert "default region ES" in str(info.value)


@pytest.mark.parametrize(("text", "kind"), [
    ("+34803123456", NumberType.PREMIUM_RATE),
    ("+34901123456", NumberType.SHARED_COST),
])
def test_premium_rate_and_shared_cost_numbers_are_refused_by_default(
        text: str, kind: NumberType) -> None:
    with pytest.raises(NumberRefused) as info:
        SPAIN.check(text)
    assert info.value.reason == "type"
    assert kind.value in str(info.value) and "numbers.allowed_types" in str(info.value)


def test_a_country_not_allowed_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(NumberRefused) as info:
        SPAIN.check("+16502530000")
    assert info.value.reason == "country"
    assert "allowed countries: ES, GB" in str(info.value)


def test_without_a_country_list_only_the_default_region_may_be_called() -> None:
    policy = NumberPolicy("ES")
    assert policy.check("912345678").region == "ES"
    with pytest.raises(NumberRefused):
        policy.check("+442079460000")


def test_types_can_be_widened_in_config() -> None:
    policy = NumberPolicy("ES", types=["premium_rate", "mobile"])
    assert policy.check("+34803123456").type is NumberType.PREMIUM_RATE
    with pytest.raises(NumberRefused):
        policy.check("912345678")  # fixed line, not in this list


def test_a_number_knows_its_country_type_and_time_zones() -> None:
    number = parse("+442079460000", "ES")
    assert (number.region, number.type, number.time_zones) == (
        "GB", NumberType.FIXED_LINE, ("Europe/London",))


@pytest.mark.parametrize(("fmt", "text", "dialled"), [
    ("e164", "612345678", "PJSIP/+34612345678@trunk"),
    ("international", "612345678", "PJSIP/0034612345678@trunk"),
    ("national", "612345678", "PJSIP/612345678@trunk"),
    ("national", "+442079460000", "PJSIP/00442079460000@trunk"),   # abroad: international
])
def test_the_trunk_gets_the_number_in_its_format(fmt: str, text: str, dialled: str) -> None:
    trunk = Trunk("PJSIP/${NUMBER}@trunk", number_format=fmt, country="ES")  # type: ignore[arg-type]
    assert trunk.dial_string(SPAIN.check(text)) == dialled


def test_national_format_keeps_the_national_prefix_where_a_country_has_one() -> None:
    trunk = Trunk("SIP/trunk/${NUMBER}", number_format="national", country="GB")
    assert trunk.dial_string(SPAIN.check("+442079460000")) == "SIP/trunk/02079460000"


@pytest.mark.parametrize(("dial", "problem"), [
    ("PJSIP/trunk", "exactly once"),
    ("PJSIP/${NUMBER}@trunk&PJSIP/${NUMBER}@other", "exactly once"),
    ("${NUMBER}@trunk", "channel technology"),
    ("PJSIP/${NUMBER}@trunk&Local/1@x", "one destination"),
    ("PJSIP/${NUMBER}@trunk,30", "one destination"),
])
def test_a_trunk_dial_string_must_reach_one_destination(dial: str, problem: str) -> None:
    assert problem in (dial_template_problem(dial) or "")


@pytest.mark.parametrize("dial", ["PJSIP/${NUMBER}@trunk", "SIP/trunk/${NUMBER}",
                                  "IAX2/provider/${NUMBER}", "DAHDI/g1/${NUMBER}"])
def test_usual_trunk_dial_strings_are_accepted(dial: str) -> None:
    assert dial_template_problem(dial) is None


def test_callbacks_to_one_number_are_limited_per_window() -> None:
    limiter = CallbackLimiter(limit=2, window=3600)
    assert limiter.allow("+34612345678", now=0)
    assert limiter.allow("+34612345678", now=10)
    assert not limiter.allow("+34612345678", now=20)
    assert limiter.allow("+34699999999", now=20)          # another number
    assert limiter.count("+34612345678", now=20) == 2
    assert limiter.allow("+34612345678", now=3600.5)      # the first one left the window
