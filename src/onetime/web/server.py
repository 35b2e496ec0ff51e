"""`uvicorn --factory onetime.web.server:app`: the API and the site on one port.

Like onetime.api.server, with the banking site mounted; the browser tests run it.
"""

from __future__ import annotations

from fastapi import FastAPI

from onetime.api import server
from onetime.config import Config
from onetime.domain.clock import Clock
from onetime.web.config import SiteConfig
from onetime.web.mount import mount_site


def app() -> FastAPI:
    return build(Config.from_env())


def build(config: Config, *, clock: Clock | None = None,
          kdf_profile: str = "production") -> FastAPI:
    """onetime.api.server.build with the site mounted (same `clock` and `kdf_profile`)."""
    api = server.build(config, clock=clock, kdf_profile=kdf_profile)
    mount_site(api, api.state.services, config,
               SiteConfig.from_config(config, kdf_profile=kdf_profile))
    return api
