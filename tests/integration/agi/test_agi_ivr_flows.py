"""The example flows run through the FastAGI server, the fake PBX playing Asterisk."""

from __future__ import annotations

import asyncio

import pytest
from agi_ivr_support import CHRISTMAS, NIGHT, Ivr
from aiohttp import web


def kinds(result) -> list[str]:
    return [f"{e.flow}.{e.step}:{e.kind}" for e in result.path]


async def test_ivr_unknown_caller_books_a_trip_and_is_queued(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["1", "1"])
    assert result.action == "queue"
    assert kinds(result) == [
        "main.welcome:play", "main.hours:branch", "main.identify:lookup",
        "main.main_menu:menu", "main.bookings_menu:menu", "main.new_booking:set",
        "main.queue_bookings:queue",
    ]
    iid = result.interaction_id
    assert t.variables == {"CTI_INTERACTION": iid, "CTI_ACTION": "queue"}
    assert ivr.host.queued[iid]["queue"] == "bookings"
    assert ivr.host.queued[iid]["skills"] == {"bookings": 3}
    assert ivr.host.classifications[iid]["reason"] == "new booking"
    assert ivr.host.kinds(iid) == [e.kind for e in result.path]
    assert t.commands[0] == "ANSWER"
    assert 'STREAM FILE tourism/welcome "0123456789*#"' in t.commands
    assert "GET DATA tourism/main-menu 5000 1" in t.commands


async def test_ivr_vip_customer_takes_the_fast_path_with_priority(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        _, result = await ivr.call(caller="5557777")
    assert result.action == "queue"
    assert [e.flow for e in result.path][-1] == "vip"
    queued = ivr.host.queued[result.interaction_id]
    assert (queued["queue"], queued["priority"], queued["skills"]) == ("vip", 10, {"vip": 1})
    assert queued["attributes"]["customer_name"] == "Ana Ruiz"


async def test_ivr_high_value_customer_with_open_cases_gets_case_priority(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        _, result = await ivr.call(caller="5553333")
    queued = ivr.host.queued[result.interaction_id]
    assert queued["priority"] == 12
    assert queued["attributes"]["vip_reason"] == "open cases: 2"


async def test_ivr_menu_retries_then_takes_on_fail(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["7", "", "8"])
    menu = next(e for e in result.path if e.step == "main_menu")
    assert menu.data == {"result": "failed", "tries": ["invalid:7", "timeout", "invalid:8"]}
    assert ivr.host.queued[result.interaction_id]["queue"] == "general"
    assert t.commands.count('STREAM FILE tourism/invalid-option ""') == 2
    assert t.commands.count('STREAM FILE tourism/no-input ""') == 1


async def test_ivr_complaint_and_cancellation_set_priority(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        _, complaint = await ivr.call(caller="5550000", digits=["4"])
        _, cancel = await ivr.call(caller="5550000", digits=["2", "2"])
    assert ivr.host.queued[complaint.interaction_id]["priority"] == 5
    assert ivr.host.queued[cancel.interaction_id] | {"attributes": None} == {
        "queue": "changes", "skills": {}, "priority": 2, "attributes": None}
    assert ivr.host.classifications[cancel.interaction_id]["reason"] == "cancellation"


async def test_ivr_transfer_sets_target_for_the_dialplan(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["5"])
    assert result.action == "transfer"
    assert t.variables["CTI_ACTION"] == "transfer"
    # an outside number: checked, then dialled through trunk.dial of cti.yaml
    assert t.variables["CTI_TRANSFER_TARGET"] == "PJSIP/+34911234567@trunk"


async def test_ivr_after_hours_callback_keeps_a_place(ivr: Ivr) -> None:
    ivr.now[0] = NIGHT
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="0034 612 345 678", digits=["1"])
    assert result.action == "callback"
    assert ivr.host.callbacks[result.interaction_id] == "+34612345678"
    assert ivr.host.queued[result.interaction_id]["queue"] == "general"
    assert t.variables["CTI_ACTION"] == "callback"
    assert "main.closed:goto" in kinds(result)


async def test_ivr_after_hours_callback_to_a_number_that_cannot_be_called_takes_voicemail(
        ivr: Ivr) -> None:
    ivr.now[0] = NIGHT
    for caller in ("", "5551234", "+16502530000", "+34803123456"):
        async with asyncio.timeout(5):
            t, result = await ivr.call(caller=caller, digits=["1"])
        callback = next(e for e in result.path if e.kind == "callback")
        assert callback.data["refused"] in ("not-a-number", "invalid", "country", "type")
        assert 'STREAM FILE tourism/callback-invalid ""' in t.commands
        assert (result.action, t.variables["CTI_MAILBOX"]) == ("voicemail", "8000@default")
        assert result.interaction_id not in ivr.host.callbacks
        assert result.interaction_id not in ivr.host.queued


async def test_ivr_holiday_voicemail(ivr: Ivr) -> None:
    ivr.now[0] = CHRISTMAS
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["2"])
    assert "after_hours.holiday_message:play" in kinds(result)
    assert (t.variables["CTI_ACTION"], t.variables["CTI_MAILBOX"]) == ("voicemail",
                                                                       "8000@default")


async def test_ivr_after_hours_no_answer_hangs_up(ivr: Ivr) -> None:
    ivr.now[0] = NIGHT
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=[])
    assert result.action == "hangup"
    assert t.commands[-2:] == ['STREAM FILE tourism/goodbye ""', "HANGUP"]


