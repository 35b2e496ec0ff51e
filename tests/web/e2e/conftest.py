"""A real server process (API + site, SQLite, TEST_KDF), a mail sink, a clock file and
Chromium driven by Playwright.

The world is built in this process through the service layer, then the server is
started on the same database and key file, in development mode (onetime.dev: the
clock file, argon2's minimum cost). The test moves the server's time by writing the clock
file (onetime.domain.clock.FileClock): nothing is patched.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from onetime import dev
from onetime.app.client import ServiceClient
from onetime.app.token import StoredToken
from onetime.banking.domain.people import Role
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing
from onetime.domain.clock import FileClock
from onetime.mail import MailSink, ReceivedMail, wait_for
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
# 10:00 in Tokyo on a Thursday.
START = datetime.fromisoformat("2026-11-26T10:00:00+09:00")
SERVICE_ID = "0000"
BANK = "茨城県信用組合"
SENDER = "otp@kenshinbank.co.jp"  # the manual's own mail domain (rule 14)
# A second contract, OTP already enabled, for the English and keyboard-only passes.
SECOND = [("kb-user01", "鍵盤 一子", Role.MASTER, "Keyboard-pass1", "Keyboard-conf1"),
          ("en-user01", "English Hanako", Role.ADMIN, "English-pass1", "English-conf1")]
# A third, for 総合振込・給与・賞与振込 (test_bulk_journey.py): its ordinary account is 0000005.
BULK = [("bulk-ja01", "給与 一郎", Role.MASTER, "Bulk-ja-pass1", "Bulk-ja-conf1"),
        ("bulk-en01", "Payroll Jiro", Role.ADMIN, "Bulk-en-pass1", "Bulk-en-conf1")]


def _chromium_or_skip() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (CI=true: browser tests must run)")
        pytest.skip(f"{CHROMIUM} is missing")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    url: str
    clock_file: Path
    maildir: Path
    log: Path

    def now(self) -> datetime:
        return FileClock(str(self.clock_file)).now()

    def set_time(self, instant: datetime) -> None:
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(instant.isoformat())
        tmp.replace(self.clock_file)  # atomic: the server never reads half a time

    def advance(self, seconds: float) -> datetime:
        self.set_time(self.now() + timedelta(seconds=seconds))
        return self.now()

    def mail(self, recipient: str, subject_part: str, timeout: float = 15.0) -> ReceivedMail:
        return wait_for(self.maildir, lambda m: recipient in m.recipients
                        and subject_part in m.subject, timeout)

    def set_up_token(self, user_id: str, activation_password: str) -> StoredToken:
        """初期設定 through the token app's own client library, over HTTP."""
        client = ServiceClient(self.url, TEST_KDF, FileClock(str(self.clock_file)))
        try:
            return client.set_up(SERVICE_ID, user_id, activation_password)
        finally:
            client.close()

    def code(self, token: StoredToken) -> str:
        """The code the app shows now, by the server's (file) clock."""
        return token.code_at(self.now())


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Iterator[Served]:
    _chromium_or_skip()
    with serve(tmp_path_factory.mktemp("site-e2e"), START, _seed_journeys) as running:
        yield running


def _seed_journeys(services: Services) -> None:
    site = local_site(services, kdf_profile="test")
    institution, _key = services.institutions.add(SERVICE_ID, BANK, SENDER)
    seed_demo(site, institution)  # OTP not yet enabled: the branch does it in step 1
    seed_demo(site, institution, contract_number="2000002", name="鍵盤工業株式会社",
              users=SECOND, staff=None, otp_enabled=True)
    seed_demo(site, institution, contract_number="5000005", name="給与工業株式会社",
              users=BULK, staff=None, otp_enabled=True)


@contextmanager
def start_site(base: Path, seed: Callable, **settings: object) -> Iterator[Served]:
    """`serve` with the journeys' institution: `seed(site, institution)` builds its world,
    the institution configured with `settings` (InstitutionService.configure)."""
    def world(services: Services) -> None:
        site = local_site(services, kdf_profile="test")
        institution, _key = services.institutions.add(SERVICE_ID, BANK, SENDER)
        if settings:
            institution = services.institutions.configure(SERVICE_ID, **settings)
        seed(site, institution)

    with serve(base, START, world) as served:
        yield served


@contextmanager
def serve(base: Path, start: datetime, seed: Callable[[Services], None]) -> Iterator[Served]:
    """A server of its own on `base` (database, key file, clock file at `start`, mail
    sink), its world written first by `seed` through the service layer."""
    key_file, clock_file, maildir = base / "keys.json", base / "clock", base / "mail"
    db_url = f"sqlite:///{base / 'onetime.db'}"
    clock_file.write_text(start.isoformat())
    FileKeyProvider.create(key_file)
    ctx = Context(db=Database(db_url), keyring=KeyRing(FileKeyProvider.open(key_file)),
                  clock=FileClock(str(clock_file)), setup_kdf=TEST_KDF)
    migrate.upgrade(ctx.db)
    seed(Services.from_context(ctx))
    ctx.db.dispose()

    sink = MailSink(maildir, port=0)
    sink.start()
    port = _free_port()
    log = base / "server.log"
    env = {**os.environ, "ONETIME_DATABASE_URL": db_url, "ONETIME_KEY_FILE": str(key_file),
           dev.ENV: dev.DevSettings(clock_file=clock_file, kdf_profile="test").to_json(),
           "ONETIME_SMTP_HOST": "127.0.0.1", "ONETIME_SMTP_PORT": str(sink.port),
           "ONETIME_DEMO": "1", "ONETIME_MAILDIR": str(maildir),
           "ONETIME_SITE_SERVICE_ID": SERVICE_ID, "ONETIME_OUTBOX_INTERVAL": "0.2",
           "ONETIME_SEAL_INTERVAL": "1.0", "ONETIME_VAR": str(base),
           "ONETIME_AUDIT_ANCHOR": str(base / "audit-anchor.json")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "onetime.dev:site_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Served(url, clock_file, maildir, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        sink.stop()
        if (text := log.read_text(errors="replace")).strip():
            print("server log:\n" + text[-5000:])


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited:\n" + log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url + "/api/v1/time", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start:\n" + log.read_text(errors="replace"))


@pytest.fixture(scope="session")
def browser(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, served):
    """Pages in fresh browser contexts (each its own cookie jar: one per person)."""
    contexts = []

    def make(locale: str = "ja-JP"):
        context = browser.new_context(base_url=served.url, locale=locale,
                                      viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, docs: str | None = None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # The copies in docs/ change only when asked, so a test run leaves the tree clean.
        if docs and os.environ.get("ONETIME_UPDATE_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / docs)
        return path

    return take
