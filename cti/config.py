"""Every configuration file, as pydantic models, and the one loader.

A config directory holds four YAML files, each commented for sysadmins:

    cti.yaml     the service: AMI nodes, FastAGI and HTTP addresses, database, logs
    queues.yaml  queues: skills, strategy, timeouts, exits, service level, escalation
    agents.yaml  agents: endpoint, skills 1-10; pause reasons; desks (hot-desking)
    hours.yaml   business hours, holidays, time zone

and two optional ones (absent: empty) for cases (docs/cases.md):

    catalogue.yaml  the script catalogue: topics, reasons, sub-reasons, questions
    units.yaml      units that own cases and answer derivations, with their members

``load_config(directory)`` reads them, expands ``${ENV_VAR}`` references,
validates everything (each file, then what spans files: an agent serving an
unknown queue, an overflow to a missing queue) and raises ``ConfigError`` with
one line per problem: ``queues.yaml: queues[2].wrapup: Input should be ...``.
Secrets are ``SecretStr``: they never show in a repr, a log line or an error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from acd.specs import Strategy
from cti.errors import ConfigError
from cti.numbers import (
    DEFAULT_TYPES,
    CallbackLimiter,
    Dialling,
    NumberPolicy,
    NumberType,
    Trunk,
    dial_template_problem,
    known_region,
)
from cti.yaml_files import describe, read_yaml

FILES = ("cti.yaml", "queues.yaml", "agents.yaml", "hours.yaml")
OPTIONAL_FILES = ("catalogue.yaml", "units.yaml")

SkillLevel = Annotated[int, Field(ge=1, le=10)]
Seconds = Annotated[float, Field(ge=0)]
_NAME = r"^[a-z0-9][a-z0-9_.-]*$"
_MIME = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$", re.IGNORECASE)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- cti.yaml ---------------------------------------------------------------


#: Secrets shipped in examples or known as vendor defaults: never accepted.
PLACEHOLDER_SECRETS = frozenset({
    "", "change-me", "changeme", "change_me", "cti-secret", "secret", "password", "passw0rd",
    "amp111", "admin", "manager", "mysecret", "1234", "12345", "123456",
})


class AmiNode(_Model):
    name: str = Field("pbx1", pattern=_NAME)
    host: str = "127.0.0.1"
    port: int = Field(5038, ge=1, le=65535)
    username: str
    secret: SecretStr
    action_timeout: float = Field(5.0, gt=0)
    #: AMI over TLS (manager.conf tlsenable=yes, usually port 5039). The AMI client
    #: must connect with ``ssl_context()``.
    tls: bool = False
    #: The CA (PEM) that signed Asterisk's tlscertfile; None: the system's CAs.
    ca_file: Path | None = None

    @field_validator("secret")
    @classmethod
    def _not_a_placeholder(cls, secret: SecretStr) -> SecretStr:
        if secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "a placeholder, not a secret: set a long random secret for the account in "
                "manager.conf and export it as CTI_AMI_SECRET before starting the service")
        return secret

    @model_validator(mode="after")
    def _ca_needs_tls(self) -> AmiNode:
        if self.ca_file is not None and not self.tls:
            raise ValueError("ca_file is only used with tls: true")
        return self

    def ssl_context(self, directory: Path | None = None) -> ssl.SSLContext | None:
        """The TLS context to open this node's AMI connection with (None: plain TCP).

        Verifies Asterisk's certificate against ``ca_file`` (or the system's CAs) and
        that it names ``host``; TLS 1.2 at least. ``directory`` resolves a relative
        ``ca_file`` (the config directory).
        """
        if not self.tls:
            return None
        cafile = self.ca_file
        if cafile is not None and not cafile.is_absolute() and directory is not None:
            cafile = (directory / cafile).resolve()
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                             cafile=str(cafile) if cafile else None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


class Listen(_Model):
    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)


_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class AgiListen(Listen):
    """The FastAGI server; only Asterisk may connect to it."""

    #: Addresses, networks (10.0.0.0/24) or host names allowed to connect. None: the
    #: AMI nodes' hosts and the loopback addresses.
    allow: list[str] | None = None

    @field_validator("allow")
    @classmethod
    def _addresses(cls, allow: list[str] | None) -> list[str] | None:
        for entry in allow or []:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if not _HOSTNAME.match(entry):
                    raise ValueError(f"{entry!r} is not an address, a network such as "
                                     "10.0.0.0/24, or a host name") from None
        return allow


class Database(_Model):
    url: SecretStr = SecretStr("embedded")
    data_dir: Path = Path("../var/pgdata")  # relative paths: to the config directory
    min_connections: int = Field(1, ge=1)
    max_connections: int = Field(10, ge=1)

    @property
    def embedded(self) -> bool:
        return self.url.get_secret_value() == "embedded"

    @field_validator("url")
    @classmethod
    def _embedded_or_dsn(cls, url: SecretStr) -> SecretStr:
        value = url.get_secret_value()
        if value != "embedded" and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be 'embedded' or a DSN such as postgresql://user:pw@host/db")
        return url


class Dialplan(_Model):
    """Context names of dialplan/extensions_cti.conf, in case a site renames them."""

    hold_context: str = "cti-hold"
    connect_context: str = "cti-connect"
    voicemail_context: str = "cti-voicemail"
    transfer_context: str = "cti-transfer"
    outbound_context: str = "cti-outbound"
    fallback_context: str = "cti-fallback"
    held_context: str = "cti-held"
    agent_held_context: str = "cti-agent-held"
    consult_context: str = "cti-consult"
    closed_context: str = "cti-queue-closed"


class Ivr(_Model):
    flows_dir: Path = Path("../ivr_flows")  # relative to the config directory
    default_flow: str = "main"
    #: The flow of a new call by the number dialled (${EXTEN} of cti-inbound);
    #: a number not listed runs default_flow.
    numbers: dict[str, str] = {}
    #: The post-call survey (cti-survey runs it on the call's interaction).
    survey_flow: str = "survey"
    #: Seconds a caller may stay in cti-hold at most, whatever happens (then cti-fallback).
    hold_limit: float = Field(3600, gt=0)
    #: Hold steps in a row that did not run (the service unreachable) before cti-fallback.
    hold_failures: int = Field(15, ge=1, le=1000)

    @field_validator("numbers", mode="before")
    @classmethod
    def _numbers_as_text(cls, numbers: Any) -> Any:
        # YAML reads 900: main as an int key; the dialplan sends text
        if isinstance(numbers, dict):
            return {str(k): v for k, v in numbers.items()}
        return numbers

    @field_validator("numbers")
    @classmethod
    def _dialled_numbers(cls, numbers: dict[str, str]) -> dict[str, str]:
        for number in numbers:
            if not re.fullmatch(r"\+?[0-9*#]{1,20}", number):
                raise ValueError(f"{number!r}: a dialled number is digits, * or #, with an "
                                 "optional leading + (as ${EXTEN} arrives in cti-inbound)")
        return numbers


class Numbers(_Model):
    """Which outside numbers the service may dial (callbacks, click-to-dial, transfers)."""

    #: How to read numbers written without + (caller ids in national format).
    default_region: str = "ES"
    #: Countries whose numbers may be called; None: only default_region.
    allowed_countries: list[str] | None = None
    allowed_types: list[NumberType] = sorted(DEFAULT_TYPES)
    max_callbacks_per_hour: int = Field(3, ge=1, le=1000)

    @field_validator("default_region")
    @classmethod
    def _region(cls, region: str) -> str:
        if not known_region(region):
            raise ValueError(f"{region!r} is not a country code such as ES, GB, US")
        return region

    @field_validator("allowed_countries")
    @classmethod
    def _regions(cls, regions: list[str] | None) -> list[str] | None:
        for region in regions or []:
            if not known_region(region):
                raise ValueError(f"{region!r} is not a country code such as ES, GB, US")
        return regions

    def policy(self) -> NumberPolicy:
        return NumberPolicy(self.default_region, self.allowed_countries, self.allowed_types)


class TrunkConfig(_Model):
    """The one dial string every outside call leaves by (callbacks, click-to-dial,
    IVR transfers to outside numbers)."""

    dial: str = "PJSIP/${NUMBER}@trunk"
    number_format: Literal["e164", "national", "international"] = "e164"
    #: The trunk's country, for the national format; None: numbers.default_region.
    country: str | None = None
    international_prefix: str = Field("00", pattern=r"^[0-9]{1,4}$")

    @field_validator("dial")
    @classmethod
    def _one_destination(cls, dial: str) -> str:
        problem = dial_template_problem(dial)
        if problem:
            raise ValueError(problem)
        return dial

    @field_validator("country")
    @classmethod
    def _region(cls, region: str | None) -> str | None:
        if region is not None and not known_region(region):
            raise ValueError(f"{region!r} is not a country code such as ES, GB, US")
        return region


class JournalConfig(_Model):
    """The local journal of domain events (cti/journal.py)."""

    dir: Path = Path("../var/journal")  # relative to the config directory
    max_mb: int = Field(1024, ge=1)     # warn at 80 %, stop keeping events on disk at 100 %
    flush_ms: float = Field(2.0, gt=0, le=1000)
    #: A backlog of at least this many events (after an outage) is stored by a
    #: worker process, leaving the service's CPU to the calls; 0: never.
    worker_backlog: int = Field(20_000, ge=0)


class Recordings(_Model):
    """Where the service finds the recordings Asterisk writes (a shared mount of its
    monitor spool) and how long it keeps them."""

    dir: Path | None = None                  # None: recordings are not served
    retention_days: int | None = Field(None, ge=1)  # None: kept until deleted on request


class Logging(_Model):
    format: Literal["console", "json"] = "console"
    level: Literal["debug", "info", "warning", "error"] = "info"


class Routing(_Model):
    no_answer_state: Literal["not_ready", "ready"] = "not_ready"
    #: The state a login leaves an agent in, whoever logs it in (*45, `cti agent login`,
    #: the API): not_ready (reason "login"; the agent then makes itself ready) or ready.
    login_state: Literal["not_ready", "ready"] = "not_ready"
    hold_announce_every: Seconds = 30.0


class Attachments(_Model):
    """Files attached to cases: where they are kept and what is accepted."""

    storage: Literal["database", "directory"] = "database"
    directory: Path = Path("../var/attachments")  # storage: directory; relative to config
    max_bytes: int = Field(10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    content_types: list[str] = Field(
        default=["application/pdf", "image/jpeg", "image/png", "text/plain",
                 "message/rfc822"], min_length=1)

    @field_validator("content_types")
    @classmethod
    def _mime_types(cls, types: list[str]) -> list[str]:
        for kind in types:
            if not _MIME.match(kind):
                raise ValueError(f"{kind!r} is not a content type like application/pdf")
        return [kind.lower() for kind in types]


class ScreenPop(_Model):
    interactions: int = Field(5, ge=0, le=50)   # last contacts shown
    timeout: float = Field(0.1, gt=0, le=5)     # seconds; slower: the pop shows no history


class Cases(_Model):
    fcr_days: int = Field(7, ge=1, le=365)      # a repeat contact within N days undoes FCR
    attachments: Attachments = Attachments()
    screen_pop: ScreenPop = ScreenPop()


class Tls(_Model):
    """HTTPS and WSS: a PEM certificate chain and its private key."""

    cert_file: Path
    key_file: Path

    def context(self, directory: Path) -> ssl.SSLContext:
        """The server's TLS context (TLS 1.2 at least); relative paths: to ``directory``."""
        cert, key = ((p if p.is_absolute() else (directory / p).resolve())
                     for p in (self.cert_file, self.key_file))
        for what, path in (("cert_file", cert), ("key_file", key)):
            if not path.is_file():
                raise ConfigError([f"cti.yaml: http.tls.{what}: no file {path}"])
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(str(cert), str(key))
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError([f"cti.yaml: http.tls: cannot load {cert} and {key}: "
                               f"{exc}"]) from None
        return context


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9a-fA-F:]+\]"
                     r"(:[0-9]{1,5})?$")


