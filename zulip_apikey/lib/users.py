"""User lookups by email, shared by the backends and the management commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


def is_email(value: str) -> bool:
    """Whether ``value`` passes Django's ``validate_email`` (so it is safe to look up)."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def users_by_email(email: str, limit: int = 2) -> list[_User]:
    """Users whose email field equals ``email`` case-insensitively (at most ``limit``)."""
    user_model = get_user_model()
    field = user_model.get_email_field_name()
    queryset = user_model._default_manager.filter(**{f"{field}__iexact": email.strip()})
    return list(queryset.order_by("pk")[:limit])


def get_user_email(user: AbstractBaseUser) -> str:
    """The user's email as stored ("" if the model has none)."""
    value = getattr(user, user.get_email_field_name(), "")
    return str(value or "")
