"""Who is asking: sign-in, tokens, API keys and the operator key, with revocation.

``Authenticator.login`` checks a password (Argon2id, in a thread), opens a
session and signs a token naming it; ``authenticate`` turns a bearer value
(a token, an API key, the operator key) into a ``Principal``. Sessions, users
and keys are cached for a few seconds and dropped at once when PostgreSQL
NOTIFYs a change (``cti user disable`` or ``passwd`` from another process,
a logout elsewhere); ``on_change`` callbacks then let the WebSocket hub close
the sockets that lost their right.

The operator key is a random key the service writes at start to
``auth.operator_key_file`` (mode 0600): the ``cti`` commands that talk to the
running service on the same machine read it from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from cti.api import passwords
from cti.api.policy import Forbidden, Principal, Role
from cti.api.throttle import LoginThrottle
from cti.api.tokens import BadToken, Claims, TokenError, TokenSigner, is_api_key, parse_api_key
from cti.config import AuthConfig, Config
from cti.errors import CtiError
from cti.store import Store
from cti.store.db import connect
from cti.store.users import CHANNEL, ApiKey, Session, User

log = structlog.get_logger(__name__)

#: Seconds a cached user, session or key is trusted without asking the database
#: (changes are NOTIFYed at once; this bounds staleness if the listener is down).
CACHE_SECONDS = 30.0
OPERATOR_ID = "operator"


class BadCredentials(CtiError):
    status, code = 401, "bad-credentials"

    def __init__(self) -> None:
        super().__init__("wrong user name or password")


class TooManyAttempts(CtiError):
    status, code = 429, "too-many-attempts"

    def __init__(self, wait: float) -> None:
        super().__init__(f"too many failed sign-ins; try again in {int(wait) + 1} s")
        self.retry_after = int(wait) + 1


class TokenRevoked(TokenError):
    code = "token-revoked"

    def __init__(self, why: str) -> None:
        super().__init__(f"token revoked ({why}); sign in again")
        self.why = why


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_at: float
    principal: Principal


ChangeListener = Callable[[str, str], None]


class Authenticator:
    def __init__(self, store: Store, config: Config, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._signer: TokenSigner | None = None
        self._throttle = _throttle(config.service.auth)
        self._users: dict[str, tuple[float, User | None]] = {}
        self._sessions: dict[uuid.UUID, tuple[float, Session | None]] = {}
        self._keys: dict[str, tuple[float, ApiKey | None]] = {}
        self._key_used: dict[str, float] = {}
        self._listeners: list[ChangeListener] = []
        self._listen: asyncpg.Connection | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._operator_key: str | None = None

    @property
    def settings(self) -> AuthConfig:
        return self._config.service.auth

    def reconfigure(self, config: Config) -> None:
        self._config = config
        self._throttle = _throttle(config.service.auth)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, dsn: str | None) -> None:
        """Load the signing key, write the operator key, LISTEN for user changes."""
        secret = self.settings.token_secret
        key = secret.get_secret_value().encode() if secret is not None \
            else await self._store.users.signing_key()
        self._signer = TokenSigner(key)
        self._operator_key = write_operator_key(self._config.path(self.settings.operator_key_file))
        if dsn is not None:
            self._listen_task = asyncio.create_task(self._keep_listening(dsn),
                                                    name="auth-listen")

    async def stop(self) -> None:
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listen_task
        path = self._config.path(self.settings.operator_key_file)
        with contextlib.suppress(OSError):
            if path.read_text().strip() == self._operator_key:
                path.unlink()

    def on_change(self, listener: ChangeListener) -> None:
        """``listener(kind, id)`` after a user (``user``), session (``session``) or key
        (``key``) changed; the caches have already dropped it."""
        self._listeners.append(listener)

    async def _keep_listening(self, dsn: str) -> None:
        delay = 0.5
        while True:
            try:
                conn = await connect(dsn)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.debug("cannot LISTEN for user changes yet", error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            delay = 0.5
            lost = asyncio.Event()
            try:
                await conn.add_listener(CHANNEL, self._notified)
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                self._forget_all()  # what changed while we were not listening
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
                    if not lost.is_set():
                        await conn.execute("SELECT 1", timeout=5)  # a dead link raises
            except (OSError, TimeoutError, asyncpg.PostgresError,
                    asyncpg.InterfaceError) as exc:
                log.debug("LISTEN for user changes lost", error=str(exc))
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=1)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        kind, _, ident = payload.partition(":")
        if kind == "user":
            self._users.pop(ident, None)
        elif kind == "session":
            with contextlib.suppress(ValueError):
                self._sessions.pop(uuid.UUID(ident), None)
        elif kind == "key":
            self._keys.pop(ident, None)
        for listener in self._listeners:
            try:
                listener(kind, ident)
            except Exception:
                log.exception("auth change listener failed", kind=kind)

    def _forget_all(self) -> None:
        self._users.clear()
        self._sessions.clear()
        self._keys.clear()

    # --- signing in --------------------------------------------------------------------

    async def login(self, username: str, password: str, address: str) -> Issued:
        """Raises:
            TooManyAttempts, BadCredentials, Forbidden (a disabled user, an agent not in
            agents.yaml).
        """
        now = self._clock()
        wait = self._throttle.wait(username, address, now)
        if wait > 0:
            log.warning("sign-in throttled", user=username, address=address)
            raise TooManyAttempts(wait)
        user = await self._store.users.get(username.lower()) if len(username) <= 64 else None
        ok = await asyncio.to_thread(passwords.verify_password,
                                     None if user is None else user.password_hash, password)
        if not ok or user is None:
            self._throttle.failed(username, address, self._clock())
            log.info("sign-in refused", user=username, address=address)
            raise BadCredentials()
        if user.disabled:
            raise Forbidden(f"user {user.id} is disabled; an admin can enable it "
                            "(cti user enable)")
        self._throttle.succeeded(username)
        principal = self._principal(user, None)
        self._check_agent(principal)
        session_id = uuid.uuid4()
        expires_at = now + self.settings.token_ttl
        await self._store.users.open_session(session_id, user.id, address=address,
                                             expires_at=_dt(expires_at))
        principal = self._principal(user, session_id)
        log.info("signed in", user=user.id, role=user.role, address=address)
        return Issued(self._sign(user.id, session_id, now, expires_at), expires_at, principal)

    async def renew(self, principal: Principal) -> Issued:
        """A new token for the same session (which must still be open)."""
        if principal.session_id is None:
            raise BadToken("only user tokens are renewed; API keys do not expire")
        await self._open_session(principal.session_id)
        now = self._clock()
        expires_at = now + self.settings.token_ttl
        await self._store.users.extend_session(principal.session_id, _dt(expires_at))
        self._sessions.pop(principal.session_id, None)
        return Issued(self._sign(principal.id, principal.session_id, now, expires_at),
                      expires_at, principal)

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is not None:
            await self._store.users.revoke_session(principal.session_id, "logged out")
            self._sessions.pop(principal.session_id, None)

    # --- who is asking -----------------------------------------------------------------

    async def authenticate(self, bearer: str) -> Principal:
        """The principal of a token, an API key or the operator key.

        Raises:
            TokenError: NoToken/BadToken/TokenExpired/TokenRevoked.
            Forbidden: a disabled user.
        """
        if self._operator_key is not None and hmac.compare_digest(
                bearer.encode(), self._operator_key.encode()):
            return Principal(OPERATOR_ID, Role.ADMIN, name="cti command line")
        if is_api_key(bearer):
            return await self._api_key(bearer)
        claims = self.verify(bearer)
        return await self.principal_of(claims)

    def verify(self, token: str) -> Claims:
        assert self._signer is not None, "Authenticator.start() first"
        return self._signer.verify(token, self._clock())

    async def principal_of(self, claims: Claims) -> Principal:
        """The session must be open and the user enabled (cached, see CACHE_SECONDS)."""
        session = await self._open_session(claims.session_id)
        user = await self._user(session.user_id)
        if user is None or user.disabled:
            raise TokenRevoked("user disabled" if user else "user deleted")
        principal = self._principal(user, claims.session_id)
        return principal

    async def still_valid(self, principal: Principal) -> None:
        """Raise ``TokenRevoked`` if ``principal`` lost its right since (sockets ask this
        after a change is NOTIFYed)."""
        if principal.role is Role.SYSTEM:
            key = await self._key(principal.id.removeprefix("key:"))
            if key is None or key.revoked_at is not None:
                raise TokenRevoked("API key revoked")
            return
        if principal.session_id is None:
            return
        session = await self._open_session(principal.session_id)
        user = await self._user(session.user_id)
        if user is None or user.disabled:
            raise TokenRevoked("user disabled")

    async def _open_session(self, session_id: uuid.UUID) -> Session:
        session = await self._cached(self._sessions, session_id,
                                     lambda: self._store.users.session(session_id))
        if session is None:
            raise BadToken("unknown session (another database?)")
        if session.revoked_at is not None:
            raise TokenRevoked(session.revoked_why or "revoked")
        return session

    async def _user(self, user_id: str) -> User | None:
        return await self._cached(self._users, user_id, lambda: self._store.users.get(user_id))

    async def _key(self, key_id: str) -> ApiKey | None:
        return await self._cached(self._keys, key_id, lambda: self._store.users.key(key_id))

    async def _cached(self, cache: dict[Any, tuple[float, Any]], key: Any,
                      load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        value = await load()
        if len(cache) > 100_000:
            cache.clear()
        cache[key] = (now, value)
        return value

    async def _api_key(self, bearer: str) -> Principal:
        parsed = parse_api_key(bearer)
        if parsed is None:
            raise BadToken("malformed API key")
        key_id, digest = parsed
        key = await self._key(key_id)
        if key is None or not hmac.compare_digest(key.secret_sha256, digest):
            raise BadToken("unknown API key")
        if key.revoked_at is not None:
            raise TokenRevoked("API key revoked")
        now = time.monotonic()
        if now - self._key_used.get(key_id, -1e9) > 60:
            self._key_used[key_id] = now
            with contextlib.suppress(CtiError):
                await self._store.users.key_used(key_id)
        return Principal(f"key:{key.id}", Role.SYSTEM, name=key.name,
                         scopes=frozenset(key.scopes))

    def _principal(self, user: User, session_id: uuid.UUID | None) -> Principal:
        agent = self._config.agents.get(user.agent_id or "")
        name = user.name or (agent.name if agent is not None else "")
        return Principal(user.id, Role(user.role), name=name, agent_id=user.agent_id,
                         queues=frozenset(user.queues), units=frozenset(user.units),
                         session_id=session_id)

    def _check_agent(self, principal: Principal) -> None:
        if principal.agent_id is not None and principal.agent_id not in self._config.agents:
            raise Forbidden(f"user {principal.id} is linked to agent {principal.agent_id}, "
                            "which is not in agents.yaml; an admin can fix the user "
                            "(cti user set)")

    def _sign(self, user_id: str, session_id: uuid.UUID, now: float, expires_at: float) -> str:
        assert self._signer is not None
        return self._signer.sign(Claims(user_id, session_id, now, expires_at))


def _throttle(settings: AuthConfig) -> LoginThrottle:
    return LoginThrottle(settings.lockout_window, settings.lockout_per_user,
                         settings.lockout_per_address)


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


# --- the operator key ------------------------------------------------------------------


def write_operator_key(path: Path) -> str:
    """A new random key in ``path``, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "ctiop_" + secrets.token_urlsafe(32)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    os.replace(tmp, path)
    return key


def read_operator_key(config: Config) -> str | None:
    """The running service's operator key, if this user can read it."""
    try:
        return config.path(config.service.auth.operator_key_file).read_text().strip() or None
    except OSError:
        return None
