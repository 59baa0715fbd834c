"""The ``UserProfile`` admin and ``manage.py regenerate_api_key``."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from tests.factories import UserFactory
from zulip_apikey.lib.api_key import get_api_key
from zulip_apikey.models import UserProfile

CHANGELIST = "/admin/zulip_apikey/userprofile/"


class AdminTest(TestCase):
    def setUp(self) -> None:
        self.admin = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
        self.client.force_login(self.admin)
        self.alice = UserFactory(email="alice@example.com", username="alice")
        self.bob = UserFactory(email="bob@example.com", username="bobby")
        self.alice_key = get_api_key(self.alice)
        self.bob_key = get_api_key(self.bob)

    def test_search_by_email_and_username(self) -> None:
        for query, shown, hidden in (("alice@", "alice", "bobby"), ("bobby", "bobby", "alice@")):
            with self.subTest(query=query):
                response = self.client.get(CHANGELIST, {"q": query})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, shown)
                self.assertNotContains(response, hidden)

    def test_key_is_read_only_and_not_in_the_list(self) -> None:
        changelist = self.client.get(CHANGELIST)
        self.assertNotContains(changelist, self.alice_key)
        profile = UserProfile.objects.get(user=self.alice)
        change = self.client.get(f"{CHANGELIST}{profile.pk}/change/")
        self.assertContains(change, self.alice_key)
        self.assertNotContains(change, 'name="api_key"')

    def test_regenerate_action(self) -> None:
        profile = UserProfile.objects.get(user=self.alice)
        response = self.client.post(
            CHANGELIST,
            {"action": "regenerate_api_keys", "_selected_action": [str(profile.pk)]},
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Regenerated 1 API key")
        self.assertNotEqual(get_api_key(self.alice), self.alice_key)
        self.assertEqual(get_api_key(self.bob), self.bob_key)

    def test_add_generates_a_key(self) -> None:
        carol = UserFactory(email="carol@example.com")
        response = self.client.post(f"{CHANGELIST}add/", {"user": str(carol.pk)})
        self.assertEqual(response.status_code, 302)
        self.assertRegex(UserProfile.objects.get(user=carol).api_key, r"\A[A-Za-z0-9]{32}\Z")


class RegenerateCommandTest(TestCase):
    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("regenerate_api_key", *args, stdout=out)
        return out.getvalue().strip()

    def test_by_username_and_by_email(self) -> None:
        user = UserFactory(email="alice@example.com", username="alice")
        old = get_api_key(user)
        new = self.run_command("alice")
        self.assertRegex(new, r"\A[A-Za-z0-9]{32}\Z")
        self.assertNotEqual(new, old)
        self.assertEqual(get_api_key(user), new)
        newer = self.run_command("ALICE@example.com")
        self.assertEqual(get_api_key(user), newer)

    def test_unknown_user(self) -> None:
        with self.assertRaisesMessage(CommandError, "No user has the username or email"):
            self.run_command("nobody")

    def test_ambiguous_user(self) -> None:
        UserFactory(email="shared@example.com", username="one")
        UserFactory(email="one@example.com", username="two")
        # "one" is one user's username; "one@example.com" is another's email: not ambiguous.
        self.run_command("one")
        UserFactory(email="x@example.com", username="shared@example.com")
        with self.assertRaisesMessage(CommandError, "matches several users"):
            self.run_command("shared@example.com")
