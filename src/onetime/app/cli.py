"""`onetime-token`: the token app. With no command it opens the Textual UI; the
commands serve scripts and screen readers.

    onetime-token [--vault PATH] [--server URL]               the UI
    onetime-token setup --server URL --service-id ID --user-id ID
    onetime-token code [--service-id ID] [--user-id ID]       prints "CODE SECONDS_LEFT"
    onetime-token list                                        one token a line, tab-separated
    onetime-token delete --service-id ID --user-id ID [--yes]
    onetime-token lock on|off

Secrets never come from the command line. The activation password is asked for on
the terminal, or read as a line from stdin when stdin is not a terminal. With the
app lock ON, the lock code comes from ONETIME_LOCK_CODE if set, else the terminal,
else the first line of stdin (before the activation password). A new lock code
(`lock on`) is asked for twice, or read as two lines.

On success nothing is printed but the data asked for; errors go to stderr.
Exit codes: 0 success, 1 other error (a damaged vault…), 2 usage (or a plain http://
server that is not this machine), 3 no such token,
4 app lock (wrong lock code, wait, wiped), 5 setup refused (wrong activation
password, embargo, expired or no issuance), 6 service unreachable, 7 the server
could not prove the activation password (a fake server?) — nothing was stored.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from onetime.app import errors
from onetime.app.client import ServiceClient
from onetime.app.config import AppConfig
from onetime.app.format import bank_clock
from onetime.app.i18n import Translator, describe
from onetime.app.lockout import WARN_WHEN_LEFT
from onetime.app.vault import Vault, VaultFile

EXIT_ERROR, EXIT_USAGE, EXIT_NO_TOKEN, EXIT_LOCK = 1, 2, 3, 4
EXIT_SETUP, EXIT_UNREACHABLE, EXIT_PROTOCOL = 5, 6, 7

EXIT_CODES: list[tuple[type[errors.AppError], int]] = [
    (errors.TokenNotInVault, EXIT_NO_TOKEN), (errors.VaultMissing, EXIT_NO_TOKEN),
    (errors.WrongLockCode, EXIT_LOCK), (errors.LockDelay, EXIT_LOCK),
    (errors.VaultWiped, EXIT_LOCK), (errors.VaultLocked, EXIT_LOCK),
    (errors.InvalidLockCode, EXIT_LOCK),
    (errors.WrongActivationPassword, EXIT_SETUP), (errors.SetupEmbargoed, EXIT_SETUP),
    (errors.IssuanceExpired, EXIT_SETUP), (errors.NoIssuance, EXIT_SETUP),
    (errors.SetupInterrupted, EXIT_SETUP), (errors.InvalidInput, EXIT_SETUP),
    (errors.ServiceUnreachable, EXIT_UNREACHABLE), (errors.ProtocolFailure, EXIT_PROTOCOL),
    (errors.InsecureServerUrl, EXIT_USAGE),
]


class Secrets:
    """Where secrets come from: env (lock code only), the terminal, or stdin lines in order."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def _line(self, prompt: str) -> str:
        if sys.stdin.isatty():
            return getpass.getpass(prompt)
        line = sys.stdin.readline()
        if not line:
            raise errors.MissingInput(f"expected a line on stdin: {prompt.strip(': ')}")
        return line.rstrip("\r\n")

    def lock_code(self) -> str:
        return self.env.get("ONETIME_LOCK_CODE") or self._line("アプリロックコード: ")

    def new_lock_code(self) -> tuple[str, str]:
        return (self._line("新しいアプリロックコード: "),
                self._line("新しいアプリロックコード（確認用）: "))

    def activation_password(self) -> str:
        return self._line("利用開始パスワード: ")


