"""`make run`: the whole system on one machine, on SQLite, with demo data.

Starts the embedded SMTP sink, creates the key file, the schema and the demo
institution, then serves the API (and the banking site, when present) on one port.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path

from onetime.config import Config
from onetime.domain.clock import SystemClock
from onetime.domain.errors import UnknownInstitution
from onetime.mail import MailSink
from onetime.service.services import Background, Services, build_context
from onetime.storage import migrate
from onetime.web.config import SiteConfig
from onetime.web.mount import mount_site

DEMO_SERVICE_ID = "0000"
DEMO_NAME = "けんしんデモ信用組合"
DEMO_SENDER = "otp@kenshin-demo.example.jp"
DEMO_TOKEN_USER = "demo-taro"  # noqa: S105 - a user ID
DEMO_ACTIVATION_PASSWORD = "1234"  # noqa: S105 - a published demo value, not a secret
DEMO_CONFIRMATION = "both"  # 取引確認: the app's 承認 online, or its OCRA code offline
# A second contract whose OTP the branch has enabled already: its transfers go through
# 取引確認 as soon as its user has set the token up. Published demo values, not secrets.
KAKUNIN_CONTRACT = "2000002"
KAKUNIN_USER = ("kakunin-master", "確認 太郎", "Kakunin-pass1", "Kakunin-conf1")


def run_demo(config: Config, *, host: str = "127.0.0.1", port: int = 8000,
             kdf_profile: str = "production") -> int:
    import uvicorn

    var = config.key_file.parent
    var.mkdir(parents=True, exist_ok=True)
    sink = MailSink(var / "mail", port=config.smtp_port)
    sink.start()
    # Port 0 lets tests run a demo beside another; the outbox must use the port picked.
    config = dataclasses.replace(config, smtp_port=sink.port)
    config = dataclasses.replace(config, demo=True)  # the site's /dev/mail, http cookies
    ctx = build_context(config, clock=SystemClock(), create_keys=True, kdf_profile=kdf_profile)
    migrate.upgrade(ctx.db)
    services = Services.from_context(ctx)
    try:
        institution = services.institutions.get(DEMO_SERVICE_ID, fresh=True)
        api_key = services.institutions.rotate_api_key(DEMO_SERVICE_ID)
    except UnknownInstitution:
        institution, api_key = services.institutions.add(DEMO_SERVICE_ID, DEMO_NAME, DEMO_SENDER)
    if institution.settings.transaction_confirmation != DEMO_CONFIRMATION:
        # The demo shows 取引確認 both ways (docs/transaction-confirmation.md, "Site").
        institution = services.institutions.configure(
            DEMO_SERVICE_ID, actor="demo", transaction_confirmation=DEMO_CONFIRMATION)
    doc = services.tokens.get_token(institution, DEMO_TOKEN_USER)
    if doc.state.value in ("none", "issued", "activated", "expired", "revoked"):
        services.tokens.issue_token(institution, DEMO_TOKEN_USER, "taro@example.jp",
                                    DEMO_ACTIVATION_PASSWORD, actor="demo")

    app = _build_app(services, ctx, config, kdf_profile)
    base = f"http://{host}:{port}"
    site_banner = _seed_site(services, institution, base, kdf_profile)
    print(_banner(base, api_key.reveal_text(), sink.port, var, site_banner), flush=True)
    try:
        # The client address is ClientAddress's to decide (api/forwarded.py), not uvicorn's.
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    finally:
        sink.stop()
    return 0


def _build_app(services: Services, ctx, config: Config, kdf_profile: str):
    from onetime.api.app import create_app
    background: list[Background] = []
    app = create_app(services, on_start=lambda: background.append(Background.start(ctx, config)),
                     on_stop=lambda: [b.stop() for b in background],
                     kick_outbox=lambda: background and background[0].outbox.kick(),
                     trusted_proxies=config.trusted_proxies)
    mount_site(app, services, config, SiteConfig.from_config(config, kdf_profile=kdf_profile))
    return app


def _seed_site(services: Services, institution, base: str, kdf_profile: str) -> str:
    """The banking site's demo contract, users and branch account; how to sign in."""
    try:
        from onetime.banking.domain.people import Role
        from onetime.banking.otp.local import local_site
        from onetime.banking.service.demo import seed_demo
    except ImportError:
        return ""
    site = local_site(services, kdf_profile=kdf_profile)
    info = seed_demo(site, institution)
    login_id, person, password, confirmation = KAKUNIN_USER
    seed_demo(site, institution, contract_number=KAKUNIN_CONTRACT, name="確認商事株式会社",
              users=[(login_id, person, Role.MASTER, password, confirmation)], staff=None,
              otp_enabled=True)
    lines = ["", f"  banking site   {base}/   contract {info.contract_number}"
             "   (login ID / login password / confirmation password)"]
    lines += [f"    {role:8} {login_id} / {password} / {confirmation}"
              for login_id, role, password, confirmation in info.users]
    lines += [f"  branch console {base}/branch   staff {info.staff[0]} / {info.staff[1]}"
              "   (start here: 認証開始申込 for the contract)",
              f"  取引確認       transaction_confirmation="
              f"{institution.settings.transaction_confirmation}: contract {KAKUNIN_CONTRACT}"
              f" (OTP on already), {login_id} / {password} / {confirmation}",
              "                 log in, issue the token, set it up with onetime-token and"
              " confirm;",
              "                 then a 振込・振替 waits for 承認 in the app (c), or its code"
              " (o)",
              f"  received mail  {base}/dev/mail", ""]
    return "\n".join(lines)


def _command(name: str) -> str:
    """The command as it can be typed here: bare if on PATH, else from this environment."""
    return name if shutil.which(name) else str(Path(sys.executable).with_name(name))


def _banner(base: str, api_key: str, smtp_port: int, var, site: str) -> str:
    lines = [
        "",
        "onetime is running (demo, SQLite)",
        f"  API            {base}/docs   (API v1 paths: /api/v1/services/{DEMO_SERVICE_ID}/…)",
        f"  service ID     {DEMO_SERVICE_ID}  ({DEMO_NAME})",
        f"  API key        {api_key}",
        f"  SMTP sink      127.0.0.1:{smtp_port}  (mails kept in {var / 'mail'})",
        f"  token waiting  user {DEMO_TOKEN_USER}, activation password {DEMO_ACTIVATION_PASSWORD}",
        f"    {_command('onetime-token')} setup --server {base} --service-id {DEMO_SERVICE_ID} "
        f"--user-id {DEMO_TOKEN_USER}",
        "",
        "  try:",
        f"    curl -H 'Authorization: Bearer {api_key}' "
        f"{base}/api/v1/services/{DEMO_SERVICE_ID}/users/{DEMO_TOKEN_USER}/token",
        "",
        site.strip("\n"),
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("ONETIME_VAR", "var")
    sys.exit(run_demo(Config.from_env()))
