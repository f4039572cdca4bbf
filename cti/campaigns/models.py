"""A campaign's definition: what ``cti campaign create`` and the API accept.

Validated like the config files (pydantic, every problem one line in our
words: ``window.hours[0]: ...``), then against the running configuration
(``check_against``): the queue exists, the caller id is a number people can
call back, the flow of an agentless campaign exists. ``pacing_spec`` turns it
into the pacer's ``CampaignSpec``.

    name: renewals
    mode: predictive            # preview | progressive | predictive | agentless
    queue: sales                # its agents, from queues.yaml / agents.yaml
    caller_id: "+34910000000"   # ivr.numbers or outbound.inbound_numbers
    window: {days: [mon, tue, wed, thu, fri], hours: ["09:00-21:00"]}
    retries: {no_answer: {delay: 2h, max_attempts: 3}, abandoned: {delay: 72h}}
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from acd.pacing import Blending, CampaignSpec, Priors, rule_set
from acd.pacing.errors import CampaignInvalid as PacingInvalid
from cti.campaigns.errors import CampaignNotValid
from cti.config import Config
from cti.numbers import NumberRefused, NumberType, parse
from cti.yaml_files import describe

MODES = ("preview", "progressive", "predictive", "agentless")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Outcomes that may be retried, as the retry rules name them.
RETRY_OUTCOMES = ("no_answer", "busy", "congestion", "machine", "failed", "abandoned",
                  "skipped")
_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
#: Names the API's paths use (/api/v1/campaigns/board, /api/v1/campaigns/previews/...).
RESERVED_NAMES = frozenset({"board", "previews"})
_SOUND = r"^[A-Za-z0-9/_-]+$"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def _seconds(value: Any) -> Any:
    """``90``, ``"90s"``, ``"30m"``, ``"2h"``, ``"3d"`` -> seconds."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(f"{value!r} is not a duration: write seconds (90) or a number "
                             "with s, m, h or d (30m, 2h, 3d)")
        return float(m.group(1)) * _UNITS[m.group(2) or "s"]
    return value


Duration = Annotated[float, BeforeValidator(_seconds), Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Model):
    """When contacts may be called, in each contact's local time (the zones of its
    number; a number in several zones only when all of them are open)."""

    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = \
        ["mon", "tue", "wed", "thu", "fri"]
    hours: list[str] = Field(default=["09:00-21:00"], min_length=1)
    holidays: list[date] = []
    #: The zone of a number phonenumbers places nowhere (None: hours.yaml's zone).
    default_zone: str | None = None

    @field_validator("hours")
    @classmethod
    def _spans(cls, spans: list[str]) -> list[str]:
        for span in spans:
            parse_span(span)
        return spans

    @field_validator("default_zone")
    @classmethod
    def _zone(cls, zone: str | None) -> str | None:
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{zone!r} is not a time zone such as Europe/Madrid") \
                    from None
        return zone


def parse_span(span: str) -> tuple[time, time]:
    """``"09:00-21:00"`` -> (09:00, 21:00); ``24:00`` ends a day."""
    m = re.fullmatch(r"\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*", span)
    if m is None:
        raise ValueError(f"{span!r} is not a span of hours like 09:00-21:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2) or \
            (h1, m1) >= (h2, m2):
        raise ValueError(f"{span!r}: the start must be a time before the end "
                         "(00:00 to 24:00)")
    return time(h1, m1), (time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2))


class RetryRule(_Model):
    """After an attempt with this outcome: wait ``delay``, at most ``max_attempts``
    attempts that ended so (0: never again)."""

    delay: Duration = 3600.0
    max_attempts: int = Field(3, ge=0, le=100)


class Retries(_Model):
    no_answer: RetryRule = RetryRule(delay=7200, max_attempts=3)
    busy: RetryRule = RetryRule(delay=600, max_attempts=5)
    congestion: RetryRule = RetryRule(delay=300, max_attempts=5)
    machine: RetryRule = RetryRule(delay=14400, max_attempts=2)
    failed: RetryRule = RetryRule(delay=1800, max_attempts=2)
    #: A person answered and no agent came in time (dropped): ``delay`` is the lockout
    #: before the number is dialled again (Ofcom: 72 hours).
    abandoned: RetryRule = RetryRule(delay=72 * 3600, max_attempts=2)
    #: Preview: the agent skipped the contact (or let the preview time out).
    skipped: RetryRule = RetryRule(delay=3600, max_attempts=3)
    #: Attempts of a contact in all, whatever their outcomes.
    max_attempts: int = Field(6, ge=1, le=100)


