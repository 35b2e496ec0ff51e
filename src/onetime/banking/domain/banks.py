"""The bank (institution) a site serves, as the site's own tables know it."""

from __future__ import annotations

from dataclasses import dataclass

from onetime.domain.settings import InstitutionSettings


@dataclass(frozen=True)
class Bank:
    """`id` keys the site's tables (`banks`); `service_id` names the institution at the
    OTP service; name, mail sender and settings as the institution's profile says."""

    id: int
    service_id: str
    name: str
    mail_sender: str
    settings: InstitutionSettings
