"""The `onetime` operator command: institutions, keys, audit, migrations, serving."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from onetime.commands import accounts as account_commands
from onetime.commands import backup as backup_commands
from onetime.commands import payeasy as payeasy_commands
from onetime.commands import people
from onetime.commands import zengin as zengin_commands
from onetime.config import Config
from onetime.domain.errors import OnetimeError
from onetime.service.services import Services, build_context
from onetime.storage import migrate

PRIVATE_UMASK = 0o077


def _services(config: Config, *, create_keys: bool = False) -> Services:
    return Services.from_context(build_context(config, create_keys=create_keys))


def cmd_migrate(args, config: Config) -> int:
    ctx = build_context(config, create_keys=True)
    migrate.upgrade(ctx.db)
    print(f"database at the latest schema: {ctx.db.engine.url.render_as_string()}")
    return 0


def _settings_pairs(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"expected name=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def cmd_institution_add(args, config: Config) -> int:
    from onetime.domain.settings import InstitutionSettings
    services = _services(config, create_keys=True)
    migrate.upgrade(services.ctx.db)
    settings = InstitutionSettings.from_mapping(_settings_pairs(args.set))
    inst, key = services.institutions.add(args.service_id, args.name, args.mail_sender, settings)
    print(f"institution {inst.service_id} ({inst.name}) added")
    print("API key (shown once; store it now):")
    print(key.reveal_text())
    return 0


def cmd_institution_set(args, config: Config) -> int:
    services = _services(config)
    changes = _settings_pairs(args.pairs)
    inst = services.institutions.configure(args.service_id, **changes)
    print(inst.settings.to_json())
    return 0


def cmd_institution_show(args, config: Config) -> int:
    services = _services(config)
    for inst in services.institutions.all():
        if args.service_id in (None, inst.service_id):
            print(f"{inst.service_id}\t{inst.name}\t{inst.mail_sender}\t{inst.settings.to_json()}")
    return 0


def cmd_institution_rotate_key(args, config: Config) -> int:
    services = _services(config)
    key = services.institutions.rotate_api_key(args.service_id)
    print("new API key (shown once; the old one no longer works):")
    print(key.reveal_text())
    return 0


def cmd_keys_rotate(args, config: Config) -> int:
    from onetime.service.keys import rotate
    services = _services(config)

    def progress(done: int) -> None:
        print(f"\rre-wrapped {done} secrets", end="", file=sys.stderr, flush=True)

    key_id, moved = rotate(services.ctx, progress)
    print(file=sys.stderr)
    print(f"active key {key_id}; {moved} secrets re-wrapped")
    return 0


def cmd_tokens_import(args, config: Config) -> int:
    """The API's PSKC import from a file of any size, with a progress line on stderr."""
    import json
    from collections import Counter
    services = _services(config)
    institution = services.institutions.get(args.service_id)
    password = args.password_file.read_bytes().rstrip(b"\r\n") if args.password_file else None
    labels = {"read": "read", "write": "written"}

    def progress(stage: str, done: int) -> None:
        print(f"\r{done:,} keys {labels[stage]}", end="", file=sys.stderr, flush=True)

    with args.file.open("rb") as document:
        result = services.imports.import_pskc(
            institution, document, psk_hex=args.psk_hex, password=password,
            confirmed=args.confirmed, actor=args.actor, source_ip=None, progress=progress,
            list_tokens=args.verbose)
    print(file=sys.stderr)
    reasons = Counter(k.reason.value for k in result.skipped)
    print(json.dumps({"imported": result.imported, "skipped": len(result.skipped),
                      "reasons": dict(sorted(reasons.items()))}))
    if args.verbose:
        for token in result.tokens:
            print(f"imported\t{token.serial}\t{token.user_id}\t{token.state.value}")
        for key in result.skipped:
            print(f"skipped\t{key.serial or '-'}\t{key.reason.value}")
    return 0


def cmd_audit_seal(args, config: Config) -> int:
    from onetime.service.audit import seal_pending
    services = _services(config)
    print(f"sealed {seal_pending(services.ctx, limit=10**9)} entries")
    return 0


def cmd_audit_verify(args, config: Config) -> int:
    from onetime.service.anchor import RESET_HINT, reset_anchor
    from onetime.service.audit import seal_pending, verify_chain
    services = _services(config)
    if args.new_anchor:
        anchor = reset_anchor(services.ctx, args.actor)
        print(f"new audit anchor at seal {anchor.seal_seq} (recorded as audit_anchor_reset)")
    if args.seal:
        seal_pending(services.ctx, limit=10**9)
    report = verify_chain(services.ctx)
    for problem in report.problems:
        print(f"TAMPERED: {problem}")
    print(f"{report.sealed} sealed entries checked, {len(report.problems)} problems, "
          f"{report.unsealed} not yet sealed")
    if report.anchor_problem:
        print(f"the audit anchor is not the chain's head: {RESET_HINT}", file=sys.stderr)
    return 0 if report.ok else 2


