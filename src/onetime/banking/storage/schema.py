"""The banking site's tables: the banks it serves, contracts and their users, branch staff,
sessions, throttling, and the account ledger: accounts, the double-entry journal and its
postings, the transfer fee table, the transfers of 振込・振替, and Pay-easy's billers and bills.

Their own `metadata` and Alembic history (banking/storage/migrations, version table
`alembic_version_banking`): the site's database may be the OTP service's or another one.
`institution_id` names a row of `banks`, never of the OTP service's `institutions`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from onetime.storage.schema import BigId, UTCDateTime
from onetime.storage.schema import metadata as otp_metadata

# The OTP schema's naming convention, so constraint names read alike in both histories.
metadata = MetaData(naming_convention=otp_metadata.naming_convention)

banks = Table(
    "banks",
    metadata,
    Column("id", Integer, primary_key=True),
    # The institution's service ID at the OTP service (the v1 API's {service_id}).
    Column("service_id", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("mail_sender", String(254), nullable=False),
    # InstitutionSettings as JSON (rule 3's operations needing a code, the time zone …)
    # for a site whose OTP service is remote; a local one reads the institution's own.
    Column("settings", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("number", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    # 認証開始申込 (rule 4): set once by the branch.
    Column("otp_enabled_at", UTCDateTime, nullable=True),
    Column("otp_enabled_by", String(128), nullable=True),
    # What a user's own limits may reach (banking/domain/rights.py), in yen.
    Column("limit_per_transfer", BigInteger, nullable=False, server_default="10000000"),
    Column("limit_per_day", BigInteger, nullable=False, server_default="50000000"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("institution_id", "number"),
)

site_users = Table(
    "site_users",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False),
    Column("login_id", String(32), nullable=False),
    # The user's ID on the OTP service (the tokens table's user_id).
    Column("user_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    # argon2id PHC strings; never the passwords.
    Column("login_hash", String(200), nullable=False),
    Column("confirmation_hash", String(200), nullable=False),
    # 利用者管理's rights: rule 3's operations the user may do (comma-separated values of
    # Operation), 承認権限, and the user's own limits in yen (null: the contract's).
    Column("operations", String(200), nullable=False, server_default=(
        "transfer,bulk_transfer,payroll_transfer,approval,payeasy,"
        "token_management,user_management")),
    Column("approver", Boolean, nullable=False, server_default=true()),
    Column("limit_per_transfer", BigInteger, nullable=True),
    Column("limit_per_day", BigInteger, nullable=True),
    # An initial password (branch or manager set it): every page leads to パスワード変更.
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("institution_id", "login_id"),
    UniqueConstraint("institution_id", "user_id"),
    # Exactly one master user per contract: the database refuses a second one.
    Index("uq_site_users_one_master", "contract_id", unique=True,
          sqlite_where=text("role = 'master'"), postgresql_where=text("role = 'master'")),
)

branch_staff = Table(
    "branch_staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("staff_id", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False, server_default="supervisor"),  # StaffRole
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("institution_id", "staff_id"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # SHA-256 of the cookie's token: a database dump holds no usable session.
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # "customer" or "branch"
    Column("institution_id", Integer, nullable=False),
    Column("principal_id", BigInteger, nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_last_seen_at", "last_seen_at"),
)

throttle = Table(
    "throttle",
    metadata,
    # SHA-256 of scope, institution and key, so typed login IDs are not stored as such.
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UTCDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    # Null for the bank's own accounts: clearing (transfers to other banks credit it) and
    # fee income (the transfer fees).
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=True),
    Column("kind", String(16), nullable=False),  # "customer", "clearing" or "fee_income"
    Column("bank_code", String(4), nullable=False),
    Column("branch_code", String(3), nullable=False),
    Column("account_type", String(16), nullable=False),
    Column("account_number", String(7), nullable=False),
    Column("holder_name", String(100), nullable=False),
    Column("balance", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("institution_id", "bank_code", "branch_code", "account_type",
                     "account_number"),
    # The conditional debit keeps this; the constraint is the last line of defence.
    CheckConstraint("balance >= 0", name="ck_accounts_balance_not_negative"),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False),
    Column("site_user_id", BigInteger, nullable=False),
    # One per confirmation screen: a resubmitted form cannot move the money twice.
    Column("request_id", String(64), nullable=False),
    Column("from_account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("to_account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("bank_code", String(4), nullable=False),
    Column("branch_code", String(3), nullable=False),
    Column("account_type", String(16), nullable=False),
    Column("account_number", String(7), nullable=False),
    Column("holder_name", String(100), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("executed_at", UTCDateTime, nullable=False),
    # The journal entry that moved the money, its fee and 振込指定日 (null: before the journal).
    Column("journal_id", BigInteger, ForeignKey("journal.id"), nullable=True),
    Column("fee", BigInteger, nullable=False, server_default=text("0")),
    Column("value_date", Date, nullable=True),
    UniqueConstraint("institution_id", "request_id"),
    Index("ix_transfers_contract_id_id", "contract_id", "id"),
    # A user's total of the day (the daily limit) reads one range of this.
    Index("ix_transfers_site_user_id_executed_at", "site_user_id", "executed_at"),
)

journal = Table(
    "journal",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # banking/domain/ledger.py's JournalKind
    # Unique per institution: a booking sent twice is booked once.
    Column("request_id", String(64), nullable=False),
    Column("value_date", Date, nullable=False),
    Column("booked_at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    UniqueConstraint("institution_id", "request_id"),
    # A user's batches and payments of the day (the daily limit) read one range of this.
    Index("ix_journal_actor_booked_at", "actor", "booked_at"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("journal_id", BigInteger, ForeignKey("journal.id"), nullable=False),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    # Signed yen: negative debits the account, positive credits it; an entry sums to zero.
    Column("amount", BigInteger, nullable=False),
    CheckConstraint("amount <> 0", name="ck_postings_amount_not_zero"),
    Index("ix_postings_journal_id", "journal_id"),
    Index("ix_postings_account_id", "account_id"),
)

transfer_fees = Table(
    "transfer_fees",
    metadata,
    Column("institution_id", Integer, ForeignKey("banks.id"), primary_key=True),
    Column("scope", String(16), primary_key=True),  # banking/domain/fees.py's FeeScope
    # The band holds amounts from this one up to the next band's start.
    Column("from_amount", BigInteger, primary_key=True),
    Column("fee", BigInteger, nullable=False),
    CheckConstraint("fee >= 0", name="ck_transfer_fees_fee_not_negative"),
)

# -- 税金・各種料金の払込み（ペイジー）: the operator loads billers and their bills ------

billers = Table(
    "billers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("number", String(5), nullable=False),  # 収納機関番号
    Column("name", String(100), nullable=False),
    Column("kind", String(16), nullable=False),  # banking/domain/payeasy.py's BillerKind
    # Digits of its お客様番号 / 納付番号.
    Column("number_length", Integer, nullable=False),
    # The settlement account a payment credits.
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("institution_id", "number"),
)

bills = Table(
    "bills",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("biller_id", Integer, ForeignKey("billers.id"), nullable=False),
    Column("number", String(20), nullable=False),  # お客様番号 / 納付番号
    Column("confirmation", String(6), nullable=False),  # 確認番号, as printed on the bill
    Column("payment_class", String(3), nullable=True),  # 納付区分 (taxes only)
    Column("amount", BigInteger, nullable=False),
    Column("due", Date, nullable=True),
    # Set once, by the conditional UPDATE of a payment: a bill is paid once.
    Column("paid_at", UTCDateTime, nullable=True),
    Column("paid_by", BigInteger, nullable=True),  # site_users.id
    Column("from_account_id", BigInteger, ForeignKey("accounts.id"), nullable=True),
    Column("journal_id", BigInteger, ForeignKey("journal.id"), nullable=True),
    Column("receipt_number", String(20), nullable=True, unique=True),  # 受付番号
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("biller_id", "number"),
    CheckConstraint("amount > 0", name="ck_bills_amount_positive"),
)

# -- 承認: requests under the institution's approval_operations, kept in every state -----

approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("institution_id", Integer, ForeignKey("banks.id"), nullable=False),
    Column("contract_id", Integer, ForeignKey("contracts.id"), nullable=False),
    Column("operation", String(32), nullable=False),  # rule 3's transfer, bulk, payroll
    # banking/domain/approvals.py's ApprovalState; each change is one conditional UPDATE.
    Column("state", String(16), nullable=False),
    # site_users.id, and the name then: the history outlives a deleted user.
    Column("requested_by", BigInteger, nullable=False),
    Column("requester_name", String(200), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False),
    Column("lines", Integer, nullable=False),
    Column("from_account_id", BigInteger, ForeignKey("accounts.id"), nullable=False),
    Column("value_date", Date, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # the value date's cut-off
    # The confirmed draft (JSON); its request ID becomes the journal's: booked once.
    Column("draft", Text, nullable=False),
    # The draft's request ID: a 承認依頼 sent twice is one request.
    Column("request_id", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_by", BigInteger, nullable=True),
    Column("decider_name", String(200), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("reason", Text, nullable=True),  # 差戻し's
    Column("journal_id", BigInteger, ForeignKey("journal.id"), nullable=True),
    UniqueConstraint("institution_id", "request_id"),
    CheckConstraint("amount > 0", name="ck_approval_requests_amount_positive"),
    # 承認待ち一覧 and 承認履歴 read one contract's, newest first.
    Index("ix_approval_requests_contract_id_state", "contract_id", "state"),
    Index("ix_approval_requests_contract_id_id", "contract_id", "id"),
)
