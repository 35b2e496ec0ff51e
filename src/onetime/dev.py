"""Development mode: a clock read from a file and argon2's minimum cost, on the loopback only.

End-to-end tests move a running server's time by writing a file (FileClock) and make
setup cheap with argon2's minimum cost. In a bank either would be a backdoor (a file that
moves the clock; guessable activation passwords), so neither is configuration:
`Config` cannot express them and the production factories (onetime.api.server,
onetime.web.server) never read them. Only `onetime serve --dev` selects the factories
below, and it refuses to bind anything but a loopback address; it hands them the
settings through ONETIME_DEV_SETTINGS, the one channel to uvicorn's worker processes.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from onetime.config import Config
from onetime.domain.clock import Clock, FileClock, SystemClock

ENV = "ONETIME_DEV_SETTINGS"
KDF_PROFILES = ("production", "test")


class NotLoopback(ValueError):
    """A development mode was asked to listen where other machines can reach it."""


@dataclass(frozen=True)
class DevSettings:
    clock_file: Path | None = None  # None: the system clock
    kdf_profile: str = "production"  # "test": argon2's minimum cost

    def clock(self) -> Clock:
        return FileClock(str(self.clock_file)) if self.clock_file else SystemClock()

    def to_json(self) -> str:
        return json.dumps({"clock_file": str(self.clock_file) if self.clock_file else None,
                           "kdf_profile": self.kdf_profile})

    @classmethod
    def from_json(cls, text: str) -> DevSettings:
        data = json.loads(text)
        if data["kdf_profile"] not in KDF_PROFILES:
            raise ValueError(f"unknown KDF profile {data['kdf_profile']!r}")
        return cls(clock_file=Path(data["clock_file"]) if data["clock_file"] else None,
                   kdf_profile=data["kdf_profile"])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # another host name: it could resolve to anything
        return False


def require_loopback(host: str, mode: str) -> None:
    """Raises NotLoopback unless `host` is a loopback address (127.0.0.0/8, ::1, localhost)."""
    if not is_loopback(host):
        raise NotLoopback(f"{mode} is refused on a non-loopback address ({host}): its test "
                          "clock, cheap KDF or published passwords would be reachable from "
                          "other machines; bind 127.0.0.1")


def _settings() -> DevSettings:
    return DevSettings.from_json(os.environ[ENV])


def api_app() -> FastAPI:
    """`onetime serve --dev`'s factory: onetime.api.server's app with the dev settings."""
    from onetime.api import server
    dev = _settings()
    return server.build(Config.from_env(), clock=dev.clock(), kdf_profile=dev.kdf_profile)


def site_app() -> FastAPI:
    """`onetime serve --dev --site`'s factory: onetime.web.server's app, dev settings."""
    from onetime.web import server
    dev = _settings()
    return server.build(Config.from_env(), clock=dev.clock(), kdf_profile=dev.kdf_profile)