class HttpListen(Listen):
    """The REST + WebSocket API and the reference desktop."""

    tls: Tls | None = None
    #: Host headers accepted besides localhost names and the listen address; None: any.
    allowed_hosts: list[str] | None = None
    #: Origins other than the service's own that browsers may call the API from.
    cors_origins: list[str] = []
    #: Seconds a request body may take to arrive.
    body_timeout: float = Field(30.0, gt=0, le=3600)
    #: Seconds a new connection may take to send its first request head.
    head_timeout: float = Field(10.0, gt=0, le=600)

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: list[str] | None) -> list[str] | None:
        for host in hosts or []:
            if not _HOSTNAME.match(host.split(":")[0]) and not _is_address(host):
                raise ValueError(f"{host!r} is not a host name or address")
        return None if hosts is None else [h.lower() for h in hosts]

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not _ORIGIN.match(origin):
                raise ValueError(f"{origin!r} is not an origin like https://crm.example.com "
                                 "(scheme, host and optional port, no path)")
        return [o.lower() for o in origins]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


class AuthConfig(_Model):
    """Sign-in, tokens and desktops (docs/api.md)."""

    #: Seconds a token is valid; renewable in-band before then.
    token_ttl: float = Field(8 * 3600, ge=60, le=7 * 24 * 3600)
    #: The key tokens are signed with; None: one kept in the database (made at first start).
    token_secret: SecretStr | None = None
    #: Seconds every desktop of a READY agent may be gone before it goes NOT_READY.
    desktop_grace: float = Field(60.0, gt=0, le=3600)
    #: Bad passwords are counted over this many seconds.
    lockout_window: float = Field(300.0, gt=0, le=86400)
    lockout_per_user: int = Field(5, ge=1, le=1000)
    lockout_per_address: int = Field(20, ge=1, le=100000)
    #: Written at start (mode 0600) for the ``cti`` commands that talk to the service;
    #: relative to the config directory.
    operator_key_file: Path = Path("../var/operator.key")

    @field_validator("token_secret")
    @classmethod
    def _long_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("at least 32 characters; make one with "
                             "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
        return secret


class ApiConfig(_Model):
    """The desktop WebSocket: replay, per-socket limits, statistics pushes."""

    replay_events: int = Field(10_000, ge=100, le=1_000_000)
    queue_limit: int = Field(1000, ge=10, le=100_000)    #: frames queued per socket
    stats_per_second: float = Field(2.0, gt=0, le=50)
    commands_per_second: float = Field(20.0, gt=0, le=1000)
    webhook_timeout: float = Field(5.0, gt=0, le=60)
    webhook_retry_for: float = Field(3600.0, gt=0, le=7 * 86400)


class ReviewItem(_Model):
    id: str = Field(pattern=_NAME)
    label: str = ""
    max: int = Field(5, ge=1, le=100)


class ReviewForm(_Model):
    """A quality review form: items scored 0..max."""

    id: str = Field(pattern=_NAME)
    name: str = ""
    items: list[ReviewItem] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique(cls, items: list[ReviewItem]) -> list[ReviewItem]:
        _reject_duplicates((i.id for i in items), "review item")
        return items


def _standard_form() -> list[ReviewForm]:
    return [ReviewForm(id="standard", name="Standard", items=[
        ReviewItem(id="greeting", label="Greeting", max=5),
        ReviewItem(id="understanding", label="Understood the need", max=5),
        ReviewItem(id="solution", label="Solution", max=10),
        ReviewItem(id="closing", label="Closing", max=5)])]


class Quality(_Model):
    forms: list[ReviewForm] = Field(default_factory=_standard_form, min_length=1)

    @field_validator("forms")
    @classmethod
    def _unique(cls, forms: list[ReviewForm]) -> list[ReviewForm]:
        _reject_duplicates((f.id for f in forms), "review form")
        return forms

    def form(self, form_id: str) -> ReviewForm | None:
        return next((f for f in self.forms if f.id == form_id), None)


class Outbound(_Model):
    """Outbound campaigns (docs/outbound.md): what every campaign shares. The campaigns
    themselves are data (``cti campaign create``), validated by cti.campaigns.models."""

    #: Legal abandon rule set a campaign gets unless it names its own: US (FCC/FTC:
    #: 3 % of live calls per 30-day period) or UK (Ofcom: 3 % over any 24 hours,
    #: counting estimated AMD false positives).
    rules: Literal["US", "UK"] = "US"
    #: Share of AMD "machine" verdicts that are really people (UK rules need it).
    amd_false_positive_rate: float | None = Field(None, ge=0, lt=1)
    #: Numbers that ring this centre besides ivr.numbers: a campaign's caller id must
    #: be one of them, so whoever it called can call back.
    inbound_numbers: list[str] = []
    #: Lines in flight for all campaigns together (the trunk's channels); None: no cap.
    max_lines: int | None = Field(None, ge=1)
    #: Sound played to an answered person no agent took in time (who called, a
    #: number to call back); a campaign may name its own.
    abandon_message: str = Field("cti-campaign-abandoned", pattern=r"^[A-Za-z0-9/_-]+$")
    #: Keep progressive and predictive agents connected between calls (a line the
    #: service bridges each answered call to); false rings their phone per call.
    agent_lines: bool = True
    #: Dialplan contexts of dialplan/extensions_cti.conf.
    amd_context: str = "cti-amd"
    answer_context: str = "cti-campaign-answer"
    abandon_context: str = "cti-campaign-abandon"
    ivr_context: str = "cti-campaign-ivr"
    agent_line_context: str = "cti-agent-line"
class Alerts(_Model):
    """When the service raises an alert (an event, a metric, a line on `cti watch`)."""

    #: An agent NOT_READY longer than this, seconds (pause_reasons: per reason).
    pause_seconds: float = Field(900, gt=0)
    pause_reasons: dict[str, Annotated[float, Field(gt=0)]] = {}
    #: An agent in WRAP_UP longer than this, seconds.
    wrap_up_seconds: float = Field(120, gt=0)
    #: A queue below its service level target once this many calls concluded today.
    service_level_min_calls: int = Field(10, ge=1)
    #: How often the limits are checked, seconds.
    check_every: float = Field(5, gt=0, le=300)


#: Tables retention may prune, and how (see docs/operations.md).
RETAINED_TABLES = ("events", "agent_state_history", "call_records", "call_offers",
                   "survey_answers", "interactions")


class Retention(_Model):
    """Months of records kept per table; null keeps them for ever. Partitioned tables
    (events, agent_state_history) lose whole months; the others rows by age."""

    events: int | None = Field(13, ge=1)
    agent_state_history: int | None = Field(25, ge=1)
    call_records: int | None = Field(None, ge=1)
    call_offers: int | None = Field(None, ge=1)
    survey_answers: int | None = Field(None, ge=1)
    interactions: int | None = Field(None, ge=1)


class Reports(_Model):
    """Reports, live figures and alerts (docs/reports.md)."""

    #: Callers who hang up within this many seconds are short abandons: left out of
    #: offered calls and of the service level, and reported apart.
    short_abandon_seconds: float = Field(5, ge=0, le=120)
    #: Minutes of an interval (cti report --by interval).
    interval_minutes: Literal[15, 30, 60] = 30
    alerts: Alerts = Alerts()
    retention: Retention = Retention()


class ServiceConfig(_Model):
    ami: list[AmiNode] = Field(min_length=1)
    agi: AgiListen = AgiListen(port=4573)
    http: HttpListen = HttpListen(port=8080)
    auth: AuthConfig = AuthConfig()
    api: ApiConfig = ApiConfig()
    quality: Quality = Field(default_factory=lambda: Quality())
    database: Database = Database()
    journal: JournalConfig = JournalConfig()
    recordings: Recordings = Recordings()
    dialplan: Dialplan = Dialplan()
    ivr: Ivr = Ivr()
    log: Logging = Logging()
    routing: Routing = Routing()
    numbers: Numbers = Numbers()
    trunk: TrunkConfig = TrunkConfig()
    reports: Reports = Reports()
    outbound: Outbound = Outbound()

    def agi_allowed_peers(self) -> list[str]:
        """Who may connect to FastAGI: ``agi.allow``, else the AMI hosts and loopback."""
        if self.agi.allow is not None:
            return list(self.agi.allow)
        return sorted({n.host for n in self.ami} | {"127.0.0.1", "::1"})

    def trunk_spec(self) -> Trunk:
        t = self.trunk
        return Trunk(t.dial, t.number_format, t.country or self.numbers.default_region,
                     t.international_prefix)

    def dialling(self) -> Dialling:
        """Policy, trunk and callback limit for the IVR and the callback originate."""
        return Dialling(self.numbers.policy(), self.trunk_spec(),
                        CallbackLimiter(self.numbers.max_callbacks_per_hour, 3600.0))
    cases: Cases = Cases()
    reports: Reports = Reports()

    @field_validator("database", mode="before")
    @classmethod
    def _database_shorthand(cls, value: Any) -> Any:
        return {"url": value} if isinstance(value, str) else value

    @field_validator("ami")
    @classmethod
    def _unique_nodes(cls, nodes: list[AmiNode]) -> list[AmiNode]:
        _reject_duplicates((n.name for n in nodes), "AMI node name")
        return nodes


# --- queues.yaml ------------------------------------------------------------


#: A voicemail box as VoiceMail() takes one: box@context.
_MAILBOX = re.compile(r"^[A-Za-z0-9_-]+@[A-Za-z0-9_-]+$")


class MaxWaitExit(_Model):
    """What happens to a call that waited ``max_wait`` seconds."""

    action: Literal["overflow", "voicemail", "callback", "none"]
    target: str | None = None  # overflow: a queue name; voicemail: a mailbox

    @model_validator(mode="after")
    def _target_when_needed(self) -> MaxWaitExit:
        if self.action in ("overflow", "voicemail") and not self.target:
            raise ValueError(f"action {self.action!r} needs a target (a queue or a mailbox)")
        if self.action == "voicemail" and not _MAILBOX.match(self.target or ""):
            raise ValueError(f"target {self.target!r} is not a mailbox like 8000@default "
                             "(letters, digits, _ and - around one @)")
        return self


class ServiceLevel(_Model):
    target_seconds: float = Field(20, gt=0)
    percent: float = Field(80, gt=0, le=100)


class EscalationStep(_Model):
    """After ``after`` seconds of waiting, relax the call's requirements."""

    after: float = Field(gt=0)
    lower: dict[str, SkillLevel] = {}
    drop: list[str] = []
    raise_priority: int = Field(0, ge=0)
    add_overflow: str | None = None

    @model_validator(mode="after")
    def _does_something(self) -> EscalationStep:
        if not (self.lower or self.drop or self.raise_priority or self.add_overflow):
            raise ValueError("a step must lower, drop, raise_priority or add_overflow")
        return self


class Disposition(_Model):
    """A wrap-up code the agent gives after a call (``code``: what reports count)."""

    code: str = Field(pattern=_NAME)
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"code": value} if isinstance(value, str) else value


