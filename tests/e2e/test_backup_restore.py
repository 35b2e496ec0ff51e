"""`onetime backup` and `onetime restore` (issue 13, point 4), on SQLite and PostgreSQL.

The commands run as real subprocesses; the tokens are checked through the service, on
the restored database, with the codes of their real secrets.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bench.loader import LoadedTokens, load_active_tokens
from onetime.config import Config
from onetime.crypto import FileKeyProvider
from onetime.otp import step_at
from onetime.service.audit import seal_pending
from onetime.service.backup import BackupError, Manifest, create_backup, restore_backup
from onetime.service.services import Services, build_context
from onetime.storage import backup as store
from onetime.storage.schema import audit_log
from tests.e2e import servers


def run(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "onetime.cli", *args],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}): {result.stdout}\n"
                             f"{result.stderr}")
    return result


def services_of(env: dict) -> Services:
    return Services.from_context(build_context(Config.from_env(env)))


def wreck(site: servers.Site) -> None:
    """Lose the database and the audit anchor: an SQLite file deleted, a schema dropped."""
    site.ctx.db.dispose()
    if site.kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{site.dir / 'onetime.db'}{suffix}").unlink(missing_ok=True)
    else:
        with site.ctx.db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        site.ctx.db.dispose()
    (site.dir / "audit-anchor.json").unlink()


class Bank:
    """The site's institution and tokens as the service sees them through `env`."""

    def __init__(self, env: dict, loaded: LoadedTokens) -> None:
        self.services = services_of(env)
        self.loaded = loaded
        self.institution = self.services.institutions.get(loaded.institution.service_id)

    def step(self) -> int:
        return step_at(self.services.ctx.clock.now().timestamp(),
                       self.institution.settings.period)

    def verify(self, index: int, code: str) -> str:
        return self.services.tokens.verify(self.institution, self.loaded.user_id(index), code,
                                           "transfer").result

    def attempts_left(self, index: int) -> int:
        return self.services.tokens.get_token(self.institution,
                                              self.loaded.user_id(index)).attempts_left

    def close(self) -> None:
        self.services.ctx.db.dispose()


@pytest.fixture
def backed_up(site, tmp_path):
    """Tokens used, one with failures, the audit sealed, then a backup; the site wrecked."""
    env = site.env
    bank = Bank(env, load_active_tokens(site.ctx, site.institution, 6))
    step = bank.step()
    used = {i: bank.loaded.code(i, step) for i in (0, 1)}
    assert [bank.verify(i, code) for i, code in used.items()] == ["accepted", "accepted"]
    for wrong in bank.loaded.wrong_codes(2, step, 3):
        assert bank.verify(2, wrong) == "rejected"
    assert bank.attempts_left(2) == bank.institution.settings.max_failures - 3
    bank.close()
    assert run(env, "audit", "verify").returncode == 0
    backup = tmp_path / "onetime.backup"
    made = run(env, "backup", str(backup))
    assert "key file is not in the backup" in made.stdout
    assert "backed up: " in made.stderr  # the progress line
    return site, bank.loaded, used, backup


