"""The embedded server asks for a password it generated, kept in its data directory."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess

import asyncpg
import pytest

from cti.store import EmbeddedPostgres
from cti.store.embedded import postgres_bin_dir

TRUST_HBA = "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"


async def _login(dsn: str, **kwargs: object) -> object:
    conn = await asyncpg.connect(dsn, timeout=5, **kwargs)
    try:
        return await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()


async def _refused_without_password(server: EmbeddedPostgres) -> None:
    with pytest.raises(asyncpg.InvalidPasswordError):
        await _login(server.display_dsn, password="")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await _login(server.display_dsn, password="guess")


async def test_logins_need_the_generated_password(private_pg_server: EmbeddedPostgres) -> None:
    server = private_pg_server
    async with asyncio.timeout(20):
        await _refused_without_password(server)
        assert await _login(server.dsn) == "postgres"
        assert await _login(server.display_dsn, passfile=str(server.password_file)) == "postgres"
    assert server.display_dsn == f"postgresql://postgres@127.0.0.1:{server.port}/cti"
    assert ":" not in server.display_dsn.split("@")[0].removeprefix("postgresql://")


def test_the_password_file_is_private_to_its_owner(private_pg_server: EmbeddedPostgres) -> None:
    info = private_pg_server.password_file.stat()
    assert private_pg_server.password_file.parent == private_pg_server.data_dir
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_uid == os.geteuid()
    assert len(private_pg_server.password) >= 32
    assert private_pg_server.password not in (private_pg_server.log_path.read_text())


def test_psql_logs_in_with_the_dsn_and_password_file_the_demo_prints(
        private_pg_server: EmbeddedPostgres) -> None:
    psql = postgres_bin_dir() / "psql"
    done = subprocess.run(
        [str(psql), "-X", "-A", "-t", "-c", "SELECT current_database()",
         private_pg_server.display_dsn],
        capture_output=True, text=True, timeout=20,
        env={**os.environ, "PGPASSFILE": str(private_pg_server.password_file)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cti"


async def _make_it_old(server: EmbeddedPostgres) -> None:
    """Turn the data directory into one made before passwords: trust, no password."""
    conn = await asyncpg.connect(server.dsn, timeout=5)
    try:
        await conn.execute("ALTER USER postgres PASSWORD NULL")
    finally:
        await conn.close()
    (server.data_dir / "pg_hba.conf").write_text(TRUST_HBA)
    server.password_file.unlink()


@pytest.mark.parametrize("running", [False, True], ids=["stopped", "running"])
async def test_a_data_directory_made_before_passwords_gets_one(
        private_pg_server: EmbeddedPostgres, running: bool) -> None:
    server = private_pg_server
    async with asyncio.timeout(40):
        await _make_it_old(server)
        if running:  # an old cti started it; the new one adopts it
            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(server._pg_ctl, "start", "-w", "-l", str(server.log_path),
                                    "-o", f"-p {server.port}")
            assert await _login(server.display_dsn, password="") == "postgres"  # trust
        else:
            await asyncio.to_thread(server.stop)
        upgraded = EmbeddedPostgres(server.data_dir, durable=False)
        dsn = await asyncio.to_thread(upgraded.start)
        try:
            assert upgraded.password_file.exists()
            assert stat.S_IMODE(upgraded.password_file.stat().st_mode) == 0o600
            await _refused_without_password(upgraded)
            assert await _login(dsn) == "postgres"
            # once is enough: the next start finds the password and keeps it
            again = EmbeddedPostgres(server.data_dir, durable=False)
            assert await asyncio.to_thread(again.start) == dsn
            await asyncio.to_thread(again.stop)
        finally:
            await asyncio.to_thread(upgraded.stop)  # it owns a server it found ownerless
        assert not upgraded.is_running