class Command:
    """One run of a subcommand: the vault, the clock, the language, the secrets."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.args = args
        self.config = app_config(args, env)
        self.vault_file = VaultFile(self.config.vault_path, self.config.clock,
                                    lock_kdf=self.config.lock_kdf,
                                    min_unlock_seconds=self.config.min_unlock_seconds)
        self.secrets = Secrets(env)
        self.t = Translator(args.lang or self._vault_language())

    def _vault_language(self) -> str:
        try:
            return self.vault_file.info().language
        except errors.VaultError:
            return "ja"

    def open_vault(self, *, create: bool = False) -> Vault:
        """The vault, unlocked with the lock code if the app lock is ON."""
        if create and not self.vault_file.exists():
            return self.vault_file.create(self.t.language)
        info = self.vault_file.info()
        if not info.locked:
            return self.vault_file.open()
        vault = self.vault_file.unlock(self.secrets.lock_code())
        if vault.tamper_detected:
            warn(self.t("unlock.tampered"))
        return vault


def cmd_setup(cmd: Command) -> int:
    # Unlock before the exchange: a token the service handed out must have a place to go.
    vault = cmd.open_vault() if cmd.vault_file.exists() else None
    client = ServiceClient(cmd.config.server_url, cmd.config.protocol_kdf, cmd.config.clock)
    try:
        token = client.set_up(cmd.args.service_id, cmd.args.user_id,
                              cmd.secrets.activation_password())
    finally:
        client.close()
    (vault or cmd.vault_file.open_or_create(cmd.t.language)).put(token)
    return 0


def cmd_code(cmd: Command) -> int:
    token = cmd.open_vault().find(cmd.args.service_id, cmd.args.user_id)
    now = cmd.config.clock.now()
    print(f"{token.code_at(now)} {token.seconds_left(now)}")
    return 0


def cmd_list(cmd: Command) -> int:
    for token in cmd.open_vault().tokens:
        print(f"{token.service_id}\t{token.user_id}\t{token.institution_name}\t{token.serial}")
    return 0


def cmd_delete(cmd: Command) -> int:
    vault = cmd.open_vault()
    token = vault.find(cmd.args.service_id, cmd.args.user_id)
    if not cmd.args.yes:
        if not sys.stdin.isatty():
            warn("--yes is required when stdin is not a terminal")
            return EXIT_USAGE
        warn(cmd.t("delete.warning"))
        answer = input(cmd.t("delete.confirm", institution=token.institution_name,
                             user_id=token.user_id) + " [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return EXIT_ERROR
    vault.remove(token.service_id, token.user_id)
    return 0


def cmd_lock(cmd: Command) -> int:
    vault = cmd.open_vault(create=True)
    if cmd.args.state == "on":
        code, repeat = cmd.secrets.new_lock_code()
        vault.enable_lock(code, repeat)
    elif vault.lock_on:
        vault.disable_lock()
    return 0


def run_ui(args: argparse.Namespace, env: dict[str, str]) -> int:
    from onetime.app.ui import make_app

    config = app_config(args, env)
    client = ServiceClient(config.server_url, config.protocol_kdf, config.clock)
    app = make_app(config.vault_path, config.clock, client, lock_kdf=config.lock_kdf,
                   min_unlock_seconds=config.min_unlock_seconds, language=args.lang or "ja")
    try:
        app.run()
    finally:
        client.close()
    return 0


def app_config(args: argparse.Namespace, env: dict[str, str]) -> AppConfig:
    """The settings of this run; --kdf and --clock-file only count with --dev."""
    dev = getattr(args, "dev", False)
    return AppConfig.from_env(env, server_url=getattr(args, "server", None),
                              vault_path=getattr(args, "vault", None),
                              kdf_profile=getattr(args, "kdf", "production") if dev
                              else "production",
                              clock_file=getattr(args, "clock_file", None) if dev else None)


def warn(text: str) -> None:
    print(f"onetime-token: {text}", file=sys.stderr)


def explain(error: errors.AppError, t: Translator, cmd: Command | None) -> str:
    """The stderr line for an error; the lock's errors say how many tries are left."""
    now = cmd.config.clock.now() if cmd else None
    if isinstance(error, errors.WrongLockCode | errors.LockDelay):
        parts = [t("unlock.wrong")] if isinstance(error, errors.WrongLockCode) else []
        if error.retry_at is not None:
            parts.append(t("unlock.delay", time=bank_clock(error.retry_at)))
        if error.attempts_left <= WARN_WHEN_LEFT:
            parts.append(t("unlock.left", n=error.attempts_left))
        return " ".join(parts)
    if isinstance(error, errors.VaultWiped):
        return t("unlock.wiped")
    if isinstance(error, errors.VaultError):
        return error.detail  # which token, which file: more use to a script than a sentence
    setup_refusal = isinstance(error, errors.WrongActivationPassword | errors.SetupEmbargoed)
    if now is not None and (setup_refusal or t.knows(f"error.{error.code}")):
        return describe(error, t, now)
    return error.detail