def test_a_restored_backup_keeps_the_audit_trail_single_use_and_failure_counts(backed_up):
    """Backup, wreck, restore: audit verify passes, used codes stay used, counts are kept."""
    site, loaded, used, backup = backed_up
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    wreck(site)

    restored = run(site.env, "restore", str(backup))
    assert "restored the backup" in restored.stdout
    verified = run(site.env, "audit", "verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert " 0 problems" in verified.stdout

    bank = Bank(site.env, loaded)
    try:
        assert [bank.verify(i, code) for i, code in used.items()] == ["rejected", "rejected"]
        step = bank.step()
        assert bank.verify(3, loaded.code(3, step)) == "accepted"
        assert bank.verify(0, loaded.code(0, step + 1)) == "accepted"
        assert bank.attempts_left(2) == bank.institution.settings.max_failures - 3
        with bank.services.ctx.db.read() as conn:
            events = list(conn.execute(select(audit_log.c.event, audit_log.c.actor)))
        assert ("backup_restored", "operator") in events
    finally:
        bank.close()


def test_restore_refuses_a_database_that_holds_data_unless_forced(backed_up):
    """Without --force a restore never replaces data; with it, the backup's state returns."""
    site, loaded, used, backup = backed_up
    bank = Bank(site.env, loaded)
    step = bank.step()
    assert bank.verify(4, loaded.code(4, step)) == "accepted"  # after the backup
    bank.close()

    refused = run(site.env, "restore", str(backup), check=False)
    assert refused.returncode == 1
    assert "holds data" in refused.stderr
    assert "--force" in refused.stderr
    bank = Bank(site.env, loaded)
    assert bank.verify(4, loaded.code(4, step)) == "rejected"  # still the live database
    bank.close()

    run(site.env, "restore", "--force", str(backup))
    assert run(site.env, "audit", "verify", check=False).returncode == 0
    bank = Bank(site.env, loaded)
    try:
        assert bank.verify(4, loaded.code(4, step)) == "accepted"  # as of the backup
        assert bank.verify(0, used[0]) == "rejected"
    finally:
        bank.close()


def test_a_backup_restores_into_its_own_kind_of_database_only(backed_up, tmp_path):
    """An SQLite backup is refused by a PostgreSQL installation, and the other way round."""
    site, _loaded, _used, backup = backed_up
    other = tmp_path / "other"
    other.mkdir()
    (other / "keys.json").write_bytes(site.key_file.read_bytes())
    env = {**site.env, "ONETIME_VAR": str(other), "ONETIME_KEY_FILE": str(other / "keys.json")}
    if site.kind == "sqlite":
        with servers.postgres_database() as url:
            refused = run({**env, "ONETIME_DATABASE_URL": url}, "restore", str(backup),
                          check=False)
    else:
        env["ONETIME_DATABASE_URL"] = f"sqlite:///{other / 'onetime.db'}"
        refused = run(env, "restore", str(backup), check=False)
    assert refused.returncode == 1
    assert f"a {site.kind} backup cannot be restored into" in refused.stderr


def test_restore_needs_the_key_file_the_backup_was_made_with(backed_up, tmp_path):
    """Another key file fails the manifest's MAC; no key file at all is told plainly."""
    site, _loaded, _used, backup = backed_up
    wreck(site)
    site.key_file.rename(site.key_file.with_suffix(".kept"))
    missing = run(site.env, "restore", str(backup), check=False)
    assert missing.returncode != 0
    assert "no key file" in missing.stderr
    assert "backed up separately" in missing.stderr
    FileKeyProvider.create(site.key_file)
    foreign = run(site.env, "restore", str(backup), check=False)
    assert foreign.returncode == 1
    assert "fails its MAC" in foreign.stderr
    assert store.state(site.ctx.db) == "empty"


@pytest.fixture
def sqlite_site(tmp_path):
    with servers.site("sqlite", tmp_path / "site") as site:
        yield site


@pytest.fixture
def pg_site(tmp_path):
    if problem := servers.postgres_problem():
        if servers.REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    with servers.site("postgresql", tmp_path / "site") as site:
        yield site


def test_a_sqlite_file_that_is_not_a_database_is_set_aside_with_force(sqlite_site, tmp_path):
    """A damaged SQLite file: refused without --force; with it, moved aside, not deleted."""
    site = sqlite_site
    backup = tmp_path / "b"
    run(site.env, "backup", str(backup))
    site.ctx.db.dispose()
    db = site.dir / "onetime.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is no longer a database" * 200)
    refused = run(site.env, "restore", str(backup), check=False)
    assert refused.returncode == 1
    assert "unreadable" in refused.stderr
    forced = run(site.env, "restore", "--force", str(backup))
    aside = [p for p in site.dir.iterdir() if p.name.startswith("onetime.db.unreadable-")]
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is no longer")
    assert str(aside[0]) in forced.stdout
    assert run(site.env, "audit", "verify", check=False).returncode == 0


