"""Subcommands of `onetime`, one module per area, each with `register(subparsers)`."""
