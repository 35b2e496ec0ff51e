"""bench.imports' measure of a child process: its CPU and its own peak RSS."""

from __future__ import annotations

import os
import sys

import pytest

from bench.imports import run_module

MiB = 2**20

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="peak RSS is read from Linux's /proc")


def test_the_peak_rss_is_the_childs_own_not_its_large_parents(tmp_path):
    """A child that touches 40 MiB, spawned by a parent holding 300 MiB: about 40 MiB.

    wait4's ru_maxrss counted the parent's pages that the child's exec replaced (the
    benchmark showed 211 MiB for an importer that peaked at ~110 MiB).
    """
    parent = os.urandom(MiB) * 300  # touched pages, as a benchmark's document and keys
    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        run = run_module(["tests.bench_child", str(40 * MiB)], env=dict(os.environ),
                         stdout=out, stderr=err)
        err.seek(0)
        assert run.returncode == 0, err.read()
    assert len(parent) == 300 * MiB
    # The interpreter's own ~10-20 MiB on top of the 40 MiB it touched.
    assert 40 <= run.peak_mib < 100
    assert run.cpu > 0


def test_the_childs_exit_code_is_kept(tmp_path):
    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        run = run_module(["tests.bench_child", "0", "3"], env=dict(os.environ), stdout=out,
                         stderr=err)
    assert run.returncode == 3
