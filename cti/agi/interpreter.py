"""Run an IVR flow on a channel: one short method a step type.

The channel is anything with the typed FastAGI session methods (``AgiSession``).
Every step taken is reported to the host (``record_step``) and kept in
``FlowResult.path``. A hang-up (``AgiHangup``) ends the run cleanly and is
recorded as a ``caller_hangup`` step.

A prompt Asterisk cannot play (``200 result=-1`` with the channel still up) is
logged as a warning naming it and listed in the step's ``failed_prompts``; a
menu, input or survey whose question cannot be played takes its way out at
once instead of counting timeouts. Whatever leaves Asterisk (a transfer
target, a mailbox, a number to call back) is checked before it is set on
the channel (``cti/agi/outside.py``, ``cti/numbers.py``).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import structlog

from cti.agi.conditions import Context, holds
from cti.agi.errors import AgiHangup, FlowRuntimeError
from cti.agi.host import CallInfo, IvrHost
from cti.agi.httpstep import AiohttpFetcher, HttpFetcher, HttpStepError, json_path
from cti.agi.models import (
    BranchStep,
    CallbackStep,
    CaseStep,
    Flow,
    GotoStep,
    HangupStep,
    HttpStep,
    InputStep,
    LookupStep,
    MenuStep,
    PlayStep,
    QueueStep,
    SayItem,
    SayStep,
    SetStep,
    SurveyStep,
    TransferStep,
    VoicemailStep,
)
from cti.agi.outside import TargetRefused, mailbox, transfer_target
from cti.agi.session import DigitsInput, Playback
from cti.numbers import Dialling, NumberRefused

log = logging.getLogger(__name__)

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")


class Channel(Protocol):
    """The part of ``AgiSession`` the interpreter uses."""

    async def answer(self) -> None: ...
    async def hangup(self) -> None: ...
    async def stream_file(self, prompt: str, escape_digits: str = "") -> Playback: ...
    async def get_data(self, prompt: str, timeout_ms: int = 5000,
                       max_digits: int = 1) -> DigitsInput: ...
    async def say_number(self, number: int, escape_digits: str = "") -> Playback: ...
    async def say_digits(self, digits: str, escape_digits: str = "") -> Playback: ...
    async def say_alpha(self, text: str, escape_digits: str = "") -> Playback: ...
    async def say_date(self, epoch: int, escape_digits: str = "") -> Playback: ...
    async def set_variable(self, name: str, value: str) -> None: ...
    async def channel_status(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PathEntry:
    flow: str
    step: str
    kind: str
    data: dict[str, Any]


@dataclass
class FlowResult:
    """How a run ended: ``action`` is queue, transfer, voicemail, callback, hangup
    or caller_hangup."""

    interaction_id: str
    action: str
    path: list[PathEntry] = field(default_factory=list)
    vars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Next:
    step: str | None                 # None: the flow ended with ``action``
    data: dict[str, Any]
    action: str | None = None
    flow: str | None = None          # a goto to another flow


@dataclass
class _Run:
    channel: Channel
    interaction_id: str
    flow: str
    vars: dict[str, str]
    skills: dict[str, int] = field(default_factory=dict)
    priority: int = 0
    classification: dict[str, str | None] = field(default_factory=dict)
    path: list[PathEntry] = field(default_factory=list)
    #: A digit that interrupted a play step: the next menu or input starts with it.
    pending_digit: str | None = None
    #: The step running now, and the prompts it could not play.
    step: str = ""
    failed_prompts: list[str] = field(default_factory=list)

    def render(self, template: str) -> str:
        return _TEMPLATE.sub(lambda m: self.vars.get(m.group(1), ""), template)


def render_value(run: _Run, value: Any) -> Any:
    if isinstance(value, str):
        return run.render(value)
    if isinstance(value, dict):
        return {k: render_value(run, v) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(run, v) for v in value]
    return value


class FlowRunner:
    """Runs flows against a host.

    Args:
        flows: flow name -> Flow (validated).
        host: the service side (store, ACD, hours).
        http: the http step's client (default: an ``AiohttpFetcher`` of its own,
            opened at the first http step; ``close()`` closes it).
        clock: the current instant (aware datetime); tests pass a fixed one.
        tz: the contact centre's time zone, for time-of-day conditions.
        max_steps: a run taking more steps than this is stopped (a safety net).
        dialling: which outside numbers may be called back or transferred to, and
            the trunk (``ServiceConfig.dialling()``; default ``Dialling.default()``).
        hold_limit, hold_failures: set on the channel as CTI_HOLD_LIMIT and
            CTI_HOLD_FAILURES when a call is queued (None: the dialplan's globals).
    """

    def __init__(self, flows: Mapping[str, Flow], host: IvrHost, *,
                 http: HttpFetcher | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 tz: tzinfo = UTC, max_steps: int = 500, dialling: Dialling | None = None,
                 hold_limit: float | None = None, hold_failures: int | None = None) -> None:
        self.flows, self.host = flows, host
        self.dialling = dialling or Dialling.default()
        self.hold_vars = {name: str(round(value)) for name, value in (
            ("CTI_HOLD_LIMIT", hold_limit), ("CTI_HOLD_FAILURES", hold_failures))
            if value is not None}
        self._own_http = AiohttpFetcher() if http is None else None
        self.http: HttpFetcher = http or self._own_http  # type: ignore[assignment]
        self.clock, self.tz, self.max_steps = clock, tz, max_steps
        self._steps: dict[type, Callable[[_Run, str, Any], Awaitable[_Next]]] = {
            PlayStep: self._play, MenuStep: self._menu, InputStep: self._input,
            LookupStep: self._lookup, BranchStep: self._branch, SetStep: self._set,
            SayStep: self._say, HttpStep: self._http, QueueStep: self._queue,
            TransferStep: self._transfer, VoicemailStep: self._voicemail,
            CallbackStep: self._callback, SurveyStep: self._survey, GotoStep: self._goto,
            HangupStep: self._hangup, CaseStep: self._case,
        }

    async def close(self) -> None:
        """Close the http client this runner opened itself, if any."""
        if self._own_http is not None:
            await self._own_http.close()

    async def run(self, channel: Channel, call: CallInfo, flow: str, *,
                  interaction_id: str | None = None, step: str | None = None) -> FlowResult:
        """Run ``flow`` from ``step`` (default: its start) until a terminal step."""
        if flow not in self.flows:
            raise FlowRuntimeError(f"no IVR flow named {flow!r} (flows: "
                                   f"{', '.join(sorted(self.flows))}); check ivr.numbers "
                                   "and ivr.default_flow in cti.yaml")
        if step is not None and step not in self.flows[flow].steps:
            raise FlowRuntimeError(f"flow {flow!r} has no step {step!r}")
        if interaction_id is None:
            interaction_id = await self.host.open_interaction(call)
        # Every log line of this session (its own task) carries the interaction id.
        structlog.contextvars.bind_contextvars(interaction_id=interaction_id)
        run = _Run(channel, interaction_id, flow, {
            "caller_number": call.caller_number, "caller_name": call.caller_name,
            "dnid": call.dnid, "extension": call.extension, "channel": call.channel,
            "call_id": call.call_id, "interaction_id": interaction_id, "flow": flow,
            "priority": "0", "queue": "", "centre_mode": self.host.centre_mode(),
        })
        self._defaults(run, flow)
        sid = step or self.flows[flow].start
        try:
            for _ in range(self.max_steps):
                current = self.flows[run.flow].steps[sid]
                run.step = sid
                outcome = await self._steps[type(current)](run, sid, current)
                data = outcome.data
                if run.failed_prompts:
                    data = {**data, "failed_prompts": run.failed_prompts}
                    run.failed_prompts = []
                self._record(run, sid, current.type, data)
                if outcome.flow is not None:
                    run.flow = run.vars["flow"] = outcome.flow
                    self._defaults(run, outcome.flow)
                if outcome.step is None:
                    return FlowResult(interaction_id, outcome.action or "hangup",
                                      run.path, run.vars)
                sid = outcome.step
        except AgiHangup as exc:
            self._record(run, sid, "caller_hangup", {"during": exc.command})
            return FlowResult(interaction_id, "caller_hangup", run.path, run.vars)
        self._record(run, sid, "aborted", {"reason": f"more than {self.max_steps} steps"})
        log.error("interaction %s: flow %s ran more than %d steps; stopped at %s",
                  interaction_id, run.flow, self.max_steps, sid)
        with contextlib.suppress(AgiHangup):
            await channel.hangup()
        return FlowResult(interaction_id, "hangup", run.path, run.vars)

    def _defaults(self, run: _Run, flow: str) -> None:
        for name, value in self.flows[flow].vars.items():
            run.vars.setdefault(name, value)

    def _record(self, run: _Run, sid: str, kind: str, data: dict[str, Any]) -> None:
        entry = PathEntry(run.flow, sid, kind, data)
        run.path.append(entry)
        try:
            self.host.record_step(run.interaction_id, sid, kind, {"flow": run.flow, **data})
        except Exception:
            log.exception("interaction %s: recording step %s failed", run.interaction_id, sid)

    # -- prompts and digits -----------------------------------------------------

    async def _prompts(self, run: _Run, prompts: list[str], escape: str = "") -> str | None:
        """Play prompts in turn; return the digit that stopped one, if any."""
        for prompt in prompts:
            name = run.render(prompt)
            played = await run.channel.stream_file(name, escape)
            if played.failed:
                await self._prompt_failed(run, name)
            elif played.digit is not None:
                return played.digit
        return None

    async def _prompt_failed(self, run: _Run, prompt: str) -> None:
        """Asterisk answered ``result=-1``: the caller hung up or the prompt cannot be
        played. CHANNEL STATUS tells them apart (after a hang-up Asterisk sends HANGUP
        before its reply, and AgiHangup ends the flow)."""
        await run.channel.channel_status()
        run.failed_prompts.append(prompt)
        log.warning("interaction %s: prompt %r could not be played (flow %s, step %s); "
                    "check that the sound file exists: cti ivr check --sounds DIR",
                    run.interaction_id, prompt, run.flow, run.step)

    async def _ask(self, run: _Run, prompts: list[str], timeout: float, max_digits: int,
                   escape: str) -> DigitsInput:
        first, run.pending_digit = run.pending_digit, None
        if first is not None and max_digits == 1:
            return DigitsInput(first)
        if first is None:
            first = await self._prompts(run, prompts[:-1], escape)
        else:                   # the caller typed ahead: skip the prompts
            prompts = ["silence/1"]
        if first is not None and max_digits == 1:
            return DigitsInput(first)
        name = run.render(prompts[-1])
        got = await run.channel.get_data(name, int(timeout * 1000),
                                         max_digits - (1 if first else 0))
        if got.failed:
            await self._prompt_failed(run, name)
        return DigitsInput((first or "") + got.digits, got.timed_out, got.failed)

    async def _maybe_play(self, run: _Run, prompt: str | None) -> None:
        if prompt:
            await self._prompts(run, [prompt])

    # -- steps ------------------------------------------------------------------

    async def _play(self, run: _Run, sid: str, step: PlayStep) -> _Next:
        digit = await self._prompts(run, step.prompts, "0123456789*#" if step.interruptible
                                    else "")
        run.pending_digit = digit
        return _Next(step.next, {"prompts": step.prompts, "digit": digit})

    async def _menu(self, run: _Run, sid: str, step: MenuStep) -> _Next:
        keys = "".join(step.options)
        tries: list[str] = []
        for attempt in range(step.retries + 1):
            got = await self._ask(run, step.prompt, step.timeout, 1, keys)
            digit = got.digits[:1]
            if digit in step.options:
                return _Next(step.options[digit], {"digit": digit, "attempt": attempt + 1})
            if got.failed:      # the question cannot be played: asking again is no use
                return _Next(step.on_fail, {"result": "failed", "tries": [*tries, "failed"]})
            tries.append(f"invalid:{digit}" if digit else "timeout")
            await self._maybe_play(run, step.invalid_prompt if digit else step.timeout_prompt)
        return _Next(step.on_fail, {"result": "failed", "tries": tries})

    async def _input(self, run: _Run, sid: str, step: InputStep) -> _Next:
        tries: list[str] = []
        for attempt in range(step.retries + 1):
            got = await self._ask(run, step.prompt, step.timeout, step.max_digits,
                                  "0123456789")
            digits = got.digits
            if digits and len(digits) >= step.min_digits and (
                    step.pattern is None or re.fullmatch(step.pattern, digits)):
                run.vars[step.var] = digits
                return _Next(step.next, {"var": step.var, "value": digits,
                                         "attempt": attempt + 1})
            if got.failed and not digits:
                return _Next(step.on_fail, {"result": "failed", "tries": [*tries, "failed"]})
            tries.append(f"invalid:{digits}" if digits else "timeout")
            await self._maybe_play(run, step.invalid_prompt if digits else step.timeout_prompt)
        return _Next(step.on_fail, {"result": "failed", "tries": tries})

    async def _lookup(self, run: _Run, sid: str, step: LookupStep) -> _Next:
        if step.by == "caller":
            key = run.vars["caller_number"]
            customer = await self.host.find_customer(phone=key) if key else None
        else:
            key = run.vars.get(step.var or "", "")
            by = {"account": {"account": key}, "document": {"document": key}}[step.by]
            customer = await self.host.find_customer(**by) if key else None
        if customer is None:
            run.vars["customer_found"] = ""
            return _Next(step.not_found, {"by": step.by, "key": key, "found": False})
        run.vars.update({
            "customer_found": "1", "customer_id": customer.id, "customer_name": customer.name,
            "customer_tier": customer.tier, "customer_value": str(customer.value),
            "customer_open_cases": str(customer.open_cases),
        })
        for name, value in customer.attributes.items():
            run.vars[f"customer_attr_{name}"] = "" if value is None else str(value)
        return _Next(step.found, {"by": step.by, "key": key, "found": True,
                                  "customer_id": customer.id, "tier": customer.tier})

    async def _branch(self, run: _Run, sid: str, step: BranchStep) -> _Next:
        now = self.clock()
        ctx = Context(run.vars, now.astimezone(self.tz),
                      lambda: self.host.is_open(now),
                      lambda: self.host.holiday(now) is not None)
        for i, case in enumerate(step.cases):
            if holds(case.when, ctx):
                return _Next(case.goto, {"case": i})
        return _Next(step.default, {"case": "default"})

    async def _set(self, run: _Run, sid: str, step: SetStep) -> _Next:
        values = {name: str(render_value(run, value)) for name, value in step.vars.items()}
        run.vars.update(values)
        data: dict[str, Any] = {"vars": values}
        fields = ("topic", "reason", "sub_reason", "question", "call_type")
        given = {f: getattr(step, f) for f in fields if getattr(step, f) is not None}
        if given:
            given = {f: run.render(v) for f, v in given.items()}
            run.classification.update(given)
            run.vars.update(given)
            await self.host.classify(run.interaction_id,
                                     **{f: run.classification.get(f) for f in fields})
            data["classification"] = given
        if step.priority is not None:
            run.priority = step.priority
            run.vars["priority"] = str(step.priority)
            data["priority"] = step.priority
        if step.skills:
            run.skills.update(step.skills)
            data["skills"] = dict(step.skills)
        return _Next(step.next, data)

    async def _case(self, run: _Run, sid: str, step: CaseStep) -> _Next:
        classification = {f: run.classification.get(f)
                          for f in ("topic", "reason", "sub_reason", "question")}
        if step.topic is not None and step.topic != classification["topic"]:
            classification = {"topic": step.topic}
        customer_id = run.vars.get("customer_id") or None
        data: dict[str, Any] = {"customer_id": customer_id, "topic": classification["topic"]}
        try:
            link = await self.host.case_for_call(
                run.interaction_id, customer_id=customer_id, classification=classification,
                link_open=step.link_open, open_now=step.open == "now",
                call_type=step.call_type)
        except Exception as exc:  # the caller goes on: the agent's answer opens the case
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            log.warning("interaction %s: case step %s failed (%s); the agent's answer will "
                        "open the case", run.interaction_id, sid, error)
            link, data["error"] = None, error
        run.vars["case_id"] = link.case_id if link else ""
        run.vars["case_linked"] = "1" if link and link.linked else ""
        data.update(case_id=link.case_id if link else None,
                    linked=bool(link and link.linked))
        return _Next(step.next, data)

    async def _say(self, run: _Run, sid: str, step: SayStep) -> _Next:
        said: list[str] = []
        for item in step.items:
            text = run.render(item.value)
            if await self._say_item(run, item, text):
                said.append(f"{item.kind}:{text}")
            else:
                said.append(f"skipped {item.kind}:{text!r}")
        return _Next(step.next, {"said": said})

    async def _say_item(self, run: _Run, item: SayItem, text: str) -> bool:
        ch = run.channel
        kind = item.kind
        if kind == "prompt":
            await self._prompts(run, [text])
        elif kind == "digits":
            digits = re.sub(r"[^0-9*#]", "", text)
            if not digits:
                return False
            await ch.say_digits(digits)
        elif kind == "alpha":
            if not text:
                return False
            await ch.say_alpha(text)
        elif kind == "date":
            epoch = _epoch(text)
            if epoch is None:
                return False
            await ch.say_date(epoch)
        else:
            try:
                amount = Decimal(text)
            except InvalidOperation:
                return False
            whole = int(amount)
            await ch.say_number(whole)
            if kind == "amount":
                await self._prompts(run, [item.currency])
                cents = int((abs(amount) - abs(whole)) * 100)
                if cents:
                    await ch.say_number(cents)
                    await self._prompts(run, [item.cents])
        return True

    async def _http(self, run: _Run, sid: str, step: HttpStep) -> _Next:
        url = run.render(step.url)
        try:
            answer = await self.http.fetch(step.method, url,
                                           body=render_value(run, step.body),
                                           headers=render_value(run, step.headers),
                                           timeout=step.timeout)
        except HttpStepError as exc:
            return _Next(step.on_error, {"url": url, "error": exc.detail})
        mapped = {}
        for var, path in step.map.items():
            value = json_path(answer, path)
            mapped[var] = "" if value is None else str(value)
        run.vars.update(mapped)
        return _Next(step.next, {"url": url, "vars": mapped})

    async def _tag(self, run: _Run, **extra: str) -> None:
        await run.channel.set_variable("CTI_INTERACTION", run.interaction_id)
        for name, value in extra.items():
            await run.channel.set_variable(name, value)

    async def _confirm_channel(self, run: _Run) -> None:
        """Refuse to queue a call for a channel no Asterisk of this service has."""
        call_id, channel = run.vars["call_id"], run.vars["channel"]
        if not await self.host.channel_exists(call_id, channel):
            raise FlowRuntimeError(f"channel {channel} ({call_id}) is not on any Asterisk "
                                   "of this service; not queueing it")

    async def _queue(self, run: _Run, sid: str, step: QueueStep) -> _Next:
        skills = {**run.skills, **(step.skills or {})}
        priority = step.priority if step.priority is not None else run.priority
        await self._confirm_channel(run)
        await self._tag(run, **self.hold_vars)
        await self._maybe_play(run, step.prompt)
        run.vars["queue"] = step.queue
        await self.host.enqueue(run.interaction_id, queue=step.queue, skills=skills,
                                priority=priority, attributes=dict(run.vars))
        data = {"queue": step.queue, "skills": skills, "priority": priority}
        try:
            await run.channel.set_variable("CTI_ACTION", "queue")
        except AgiHangup:
            # The ACD may redirect the caller to an agent at once: the AGI then
            # gets HANGUP although the call goes on. The call is queued all the same.
            data["redirected"] = True
        return _Next(None, data, action="queue")

    async def _transfer(self, run: _Run, sid: str, step: TransferStep) -> _Next:
        try:
            if step.number is not None:
                number = self.dialling.policy.check(run.render(step.number))
                target = self.dialling.trunk.dial_string(number)
            else:
                target = transfer_target(step.target or "", run.vars)
        except (NumberRefused, TargetRefused) as exc:
            return self._refused(run, sid, step.on_invalid, "transfer", exc)
        await self._maybe_play(run, step.prompt)
        await self._tag(run, CTI_TRANSFER_TARGET=target, CTI_ACTION="transfer")
        return _Next(None, {"target": target}, action="transfer")

    async def _voicemail(self, run: _Run, sid: str, step: VoicemailStep) -> _Next:
        try:
            box = mailbox(step.mailbox, run.vars)
        except TargetRefused as exc:
            return self._refused(run, sid, step.on_invalid, "voicemail", exc)
        await self._maybe_play(run, step.prompt)
        await self._tag(run, CTI_MAILBOX=box, CTI_ACTION="voicemail")
        return _Next(None, {"mailbox": box}, action="voicemail")

    def _refused(self, run: _Run, sid: str, on_invalid: str | None, what: str,
                 exc: Exception) -> _Next:
        log.warning("interaction %s: %s refused in flow %s, step %s: %s", run.interaction_id,
                    what, run.flow, sid, exc)
        if on_invalid is None:
            raise FlowRuntimeError(f"step {sid} of flow {run.flow}: {exc}; add on_invalid "
                                   "to the step to choose where the caller goes") from None
        return _Next(on_invalid, {"refused": str(exc)})

    async def _callback(self, run: _Run, sid: str, step: CallbackStep) -> _Next:
        text = run.render(step.number)
        try:
            number = self.dialling.callback(text, self.clock().timestamp())
        except NumberRefused as exc:
            log.info("interaction %s: no callback to %r: %s", run.interaction_id, text,
                     exc.detail)
            await self._maybe_play(run, step.invalid_prompt)
            return _Next(step.on_invalid, {"refused": exc.reason, "number": text})
        await self._confirm_channel(run)
        await self._tag(run)
        # The callback first: the call then enters the queue as a callback (an agent
        # free now gets an Originate, not a Redirect of a caller who is leaving).
        await self.host.request_callback(run.interaction_id, number.e164)
        await self.host.enqueue(run.interaction_id, queue=step.queue, skills=dict(run.skills),
                                priority=run.priority, attributes=dict(run.vars))
        await self._maybe_play(run, step.prompt)
        await run.channel.set_variable("CTI_ACTION", "callback")
        return _Next(None, {"number": number.e164, "queue": step.queue}, action="callback")

    async def _survey(self, run: _Run, sid: str, step: SurveyStep) -> _Next:
        low, high = step.scale
        max_digits = len(str(high))
        for attempt in range(step.retries + 1):
            got = await self._ask(run, step.prompt, step.timeout, max_digits, "0123456789")
            if got.failed and not got.digits:
                break           # the question cannot be played
            if got.digits.isdigit() and low <= int(got.digits) <= high:
                score = int(got.digits)
                await self.host.record_survey(run.interaction_id, step.kind, score)
                run.vars["survey_score"] = str(score)
                await self._maybe_play(run, step.thanks_prompt)
                data = {"kind": step.kind, "score": score, "attempt": attempt + 1}
                if step.next is None:
                    await run.channel.hangup()
                    return _Next(None, data, action="hangup")
                return _Next(step.next, data)
            if got.digits:
                await self._maybe_play(run, step.invalid_prompt)
        if step.next is None:
            await run.channel.hangup()
            return _Next(None, {"kind": step.kind, "score": None}, action="hangup")
        return _Next(step.next, {"kind": step.kind, "score": None})

    async def _goto(self, run: _Run, sid: str, step: GotoStep) -> _Next:
        target = self.flows.get(step.flow)
        if target is None:
            raise FlowRuntimeError(f"step {sid} of flow {run.flow}: no flow named {step.flow!r}")
        return _Next(step.step or target.start, {"to": step.flow}, flow=step.flow)

    async def _hangup(self, run: _Run, sid: str, step: HangupStep) -> _Next:
        await self._maybe_play(run, step.prompt)
        await run.channel.hangup()
        return _Next(None, {}, action="hangup")


def _epoch(text: str) -> int | None:
    """``2026-12-24`` (noon UTC, so any zone says the same day) or epoch seconds."""
    if text.isdigit():
        return int(text)
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        return None
    if day.tzinfo is None:
        day = day.replace(hour=12, tzinfo=UTC) if len(text) == 10 else day.replace(tzinfo=UTC)
    return int(day.timestamp())
