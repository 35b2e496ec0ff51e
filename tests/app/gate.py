"""The app's HTTP client with gates: a chosen request waits until the test opens its gate,
so a test can start other work (a refresh, a second key press) while that one is in flight."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import urlsplit

import httpx

WAIT_SECONDS = 10  # a gate nobody opens fails the test instead of hanging it


class Gate:
    """Holds the next request of `method` whose path ends with `suffix`."""

    def __init__(self, method: str, suffix: str) -> None:
        self.method, self.suffix = method, suffix
        self.used = False
        self.entered = threading.Event()  # the request reached the gate
        self.opened = threading.Event()   # the test let it through
        self.done = threading.Event()     # the service answered it

    def matches(self, method: str, path: str) -> bool:
        return not self.used and method == self.method and path.endswith(self.suffix)

    def open(self) -> None:
        self.opened.set()

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, WAIT_SECONDS), "never reached"

    async def wait_done(self) -> None:
        assert await asyncio.to_thread(self.done.wait, WAIT_SECONDS), "never answered"


class GatedHttp:
    """Passes requests to `http` (Starlette's TestClient), holding those a gate matches;
    `calls` lists every (method, path) sent, in order."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.calls: list[tuple[str, str]] = []
        self._gates: list[Gate] = []
        self._lock = threading.Lock()

    def hold(self, method: str, suffix: str) -> Gate:
        gate = Gate(method, suffix)
        with self._lock:
            self._gates.append(gate)
        return gate

    def open_all(self) -> None:
        with self._lock:
            for gate in self._gates:
                gate.open()

    def sent(self, method: str, suffix: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.calls if m == method and p.endswith(suffix))

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        path = urlsplit(url).path
        with self._lock:
            gate = next((g for g in self._gates if g.matches(method, path)), None)
            if gate is not None:
                gate.used = True
        if gate is not None:
            gate.entered.set()
            assert gate.opened.wait(WAIT_SECONDS), f"gate for {path} never opened"
        with self._lock:
            self.calls.append((method, path))
        try:
            return self.http.request(method, url, **kwargs)
        finally:
            if gate is not None:
                gate.done.set()

    def close(self) -> None:
        """The stack's fixture closes the TestClient."""


class HeldCall:
    """Wraps a blocking call the app makes in a thread worker (an unlock, a set-up):
    the first call waits at `gate`, later ones go straight through; `calls` counts them."""

    def __init__(self, call) -> None:
        self.call = call
        self.gate = Gate("", "")
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.gate.entered.set()
            assert self.gate.opened.wait(WAIT_SECONDS), "the held call was never let through"
        try:
            return self.call(*args, **kwargs)
        finally:
            if first:
                self.gate.done.set()
