"""The app's settings from the environment: server, vault; KDF costs and clock from flags.

ONETIME_SERVER       the OTP service (default http://127.0.0.1:8000, the `make run` demo)
ONETIME_TOKEN_VAULT  the vault file (default: vault.json in the user's data directory)

argon2's minimum cost and a clock read from a file (for end-to-end tests, matching a
server started with `onetime serve --dev`) come only from the explicit command-line
switch `onetime-token --dev --kdf test --clock-file F` (cli.py), never from the
environment: a lock code under the minimum cost is guessed in seconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from onetime.app.vault import MIN_UNLOCK_SECONDS, VAULT_KDF, default_path
from onetime.crypto import PRODUCTION_KDF, TEST_KDF, KdfParams
from onetime.domain.clock import Clock, FileClock, SystemClock

DEFAULT_SERVER = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class AppConfig:
    server_url: str
    vault_path: Path
    protocol_kdf: KdfParams  # the setup PAKE's argon2id: the service's profile
    lock_kdf: KdfParams  # a new lock-code slot's argon2id
    min_unlock_seconds: float
    clock: Clock

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, server_url: str | None = None,
                 vault_path: str | Path | None = None, kdf_profile: str = "production",
                 clock_file: Path | None = None) -> AppConfig:
        """`kdf_profile` "test" and `clock_file`: only from the --dev switch, or a test."""
        env = dict(os.environ if env is None else env)
        test = kdf_profile == "test"
        vault = vault_path or env.get("ONETIME_TOKEN_VAULT")
        return cls(
            server_url=server_url or env.get("ONETIME_SERVER", DEFAULT_SERVER),
            vault_path=Path(vault) if vault else default_path(),
            protocol_kdf=TEST_KDF if test else PRODUCTION_KDF,
            lock_kdf=TEST_KDF if test else VAULT_KDF,
            min_unlock_seconds=0.0 if test else MIN_UNLOCK_SECONDS,
            clock=FileClock(str(clock_file)) if clock_file else SystemClock(),
        )
