"""The accounts a user pays from: their contract's, read as stored now (振込・振替,
総合振込・給与・賞与振込 and ペイジー offer them on the input screen and check them again
before a code is used up)."""

from __future__ import annotations

from onetime.banking.domain.errors import AccountNotFound
from onetime.banking.domain.people import SiteUser
from onetime.banking.service.context import Context
from onetime.banking.storage.ledger import Account


def accounts_of(ctx: Context, user: SiteUser) -> list[Account]:
    with ctx.db.read() as conn:
        return ctx.ledger.accounts_of(conn, user.contract_id)


def own_account(ctx: Context, user: SiteUser, account_id: object) -> Account:
    """The account `account_id` (as the form sent it) if it is the user's contract's.
    Raises AccountNotFound."""
    try:
        wanted = int(str(account_id))
    except ValueError:
        raise AccountNotFound("no such account") from None
    for account in accounts_of(ctx, user):
        if account.id == wanted:
            return account
    raise AccountNotFound("no such account")
