"""The operator command's groups, each a module with `register(subparsers)` (see cli.py)."""
