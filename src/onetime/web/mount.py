"""`mount_site(app, services, config)`: the site on the API's app, one port for both.

The site answers every path the API does not own; /api/…, /docs and /openapi.json
stay the API's, so its 404 and 405 problem documents are unchanged.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Match, Mount
from starlette.types import Scope

from onetime.banking.otp.local import local_site
from onetime.config import Config
from onetime.service.services import Services
from onetime.web.app import create_site
from onetime.web.config import SiteConfig

API_PATHS = ("/api/", "/docs", "/openapi.json", "/redoc")


class SiteMount(Mount):
    """A catch-all mount that leaves the API's paths to the API."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if path == "/api" or path.startswith(API_PATHS):
            return Match.NONE, {}
        return super().matches(scope)


def mount_site(app: FastAPI, services: Services, config: Config,
               site_config: SiteConfig | None = None) -> FastAPI:
    """Mount the banking site and branch console on `app`; returns the site's own app.

    /dev/mail is only there when `config.demo` (make run) is set.
    """
    site_config = site_config or SiteConfig.from_config(config)

    def kick() -> None:
        # The API app's outbox dispatcher, once its lifespan started it.
        kick_outbox = getattr(app.state, "kick_outbox", None)
        if kick_outbox is not None:
            kick_outbox()

    site = local_site(services, kdf_profile=site_config.kdf_profile, kick=kick,
                      idle=site_config.idle)
    site_app = create_site(site, site_config)
    app.router.routes.append(SiteMount("", app=site_app, name="site"))
    app.state.site = site
    return site_app
