"""Use cases: issue, set up, confirm, verify, release, revoke, import, audit, keys."""