class Amd(_Model):
    """Answering-machine detection (Asterisk's AMD() in [cti-amd])."""

    enabled: bool = True
    on_machine: Literal["hangup", "message"] = "hangup"
    #: The sound left on a machine after its greeting (on_machine: message).
    message: str | None = Field(None, pattern=_SOUND)

    @model_validator(mode="after")
    def _message_named(self) -> Amd:
        if self.on_machine == "message" and not self.message:
            raise ValueError("on_machine: message needs message: the sound to leave "
                             "(e.g. campaign-renewals-message)")
        return self


class Preview(_Model):
    """Preview mode: the agent sees the contact first, then dials or skips."""

    timeout: Duration = Field(30.0, gt=0, le=3600)
    on_timeout: Literal["dial", "skip"] = "skip"


class BlendingSettings(_Model):
    slow_after: Duration = 10.0
    stop_after: Duration = 30.0


class Pacing(_Model):
    """The pacer's settings (docs/pacing.md); the defaults suit most campaigns."""

    line_risk: float | None = Field(None, ge=0, lt=1)
    target_rate: float | None = Field(None, gt=0, lt=1)
    no_answer_timeout: Duration = Field(25.0, gt=0, le=120)
    max_lines: int | None = Field(None, ge=1)
    max_lines_per_agent: float = Field(3.0, gt=0, le=20)
    when_spent: Literal["stop", "progressive"] = "stop"
    #: Inbound first: while callers of the agents' other queues wait this long,
    #: slow down, then stop; null: the agents take no inbound calls.
    blending: BlendingSettings | None = BlendingSettings()
    answer_rate: float = Field(0.30, gt=0, lt=1)     # priors, until measured
    talk_time: Duration = Field(240.0, gt=0)
    #: Agentless: calls started per second at most.
    calls_per_second: float = Field(2.0, gt=0, le=100)


class CampaignDefinition(_Model):
    name: str = Field(pattern=_NAME)
    description: str = ""
    mode: Literal["preview", "progressive", "predictive", "agentless"] = "progressive"
    #: The ACD queue the answered calls wait in; its agents work the campaign.
    queue: str | None = None
    #: Agentless: the IVR flow played to whoever answers.
    flow: str | None = None
    #: The number presented; must ring this centre (ivr.numbers or
    #: outbound.inbound_numbers of cti.yaml) so people can call back.
    caller_id: str
    caller_name: str = Field("", max_length=40, pattern=r"^[A-Za-z0-9 .,&'()-]*$")
    #: US or UK; null: outbound.rules of cti.yaml.
    rules: Literal["US", "UK"] | None = None
    amd_false_positive_rate: float | None = Field(None, ge=0, lt=1)
    abandon_message: str | None = Field(None, pattern=_SOUND)
    window: Window = Window()
    retries: Retries = Retries()
    amd: Amd = Amd()
    preview: Preview = Preview()
    pacing: Pacing = Pacing()
    #: Lines in flight at most for this campaign (trunks); null: no cap of its own.
    max_lines: int | None = Field(None, ge=1)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_NAMES:
            raise ValueError(f"{name!r} is a word of the API; pick another name")
        return name

    @model_validator(mode="after")
    def _mode_needs(self) -> CampaignDefinition:
        if self.mode == "agentless":
            if not self.flow:
                raise ValueError("an agentless campaign needs flow: the IVR flow played to "
                                 "whoever answers")
        elif not self.queue:
            raise ValueError(f"a {self.mode} campaign needs queue: the ACD queue whose "
                             "agents take its calls")
        return self

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_PATTERNS = {
    _NAME: "must be a lower-case name of at most 40 characters: a letter or digit, then "
           "letters, digits, _ or -",
    _SOUND: "must be a sound file name: letters, digits, / _ or - (no extension)",
    r"^[A-Za-z0-9 .,&'()-]*$": "may hold letters, digits, spaces and . , & ' ( ) - only",
}


