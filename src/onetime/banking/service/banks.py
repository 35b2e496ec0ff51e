"""The bank the site serves: its row in `banks`, with the institution's profile."""

from __future__ import annotations

from onetime.banking.domain.banks import Bank
from onetime.banking.otp import ProfileSource
from onetime.banking.service.context import Context
from onetime.banking.storage.database import DuplicateKey
from onetime.domain.errors import UnknownInstitution
from onetime.domain.settings import InstitutionSettings


class BankService:
    """With the OTP service in this process (`local`), the profile is the institution's
    own, read live, and a bank's row is made on first sight with the institution's ID
    (as the migration's copy of `institutions` did). With a remote OTP service, the
    profile is the row's, registered with `register`."""

    def __init__(self, ctx: Context, local: ProfileSource | None = None) -> None:
        self.ctx, self.local = ctx, local
        self.repo = ctx.banks
        self._ids: dict[str, int] = {}  # a bank's ID never changes

    def register(self, service_id: str, name: str, mail_sender: str,
                 settings: InstitutionSettings | None = None) -> Bank:
        """Add or update the bank of `service_id` (a site with a remote OTP service)."""
        text = settings.to_json() if settings else None
        with self.ctx.db.write() as conn:
            if self.repo.by_service_id(conn, service_id) is None:
                self.repo.add(conn, service_id=service_id, name=name, mail_sender=mail_sender,
                              settings=text, now=self.ctx.clock.now())
            else:
                self.repo.update(conn, service_id, name=name, mail_sender=mail_sender,
                                 settings=text)
        return self.get(service_id)

    def get(self, service_id: str) -> Bank:
        """Raises UnknownInstitution."""
        profile = self.local.profile(service_id) if self.local else None
        bank_id = self._ids.get(service_id)
        if bank_id is not None and profile is not None:
            return Bank(bank_id, service_id, profile.name, profile.mail_sender,
                        profile.settings)
        with self.ctx.db.read() as conn:
            row = self.repo.by_service_id(conn, service_id)
        if row is None and profile is not None:
            row = self._adopt(service_id, profile)
        if row is None:
            raise UnknownInstitution(f"no bank with service ID {service_id}")
        self._ids[service_id] = row.id
        if profile is None:
            settings = (InstitutionSettings.from_json(row.settings) if row.settings
                        else InstitutionSettings())
            return Bank(row.id, service_id, row.name, row.mail_sender, settings)
        return Bank(row.id, service_id, profile.name, profile.mail_sender, profile.settings)

    def _adopt(self, service_id: str, profile):
        try:
            with self.ctx.db.write() as conn:
                self.repo.add(conn, service_id=service_id, name=profile.name,
                              mail_sender=profile.mail_sender, settings=None,
                              now=self.ctx.clock.now(),
                              bank_id=self.local.institution_id(service_id))
        except DuplicateKey:
            pass  # another process made it first
        with self.ctx.db.read() as conn:
            return self.repo.by_service_id(conn, service_id)
