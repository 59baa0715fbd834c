"""Create (or reset) the demo user of the README and print its credentials."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-Zulip-1"


class Command(BaseCommand):
    help = "Create the demo user (a superuser) of the example project and print its login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"]
        user_model = get_user_model()
        user, _created = user_model._default_manager.get_or_create(
            username=email, defaults={"email": email, "is_staff": True, "is_superuser": True}
        )
        user.set_password(options["password"])
        user.save()
        self.stdout.write(f"Demo user: username {email}  password {options['password']}")
