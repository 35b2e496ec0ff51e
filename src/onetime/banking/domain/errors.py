"""Failures of the banking site and branch console, each with a stable `code`.

They extend `errors.OnetimeError`, so the site maps every one of them, and the
service's own errors, to a message in one catalogue (web/i18n). The errors of 承認 and
of 取引確認 have modules of their own beside this one (approval_errors.py,
confirming_errors.py); `NotPermitted`, which some of them extend, stays here.
"""

from __future__ import annotations

from onetime.domain.errors import InvalidInput, OnetimeError


class LoginFailed(OnetimeError):
    """Unknown login ID or wrong password: one answer for both, so IDs cannot be probed."""

    code = "login_failed"
    title = "Login ID or password is incorrect"


class LoginThrottled(OnetimeError):
    """Too many failed logins for this ID or address; the same for existing and unknown IDs."""

    code = "login_throttled"
    title = "Too many failed attempts"


class WrongConfirmationPassword(OnetimeError):
    code = "wrong_confirmation_password"
    title = "Confirmation password is incorrect"


class ConfirmationThrottled(OnetimeError):
    """Too many wrong confirmation passwords; step-up is refused for a while."""

    code = "confirmation_throttled"
    title = "Too many wrong confirmation passwords"


class CodeRejected(OnetimeError):
    """A wrong or reused one-time password; one failure counted."""

    code = "code_rejected"
    title = "One-time password is incorrect"

    def __init__(self, attempts_left: int | None) -> None:
        super().__init__(f"the code was rejected; {attempts_left} attempts left")
        self.attempts_left = attempts_left


class OtpSuspended(OnetimeError):
    """The user's OTP use is suspended (rule 8): every code is refused until a release."""

    code = "otp_suspended"
    title = "One-time password use is suspended"


class NoActiveToken(OnetimeError):
    """A code was needed but the user has no active token."""

    code = "no_active_token"
    title = "No active token"


class SetupNotFinished(OnetimeError):
    """Authentication confirmation before the app's initial setup (rule 6)."""

    code = "setup_not_finished"
    title = "Initial setup in the app is not finished"


class NothingToSkip(OnetimeError):
    """トークン発行の省略 pressed while no issued token is waiting."""

    code = "nothing_to_skip"
    title = "No token has been issued yet"


class ActivationPasswordMismatch(InvalidInput):
    code = "activation_password_mismatch"
    title = "The two activation passwords differ"


class NotPermitted(OnetimeError):
    """The signed-in user's role does not allow this (general users manage nobody)."""

    code = "not_permitted"
    title = "Not permitted"


class SelfReleaseNotPermitted(NotPermitted):
    """Nobody releases their own suspension; an admin user does (rule 8)."""

    code = "self_release_not_permitted"
    title = "You cannot release your own suspension"


class SelfReleaseContactBranch(SelfReleaseNotPermitted):
    """A suspended master user of a contract without admin users: the branch releases."""

    code = "self_release_contact_branch"
    title = "Please contact the branch"


class SelfRevocationNotPermitted(NotPermitted):
    """Nobody revokes their own token from the admin screens: another master or admin
    user does, or the branch (a manager cannot lock themselves out by mistake)."""

    code = "self_revocation_not_permitted"
    title = "You cannot revoke your own token"


class UserNotFound(OnetimeError):
    """No such user under this contract (also the answer for another contract's user)."""

    code = "user_not_found"
    title = "User not found"


class NoUserSelected(InvalidInput):
    code = "no_user_selected"
    title = "Select a user"


class ContractNotFound(OnetimeError):
    code = "contract_not_found"
    title = "Contract not found"


class OtpAlreadyEnabled(OnetimeError):
    code = "otp_already_enabled"
    title = "OTP is already enabled for this contract"


class NoIssuanceToReset(OnetimeError):
    code = "no_issuance_to_reset"
    title = "No issuance waiting for setup"


