"""`onetime zengin check FILE [--json]`: validate a 全銀協規定形式 transfer file offline.

Exit 0 when the file is valid (a summary is printed), 1 when it is not (every problem,
one a line, or with --json a JSON list of {line, record, field, offset, code, message};
`offset` is the 0-based byte offset in the file), 2 when the file cannot be read. Bank
and branch codes are checked against the zengin code list the package ships.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from onetime.banking.domain.zengin import Kind, ZenginFileInvalid
from onetime.banking.service import zengin

KIND_LABELS = {Kind.BULK: "総合振込", Kind.PAYROLL: "給与振込", Kind.BONUS: "賞与振込"}


def cmd_check(args, config) -> int:  # `config` unused: no database or keys, offline
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        file = zengin.read_file(data)
    except ZenginFileInvalid as exc:
        if args.json:
            print(json.dumps([p.as_json() for p in exc.problems], ensure_ascii=False, indent=1))
        else:
            for problem in exc.problems:
                print(problem)
            print(f"{len(exc.problems)} problem(s); the file is not valid", file=sys.stderr)
        return 1
    if args.json:
        print("[]")
    else:
        print(f"valid: {KIND_LABELS[file.kind]} ({file.kind.value}), {file.count} transfer(s), "
              f"total {file.total:,} yen, transfer date {file.header.transfer_date}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    z = subparsers.add_parser("zengin", help="全銀協規定形式 transfer files")
    zsub = z.add_subparsers(dest="action", required=True)
    check = zsub.add_parser("check", help="validate a file offline: exit 0 valid, 1 invalid, "
                                          "2 unreadable")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--json", action="store_true",
                       help="print the problems as a JSON list of {line, record, field, "
                            "offset, code, message}")
    check.set_defaults(func=cmd_check)
