"""onetime: one-time passwords for business internet banking."""

__version__ = "0.1.0"