class ReasonRequired(InvalidInput):
    code = "reason_required"
    title = "A reason is required (at most 500 characters)"


class MasterExists(OnetimeError):
    """A contract has exactly one master user."""

    code = "master_exists"
    title = "The contract already has a master user"


class LoginIdTaken(OnetimeError):
    code = "login_id_taken"
    title = "Login ID already in use"


class InvalidLoginId(InvalidInput):
    code = "invalid_login_id"
    title = "Invalid login ID"


class WeakPassword(InvalidInput):
    code = "weak_password"
    title = "Password does not meet the policy"


# -- transfers -------------------------------------------------------------------


class InvalidBankCode(InvalidInput):
    code = "invalid_bank_code"
    title = "Bank code must be 4 digits"


class InvalidBranchCode(InvalidInput):
    code = "invalid_branch_code"
    title = "Branch code must be 3 digits"


class InvalidAccountNumber(InvalidInput):
    code = "invalid_account_number"
    title = "Account number must be up to 7 digits"


class InvalidAccountType(InvalidInput):
    code = "invalid_account_type"
    title = "Invalid account type"


class InvalidHolderName(InvalidInput):
    code = "invalid_holder_name"
    title = "Recipient name must be katakana, letters or digits"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    title = "Amount must be a whole number of yen"


class AmountOverLimit(InvalidInput):
    code = "amount_over_limit"
    title = "Amount is over the one-off transfer limit"


class UnknownBank(OnetimeError):
    code = "unknown_bank"
    title = "No bank with this code"


class UnknownBranch(OnetimeError):
    code = "unknown_branch"
    title = "No branch with this code"


class AccountNotFound(OnetimeError):
    code = "account_not_found"
    title = "Account not found"


class SameAccount(InvalidInput):
    code = "same_account"
    title = "Source and destination are the same account"


class InsufficientBalance(OnetimeError):
    code = "insufficient_balance"
    title = "Insufficient balance"


class TransferExpired(OnetimeError):
    """The confirmation screen's draft is gone (already executed, or the session moved on)."""

    code = "transfer_expired"
    title = "This transfer is no longer pending"


class UnknownStaff(OnetimeError):
    code = "unknown_staff"
    title = "Unknown staff account"


class UnbalancedJournal(OnetimeError):
    """A journal entry whose postings do not sum to zero: a defect, never booked."""

    code = "unbalanced_journal"
    title = "The booking does not balance"


class AlreadyBooked(OnetimeError):
    """This request ID was booked already (a batch sent twice): it is booked once."""

    code = "already_booked"
    title = "Already booked"


class InvalidBatchLine(InvalidInput):
    """A line of a batch is wrong: the whole batch is refused, nothing is booked."""

    code = "invalid_batch_line"
    title = "A line of the batch is invalid"

    def __init__(self, line: int, cause: Exception) -> None:
        super().__init__(f"line {line}: {cause}")
        self.line = line
        self.cause_code = getattr(cause, "code", "invalid_input")


class BatchFileTooLarge(InvalidInput):
    """An uploaded transfer file is larger than the site takes (bulk.MAX_UPLOAD)."""

    code = "batch_file_too_large"
    title = "The transfer file is too large"


class EmptyBatch(InvalidInput):
    code = "empty_batch"
    title = "The batch has no lines"


# -- onboarding and 利用者管理 ------------------------------------------------------


class InvalidName(InvalidInput):
    code = "invalid_name"
    title = "A name of 1-100 characters is required"


class InvalidContractNumber(InvalidInput):
    code = "invalid_contract_number"
    title = "Contract number must be 1-16 digits"


class ContractNumberTaken(OnetimeError):
    code = "contract_number_taken"
    title = "Contract number already in use"


class AccountNumberTaken(OnetimeError):
    code = "account_number_taken"
    title = "Account number already in use"


class InvalidRole(InvalidInput):
    """利用者登録 makes admin or general users; the master comes with the contract."""

    code = "invalid_role"
    title = "Invalid role"


