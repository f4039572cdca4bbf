"""IVR flows as pydantic models: one YAML file a flow, steps keyed by id.

```yaml
start: welcome
steps:
  welcome: {type: play, prompts: [cti-welcome], next: menu}
  menu:
    type: menu
    prompt: cti-main-menu
    options: {"1": bookings, "2": billing}
    on_fail: general
```

Values in prompts, URLs, targets and ``set`` may name variables as ``${name}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cti.reports.definitions import SURVEY_SCALES

StepId = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Prompts = list[str]

#: Step types that wait for the caller's digits (a loop through one is not endless).
INPUT_KINDS = frozenset({"menu", "input", "survey"})
#: Step types that end the flow.
TERMINAL_KINDS = frozenset({"queue", "transfer", "voicemail", "callback", "hangup", "goto"})

_DIGITS = re.compile(r"^[0-9*#]$")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Step(_Model):
    description: str = ""


class PlayStep(_Step):
    """Play prompts; ``interruptible`` lets a digit skip the rest."""

    type: Literal["play"]
    prompts: Prompts = Field(min_length=1)
    interruptible: bool = False
    next: StepId

    _list = field_validator("prompts", mode="before")(_as_list)


class MenuStep(_Step):
    """Play a prompt, read one digit, go to the step of that digit."""

    type: Literal["menu"]
    prompt: Prompts = Field(min_length=1)
    options: dict[str, StepId] = {}
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=10)
    invalid_prompt: str | None = "cti-invalid-option"
    timeout_prompt: str | None = "cti-no-input"
    on_fail: StepId | None = None      # after the last retry; required (checked by validate)

    _list = field_validator("prompt", mode="before")(_as_list)

    @field_validator("options", mode="before")
    @classmethod
    def _digit_keys(cls, options: Any) -> Any:
        if isinstance(options, dict):
            bad = [str(k) for k in options if not _DIGITS.match(str(k))]
            if bad:
                raise ValueError(f"option keys must be one of 0-9 * #, not {bad}")
            return {str(k): v for k, v in options.items()}
        return options


class InputStep(_Step):
    """Collect digits (an account, a booking reference) into ``var``."""

    type: Literal["input"]
    prompt: Prompts = Field(min_length=1)
    var: VarName
    max_digits: int = Field(alias="digits", ge=1, le=32)
    min_digits: int = Field(1, ge=1, le=32)
    pattern: str | None = None          # a regular expression the whole entry must match
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=10)
    invalid_prompt: str | None = "cti-invalid-entry"
    timeout_prompt: str | None = "cti-no-input"
    next: StepId
    on_fail: StepId | None = None

    _list = field_validator("prompt", mode="before")(_as_list)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return pattern


class LookupStep(_Step):
    """Find the customer by caller number or by a variable (an entered account or
    document number). The call carries the customer from then on.

    Sets customer_found, customer_id, customer_name, customer_tier,
    customer_value, customer_open_cases and customer_attr_<name>.
    """

    type: Literal["lookup"]
    by: Literal["caller", "account", "document"] = "caller"
    var: VarName | None = None          # by: account or document -> the variable holding it
    found: StepId
    not_found: StepId

    @model_validator(mode="after")
    def _var_for_account(self) -> LookupStep:
        if self.by != "caller" and self.var is None:
            raise ValueError(f"by: {self.by} needs var: the variable holding the "
                             f"{self.by} number")
        return self


class CaseStep(_Step):
    """The call's case: link it to the customer's open case of the same topic
    (``link_open``), or open one now (``open: now``) or when an agent answers
    (``open: answer``, the default: a call abandoned in the queue opens none).
    An improper call (``call_type: improper``) gets a case closed at once.

    Sets case_id (empty while the case waits for the answer) and case_linked
    ("1" when an open case was found).
    """

    type: Literal["case"]
    link_open: bool = True
    open: Literal["answer", "now"] = "answer"
    topic: str | None = None            # default: the topic the call is classified with
    call_type: Literal["perfect", "imperfect", "improper", "extraordinary"] | None = None
    next: StepId


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Condition(_Model):
    """All the given tests must hold. ``any``/``all`` nest conditions."""

    var: VarName | None = None
    eq: str | int | float | bool | None = None
    ne: str | int | float | bool | None = None
    in_: list[str | int] | None = Field(None, alias="in")
    not_in: list[str | int] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    matches: str | None = None
    is_set: bool | None = None
    open: bool | None = None             # within business hours (config/hours.yaml)
    holiday: bool | None = None          # today is a holiday
    time: str | None = Field(None, pattern=r"^\d\d:\d\d-\d\d:\d\d$")  # local "HH:MM-HH:MM"
    days: list[Day] | None = None
    any: list[Condition] | None = None
    all: list[Condition] | None = None

    @model_validator(mode="after")
    def _var_tests_need_var(self) -> Condition:
        var_tests = [self.eq, self.ne, self.in_, self.not_in, self.gt, self.gte, self.lt,
                     self.lte, self.matches, self.is_set]
        if self.var is None and any(t is not None for t in var_tests):
            raise ValueError("a comparison (eq, in, gt, ...) needs var: the variable to test")
        if self.var is not None and all(t is None for t in var_tests):
            raise ValueError(f"var {self.var!r} has no test: add eq, in, gt, is_set, ...")
        return self

    def variables(self) -> set[str]:
        names = {self.var} if self.var else set()
        for sub in (self.any or []) + (self.all or []):
            names |= sub.variables()
        return names


class BranchCase(_Model):
    when: Condition
    goto: StepId


class BranchStep(_Step):
    """The first case whose condition holds chooses the next step; else ``default``."""

    type: Literal["branch"]
    cases: list[BranchCase] = Field(min_length=1)
    default: StepId


class SetStep(_Step):
    """Set variables, the call's classification (for reports), priority and skills."""

    type: Literal["set"]
    vars: dict[VarName, str | int | float | bool] = {}
    topic: str | None = None
    reason: str | None = None
    sub_reason: str | None = None
    question: str | None = None
    call_type: str | None = None
    priority: int | None = Field(None, ge=0, le=100)
    skills: dict[str, int] | None = None     # added to (or replacing levels of) the call's
    next: StepId


