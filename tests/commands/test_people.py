"""`onetime contract|user|staff add` on SQLite and PostgreSQL: in this process through the
command's own parser (the machine is shared; a subprocess per case costs seconds), and
once as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from onetime.banking.otp.local import local_site
from onetime.cli import parser
from onetime.config import Config
from onetime.service.services import Services, build_context
from onetime.storage import migrate


class Cli:
    """`onetime …` through cli.parser(), its output captured."""

    def __init__(self, env: dict, capsys) -> None:
        self.env, self.capsys = env, capsys

    def __call__(self, *argv: str, check: bool = True):
        args = parser().parse_args(argv)
        try:
            code = args.func(args, Config.from_env(self.env))
        except SystemExit as exit_:
            code = exit_.code
        out, err = self.capsys.readouterr()
        if check and code != 0:
            raise AssertionError(f"{argv} failed: {out}\n{err}")
        return Result(code, out, err)


class Result:
    def __init__(self, returncode, stdout, stderr) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def env(tmp_path, db_url):
    return {**os.environ, "ONETIME_VAR": str(tmp_path), "ONETIME_DATABASE_URL": db_url,
            "ONETIME_KEY_FILE": str(tmp_path / "keys.json")}


@pytest.fixture
def bank(env):
    ctx = build_context(Config.from_env(env), create_keys=True)
    migrate.upgrade(ctx.db)
    Services.from_context(ctx).institutions.add("0101", "第一信用組合", "otp@first.example.jp")
    ctx.db.dispose()
    return env


@pytest.fixture
def cli(bank, capsys):
    return Cli(bank, capsys)


def site_of(env):
    services = Services.from_context(build_context(Config.from_env(env)))
    site = local_site(services, kdf_profile="test")
    return site, site.institutions.get("0101")


def printed(out: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(out)))


class TestContractAdd:
    def test_prints_the_initial_password_once_and_it_signs_the_master_in(self, bank, cli):
        out = cli("contract", "add", "--institution", "0101", "--number", "1000001",
                  "--name", "デモ商事", "--master-login", "cli-master").stdout
        [row] = printed(out)
        assert (row["kind"], row["contract"], row["login_id"]) == (
            "master", "1000001", "cli-master")
        site, inst = site_of(bank)
        master = site.users.authenticate(inst, "cli-master", row["initial_password"])
        assert master.must_change_password
        assert master.name == "デモ商事"
        with site.ctx.db.read() as conn:
            trail = site.ctx.audit.page(conn, inst.id, after_id=0, limit=50)
        assert [e.actor for e in trail if e.event == "contract_added"] == ["operator"]
        assert row["initial_password"] not in json.dumps([e.detail for e in trail])

    def test_password_from_stdin_is_used_and_not_printed(self, bank):
        """A real `onetime` process, reading the password from its standard input."""
        result = subprocess.run(
            [sys.executable, "-m", "onetime.cli", "contract", "add", "--institution", "0101",
             "--number", "1000002", "--name", "二商事", "--master-login", "cli-master2",
             "--password-stdin"], env=bank, input="Stdin-pass1\n", capture_output=True,
            text=True, timeout=60, check=True)
        assert "Stdin-pass1" not in result.stdout + result.stderr
        site, inst = site_of(bank)
        site.users.authenticate(inst, "cli-master2", "Stdin-pass1")

    def test_a_csv_with_bad_lines_creates_nothing_and_names_each(self, bank, cli, tmp_path):
        path = tmp_path / "contracts.csv"
        path.write_text("number,name,master_login,master_name\n"
                        "2000001,一商事,first-master,一 太郎\n"
                        "20x,二商事,second-master,二 太郎\n"
                        "2000003,三商事,first-master,三 太郎\n", encoding="utf-8")
        result = cli("contract", "add", "--institution", "0101", "--csv", str(path),
                     check=False)
        assert result.returncode == 1
        assert f"{path}:3: invalid_contract_number" in result.stderr
        assert f"{path}:4: login_id_taken" in result.stderr
        assert "nothing was created" in result.stderr
        site, inst = site_of(bank)
        assert site.branch.search(inst, "2000").contracts == []

    def test_a_good_csv_creates_every_contract(self, bank, cli, tmp_path):
        path = tmp_path / "contracts.csv"
        path.write_text("number,name,master_login,master_name,limit_per_transfer\n"
                        "2000001,一商事,first-master,一 太郎,1000000\n"
                        "2000002,二商事,second-master,,\n", encoding="utf-8")
        rows = printed(cli("contract", "add", "--institution", "0101", "--csv",
                           str(path)).stdout)
        assert [r["login_id"] for r in rows] == ["first-master", "second-master"]
        site, inst = site_of(bank)
        found = {c.number: c for c in site.branch.search(inst, "20000").contracts}
        assert found["2000001"].limit_per_transfer == 1_000_000
        assert found["2000002"].limit_per_transfer == 10_000_000


class TestUserAndStaffAdd:
    def test_user_add_with_rights_and_limits(self, bank, cli):
        cli("contract", "add", "--institution", "0101", "--number", "1000001",
            "--name", "デモ商事", "--master-login", "cli-master")
        out = cli("user", "add", "--institution", "0101", "--contract", "1000001",
                  "--login", "cli-general", "--name", "一般 花子", "--operations",
                  "transfer,approval", "--approver", "--limit-per-day", "500000").stdout
        [row] = printed(out)
        site, inst = site_of(bank)
        user = site.users.authenticate(inst, "cli-general", row["initial_password"])
        assert sorted(o.value for o in user.operations) == ["approval", "transfer"]
        assert (user.approver, user.limit_per_day, user.role.value) == (True, 500_000,
                                                                        "general")

    def test_user_csv_names_a_bad_approver_and_an_unknown_contract(self, bank, cli, tmp_path):
        path = tmp_path / "users.csv"
        path.write_text("contract,login_id,name,role,operations,approver\n"
                        "9999999,lost-user1,迷子,general,,no\n"
                        "1000001,odd-user1,変,general,transfer,maybe\n", encoding="utf-8")
        result = cli("user", "add", "--institution", "0101", "--csv", str(path),
                     check=False)
        assert result.returncode == 1
        assert f"{path}:2: contract_not_found" in result.stderr

    def test_staff_add_with_a_role(self, bank, cli):
        out = cli("staff", "add", "--institution", "0101", "--staff-id", "boss01",
                  "--name", "課長 一郎", "--role", "supervisor").stdout
        [row] = printed(out)
        site, inst = site_of(bank)
        staff = site.branch.authenticate(inst, "boss01", row["initial_password"])
        assert staff.role.value == "supervisor"

    def test_missing_arguments_are_a_usage_error(self, bank, cli):
        result = cli("staff", "add", "--institution", "0101", check=False)
        assert result.returncode == 2
        assert "--staff-id" in result.stderr
