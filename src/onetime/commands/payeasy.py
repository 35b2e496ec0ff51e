"""`onetime payeasy load --institution ID FILE.csv`: load Pay-easy (ペイジー) billers and
their bills (the format: banking/domain/payeasy.py's read_biller_file).

All or nothing: exit 0 and a summary when the file is loaded, 1 when a line is bad (every
bad line is printed, `line N: code: message`, and nothing is loaded), 2 when the file
cannot be read or the institution is unknown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onetime.banking.domain.errors import InvalidBillerFile
from onetime.domain.errors import OnetimeError


def cmd_load(args, config) -> int:
    # Imported here: the site's services open the database, which `--help` should not.
    from onetime.banking.otp.local import local_site
    from onetime.service.services import Services, build_context

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    site = local_site(Services.from_context(build_context(config)))
    try:
        bank = site.institutions.get(args.institution)
    except OnetimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        summary = site.payeasy.load(bank, text)
    except InvalidBillerFile as exc:
        for line, code, message in exc.problems:
            print(f"line {line}: {code}: {message}")
        print(f"{len(exc.problems)} bad line(s); nothing was loaded", file=sys.stderr)
        return 1
    print(f"loaded {summary.billers} biller(s) and {summary.bills} bill(s) "
          f"for {bank.service_id}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("payeasy", help="Pay-easy (ペイジー) billers and bills")
    psub = p.add_subparsers(dest="action", required=True)
    load = psub.add_parser("load", help="load billers and bills from a CSV file, all or "
                                        "nothing: exit 0 loaded, 1 bad lines, 2 unreadable")
    load.add_argument("--institution", required=True, metavar="ID",
                      help="the institution's service ID")
    load.add_argument("file", metavar="FILE.csv")
    load.set_defaults(func=cmd_load)
