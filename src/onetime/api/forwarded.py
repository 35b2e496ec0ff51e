"""The client's address: X-Forwarded-For is believed only from proxies the operator lists.

The address goes into the audit (`source_ip`) and keys the site's per-address login
limit. This one ASGI layer, outermost in front of the API (its verification fast path
included) and the site mounted on it, sets `scope["client"]` for both; `onetime serve`
turns uvicorn's own proxy_headers off, since uvicorn trusts 127.0.0.1 by default and so
would let any local process name any address. ONETIME_TRUSTED_PROXIES lists the
proxies (config.py); by default there are none and the header is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network


def client_address(peer: str, forwarded_for: str, trusted: Iterable[Network]) -> str:
    """The rightmost hop of `peer` and its X-Forwarded-For that is not a trusted proxy.

    Each proxy appends the address it received the request from; whatever stands left
    of the first untrusted hop was written by the client and proves nothing.
    """
    trusted = tuple(trusted)
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        if not _trusted(client, trusted):
            break
        try:
            client = str(ip_address(hop.strip()))
        except ValueError:
            break  # no address: the proxy that wrote it is the last hop known
    return client


def _trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class ClientAddress:
    """Plain ASGI: rewrites scope["client"] (and the scheme) for requests from a trusted proxy."""

    def __init__(self, app, trusted: Iterable[Network] = ()) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope, receive, send):
        await self.app(resolved(scope, self.trusted), receive, send)


def resolved(scope, trusted: tuple[Network, ...]):
    """`scope`, or a copy naming the client (and scheme) a trusted proxy forwarded."""
    client = scope.get("client")
    if not (trusted and scope["type"] in ("http", "websocket") and client
            and _trusted(client[0], trusted)):
        return scope
    forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
    protos = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-proto"]
    scope = dict(scope)
    if forwarded:
        scope["client"] = (client_address(client[0], ",".join(forwarded), trusted), 0)
    # The proxy that terminated TLS says so (the site then sends HSTS).
    proto = protos[-1].rsplit(",", 1)[-1].strip().lower() if protos else ""
    if scope["type"] == "http" and proto in ("http", "https"):
        scope["scheme"] = proto
    return scope
