"""Issue 13 points 1 and 2 through a real `onetime serve --workers 2 --site`: a known load,
then /metrics must count it exactly whichever worker answers the scrape, and the server's
whole log (JSON lines, one per request with its request ID) must hold none of the codes,
secrets, passwords and API keys the run used."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bench.loader import load_active_tokens
from onetime.banking.domain.people import Role
from onetime.banking.otp.local import local_site
from onetime.banking.service.demo import seed_demo
from onetime.mail import MailSink, read_mailbox
from onetime.otp import totp
from onetime.service.services import Services
from onetime.storage.schema import outbox
from tests.api.helpers import http_setup
from tests.e2e import servers
from tests.polling import eventually
from tests.web.routes.conftest import csrf_of

MAX_FAILURES = 3
ACTIVATION_PASSWORD = "58203917"
LOGIN_ID, LOGIN_PASSWORD, CONFIRMATION_PASSWORD = "obs-master", "Kansoku-7Qz", "Kakunin-9Xw"
STAFF_ID, STAFF_PASSWORD = "branch77", "Madoguchi-3Kd"
WRONG_API_KEY = "not-the-key-Zx81"


class Run:
    """The requests of the run, and every secret they carried."""

    def __init__(self, site: servers.Site, server: servers.Server) -> None:
        # A connection per request, so the kernel hands them to both workers.
        self.client = httpx.Client(base_url=server.url, timeout=10, follow_redirects=False,
                                   limits=httpx.Limits(max_keepalive_connections=0))
        self.base = f"/api/v1/services/{site.institution.service_id}/users"
        self.auth = {"Authorization": f"Bearer {site.api_key}"}
        self.secrets = {site.api_key, WRONG_API_KEY, ACTIVATION_PASSWORD, LOGIN_PASSWORD,
                        CONFIRMATION_PASSWORD, STAFF_PASSWORD}
        self.request_ids: dict[str, int] = {}  # the IDs we sent → the status answered

    def verify(self, user_id: str, code: str, operation: str = "transfer") -> str:
        self.secrets.add(code)
        rid = f"obs-{len(self.request_ids)}"
        answer = self.client.post(f"{self.base}/{user_id}/verifications",
                                  headers={**self.auth, "X-Request-ID": rid},
                                  json={"code": code, "operation": operation})
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-request-id"] == rid
        self.request_ids[rid] = 200
        return answer.json()["result"]

    def post(self, user_id: str, path: str, body: dict, status: int = 200) -> dict:
        answer = self.client.post(f"{self.base}/{user_id}{path}", headers=self.auth,
                                  json=body)
        assert answer.status_code == status, answer.text
        return answer.json()


def metric_samples(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(server: servers.Server) -> dict[tuple, float]:
    response = httpx.get(f"{server.url}/metrics", timeout=10)
    assert response.status_code == 200
    return metric_samples(response.text)


def verifications(samples, operation: str, result: str) -> float:
    return samples.get(("onetime_verifications_total",
                        (("operation", operation), ("result", result))), 0.0)


def total(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def outbox_rows(site: servers.Site) -> tuple[int, int]:
    """(mails queued, mails sent) in the database."""
    with site.ctx.db.read() as conn:
        return (conn.execute(select(func.count()).select_from(outbox)).scalar_one(),
                conn.execute(select(func.count()).select_from(outbox)
                             .where(outbox.c.sent_at.is_not(None))).scalar_one())


def prepare(site: servers.Site):
    services = Services.from_context(site.ctx)
    institution = services.institutions.configure(site.institution.service_id,
                                                  max_failures=str(MAX_FAILURES))
    loaded = load_active_tokens(site.ctx, institution, 9, email="obs@example.jp")
    seed_demo(local_site(services, kdf_profile="test"), institution, contract_number="7000007",
              users=[(LOGIN_ID, "観測 太郎", Role.MASTER, LOGIN_PASSWORD,
                      CONFIRMATION_PASSWORD)],
              staff=(STAFF_ID, "窓口 次郎", STAFF_PASSWORD, "supervisor"))
    return loaded


def test_metrics_count_a_known_load_exactly_and_the_log_keeps_no_secret(site, tmp_path):
    loaded = prepare(site)
    with MailSink(tmp_path / "maildir") as sink:
        env = {**site.env, "ONETIME_SMTP_PORT": str(sink.port),
               "ONETIME_SITE_SERVICE_ID": site.institution.service_id,
               "ONETIME_SITE_INSECURE_LOOPBACK_COOKIES": "1"}
        with servers.serve(env, tmp_path, workers=2,
                           extra_args=("--site", "--access-log",
                                       "--worker-healthcheck-timeout", "60"),
                           timeout=90) as [server]:
            run = Run(site, server)
            journey(run, loaded)
            # Mails go out from the workers' outbox threads; the sealer seals behind.
            eventually(lambda: (q := outbox_rows(site))[0] == q[1], "every mail sent")
            eventually(lambda: total(scrape(server), "onetime_audit_unsealed_entries") == 0,
                       "every audit entry sealed")
            queued, _sent = outbox_rows(site)
            delivered = len(read_mailbox(tmp_path / "maildir"))
            # Any worker may answer a scrape: each answer is the sum of both.
            scrapes = [scrape(server) for _ in range(6)]
            served_by = Counter(json.loads(line)["pid"] for line in server.log_text().splitlines()
                                if '"onetime.access"' in line)
        log = server.log_text()
    for samples in scrapes:
        assert verifications(samples, "transfer", "accepted") == 4
        assert verifications(samples, "login", "accepted") == 3
        assert verifications(samples, "transfer", "rejected") == 3
        # The third wrong code suspended; the fourth met the suspended token.
        assert verifications(samples, "transfer", "suspended") == 2
        assert verifications(samples, "confirmation", "accepted") == 1
        assert total(samples, "onetime_suspensions_total") == 1
        assert total(samples, "onetime_releases_total") == 1
        assert total(samples, "onetime_revocations_total") == 1
        assert total(samples, "onetime_setups_total") == 1
        # token_issued, token_set_up, token_suspended, token_released, token_revoked:
        # each once (two workers once sent some twice: tests/service/test_outbox_*.py)
        assert total(samples, "onetime_mails_total", outcome="sent") == queued == delivered
        assert total(samples, "onetime_mails_total", outcome="failed") == 0
        # The 12 verification requests, answered by the fast path (not the confirmation).
        assert total(samples, "onetime_verification_seconds_count") == 12
        assert total(samples, "onetime_db_pool_connections", state="size") > 0
    assert queued == 5
    assert len(served_by) == 2, f"requests served by {served_by}: not both workers"
    assert_log(log, run, loaded)


def journey(run: Run, loaded) -> None:
    step = int(time.time()) // 60
    for n in range(7):  # 7 accepted: 4 transfers, 3 logins
        assert run.verify(loaded.user_id(n), loaded.code(n, step),
                          "transfer" if n < 4 else "login") == "accepted"
        run.secrets |= {loaded.secret(n).hex(), base64.b32encode(loaded.secret(n)).decode()}
    [wrong] = loaded.wrong_codes(7, step, 1)
    assert run.verify(loaded.user_id(7), wrong) == "rejected"
    wrongs = loaded.wrong_codes(8, step, MAX_FAILURES + 1)
    assert [run.verify(loaded.user_id(8), code) for code in wrongs] == \
        ["rejected", "rejected", "suspended", "suspended"]
    run.post(loaded.user_id(8), "/token/release", {"actor": "user:master", "reason": "unlock"})
    run.post(loaded.user_id(0), "/token/revocation", {"actor": "user:master",
                                                      "reason": "lost phone"})
    # Issuance, setup and confirmation: an activation password, a secret, a first code.
    run.post("newbie", "/token", {"email": "newbie@example.jp",
                                  "activation_password": ACTIVATION_PASSWORD}, status=201)
    token = http_setup(run.client, run.base.split("/")[4], "newbie", ACTIVATION_PASSWORD)
    secret = base64.b32decode(token["secret"] + "=" * (-len(token["secret"]) % 8))
    code = totp(secret, time.time(), digits=len(wrong), period=60)
    run.secrets |= {token["secret"], secret.hex(), code}
    assert run.post("newbie", "/token/confirmation", {"code": code})["result"] == "accepted"
    # A wrong API key is refused, and not written down either.
    refused = run.client.get(f"{run.base}/newbie/token",
                             headers={"Authorization": f"Bearer {WRONG_API_KEY}"})
    assert refused.status_code == 401
    # The site: a customer's login and a branch login, with their passwords.
    login = run.client.post("/login", data={"csrf_token": csrf_of(run.client.get("/login").text),
                                            "login_id": LOGIN_ID, "password": LOGIN_PASSWORD})
    assert login.status_code == 303, login.text
    branch = run.client.post("/branch/login", data={
        "csrf_token": csrf_of(run.client.get("/branch/login").text),
        "login_id": STAFF_ID, "password": STAFF_PASSWORD})
    assert branch.status_code == 303, branch.text


def assert_log(log: str, run: Run, loaded) -> None:
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    access = [line for line in lines if line["logger"] == "onetime.access"]
    by_id = Counter(line["request_id"] for line in access)
    # One line per request: each ID we sent once, with the status we were answered.
    for rid, status in run.request_ids.items():
        assert by_id[rid] == 1
        assert next(line["status"] for line in access if line["request_id"] == rid) == status
    assert all(count == 1 for count in by_id.values())  # generated IDs are unique too
    leaked = sorted(secret for secret in run.secrets if secret in log)
    assert leaked == [], f"secrets in the server's log: {leaked}"


def test_one_worker_text_logs_and_a_private_metrics_directory_removed_at_stop(site,
                                                                               tmp_path):
    """`--workers 1` serves in the process that chose the directory; text lines."""
    loaded = load_active_tokens(site.ctx, site.institution, 1)
    with servers.serve(site.env, tmp_path, extra_args=("--access-log", "--log-format", "text",
                                                       "--worker-healthcheck-timeout", "60"),
                       timeout=90) as [server]:
        (directory,) = site.dir.glob("metrics-*")
        assert directory.stat().st_mode & 0o777 == 0o700
        answer = httpx.post(f"{server.url}/api/v1/services/{site.institution.service_id}"
                            f"/users/{loaded.user_id(0)}/verifications",
                            headers={"Authorization": f"Bearer {site.api_key}",
                                     "X-Request-ID": "bad id \"forged\""},
                            json={"code": loaded.code(0, int(time.time()) // 60),
                                  "operation": "approval"}, timeout=10)
        assert answer.json()["result"] == "accepted"
        rid = answer.headers["x-request-id"]
        assert len(rid) == 32
        assert "forged" not in rid
        samples = scrape(server)
        server.stop()
        log = server.log_text()
    assert verifications(samples, "approval", "accepted") == 1
    assert total(samples, "onetime_verification_seconds_count") == 1
    assert not directory.exists()
    line = next(line for line in log.splitlines() if f"request_id={rid}" in line)
    assert " INFO onetime.access: POST " in line
    assert "status=200" in line
    assert "forged" not in log
