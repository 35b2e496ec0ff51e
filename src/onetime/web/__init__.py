"""The banking site and the branch console: routes, templates, i18n (see mount.py)."""
