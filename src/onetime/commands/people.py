"""`onetime contract add`, `onetime user add`, `onetime staff add`: onboarding from the shell.

Each takes one person on the command line, or `--csv FILE` for many: a file with a bad
line creates nothing, and every bad line is named (FILE:LINE: code: detail). Initial
passwords are generated and printed once (or read from --password-file /
--password-stdin, and then not printed); users must change theirs at first login.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

from onetime.banking.domain.errors import BatchRefused
from onetime.banking.otp.local import local_site
from onetime.banking.service.onboarding import (
    ContractRequest,
    Created,
    StaffRequest,
    UserRequest,
)
from onetime.config import Config
from onetime.crypto import Secret
from onetime.service.services import Services, build_context

CONTRACT_COLUMNS = ("number", "name", "master_login", "master_name", "limit_per_transfer",
                    "limit_per_day")
USER_COLUMNS = ("contract", "login_id", "name", "role", "operations", "approver",
                "limit_per_transfer", "limit_per_day")
STAFF_COLUMNS = ("staff_id", "name", "role")


def register(subparsers) -> None:
    contract = subparsers.add_parser("contract", help="ご契約先: contracts and their master")
    add = contract.add_subparsers(dest="action", required=True).add_parser(
        "add", help="add a contract with its master user; prints the initial password once")
    _common(add, CONTRACT_COLUMNS)
    add.add_argument("--number", help="contract number (digits)")
    add.add_argument("--name", help="the contract's name")
    add.add_argument("--master-login", help="the master user's login ID")
    add.add_argument("--master-name", help="the master user's name (default: the contract's)")
    add.add_argument("--limit-per-transfer", default="", help="yen (default 10,000,000)")
    add.add_argument("--limit-per-day", default="", help="yen (default 50,000,000)")
    add.set_defaults(func=cmd_contract_add)

    user = subparsers.add_parser("user", help="users of a contract")
    add = user.add_subparsers(dest="action", required=True).add_parser(
        "add", help="add an admin or general user; prints the initial password once")
    _common(add, USER_COLUMNS)
    add.add_argument("--contract", help="the contract's number")
    add.add_argument("--login", help="login ID (also the user ID at the OTP service)")
    add.add_argument("--name", help="the user's name")
    add.add_argument("--role", default="general", choices=("admin", "general"))
    add.add_argument("--operations", default=None,
                     help="comma-separated operations of rule 3 (default: all seven)")
    add.add_argument("--approver", action="store_true", help="承認権限")
    add.add_argument("--limit-per-transfer", default="", help="yen (default: the contract's)")
    add.add_argument("--limit-per-day", default="", help="yen (default: the contract's)")
    add.set_defaults(func=cmd_user_add)

    staff = subparsers.add_parser("staff", help="branch staff (店舗窓口)")
    add = staff.add_subparsers(dest="action", required=True).add_parser(
        "add", help="add a branch staff account; prints the initial password once")
    _common(add, STAFF_COLUMNS)
    add.add_argument("--staff-id", help="the staff account's ID")
    add.add_argument("--name", help="the staff member's name")
    add.add_argument("--role", default="clerk", choices=("clerk", "supervisor"))
    add.set_defaults(func=cmd_staff_add)


def _common(parser: argparse.ArgumentParser, columns: tuple[str, ...]) -> None:
    parser.add_argument("--institution", required=True, metavar="SERVICE_ID",
                        help="the institution's service ID")
    parser.add_argument("--csv", type=Path, metavar="FILE",
                        help=f"many at once, all or nothing; header: {','.join(columns)}")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--password-file", type=Path, metavar="FILE",
                        help="the initial password from FILE's first line (not printed)")
    secret.add_argument("--password-stdin", action="store_true",
                        help="the initial password from standard input (not printed)")
    parser.add_argument("--actor", default="operator",
                        help="who adds, for the audit trail (default: operator)")


# -- the commands ----------------------------------------------------------------------


def cmd_contract_add(args, config: Config) -> int:
    if args.csv:
        rows = _rows(args.csv, CONTRACT_COLUMNS)
        requests = [ContractRequest(r["number"], r["name"], r["master_login"],
                                    r["master_name"] or r["name"], r["limit_per_transfer"],
                                    r["limit_per_day"]) for _, r in rows]
        return _batch(args, config, "add_contracts", requests, rows)
    _require(args, "number", "name", "master_login")
    request = ContractRequest(args.number, args.name, args.master_login,
                              args.master_name or args.name, args.limit_per_transfer,
                              args.limit_per_day, _password(args))
    return _batch(args, config, "add_contracts", [request], None)


def cmd_user_add(args, config: Config) -> int:
    if args.csv:
        rows = _rows(args.csv, USER_COLUMNS)
        requests = [UserRequest(r["contract"], r["login_id"], r["name"],
                                r["role"] or "general", _operations(r["operations"]),
                                r["approver"], r["limit_per_transfer"], r["limit_per_day"])
                    for _, r in rows]
        return _batch(args, config, "add_users", requests, rows)
    _require(args, "contract", "login", "name")
    request = UserRequest(args.contract, args.login, args.name, args.role,
                          _operations(args.operations), args.approver,
                          args.limit_per_transfer, args.limit_per_day, _password(args))
    return _batch(args, config, "add_users", [request], None)


def cmd_staff_add(args, config: Config) -> int:
    if args.csv:
        rows = _rows(args.csv, STAFF_COLUMNS)
        requests = [StaffRequest(r["staff_id"], r["name"], r["role"] or "clerk")
                    for _, r in rows]
        return _batch(args, config, "add_staffs", requests, rows)
    _require(args, "staff_id", "name")
    request = StaffRequest(args.staff_id, args.name, args.role, _password(args))
    return _batch(args, config, "add_staffs", [request], None)


# -- shared ------------------------------------------------------------------------------


def _batch(args, config: Config, method: str, requests: list,
           rows: list[tuple[int, dict]] | None) -> int:
    services = Services.from_context(build_context(config))
    site = local_site(services)
    institution = site.institutions.get(args.institution)
    try:
        created = getattr(site.onboarding, method)(institution, requests, actor=args.actor)
    except BatchRefused as refused:
        for index, error in refused.problems:
            where = f"{args.csv}:{rows[index - 1][0]}" if rows else "error"
            print(f"{where}: {error.code}: {error.detail}", file=sys.stderr)
        print("nothing was created", file=sys.stderr)
        return 1
    # A file's passwords are always generated; a given one is the operator's already.
    _print(created, shown=args.csv is not None or not _password_given(args))
    return 0


def _print(created: list[Created], *, shown: bool) -> None:
    if not shown:
        for c in created:
            print(f"{c.kind} {c.login_id} added (initial password as given)")
        return
    print("initial passwords (shown once; hand them over: they must be changed at first "
          "login):", file=sys.stderr)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("kind", "contract", "login_id", "name", "initial_password"))
    for c in created:
        out.writerow((c.kind, c.contract_number or "", c.login_id, c.name,
                      c.password.reveal_text()))


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The file's rows with their line numbers; exits 2 if its header lacks a column."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns[:3] if c not in (reader.fieldnames or ())]
        if missing:
            _usage_error(f"{path}: the header lacks {', '.join(missing)}")
        rows = []
        for row in reader:
            rows.append((reader.line_num, {c: (row.get(c) or "") for c in columns}))
    return rows


def _operations(text: str | None) -> list[str] | None:
    if text is None or not text.strip():
        return None
    return [part for part in re.split(r"[;,\s]+", text.strip()) if part]


def _password_given(args) -> bool:
    return bool(args.password_file or args.password_stdin)


def _password(args) -> Secret | None:
    if args.password_file:
        line = args.password_file.read_text(encoding="utf-8").splitlines()[:1]
        return Secret((line[0] if line else "").encode())
    if args.password_stdin:
        return Secret(sys.stdin.readline().rstrip("\r\n").encode())
    return None


def _require(args, *names: str) -> None:
    missing = [f"--{n.replace('_', '-')}" for n in names if not getattr(args, n)]
    if missing:
        _usage_error(f"give {', '.join(missing)}, or --csv FILE")


def _usage_error(message: str):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
