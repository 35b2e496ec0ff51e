"""One failover drill's record: each answer the clients got, the times of the switch, the
proofs; and the one request the clients send (deploy/failover.py, deploy/proofs.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from bench import scenarios
from bench.loader import LoadedTokens


@dataclass
class Answer:
    """What a client was told about one request (times from time.monotonic())."""

    kind: str  # "valid" or "wrong"
    index: int
    code: str
    status: int
    result: str | None
    retry_after: str | None
    problem: str | None
    started: float
    ended: float


@dataclass
class Drill:
    """The switch's times (time.monotonic()), every answer, and each proof: (holds, claim)."""

    started: float = 0.0
    killed: float = 0.0
    promoted: float = 0.0
    answers: list[Answer] = field(default_factory=list)
    proofs: list[tuple[bool, str]] = field(default_factory=list)
    downtime: float | None = None

    @property
    def ok(self) -> bool:
        return bool(self.proofs) and all(ok for ok, _ in self.proofs)

    def prove(self, ok: bool, claim: str) -> None:
        self.proofs.append((ok, claim))


async def verify(http: httpx.AsyncClient, loaded: LoadedTokens, kind: str, index: int,
                 code: str) -> Answer:
    """One verification through haproxy; a connection that failed is status 0."""
    started = time.monotonic()
    try:
        response = await http.post(scenarios.verify_path(loaded, index),
                                   json={"code": code, "operation": "transfer"})
    except httpx.HTTPError as error:  # no answer at all: recorded as status 0
        return Answer(kind, index, code, 0, type(error).__name__, None, None, started,
                      time.monotonic())
    body = response.json() if response.headers.get("content-type", "").endswith("json") \
        else {}
    return Answer(kind, index, code, response.status_code, body.get("result"),
                  response.headers.get("retry-after"), body.get("code"), started,
                  time.monotonic())
