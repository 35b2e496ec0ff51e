"""The import rules of docs/architecture.md, as `.importlinter` states them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH first: the copy under test shadows the installed package.
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / ".importlinter"),
                           "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


class TestImportRules:
    def test_the_tree_keeps_every_contract(self):
        """The code as it is breaks no rule."""
        result = lint_imports(ROOT / "src")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 broken" in result.stdout

    @pytest.mark.parametrize(("module", "line", "contract"), [
        ("domain/values.py", "import onetime.storage.schema", "domain/ holds the rules"),
        ("domain/values.py", "import sqlalchemy", "domain/ holds the rules"),
        ("service/audit.py", "import onetime.api.problems", "never speak HTTP"),
        ("app/format.py", "import onetime.service.tokens", "the token app talks"),
        ("web/render.py", "import onetime.storage.tokens", "reach storage only through"),
        ("service/tokens.py", "import sqlalchemy", "hold no SQL"),
        ("service/setup.py", "import onetime.storage.schema", "hold no SQL"),
        ("banking/domain/zengin/parse.py", "import zengin_code", "site's rules"),
    ])
    def test_a_forbidden_import_fails_the_build(self, tmp_path, module, line, contract):
        """One added import is enough to break the named contract."""
        src = tmp_path / "src"
        shutil.copytree(ROOT / "src" / "onetime", src / "onetime",
                        ignore=shutil.ignore_patterns("__pycache__"))
        target = src / "onetime" / module
        target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n",
                          encoding="utf-8")
        result = lint_imports(src)
        assert result.returncode != 0
        assert f"{contract}" in result.stdout
        assert "BROKEN" in result.stdout