class SayItem(_Model):
    """Exactly one of number, digits, amount, date, alpha, prompt (may use ${var})."""

    number: str | int | None = None
    digits: str | int | None = None
    amount: str | float | None = None       # "12.50": 12 <currency> 50 <cents>
    date: str | int | None = None           # YYYY-MM-DD or epoch seconds
    alpha: str | None = None
    prompt: str | None = None
    currency: str = "dollars"
    cents: str = "cents"

    @model_validator(mode="after")
    def _exactly_one(self) -> SayItem:
        given = [k for k in ("number", "digits", "amount", "date", "alpha", "prompt")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of number, digits, amount, date, alpha, prompt")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("number", "digits", "amount", "date", "alpha", "prompt")
                    if getattr(self, k) is not None)

    @property
    def value(self) -> str:
        return str(getattr(self, self.kind))


class SayStep(_Step):
    """Say numbers, digits, amounts, dates from variables (self-service answers)."""

    type: Literal["say"]
    items: list[SayItem] = Field(min_length=1)
    next: StepId


class HttpStep(_Step):
    """Call a business web service; map its JSON answer to variables."""

    type: Literal["http"]
    url: str = Field(pattern=r"^(https?://|\$\{)")  # or starts with a ${var}
    method: Literal["GET", "POST"] = "GET"
    body: dict[str, Any] | None = None        # POST JSON; strings may use ${var}
    headers: dict[str, str] = {}
    timeout: float = Field(3.0, gt=0, le=30)
    map: dict[VarName, str] = {}              # variable -> dotted path in the JSON answer
    next: StepId
    on_error: StepId                          # timeout, refused, non-2xx, not JSON


