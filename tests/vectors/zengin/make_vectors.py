"""How the sample files here were made: assembled field by field from the published
positions (全銀協制定ファイルフォーマット), not with onetime's render, so the tests that
read them check the code against the format. Run once; the files are committed.

    .venv/bin/python tests/vectors/zengin/make_vectors.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def c(text: str, width: int) -> bytes:
    raw = text.replace("¥", "\\").encode("cp932")
    assert len(raw) <= width, text
    return raw.ljust(width, b" ")


def n(value: int, width: int) -> bytes:
    assert len(str(value)) <= width
    return str(value).zfill(width).encode()


def header(kind: bytes, date: bytes, bank: bytes, branch: bytes,
           name: str = "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ") -> bytes:
    record = (b"1" + kind + b"0" + n(1234567890, 10) + c(name, 40) + date + bank
              + c("ﾐｽﾞﾎ", 15) + branch + c("ﾄｳｷﾖｳ", 15) + b"1" + n(1234567, 7) + c("", 17))
    assert len(record) == 120
    return record


def bulk(bank: bytes, branch: bytes, deposit: int, account: int, name: str, amount: int,
         *, bank_name: str = "", branch_name: str = "", new: int = 0, code1: int = 0,
         method: int = 7, edi: str | None = None) -> bytes:
    middle = c(edi, 20) if edi is not None else n(code1, 10) + n(0, 10)
    record = (b"2" + bank + c(bank_name, 15) + branch + c(branch_name, 15) + b"0000"
              + n(deposit, 1) + n(account, 7) + c(name, 30) + n(amount, 10) + n(new, 1)
              + middle + n(method, 1) + (b"Y" if edi is not None else b" ") + c("", 7))
    assert len(record) == 120
    return record


def payroll(bank: bytes, branch: bytes, deposit: int, account: int, name: str, amount: int,
            employee: int, department: int, bank_name: str = "") -> bytes:
    record = (b"2" + bank + c(bank_name, 15) + branch + c("", 15) + b"0000" + n(deposit, 1)
              + n(account, 7) + c(name, 30) + n(amount, 10) + b"0" + n(employee, 10)
              + n(department, 10) + c("", 9))
    assert len(record) == 120
    return record


def trailer(count: int, total: int) -> bytes:
    return b"8" + n(count, 6) + n(total, 12) + c("", 101)


END = b"9" + c("", 119)


def main() -> None:
    crlf = b"\r\n"
    (HERE / "bulk_21_crlf.txt").write_bytes(b"".join(r + crlf for r in [
        header(b"21", b"1127", b"0001", b"001"),
        bulk(b"0005", b"001", 1, 7654321, "ｶ)ｻﾄｳｼﾖｳｶｲ", 1_234_567, bank_name="ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
             branch_name="ﾎﾝﾃﾝ", code1=42),
        bulk(b"0009", b"001", 2, 1, "ABC(ｶ ﾕｰｴｽ-1.2/3,¥", 50_000, new=1),
        trailer(2, 1_284_567), END]))
    (HERE / "bulk_21_edi_fixed.txt").write_bytes(b"".join([
        header(b"21", b"0301", b"0001", b"001"),
        bulk(b"0009", b"001", 1, 1234, "ﾀﾅｶ ﾊﾅｺ", 9_999_999_999, edi="INV 2026-0042", method=8),
        trailer(1, 9_999_999_999), END]))
    (HERE / "payroll_11_fixed_eof.txt").write_bytes(b"".join([
        header(b"11", b"0225", b"0001", b"001", name="ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ ｷﾕｳﾖ"),
        payroll(b"0001", b"001", 1, 1111111, "ﾔﾏﾀﾞ ﾀﾛｳ", 310_000, 1001, 10, bank_name="ﾐｽﾞﾎ"),
        payroll(b"0005", b"001", 1, 2222222, "ｽｽﾞｷ ｲﾁﾛｳ", 285_500, 1002, 20),
        payroll(b"0009", b"001", 4, 3333333, "ｻﾄｳ ﾊﾅｺ", 198_765, 1003, 20),
        trailer(3, 794_265), END]) + b"\x1a")
    # One or more faults per line; test_zengin_vectors.py lists each that must be found.
    amount_not_numeric = bytearray(bulk(b"0009", b"001", 1, 1, "ﾀﾅｶ", 100))
    amount_not_numeric[88] = ord("A")
    (HERE / "bulk_21_invalid.txt").write_bytes(b"".join(r + crlf for r in [
        header(b"21", b"1332", b"9999", b"001"),
        bulk(b"0005", b"999", 3, 1, "ﾀﾅｶ", 0),
        bulk(b"0009", b"001", 1, 1, "", 100),
        bytes(amount_not_numeric),
        "ﾔﾏﾀﾞ".encode("cp932") + b" " * 116,
        bulk(b"0009", b"001", 1, 1, "山田", 100)[:111] + b" aABC    ",
        trailer(9, 100), END]))


if __name__ == "__main__":
    main()
