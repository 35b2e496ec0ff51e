"""An institution (サービスID) as the rules see it: its name, its mail sender, its settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onetime.domain.settings import InstitutionSettings


@dataclass(frozen=True)
class Institution:
    """One bank on the OTP service; `api_key_hash` is a keyed hash, never the key."""

    id: int
    service_id: str
    name: str
    mail_sender: str
    api_key_hash: bytes
    settings: InstitutionSettings
    updated_at: datetime
