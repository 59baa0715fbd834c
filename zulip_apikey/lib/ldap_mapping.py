"""Zulip's LDAP mapping rules (CONTRACT section 4), free of python-ldap so they test alone.

``lib/ldap_backend.py`` applies them: what the user typed -> the LDAP username, the directory
entry -> an email and a Django user, and whether the directory has disabled the account.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from zulip_apikey.lib.users import is_email, users_by_email

#: Active Directory's ACCOUNTDISABLE flag in ``userAccountControl``.
ACCOUNT_CONTROL_DISABLED = 2

#: Keys of ``AUTH_LDAP_USER_ATTR_MAP`` that name directory flags, not model fields (Zulip's).
FLAG_KEYS = frozenset({"userAccountControl", "deactivated"})

#: Longer than any email (RFC 5321 caps a path at 256) or directory name a person types; a
#: longer username is refused before it reaches the directory or the database.
MAX_USERNAME_LENGTH = 256

LDAPAttrs = Mapping[str, Sequence[str]]


class LDAPMappingError(Exception):
    """The login cannot be mapped to exactly one account; logged at ``level``, never shown."""

    def __init__(self, message: str, level: int = logging.INFO) -> None:
        super().__init__(message)
        self.level = level


def is_plausible_username(username: str) -> bool:
    """Whether ``username`` is worth a directory round trip at all.

    Control characters (NUL above all: PostgreSQL refuses it in text) and absurd lengths are
    refused here, before any LDAP filter or SQL query is built from them.
    """
    return 0 < len(username) <= MAX_USERNAME_LENGTH and username.isprintable()


def split_email(email: str) -> tuple[str, str]:
    local_part, _at, domain = email.rpartition("@")
    return local_part, domain


def append_domain_username(username: str, append_domain: str) -> str:
    """``LDAP_APPEND_DOMAIN``: an email in that domain -> its local part; a bare name as is.

    The domain compares case-insensitively; an email in another domain is refused.
    """
    if not is_email(username):
        return username
    local_part, domain = split_email(username)
    if domain.lower() != append_domain.lower():
        raise LDAPMappingError(f"{username} is not in LDAP_APPEND_DOMAIN {append_domain}")
    return local_part


def first_value(attrs: LDAPAttrs, name: str) -> str | None:
    """The first value of attribute ``name`` (attribute names are case-insensitive in LDAP)."""
    wanted = name.lower()
    for key, values in attrs.items():
        if key.lower() == wanted and values:
            return str(values[0])
    return None


def is_disabled_in_directory(attrs: LDAPAttrs, attr_map: Mapping[str, str]) -> bool:
    """Zulip's rule: ``userAccountControl`` bit 2, or a mapped ``deactivated`` TRUE/YES.

    ``userAccountControl`` is read under the name mapped in ``AUTH_LDAP_USER_ATTR_MAP`` or,
    unmapped, under its own name: an Active Directory always has it, and a disabled account
    must not log in because a project forgot to map it.
    """
    account_control = first_value(attrs, attr_map.get("userAccountControl", "userAccountControl"))
    if account_control is not None:
        try:
            if int(account_control) & ACCOUNT_CONTROL_DISABLED:
                return True
        except ValueError:
            return True  # unreadable flags: refuse rather than guess
    deactivated_attr = attr_map.get("deactivated")
    if deactivated_attr:
        value = first_value(attrs, deactivated_attr)
        if value is not None and value.strip().upper() in ("TRUE", "YES"):
            return True
    return False


def email_for_ldap_user(
    ldap_username: str,
    attrs: LDAPAttrs,
    *,
    email_attr: str | None,
    append_domain: str | None,
    attr_map: Mapping[str, str],
) -> str:
    """The user's email: ``LDAP_EMAIL_ATTR``, else ``LDAP_APPEND_DOMAIN``, else the mapped
    ``email`` attribute, else the LDAP username when it is an email; "" when there is none.
    """
    if email_attr:
        value = first_value(attrs, email_attr)
        if not value:
            raise LDAPMappingError(
                f"the entry has no {email_attr} attribute (LDAP_EMAIL_ATTR)", logging.WARNING
            )
        return value
    if append_domain:
        # The directory matches uids case-insensitively, so the email is made canonical too.
        return f"{ldap_username.lower()}@{append_domain.lower()}"
    if attr_map.get("email"):
        return first_value(attrs, attr_map["email"]) or ""
    return ldap_username if is_email(ldap_username) else ""


def find_linked_user(django_username: str, email: str) -> AbstractBaseUser | None:
    """The Django account a directory user logs into, or None when there is none yet.

    Linked by email first (case-insensitive), because accounts made by the email backend or
    by hand often have ``username=email``; then by username (case-insensitive), as
    django-auth-ldap does, but only when that account's email is empty or the same, so a
    directory user never takes over a local account of another person.
    """
    if email:
        matches = users_by_email(email)
        if len(matches) > 1:
            raise LDAPMappingError(f"several accounts share the email {email}", logging.WARNING)
        if matches:
            return matches[0]
    user_model = get_user_model()
    lookup = {f"{user_model.USERNAME_FIELD}__iexact": django_username}
    candidates = list(user_model._default_manager.filter(**lookup).order_by("pk")[:2])
    if len(candidates) != 1:
        if candidates:
            raise LDAPMappingError(
                f"several accounts have the username {django_username}", logging.WARNING
            )
        return None
    user = candidates[0]
    existing_email = str(getattr(user, user_model.get_email_field_name(), "") or "")
    if email and existing_email and existing_email.lower() != email.lower():
        raise LDAPMappingError(
            f"the account {django_username} has the email {existing_email}, "
            f"the directory says {email}",
            logging.WARNING,
        )
    return user


def build_user(django_username: str, email: str) -> AbstractBaseUser:
    """An unsaved account for a directory user's first login."""
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    user = user_model()
    if email_field != user_model.USERNAME_FIELD:
        setattr(user, user_model.USERNAME_FIELD, django_username)
    setattr(user, email_field, email)
    return user
