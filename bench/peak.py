"""`python -m bench.peak FILE MODULE [ARG…]`: `python -m MODULE ARG…`, then this process's
own peak RSS (KiB) into FILE.

A parent's wait4 cannot give a child's own peak: Linux carries the RSS of the address
space that exec replaced (the forked parent's pages) into the new program's ru_maxrss,
so `make bench`'s 200 MiB showed up as the importer's. /proc/self/status's VmHWM is the
high-water mark of this program's own address space, the one exec made.
"""

from __future__ import annotations

import runpy
import sys


def vm_hwm_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def run(path: str, module: str, args: list[str]) -> None:
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:  # SystemExit included: the module's exit code goes on after this
        with open(path, "w") as out:
            out.write(f"{vm_hwm_kib()}\n")


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3:])