class InvalidApprover(InvalidInput):
    code = "invalid_approver"
    title = "承認権限 is yes or no"


class InvalidOperations(InvalidInput):
    code = "invalid_operations"
    title = "Unknown operation in the user's rights"


class InvalidLimit(InvalidInput):
    """A limit that is not whole yen, or a one-transfer limit above the daily one."""

    code = "invalid_limit"
    title = "Limits are whole yen; one transfer at most the daily limit"


class LimitOverContract(InvalidInput):
    code = "limit_over_contract"
    title = "A user's limit cannot exceed the contract's"


class MasterNotChangeable(NotPermitted):
    """The master user comes and goes with the contract (the branch); an admin user
    neither changes nor deletes them."""

    code = "master_not_changeable"
    title = "The master user cannot be changed here"


class SelfDeletionNotPermitted(NotPermitted):
    code = "self_deletion_not_permitted"
    title = "You cannot delete yourself"


class SelfRoleChangeNotPermitted(NotPermitted):
    """A manager cannot take away their own role or rights by mistake."""

    code = "self_role_change_not_permitted"
    title = "You cannot change your own role or rights"


class OperationNotPermitted(NotPermitted):
    """The user's rights (利用者管理) do not include this operation."""

    code = "operation_not_permitted"
    title = "You are not permitted to do this operation"


class OverUserLimit(OnetimeError):
    code = "over_user_limit"
    title = "Amount is over your limit for one transfer"


class DailyLimitExceeded(OnetimeError):
    code = "daily_limit_exceeded"
    title = "Amount would exceed your daily limit"


class WrongCurrentPassword(OnetimeError):
    code = "wrong_current_password"
    title = "Current password is incorrect"


class PasswordReused(InvalidInput):
    code = "password_reused"
    title = "The new password must differ from the current one"


class PasswordsDiffer(InvalidInput):
    code = "passwords_differ"
    title = "The two new passwords differ"


class StaffNotPermitted(NotPermitted):
    """A clerk asked for what only a supervisor does (banking/domain/rights.py)."""

    code = "staff_not_permitted"
    title = "A supervisor does this"


class BatchRefused(InvalidInput):
    """A CSV file with bad lines: nothing of it was created. `problems` holds
    (line number, error) for every bad line."""

    code = "batch_refused"
    title = "The file has errors; nothing was created"

    def __init__(self, problems: list[tuple[int, OnetimeError]]) -> None:
        super().__init__("; ".join(f"line {n}: {e.code}: {e.detail}" for n, e in problems))
        self.problems = problems


# -- ペイジー (Pay-easy) -------------------------------------------------------------


class InvalidBillerNumber(InvalidInput):
    code = "invalid_biller_number"
    title = "Biller number (収納機関番号) must be 5 digits"


class InvalidCustomerNumber(InvalidInput):
    code = "invalid_customer_number"
    title = "Customer or payment number has the wrong number of digits"


class InvalidConfirmationNumber(InvalidInput):
    code = "invalid_confirmation_number"
    title = "Confirmation number (確認番号) must be digits"


class InvalidPaymentClass(InvalidInput):
    code = "invalid_payment_class"
    title = "Payment class (納付区分) must be digits"


class UnknownBiller(OnetimeError):
    code = "unknown_biller"
    title = "No biller with this number"


class BillNotFound(OnetimeError):
    """No such bill, or a wrong 確認番号: one answer for both, so bills cannot be probed."""

    code = "bill_not_found"
    title = "No bill matches these numbers"


class BillAlreadyPaid(OnetimeError):
    code = "bill_already_paid"
    title = "This bill is already paid"


class InvalidBillerFile(InvalidInput):
    """A line of a biller file is wrong: nothing of the file is loaded."""

    code = "invalid_biller_file"
    title = "The biller file is invalid"

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__("; ".join(f"line {n}: {c}: {m}" for n, c, m in problems))
        self.problems = problems  # (line number, error code, message)
