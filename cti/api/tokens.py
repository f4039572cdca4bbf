"""Signed, expiring tokens and API keys (no I/O; time is an argument).

A token is ``cti1.<payload>.<signature>``: the payload is base64url JSON naming
the user, the session and the times; the signature is HMAC-SHA256 of
``cti1.<payload>`` with the service's key. Tokens are revoked through their
session (cti/api/auth.py), never by editing them.

An API key is ``ctik_<id>_<secret>``; the store keeps the SHA-256 of the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from uuid import UUID

from cti.errors import CtiError

PREFIX = "cti1"
KEY_PREFIX = "ctik_"
_KEY = re.compile(r"^ctik_([a-z0-9]{8,32})_([A-Za-z0-9_-]{20,100})$")


class TokenError(CtiError):
    status = 401


class NoToken(TokenError):
    code = "no-token"

    def __init__(self, detail: str = "") -> None:
        super().__init__("no token: sign in (POST /api/v1/login) and send "
                         "'Authorization: Bearer <token>'" + (f"; {detail}" if detail else ""))


class BadToken(TokenError):
    code = "bad-token"

    def __init__(self, why: str) -> None:
        super().__init__(f"bad token: {why}; sign in again")


class TokenExpired(TokenError):
    code = "token-expired"

    def __init__(self) -> None:
        super().__init__("token expired; sign in again (renew tokens before they expire: "
                         "POST /api/v1/token)")


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: str
    session_id: UUID
    issued_at: float
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a token key needs at least 32 bytes")
        self._key = key

    def sign(self, claims: Claims) -> str:
        payload = _b64(json.dumps({"u": claims.user_id, "s": claims.session_id.hex,
                                   "i": round(claims.issued_at, 3),
                                   "e": round(claims.expires_at, 3)},
                                  separators=(",", ":")).encode())
        return f"{PREFIX}.{payload}.{self._mac(payload)}"

    def verify(self, token: str, now: float) -> Claims:
        """The token's claims.

        Raises:
            BadToken: not a token this key signed.
            TokenExpired: signed, but past its time.
        """
        parts = token.split(".") if isinstance(token, str) and len(token) < 2048 else []
        if len(parts) != 3 or parts[0] != PREFIX:
            raise BadToken("not a token of this service")
        if not hmac.compare_digest(parts[2], self._mac(parts[1])):
            raise BadToken("the signature does not match")
        try:
            doc = json.loads(_unb64(parts[1]))
            claims = Claims(str(doc["u"]), UUID(hex=doc["s"]), float(doc["i"]), float(doc["e"]))
        except (ValueError, KeyError, TypeError):
            raise BadToken("unreadable payload") from None
        if now >= claims.expires_at:
            raise TokenExpired()
        return claims

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{PREFIX}.{payload}".encode(), hashlib.sha256).digest())


# --- API keys ---------------------------------------------------------------------------


def new_api_key() -> tuple[str, str, bytes]:
    """(key id, the full key to hand out once, the SHA-256 of its secret to keep)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}{key_id}_{secret}", hashlib.sha256(secret.encode()).digest()


def parse_api_key(text: str) -> tuple[str, bytes] | None:
    """(key id, SHA-256 of the secret) of a well-formed key, else None."""
    match = _KEY.match(text)
    if match is None:
        return None
    return match.group(1), hashlib.sha256(match.group(2).encode()).digest()


def is_api_key(text: str) -> bool:
    return text.startswith(KEY_PREFIX)