def exit_code(error: errors.AppError) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return EXIT_ERROR


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--vault", default=argparse.SUPPRESS, metavar="PATH",
                        help="the vault file (default: in the user's data directory)")
    common.add_argument("--lang", choices=("ja", "en"), default=argparse.SUPPRESS,
                        help="language of messages")
    # End-to-end tests against `onetime serve --dev`: never set by the environment.
    common.add_argument("--dev", action="store_true", default=argparse.SUPPRESS,
                        help="development: allows --kdf and --clock-file (tests only)")
    common.add_argument("--kdf", choices=("production", "test"), default=argparse.SUPPRESS,
                        help="with --dev: argon2id cost; test is the minimum")
    common.add_argument("--clock-file", type=Path, default=argparse.SUPPRESS, metavar="FILE",
                        help="with --dev: read the time from FILE (an RFC 3339 instant)")
    p = argparse.ArgumentParser(prog="onetime-token", parents=[common],
                                description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", help="the OTP service's URL (https://, or http:// to 127.0.0.1)")
    sub = p.add_subparsers(dest="command")

    setup = sub.add_parser("setup", parents=[common], help="初期設定: get a token")
    setup.add_argument("--server", default=argparse.SUPPRESS,
                       help="default: $ONETIME_SERVER, else http://127.0.0.1:8000")
    setup.add_argument("--service-id", required=True)
    setup.add_argument("--user-id", required=True)
    setup.set_defaults(func=cmd_setup)

    code = sub.add_parser("code", parents=[common], help="print the current code and "
                                                           "the seconds left")
    code.add_argument("--service-id")
    code.add_argument("--user-id")
    code.set_defaults(func=cmd_code)

    sub.add_parser("list", parents=[common], help="list the tokens").set_defaults(func=cmd_list)

    delete = sub.add_parser("delete", parents=[common], help="トークン削除: delete a token")
    delete.add_argument("--service-id", required=True)
    delete.add_argument("--user-id", required=True)
    delete.add_argument("--yes", action="store_true", help="do not ask; needed without a TTY")
    delete.set_defaults(func=cmd_delete)

    lock = sub.add_parser("lock", parents=[common], help="アプリロック: on or off")
    lock.add_argument("state", choices=("on", "off"))
    lock.set_defaults(func=cmd_lock)
    return p


def main(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "dev", False) and (hasattr(args, "kdf") or hasattr(args, "clock_file")):
        warn("--kdf and --clock-file need --dev")
        return EXIT_USAGE
    args.vault = getattr(args, "vault", None)
    args.lang = getattr(args, "lang", None)
    env = dict(os.environ if env is None else env)
    cmd: Command | None = None
    try:
        if args.command is None:
            return run_ui(args, env)
        cmd = Command(args, env)
        func: Callable[[Command], int] = args.func
        return func(cmd)
    except errors.AppError as exc:
        t = cmd.t if cmd else Translator(args.lang or "ja")
        warn(explain(exc, t, cmd))
        return exit_code(exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
