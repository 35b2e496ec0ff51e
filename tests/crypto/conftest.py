"""Fixtures for the crypto tests: a fresh key file, its provider and key ring."""

from __future__ import annotations

from pathlib import Path

import pytest

from onetime.crypto import FileKeyProvider, KeyRing


class FakeMonotonic:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


@pytest.fixture
def provider(key_path: Path, monotonic: FakeMonotonic) -> FileKeyProvider:
    return FileKeyProvider.create(key_path, monotonic=monotonic)


@pytest.fixture
def keyring(provider: FileKeyProvider) -> KeyRing:
    return KeyRing(provider)
