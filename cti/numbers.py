"""Phone numbers the service may dial: parse, check, render for the trunk, limit.

Every number the service dials (a callback, a click-to-dial, an IVR transfer
to an outside number) goes through here first, so that a caller id such as
``5551234&PJSIP/0900123456`` can never become a second destination:

    policy = NumberPolicy(default_region="ES", countries={"ES", "PT"})
    number = policy.check("612 34 56 78")   # PhoneNumber(e164="+34612345678", ...)
    trunk = Trunk("PJSIP/${NUMBER}@trunk", number_format="e164")
    trunk.dial_string(number)               # "PJSIP/+34612345678@trunk"

``check`` raises ``NumberRefused`` with a ``reason`` code (``not-a-number``,
``invalid``, ``country``, ``type``) and a message a sysadmin can act on.
``CallbackLimiter`` counts callbacks per number with the time passed in.
Numbers are kept as E.164 (``+34612345678``) everywhere; they are rendered in
the trunk's format only when dialling.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as number_zones

from cti.errors import CtiError

#: Visual separators a caller id or a flow may carry; dropped before parsing.
_SEPARATORS = re.compile(r"[\s().\-/]")
#: What is left must be digits, with an optional leading +.
_DIALLABLE = re.compile(r"^\+?[0-9]{3,17}$")
#: Characters a trunk's dial string may hold around ${NUMBER} (no &, no comma, no $).
DIAL_STRING_CHARS = re.compile(r"^[A-Za-z0-9/@._:+-]+$")
NUMBER_PLACEHOLDER = "${NUMBER}"


class NumberType(StrEnum):
    """The kinds of number phonenumbers tells apart (names as in config files)."""

    FIXED_LINE = "fixed_line"
    MOBILE = "mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"


#: What a callback or transfer may call unless config says otherwise: no premium
#: rate, shared cost, personal (UK 070), pager, UAN or voicemail numbers.
DEFAULT_TYPES = frozenset({NumberType.FIXED_LINE, NumberType.MOBILE,
                           NumberType.FIXED_LINE_OR_MOBILE, NumberType.TOLL_FREE,
                           NumberType.VOIP})

_TYPES = {getattr(PhoneNumberType, t.name): t for t in NumberType}

NumberFormat = Literal["e164", "national", "international"]


class NumberRefused(CtiError):
    """A number the service will not dial; ``reason`` is a short code for logs and tests."""

    def __init__(self, text: str, reason: str, detail: str) -> None:
        super().__init__(f"number {text!r} refused: {detail}")
        self.text, self.reason, self.detail = text, reason, detail


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A checked number.

    Attributes:
        e164: the number in E.164, ``+34612345678``: how it is stored everywhere.
        region: ISO 3166 country of the number (``ES``).
        type: mobile, fixed_line, ... (``NumberType``).
        time_zones: IANA zones the number may be in (for call windows), may be empty.
    """

    e164: str
    region: str
    type: NumberType
    time_zones: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.e164


def known_region(code: str) -> bool:
    """True for a two-letter region phonenumbers has data for (``ES``, ``GB``)."""
    return code in phonenumbers.SUPPORTED_REGIONS


def parse(text: str, default_region: str) -> PhoneNumber:
    """Read a number as callers and flows write it; raise ``NumberRefused`` unless it is
    a valid number of some country.

    ``default_region`` reads numbers written without ``+`` (national ``912345678``,
    or with the region's international prefix ``0034...``).
    """
    cleaned = _SEPARATORS.sub("", text or "")
    if not _DIALLABLE.match(cleaned):
        raise NumberRefused(text, "not-a-number",
                            "only digits, an optional leading + and spaces or dashes are "
                            "allowed in a number to dial")
    try:
        parsed = phonenumbers.parse(cleaned, default_region)
    except NumberParseException as exc:
        raise NumberRefused(text, "not-a-number", str(exc.args[0] if exc.args else exc)) \
            from None
    if not phonenumbers.is_valid_number(parsed):
        raise NumberRefused(text, "invalid",
                            f"not a valid phone number (read with default region "
                            f"{default_region})")
    zones = tuple(z for z in number_zones.time_zones_for_number(parsed)
                  if z != number_zones.UNKNOWN_TIMEZONE)
    return PhoneNumber(
        e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(parsed) or "",
        type=_TYPES.get(phonenumbers.number_type(parsed), NumberType.UNKNOWN),
        time_zones=zones,
    )


class NumberPolicy:
    """Which numbers the service may dial: countries and number types.

    Args:
        default_region: how to read numbers without ``+`` (``ES``).
        countries: regions whose numbers may be called; None means only
            ``default_region``.
        types: number types that may be called (default ``DEFAULT_TYPES``).
    """

    def __init__(self, default_region: str, countries: Iterable[str] | None = None,
                 types: Iterable[NumberType | str] | None = None) -> None:
        self.default_region = default_region
        self.countries = frozenset(countries) if countries is not None \
            else frozenset({default_region})
        self.types = frozenset(NumberType(t) for t in types) if types is not None \
            else DEFAULT_TYPES

    def check(self, text: str) -> PhoneNumber:
        """Parse ``text`` and check it against the policy; raise ``NumberRefused``."""
        number = parse(text, self.default_region)
        if number.region not in self.countries:
            raise NumberRefused(text, "country",
                                f"a number of {number.region or 'no country'}; allowed "
                                f"countries: {', '.join(sorted(self.countries))} "
                                "(numbers.allowed_countries in cti.yaml)")
        if number.type not in self.types:
            raise NumberRefused(text, "type",
                                f"a {number.type.value} number; allowed types: "
                                f"{', '.join(sorted(t.value for t in self.types))} "
                                "(numbers.allowed_types in cti.yaml)")
        return number


