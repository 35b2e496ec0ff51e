"""An institution's settings: the defaults of DESIGN.md §4 and rule 10, checks, JSON."""

from __future__ import annotations

import json
from datetime import time

import pytest

from onetime.domain.errors import InvalidSetting
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import Operation


class TestDefaults:
    def test_a_code_has_eight_digits_and_lasts_sixty_seconds(self):
        """Rule 1: 8 digits, a new code every 60 seconds."""
        settings = InstitutionSettings()
        assert (settings.digits, settings.period) == (8, 60)

    def test_the_window_is_one_step_either_side(self):
        """The current step and one step either side are accepted."""
        assert InstitutionSettings().window == 1

    def test_ten_consecutive_failures_suspend(self):
        """Suspension after 10 consecutive wrong codes."""
        assert InstitutionSettings().max_failures == 10

    def test_an_issuance_lives_72_hours_and_allows_5_wrong_passwords(self):
        """An issuance expires after 72 hours or 5 wrong activation passwords."""
        settings = InstitutionSettings()
        assert (settings.issuance_lifetime_hours, settings.activation_attempts) == (72, 5)

    def test_setup_after_revocation_opens_after_30_minutes_or_at_0810(self):
        """Rule 10: 30 minutes, or 08:10 for a revocation between 20:50 and 08:10 in Tokyo."""
        settings = InstitutionSettings()
        assert settings.embargo_minutes == 30
        assert (settings.night_start, settings.night_end) == (time(20, 50), time(8, 10))
        assert settings.timezone == "Asia/Tokyo"
        assert settings.zone.key == "Asia/Tokyo"

    def test_the_seven_operations_of_rule_3_need_a_code(self):
        """Rule 3's list is the default policy; login and other are not on it."""
        assert InstitutionSettings().otp_operations == frozenset({
            Operation.TRANSFER, Operation.BULK_TRANSFER, Operation.PAYROLL_TRANSFER,
            Operation.APPROVAL, Operation.PAYEASY, Operation.TOKEN_MANAGEMENT,
            Operation.USER_MANAGEMENT,
        })


class TestValidation:
    @pytest.mark.parametrize(("name", "value"), [
        ("digits", 5), ("digits", 11), ("period", 9), ("period", 301), ("window", -1),
        ("window", 11), ("max_failures", 0), ("max_failures", 101),
        ("issuance_lifetime_hours", 0), ("issuance_lifetime_hours", 721),
        ("activation_attempts", 0), ("activation_attempts", 21), ("embargo_minutes", -1),
        ("embargo_minutes", 1441), ("timezone", "Mars/Olympus_Mons"), ("timezone", ""),
    ])
    def test_out_of_range_values_are_refused(self, name, value):
        """Each setting has a range; max_failures is capped at NIST's 100."""
        with pytest.raises(InvalidSetting):
            InstitutionSettings(**{name: value})

    @pytest.mark.parametrize(("name", "value"), [
        ("digits", 6), ("digits", 10), ("period", 10), ("period", 300), ("window", 0),
        ("max_failures", 1), ("max_failures", 100), ("embargo_minutes", 0),
        ("timezone", "UTC"),
    ])
    def test_range_boundaries_are_allowed(self, name, value):
        """The ends of each range are valid settings."""
        assert getattr(InstitutionSettings(**{name: value}), name) == value

    def test_unknown_setting_name_is_refused(self):
        """A misspelt setting is an error, not silently ignored."""
        with pytest.raises(InvalidSetting):
            InstitutionSettings.from_mapping({"max_failure": 5})

    @pytest.mark.parametrize(("name", "raw"), [
        ("max_failures", "ten"), ("max_failures", True), ("max_failures", None),
        ("night_start", "25:00"), ("night_end", "late"), ("otp_operations", ["wire"]),
    ])
    def test_unreadable_values_are_refused(self, name, raw):
        """Text that is not a number, time or operation raises InvalidSetting."""
        with pytest.raises(InvalidSetting):
            InstitutionSettings.from_mapping({name: raw})

    def test_values_given_as_text_are_parsed(self):
        """The operator's command line gives strings; they become numbers, times, sets."""
        settings = InstitutionSettings.from_mapping({
            "max_failures": "5", "night_start": "21:00", "night_end": "07:30",
            "otp_operations": "transfer, approval",
        })
        assert settings.max_failures == 5
        assert (settings.night_start, settings.night_end) == (time(21, 0), time(7, 30))
        assert settings.otp_operations == {Operation.TRANSFER, Operation.APPROVAL}


class TestJson:
    def test_defaults_round_trip(self):
        """Defaults written to JSON read back equal."""
        settings = InstitutionSettings()
        assert InstitutionSettings.from_json(settings.to_json()) == settings

    def test_changed_settings_round_trip(self):
        """Every kind of value survives the trip: ints, times, zone, operations, text."""
        settings = InstitutionSettings(
            digits=6, period=30, window=2, max_failures=5, issuance_lifetime_hours=24,
            activation_attempts=3, embargo_minutes=60, night_start=time(22, 0),
            night_end=time(7, 0), timezone="Europe/London",
            otp_operations=frozenset({Operation.LOGIN, Operation.TRANSFER}),
            download_url="https://bank.example.jp/app", support_name="サポートデスク",
        )
        assert InstitutionSettings.from_json(settings.to_json()) == settings

    def test_json_is_readable_and_stable(self):
        """Times as HH:MM, operations sorted, Japanese kept as is, keys sorted."""
        text = InstitutionSettings().to_json()
        data = json.loads(text)
        assert data["night_start"] == "20:50"
        assert data["night_end"] == "08:10"
        assert data["otp_operations"] == sorted(data["otp_operations"])
        assert "インターネットバンキング" in text
        assert list(data) == sorted(data)

    def test_missing_keys_take_their_defaults(self):
        """Settings stored before a setting existed read with its default."""
        assert InstitutionSettings.from_json('{"max_failures": 7}') == \
            InstitutionSettings(max_failures=7)

    def test_replace_changes_only_what_is_named_and_validates(self):
        """`replace` keeps the rest and checks the new value."""
        settings = InstitutionSettings(window=2).replace(max_failures=4)
        assert (settings.window, settings.max_failures) == (2, 4)
        with pytest.raises(InvalidSetting):
            settings.replace(max_failures=1000)