def _require_private_key_file(config: Config) -> None:
    from onetime.crypto import FileKeyProvider, KeyFileExposed
    try:
        FileKeyProvider.require_private(config.key_file)
    except KeyFileExposed as exc:
        raise SystemExit(f"error: {exc}; not serving") from None


def cmd_serve(args, config: Config) -> int:
    import uvicorn

    from onetime.api.protocols import head_limited
    from onetime.observe import logs
    dev = _dev_settings(args)
    logs.configure(args.log_format, args.log_level)  # the sealer supervisor's lines too
    os.environ[logs.FORMAT_ENV] = args.log_format  # and the sealer process's
    ctx = build_context(config, create_keys=True)
    _require_private_key_file(config)
    migrate.upgrade(ctx.db)
    ctx.db.dispose()
    factory = "onetime.web.server:app" if args.site else "onetime.api.server:app"
    if dev is not None:
        from onetime import dev as dev_mode
        os.environ[dev_mode.ENV] = dev.to_json()  # the workers' only channel; see onetime.dev
        factory = "onetime.dev:site_app" if args.site else "onetime.dev:api_app"
    # Sealing in a worker takes that worker's GIL from its requests (p99 10 → 33 ms under
    # load); in a process of its own it does not. The workers' sealer threads stay as
    # the fallback while it is down; a supervisor thread here starts it again if it ends.
    supervisor = _supervise_sealer(config, args.log_level) if args.sealer_process else None
    # uvicorn raises the SIGTERM it stopped on again once it has shut down: with the default
    # action this process would end there, before the clean-up below.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    metrics_dir = _fresh_metrics_dir(config)
    try:
        # Our access log (api/access.py: request IDs, one format) replaces uvicorn's.
        config_of_logs = logs.uvicorn_config(args.log_format, args.log_level)
        if not args.access_log:
            config_of_logs["loggers"]["onetime.access"]["level"] = "WARNING"
        # proxy_headers off: uvicorn would trust X-Forwarded-For from 127.0.0.1; the app
        # trusts only ONETIME_TRUSTED_PROXIES (api/forwarded.py).
        uvicorn.run(factory, factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, proxy_headers=False,
                    loop=args.loop, http=head_limited(args.http), access_log=False,
                    log_config=config_of_logs,
                    timeout_worker_healthcheck=args.worker_healthcheck_timeout)
    finally:
        if supervisor is not None:
            supervisor.stop()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _fresh_metrics_dir(config: Config) -> Path:
    """A new private directory (0700) for this start's metrics, named to the workers.

    prometheus-client's multiprocess mode: each worker writes its counts to files there
    and a scrape sums them. Fresh per start, so a restart counts from zero like a single
    process would, and never sums in the files of another server's workers.
    """
    from onetime.observe.metrics import MULTIPROC_ENV
    config.var.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="metrics-", dir=config.var))
    os.environ[MULTIPROC_ENV] = str(directory)  # before any worker imports the client
    return directory


def _dev_settings(args):
    """--dev's settings (onetime.dev.DevSettings), or None; exits 2 on a misuse."""
    from onetime.dev import DevSettings, NotLoopback, require_loopback
    if not args.dev:
        if args.clock_file or args.kdf:
            _usage_error("--clock-file and --kdf need --dev (a development server)")
        return None
    try:
        require_loopback(args.host, "--dev")
    except NotLoopback as exc:
        _usage_error(str(exc))
    return DevSettings(clock_file=args.clock_file, kdf_profile=args.kdf or "production")


def _usage_error(message: str):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _supervise_sealer(config: Config, log_level: str):
    from onetime.service.supervision import SealerSupervisor
    # Its exits and restarts (warnings) are logged here, in the serving process.
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    heartbeat = config.var / f"sealer-{os.getpid()}.heartbeat"
    # The workers build their Config from the environment they inherit: /readyz reads it.
    os.environ["ONETIME_SEALER_HEARTBEAT"] = str(heartbeat)
    return SealerSupervisor(dataclasses.replace(config, sealer_heartbeat=heartbeat)).start()


