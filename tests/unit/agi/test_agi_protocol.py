from __future__ import annotations

import pytest

from cti.agi.protocol import arg, parse_env, parse_reply, parse_request, quote, reply_complete


@pytest.mark.parametrize(
    ("line", "result", "data", "endpos"),
    [
        ("200 result=0 endpos=8000", "0", None, 8000),
        ("200 result=1", "1", None, None),
        ("200 result= (timeout)", "", "timeout", None),
        ("200 result=1 (Juan Perez 1795441791.199)", "1", "Juan Perez 1795441791.199", None),
        ("200 result=-1 endpos=0", "-1", None, 0),
        ("200 result=1 (a (b) c)", "1", "a (b) c", None),
        ("200 result=35 (dtmf) endpos=1200", "35", "dtmf", 1200),
        ("200 result=1 (ñ 1234)", "1", "ñ 1234", None),
    ],
)
def test_agi_200_reply_is_parsed(line: str, result: str, data: str | None,
                                 endpos: int | None) -> None:
    reply = parse_reply([line])
    assert (reply.code, reply.result, reply.data, reply.endpos) == (200, result, data, endpos)


def test_agi_multiline_520_is_complete_only_at_the_end_line() -> None:
    lines = ["520-Invalid command syntax.  Proper usage follows:", "Send the given file"]
    assert not reply_complete(lines)
    lines.append("520 End of proper usage.")
    assert reply_complete(lines)
    reply = parse_reply(lines)
    assert reply.code == 520
    assert reply.text.splitlines() == ["Invalid command syntax.  Proper usage follows:",
                                       "Send the given file", "End of proper usage."]


def test_agi_510_511_and_garbage_replies() -> None:
    assert parse_reply(["510 Invalid or unknown command"]).code == 510
    assert parse_reply(["511 Command Not Permitted on a dead channel"]).code == 511
    with pytest.raises(ValueError, match="unexpected reply"):
        parse_reply(["hello"])


def test_agi_quoting_escapes_quotes_backslashes_and_newlines() -> None:
    assert quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote("a\nb") == '"a b"'
    assert arg("cti-welcome") == "cti-welcome"
    assert arg("") == '""'
    assert arg("two words") == '"two words"'


def test_agi_request_from_network_script_and_url() -> None:
    req = parse_request("ivr?flow=main&dnid=900")
    assert (req.path, dict(req.params)) == ("ivr", {"flow": "main", "dnid": "900"})
    assert parse_request("agi://127.0.0.1:4573/hold").path == "hold"


def test_agi_env_strips_prefix_and_unknown() -> None:
    env = parse_env(["agi_callerid: 5551234", "agi_dnid: unknown", "agi_accountcode: ",
                     "agi_network_script: ivr?flow=vip"])
    assert env.caller_number == "5551234"
    assert env.get("dnid") == ""
    assert env.values["accountcode"] == ""
    assert env.request.params["flow"] == "vip"
    with pytest.raises(ValueError, match="not an agi_ header"):
        parse_env(["callerid: 1"])
