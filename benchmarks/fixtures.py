"""The benchmark's users, made in the benchmark's own database.

The password and API key come from the environment (``BENCH_PASSWORD``, ``BENCH_API_KEY``,
chosen at random by ``run.py``) so that the load client can use them without any output ever
showing them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

ARGON2_EMAIL = "argon2@bench.example.com"
PBKDF2_EMAIL = "pbkdf2@bench.example.com"
MD5_EMAIL = "md5@bench.example.com"
UNKNOWN_EMAIL = "nobody@bench.example.com"


@dataclass(frozen=True)
class Secrets:
    password: str
    api_key: str


def secrets_from_env() -> Secrets:
    return Secrets(os.environ["BENCH_PASSWORD"], os.environ["BENCH_API_KEY"])


def make_user(email: str, encoded_password: str, api_key: str | None = None) -> _User:
    """A user with a stored hash, an old ``date_joined`` (so the new-login email is rendered,
    as for any returning user), and optionally a known API key and DRF token."""
    # Imported here: run.py reads this module's constants without setting Django up.
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from zulip_apikey.models import UserProfile

    user, _created = get_user_model()._default_manager.update_or_create(
        username=email,
        defaults={
            "email": email,
            "password": encoded_password,
            "is_active": True,
            "date_joined": timezone.now() - timedelta(days=30),
        },
    )
    if api_key is not None:
        UserProfile.objects.update_or_create(user_id=user.pk, defaults={"api_key": api_key})
        Token.objects.get_or_create(user=user)
    return user


def create_users(secrets: Secrets) -> None:
    """The Argon2 user (with the known API key) and the PBKDF2 user, hashed by the production
    hashers with their production parameters."""
    from django.contrib.auth.hashers import make_password

    make_user(ARGON2_EMAIL, make_password(secrets.password, hasher="argon2"), secrets.api_key)
    make_user(PBKDF2_EMAIL, make_password(secrets.password, hasher="pbkdf2_sha256"))