def cmd_demo(args, config: Config) -> int:
    from onetime.demo import run_demo
    from onetime.dev import NotLoopback, require_loopback
    try:  # published passwords, every mail at /dev/mail: a development mode
        require_loopback(args.host, "onetime demo")
    except NotLoopback as exc:
        _usage_error(str(exc))
    return run_demo(config, host=args.host, port=args.port, kdf_profile=args.kdf)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onetime", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="bring the database to the latest schema").set_defaults(
        func=cmd_migrate)

    inst = sub.add_parser("institution", help="add and configure institutions")
    isub = inst.add_subparsers(dest="action", required=True)
    add = isub.add_parser("add", help="add an institution; prints its API key once")
    add.add_argument("--service-id", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--mail-sender", required=True, help="From address, on the bank's domain")
    add.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a setting other than its default (repeatable)")
    add.set_defaults(func=cmd_institution_add)
    st = isub.add_parser("set", help="change settings: NAME=VALUE ...")
    st.add_argument("service_id")
    st.add_argument("pairs", nargs="+", metavar="NAME=VALUE")
    st.set_defaults(func=cmd_institution_set)
    show = isub.add_parser("show", help="list institutions and their settings")
    show.add_argument("service_id", nargs="?")
    show.set_defaults(func=cmd_institution_show)
    rk = isub.add_parser("rotate-api-key", help="replace the institution's API key")
    rk.add_argument("service_id")
    rk.set_defaults(func=cmd_institution_rotate_key)

    keys = sub.add_parser("keys", help="encryption keys")
    ksub = keys.add_subparsers(dest="action", required=True)
    ksub.add_parser("rotate", help="add a key and re-wrap every secret (online)").set_defaults(
        func=cmd_keys_rotate)

    toks = sub.add_parser("tokens", help="tokens in bulk")
    tsub = toks.add_subparsers(dest="action", required=True)
    imp = tsub.add_parser("import", help="import the HOTP/TOTP keys of a PSKC file (RFC 6030)")
    imp.add_argument("--service-id", required=True)
    imp.add_argument("file", type=Path, metavar="FILE")
    secret = imp.add_mutually_exclusive_group()
    secret.add_argument("--psk-hex", help="the pre-shared key of an encrypted document, in hex")
    secret.add_argument("--password-file", type=Path, metavar="FILE",
                        help="a file holding the PBKDF2 password (one line)")
    imp.add_argument("--confirmed", action="store_true",
                     help="start the tokens active instead of activated")
    imp.add_argument("--actor", default="operator",
                     help="who imports, for the audit trail (default: operator)")
    imp.add_argument("--verbose", action="store_true",
                     help="print every token and skipped key, not only the counts")
    imp.set_defaults(func=cmd_tokens_import)

    audit = sub.add_parser("audit", help="the audit trail")
    asub = audit.add_subparsers(dest="action", required=True)
    asub.add_parser("seal", help="seal committed entries now").set_defaults(func=cmd_audit_seal)
    ver = asub.add_parser("verify", help="check the hash chain; exit 2 if tampered")
    ver.add_argument("--no-seal", dest="seal", action="store_false",
                     help="only check; do not seal pending entries first")
    ver.add_argument("--new-anchor", action="store_true",
                     help="start a new audit anchor at the current chain head (after a "
                          "restore, or once a missing or older anchor is explained); audited")
    ver.add_argument("--actor", default="operator",
                     help="who starts the new anchor, for the audit trail (default: operator)")
    ver.set_defaults(func=cmd_audit_verify)

    serve = sub.add_parser("serve", help="run the OTP service API (and its audit sealer)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--site", action="store_true",
                       help="also serve the banking site and branch console on this port")
    # "auto" takes uvloop and httptools, which uvicorn[standard] installs.
    serve.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto")
    serve.add_argument("--http", choices=["auto", "h11", "httptools"], default="auto")
    serve.add_argument("--log-level", default="warning",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="skip the per-request access log (it costs every request)")
    serve.add_argument("--access-log", dest="access_log", action="store_true",
                       help="log one line per request (the default)")
    serve.add_argument("--log-format", choices=("json", "text"), default="json",
                       help="log lines as JSON objects (default) or as text")
    # A spawned worker answers the supervisor's pings only once it has imported
    # everything; on a machine under load that took longer than uvicorn's 5 s, and each
    # worker was killed and spawned again, never serving.
    serve.add_argument("--worker-healthcheck-timeout", type=float, default=5.0,
                       metavar="SECONDS",
                       help="kill a worker that does not answer within this (default 5)")
    serve.add_argument("--no-sealer-process", dest="sealer_process", action="store_false",
                       help="do not start the dedicated audit sealer process (every "
                            "ONETIME_SEALER_INTERVAL s); the workers' sealer threads "
                            "(every ONETIME_SEAL_INTERVAL s) then seal instead")
    serve.add_argument("--dev", action="store_true",
                       help="development server, loopback only: allows --clock-file, --kdf")
    serve.add_argument("--clock-file", type=Path, metavar="FILE",
                       help="with --dev: read the time from FILE (an RFC 3339 instant)")
    serve.add_argument("--kdf", choices=("production", "test"),
                       help="with --dev: argon2id cost; test is the minimum (tests only)")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="the whole system on SQLite with demo data (make run)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--kdf", choices=("production", "test"), default="production",
                      help="argon2id cost; test is the minimum (tests only)")
    demo.set_defaults(func=cmd_demo)
    zengin_commands.register(sub)
    backup_commands.register(sub)
    people.register(sub)
    account_commands.register(sub)
    payeasy_commands.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    # Whatever this process and its children create (database, keys, anchor, locks, and
    # files SQLite makes) is for the owner alone, whatever umask the shell had.
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)
    args = parser().parse_args(argv)
    try:
        return args.func(args, Config.from_env())
    except OnetimeError as exc:
        print(f"error: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