def _unique_dispositions(items: list[Disposition]) -> list[Disposition]:
    _reject_duplicates((d.code for d in items), "disposition code")
    return items


class QueueRecording(_Model):
    """Record the calls of a queue (MixMonitor in [cti-connect], bridged audio only)."""

    enabled: bool = False
    consent_prompt: str | None = None  # played to the caller before the agent is rung


class QueueConfig(_Model):
    name: str = Field(pattern=_NAME)
    description: str = ""
    skills: dict[str, SkillLevel] = {}
    strategy: Strategy = Strategy.LONGEST_IDLE
    ring_timeout: float = Field(15, gt=0, le=300)
    wrapup: Seconds = 10
    max_wait: float | None = Field(None, gt=0)
    on_max_wait: MaxWaitExit = MaxWaitExit(action="none")
    max_length: int | None = Field(None, ge=1)
    service_level: ServiceLevel = ServiceLevel()
    escalation: list[EscalationStep] = []
    priority: int = Field(0, ge=0)
    dispositions: list[Disposition] = []        # default: the file's dispositions
    wrapup_requires_disposition: bool = False   # wrap-up lasts until a disposition is given
    recording: QueueRecording = QueueRecording()

    _unique_codes = field_validator("dispositions")(_unique_dispositions)

    def disposition(self, code: str) -> Disposition | None:
        return next((d for d in self.dispositions if d.code == code), None)

    @model_validator(mode="after")
    def _escalation_in_order(self) -> QueueConfig:
        afters = [step.after for step in self.escalation]
        if afters != sorted(afters):
            raise ValueError("escalation steps must be in increasing order of 'after'")
        return self


