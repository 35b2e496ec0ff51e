"""Rule 3: the step-up registry, one entry per protected operation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain import stepup
from onetime.domain.errors import InvalidOperation
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import RULE_3_OPERATIONS, Operation
from onetime.i18n import messages

DEFAULT = InstitutionSettings()
JA, EN = messages("ja", "site"), messages("en", "site")


class TestRegistry:
    def test_holds_exactly_the_seven_operations_of_rule_3(self):
        assert set(stepup.REGISTRY) == set(RULE_3_OPERATIONS)
        assert len(stepup.REGISTRY) == 7

    def test_every_entry_has_a_label_in_both_languages(self):
        for entry in stepup.REGISTRY.values():
            assert entry.label in JA
            assert entry.label in EN

    def test_manual_names(self):
        labels = {op: JA[e.label] for op, e in stepup.REGISTRY.items()}
        assert labels[Operation.TRANSFER] == "振込・振替（都度指定方式）"
        assert labels[Operation.PAYEASY] == "税金・各種料金の払込み（ペイジー）"
        assert labels[Operation.USER_MANAGEMENT] == "利用者管理"

    def test_adding_an_operation_is_one_entry(self):
        before = dict(stepup.REGISTRY)
        try:
            stepup.register(Operation.OTHER, "op.other")
            assert stepup.requirement(
                Operation.OTHER, DEFAULT.replace(otp_operations=["other"]),
                otp_enabled=True).code
        finally:
            stepup.REGISTRY.clear()
            stepup.REGISTRY.update(before)


class TestRequirement:
    def test_confirmation_password_always_and_a_code_by_default(self):
        for operation in RULE_3_OPERATIONS:
            need = stepup.requirement(operation, DEFAULT, otp_enabled=True)
            assert need.confirmation_password
            assert need.code

    def test_no_code_before_the_branch_enables_otp(self):
        need = stepup.requirement(Operation.TRANSFER, DEFAULT, otp_enabled=False)
        assert need.confirmation_password
        assert not need.code

    def test_the_institution_policy_decides_the_code(self):
        policy = DEFAULT.replace(otp_operations=["token_management"])
        assert not stepup.requirement(Operation.TRANSFER, policy, otp_enabled=True).code
        assert stepup.requirement(Operation.TOKEN_MANAGEMENT, policy, otp_enabled=True).code

    def test_an_operation_outside_the_registry_is_refused(self):
        with pytest.raises(InvalidOperation):
            stepup.requirement(Operation.LOGIN, DEFAULT, otp_enabled=True)


class TestGrant:
    @given(st.integers(min_value=-3600, max_value=3600))
    def test_a_step_up_opens_the_screens_for_grant_exactly(self, seconds):
        at = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
        now = at + timedelta(seconds=seconds)
        assert stepup.still_granted(at, now) == (timedelta(0) <= now - at < stepup.GRANT)
        assert not stepup.still_granted(None, now)
