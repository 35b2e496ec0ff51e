"""docs/vault.md stays true: its stand-alone script opens its sample, and our vaults."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.conftest import make_token

DOC = Path(__file__).resolve().parents[2] / "docs" / "vault.md"


def _block(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)\n```", DOC.read_text(), re.S)
    assert match, marker
    return match.group(1)


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "decrypt_vault.py"
    path.write_text(_block("decrypt-script"))
    return path


def _run(script: Path, *args: str, stdin: str = "") -> str:
    result = subprocess.run([sys.executable, str(script), *args], input=stdin,
                            capture_output=True, text=True, check=True, timeout=60)
    return result.stdout


def test_the_documented_script_opens_the_documented_sample(script, tmp_path):
    """The sample (production argon2id, lock code 1234) opens; no secret is printed."""
    sample = tmp_path / "vault.json"
    sample.write_text(_block("sample-vault"))
    lines = _run(script, str(sample), stdin="1234\n").splitlines()
    assert [line.split()[:3] for line in lines] == [["0001", "taro", "茨城テスト信用組合"],
                                                   ["0002", "taro", "山梨テスト銀行"]]
    assert all(line.endswith("<secret: 20 bytes>") for line in lines)


def test_the_documented_script_opens_a_vault_the_app_wrote(script, vault_file):
    """Lock OFF (key file) and lock ON: the format the code writes is the documented one."""
    vault = vault_file.create()
    vault.put(make_token())
    assert "0001 taro" in _run(script, str(vault_file.path), str(vault_file.key_path))
    vault.enable_lock("98765", "98765")
    assert "0001 taro" in _run(script, str(vault_file.path), stdin="98765\n")
