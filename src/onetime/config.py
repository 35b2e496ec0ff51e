"""Process configuration from the environment, with the embedded defaults of `make run`.

Nothing here moves the clock or lowers argon2's cost: those test hooks exist only in the
development mode that `onetime serve --dev` selects (onetime.dev).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path


@dataclass(frozen=True)
class Config:
    database_url: str
    key_file: Path
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    seal_interval: float  # the fallback sealer thread in each worker
    sealer_interval: float  # the dedicated sealer process of `onetime serve`
    audit_anchor: Path
    outbox_interval: float
    demo: bool
    # Proxies whose X-Forwarded-For names the client (api/forwarded.py); none by default.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    var: Path = Path("var")  # the server's own files: database, keys, heartbeats
    # Set by `onetime serve` for its workers when it supervises a sealer process, whose
    # heartbeat /readyz then reads; None: no dedicated sealer to wait for.
    sealer_heartbeat: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        var = Path(env.get("ONETIME_VAR", "var"))
        heartbeat = env.get("ONETIME_SEALER_HEARTBEAT")
        return cls(
            database_url=env.get("ONETIME_DATABASE_URL", f"sqlite:///{var / 'onetime.db'}"),
            key_file=Path(env.get("ONETIME_KEY_FILE", str(var / "keys.json"))),
            smtp_host=env.get("ONETIME_SMTP_HOST", "127.0.0.1"),
            smtp_port=int(env.get("ONETIME_SMTP_PORT", "8025")),
            # STARTTLS everywhere but the embedded sink on this machine.
            smtp_starttls=env.get("ONETIME_SMTP_STARTTLS",
                                  "0" if env.get("ONETIME_SMTP_HOST", "127.0.0.1")
                                  in ("127.0.0.1", "localhost") else "1") == "1",
            seal_interval=float(env.get("ONETIME_SEAL_INTERVAL", "1.0")),
            # Often, so each round's write (which on SQLite every verification waits for)
            # stores a small batch.
            sealer_interval=float(env.get("ONETIME_SEALER_INTERVAL", "0.05")),
            audit_anchor=Path(env.get("ONETIME_AUDIT_ANCHOR", str(var / "audit-anchor.json"))),
            outbox_interval=float(env.get("ONETIME_OUTBOX_INTERVAL", "2.0")),
            demo=env.get("ONETIME_DEMO", "0") == "1",
            trusted_proxies=_networks(env.get("ONETIME_TRUSTED_PROXIES", "")),
            var=var,
            sealer_heartbeat=Path(heartbeat) if heartbeat else None,
        )


def _networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses and CIDR networks. Raises ValueError naming a wrong one."""
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            out.append(ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"ONETIME_TRUSTED_PROXIES: {item!r} is not an IP address or "
                             "network") from None
    return tuple(out)
