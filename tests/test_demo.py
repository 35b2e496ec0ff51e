"""`make run`: the demo starts on an empty directory, prints what a newcomer needs, and works."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx

from onetime.mail import read_mailbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_prints_urls_and_key_and_serves_the_api(tmp_path):
    """The banner's API key reads the demo token; the issuance mail reaches the sink."""
    port = free_port()
    env = {**os.environ, "ONETIME_VAR": str(tmp_path / "var"), "ONETIME_SMTP_PORT": "0",
           "ONETIME_OUTBOX_INTERVAL": "0.2"}
    env.pop("ONETIME_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "onetime.cli", "demo", "--port", str(port),
                             "--kdf", "test"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = ""
        deadline = time.monotonic() + 60
        while "Ctrl-C" not in banner and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            banner += line
        assert f"http://127.0.0.1:{port}/docs" in banner, banner
        key = re.search(r"API key\s+(\S+)", banner).group(1)
        url = f"http://127.0.0.1:{port}/api/v1/services/0000/users/demo-taro/token"
        for _ in range(50):
            try:
                answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json()["state"] == "issued"
        # Every page the banner sends a newcomer to opens (the curl line needs its key).
        pages = [url for line in banner.splitlines() if "curl" not in line
                 for url in re.findall(r"http://127\.0\.0\.1:\d+/\S*", line)]
        assert len(pages) >= 4, banner
        for page in pages:
            assert httpx.get(page, follow_redirects=True, timeout=5).status_code == 200, page
        deadline = time.monotonic() + 15
        mails = []
        while not mails and time.monotonic() < deadline:
            mails = read_mailbox(tmp_path / "var" / "mail")
            time.sleep(0.2)
        assert any("サービスID" in m.body for m in mails)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