class QueuesFile(_Model):
    queues: list[QueueConfig] = Field(min_length=1)
    dispositions: list[Disposition] = []        # for every queue without its own list

    _unique_codes = field_validator("dispositions")(_unique_dispositions)

    @field_validator("queues")
    @classmethod
    def _unique(cls, queues: list[QueueConfig]) -> list[QueueConfig]:
        _reject_duplicates((q.name for q in queues), "queue name")
        return queues


# --- agents.yaml ------------------------------------------------------------

_ENDPOINT = r"^[A-Za-z0-9]+/[A-Za-z0-9@._:+/-]+$"
#: Fields agents.yaml had before users moved to the database.
_MOVED_TO_USERS = ("role", "password_hash")


class AgentConfig(_Model):
    id: str = Field(pattern=_NAME)
    name: str
    #: One Dial destination: no & (a second one), comma (Dial options) or spaces.
    endpoint: str = Field(pattern=_ENDPOINT)
    skills: dict[str, SkillLevel] = {}
    queues: list[str] = []
    capacity: dict[Literal["voice", "chat", "email"], Annotated[int, Field(ge=0, le=20)]] = {
        "voice": 1
    }

    @model_validator(mode="before")
    @classmethod
    def _no_user_fields(cls, value: Any) -> Any:
        if isinstance(value, dict):
            moved = [k for k in _MOVED_TO_USERS if k in value]
            if moved:
                raise ValueError(
                    f"{' and '.join(moved)} moved out of agents.yaml: users (agents, "
                    "supervisors, admins) live in the database now; delete these lines and "
                    f"run `cti user add USER --role agent --agent {value.get('id', 'ID')}` "
                    "(see docs/api.md)")
        return value

    @field_validator("capacity")
    @classmethod
    def _one_voice_call(cls, capacity: dict[str, int]) -> dict[str, int]:
        if capacity.get("voice", 1) > 1:
            raise ValueError("voice capacity is 0 or 1: a phone takes one call at a time")
        return capacity


