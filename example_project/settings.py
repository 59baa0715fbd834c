"""Settings of the example project, read from the environment with development defaults.

- ``DATABASE_URL`` (dj-database-url) switches the database; SQLite beside manage.py otherwise.
- ``REDIS_URL`` switches the default cache (and so the rate limiter) to Django's Redis cache.
- ``ZULIP_APIKEY_TRUSTED_PROXIES``: the reverse proxies whose ``X-Forwarded-For`` is believed.
- ``CACHE_KEY_PREFIX``: the Redis key prefix, for several sites on one Redis.
- ``DJANGO_DEBUG``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` as their names say.
- ``LDAP_SERVER_URI`` adds LDAP login, with ``LDAP_BIND_DN``, ``LDAP_BIND_PASSWORD``,
  ``LDAP_USER_SEARCH_BASE``, ``LDAP_USER_FILTER``, ``LDAP_APPEND_DOMAIN``, ``LDAP_EMAIL_ATTR``.
- ``EMAIL_BACKEND``: where email goes (the console by default); ``DEFAULT_FROM_EMAIL``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-example-project-only-never-use-in-production"
)
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "zulip_apikey",
    "example_project",
]

MIDDLEWARE = [
    # First, so that it also turns errors raised by the middleware below it into JSON.
    "zulip_apikey.middleware.JsonErrorHandler",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' templates, so that registration/*.html here win over the admin's.
        "DIRS": [BASE_DIR / "example_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES: dict[str, Any] = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}

CACHES: dict[str, Any]
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Several sites (or test runs) on one Redis: a prefix each.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", ""),
            # A Redis that does not answer fails logins in 2 s (503), not after a TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Email login only: the admin's login form then also takes the email, and no second backend
# runs the hasher again on every failed fetch_api_key.
AUTHENTICATION_BACKENDS = ["zulip_apikey.backends.EmailAuthBackend"]

# LDAP (README "LDAP"; needs the "ldap" extra): LDAP_SERVER_URI turns it on, after email login.
# `python manage.py ldap_demo` starts a demo directory and prints these variables.
if os.environ.get("LDAP_SERVER_URI"):
    AUTHENTICATION_BACKENDS.append("zulip_apikey.backends.ZulipLDAPAuthBackend")
    AUTH_LDAP_SERVER_URI = os.environ["LDAP_SERVER_URI"]
    AUTH_LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
    AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    LDAP_APPEND_DOMAIN = os.environ.get("LDAP_APPEND_DOMAIN") or None
    LDAP_EMAIL_ATTR = os.environ.get("LDAP_EMAIL_ATTR") or None
    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError:
        pass  # the system check zulip_apikey.E020 says what to install
    else:
        AUTH_LDAP_USER_SEARCH = LDAPSearch(
            os.environ.get("LDAP_USER_SEARCH_BASE", ""),
            ldap.SCOPE_SUBTREE,
            os.environ.get("LDAP_USER_FILTER", "(uid=%(user)s)"),
        )

# Zulip's production choice: Argon2 first, PBKDF2 for hashes made before it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ZULIP_APIKEY: dict[str, Any] = {
    "REALM_NAME": os.environ.get("ZULIP_APIKEY_REALM_NAME", "Example organization"),
    # Behind a reverse proxy: its addresses or networks, comma-separated, so that its
    # X-Forwarded-For names the client (README "Deploying").
    "TRUSTED_PROXIES": [
        proxy.strip()
        for proxy in os.environ.get("ZULIP_APIKEY_TRUSTED_PROXIES", "").split(",")
        if proxy.strip()
    ],
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's login, logout and password-reset views (example_project/urls.py).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# Email (the new-login email, password resets) goes to the console unless EMAIL_BACKEND names
# another backend. Django 6.1 replaced EMAIL_BACKEND by MAILERS and warns about the old name.
_email_backend = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _email_backend}}
else:
    EMAIL_BACKEND = _email_backend
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"zulip_apikey": {"handlers": ["console"], "level": "INFO"}},
}
