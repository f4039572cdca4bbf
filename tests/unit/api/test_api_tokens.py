"""Signed tokens, API keys, Argon2id passwords and the sign-in throttle."""

from __future__ import annotations

import uuid

import pytest

from cti.api import passwords
from cti.api.throttle import LoginThrottle, TokenBucket
from cti.api.tokens import (
    BadToken,
    Claims,
    TokenExpired,
    TokenSigner,
    new_api_key,
    parse_api_key,
)

KEY = b"k" * 48


def _claims(expires_at: float = 2000.0) -> Claims:
    return Claims("lucia", uuid.UUID(int=7), 1000.0, expires_at)


def test_a_token_verifies_until_it_expires() -> None:
    signer = TokenSigner(KEY)
    token = signer.sign(_claims())
    assert token.startswith("cti1.") and "lucia" not in token  # base64, not plain
    assert signer.verify(token, now=1999.9) == _claims()
    with pytest.raises(TokenExpired):
        signer.verify(token, now=2000.0)


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),   # signature
    lambda t: "cti1." + "eyJ1IjoiYWRtaW4ifQ" + "." + t.split(".")[2],  # payload swapped
    lambda t: "cti2." + t[5:],                                        # another format
    lambda t: t.replace(".", "", 1),                                  # not three parts
    lambda t: "",
    lambda t: "x" * 5000,
], ids=["signature", "payload", "prefix", "parts", "empty", "huge"])
def test_a_tampered_or_foreign_token_is_bad(tamper) -> None:
    token = TokenSigner(KEY).sign(_claims())
    with pytest.raises(BadToken):
        TokenSigner(KEY).verify(tamper(token), now=1500.0)


def test_a_token_of_another_key_is_bad() -> None:
    token = TokenSigner(b"o" * 48).sign(_claims())
    with pytest.raises(BadToken, match="signature"):
        TokenSigner(KEY).verify(token, now=1500.0)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenSigner(b"short")


def test_api_keys_parse_back_to_their_id_and_digest() -> None:
    key_id, full, digest = new_api_key()
    assert full.startswith(f"ctik_{key_id}_")
    assert parse_api_key(full) == (key_id, digest)
    assert parse_api_key(full + "x")[1] != digest  # type: ignore[index]
    assert parse_api_key("ctik_short_x") is None
    assert parse_api_key("Bearer whatever") is None


def test_passwords_hash_with_argon2id_and_verify() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "Correct horse battery")
    assert not passwords.verify_password(None, "correct horse battery")  # no such user
    assert not passwords.verify_password("not a hash", "x")
    assert not passwords.verify_password(stored, "x" * 5000)


@pytest.mark.parametrize(("password", "why"), [
    ("short", "at least 8"), ("x" * 1025, "at most 1024"), ("long\x00enough", "NUL")])
def test_weak_passwords_are_refused_with_the_rule(password: str, why: str) -> None:
    with pytest.raises(passwords.WeakPassword, match=why):
        passwords.hash_password(password)


def test_bad_sign_ins_are_throttled_per_user_and_per_address() -> None:
    throttle = LoginThrottle(window=300, per_user=3, per_address=5)
    for i in range(3):
        assert throttle.wait("lucia", "10.0.0.1", now=i) == 0
        throttle.failed("lucia", "10.0.0.1", now=i)
    assert throttle.wait("lucia", "10.0.0.9", now=3) == pytest.approx(297)  # any address
    assert throttle.wait("LUCIA", "10.0.0.9", now=3) > 0                    # any case
    assert throttle.wait("marc", "10.0.0.9", now=3) == 0                    # another user
    throttle.failed("marc", "10.0.0.1", now=4)
    throttle.failed("ana", "10.0.0.1", now=5)
    assert throttle.wait("tom", "10.0.0.1", now=6) == pytest.approx(294)   # that address
    assert throttle.wait("lucia", "10.0.0.9", now=300.5) == 0              # window passed


def test_a_good_sign_in_clears_the_user_count_but_not_the_address() -> None:
    throttle = LoginThrottle(window=60, per_user=2, per_address=3)
    throttle.failed("lucia", "a", now=0)
    throttle.succeeded("lucia")
    throttle.failed("lucia", "a", now=1)
    assert throttle.wait("lucia", "b", now=2) == 0
    throttle.failed("x", "a", now=2)
    assert throttle.wait("y", "a", now=3) > 0


def test_the_throttle_forgets_the_oldest_keys_past_its_bound() -> None:
    throttle = LoginThrottle(window=60, per_user=1, per_address=100, max_keys=10)
    for i in range(20):
        throttle.failed(f"user{i}", f"addr{i}", now=0)
    assert throttle.wait("user0", "z", now=1) == 0
    assert throttle.wait("user19", "z", now=1) > 0


def test_the_command_bucket_allows_bursts_then_the_rate() -> None:
    bucket = TokenBucket(rate=2, burst=4, now=0)
    assert [bucket.take(0) for _ in range(5)] == [True] * 4 + [False]
    assert bucket.take(0.5) and not bucket.take(0.5)
