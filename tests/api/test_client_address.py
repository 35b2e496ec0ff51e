"""Issue 10 point 8: X-Forwarded-For is believed only from the proxies the operator lists.

The address a request came from goes into the audit (`source_ip`) and keys the site's
per-address login limit, so a header any client can write must not decide it.
"""

from __future__ import annotations

import asyncio
from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onetime.api.app import create_app
from onetime.api.forwarded import ClientAddress, client_address
from onetime.config import Config
from onetime.storage.schema import audit_log
from tests.api.helpers import BASE

LOCAL = ("127.0.0.1", 40000)


def networks(*texts: str):
    return tuple(ip_network(t, strict=False) for t in texts)


def source_ips(ctx, user_id: str) -> list[str | None]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(audit_log.c.source_ip)
                                 .where(audit_log.c.user_id == user_id)
                                 .order_by(audit_log.c.id)).scalars())


def send(services, auth, user_id: str, forwarded_for: str | None, *, trusted=(),
         peer=LOCAL, fast_path: bool = True) -> None:
    """A verification (which writes an audit entry even for an unknown user)."""
    headers = {**auth} | ({"X-Forwarded-For": forwarded_for} if forwarded_for else {})
    app = create_app(services, trusted_proxies=trusted, fast_path=fast_path)
    with TestClient(app, client=peer) as client:
        response = client.post(f"{BASE}/users/{user_id}/verifications", headers=headers,
                               json={"code": "12345678", "operation": "login"})
    assert response.json()["result"] == "not_active", response.text


class TestForwardedForInTheAudit:
    """What the audit records as source_ip, through the fast path and the FastAPI route."""

    @pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
    def test_no_trusted_proxy_means_the_header_is_ignored(self, services, auth, ctx,
                                                         fast_path):
        """From 127.0.0.1 with X-Forwarded-For and nothing trusted: the audit says 127.0.0.1."""
        send(services, auth, "taro", "203.0.113.9", fast_path=fast_path)
        assert source_ips(ctx, "taro") == ["127.0.0.1"]

    @pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "route"])
    def test_a_trusted_proxy_names_the_client(self, services, auth, ctx, fast_path):
        """With 127.0.0.1 trusted, the address it forwards is the client's."""
        send(services, auth, "taro", "203.0.113.9", trusted=networks("127.0.0.1"),
             fast_path=fast_path)
        assert source_ips(ctx, "taro") == ["203.0.113.9"]

    def test_a_spoofed_leftmost_entry_is_not_believed(self, services, auth, ctx):
        """The client wrote the left part of the chain; the rightmost untrusted hop is it."""
        send(services, auth, "taro", "198.51.100.66, 203.0.113.9",
             trusted=networks("127.0.0.1"))
        assert source_ips(ctx, "taro") == ["203.0.113.9"]

    def test_a_chain_of_trusted_proxies_is_walked(self, services, auth, ctx):
        """Trusted hops (a CIDR) are skipped from the right up to the first untrusted one."""
        send(services, auth, "taro", "198.51.100.66, 203.0.113.9, 10.1.2.3",
             trusted=networks("127.0.0.1", "10.0.0.0/8"))
        assert source_ips(ctx, "taro") == ["203.0.113.9"]

    def test_an_untrusted_peer_cannot_forward(self, services, auth, ctx):
        """Only the proxy the request came from may speak for the client."""
        send(services, auth, "taro", "203.0.113.9", trusted=networks("10.0.0.0/8"),
             peer=("192.0.2.10", 40000))
        assert source_ips(ctx, "taro") == ["192.0.2.10"]


class TestClientAddress:
    """The rule itself, one hop at a time."""

    trusted = networks("127.0.0.1", "10.0.0.0/8", "2001:db8::/32")

    def test_rightmost_untrusted(self):
        """Each trusted proxy appends its peer; the first untrusted from the right is the client."""
        assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.1",
                               self.trusted) == "203.0.113.9"

    def test_an_untrusted_peer_is_the_client(self):
        """The header counts only when the connection comes from a trusted proxy."""
        assert client_address("192.0.2.1", "203.0.113.9", self.trusted) == "192.0.2.1"

    def test_all_trusted_gives_the_leftmost(self):
        """A request from inside the proxies' own network."""
        assert client_address("127.0.0.1", "10.0.0.2, 10.0.0.1", self.trusted) == "10.0.0.2"

    def test_garbage_stops_at_the_proxy_that_wrote_it(self):
        """What is no address is never stored as one: the last proxy is all we know."""
        assert client_address("127.0.0.1", "203.0.113.9, <script>", self.trusted) == \
            "127.0.0.1"
        assert client_address("127.0.0.1", "203.0.113.9, 10.0.0.1, ", self.trusted) == \
            "127.0.0.1"

    def test_ipv6(self):
        """IPv6 hops and networks work the same way."""
        assert client_address("2001:db8::1", "2001:db8:0:0::2, 2400:4050::1, 2001:db8::9",
                              self.trusted) == "2400:4050::1"


class TestSetting:
    """ONETIME_TRUSTED_PROXIES: comma-separated addresses and networks; default none."""

    def test_default_trusts_nobody(self):
        """No setting, no proxy."""
        assert Config.from_env({}).trusted_proxies == ()

    def test_addresses_and_networks(self):
        """Spaces are allowed; a bare address is a /32 (or /128)."""
        config = Config.from_env({"ONETIME_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"})
        assert config.trusted_proxies == networks("127.0.0.1/32", "10.0.0.0/8", "::1/128")

    def test_a_wrong_entry_is_refused_with_its_name(self):
        """A typo must not silently trust nothing (or everything)."""
        with pytest.raises(ValueError, match=r"ONETIME_TRUSTED_PROXIES.*proxy\.example"):
            Config.from_env({"ONETIME_TRUSTED_PROXIES": "127.0.0.1,proxy.example"})


class TestForwardedProto:
    """X-Forwarded-Proto from a trusted proxy (TLS ends there) sets the scheme; else not."""

    def scheme(self, trusted, peer: str, headers: list) -> tuple[str, tuple]:
        seen = {}

        async def app(scope, _receive, _send):
            seen.update(scheme=scope["scheme"], client=scope["client"])

        asyncio.run(ClientAddress(app, trusted)(
            {"type": "http", "scheme": "http", "client": (peer, 5), "headers": headers},
            None, None))
        return seen["scheme"], seen["client"]

    def test_a_trusted_proxy_sets_the_scheme(self):
        """The site then sends HSTS, as behind uvicorn's proxy_headers before."""
        assert self.scheme(networks("127.0.0.1"), "127.0.0.1",
                           [(b"x-forwarded-proto", b"https")]) == \
            ("https", ("127.0.0.1", 5))

    def test_an_untrusted_client_cannot(self):
        """Nobody trusted: scheme and client stay what the connection says."""
        assert self.scheme((), "127.0.0.1", [(b"x-forwarded-proto", b"https"),
                                             (b"x-forwarded-for", b"203.0.113.9")]) == \
            ("http", ("127.0.0.1", 5))
