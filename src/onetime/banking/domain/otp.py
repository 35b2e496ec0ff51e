"""What the banking site knows of the OTP service beyond its answers about tokens and codes
(which are domain/documents.py's TokenDocument and Verification, whichever way the site
reaches the service, banking/otp/)."""

from __future__ import annotations

from dataclasses import dataclass

from onetime.domain.settings import InstitutionSettings


@dataclass(frozen=True)
class InstitutionProfile:
    """What the site needs to know of its institution beyond its service ID: the name it
    shows, the mail sender it names, and the settings (rule 3's policy, the time zone)."""

    name: str
    mail_sender: str
    settings: InstitutionSettings
