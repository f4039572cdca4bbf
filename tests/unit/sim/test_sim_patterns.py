"""Extension patterns matched and ordered as Asterisk's main/pbx.c does
(``_extension_match_core`` for E_MATCH, ``ext_cmp`` for which extension wins)."""

from __future__ import annotations

import pytest

from cti.sim.dialplan import Dialplan, pattern_matches


@pytest.mark.parametrize(("pattern", "exten", "hit"), [
    ("_X.", "900", True),
    ("_X.", "9", False),                        # '.' needs one more character
    ("_X.", "+34910000000", False),             # X is a digit: a leading + never matches
    ("_+X.", "+34910000000", True),
    ("_+X.", "34910000000", False),
    ("_X.", "900&flow=vip&step=classify", True),  # '.' takes anything after the first
    ("_X!", "9", True),                         # '!' is zero or more
    ("_9!", "9", True),
    ("_NXX", "200", True), ("_NXX", "100", False), ("_ZXX", "100", True),
    ("_nxx", "200", True),                      # N X Z in any case
    ("_1[2-4]X", "135", True), ("_1[2-4]X", "155", False),
    ("_[+0-9]X.", "+34", True),                 # a set may hold + and a range
    ("_[a-c]X", "b5", True),
    ("_X", "-5", True),                         # a '-' in the number is always skipped
    ("_NXX-XXXX", "2005555", True),             # '-' is eye candy in patterns...
    ("_NXXXXXX", "200-5555", True),             # ...and in the number dialled
    ("_X[]X", "12", True),                      # an empty set is ignored
    ("_X.", "", False),
    ("_XX", "123", False),                      # number longer than pattern
    ("_XXX", "12", False),                      # pattern longer than number
    ("_s", "s", True), ("_S", "s", False),      # other letters are literal, case counts
])
def test_patterns_match_as_asterisk_does(pattern: str, exten: str, hit: bool) -> None:
    assert pattern_matches(pattern, exten) is hit


def test_an_exact_extension_wins_over_any_pattern() -> None:
    plan = Dialplan.parse("[c]\nexten => _X.,1,NoOp(p)\nexten => 900,1,NoOp(x)\n")
    assert plan.find("c", "900", 1).data == "x"  # type: ignore[union-attr]
    assert plan.find("c", "901", 1).data == "p"  # type: ignore[union-attr]


def test_an_exact_extension_ignores_dashes() -> None:
    plan = Dialplan.parse("[c]\nexten => 9-00,1,NoOp(x)\n")
    assert plan.find("c", "900", 1).data == "x"  # type: ignore[union-attr]


@pytest.mark.parametrize(("patterns", "exten", "winner"), [
    (["_X.", "_9XX"], "900", "_9XX"),            # a literal beats a set
    (["_X.", "_XXX"], "900", "_XXX"),            # a set beats '.'
    (["_X!", "_X."], "900", "_X."),              # '.' beats '!'
    (["_NXX", "_XXX"], "900", "_NXX"),           # a smaller set beats a larger one
    (["_[0-8]XX", "_NXX"], "500", "_NXX"),       # 8 characters beat 9
    (["_9X.", "_9XX"], "900", "_9XX"),           # the next position decides
    (["_X.", "_+X."], "+34910000000", "_+X."),   # only one can match
])
def test_the_most_specific_pattern_wins_whatever_the_file_order(
        patterns: list[str], exten: str, winner: str) -> None:
    for ordered in (patterns, patterns[::-1]):
        text = "[c]\n" + "".join(f"exten => {p},1,NoOp({p})\n" for p in ordered)
        assert Dialplan.parse(text).find("c", exten, 1).data == winner  # type: ignore[union-attr]


def test_a_match_without_the_priority_lets_the_next_extension_answer() -> None:
    # pbx_find_extension walks the sorted extensions and keeps looking when the
    # matching one lacks the priority asked for
    plan = Dialplan.parse("[c]\nexten => _9XX,1,NoOp(a)\nexten => _X.,1,NoOp(b)\n"
                          " same => n,NoOp(b2)\n")
    assert plan.find("c", "900", 1).data == "a"  # type: ignore[union-attr]
    assert plan.find("c", "900", 2).data == "b2"  # type: ignore[union-attr]


def test_included_contexts_are_searched_after_the_context_itself() -> None:
    plan = Dialplan.parse("[a]\ninclude => b\nexten => _X.,1,NoOp(a)\n"
                          "[b]\nexten => 900,1,NoOp(b)\nexten => _+X.,1,NoOp(plus)\n")
    assert plan.find("a", "900", 1).data == "a"  # type: ignore[union-attr]
    assert plan.find("a", "+34", 1).data == "plus"  # type: ignore[union-attr]
    assert plan.find("a", "x", 1) is None
