"""The API's messages as pydantic models: what handlers validate and what the
OpenAPI document (cti/api/openapi.py) is generated from. Field names are API.

Free text goes through ``Line`` (one line, 200 characters) or ``Text`` (4,000,
newlines kept): NUL refused, control characters removed (cti/api/text.py).
Every model forbids unknown fields, so a typo is an error, not a silent no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from cti.api import text
from cti.api.policy import SCOPES

_NAME = r"^[a-z0-9][a-z0-9_.-]*$"
_ENDPOINT = r"^[A-Za-z0-9]+/[A-Za-z0-9@._:+/-]+$"


def _line(value: str) -> str:
    return text.clean_line(value)


def _text(value: str) -> str:
    return text.clean_text(value)


def _short(value: str) -> str:
    return text.clean_line(value, 64)


Line = Annotated[str, AfterValidator(_line)]
Text = Annotated[str, AfterValidator(_text)]
Code = Annotated[str, AfterValidator(_short), Field(min_length=1)]
AgentId = Annotated[str, Field(pattern=_NAME, max_length=64)]
QueueName = Annotated[str, Field(pattern=_NAME, max_length=64)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Endpoint = Annotated[str, Field(pattern=_ENDPOINT, max_length=128)]
Number = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^\+?[0-9 ()./-]+$")]
UserId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.@-]{0,63}$")]
Scope = Literal["agents:read", "queues:read", "calls:read", "calls:dial", "cases:read",
                "cases:write", "customers:read", "customers:write", "events:subscribe",
                "admin"]
assert set(Scope.__args__) == SCOPES  # type: ignore[attr-defined]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def examples(*items: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(items)})


class OnBehalf(Model):
    """``by``: whom an admin (or the local ``cti`` command) acts for; others may not name
    anyone (the records name them)."""

    by: Code | None = None


# --- errors and sessions ----------------------------------------------------------------


class ErrorOut(Model):
    model_config = examples({"error": "forbidden", "message": "agent a1001 (user lucia) may "
                             "not act on agent a1002: agents act on their own state only"})
    error: str
    message: str


class LoginIn(Model):
    model_config = examples({"username": "lucia", "password": "correct horse battery"})
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class UserOut(Model):
    model_config = examples({"id": "lucia", "role": "agent", "agent_id": "a1001",
                             "name": "Lucia Fernandez", "queues": [], "units": []})
    id: str
    role: str
    agent_id: str | None = None
    name: str = ""
    queues: list[str] = []
    units: list[str] = []
    disabled: bool | None = None
    created_at: datetime | None = None


class TokenOut(Model):
    model_config = examples({"token": "cti1.eyJ1IjoibHVjaWEifQ.c2ln",
                             "expires_at": "2026-11-30T20:00:00.000Z",
                             "user": {"id": "lucia", "role": "agent", "agent_id": "a1001",
                                      "name": "Lucia Fernandez", "queues": [], "units": []}})
    token: str
    expires_at: str
    user: UserOut


class MeOut(Model):
    user: UserOut
    agent: dict[str, Any] | None = None


# --- users, keys, webhooks ----------------------------------------------------------------


class UserIn(Model):
    model_config = examples(
        {"id": "lucia", "role": "agent", "agent_id": "a1001", "name": "Lucia Fernandez",
         "password": "correct horse battery"},
        {"id": "carmen", "role": "supervisor", "agent_id": "s2001", "name": "Carmen Vidal",
         "queues": ["complaints", "vip"], "units": ["supervisors"],
         "password": "another long one"})
    id: UserId
    role: Literal["agent", "supervisor", "admin"]
    name: Line = ""
    agent_id: AgentId | None = None
    queues: list[QueueName] = []
    units: list[Annotated[str, Field(pattern=_NAME, max_length=64)]] = []
    password: Annotated[str, Field(min_length=8, max_length=1024)]


class UserPatch(Model):
    model_config = examples({"queues": ["complaints"], "disabled": False})
    name: Line | None = None
    role: Literal["agent", "supervisor", "admin"] | None = None
    agent_id: AgentId | None = None
    queues: list[QueueName] | None = None
    units: list[Annotated[str, Field(pattern=_NAME, max_length=64)]] | None = None
    disabled: bool | None = None


class PasswordIn(Model):
    model_config = examples({"password": "a new long password",
                             "current_password": "the old one"})
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    current_password: Annotated[str, Field(max_length=1024)] | None = None


class ApiKeyIn(Model):
    model_config = examples({"name": "crm", "scopes": ["customers:read", "cases:read"]})
    name: Annotated[Line, Field(min_length=1)]
    scopes: Annotated[list[Scope], Field(min_length=1)]


class ApiKeyOut(Model):
    id: str
    name: str
    scopes: list[str]
    created_by: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    key: str | None = None   #: only in the answer that created it


class WebhookIn(Model):
    model_config = examples({"url": "https://crm.example.com/cti",
                             "events": ["call.offered", "call.ended"]})
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
    events: Annotated[list[Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z_]+$|^\*$")]],
                      Field(min_length=1, max_length=100)]


class WebhookOut(Model):
    id: str
    url: str
    events: list[str]
    created_by: str | None = None
    created_at: datetime
    failing: bool
    failures: int
    delivered: int
    dropped: int
    queued: int = 0
    last_error: str | None = None
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None
    secret: str | None = None   #: only in the answer that created it


class AuditOut(Model):
    id: int | None
    at: datetime
    actor: str
    role: str | None
    address: str | None
    via: str
    command: str
    target: str | None
    args: dict[str, Any]
    ok: bool
    error: str | None = None
    message: str | None = None


# --- commands ---------------------------------------------------------------------------


class CommandIn(Model):
    """A command over REST; over the socket the same with ``"type": "command"``."""

    model_config = examples({"id": "c-41", "name": "agent.pause", "args": {"reason": "lunch"}})
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=64)]
    args: dict[str, Any] = {}


class CommandError(Model):
    code: str
    message: str


class ReplyOut(Model):
    model_config = examples(
        {"type": "reply", "id": "c-41", "ok": True,
         "result": {"agent_id": "a1001", "state": "NOT_READY", "reason": "lunch"}},
        {"type": "reply", "id": "c-42", "ok": False,
         "error": {"code": "forbidden", "message": "..."}})
    type: Literal["reply"] = "reply"
    id: str
    ok: bool
    result: Any = None
    error: CommandError | None = None


class AgentArgs(Model):
    model_config = examples({}, {"agent_id": "a1002"})
    agent_id: AgentId | None = None


class PauseArgs(AgentArgs):
    model_config = examples({"reason": "lunch"})
    reason: Code | None = None


class EndpointArgs(AgentArgs):
    model_config = examples({"endpoint": "PJSIP/hotdesk-1"}, {"endpoint": None})
    endpoint: Endpoint | None


class SkillsArgs(Model):
    model_config = examples({"agent_id": "a1002", "skills": {"vip": 5, "english": 8}})
    agent_id: AgentId
    skills: dict[Annotated[str, Field(pattern=_NAME, max_length=64)],
                 Annotated[int, Field(ge=1, le=10)]]


class CallArgs(Model):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11"})
    interaction_id: Id


class Target(Model):
    """Exactly one of agent, queue, number."""

    agent: AgentId | None = None
    queue: QueueName | None = None
    number: Number | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        if sum(x is not None for x in (self.agent, self.queue, self.number)) != 1:
            raise ValueError("name exactly one of agent, queue or number")
        return self


class TransferArgs(CallArgs):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11",
                             "to": {"queue": "billing"}})
    to: Target


class EscalateArgs(CallArgs):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11",
                             "reason": "wants a manager", "queue": "complaints"})
    reason: Annotated[Line, Field(min_length=1)]
    queue: QueueName | None = None   #: the supervisors' queue the call moves to


class DialArgs(Model):
    model_config = examples({"number": "+34600111222"},
                            {"number": "+34600111222", "agent_id": "a1001"})
    number: Number
    agent_id: AgentId | None = None   #: whose phone rings first (default: the user's own)
    queue: QueueName | None = None    #: the queue the outbound call counts in


class Classification(Model):
    topic: Line | None = None
    reason: Line | None = None
    sub_reason: Line | None = None
    question: Line | None = None


class WrapUpArgs(CallArgs):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11",
                             "disposition": "sold", "notes": "booked two nights",
                             "classification": {"topic": "bookings"},
                             "call_type": "request"})
    disposition: Code | None = None
    agent_id: AgentId | None = None   #: whose wrap-up (default: the user's own agent)
    classification: Classification | None = None
    call_type: Code | None = None
    notes: Text | None = None
    follow_up: datetime | None = None


class CallbackArgs(Model):
    model_config = examples({"number": "+34600111222", "at": "2026-12-01T09:00:00+01:00",
                             "queue": "bookings"})
    number: Number
    at: datetime
    queue: QueueName | None = None    #: default: the queue of interaction_id
    agent_id: AgentId | None = None   #: only this agent makes it
    note: Text | None = None
    interaction_id: Id | None = None


class ReviewArgs(CallArgs):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11",
                             "form": "standard", "comment": "good closing",
                             "scores": {"greeting": 5, "understanding": 4, "solution": 8,
                                        "closing": 5}})
    form: Code
    scores: dict[Annotated[str, Field(max_length=64)], Annotated[int, Field(ge=0, le=100)]]
    comment: Text | None = None


class QueueArgs(Model):
    model_config = examples({"queue": "bookings"})
    queue: QueueName


class ModeArgs(Model):
    model_config = examples({"mode": "night"},
                            {"mode": "emergency", "message": "Flooding: service limited"})
    mode: Literal["normal", "night", "emergency"]
    message: Line | None = None


class NoArgs(Model):
    model_config = examples({})


class CallbackIdArgs(Model):
    model_config = examples({"callback_id": "5d2f0c1e-0000-4000-8000-000000000009"})
    callback_id: Id


class MessageArgs(Model):
    model_config = examples({"text": "Team meeting at 15:00", "queue": "bookings"},
                            {"text": "Systems back to normal", "all": True})
    text: Annotated[Text, Field(min_length=1, max_length=1000)]
    agents: list[AgentId] | None = None
    queue: QueueName | None = None
    all: bool = False

    @model_validator(mode="after")
    def _one(self) -> MessageArgs:
        if sum((self.agents is not None, self.queue is not None, self.all)) != 1:
            raise ValueError("name exactly one of agents, queue or all")
        return self


class CaseNoteArgs(OnBehalf):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "text": "Customer will send the invoice"})
    case_id: Id
    text: Annotated[Text, Field(min_length=1)]
    interaction_id: Id | None = None


class CaseAttachArgs(OnBehalf):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "upload_id": "u-5f2c9a"})
    case_id: Id
    upload_id: Id


class CaseDeriveArgs(OnBehalf):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "unit": "finance", "reason": "refund over 500 EUR"})
    case_id: Id
    unit: Annotated[str, Field(pattern=_NAME, max_length=64)]
    reason: Annotated[Text, Field(min_length=1)]


class CaseStatusArgs(OnBehalf):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "status": "closed", "resolution": "refund issued"})
    case_id: Id
    status: Literal["open", "pending", "closed"]
    resolution: Text | None = None


# --- REST bodies of resources ----------------------------------------------------------


class ReasonIn(Model):
    model_config = examples({}, {"reason": "lunch"})
    reason: Code | None = None


class EndpointIn(Model):
    model_config = examples({"endpoint": "PJSIP/hotdesk-1"})
    endpoint: Endpoint | None


def _levels_inside(value: Any) -> Any:
    """Accept the four levels at the top of the body too (``{"topic": ...}``)."""
    if isinstance(value, dict) and "classification" not in value and any(
            k in value for k in ("topic", "reason", "sub_reason", "question")):
        levels = {k: value[k] for k in ("topic", "reason", "sub_reason", "question")
                  if k in value}
        rest = {k: v for k, v in value.items() if k not in levels}
        return {**rest, "classification": levels}
    return value


class CaseOpenIn(OnBehalf):
    model_config = examples({"customer_id": "77b2c3d4-0000-4000-8000-000000000002",
                             "classification": {"topic": "bookings"}, "subject": "Refund"})
    customer_id: Id | None = None
    classification: Classification | None = None
    call_type: Code | None = None
    unit: Code | None = None
    owner: Code | None = None
    subject: Line | None = None
    interaction_id: Id | None = None

    _flat = model_validator(mode="before")(_levels_inside)


class NoteIn(OnBehalf):
    model_config = examples({"text": "Called back, no answer"})
    text: Annotated[Text, Field(min_length=1)]
    interaction_id: Id | None = None


class DeriveIn(OnBehalf):
    model_config = examples({"unit": "finance", "reason": "refund over 500 EUR"})
    unit: Code
    reason: Annotated[Text, Field(min_length=1)]


class AnswerIn(OnBehalf):
    model_config = examples({"answer": "refund approved"})
    answer: Annotated[Text, Field(min_length=1)]


class StatusIn(OnBehalf):
    model_config = examples({"status": "closed", "resolution": "solved on the phone"})
    status: Literal["open", "pending", "closed"]
    resolution: Text | None = None


class ClassifyIn(OnBehalf):
    model_config = examples({"classification": {"topic": "bookings", "reason": "changes"},
                             "call_type": "request"})
    classification: Classification | None = None
    call_type: Code | None = None

    _flat = model_validator(mode="before")(_levels_inside)


class LinkIn(OnBehalf):
    model_config = examples({"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11"})
    interaction_id: Id


class AssignIn(OnBehalf):
    model_config = examples({"unit": "complaints", "owner": "a1005"})
    unit: Code | None = None
    owner: Code | None = None


class FollowUpIn(OnBehalf):
    model_config = examples({"at": "2026-12-01T09:00:00+01:00"}, {"at": None})
    at: datetime | None


class CustomerRefIn(OnBehalf):
    model_config = examples({"customer_id": "77b2c3d4-0000-4000-8000-000000000002"})
    customer_id: Id


class CustomerIn(OnBehalf):
    model_config = examples({"name": "Ana Ruiz", "phones": ["+34600111222"],
                             "account_number": "ES-1001", "tier": "gold"})
    name: Annotated[Line, Field(min_length=1)]
    account_number: Code | None = None
    document: Code | None = None
    tier: Code = "standard"
    phones: Annotated[list[Number], Field(max_length=20)] = []
    attributes: dict[str, Any] = {}
    value: float | None = None


class CustomerPatchIn(OnBehalf):
    model_config = examples({"tier": "vip", "phones": ["+34600111222", "+34910000001"]})
    name: Line | None = None
    account_number: Code | None = None
    document: Code | None = None
    tier: Code | None = None
    phones: Annotated[list[Number], Field(max_length=20)] | None = None
    attributes: dict[str, Any] | None = None
    value: float | None = None


class ReviewIn(Model):
    model_config = examples({"form": "standard", "scores": {"greeting": 5, "understanding": 4,
                                                            "solution": 8, "closing": 5}})
    form: Code
    scores: dict[Annotated[str, Field(max_length=64)], Annotated[int, Field(ge=0, le=100)]]
    comment: Text | None = None


# --- the socket -------------------------------------------------------------------------


class Resume(Model):
    epoch: Annotated[str, Field(max_length=64)]
    seq: Annotated[int, Field(ge=0)]


class AuthMessage(Model):
    model_config = examples({"type": "auth", "token": "cti1.eyJ1IjoibHVjaWEifQ.c2ln",
                             "resume": {"epoch": "9f4c2a", "seq": 1841}})
    type: Literal["auth"]
    token: Annotated[str, Field(max_length=4096)]
    resume: Resume | None = None


class CommandMessage(CommandIn):
    model_config = examples({"type": "command", "id": "c-41", "name": "call.hold",
                             "args": {"interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11"}})
    type: Literal["command"]


# --- case and customer commands that REST routes also run -----------------------------


class CaseOpenArgs(CaseOpenIn):
    model_config = examples({"customer_id": "77b2c3d4-0000-4000-8000-000000000002",
                             "classification": {"topic": "bookings"}})


class CaseAnswerArgs(AnswerIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "derivation_id": "d1e2f3a4-0000-4000-8000-000000000003",
                             "answer": "refund approved"})
    case_id: Id
    derivation_id: Id


class CaseClassifyArgs(ClassifyIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "classification": {"topic": "bookings"}})
    case_id: Id


class CaseLinkArgs(LinkIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "interaction_id": "0d5e3c8e-6f3a-4c1e-9a57-1f0b8e2a4d11"})
    case_id: Id


class CaseAssignArgs(AssignIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "unit": "complaints"})
    case_id: Id


class CaseFollowUpArgs(FollowUpIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "at": "2026-12-01T09:00:00+01:00"})
    case_id: Id


class CaseCustomerArgs(CustomerRefIn):
    model_config = examples({"case_id": "c0a1d2e3-0000-4000-8000-000000000001",
                             "customer_id": "77b2c3d4-0000-4000-8000-000000000002"})
    case_id: Id


class CustomerCreateArgs(CustomerIn):
    pass


class CustomerUpdateArgs(CustomerPatchIn):
    model_config = examples({"customer_id": "77b2c3d4-0000-4000-8000-000000000002",
                             "tier": "vip"})
    customer_id: Id


# --- workforce management (cti/api/routes/wfm.py): answers only ----------------------

_FIT_EXAMPLE: dict[str, Any] = {
    "queue": "billing", "channel": "voice", "start": "2026-12-01", "days": 1,
    "interval_minutes": 30, "timezone": "Europe/Madrid", "method": "mstl",
    "backtest": {"queue": "billing", "chosen": "mstl", "origins": ["2026-11-03"],
                 "horizon_days": 7, "train_days": 84,
                 "scores": [{"method": "mstl", "wape": 0.205, "wapes": [0.205],
                             "seconds": 0.61}]},
    "history": {"from": "2026-08-11", "to": "2026-12-01", "days": 112, "contacts": 81230},
    "patience": 94.2, "fitted_at": "2026-12-01T07:00:02.512Z", "fit_seconds": 3.8,
    "cached": False}


class FitOut(Model):
    """What every forecast answer says about the fit it comes from."""

    queue: str
    channel: str
    start: str                     #: first day forecast, the centre's local date
    days: int
    interval_minutes: int
    timezone: str                  #: hours.yaml: intervals are local wall-clock slots
    method: str                    #: the method used (auto: the backtest's choice)
    backtest: dict[str, Any] | None
    history: dict[str, Any]        #: from, to (local days), days, contacts
    patience: float | None         #: callers' mean patience, seconds
    fitted_at: str
    fit_seconds: float
    cached: bool                   #: kept from an earlier request (no new fit)


class ForecastInterval(Model):
    date: str
    weekday: str
    interval: str                  #: local start, "09:30"
    calls: float
    aht: float
    holiday: str


class ForecastOut(FitOut):
    model_config = examples({**_FIT_EXAMPLE, "intervals": [
        {"date": "2026-12-01", "weekday": "tue", "interval": "09:00", "calls": 41.5,
         "aht": 212.0, "holiday": ""}]})
    intervals: list[ForecastInterval]


class StaffInterval(Model):
    date: str
    weekday: str
    interval: str
    calls: float
    aht: float
    agents: int
    scheduled: int
    service_level: float           #: percent
    asa: float | None
    abandon_rate: float | None     #: percent (Erlang A)
    occupancy: float               #: percent


class StaffingOut(FitOut):
    model_config = examples({**_FIT_EXAMPLE, "model": "erlang-a", "target_seconds": 30.0,
                             "target_level": 80.0, "max_occupancy": 85.0, "shrinkage": 30.0,
                             "intervals": [{"date": "2026-12-01", "weekday": "tue",
                                            "interval": "09:00", "calls": 41.5, "aht": 212.0,
                                            "agents": 7, "scheduled": 10,
                                            "service_level": 84.1, "asa": 9.8,
                                            "abandon_rate": 2.1, "occupancy": 69.9}]})
    model: Literal["erlang-a", "erlang-c"]
    target_seconds: float
    target_level: float
    max_occupancy: float
    shrinkage: float
    intervals: list[StaffInterval]


class IntradayOut(FitOut):
    model_config = examples({**_FIT_EXAMPLE, "elapsed": 2, "forecast": [0.0, 1.5, 4.0, 6.0],
                             "actual": [0.0, 3.0], "reforecast": [0.0, 3.0, 4.24, 6.36],
                             "ratio": 1.0598, "forecast_so_far": 1.5, "actual_so_far": 3.0,
                             "forecast_total": 11.5, "expected_total": 13.6,
                             "now": "2026-12-01T00:05:00.000Z", "date": "2026-12-01",
                             "labels": ["00:00", "00:30", "01:00", "01:30"], "current": 1})
    elapsed: int                   #: intervals of today already over
    forecast: list[float]          #: every interval of the day, as fitted this morning
    actual: list[float]            #: contacts offered in the intervals over
    reforecast: list[float]        #: actual where over, the forecast scaled by ratio after
    ratio: float
    forecast_so_far: float
    actual_so_far: float
    forecast_total: float
    expected_total: float
    now: str
    date: str
    labels: list[str]              #: local start of each interval
    current: int | None            #: contacts so far in the interval under way
