"""The site's settings, from the process Config and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from onetime.config import Config

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class SiteConfig:
    # The institution this site serves (one bank deploys one site).
    service_id: str = "0000"
    kdf_profile: str = "production"
    idle: timedelta = timedelta(minutes=15)
    # Cookies lose the Secure flag only when this is set AND the request came to a
    # loopback host over http (make run, browser tests); everywhere else they keep it.
    insecure_loopback_cookies: bool = False
    # /dev/mail and the mail sink's Maildir: demo mode only.
    demo: bool = False
    maildir: Path | None = None

    @classmethod
    def from_config(cls, config: Config, env: dict[str, str] | None = None, *,
                    kdf_profile: str = "production") -> SiteConfig:
        """The site of `config`; `kdf_profile` "test" only from onetime.dev or a test."""
        env = dict(os.environ if env is None else env)
        maildir = env.get("ONETIME_MAILDIR") or str(config.key_file.parent / "mail")
        return cls(
            service_id=env.get("ONETIME_SITE_SERVICE_ID", "0000"),
            kdf_profile=kdf_profile,
            idle=timedelta(minutes=float(env.get("ONETIME_SITE_IDLE_MINUTES", "15"))),
            insecure_loopback_cookies=config.demo
            or env.get("ONETIME_SITE_INSECURE_LOOPBACK_COOKIES") == "1",
            demo=config.demo,
            maildir=Path(maildir) if config.demo else None,
        )
