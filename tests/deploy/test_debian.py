"""deploy/debian.py: a program is found, or its absence is said with the apt-get line."""

from __future__ import annotations

import os

import pytest

from deploy import debian
from tests.deploy.conftest import require_program


def test_a_present_program_is_found_by_its_path():
    path = debian.require("sh", install=False)
    assert os.path.isabs(path)
    assert os.access(path, os.X_OK)


def test_a_missing_program_names_the_package_to_install():
    with pytest.raises(debian.MissingTool, match=r"apt-get install onetime-no-such-pkg"):
        debian.require("onetime-no-such-program", "onetime-no-such-pkg", install=False)


def test_postgresql_programs_come_from_the_versioned_directory():
    """initdb is not on PATH in Debian's postgresql-15: its bin directory is looked in."""
    assert require_program("initdb", "postgresql-15") == str(debian.PG_BIN / "initdb")
