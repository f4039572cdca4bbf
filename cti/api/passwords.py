"""Password hashing: Argon2id through argon2-cffi, with its recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cti.errors import BadRequest

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; a bound keeps a login from being a DoS

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so both cases take as long.
_DUMMY = _hasher.hash("not a password of anyone")


class WeakPassword(BadRequest):
    code = "weak-password"


def check_password_rules(password: str) -> None:
    """Raises:
        WeakPassword: shorter than 8 characters, longer than 1024, or with a NUL.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    if "\x00" in password:
        raise WeakPassword("a password must not contain a NUL character")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True if ``password`` matches ``stored`` (None: no such user; still takes the time)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
