"""API keys: Zulip's format, created on first need, regenerated on demand."""

from __future__ import annotations

import re
import secrets
import string

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from zulip_apikey.models import UserProfile

_ALPHABET = string.ascii_letters + string.digits
_FORMAT = re.compile(r"[A-Za-z0-9]{32}")


def generate_api_key() -> str:
    """32 characters of ``[A-Za-z0-9]`` from ``secrets``, as Zulip's ``generate_api_key``."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))


def has_api_key_format(key: str) -> bool:
    """Whether ``key`` could be a key at all (checked before any database lookup)."""
    return _FORMAT.fullmatch(key) is not None


def get_api_key(user: AbstractBaseUser) -> str:
    """The user's key, created on first need.

    Concurrent first fetches for one user (threads, processes, machines) all return the one
    key that won the insert: the loser's unique violation on ``user`` is caught by
    ``get_or_create``, which then reads the winner's row. A collision on the key column
    itself (2**-190 per pair) is retried with a fresh key.
    """
    for _ in range(3):
        try:
            # A callable default: Django calls it only when it creates the row, so a
            # returning user's fetch does not pay for 32 draws from ``secrets``. (django-stubs
            # does not know that get_or_create accepts callables in ``defaults``.)
            profile, _created = UserProfile.objects.get_or_create(
                user_id=user.pk,
                defaults={"api_key": generate_api_key},  # type: ignore[misc]
            )
        except IntegrityError:
            continue
        return profile.api_key
    raise RuntimeError("could not store an API key after 3 attempts")


def do_regenerate_api_key(user: AbstractBaseUser) -> str:
    """Give the user a new key; the old one stops working at once."""
    new_key = generate_api_key()
    with transaction.atomic():
        UserProfile.objects.update_or_create(user_id=user.pk, defaults={"api_key": new_key})
    return new_key
