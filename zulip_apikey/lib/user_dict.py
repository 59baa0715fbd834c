"""The ``GET /api/v1/users/me`` body for any Django user model."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from zulip_apikey.lib.users import get_user_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL

# Zulip's role numbers.
ROLE_REALM_OWNER = 100
ROLE_REALM_ADMINISTRATOR = 200
ROLE_MEMBER = 400


def get_role(user: _User) -> int:
    """Superusers are owners, staff are administrators, everyone else a member."""
    if getattr(user, "is_superuser", False):
        return ROLE_REALM_OWNER
    if getattr(user, "is_staff", False):
        return ROLE_REALM_ADMINISTRATOR
    return ROLE_MEMBER


def avatar_url(email: str) -> str:
    """Zulip's default avatar: a Gravatar identicon of the email."""
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?d=identicon&version=1"


def _full_name(user: _User) -> str:
    get_full_name = getattr(user, "get_full_name", None)
    name = get_full_name() if callable(get_full_name) else getattr(user, "full_name", "")
    return str(name or "").strip() or user.get_username()


def get_own_user_dict(user: _User) -> dict[str, object]:
    email = get_user_email(user)
    joined = getattr(user, "date_joined", None)
    role = get_role(user)
    return {
        "user_id": user.pk,
        "email": email,
        "delivery_email": email,
        "full_name": _full_name(user),
        "is_active": user.is_active,
        "is_admin": role <= ROLE_REALM_ADMINISTRATOR,
        "is_owner": role == ROLE_REALM_OWNER,
        "role": role,
        "is_bot": False,
        "is_guest": False,
        "date_joined": joined.isoformat() if isinstance(joined, datetime) else "",
        "timezone": "",
        "avatar_url": avatar_url(email),
        "avatar_version": 1,
        "max_message_id": -1,
        "profile_data": {},
    }