class PauseReason(_Model):
    """Why an agent may be NOT_READY (``cti agent pause --reason CODE``, the desktop)."""

    code: str = Field(pattern=_NAME)
    label: str = ""
    #: Paid time (a break, training) or not (lunch): for reports and payroll.
    paid: bool = True
    #: How long the pause should last at most; longer shows on wallboards. None: no limit.
    max_minutes: float | None = Field(None, gt=0)


class AgentsFile(_Model):
    agents: list[AgentConfig] = []
    #: The reasons people may give for a pause; empty: any reason is accepted.
    pause_reasons: list[PauseReason] = []
    #: Phones an agent may pick at its desktop (hot-desking), besides its own endpoint.
    desks: list[Annotated[str, Field(pattern=_ENDPOINT)]] = []

    @field_validator("desks")
    @classmethod
    def _unique_desks(cls, desks: list[str]) -> list[str]:
        _reject_duplicates(desks, "desk")
        return desks

    @field_validator("agents")
    @classmethod
    def _unique(cls, agents: list[AgentConfig]) -> list[AgentConfig]:
        _reject_duplicates((a.id for a in agents), "agent id")
        _reject_duplicates((a.endpoint for a in agents), "agent endpoint")
        return agents

    @field_validator("pause_reasons")
    @classmethod
    def _unique_reasons(cls, reasons: list[PauseReason]) -> list[PauseReason]:
        _reject_duplicates((r.code for r in reasons), "pause reason code")
        return reasons


