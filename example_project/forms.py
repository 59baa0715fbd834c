"""Forms of the example project."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.contrib.auth import forms, get_user_model

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


def same_email(a: str, b: str) -> bool:
    """Django's comparison (CVE-2019-19844): ``iexact`` in SQL is not Unicode case folding."""
    return (
        unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()
    )


class PasswordResetForm(forms.PasswordResetForm):
    """Django's form, except that an account without a usable password may set one too.

    Django's form mails only accounts that already have a usable password. The API key page
    sends a user who logs in another way (no password) here to get one, as Zulip's password
    reset allows. The link still goes only to the account's own address.
    """

    def get_users(self, email: str) -> Iterator[_User]:
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        active_users = user_model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return (u for u in active_users if same_email(email, getattr(u, email_field)))
