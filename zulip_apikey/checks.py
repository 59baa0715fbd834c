"""System checks, ids ``zulip_apikey.E001`` and up; each is tested in ``tests/test_checks.py``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from zulip_apikey import conf
from zulip_apikey.lib.auth_config import configured_backend_kinds

MIDDLEWARE_PATH = "zulip_apikey.middleware.JsonErrorHandler"
# The limiter reads one cache slot per allowed attempt: past this, a login visibly slows.
MAX_CHEAP_ATTEMPTS = 1000


@register(Tags.compatibility)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if MIDDLEWARE_PATH in settings.MIDDLEWARE:
        return []
    return [
        Error(
            f"{MIDDLEWARE_PATH} is not in MIDDLEWARE.",
            hint=(
                f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE, so that errors under api/ and json/ "
                "are answered in Zulip's JSON format."
            ),
            id="zulip_apikey.E001",
        )
    ]


@register(Tags.security)
def check_backends(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if configured_backend_kinds():
        return []
    return [
        Error(
            "AUTHENTICATION_BACKENDS has none of zulip_apikey's backends, so "
            "fetch_api_key refuses every login.",
            hint=(
                "Add 'zulip_apikey.backends.EmailAuthBackend' (email + password) or "
                "'zulip_apikey.backends.ZulipLDAPAuthBackend' (LDAP) to "
                "AUTHENTICATION_BACKENDS."
            ),
            id="zulip_apikey.E002",
        )
    ]


@register()
def check_settings_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Warning(
            f"ZULIP_APIKEY has an unknown key {key!r}; it is ignored.",
            hint="Known keys: " + ", ".join(sorted(conf.DEFAULTS)),
            id="zulip_apikey.W001",
        )
        for key in conf.unknown_keys()
    ]


@register(Tags.security)
def check_rate_limiting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E010: unusable settings; W002: a per-process cache; W003: a rule too costly to check."""
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache
    from django.core.exceptions import ImproperlyConfigured
    from django.utils.module_loading import import_string

    from zulip_apikey.lib.client_ip import parse_trusted_proxies
    from zulip_apikey.lib.rate_limiter import get_rules

    def error(problem: str) -> Error:
        hint = "See the README's 'Brute-force protection'."
        return Error(problem, hint=hint, id="zulip_apikey.E010")

    messages: list[CheckMessage] = []
    try:  # also used for the login log, so checked even with limiting off
        parse_trusted_proxies(conf.get("TRUSTED_PROXIES"))
    except ImproperlyConfigured as e:
        messages.append(error(str(e)))
    if not conf.get("RATE_LIMITING"):
        return messages
    try:
        rules = get_rules()
    except ImproperlyConfigured as e:
        messages.append(error(str(e)))
        rules = {}
    messages.extend(
        Warning(
            f"The rate-limit rule {domain} {(rule.window_seconds, rule.max_attempts)} keeps "
            f"{rule.max_attempts} cache slots and reads them all on every login attempt.",
            hint=f"Keep max_attempts at {MAX_CHEAP_ATTEMPTS} or less; for a looser limit "
            "use a shorter window, or turn the rule off with an empty list.",
            id="zulip_apikey.W003",
        )
        for domain, domain_rules in rules.items()
        for rule in domain_rules
        if rule.max_attempts > MAX_CHEAP_ATTEMPTS
    )
    alias = conf.get("RATE_LIMIT_CACHE")
    if alias not in settings.CACHES:
        messages.append(error(f'ZULIP_APIKEY["RATE_LIMIT_CACHE"] is {alias!r}, not in CACHES.'))
        return messages
    try:
        backend = import_string(settings.CACHES[alias]["BACKEND"])
    except ImportError:
        return messages  # Django's own cache checks report this
    if issubclass(backend, LocMemCache | DummyCache) and not settings.DEBUG:
        messages.append(
            Warning(
                f"The rate limiter's cache {alias!r} ({backend.__name__}) is private to each "
                "process, so every worker process allows its own attempts per username and "
                "address (a DummyCache allows every attempt).",
                hint=(
                    "Point CACHES (or ZULIP_APIKEY['RATE_LIMIT_CACHE']) at a shared cache: "
                    "django.core.cache.backends.redis.RedisCache, or Memcached."
                ),
                id="zulip_apikey.W002",
            )
        )
    return messages