# --- hours.yaml -------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Holiday(_Model):
    date: date
    name: str = ""


class HoursConfig(_Model):
    timezone: str = "UTC"
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = {}
    holidays: list[Holiday] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {zone!r}; use an IANA name like Europe/Madrid"
            ) from None
        return zone

    @field_validator("weekly")
    @classmethod
    def _spans(cls, weekly: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, spans in weekly.items():
            for span in spans:
                match = _SPAN.match(span)
                if not match or match.group(1, 2) >= match.group(3, 4):
                    raise ValueError(f"{day}: {span!r} is not a span like '09:00-18:00'")
        return weekly

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` (any time zone, naive means UTC) falls in business hours."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo("UTC"))
        local = at.astimezone(ZoneInfo(self.timezone))
        if any(h.date == local.date() for h in self.holidays):
            return False
        now = local.time()
        for span in self.weekly.get(_DAYS[local.weekday()], []):
            start, end = (_parse_time(t) for t in span.split("-"))
            if start <= now < end:
                return True
        return False

    def holiday(self, on: date) -> Holiday | None:
        return next((h for h in self.holidays if h.date == on), None)


def _parse_time(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    return time.max if hours == 24 else time(hours, minutes)


# --- catalogue.yaml ---------------------------------------------------------

#: The four levels of a case's classification, top down.
LEVELS = ("topic", "reason", "sub_reason", "question")
_KEY = re.compile(r"^[a-z0-9]([a-z0-9 _.'/-]{0,78}[a-z0-9])?$")


def _catalogue_keys(entries: dict[str, Any]) -> dict[str, Any]:
    for key in entries:
        if not _KEY.match(key):
            raise ValueError(f"{key!r} is not a catalogue key: use lower-case words (a-z, "
                             "0-9, spaces, - _ . ' /), at most 80 characters, "
                             "e.g. 'new booking'")
    return entries


class Question(_Model):
    """A question the caller asks, and the answer the agent reads out."""

    name: str = ""
    answer: str = Field(min_length=1)


class SubReason(_Model):
    name: str = ""
    questions: dict[str, Question] = Field(min_length=1)

    _keys = field_validator("questions")(_catalogue_keys)


class Reason(_Model):
    name: str = ""
    sub_reasons: dict[str, SubReason] = Field(min_length=1)

    _keys = field_validator("sub_reasons")(_catalogue_keys)


class Topic(_Model):
    name: str = ""
    reasons: dict[str, Reason] = Field(min_length=1)

    _keys = field_validator("reasons")(_catalogue_keys)


class Catalogue(_Model):
    """The script catalogue: topic > reason > sub-reason > question (with its answer)."""

    topics: dict[str, Topic] = {}

    _keys = field_validator("topics")(_catalogue_keys)

    def children(self, path: tuple[str, ...]) -> dict[str, Any] | None:
        """The entries one level below ``path`` (topics for ``()``); None if the path
        is not in the catalogue or is a question (nothing below)."""
        entries: dict[str, Any] = self.topics
        for key in path:
            entry = entries.get(key)
            if entry is None:
                return None
            below = getattr(entry, "reasons", None) or getattr(entry, "sub_reasons", None) \
                or getattr(entry, "questions", None)
            if below is None:
                return None
            entries = below
        return entries

    def answer(self, topic: str, reason: str, sub_reason: str, question: str) -> str | None:
        """The answer text of a question, or None if the path is not in the catalogue."""
        found = (self.children((topic, reason, sub_reason)) or {}).get(question)
        return None if found is None else found.answer


# --- units.yaml -------------------------------------------------------------

UnitKind = Literal["pool", "supervisors", "complaints", "department"]


class UnitConfig(_Model):
    """A group that owns cases or answers derivations.

    kind: ``pool`` (the agents who take calls), ``supervisors``, ``complaints``
    (the complaints resolution unit) or ``department`` (an internal department).
    Members of the first three are agents of agents.yaml; a department's members
    may be anyone (user ids, e-mail addresses).
    """

    id: str = Field(pattern=_NAME)
    name: str
    kind: UnitKind
    description: str = ""
    email: str | None = None
    members: list[str] = []


class UnitsFile(_Model):
    default_unit: str | None = None   # owns new cases; default: the first unit of kind pool
    units: list[UnitConfig] = []

    @field_validator("units")
    @classmethod
    def _unique(cls, units: list[UnitConfig]) -> list[UnitConfig]:
        _reject_duplicates((u.id for u in units), "unit id")
        return units


# --- the whole directory ----------------------------------------------------


class Config(_Model):
    directory: Path
    service: ServiceConfig
    queues: dict[str, QueueConfig]
    agents: dict[str, AgentConfig]
    hours: HoursConfig
    catalogue: Catalogue = Catalogue()
    units: dict[str, UnitConfig] = {}
    default_unit: str | None = None   # the unit that owns new cases (None: no units)
    pause_reasons: dict[str, PauseReason] = {}   # by code; empty: any reason
    desks: list[str] = []                        # phones agents may pick (hot-desking)
    _by_endpoint: tuple[dict[str, AgentConfig], dict[str, AgentConfig]] | None = \
        PrivateAttr(default=None)

    def path(self, relative: Path) -> Path:
        """A path from a config file, relative to the config directory."""
        return relative if relative.is_absolute() else (self.directory / relative).resolve()

    def skills(self) -> set[str]:
        """Every skill named by a queue, an escalation step or an agent."""
        names = {s for a in self.agents.values() for s in a.skills}
        for queue in self.queues.values():
            names.update(queue.skills)
            for step in queue.escalation:
                names.update(step.lower)
                names.update(step.drop)
        return names

    def agent_by_endpoint(self, endpoint: str) -> AgentConfig | None:
        """The agent whose phone is ``endpoint`` (``PJSIP/1001``), from an index built
        once per agents mapping (every device-state event asks)."""
        private = self.__pydantic_private__  # (self._by_endpoint is ~5x slower to reach)
        cached = private["_by_endpoint"]
        agents = self.agents
        if cached is None or cached[0] is not agents:  # new, or a model_copy changed agents
            cached = private["_by_endpoint"] = (agents, {a.endpoint: a for a in agents.values()})
        return cached[1].get(endpoint)

    @property
    def default_pause_reason(self) -> str:
        """The reason of a pause given without one: the first configured, else break."""
        return next(iter(self.pause_reasons), "break")

    def pause_reason_problem(self, reason: str) -> str | None:
        """Why ``reason`` cannot be a pause's reason, or None if it can."""
        if not reason.strip():
            return "a pause reason cannot be empty; " + self._known_reasons()
        if self.pause_reasons and reason not in self.pause_reasons:
            return f"unknown pause reason {reason!r}; " + self._known_reasons()
        return None

    def _known_reasons(self) -> str:
        if not self.pause_reasons:
            return "give a word such as break or lunch"
        return "known: " + ", ".join(
            f"{r.code} ({r.label})" if r.label else r.code for r in self.pause_reasons.values())


#: The files of a config directory and their models, in the order they are read.
_MODELS: tuple[tuple[str, type[_Model]], ...] = (
    ("cti.yaml", ServiceConfig),
    ("queues.yaml", QueuesFile),
    ("agents.yaml", AgentsFile),
    ("hours.yaml", HoursConfig),
    ("catalogue.yaml", Catalogue),
    ("units.yaml", UnitsFile),
)

#: Field patterns in words, for the errors.
_PATTERN_WORDS = {
    _NAME: "must be a lower-case name: a letter or digit, then letters, digits, _ . or -",
    _ENDPOINT: "must be one Dial destination like PJSIP/1001: technology/resource, with no "
               "&, comma or space",
}


def load_config(directory: Path | str) -> Config:
    """Read and validate a config directory; raise ``ConfigError`` listing every problem.

    A file that does not validate does not hide the checks across files: the
    queues, agents and units that are valid are still checked against each other.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError([f"{directory}: no such config directory; give --config DIR (or "
                           f"set CTI_CONFIG), or create it with `cti config init {directory}`"])
    errors: list[str] = []
    models: dict[str, Any] = {}
    raws: dict[str, Any] = {}
    for name, model in _MODELS:
        try:
            if name in OPTIONAL_FILES and not (directory / name).exists():
                models[name] = model.model_validate({})
                continue
            raws[name] = read_yaml(directory / name, _missing_hint(directory))
            models[name] = model.model_validate(raws[name])
        except ConfigError as exc:
            errors.extend(exc.errors)
        except ValidationError as exc:
            errors.extend(f"{name}: {line}" for line in describe(exc, model, _PATTERN_WORDS))
    errors.extend(_cross_check(_Parts.of(models, raws)))
    if errors:
        raise ConfigError(errors)
    queues_file: QueuesFile = models["queues.yaml"]
    agents_file: AgentsFile = models["agents.yaml"]
    units: UnitsFile = models["units.yaml"]
    pools = [u.id for u in units.units if u.kind == "pool"]
    return Config(
        directory=directory,
        service=models["cti.yaml"],
        queues={q.name: q if q.dispositions else q.model_copy(
                    update={"dispositions": queues_file.dispositions})
                for q in queues_file.queues},
        agents={a.id: a for a in agents_file.agents},
        hours=models["hours.yaml"],
        catalogue=models["catalogue.yaml"],
        units={u.id: u for u in units.units},
        default_unit=units.default_unit or (pools[0] if pools else None),
        pause_reasons={r.code: r for r in agents_file.pause_reasons},
        desks=agents_file.desks,
    )


def _missing_hint(directory: Path) -> str:
    from cti.examples import examples_dir

    found = examples_dir()
    where = f" (they are in {found / 'config'})" if found else ""
    return (f"; `cti config init {directory}` writes commented examples of every "
            f"file{where}")


def config_warnings(config: Config) -> list[str]:
    """What is allowed but probably a mistake (``cti config check`` and the service's
    log at start say it): queues that overflow to each other in a circle."""
    return [f"queues.yaml: overflow cycle {' -> '.join([*cycle, cycle[0]])}: a call that "
            "waits max_wait in each moves between them for ever; end one of them with "
            "voicemail, callback or none" for cycle in _overflow_cycles(config.queues)]


def _overflow_cycles(queues: dict[str, QueueConfig]) -> list[list[str]]:
    """Each circle of on_max_wait overflows once, starting at its first queue in the file."""
    order = list(queues)
    cycles: list[list[str]] = []
    seen: set[str] = set()
    for start in order:
        path: list[str] = []
        name: str | None = start
        while name is not None and name in queues and name not in seen and name not in path:
            path.append(name)
            exit_ = queues[name].on_max_wait
            name = exit_.target if exit_.action == "overflow" else None
        if name is not None and name in path:
            cycle = path[path.index(name):]
            first = min(cycle, key=order.index)
            at = cycle.index(first)
            cycles.append(cycle[at:] + cycle[:at])
        seen.update(path)
    return cycles


@dataclass
class _Parts:
    """What the cross-file checks look at: the items that validated (with their index
    in the file) and every name written, valid or not (so that a queue with a bad
    field is not also reported as missing). None: the file could not be read."""

    queues: list[tuple[int, QueueConfig]] | None
    queue_names: set[str]
    dispositions: list[Disposition]
    agents: list[tuple[int, AgentConfig]] | None
    agent_ids: set[str]
    units: list[tuple[int, UnitConfig]] | None
    unit_ids: set[str]
    default_unit: str | None

    @classmethod
    def of(cls, models: dict[str, Any], raws: dict[str, Any]) -> _Parts:
        queues = _items(models.get("queues.yaml"), raws.get("queues.yaml"), "queues",
                        QueueConfig, "name")
        agents = _items(models.get("agents.yaml"), raws.get("agents.yaml"), "agents",
                        AgentConfig, "id")
        units = _items(models.get("units.yaml"), raws.get("units.yaml"), "units",
                       UnitConfig, "id")
        queues_file = models.get("queues.yaml")
        units_file = models.get("units.yaml")
        default_unit = units_file.default_unit if units_file is not None else (
            (raws.get("units.yaml") or {}).get("default_unit"))
        if units[0] is not None and default_unit is None:
            pools = [u.id for _, u in units[0] if u.kind == "pool"]
            default_unit = pools[0] if pools else None
        return cls(queues[0], queues[1],
                   list(queues_file.dispositions) if queues_file is not None else [],
                   agents[0], agents[1], units[0], units[1], default_unit)


def _items(validated: Any, raw: Any, key: str, model: type[_Model],
           id_field: str) -> tuple[Any, Any]:
    """(valid items with their index, every id written) of a list in a file."""
    if validated is not None:
        items = list(enumerate(getattr(validated, key)))
        return items, {getattr(item, id_field) for _, item in items}
    entries = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return None, set()
    valid, ids = [], set()
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get(id_field), str):
            ids.add(entry[id_field])
        with contextlib.suppress(ValidationError):
            valid.append((i, model.model_validate(entry)))
    return valid, ids


def _cross_check(parts: _Parts) -> Iterable[str]:
    if parts.queues is not None:
        yield from _check_queues(parts.queues, parts.queue_names, parts.dispositions)
    if parts.agents is not None and parts.queues is not None:
        for i, agent in parts.agents:
            for queue_name in agent.queues:
                if queue_name not in parts.queue_names:
                    yield (f"agents.yaml: agents[{i}].queues: no queue named {queue_name!r}; "
                           f"known: {_names(parts.queue_names)}")
    if parts.units is not None:
        yield from _check_units(parts)


def _check_queues(queues: list[tuple[int, QueueConfig]], names: set[str],
                  dispositions: list[Disposition]) -> Iterable[str]:
    for i, queue in queues:
        where = f"queues.yaml: queues[{i}]"
        exit_ = queue.on_max_wait
        if exit_.action == "overflow" and exit_.target not in names:
            yield (f"{where}.on_max_wait.target: no queue named {exit_.target!r}; "
                   f"known: {_names(names)}")
        if exit_.action == "overflow" and exit_.target == queue.name:
            yield f"{where}.on_max_wait.target: a queue cannot overflow to itself"
        if exit_.action != "none" and queue.max_wait is None:
            yield f"{where}.on_max_wait: set max_wait (seconds) for the exit to ever happen"
        for j, step in enumerate(queue.escalation):
            if step.add_overflow and step.add_overflow not in names:
                yield (f"{where}.escalation[{j}].add_overflow: no queue named "
                       f"{step.add_overflow!r}; known: {_names(names)}")
            for skill in [*step.lower, *step.drop]:
                if skill not in queue.skills:
                    yield (f"{where}.escalation[{j}]: skill {skill!r} is not required by the "
                           f"queue (it requires: {_names(queue.skills) or 'nothing'})")
        if queue.wrapup_requires_disposition and not (queue.dispositions or dispositions):
            yield (f"{where}.wrapup_requires_disposition: the queue has no dispositions to "
                   "give; list them under dispositions (in the queue or at the top of the "
                   "file)")


def _check_units(parts: _Parts) -> Iterable[str]:
    units = parts.unit_ids
    if units and parts.default_unit is None:
        yield "units.yaml: default_unit: no unit of kind pool; name the unit that owns new cases"
    elif parts.default_unit is not None and parts.default_unit not in units:
        yield (f"units.yaml: default_unit: no unit named {parts.default_unit!r}; "
               f"known: {_names(units)}")
    if parts.agents is None:
        return
    for i, unit in parts.units or []:
        if unit.kind == "department":
            continue
        for j, member in enumerate(unit.members):
            if member not in parts.agent_ids:
                yield (f"units.yaml: units[{i}].members[{j}]: no agent with id {member!r} in "
                       f"agents.yaml (members of a {unit.kind} unit are agents)")


def _names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _reject_duplicates(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)
