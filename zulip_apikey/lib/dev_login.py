"""Development-only login by email alone (Zulip's ``dev_fetch_api_key``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zulip_apikey.lib.auth_config import dev_auth_enabled
from zulip_apikey.lib.exceptions import JsonableError
from zulip_apikey.lib.login import get_api_key_fetch_authenticate_failure, validate_login_email
from zulip_apikey.lib.users import get_user_email

if TYPE_CHECKING:
    from django.contrib.auth.models import _User  # django-stubs: the AUTH_USER_MODEL


def check_dev_auth_backend() -> None:
    if not settings.DEBUG:
        raise JsonableError(_("Endpoint not available in production."))
    if not dev_auth_enabled():
        raise JsonableError(_("DevAuthBackend not enabled."))


def dev_authenticate(request: HttpRequest, username: str) -> _User:
    """The user with email ``username``; only DevAuthBackend accepts ``dev_auth_username``."""
    validate_login_email(username)
    return_data: dict[str, Any] = {}
    user = authenticate(request, dev_auth_username=username, return_data=return_data)
    if user is None:
        raise get_api_key_fetch_authenticate_failure(return_data)
    return user


def get_dev_users(realm_url: str) -> dict[str, list[dict[str, str]]]:
    """Active users with an email, split into administrators (staff) and the rest."""
    user_model = get_user_model()
    field = user_model.get_email_field_name()
    users = user_model._default_manager.filter(is_active=True).exclude(**{field: ""})
    admins: list[dict[str, str]] = []
    others: list[dict[str, str]] = []
    for user in users.order_by(field)[:1000]:
        entry = {"email": get_user_email(user), "realm_uri": realm_url}
        (admins if getattr(user, "is_staff", False) else others).append(entry)
    return {"direct_admins": admins, "direct_users": others}
