"""Zulip's password-to-API-key login for any Django project."""

__version__ = "0.1.0"
