"""Brute-force protection for password logins (CONTRACT section 5), shared by every process.

Algorithm: a sliding log kept in ``N`` slots
---------------------------------------------
A rule ``(W, N)`` of a bucket (``authenticate_by_username`` + the case-folded username, or
``authenticate_by_ip`` + the client's address) owns ``N`` cache keys, its *slots*. Counting an
attempt means taking a free slot with ``cache.add(slot, now, timeout=W)``; the slot then
expires on its own exactly ``W`` seconds later, which is the attempt leaving the window. When
no slot is free, the attempt is rejected and counts nowhere.

Why this holds, across any number of processes and machines sharing the cache:

- ``add`` is atomic in every cache Django ships that is shared between processes (Redis
  ``SET NX EX``, Memcached ``add``, the database cache's insert under a unique key), so two
  attempts can never take the same slot, and at most ``N`` slots exist.
- Exactness: the attempts counted in any ``W``-second span all hold their slots at the moment
  the last of them is counted (each slot lives ``W`` seconds), so there are at most ``N`` of
  them; and while fewer than ``N`` attempts were counted in the last ``W`` seconds a slot is
  free, so the attempt passes. "N attempts in any W seconds pass, the (N+1)-th is rejected."
- Expiry is the cache's own clock (Redis's, for instance), so web servers' clocks need not
  agree; they only feed the ``Retry-After`` estimate (each slot stores when it was taken).
- One read (``get_many``, a single ``MGET`` on Redis) finds the free slots of every rule of
  the request; a lost race on a slot just moves on to the next one, so ``N`` concurrent
  attempts on an empty bucket all pass.
- An attempt passes only if every rule has room: slots already taken for this attempt are
  given back when a later rule rejects it. Until they are given back (microseconds), a
  concurrent attempt may see one slot too few, never one too many: errors fall on the safe side.

Limits of the guarantee: a cache that evicts keys under memory pressure (``LocMemCache`` past
``MAX_ENTRIES``, Redis with an ``allkeys-*`` eviction policy) can forget attempts; a per-process
cache only limits each process (system check ``zulip_apikey.W002``). Changing a rule starts its
history afresh (the rule is part of the key). Keys hold a SHA-256 of the bucket's name, never
the username or address itself, and are safe for Memcached.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Final
from weakref import WeakKeyDictionary

from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

from zulip_apikey import conf
from zulip_apikey.lib.client_ip import get_client_ip
from zulip_apikey.lib.exceptions import AuthenticationUnavailableError, RateLimitedError

logger = logging.getLogger("zulip_apikey.rate_limiter")

BY_USERNAME: Final = "authenticate_by_username"
BY_IP: Final = "authenticate_by_ip"
DOMAINS: Final = (BY_USERNAME, BY_IP)
KEY_PREFIX: Final = "zulip_apikey:rl"
# Short keys: Redis's MGET of every slot is most of the limiter's cost, and it grows with
# the bytes sent (the 105 slots of the default rules: 0.77 ms with 117-byte keys, 0.48 ms
# with 39-byte ones, on local Redis). 128 bits of SHA-256 still never collide in practice.
_DIGEST_CHARS: Final = 32
_DOMAIN_TAGS: Final = {"authenticate_by_username": "u", "authenticate_by_ip": "ip"}
# Passes over the slots before concluding that concurrent attempts filled them all.
_ROUNDS: Final = 2


@dataclass(frozen=True)
class Rule:
    """At most ``max_attempts`` counted attempts in any ``window_seconds`` seconds."""

    window_seconds: int
    max_attempts: int


@dataclass(frozen=True)
class RuleStatus:
    """One rule's state after the request's attempt, for the ``X-RateLimit-*`` headers."""

    rule: Rule
    remaining: int
    reset_at: float  # epoch time at which the rule's whole quota is back


class RateLimiterUnavailableError(Exception):
    """The rate-limit cache could not be reached (mapped to 503 unless failing open)."""


def normalize_username(username: str) -> str:
    """The username bucket's name: ``Alice@x.org `` and ``alice@x.org`` are one account."""
    return username.strip().casefold()


