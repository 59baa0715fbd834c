"""``manage.py regenerate_api_key USER``: a new key for USER (username or email)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from zulip_apikey.lib.api_key import do_regenerate_api_key


class Command(BaseCommand):
    help = (
        "Give a user a new API key (the old one stops working at once) and print it. "
        "USER is a username or an email, matched case-insensitively."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="the user's username or email")

    def handle(self, *args: Any, **options: Any) -> None:
        wanted: str = options["user"].strip()
        user_model = get_user_model()
        username_field = user_model.USERNAME_FIELD
        email_field = user_model.get_email_field_name()
        matches = list(
            user_model._default_manager.filter(
                Q(**{f"{username_field}__iexact": wanted}) | Q(**{f"{email_field}__iexact": wanted})
            )[:11]
        )
        if not matches:
            raise CommandError(f"No user has the username or email {wanted!r}.")
        if len(matches) > 1:
            ids = ", ".join(str(user.pk) for user in matches[:10])
            raise CommandError(
                f"{wanted!r} matches several users (ids {ids}); give a username that is unique."
            )
        self.stdout.write(do_regenerate_api_key(matches[0]))
