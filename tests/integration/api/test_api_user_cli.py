"""`cti user` against the real database: add, list, passwd, disable, set, keys; and
one-line errors."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

import pytest
import yaml

from cti.api import passwords
from cti.cli import main
from cti.store import Store

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_dir(tmp_path: Path, dsn: str) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(ROOT / "config", directory)
    cti = yaml.safe_load((directory / "cti.yaml").read_text())
    cti["database"] = {"url": dsn}
    (directory / "cti.yaml").write_text(yaml.safe_dump(cti))
    return directory


async def _cti(monkeypatch: pytest.MonkeyPatch, config: Path, *argv: str,
               stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return await asyncio.to_thread(main, [*argv, "--config", str(config)])


async def test_cti_user_manages_users_and_keys(
        config_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    async with asyncio.timeout(60):
        assert await _cti(monkeypatch, config_dir, "user", "add", "lucia", "--role", "agent",
                          "--agent", "a1001", stdin="correct horse battery\n") == 0
        assert "user lucia added (agent, agent a1001)" in capsys.readouterr().out
        assert await _cti(monkeypatch, config_dir, "user", "add", "carmen", "--role",
                          "supervisor", "--agent", "s2001", "--queues", "vip,complaints",
                          "--name", "Carmen\x1b[31m Vidal", stdin="another long one\n") == 0
        user = await store.users.get("lucia")
        assert user is not None and passwords.verify_password(user.password_hash,
                                                              "correct horse battery")
        carmen = await store.users.get("carmen")
        assert carmen is not None and carmen.name == "Carmen[31m Vidal"
        assert carmen.queues == ("vip", "complaints")

        capsys.readouterr()
        assert await _cti(monkeypatch, config_dir, "user", "list") == 0
        listing = capsys.readouterr().out
        assert "lucia" in listing and "vip,complaints" in listing and "\x1b" not in listing

        assert await _cti(monkeypatch, config_dir, "user", "passwd", "lucia",
                          stdin="a brand new one\n") == 0
        user = await store.users.get("lucia")
        assert passwords.verify_password(user.password_hash, "a brand new one")  # type: ignore[union-attr]
        assert await _cti(monkeypatch, config_dir, "user", "disable", "lucia") == 0
        assert (await store.users.get("lucia")).disabled  # type: ignore[union-attr]
        assert await _cti(monkeypatch, config_dir, "user", "set", "carmen", "--queues",
                          "bookings") == 0
        assert (await store.users.get("carmen")).queues == ("bookings",)  # type: ignore[union-attr]

        capsys.readouterr()
        assert await _cti(monkeypatch, config_dir, "user", "key", "add", "crm", "--scopes",
                          "customers:read,cases:read") == 0
        key_line = capsys.readouterr().out.splitlines()[1]
        assert key_line.startswith("ctik_")
        (key,) = await store.users.keys()
        assert key.scopes == ("cases:read", "customers:read")
        assert await _cti(monkeypatch, config_dir, "user", "key", "revoke", key.id) == 0
        assert (await store.users.key(key.id)).revoked_at is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["user", "add", "x", "--role", "agent"], "long enough pw\n",
     "an agent user needs --agent"),
    (["user", "add", "x", "--role", "agent", "--agent", "zz99"], "long enough pw\n",
     "no agent 'zz99' in agents.yaml"),
    (["user", "add", "x", "--role", "supervisor", "--queues", "nope"], "long enough pw\n",
     "no queue nope in queues.yaml"),
    (["user", "add", "x", "--role", "admin"], "short\n", "at least 8 characters"),
    (["user", "passwd", "ghost"], "long enough pw\n", "no user 'ghost'"),
    (["user", "key", "add", "crm", "--scopes", "everything"], "", "scopes everything"),
], ids=["no-agent", "unknown-agent", "unknown-queue", "short-password", "no-user",
        "bad-scope"])
async def test_cti_user_errors_are_one_line(
        config_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str,
        message: str) -> None:
    async with asyncio.timeout(30):
        assert await _cti(monkeypatch, config_dir, *argv, stdin=stdin) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cti: ") and message in err and "\n" not in err, err
