"""`onetime account open` on SQLite and PostgreSQL: 口座開設 from the shell, as the branch
console's form does it (a contract's account with its first deposit, audited)."""

from __future__ import annotations

from tests.commands import test_people

# test_people's fixtures: a migrated database with institution 0101, and its CLI.
env, bank, cli, site_of = test_people.env, test_people.bank, test_people.cli, test_people.site_of

OPEN = ("account", "open", "--institution", "0101", "--contract", "4400044",
        "--bank-code", "2101", "--branch", "001", "--type", "ordinary",
        "--number", "4400441", "--holder", "ｼﾝｷ(ｶ", "--deposit", "1,500,000")


def test_an_account_is_opened_with_its_first_deposit(cli):
    cli("contract", "add", "--institution", "0101", "--number", "4400044", "--name", "新規商事",
        "--master-login", "new-master44")
    done = cli(*OPEN)
    assert "4400441" in done.stdout
    site, institution = site_of(cli.env)
    [contract] = site.branch.search(institution, "4400044").contracts
    view = site.branch.contract_view(institution, contract.id)
    assert [(a.account_number, a.balance) for a in view.accounts] == [("4400441", 1_500_000)]


def test_bad_input_and_an_unknown_contract_exit_1_and_open_nothing(cli):
    refused = cli(*OPEN, check=False)
    assert refused.returncode == 1
    assert "contract_not_found" in refused.stderr
    cli("contract", "add", "--institution", "0101", "--number", "4400044", "--name", "新規商事",
        "--master-login", "new-master44")
    refused = cli(*OPEN[:-1], "-5", check=False)
    assert refused.returncode == 1
    assert "invalid_amount" in refused.stderr