@register(Tags.security)
def check_dev_backend(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """DevAuthBackend hands out any user's key without a password: never in production."""
    if settings.DEBUG or "dev" not in configured_backend_kinds():
        return []
    return [
        Error(
            "zulip_apikey.backends.DevAuthBackend is in AUTHENTICATION_BACKENDS while DEBUG "
            "is False.",
            hint="Remove DevAuthBackend from AUTHENTICATION_BACKENDS in production settings.",
            id="zulip_apikey.E003",
        )
    ]


# LDAP (CONTRACT section 4): E020 to E023, W020.
LDAP_BACKEND_PATHS = (
    "zulip_apikey.backends.ZulipLDAPAuthBackend",
    "zulip_apikey.lib.ldap_backend.ZulipLDAPAuthBackend",
)


@register(Tags.security)
def check_ldap_extra(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E020: the LDAP backend is configured but its packages (the ``ldap`` extra) are not."""
    import importlib.util

    configured = [path for path in settings.AUTHENTICATION_BACKENDS if path in LDAP_BACKEND_PATHS]
    missing = [
        package
        for module, package in (("ldap", "python-ldap"), ("django_auth_ldap", "django-auth-ldap"))
        if importlib.util.find_spec(module) is None
    ]
    if not configured or not missing:
        return []
    return [
        Error(
            f"{configured[0]} is in AUTHENTICATION_BACKENDS, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed, so every LDAP login fails.",
            hint=(
                "pip install 'zulip-apikey[ldap]'. Building python-ldap needs the OpenLDAP and "
                "SASL headers (Debian/Ubuntu: apt-get install libldap2-dev libsasl2-dev; "
                "Fedora: openldap-devel cyrus-sasl-devel)."
            ),
            id="zulip_apikey.E020",
        )
    ]


@register(Tags.security)
def check_ldap_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E021-E023, W020: LDAP settings without which LDAP logins cannot work as configured."""
    from zulip_apikey.lib.auth_config import ldap_auth_enabled, require_email_format_usernames

    if not ldap_auth_enabled():
        return []
    messages: list[CheckMessage] = []
    if not getattr(settings, "AUTH_LDAP_SERVER_URI", None):
        messages.append(
            Error(
                "The LDAP backend is active but AUTH_LDAP_SERVER_URI is not set "
                "(django-auth-ldap would try ldap://localhost).",
                hint="Set AUTH_LDAP_SERVER_URI, e.g. 'ldaps://ldap.example.com'.",
                id="zulip_apikey.E021",
            )
        )
    user_search = getattr(settings, "AUTH_LDAP_USER_SEARCH", None)
    if user_search is None and not getattr(settings, "AUTH_LDAP_USER_DN_TEMPLATE", None):
        messages.append(
            Error(
                "The LDAP backend is active but neither AUTH_LDAP_USER_SEARCH nor "
                "AUTH_LDAP_USER_DN_TEMPLATE is set, so no username can be found.",
                hint=(
                    "Set AUTH_LDAP_USER_SEARCH = LDAPSearch('ou=people,dc=example,dc=com', "
                    "ldap.SCOPE_SUBTREE, '(uid=%(user)s)')."
                ),
                id="zulip_apikey.E022",
            )
        )
    reverse_search = getattr(settings, "AUTH_LDAP_REVERSE_EMAIL_SEARCH", None)
    if reverse_search is not None and not getattr(settings, "AUTH_LDAP_USERNAME_ATTR", None):
        messages.append(
            Error(
                "AUTH_LDAP_REVERSE_EMAIL_SEARCH is set without AUTH_LDAP_USERNAME_ATTR, so an "
                "email cannot be turned into a directory username.",
                hint="Set AUTH_LDAP_USERNAME_ATTR to the attribute of the username, e.g. 'uid'.",
                id="zulip_apikey.E023",
            )
        )
    attr_map: dict[str, str] = getattr(settings, "AUTH_LDAP_USER_ATTR_MAP", None) or {}
    email_filter = f"({attr_map.get('email', 'mail')}=%(user)s)".lower()
    searches_by_email = email_filter in str(getattr(user_search, "filterstr", "")).lower()
    if require_email_format_usernames() and reverse_search is None and not searches_by_email:
        messages.append(
            Warning(
                "Clients are told that usernames are emails (require_email_format_usernames), "
                "but nothing maps an email to a directory entry, so LDAP users cannot log in "
                "from Zulip's apps.",
                hint=(
                    "Set LDAP_APPEND_DOMAIN (usernames are the local part of emails in one "
                    "domain) or LDAP_EMAIL_ATTR (users type their directory username), or "
                    "AUTH_LDAP_REVERSE_EMAIL_SEARCH with AUTH_LDAP_USERNAME_ATTR, or search "
                    "on the email attribute: AUTH_LDAP_USER_SEARCH filter '(mail=%(user)s)'."
                ),
                id="zulip_apikey.W020",
            )
        )
    return messages
