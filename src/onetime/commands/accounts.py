"""`onetime account open`: 口座開設 from the shell, as the branch console's contract page
does it — a contract's account with its first deposit, audited as `account_opened`."""

from __future__ import annotations

import sys

from onetime.banking.otp.local import local_site
from onetime.config import Config
from onetime.domain.errors import OnetimeError
from onetime.service.services import Services, build_context


def register(subparsers) -> None:
    account = subparsers.add_parser("account", help="口座: a contract's deposit accounts")
    opened = account.add_subparsers(dest="action", required=True).add_parser(
        "open", help="open an account of a contract with its first deposit")
    opened.add_argument("--institution", required=True, metavar="SERVICE_ID",
                        help="the institution's service ID")
    opened.add_argument("--contract", required=True, help="the contract's number")
    opened.add_argument("--bank-code", default=None,
                        help="4 digits (default: the bank's own, from its clearing account)")
    opened.add_argument("--branch", required=True, help="支店コード, 3 digits")
    opened.add_argument("--type", default="ordinary", choices=("ordinary", "current"),
                        help="科目: 普通 (ordinary) or 当座 (current)")
    opened.add_argument("--number", required=True, help="口座番号, up to 7 digits")
    opened.add_argument("--holder", required=True, help="口座名義, in kana")
    opened.add_argument("--deposit", required=True, help="the first deposit in yen")
    opened.add_argument("--actor", default="operator",
                        help="who opens it, for the audit trail (default: operator)")
    opened.set_defaults(func=cmd_account_open)


def cmd_account_open(args, config: Config) -> int:
    """Exit 0 opened (its number and balance printed), 1 refused (the error's code)."""
    site = local_site(Services.from_context(build_context(config)))
    institution = site.institutions.get(args.institution)
    try:
        account = site.onboarding.open_account(
            institution, args.contract, bank_code=args.bank_code, branch_code=args.branch,
            account_type=args.type, account_number=args.number, holder_name=args.holder,
            opening_balance=args.deposit, actor=args.actor)
    except OnetimeError as exc:
        print(f"error: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    print(f"account {account.bank_code}-{account.branch_code} {account.account_type.value} "
          f"{account.account_number} opened, balance {account.balance} yen")
    return 0
