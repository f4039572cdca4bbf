"""The AGI URL: what the dialplan may pass, decoded as URIENCODE wrote it."""

from __future__ import annotations

import pytest

from cti.agi.protocol import BadRequest, parse_env, parse_request, strict_params


def test_values_are_percent_decoded_and_plus_stays_plus() -> None:
    request = parse_request("agi://10.0.0.5:4573/ivr?dnid=%2B34910000000")
    assert strict_params(request, {"dnid"}) == {"dnid": "+34910000000"}
    assert parse_request("ivr?dnid=+34910000000").params["dnid"] == "+34910000000"


def test_an_encoded_ampersand_is_data_not_a_new_argument() -> None:
    request = parse_request("ivr?dnid=900%26flow%3Dvip%26step%3Dclassify")
    assert strict_params(request, {"dnid"}) == {"dnid": "900&flow=vip&step=classify"}


@pytest.mark.parametrize(("url", "message"), [
    ("ivr?dnid=900&flow=vip&step=classify", "unknown argument 'flow' in /ivr (allowed: dnid)"),
    ("ivr?dnid=900&dnid=901", "argument 'dnid' given twice in /ivr"),
    ("survey?interaction=int-1", "unknown argument 'interaction' in /survey (allowed: none)"),
])
def test_unknown_and_repeated_arguments_are_refused(url: str, message: str) -> None:
    request = parse_request(url)
    allowed = {"dnid"} if request.path == "ivr" else set()
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        strict_params(request, allowed)


def test_agi_arguments_after_the_url_are_listed() -> None:
    env = parse_env(["agi_network_script: ivr?dnid=900", "agi_arg_1: x", "agi_arg_2: y"])
    assert env.args == ["x", "y"]
