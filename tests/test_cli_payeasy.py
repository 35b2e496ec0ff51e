"""`onetime payeasy load`, run as a real subprocess on SQLite and PostgreSQL: all or nothing."""

from __future__ import annotations

from onetime.banking.otp.local import local_site
from onetime.config import Config
from onetime.service.services import Services, build_context
from tests.test_cli import env, run  # noqa: F401 - fixture

GOOD = ("biller,11111,水戸市 市県民税,tax,4,2101,001,current,8000001,ﾐﾄｼ\n"
        "bill,11111,1234,1,4500,2027-01-31,101\n"
        "bill,11111,1235,1,3800,,101\n")
BAD = ("biller,22222,茨城電力,utility,4,2101,001,current,8000002,ｲﾊﾞﾗｷﾃﾞﾝﾘﾖｸ\n"
       "bill,22222,123,1,100,,\n"
       "bill,22222,1234,1,0,,\n")


def billers(env) -> list[str]:  # noqa: F811 - the fixture's value
    site = local_site(Services.from_context(build_context(Config.from_env(env))),
                      kdf_profile="test")
    bank = site.institutions.get("0101")
    with site.ctx.db.read() as conn:
        return [b.number for b in site.ctx.payeasy.billers_of(conn, bank.id)]


def test_load_then_a_bad_file_loads_nothing(env, tmp_path):  # noqa: F811
    run(env, "institution", "add", "--service-id", "0101", "--name", "第一信用組合",
        "--mail-sender", "otp@first.example.jp")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    out = run(env, "payeasy", "load", "--institution", "0101", str(good)).stdout
    assert "loaded 1 biller(s) and 2 bill(s)" in out
    refused = run(env, "payeasy", "load", "--institution", "0101", str(bad), check=False)
    assert refused.returncode == 1
    assert refused.stdout.splitlines() == [
        "line 2: invalid_customer_number: customer number: 4 digits",
        "line 3: invalid_amount: amount: a whole number of yen, at least 1"]
    assert billers(env) == ["11111"]
    missing = run(env, "payeasy", "load", "--institution", "0101", str(tmp_path / "no.csv"),
                  check=False)
    assert missing.returncode == 2
