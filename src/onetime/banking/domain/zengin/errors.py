"""What is wrong with a 全銀 file: one Problem per fault, each with a stable code.

A Problem says where: the line (the record's number, 1-based, whether the file has
line breaks or not), the record (header, data, trailer, end; None where unknown), the
field (its name in layout.py; None for a whole record or the file) and `offset`, the
0-based byte offset within the whole file of the first offending byte (of the field,
when a whole field is wrong). `code` is stable: the site shows `zengin.<code>` from the
catalogue, with the field's `zengin.field.<name>`; `message` is plain English for the
command line and logs, and never quotes the bytes (an account is no secret, but a file
is the customer's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from onetime.domain.errors import InvalidInput

# code -> message (English; the catalogue holds the Japanese and English for screens).
CODES = {
    "empty_file": "the file is empty",
    "record_length": "a record must be 120 bytes",
    "unknown_record": "the record type (データ区分) must be 1, 2, 8 or 9",
    "record_order": "records must be one header, the data records, a trailer, an end record",
    "missing_header": "the file has no header record",
    "missing_trailer": "the file has no trailer record",
    "missing_end": "the file has no end record",
    "no_transfers": "the file has no data records",
    "not_numeric": "an N field holds digits only",
    "invalid_character": "a C field holds half-width katakana, A-Z, 0-9, space and ( ) - . / , ¥",
    "blank": "this field is required",
    "not_blank": "this field must be spaces",
    "unsupported_kind": "the kind (種別コード) must be 21, 11 or 12",
    "unsupported_code_set": "the code set (コード区分) must be 0 (JIS)",
    "invalid_date": "the date must be a valid MMDD",
    "invalid_value": "this value is not one the format allows",
    "zero_amount": "the amount must be at least 1 yen",
    "unknown_bank": "no bank with this code",
    "unknown_branch": "no branch with this code at this bank",
    "count_mismatch": "the trailer's count differs from the number of data records",
    "total_mismatch": "the trailer's total differs from the sum of the amounts",
}


@dataclass(frozen=True)
class Problem:
    line: int
    record: str | None
    field: str | None
    offset: int
    code: str

    @property
    def message(self) -> str:
        return CODES[self.code]

    def as_json(self) -> dict:
        return {**asdict(self), "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.record:
            where += f" {self.record}"
        if self.field:
            where += f" {self.field}"
        return f"{where} (byte {self.offset}): {self.code}: {self.message}"


PROBLEM_ID = "zengin.problem"  # "{line}行目 {field}：{message}"
WHOLE_FILE_ID = "zengin.file"  # the field of a problem about no one field


def describe(problem: Problem, t: Callable[..., str]) -> str:
    """The problem as a screen shows it, in the language of the translator `t`
    (`onetime.i18n.Translator` of the site domain)."""
    field = t(field_label_id(problem.field)) if problem.field else t(WHOLE_FILE_ID)
    return t(PROBLEM_ID, line=problem.line, field=field, message=t(message_id(problem.code)))


def message_id(code: str) -> str:
    """The catalogue's id of a problem's message."""
    return f"zengin.{code}"


def field_label_id(name: str) -> str:
    """The catalogue's id of a field's label."""
    return f"zengin.field.{name}"


class ZenginFileInvalid(InvalidInput):
    """An uploaded 全銀 file has at least one fault: `problems` lists every one, in file
    order, and nothing of the file may be booked."""

    code = "zengin_file_invalid"
    title = "The transfer file is not a valid Zengin file"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the transfer file")
        self.problems = problems


class InvalidZenginText(InvalidInput):
    """A name has a character outside the 全銀 set (`character`; a name is no secret)."""

    code = "invalid_zengin_text"
    title = "Use katakana, letters, digits, spaces and ( ) - . / , ¥"

    def __init__(self, character: str) -> None:
        super().__init__(f"character U+{ord(character):04X} is not in the Zengin set")
        self.character = character


class InvalidZenginValue(InvalidInput):
    """A batch to render holds a value its field cannot: too long, or not digits.
    The screen's own checks come first; this guards the file's 120 bytes."""

    code = "invalid_zengin_value"
    title = "A value does not fit the Zengin file format"

    def __init__(self, field: str) -> None:
        super().__init__(f"the value of {field} does not fit its field")
        self.field = field
