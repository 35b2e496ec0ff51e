"""`python -m tests.bench_child BYTES [EXIT]`: touch BYTES of memory, then exit with EXIT."""

import sys

held = b"\x01" * int(sys.argv[1])
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
