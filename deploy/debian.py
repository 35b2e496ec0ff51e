"""The Debian programs the deploy scripts run: found, or installed with apt-get, or a clear stop.

The scripts install nothing else: on a fresh Debian machine `apt-get install haproxy wrk
postgresql-15` is all they need beside the project's virtualenv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PG_BIN = Path(os.environ.get("ONETIME_PG_BIN", "/usr/lib/postgresql/15/bin"))


class MissingTool(RuntimeError):
    """A program is missing and apt-get could not (or may not) install it."""


def require(program: str, package: str | None = None, *, install: bool = True) -> str:
    """The path of `program`; if missing, `apt-get install <package>` when we are root."""
    found = _find(program)
    if found:
        return found
    package = package or program
    if not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise MissingTool(f"{program} is not installed: run `apt-get install {package}` "
                          "(as root), then try again")
    print(f"{program} is missing: installing the Debian package {package} with apt-get",
          file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            raise MissingTool(f"`{' '.join(command)}` failed: install {package} by hand")
    found = _find(program)
    if not found:
        raise MissingTool(f"{package} was installed but {program} is still not found")
    return found


def _find(program: str) -> str | None:
    in_pg = PG_BIN / program
    if in_pg.is_file() and os.access(in_pg, os.X_OK):
        return str(in_pg)
    return shutil.which(program)
