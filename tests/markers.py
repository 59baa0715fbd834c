"""Test categories that both runners understand: a pytest marker and a Django tag.

- ``services``: needs PostgreSQL and/or Redis (``DATABASE_URL``, ``REDIS_URL``).
- ``ldap``: needs python-ldap, django-auth-ldap and slapd.

The tox envs deselect what they cannot run (``-m "not services"``) instead of letting it
skip, and the envs that provide a component make its tests fail when it is missing
(``ZULIP_APIKEY_REQUIRE_SERVICES=1``, ``ZULIP_APIKEY_REQUIRE_LDAP=1``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.test import tag

T = TypeVar("T", bound=Callable[..., Any])  # a test class or method


def _category(name: str) -> Callable[[T], T]:
    def decorate(obj: T) -> T:
        marked: T = getattr(pytest.mark, name)(tag(name)(obj))
        return marked

    return decorate


needs_services = _category("services")
needs_ldap = _category("ldap")