def render(number: PhoneNumber, number_format: NumberFormat, *, country: str,
           international_prefix: str = "00") -> str:
    """The digits to send to a trunk.

    ``e164``: ``+34612345678``. ``international``: the international prefix and the
    country code, ``0034612345678``. ``national``: ``612345678`` for a number of the
    trunk's ``country`` (with the national prefix where the country has one, GB
    ``02079460000``); numbers of other countries in the international form.
    """
    if number_format == "e164":
        return number.e164
    international = international_prefix + number.e164[1:]
    if number_format == "international" or number.region != country:
        return international
    national = phonenumbers.format_number(phonenumbers.parse(number.e164),
                                          PhoneNumberFormat.NATIONAL)
    digits = re.sub(r"[^0-9]", "", national)
    return digits or international


@dataclass(frozen=True, slots=True)
class Trunk:
    """How outside numbers leave Asterisk: one dial string for every outbound leg.

    Args:
        dial: a Dial string with ``${NUMBER}`` where the number goes:
            ``PJSIP/${NUMBER}@trunk``, ``SIP/trunk/${NUMBER}``, ``IAX2/trunk/${NUMBER}``.
        number_format: e164, national or international (see ``render``).
        country: the trunk's country (for the national format).
        international_prefix: what the trunk expects before a country code.
    """

    dial: str = "PJSIP/${NUMBER}@trunk"
    number_format: NumberFormat = "e164"
    country: str = "ES"
    international_prefix: str = "00"

    def number(self, number: PhoneNumber) -> str:
        """The number as the trunk wants it (also the Exten of an Originate)."""
        return render(number, self.number_format, country=self.country,
                      international_prefix=self.international_prefix)

    def dial_string(self, number: PhoneNumber) -> str:
        """``PJSIP/+34612345678@trunk``: the dial string for one checked number."""
        return self.dial.replace(NUMBER_PLACEHOLDER, self.number(number))


def dial_template_problem(dial: str) -> str | None:
    """Why ``dial`` cannot be a trunk's dial string, or None when it can."""
    if dial.count(NUMBER_PLACEHOLDER) != 1:
        return f"must contain {NUMBER_PLACEHOLDER} exactly once, e.g. PJSIP/${{NUMBER}}@trunk"
    rest = dial.replace(NUMBER_PLACEHOLDER, "0")
    if not re.match(r"^[A-Za-z0-9]+/", rest):
        return "must start with a channel technology: PJSIP/, SIP/, IAX2/, DAHDI/"
    if not DIAL_STRING_CHARS.match(rest):
        return ("may hold only letters, digits and / @ . _ : + - around ${NUMBER} "
                "(no & or comma: one destination)")
    return None


class CallbackLimiter:
    """At most ``limit`` callbacks to one number per ``window`` seconds.

    Time is passed in (``now``, seconds); nothing here reads a clock. Counts are
    kept in memory: a restart of the service starts them again.
    """

    def __init__(self, limit: int, window: float = 3600.0) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float) -> bool:
        """Count one callback to ``key`` at ``now`` if the limit allows it; True if so."""
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        self._prune(now)
        return True

    def count(self, key: str, now: float) -> int:
        """Callbacks to ``key`` counted within the window ending at ``now``."""
        return sum(1 for t in self._seen.get(key, ()) if t > now - self.window)

    def _prune(self, now: float) -> None:
        if len(self._seen) < 10_000:
            return
        for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
            del self._seen[key]


@dataclass
class Dialling:
    """What the IVR needs to accept an outside number: the policy, the trunk and the
    callback limit, in one object built from config (``ServiceConfig.dialling()``)."""

    policy: NumberPolicy
    trunk: Trunk
    limiter: CallbackLimiter

    @classmethod
    def default(cls) -> Dialling:
        """Spain, the shipped trunk, 3 callbacks a number an hour (tests, simulations)."""
        return cls(NumberPolicy("ES"), Trunk(), CallbackLimiter(3))

    def callback(self, text: str, now: float) -> PhoneNumber:
        """Check a number to call back and count it; raise ``NumberRefused`` (reasons of
        ``NumberPolicy.check``, or ``rate-limit``)."""
        number = self.policy.check(text)
        if not self.limiter.allow(number.e164, now):
            raise NumberRefused(text, "rate-limit",
                                f"already {self.limiter.limit} callbacks to {number.e164} "
                                f"within {self.limiter.window:g} s "
                                "(numbers.max_callbacks_per_hour in cti.yaml)")
        return number
