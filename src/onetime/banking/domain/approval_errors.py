"""Failures of 承認 (approvals): a request another user of the contract approves.

Beside errors.py, whose `NotPermitted` the permission cases extend (the site answers
them 403, as every refusal of the user's role or rights).
"""

from __future__ import annotations

from onetime.banking.domain.errors import NotPermitted
from onetime.domain.errors import OnetimeError


class ApprovalNotFound(OnetimeError):
    """No such request under the user's contract (another contract's looks the same)."""

    code = "approval_not_found"


class ApprovalNotPending(OnetimeError):
    """The request was decided already (承認済, 差戻し, 取消 or 期限切れ): by another
    approver a moment ago, by its requester, or by the clock."""

    code = "approval_not_pending"


class ApprovalExpired(ApprovalNotPending):
    """The cut-off of the request's value date has passed: 期限切れ."""

    code = "approval_expired"


class NotApprover(NotPermitted):
    """The user has no 承認権限 (or not the 承認手続 right, or not the operation's)."""

    code = "not_approver"


class SelfApprovalNotPermitted(NotPermitted):
    """Nobody approves (or sends back) their own request."""

    code = "self_approval_not_permitted"


class NotRequester(NotPermitted):
    """取消 is the requester's own."""

    code = "not_requester"


class ApprovalAlreadyRequested(OnetimeError):
    """承認依頼 pressed again for the same confirmation screen: one request."""

    code = "approval_already_requested"
