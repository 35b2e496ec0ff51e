"""The software token app, `onetime-token`: vault, client, screens, CLI.

It talks to the OTP service over HTTP only (client.py) and imports nothing of the
service, the storage or the API; see docs/token-app.md.
"""
