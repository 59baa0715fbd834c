"""``lib/api_key.py``: the key format, creation on first need, regeneration."""

from __future__ import annotations

import threading
import unittest

from django.db import connection
from django.test import TestCase, TransactionTestCase

from tests.factories import UserFactory
from tests.markers import needs_services
from zulip_apikey.lib.api_key import (
    do_regenerate_api_key,
    generate_api_key,
    get_api_key,
    has_api_key_format,
)
from zulip_apikey.models import UserProfile


class FormatTest(TestCase):
    def test_generated_keys_have_the_format_and_differ(self) -> None:
        keys = {generate_api_key() for _ in range(200)}
        self.assertEqual(len(keys), 200)
        for key in keys:
            self.assertRegex(key, r"\A[A-Za-z0-9]{32}\Z")
            self.assertTrue(has_api_key_format(key))

    def test_has_api_key_format_rejects(self) -> None:
        good = "a" * 32
        self.assertTrue(has_api_key_format(good))
        for bad in ("", "a" * 31, "a" * 33, "a" * 31 + "!", "a" * 31 + "é", good + "\n"):
            with self.subTest(bad=bad):
                self.assertFalse(has_api_key_format(bad))

    def test_uses_all_of_the_alphabet(self) -> None:
        seen = set("".join(generate_api_key() for _ in range(200)))
        self.assertEqual(len(seen), 62)


class GetApiKeyTest(TestCase):
    def test_created_on_first_need_then_stable(self) -> None:
        user = UserFactory()
        self.assertFalse(UserProfile.objects.filter(user=user).exists())
        key = get_api_key(user)
        self.assertEqual(get_api_key(user), key)
        self.assertEqual(UserProfile.objects.get(user=user).api_key, key)

    def test_regenerate_replaces_the_key(self) -> None:
        user = UserFactory()
        old = get_api_key(user)
        new = do_regenerate_api_key(user)
        self.assertNotEqual(old, new)
        self.assertEqual(get_api_key(user), new)
        self.assertFalse(UserProfile.objects.filter(api_key=old).exists())

    def test_regenerate_without_a_key_creates_one(self) -> None:
        user = UserFactory()
        key = do_regenerate_api_key(user)
        self.assertEqual(get_api_key(user), key)

    def test_str_never_shows_the_key(self) -> None:
        user = UserFactory()
        key = get_api_key(user)
        self.assertNotIn(key, str(UserProfile.objects.get(user=user)))


@needs_services
class ConcurrentFirstFetchTest(TransactionTestCase):
    """Threads racing for one user's first key all get the same key, never an error."""

    def test_concurrent_first_fetches_agree(self) -> None:
        if connection.vendor == "sqlite":
            raise unittest.SkipTest(
                "SQLite's in-memory test database is one connection; the PostgreSQL run "
                "(and tests/test_multiprocess.py) covers concurrency"
            )
        user = UserFactory()
        barrier = threading.Barrier(8)
        keys: list[str] = []
        errors: list[BaseException] = []

        def fetch() -> None:
            try:
                barrier.wait()
                keys.append(get_api_key(user))
            except BaseException as e:  # collected and asserted below
                errors.append(e)
            finally:
                connection.close()

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(len(keys), 8)
        self.assertEqual(len(set(keys)), 1)
        self.assertEqual(UserProfile.objects.filter(user=user).count(), 1)