def test_backup_never_overwrites_a_file(site, tmp_path):
    """An existing file at the backup's path is left alone and the command fails."""
    target = tmp_path / "existing"
    target.write_bytes(b"keep me")
    refused = run(site.env, "backup", str(target), check=False)
    assert refused.returncode == 1
    assert "exists" in refused.stderr
    assert target.read_bytes() == b"keep me"


# -- the file's integrity ---------------------------------------------------------------


@pytest.fixture
def empty_target(site, tmp_path):
    """A second installation with the same key file and an empty database."""
    other = tmp_path / "target"
    other.mkdir()
    (other / "keys.json").write_bytes(site.key_file.read_bytes())
    env = {**site.env, "ONETIME_VAR": str(other), "ONETIME_KEY_FILE": str(other / "keys.json")}
    if site.kind == "sqlite":
        yield {**env, "ONETIME_DATABASE_URL": f"sqlite:///{other / 'onetime.db'}"}
    else:
        with servers.postgres_database() as url:
            yield {**env, "ONETIME_DATABASE_URL": url}


def _sealed_backup(site, path: Path) -> bytes:
    """Tokens, sealed and anchored, backed up in this process (the CLI's own tests run it)."""
    ctx = build_context(Config.from_env(site.env))
    try:
        load_active_tokens(ctx, site.institution, 3)
        assert seal_pending(ctx) > 0
        create_backup(ctx, path, actor="test", workdir=path.parent)
    finally:
        ctx.db.dispose()
    return path.read_bytes()


def _restore(env: dict, path: Path) -> None:
    ctx = build_context(Config.from_env(env))
    try:
        restore_backup(ctx, path, force=False, actor="test", workdir=path.parent / "work")
    finally:
        ctx.db.dispose()


def _untouched(env: dict) -> None:
    ctx = build_context(Config.from_env(env))
    try:
        assert store.state(ctx.db) == "empty"
    finally:
        ctx.db.dispose()
    assert not Path(env["ONETIME_VAR"], "audit-anchor.json").exists()


def test_a_tampered_backup_is_refused_with_a_clear_message(site, empty_target, tmp_path):
    """One byte changed, in the header, the manifest, the MAC or the database: refused."""
    good = _sealed_backup(site, tmp_path / "good")
    header_end = good.index(b"\nmac ") + 70
    mac_digit = header_end - 3  # a hex digit of the MAC line
    places = {0: (flip, "not a onetime backup"), 20: (flip, "MAC"),
              good.index(b'"sha256"') + 12: (flip, "MAC"),
              # Another hex digit: a wrong MAC. (A flipped bit of "a" or "f" is no hex
              # digit at all, which is the damaged header below, not a MAC failure.)
              mac_digit: (other_hex_digit, "MAC"), mac_digit + 1: (lambda _b: ord("g"),
                                                                   "header is damaged"),
              header_end + 2000: (flip, "database does not match its SHA-256"),
              len(good) - 1: (flip, "does not match its SHA-256")}
    for where, (change, told) in places.items():
        bad = bytearray(good)
        bad[where] = change(bad[where])
        (tmp_path / "bad").write_bytes(bytes(bad))
        with pytest.raises(BackupError, match=told):
            _restore(empty_target, tmp_path / "bad")
        _untouched(empty_target)
    refused = run(empty_target, "restore", str(tmp_path / "bad"), check=False)
    assert refused.returncode == 1
    assert "does not match its SHA-256" in refused.stderr
    assert "nothing was changed" in refused.stderr
    _untouched(empty_target)
    run(empty_target, "restore", str(tmp_path / "good"))  # the untouched file restores
    assert run(empty_target, "audit", "verify", check=False).returncode == 0