def parse_definition(raw: Any) -> CampaignDefinition:
    """Validate a definition on its own; raise ``CampaignNotValid`` (one line each)."""
    if not isinstance(raw, dict):
        raise CampaignNotValid(["a campaign definition must be a mapping of field: value"])
    try:
        return CampaignDefinition.model_validate(raw)
    except ValidationError as exc:
        raise CampaignNotValid(list(describe(exc, CampaignDefinition, _PATTERNS))) from None


def check_against(definition: CampaignDefinition, config: Config,
                  flows: set[str] | None = None) -> list[str]:
    """What the running configuration says is wrong with ``definition`` (empty: fine)."""
    problems: list[str] = []
    if definition.queue is not None and definition.queue not in config.queues:
        problems.append(f"queue: no queue named {definition.queue!r} in queues.yaml "
                        f"(queues: {', '.join(sorted(config.queues))})")
    if definition.flow is not None and flows is not None and definition.flow not in flows:
        problems.append(f"flow: no IVR flow named {definition.flow!r} "
                        f"(flows: {', '.join(sorted(flows))})")
    problems += caller_id_problems(definition.caller_id, config)
    rules = definition.rules or config.service.outbound.rules
    fp = amd_false_positives(definition, config)
    if rules == "UK" and fp is None:
        problems.append("amd_false_positive_rate: the UK rules count AMD false positives; "
                        "give your estimate (0.02 = 2 % of machine verdicts are people, 0 "
                        "without AMD), here or as outbound.amd_false_positive_rate")
    if not problems:
        try:
            pacing_spec(definition, config)
        except PacingInvalid as exc:
            problems.append(str(exc))
    return problems


def caller_id_problems(caller_id: str, config: Config) -> list[str]:
    """The caller id must be a valid number that rings this centre."""
    numbers = config.service.numbers
    try:
        number = parse(caller_id, numbers.default_region)
    except NumberRefused as exc:
        return [f"caller_id: {exc.detail}; present a number people can call back"]
    if number.type in (NumberType.PREMIUM_RATE, NumberType.SHARED_COST,
                       NumberType.PERSONAL_NUMBER):
        return [f"caller_id: {number.e164} is a {number.type.value} number; present a "
                "geographic, mobile or free number"]
    inbound = set(config.service.outbound.inbound_numbers) | set(config.service.ivr.numbers)
    known = set()
    for text in inbound:
        try:
            known.add(parse(text, numbers.default_region).e164)
        except NumberRefused:
            continue
    if number.e164 not in known:
        return [f"caller_id: {number.e164} does not ring this centre; present one of "
                f"ivr.numbers or outbound.inbound_numbers of cti.yaml "
                f"({', '.join(sorted(known)) or 'none is a full number'}), so whoever is "
                "called can call back"]
    return []


def caller_id_e164(definition: CampaignDefinition, config: Config) -> str:
    return parse(definition.caller_id, config.service.numbers.default_region).e164


def amd_false_positives(definition: CampaignDefinition, config: Config) -> float | None:
    if definition.amd_false_positive_rate is not None:
        return definition.amd_false_positive_rate
    if not definition.amd.enabled:
        return 0.0
    return config.service.outbound.amd_false_positive_rate


def pacing_spec(definition: CampaignDefinition, config: Config) -> CampaignSpec:
    """The pacer's view of the campaign (agentless campaigns are not paced by it)."""
    p = definition.pacing
    rules_name = definition.rules or config.service.outbound.rules
    fp = amd_false_positives(definition, config)
    rules = rule_set(rules_name, amd_false_positive_rate=fp) if rules_name == "UK" \
        else rule_set(rules_name)
    mode = "progressive" if definition.mode == "agentless" else definition.mode
    max_lines = min((n for n in (p.max_lines, definition.max_lines) if n is not None),
                    default=None)
    return CampaignSpec(
        definition.name, mode=mode, rules=rules, line_risk=p.line_risk,
        target_rate=p.target_rate, no_answer_timeout=p.no_answer_timeout,
        preview_time=definition.preview.timeout, max_lines=max_lines,
        max_lines_per_agent=p.max_lines_per_agent, when_spent=p.when_spent,
        blending=None if p.blending is None else Blending(p.blending.slow_after,
                                                          p.blending.stop_after),
        priors=Priors(answer_rate=p.answer_rate, talk_time=p.talk_time,
                      machine_rate=0.05 if definition.amd.enabled else 0.0))