class QueueStep(_Step):
    """Hand the call to the ACD; the dialplan then parks the caller in cti-hold."""

    type: Literal["queue"]
    queue: str
    skills: dict[str, int] | None = None      # adds to what set steps gave
    priority: int | None = Field(None, ge=0, le=100)
    prompt: str | None = None


class TransferStep(_Step):
    """Send the caller elsewhere: ``target``, an inside Dial string (``PJSIP/2001``,
    ``Local/2001@internal``), or ``number``, an outside number dialled through the
    trunk of cti.yaml. Values from variables may hold only letters, digits and
    ``_ . + -``; a refused target goes to ``on_invalid`` (default: cti-fallback)."""

    type: Literal["transfer"]
    target: str | None = Field(None, min_length=1)
    number: str | None = Field(None, min_length=1)
    prompt: str | None = None
    on_invalid: StepId | None = None

    @model_validator(mode="after")
    def _target_or_number(self) -> TransferStep:
        if (self.target is None) == (self.number is None):
            raise ValueError("give target (an inside dial string such as PJSIP/2001) or "
                             "number (an outside number, dialled through the trunk)")
        return self


class VoicemailStep(_Step):
    type: Literal["voicemail"]
    mailbox: str = Field(pattern=r"^\S+@\S+$")  # box@context
    prompt: str | None = None
    on_invalid: StepId | None = None          # a mailbox from variables that is refused


class CallbackStep(_Step):
    """Check the number to call back (cti.yaml numbers:), queue the callback; then hang
    up. A number that cannot be called back plays ``invalid_prompt`` and goes to
    ``on_invalid`` (required: voicemail, a queue, a hangup)."""

    type: Literal["callback"]
    queue: str
    number: str = "${caller_number}"
    prompt: str | None = "cti-callback-confirmed"
    invalid_prompt: str | None = "cti-callback-invalid"
    on_invalid: StepId | None = None


class SurveyStep(_Step):
    """Post-call CSAT (1-5), NPS (0-10) or CES (1-7) score, stored on the interaction
    (docs/reports.md defines the figures)."""

    type: Literal["survey"]
    kind: Literal["csat", "nps", "ces"] = "csat"
    prompt: Prompts = Field(min_length=1)
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(1, ge=0, le=10)
    invalid_prompt: str | None = "cti-invalid-entry"
    thanks_prompt: str | None = "cti-thank-you"
    next: StepId | None = None                # default: hang up

    _list = field_validator("prompt", mode="before")(_as_list)

    @property
    def scale(self) -> tuple[int, int]:
        return SURVEY_SCALES[self.kind]


class GotoStep(_Step):
    type: Literal["goto"]
    flow: str
    step: StepId | None = None                # default: the flow's start


class HangupStep(_Step):
    type: Literal["hangup"]
    prompt: str | None = None


Step = Annotated[
    PlayStep | MenuStep | InputStep | LookupStep | BranchStep | SetStep | SayStep | HttpStep
    | QueueStep | TransferStep | VoicemailStep | CallbackStep | SurveyStep | GotoStep
    | HangupStep | CaseStep,
    Field(discriminator="type"),
]


class Flow(_Model):
    """One IVR flow (one YAML file; its name is the file name without .yaml)."""

    description: str = ""
    start: StepId
    #: Defaults set when the flow starts, unless already set (e.g. a web service's base URL).
    vars: dict[VarName, str] = {}
    steps: dict[StepId, Step] = Field(min_length=1)


def successors(step: Any) -> dict[str, str]:
    """The steps one step can lead to, by field name (``options.1``, ``next``, ...)."""
    out: dict[str, str] = {}
    for name in ("next", "on_fail", "found", "not_found", "default", "on_error", "on_invalid"):
        target = getattr(step, name, None)
        if isinstance(target, str):
            out[name] = target
    if isinstance(step, MenuStep):
        out.update({f"options.{digit}": target for digit, target in step.options.items()})
    if isinstance(step, BranchStep):
        out.update({f"cases.{i}.goto": case.goto for i, case in enumerate(step.cases)})
    return out
