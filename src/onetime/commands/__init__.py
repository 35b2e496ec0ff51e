"""The `onetime` command's subcommands by area, each module with `register(subparsers)`."""
