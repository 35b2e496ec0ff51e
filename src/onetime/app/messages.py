"""What the screens' background work tells them: small dataclass messages.

Slow work (argon2id, HTTP) runs in a thread worker; it posts one of these to its
screen, and the handler (`on_setup_succeeded` …) updates the UI on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from onetime.app.errors import AppError
from onetime.app.token import StoredToken
from onetime.app.vault import Vault


@dataclass
class SetupSucceeded(Message):
    token: StoredToken
    vault: Vault


@dataclass
class SetupFailed(Message):
    error: AppError


@dataclass
class Unlocked(Message):
    vault: Vault


@dataclass
class UnlockFailed(Message):
    error: AppError


@dataclass
class LockChanged(Message):
    lock_on: bool


@dataclass
class LockFailed(Message):
    error: AppError


@dataclass
class TimeChecked(Message):
    device: datetime
    server: datetime


@dataclass
class TimeCheckFailed(Message):
    error: AppError


@dataclass
class ConfirmationsLoaded(Message):
    """取引確認: the requests waiting for the token (possibly none)."""

    requests: list  # list[PendingConfirmation]


@dataclass
class ConfirmationDecided(Message):
    approved: bool


@dataclass
class ConfirmationFailed(Message):
    error: AppError