def get_rules() -> dict[str, list[Rule]]:
    """The configured rules per domain; a domain the project does not set keeps its default.

    Raises ``ImproperlyConfigured`` for a rule that is not two positive integers (also
    reported by system check ``zulip_apikey.E010``).
    """
    rules: dict[str, Any] = dict(conf.DEFAULTS["RATE_LIMITING_RULES"])
    rules.update(conf.get("RATE_LIMITING_RULES") or {})
    parsed: dict[str, list[Rule]] = {}
    for domain in DOMAINS:
        parsed[domain] = []
        for entry in rules.get(domain) or []:
            try:
                window, max_attempts = entry
            except (TypeError, ValueError):
                window = max_attempts = None
            if not (
                type(window) is int
                and type(max_attempts) is int
                and window > 0
                and max_attempts > 0
            ):
                raise ImproperlyConfigured(
                    f'ZULIP_APIKEY["RATE_LIMITING_RULES"][{domain!r}] has {entry!r}; each rule '
                    "is (window_seconds, max_attempts), two positive integers."
                )
            parsed[domain].append(Rule(window, max_attempts))
    return parsed


def _cache() -> BaseCache:
    return caches[conf.get("RATE_LIMIT_CACHE")]


def _call(operation: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one cache operation; any failure of the cache means "unreachable"."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # a cache backend may raise anything (redis, pymemcache, ...)
        raise RateLimiterUnavailableError(f"rate-limit cache {operation} failed: {e!r}") from e


class Bucket:
    """The slots of one domain + name (a username or an address) under one rule."""

    def __init__(self, domain: str, name: str, rule: Rule) -> None:
        self.rule = rule
        digest = hashlib.sha256(f"{domain}\0{name}".encode()).hexdigest()[:_DIGEST_CHARS]
        tag = _DOMAIN_TAGS[domain]
        base = f"{KEY_PREFIX}:{tag}:{rule.window_seconds}:{rule.max_attempts}:{digest}"
        self.keys = [f"{base}:{i}" for i in range(rule.max_attempts)]

    def stamps(self, found: dict[str, Any] | None = None) -> dict[str, float]:
        """The taken slots and when each was taken (a corrupt value counts as "just now").

        ``found`` is a ``get_many`` result that already covers this bucket's keys (one read
        for every bucket of a request); without it, the slots are read now.
        """
        if found is None:
            found = _call("get_many", _cache().get_many, self.keys)
        now = time.time()
        return {
            key: (float(v) if isinstance(v, int | float) else now)
            for key in self.keys
            if (v := found.get(key)) is not None
        }

    def try_count(
        self, found: dict[str, Any] | None = None
    ) -> tuple[str | None, RuleStatus, float]:
        """Take a slot for one attempt: ``(slot, status, secs_to_freedom)``.

        ``slot`` is None when every slot is taken (the attempt is rejected) and
        ``secs_to_freedom`` is then the time until the oldest slot expires.
        """
        window, cache = self.rule.window_seconds, _cache()
        taken = self.stamps(found)
        for round_ in range(_ROUNDS):
            if round_:
                taken = self.stamps()  # concurrent attempts took every slot we saw free
            lost = 0
            for key in self.keys:
                if key in taken:
                    continue
                now = time.time()
                if _call("add", cache.add, key, now, timeout=window):
                    remaining = self.rule.max_attempts - len(taken) - lost - 1
                    return key, RuleStatus(self.rule, max(0, remaining), now + window), 0.0
                lost += 1  # a concurrent attempt took it first
            if not lost:
                break  # nothing was free: no need to look again
        return None, *self.rejection(taken)

    def rejection(self, taken: dict[str, float]) -> tuple[RuleStatus, float]:
        """The status and wait of a full bucket whose slots were taken at ``taken``."""
        now, window = time.time(), self.rule.window_seconds
        oldest = min(taken.values(), default=now - window)
        newest = max(taken.values(), default=now)
        secs = min(float(window), max(0.0, oldest + window - now))
        return RuleStatus(self.rule, 0, max(now, newest + window)), secs

    def peek(self, found: dict[str, Any] | None = None) -> tuple[RuleStatus, float] | None:
        """Without counting: the rejection this bucket would give now, or None if it has room."""
        taken = self.stamps(found)
        if len(taken) < self.rule.max_attempts:
            return None
        return self.rejection(taken)

    def release(self, key: str) -> None:
        _call("delete", _cache().delete, key)

    def clear(self) -> None:
        _call("delete_many", _cache().delete_many, self.keys)


@dataclass
class RequestLimits:
    """What the limiters said about one request, for its response headers."""

    statuses: dict[tuple[str, Rule], RuleStatus] = field(default_factory=dict)


_request_limits: WeakKeyDictionary[HttpRequest, RequestLimits] = WeakKeyDictionary()


def _buckets(username: str, ip: str) -> list[tuple[str, Bucket]]:
    names = {BY_USERNAME: normalize_username(username), BY_IP: ip}
    return [
        (domain, Bucket(domain, names[domain], rule))
        for domain, rules in get_rules().items()
        for rule in rules
    ]


def rate_limit_authentication_attempt(request: HttpRequest, username: str) -> None:
    """Count one password attempt for ``username`` and the client's address, or refuse it.

    Call once per request, before any backend checks the password. Raises
    ``RateLimitedError`` (429) when a rule is full, without counting the attempt anywhere;
    ``AuthenticationUnavailableError`` (503) when the cache cannot be reached, unless
    ``RATE_LIMIT_FAIL_OPEN`` lets the attempt through uncounted.
    """
    if not conf.get("RATE_LIMITING"):
        return
    buckets = _buckets(username, get_client_ip(request))
    limits = RequestLimits()
    counted: list[tuple[Bucket, str]] = []
    waits: list[float] = []
    try:
        # One read of every slot of every rule: a single MGET on Redis.
        found: dict[str, Any] = _call(
            "get_many", _cache().get_many, [key for _, bucket in buckets for key in bucket.keys]
        )
        for domain, bucket in buckets:
            if waits:
                # Already refused: only find out how long the other full rules keep it so.
                refusal = bucket.peek(found)
                if refusal is not None:
                    limits.statuses[(domain, bucket.rule)] = refusal[0]
                    waits.append(refusal[1])
                continue
            slot, status, secs = bucket.try_count(found)
            limits.statuses[(domain, bucket.rule)] = status
            if slot is None:
                waits.append(secs)
            else:
                counted.append((bucket, slot))
        if waits:
            for bucket, slot in counted:
                bucket.release(slot)  # a rejected attempt counts nowhere
    except RateLimiterUnavailableError:
        if conf.get("RATE_LIMIT_FAIL_OPEN"):
            logger.warning("Rate-limit cache unreachable; attempt allowed (RATE_LIMIT_FAIL_OPEN)")
            return
        logger.exception("Rate-limit cache unreachable; login refused")
        raise AuthenticationUnavailableError from None
    _request_limits[request] = limits
    if waits:
        raise RateLimitedError(max(waits))


def clear_history(domain: str, name: str) -> None:
    """Forget every attempt of one bucket, under every configured rule of its domain."""
    if domain == BY_USERNAME:
        name = normalize_username(name)
    for rule in get_rules()[domain]:
        Bucket(domain, name, rule).clear()


def record_successful_login(request: HttpRequest, username: str) -> None:
    """A success clears the username's history (not the address's: one account proves
    nothing about the other guesses coming from there)."""
    limits = _request_limits.get(request)
    if limits is None:
        return
    try:
        clear_history(BY_USERNAME, username)
    except RateLimiterUnavailableError:
        # The attempt itself was counted, so the cache was there a moment ago; the history
        # then simply expires on its own.
        logger.warning("Rate-limit cache unreachable; username history not cleared")
        return
    now = time.time()
    for domain, rule in list(limits.statuses):
        if domain == BY_USERNAME:
            limits.statuses[(domain, rule)] = RuleStatus(rule, rule.max_attempts, now)


def _tightest(statuses: list[RuleStatus]) -> RuleStatus:
    """Fewest attempts left; then the smaller limit; then the later reset."""
    return min(statuses, key=lambda s: (s.remaining, s.rule.max_attempts, -s.reset_at))


def add_rate_limit_headers(request: HttpRequest, response: HttpResponseBase) -> None:
    """``X-RateLimit-*`` on any response to a request that a limiter counted or refused."""
    limits = _request_limits.get(request)
    if limits is None or not limits.statuses:
        return
    status = _tightest(list(limits.statuses.values()))
    response["X-RateLimit-Limit"] = str(status.rule.max_attempts)
    response["X-RateLimit-Remaining"] = str(status.remaining)
    response["X-RateLimit-Reset"] = str(math.ceil(status.reset_at))