def flip(byte: int) -> int:
    return byte ^ 0x01


def other_hex_digit(byte: int) -> int:
    return ord("0") if byte != ord("0") else ord("1")


@pytest.mark.parametrize("digit", "0123456789abcdef")
def test_a_changed_mac_digit_is_a_mac_failure_whatever_the_digit(digit):
    """The test above changes a MAC digit into another digit: it must be one."""
    changed = other_hex_digit(ord(digit))
    assert chr(changed) in "0123456789abcdef"
    assert changed != ord(digit)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_or_cut_is_refused_before_anything_is_written(
        site, empty_target, tmp_path, data):
    """Property: every single-byte change and every truncation raises BackupError."""
    path = tmp_path / "good"
    good = path.read_bytes() if path.exists() else _sealed_backup(site, path)
    bad = bytearray(good)
    if data.draw(st.booleans(), label="cut"):
        bad = bad[:data.draw(st.integers(0, len(good) - 1), label="length")]
    else:
        where = data.draw(st.integers(0, len(good) - 1), label="where")
        bad[where] ^= data.draw(st.integers(1, 255), label="xor")
    (tmp_path / "bad").write_bytes(bytes(bad))
    with pytest.raises(BackupError):
        _restore(empty_target, tmp_path / "bad")
    _untouched(empty_target)


def test_a_backup_of_a_newer_onetime_is_refused(site, empty_target, tmp_path):
    """A manifest (MACed with the right key) naming an unknown revision is refused."""
    good = _sealed_backup(site, tmp_path / "good")
    magic, line, _mac, rest = good.split(b"\n", 3)
    body = json.loads(line)
    body["alembic"]["otp"] = "ffffffffffff"
    new_line = json.dumps(body, sort_keys=True).encode() + b"\n"
    ctx = build_context(Config.from_env(empty_target))
    mac = ctx.keyring.mac("backup-manifest", new_line).hex().encode()
    ctx.db.dispose()
    (tmp_path / "newer").write_bytes(magic + b"\n" + new_line + b"mac " + mac + b"\n" + rest)
    assert Manifest.parse(new_line).revisions["otp"] == "ffffffffffff"
    with pytest.raises(BackupError, match="revision ffffffffffff, which this onetime"):
        _restore(empty_target, tmp_path / "newer")
    _untouched(empty_target)


def test_the_manifest_names_what_the_backup_holds(site, tmp_path):
    """Format, version, database kind, both histories' revisions, time, parts' SHA-256."""
    good = _sealed_backup(site, tmp_path / "good")
    manifest = json.loads(good.split(b"\n")[1])
    ctx = build_context(Config.from_env(site.env))
    try:
        revisions = store.revisions(ctx.db)
    finally:
        ctx.db.dispose()
    assert manifest["format"] == 1
    assert manifest["database"] == site.kind
    assert manifest["alembic"] == revisions
    assert None not in revisions.values()
    assert manifest["key_file"] == "not included"
    assert [p["name"] for p in manifest["parts"]] == ["database", "audit-anchor"]
    assert b"keys" not in good.split(b"\n")[1].replace(b"key_file", b"")


# -- PostgreSQL's programs ----------------------------------------------------------------


@pytest.mark.postgres
def test_missing_pg_programs_are_named_with_the_fix(pg_site, tmp_path):
    """No pg_dump where told to look: a clear error, exit 1, and no backup file."""
    site = pg_site
    with pytest.raises(BackupError, match=r"pg_dump not found.*postgresql-client"):
        store.pg_tool("pg_dump", tmp_path)
    refused = run(site.env, "backup", str(tmp_path / "b"), "--pg-bindir", str(tmp_path),
                  check=False)
    assert refused.returncode == 1
    assert "pg_dump not found" in refused.stderr
    assert "postgresql-client" in refused.stderr
    assert not (tmp_path / "b").exists()
