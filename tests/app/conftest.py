"""The token app's world: a vault on cheap argon2, a fake clock, a fake or a real service."""

from __future__ import annotations

import warnings
from datetime import datetime

import pytest
from pytest_textual_snapshot import SVGImageExtension

from onetime.api.app import create_app
from onetime.app.client import ServiceClient
from onetime.app.errors import AppError
from onetime.app.token import StoredToken
from onetime.app.ui import TokenApp, make_app
from onetime.app.vault import VaultFile
from onetime.crypto import TEST_KDF, FileKeyProvider, KeyRing, Secret
from onetime.domain.clock import FakeClock
from onetime.service.context import Context
from onetime.service.services import Services
from onetime.storage import migrate
from onetime.storage.database import Database
from tests.conftest import START

with warnings.catch_warnings():  # Starlette's notice about its httpx-based TestClient
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# pytest-textual-snapshot 1.0 names its extension in syrupy 4's attribute; syrupy 7 reads
# `file_extension`, and without this the snapshots would be saved as .raw, not .svg.
SVGImageExtension.file_extension = "svg"

RFC_SECRET = b"12345678901234567890"  # RFC 4226 Appendix D


def make_token(service_id: str = "0001", user_id: str = "taro",
               institution_name: str = "茨城テスト信用組合", secret: bytes = RFC_SECRET,
               added_at: datetime = START) -> StoredToken:
    return StoredToken(service_id=service_id, user_id=user_id,
                       institution_name=institution_name, serial=f"S-{service_id}-{user_id}",
                       algorithm="sha1", digits=8, period=60, secret=Secret(secret),
                       server_url="http://127.0.0.1:8000", added_at=added_at)


class FakeService:
    """Stands in for ServiceClient in UI tests: answers with queued outcomes."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.outcomes: list[StoredToken | AppError] = []
        self.calls: list[tuple[str, str, str]] = []
        self.server_offset = 0.0  # seconds the service's clock runs ahead of ours

    def set_up(self, service_id: str, user_id: str, activation_password: str) -> StoredToken:
        self.calls.append((service_id, user_id, activation_password))
        outcome = (self.outcomes.pop(0) if self.outcomes
                   else make_token(service_id, user_id, added_at=self.clock.now()))
        if isinstance(outcome, AppError):
            raise outcome
        return outcome

    def server_time(self) -> datetime:
        from datetime import timedelta
        return self.clock.now() + timedelta(seconds=self.server_offset)


@pytest.fixture
def vault_path(tmp_path):
    return tmp_path / "data" / "vault.json"


@pytest.fixture
def vault_file(vault_path, clock) -> VaultFile:
    return VaultFile(vault_path, clock, lock_kdf=TEST_KDF, min_unlock_seconds=0)


@pytest.fixture
def fake_service(clock) -> FakeService:
    return FakeService(clock)


@pytest.fixture
def token_app(vault_path, clock, fake_service):
    """Builds the app over the test vault; call it after arranging the vault."""
    def build(client=None, language: str = "ja") -> TokenApp:
        return make_app(vault_path, clock, client or fake_service, lock_kdf=TEST_KDF,
                        min_unlock_seconds=0, language=language)
    return build


# -- a real service in this process (SQLite), reached through Starlette's TestClient ---


class Stack:
    def __init__(self, services: Services, http: TestClient, clock: FakeClock) -> None:
        self.services = services
        self.http = http
        self.clock = clock
        self.institution, _key = services.institutions.add(
            "0001", "茨城テスト信用組合", "otp@bank.example.jp")

    def client(self) -> ServiceClient:
        return ServiceClient("http://127.0.0.1", TEST_KDF, self.clock, http=self.http)

    def issue(self, user_id: str = "taro", password: str = "1234") -> None:  # noqa: S107
        self.services.tokens.issue_token(self.institution, user_id, f"{user_id}@example.jp",
                                         password)

    def token(self, user_id: str = "taro"):
        return self.services.tokens.get_token(self.institution, user_id)


@pytest.fixture
def stack(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'service.db'}"
    db = Database(url)
    migrate.upgrade(db)
    ctx = Context(db=db, keyring=KeyRing(FileKeyProvider.create(tmp_path / "keys.json")),
                  clock=clock, setup_kdf=TEST_KDF)
    services = Services.from_context(ctx)
    with TestClient(create_app(services), base_url="http://127.0.0.1") as http:
        yield Stack(services, http, clock)
    db.dispose()


@pytest.fixture
def anyio_backend():
    """Pilot tests run on asyncio (anyio's pytest plugin runs `async def` tests)."""
    return "asyncio"
