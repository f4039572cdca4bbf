"""Dialplan functions and expressions of the hardened dialplan, evaluated as Asterisk
does (funcs/func_strings.c, func_uri.c, func_logic.c, main/ast_expr2.y)."""

from __future__ import annotations

import time

import pytest

from cti.sim.expr import evaluate, substitute

VALUES = {
    "EXTEN": "900&flow=vip&step=classify",
    "NUM": "5551234&PJSIP/0900123456",
    "PLUS": "+34910000000",
    "COMMA": "900,x",
    "EMPTY": "",
    "OK": "1",
    "SINCE": "1000",
    "LIMIT": "3600",
}


def lookup(name: str) -> str:
    return VALUES.get(name, "")


def run(text: str) -> str:
    return substitute(text, lookup)


@pytest.mark.parametrize(("text", "value"), [
    ("${FILTER(0-9,${NUM})}", "55512340900123456"),           # no & and no letters left
    ("${FILTER(0-9+,${PLUS})}", "+34910000000"),
    ("${FILTER(0-9,${COMMA})}", "900"),                         # the string takes the rest
    ("${FILTER(-A-Za-z0-9/@._+,PJSIP/+3491@trunk&Local/1@x)}", "PJSIP/+3491@trunkLocal/1@x"),
    ("${FILTER(A-Z0-9-,AB-12)}", "AB-12"),                       # - after a range is kept
    ("${FILTER(A-Z+-,AB-1+)}", "AB+"),                           # +- is the range + to +
    ("${FILTER(\\x41-C,ABCD)}", "ABC"),                          # escapes: \\x41 is A
    ("${FILTER(0-9,)}", ""),
])
def test_filter_keeps_only_the_allowed_characters(text: str, value: str) -> None:
    assert run(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("${URIENCODE(${EXTEN})}", "900%26flow%3Dvip%26step%3Dclassify"),
    ("${URIENCODE(${PLUS})}", "%2B34910000000"),
    ("${URIENCODE(${COMMA})}", "900%2Cx"),
    ("${URIENCODE(a-_.!~*'()z )}", "a-_.!~*'()z%20"),
    ("${URIDECODE(900%26x%2B1)}", "900&x+1"),
])
def test_uriencode_leaves_only_unreserved_characters(text: str, value: str) -> None:
    assert run(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("${LEN(${PLUS})}", "12"), ("${LEN()}", "0"), ("${LEN(${COMMA})}", "5"),
    ('${REGEX("^[+]?[0-9]+$" ${PLUS})}', "1"),    # backslashes are removed: use [+]
    ('${REGEX("^[0-9]+$" ${NUM})}', "0"),
    ("${IF($[${OK} = 1]?yes:no)}", "yes"),
    ("${IF($[${OK} = 2]?yes:no)}", "no"),
    ("${IF(${EMPTY}?yes:no)}", ""),               # an empty condition: IF fails
    ("${IF(abc?yes:no)}", "yes"),                 # a non-numeric string is true
    ("${IF(0?yes)}", ""),
    ("${IF(1?$[${SINCE} + 1]:0)}", "1001"),
    ("${ISNULL(${EMPTY})}", "1"), ("${EXISTS(${OK})}", "1"),
    ("${if(1?a:b)}", "a"),                        # function names in any case
    ("${FILTER(0-9,${PLUS}):0:3}", "349"),        # substring of a function's value
])
def test_string_and_logic_functions(text: str, value: str) -> None:
    assert run(text) == value


def test_epoch_is_the_current_time_unless_the_pbx_says_otherwise() -> None:
    assert abs(int(run("${EPOCH}")) - time.time()) <= 1
    assert substitute("${EPOCH}", lambda name: "42" if name == "EPOCH" else "") == "42"


@pytest.mark.parametrize(("expr", "value"), [
    ("2 + 3 * 4", "14"), ("(2 + 3) * 4", "20"), ("7 / 2", "3.5"), ("8 / 2", "4"),
    ("7 % 3", "1"), ("10 - 2 - 3", "5"), ("-3 + 5", "2"),
    ("1700000100 - 1700000000 >= 100", "1"), ("1700000099 - 1700000000 >= 100", "0"),
    ("03 = 3", "1"), ('"abc" < "abd"', "1"), ("1 = 1 & 2 = 3", "0"),
    ("1 +", "0"),                                  # a syntax error gives 0
])
def test_expressions_follow_asterisk_precedence_and_numbers(expr: str, value: str) -> None:
    assert evaluate(expr) == value


def test_hold_arithmetic_of_the_dialplan() -> None:
    assert run("$[${SINCE} + ${LIMIT} <= 4600]") == "1"
    assert run("$[${SINCE} + ${LIMIT} <= 4599]") == "0"
