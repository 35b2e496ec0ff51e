"""`onetime zengin check FILE [--json]`, run as a real subprocess on the sample files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

VECTORS = Path(__file__).parent / "vectors" / "zengin"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onetime.cli", "zengin", "check", *args],
                          capture_output=True, text=True, timeout=60)


class TestZenginCheck:
    def test_a_valid_file_exits_0_with_a_summary(self):
        result = check(str(VECTORS / "payroll_11_fixed_eof.txt"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            "valid: 給与振込 (11), 3 transfer(s), total 794,265 yen, transfer date 0225")

    def test_a_valid_file_with_json_is_an_empty_list(self):
        result = check(str(VECTORS / "bulk_21_crlf.txt"), "--json")
        assert (result.returncode, json.loads(result.stdout)) == (0, [])

    def test_an_invalid_file_exits_1_listing_every_problem(self):
        result = check(str(VECTORS / "bulk_21_invalid.txt"))
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert len(lines) == 13
        assert lines[0] == ("line 1 header transfer_date (byte 54): invalid_date: "
                            "the date must be a valid MMDD")
        assert "13 problem(s)" in result.stderr

    def test_json_lists_line_record_field_offset_code_message(self):
        result = check(str(VECTORS / "bulk_21_invalid.txt"), "--json")
        assert result.returncode == 1
        problems = json.loads(result.stdout)
        assert len(problems) == 13
        assert problems[6] == {"line": 4, "record": "data", "field": "amount", "offset": 454,
                               "code": "not_numeric", "message": "an N field holds digits only"}
        assert problems[7]["record"] is None  # a line whose record type is unknown
        assert all(set(p) == {"line", "record", "field", "offset", "code", "message"}
                   for p in problems)

    def test_an_unreadable_file_exits_2(self, tmp_path):
        result = check(str(tmp_path / "missing.txt"))
        assert result.returncode == 2
        assert "cannot read" in result.stderr
        assert result.stdout == ""

    @pytest.mark.parametrize("args", [(), ("a", "b"), ("--nope", "x")])
    def test_a_usage_error_exits_2(self, args):
        assert check(*args).returncode == 2

    def test_a_file_of_anything_else_is_invalid_not_a_crash(self, tmp_path):
        path = tmp_path / "photo.jpg"
        path.write_bytes(bytes(range(256)) * 3)
        result = check(str(path), "--json")
        assert result.returncode == 1
        assert json.loads(result.stdout)
        assert "Traceback" not in result.stderr