async def test_ivr_post_call_survey_lands_on_the_same_interaction(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call("survey", digits=["4", "9"],
                                   variables={"CTI_INTERACTION": "int-0042"})
    assert result.interaction_id == "int-0042"
    assert ivr.host.surveys == [("int-0042", "csat", 4), ("int-0042", "nps", 9)]
    assert t.commands[-1] == "HANGUP"
    assert "GET DATA tourism/survey-nps 6000 2" in t.commands


async def test_ivr_survey_rejects_out_of_scale_score(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        _, result = await ivr.call("survey", digits=["7", "3", "10"],
                                   variables={"CTI_INTERACTION": "int-0043"})
    assert ivr.host.surveys == [("int-0043", "csat", 3), ("int-0043", "nps", 10)]
    assert result.path[0].data["attempt"] == 2


async def test_ivr_survey_without_an_interaction_on_the_channel_runs_nothing(
        ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call("survey", digits=["4"])
    assert result is None
    assert t.commands == ["GET VARIABLE CTI_INTERACTION"]


@pytest.mark.parametrize("path", [
    "ivr?flow=vip&dnid=900",                          # the flow is not the URL's to choose
    "ivr?dnid=900&step=classify",
    "ivr?dnid=900&dnid=901",                          # a repeated key
    "ivr?dnid=900&interaction=int-0001",
    "survey?interaction=int-0001",                    # survey reads the channel only
    "hold?x=1",
])
async def test_ivr_url_with_unknown_or_repeated_arguments_goes_to_fallback(
        ivr: Ivr, path: str) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(path, variables={"CTI_INTERACTION": "int-0009"})
    assert result is None
    if path.startswith("hold"):
        assert t.commands == []              # no CTI_HOLD_OK: the dialplan counts a failure
        return
    assert t.commands == ['SET VARIABLE CTI_ACTION "fallback"']
    assert ivr.host.interactions == {}
    assert ivr.server.stats["errors"] == 0


async def test_ivr_the_dialled_number_chooses_the_flow_from_config(ivr: Ivr) -> None:
    ivr.app.numbers = {"901": "vip", "+34910000000": "main"}
    async with asyncio.timeout(5):
        _, vip = await ivr.call("ivr?dnid=901", caller="5550000")
        _, main = await ivr.call("ivr?dnid=%2B34910000000", caller="5550000", digits=["3"])
        _, other = await ivr.call("ivr?dnid=900%26flow%3Dvip", caller="5550000", digits=["3"])
    assert vip.path[0].flow == "vip" and ivr.host.queued[vip.interaction_id]["queue"] == "vip"
    assert main.path[0].flow == "main"
    assert ivr.host.interactions[main.interaction_id].dnid == "+34910000000"
    assert other.path[0].flow == "main"                      # not in the table: default
    assert ivr.host.interactions[other.interaction_id].dnid == "900&flow=vip"
    assert ivr.host.queued[other.interaction_id]["queue"] == "billing"


async def test_ivr_a_prompt_that_cannot_be_played_is_recorded_not_counted_as_timeouts(
        ivr: Ivr, caplog: pytest.LogCaptureFixture) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", missing_prompts={"tourism/main-menu"})
    menu = next(e for e in result.path if e.step == "main_menu")
    assert menu.data == {"result": "failed", "tries": ["failed"],
                         "failed_prompts": ["tourism/main-menu"]}
    assert t.commands.count("GET DATA tourism/main-menu 5000 1") == 1   # no retries burnt
    assert ivr.host.queued[result.interaction_id]["queue"] == "general"  # on_fail at once
    assert "prompt 'tourism/main-menu' could not be played (flow main, step main_menu)" \
        in caplog.text


async def test_ivr_a_missing_announcement_does_not_stop_the_flow(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["3"],
                                   missing_prompts={"tourism/welcome"})
    assert result.path[0].data["failed_prompts"] == ["tourism/welcome"]
    assert t.commands[1:3] == ['STREAM FILE tourism/welcome "0123456789*#"', "CHANNEL STATUS"]
    assert ivr.host.queued[result.interaction_id]["queue"] == "billing"


async def test_ivr_refuses_to_queue_a_channel_no_asterisk_has(ivr: Ivr) -> None:
    ivr.host.channels = {("1795440000.7", "PJSIP/trunk-00000007")}
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["3"])
    assert result is None
    assert ivr.host.queued == {}
    assert t.variables["CTI_ACTION"] == "fallback"


# -- self-service through a real web service -----------------------------------

async def bookings_service(hold: asyncio.Event | None = None, status: int = 200):
    async def booking(request: web.Request) -> web.Response:
        if hold is not None:
            await hold.wait()                               # a service that hangs
        if request.match_info["ref"] != "123456":
            return web.json_response({})
        return web.json_response({"status": "confirmed", "departure_date": "2026-12-24",
                                  "balance_due": "250.50"}, status=status)

    app = web.Application()
    app.router.add_get("/bookings/{ref}", booking)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def point_bookings_to(ivr: Ivr, url: str) -> None:
    flow = ivr.app.runner.flows["booking_status"]
    flow.vars["bookings_api"] = url


async def test_ivr_booking_status_self_service_says_status_date_and_amount(ivr: Ivr) -> None:
    runner, url = await bookings_service()
    point_bookings_to(ivr, url)
    try:
        async with asyncio.timeout(5):
            t, result = await ivr.call(caller="5550000", digits=["1", "2", "123456", "9"])
    finally:
        await runner.cleanup()
    assert result.action == "hangup"
    say = next(e for e in result.path if e.kind == "say")
    assert say.data["said"][1:3] == ["digits:123456", "prompt:tourism/status-confirmed"]
    assert 'SAY DIGITS 123456 ""' in t.commands
    assert 'SAY DATE 1798113600 ""' in t.commands            # 2026-12-24 12:00 UTC
    i = t.commands.index('SAY NUMBER 250 ""')
    assert t.commands[i:i + 4] == ['SAY NUMBER 250 ""', 'STREAM FILE euros ""',
                                   'SAY NUMBER 50 ""', 'STREAM FILE cents ""']


async def test_ivr_booking_reference_must_match_pattern(ivr: Ivr) -> None:
    runner, url = await bookings_service()
    point_bookings_to(ivr, url)
    try:
        async with asyncio.timeout(5):
            _, result = await ivr.call(caller="5550000",
                                       digits=["1", "2", "12", "654321", "123456", "0"])
    finally:
        await runner.cleanup()
    steps = [e.step for e in result.path]
    assert steps.count("ask_reference") == 2               # 654321 is not a booking
    assert "not_found" in steps
    assert ivr.host.queued[result.interaction_id]["queue"] == "bookings"


async def test_ivr_slow_booking_service_falls_back_to_an_agent(ivr: Ivr) -> None:
    hang = asyncio.Event()
    runner, url = await bookings_service(hang)
    point_bookings_to(ivr, url)
    ivr.app.runner.flows["booking_status"].steps["fetch"].timeout = 0.3
    try:
        async with asyncio.timeout(5):
            _, result = await ivr.call(caller="5550000", digits=["1", "2", "123456"])
    finally:
        hang.set()
        await runner.cleanup()
    fetch = next(e for e in result.path if e.kind == "http")
    assert fetch.data["error"] == "no answer within 0.3 s"
    assert [e.step for e in result.path][-3:] == ["service_down", "to_agent", "queue"]
    assert ivr.host.classifications[result.interaction_id]["reason"] == "booking status"
    assert ivr.host.queued[result.interaction_id]["attributes"]["booking_ref"] == "123456"


async def test_ivr_dead_booking_service_falls_back_to_an_agent(ivr: Ivr) -> None:
    runner, url = await bookings_service()
    await runner.cleanup()                                  # nobody listens any more
    point_bookings_to(ivr, url)
    async with asyncio.timeout(5):
        _, result = await ivr.call(caller="5550000", digits=["1", "2", "123456"])
    fetch = next(e for e in result.path if e.kind == "http")
    assert fetch.data["error"].startswith("ClientConnectorError")
    assert result.action == "queue"


async def test_ivr_booking_service_error_status_falls_back(ivr: Ivr) -> None:
    runner, url = await bookings_service(status=503)
    point_bookings_to(ivr, url)
    try:
        async with asyncio.timeout(5):
            _, result = await ivr.call(caller="5550000", digits=["1", "2", "123456"])
    finally:
        await runner.cleanup()
    assert next(e for e in result.path if e.kind == "http").data["error"] == "HTTP status 503"


# -- hang-ups and load ---------------------------------------------------------

async def test_ivr_hangup_at_every_command_ends_the_flow_cleanly(ivr: Ivr) -> None:
    runner, url = await bookings_service()
    point_bookings_to(ivr, url)
    digits = ["1", "2", "123456", "1", "0"]
    try:
        async with asyncio.timeout(20):
            full, _ = await ivr.call(caller="5550000", digits=digits)
            for n in range(1, len(full.commands)):
                t, result = await ivr.call(caller="5550000", digits=digits, hangup_after=n)
                assert result is not None, n
                if result.action == "caller_hangup":
                    assert result.path[-1].kind == "caller_hangup"
                    assert ivr.host.kinds(result.interaction_id)[-1] == "caller_hangup"
                else:          # hung up after the queue step was done
                    assert result.action == "queue", (n, result.action)
                assert len(t.commands) == n + 1, n   # not one command after the hang-up
    finally:
        await runner.cleanup()
    assert ivr.server.stats["errors"] == 0


async def test_ivr_200_concurrent_sessions(ivr: Ivr) -> None:
    async with asyncio.timeout(30):
        calls = await asyncio.gather(*(
            ivr.call(caller=f"555{n:04d}", uniqueid=f"1795440000.{n}",
                     digits=[str(1 + n % 4), "1"])
            for n in range(200)))
    queues = {ivr.host.queued[r.interaction_id]["queue"] for _, r in calls}
    assert queues == {"bookings", "changes", "billing", "complaints"}
    assert len({r.interaction_id for _, r in calls}) == 200
    assert ivr.server.stats["completed"] == 200


async def test_ivr_digit_typed_during_welcome_answers_the_main_menu(ivr: Ivr) -> None:
    async with asyncio.timeout(5):
        t, result = await ivr.call(caller="5550000", digits=["!3"])
    assert result.path[0].data["digit"] == "3"
    menu = next(e for e in result.path if e.step == "main_menu")
    assert menu.data == {"digit": "3", "attempt": 1}
    assert ivr.host.queued[result.interaction_id]["queue"] == "billing"
    assert not any(c.startswith("GET DATA tourism/main-menu") for c in t.commands)


async def test_ivr_a_flow_that_does_not_exist_sends_the_caller_to_fallback_cleanly(
        ivr: Ivr, caplog: pytest.LogCaptureFixture) -> None:
    ivr.app.numbers = {"900": "nope"}           # e.g. a flow file removed by a reload
    async with asyncio.timeout(5):
        t, result = await ivr.call()
    assert result is None and ivr.host.interactions == {}   # no interaction left behind
    assert t.commands == ["ANSWER", 'SET VARIABLE CTI_ACTION "fallback"']
    assert ivr.server.stats["errors"] == 0 and "Traceback" not in caplog.text
    assert "no IVR flow named 'nope'" in caplog.text
