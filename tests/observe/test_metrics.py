"""Each use case counts what it did, once committed, on both databases (in one process).

The counters are this process's (prometheus-client's single-process mode here): each test
reads them before and after, and checks the difference exactly.
"""

from __future__ import annotations

import socket
from base64 import b32decode

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bench.loader import load_active_tokens
from onetime.api.app import create_app
from onetime.mail import MailSink, SmtpMailer
from onetime.observe import metrics
from onetime.otp import totp
from onetime.service.outbox import deliver_pending
from tests.service.test_smoke_flow import set_up

MAX_FAILURES = 3


def sample(name: str, **labels) -> float:
    value = metrics._instruments().registry.get_sample_value(name, labels)
    return value or 0.0


def counts() -> dict[str, float]:
    """Every counter the use cases move, as now."""
    out = {f"{op}/{result}": sample("onetime_verifications_total", operation=op, result=result)
           for op in ("transfer", "login", "confirmation")
           for result in ("accepted", "rejected", "suspended", "not_active")}
    for name in ("suspensions", "releases", "revocations", "setups"):
        out[name] = sample(f"onetime_{name}_total")
    for outcome in ("sent", "failed"):
        out[f"mail/{outcome}"] = sample("onetime_mails_total", outcome=outcome)
    return out


def moved(before: dict[str, float]) -> dict[str, float]:
    """What changed since `before` (only the counters that moved)."""
    return {k: v - before[k] for k, v in counts().items() if v != before[k]}


@pytest.fixture
def strict(services, institution):
    """The institution with 3 failures to suspension."""
    return services.institutions.configure(institution.service_id,
                                           max_failures=str(MAX_FAILURES))


def step(clock, institution) -> int:
    return int(clock.now().timestamp()) // institution.settings.period


def test_verifications_count_by_operation_and_result_and_suspension_once(
        services, ctx, strict, clock):
    loaded = load_active_tokens(ctx, strict, 3, email="user@example.jp")
    now = step(clock, strict)
    before = counts()
    assert services.tokens.verify(strict, loaded.user_id(0), loaded.code(0, now),
                                  "transfer").result == "accepted"
    assert services.tokens.verify(strict, loaded.user_id(1), loaded.code(1, now),
                                  "login").result == "accepted"
    # A replay of user 0's code: rejected, counted as such.
    assert services.tokens.verify(strict, loaded.user_id(0), loaded.code(0, now),
                                  "transfer").result == "rejected"
    results = [services.tokens.verify(strict, loaded.user_id(2), code, "transfer").result
               for code in loaded.wrong_codes(2, now, MAX_FAILURES + 1)]
    assert results == ["rejected", "rejected", "suspended", "suspended"]
    assert services.tokens.verify(strict, "nobody", "12345678", "login").result == "not_active"
    # The fourth wrong code met a suspended token: a "suspended" answer, no new suspension.
    assert moved(before) == {"transfer/accepted": 1, "login/accepted": 1,
                             "transfer/rejected": 3, "transfer/suspended": 2,
                             "login/not_active": 1, "suspensions": 1}


def test_a_refused_format_counts_nothing(services, ctx, strict, clock):
    loaded = load_active_tokens(ctx, strict, 1)
    before = counts()
    with pytest.raises(Exception, match="digits"):
        services.tokens.verify(strict, loaded.user_id(0), "12", "transfer")
    assert moved(before) == {}


def test_setup_confirmation_release_and_revocation(services, institution, clock):
    before = counts()
    services.tokens.issue_token(institution, "taro", "taro@example.jp", "48213907")
    token = set_up(services, institution, "taro", "48213907")
    secret = b32decode(token["secret"] + "=" * (-len(token["secret"]) % 8))
    code = totp(secret, clock.now().timestamp(), digits=8, period=60)
    assert services.tokens.confirm(institution, "taro", code).result == "accepted"
    services.tokens.revoke(institution, "taro", actor="user:master", reason="lost")
    assert moved(before) == {"setups": 1, "confirmation/accepted": 1, "revocations": 1}


def test_release_counts_once(services, ctx, strict, clock):
    loaded = load_active_tokens(ctx, strict, 1, email="user@example.jp")
    for code in loaded.wrong_codes(0, step(clock, strict), MAX_FAILURES):
        services.tokens.verify(strict, loaded.user_id(0), code, "transfer")
    before = counts()
    services.tokens.release(strict, loaded.user_id(0), actor="user:master", reason="unlock")
    with pytest.raises(Exception, match="not suspended"):
        services.tokens.release(strict, loaded.user_id(0), actor="user:master", reason="again")
    assert moved(before) == {"releases": 1}


def test_mails_sent_and_failed(services, ctx, institution, tmp_path):
    for n in range(3):
        services.tokens.issue_token(institution, f"user{n}", f"user{n}@example.jp", "1234")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    before = counts()
    assert deliver_pending(ctx, SmtpMailer(host="127.0.0.1", port=closed,
                                           starttls=False, timeout=2)) == 0
    assert moved(before) == {"mail/failed": 3}
    with MailSink(tmp_path / "maildir") as sink:
        assert deliver_pending(ctx, SmtpMailer(host="127.0.0.1", port=sink.port,
                                               starttls=False)) == 3
    assert moved(before) == {"mail/failed": 3, "mail/sent": 3}


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def test_scrape_reports_the_unsealed_entries_and_the_pool(services, ctx, strict, clock):
    loaded = load_active_tokens(ctx, strict, 1)
    with TestClient(create_app(services)) as client:
        # Nothing seals here (no sealer runs): every entry so far is unsealed.
        with ctx.db.read() as conn:
            unsealed = ctx.audit.count_unsealed(conn)
        first = scrape(client)
        answer = client.post(f"/api/v1/services/{strict.service_id}/users/"
                             f"{loaded.user_id(0)}/verifications",
                             headers={"Authorization": "Bearer wrong"},
                             json={"code": loaded.code(0, step(clock, strict)),
                                   "operation": "transfer"})
        assert answer.status_code == 401  # refused before anything was written: no entry
        services.tokens.verify(strict, loaded.user_id(0), loaded.code(0, step(clock, strict)),
                               "transfer")
        second = scrape(client)
    assert first[("onetime_audit_unsealed_entries", ())] == unsealed
    assert second[("onetime_audit_unsealed_entries", ())] == unsealed + 1
    assert second[("onetime_db_pool_connections", (("state", "size"),))] > 0
    assert ("onetime_db_pool_connections", (("state", "in_use"),)) in second


def test_no_label_names_a_user_or_an_institution(services, ctx, strict, clock):
    loaded = load_active_tokens(ctx, strict, 1, prefix="secretname")
    services.tokens.verify(strict, loaded.user_id(0), loaded.code(0, step(clock, strict)),
                           "transfer")
    with TestClient(create_app(services)) as client:
        text = client.get("/metrics").text
    assert "secretname" not in text
    assert strict.service_id not in text.replace("onetime_", "")
    label_names = {name for family in text_string_to_metric_families(text)
                   for s in family.samples for name in s.labels}
    assert label_names <= {"operation", "result", "outcome", "state", "le"}
