"""Adding, configuring and authenticating institutions."""

from __future__ import annotations

import hmac
import threading
import time

from onetime.crypto import Secret, api_key_hash, new_api_key
from onetime.domain import values
from onetime.domain.errors import InstitutionExists, InvalidApiKey, UnknownInstitution
from onetime.domain.institutions import Institution
from onetime.domain.settings import InstitutionSettings
from onetime.service.context import Context
from onetime.storage.conflicts import DuplicateKey

# Settings changed by `onetime institution set` reach every server process within this.
CACHE_SECONDS = 2.0


class InstitutionService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._cache: dict[str, tuple[float, Institution | None]] = {}
        self._lock = threading.Lock()
        # Compared against when the service ID is unknown, so both paths cost the same.
        self._decoy_hash = ctx.keyring.mac("api-key", b"decoy")

    def add(self, service_id: str, name: str, mail_sender: str,
            settings: InstitutionSettings | None = None) -> tuple[Institution, Secret]:
        """Create an institution; returns it with its API key, shown this once only."""
        values.service_id(service_id)
        values.email(mail_sender)
        api_key = new_api_key(service_id)
        now = self.ctx.clock.now()
        settings = settings or InstitutionSettings()
        try:
            with self.ctx.db.write() as conn:
                self.ctx.institutions.add(conn, service_id, name, mail_sender,
                                          api_key_hash(self.ctx.keyring, api_key),
                                          settings, now)
                self.ctx.audit.append(conn, at=now, institution_id=None, event="institution_added",
                                      actor="operator", detail={"service_id": service_id})
        except DuplicateKey:
            raise InstitutionExists(f"service ID {service_id} already exists") from None
        return self.get(service_id, fresh=True), api_key

    def get(self, service_id: str, *, fresh: bool = False) -> Institution:
        """Raises UnknownInstitution."""
        institution = self._cached(service_id, fresh=fresh)
        if institution is None:
            raise UnknownInstitution(f"no institution {service_id}")
        return institution

    def authenticate(self, service_id: str, api_key: str | None) -> Institution:
        """The institution whose key `api_key` is. Raises InvalidApiKey for every failure."""
        institution = self._cached(service_id)
        presented = api_key_hash(self.ctx.keyring, api_key or "")
        expected = institution.api_key_hash if institution else self._decoy_hash
        if not hmac.compare_digest(presented, expected) or institution is None or not api_key:
            raise InvalidApiKey("missing or invalid API key")
        return institution

    def configure(self, service_id: str, actor: str = "operator", **changes) -> Institution:
        """Change settings (and name or mail sender); audited as settings_changed."""
        institution = self.get(service_id, fresh=True)
        update: dict = {}
        for key in ("name", "mail_sender"):
            if key in changes:
                update[key] = changes.pop(key)
        if "mail_sender" in update:
            values.email(update["mail_sender"])
        if changes:
            update["settings"] = institution.settings.replace(**changes)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            self.ctx.institutions.update(conn, institution.id, now, **update)
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="settings_changed", actor=actor,
                                  detail={"changed": sorted(update)
                                          + sorted(f"settings.{k}" for k in changes)})
        return self.get(service_id, fresh=True)

    def rotate_api_key(self, service_id: str) -> Secret:
        institution = self.get(service_id, fresh=True)
        api_key = new_api_key(service_id)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            self.ctx.institutions.update(conn, institution.id, now,
                                         api_key_hash=api_key_hash(self.ctx.keyring, api_key))
            self.ctx.audit.append(conn, at=now, institution_id=institution.id,
                                  event="settings_changed", actor="operator",
                                  detail={"changed": ["api_key"]})
        self.get(service_id, fresh=True)
        return api_key

    def all(self) -> list[Institution]:
        with self.ctx.db.read() as conn:
            return self.ctx.institutions.all(conn)

    def _cached(self, service_id: str, *, fresh: bool = False) -> Institution | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(service_id)
        if hit and not fresh and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        with self.ctx.db.read() as conn:
            institution = self.ctx.institutions.by_service_id(conn, service_id)
        with self._lock:
            if len(self._cache) > 10_000:  # unknown service IDs must not grow it without bound
                self._cache.clear()
            self._cache[service_id] = (now, institution)
        return institution
