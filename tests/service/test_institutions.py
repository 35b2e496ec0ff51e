"""Institutions: added once each, configured with an audit entry, keys checked as one answer."""

from __future__ import annotations

import pytest

from onetime.domain.errors import (
    InstitutionExists,
    InvalidApiKey,
    InvalidEmail,
    InvalidSetting,
    InvalidUserId,
    UnknownInstitution,
)


class TestAdd:
    def test_a_service_id_is_added_once(self, services, institution):
        """Adding 0001 again is institution_exists, and the first one is unchanged."""
        with pytest.raises(InstitutionExists):
            services.institutions.add("0001", "別の組合", "otp@other.example.jp")
        assert services.institutions.get("0001", fresh=True).name == "茨城テスト信用組合"
        assert len(services.institutions.all()) == 1

    def test_a_new_institution_has_the_default_settings(self, services, institution):
        """8 digits, 60 s, 10 failures … unless configured otherwise."""
        assert institution.settings.max_failures == 10
        assert institution.service_id == "0001"

    @pytest.mark.parametrize(("service_id", "sender", "error"), [
        ("-bad", "otp@bank.example.jp", InvalidUserId),
        ("0003", "not an address", InvalidEmail),
    ])
    def test_bad_service_ids_and_senders_are_refused(self, services, service_id, sender,
                                                     error):
        """Nothing is added for an invalid service ID or mail sender."""
        with pytest.raises(error):
            services.institutions.add(service_id, "銀行", sender)
        assert services.institutions.all() == []

    def test_an_unknown_service_id(self, services):
        """get raises UnknownInstitution."""
        with pytest.raises(UnknownInstitution):
            services.institutions.get("9999")


class TestConfigure:
    def test_a_settings_change_is_applied_and_audited(self, bank, services, clock):
        """settings_changed names who changed what; the new value is in force."""
        changed = services.institutions.configure("0001", actor="operator:suzuki",
                                                  max_failures=5, embargo_minutes=45)
        assert (changed.settings.max_failures, changed.settings.embargo_minutes) == (5, 45)
        (entry,) = bank.audit("settings_changed")
        assert (entry.institution_id, entry.actor, entry.at) == \
            (bank.institution.id, "operator:suzuki", clock.now())
        assert entry.detail == {"changed": ["settings", "settings.embargo_minutes",
                                            "settings.max_failures"]}

    def test_name_and_sender_changes_are_audited_too(self, bank, services):
        """Renaming the bank is recorded as a change of `name`."""
        changed = services.institutions.configure("0001", name="新名称信用組合")
        assert changed.name == "新名称信用組合"
        assert bank.audit("settings_changed")[-1].detail == {"changed": ["name"]}

    def test_an_invalid_setting_changes_nothing(self, bank, services):
        """invalid_setting, and no audit entry for a change that did not happen."""
        with pytest.raises(InvalidSetting):
            services.institutions.configure("0001", max_failures=1000)
        assert services.institutions.get("0001", fresh=True).settings.max_failures == 10
        assert bank.audit("settings_changed") == []


class TestAuthenticate:
    def test_the_right_key_authenticates(self, services):
        """The key shown once at add opens its own institution."""
        _inst, key = services.institutions.add("0005", "銀行", "otp@bank.example.jp")
        assert services.institutions.authenticate("0005", key.reveal_text()).service_id == \
            "0005"

    @pytest.mark.parametrize("case", ["missing", "wrong", "foreign", "unknown_service"])
    def test_every_bad_key_gets_the_same_answer(self, services, case):
        """Missing, wrong, another bank's key and an unknown service ID: invalid_api_key."""
        _a, key_a = services.institutions.add("0005", "銀行A", "otp@a.example.jp")
        _b, key_b = services.institutions.add("0006", "銀行B", "otp@b.example.jp")
        service_id, key = {
            "missing": ("0005", None),
            "wrong": ("0005", key_a.reveal_text() + "x"),
            "foreign": ("0005", key_b.reveal_text()),
            "unknown_service": ("9999", key_a.reveal_text()),
        }[case]
        with pytest.raises(InvalidApiKey):
            services.institutions.authenticate(service_id, key)

    def test_a_rotated_api_key_replaces_the_old_one(self, services):
        """After rotation the old key is refused and the new one works."""
        inst, old = services.institutions.add("0005", "銀行", "otp@bank.example.jp")
        new = services.institutions.rotate_api_key("0005")
        with pytest.raises(InvalidApiKey):
            services.institutions.authenticate("0005", old.reveal_text())
        assert services.institutions.authenticate("0005", new.reveal_text()).id == inst.id
