"""``manage.py clear_auth_rate_limit_history --username U --ip A`` (Zulip's command name).

For the user who locked themselves out, or the office whose shared address hit the per-IP
limit: forgets the counted attempts at once instead of waiting for the window to pass.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zulip_apikey.lib.client_ip import parse_ip
from zulip_apikey.lib.rate_limiter import (
    BY_IP,
    BY_USERNAME,
    RateLimiterUnavailableError,
    clear_history,
)


class Command(BaseCommand):
    help = "Forget the failed password attempts of a username and/or a client address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-u", "--username", action="append", default=[], help="a username (repeatable)"
        )
        parser.add_argument(
            "--ip", action="append", default=[], help="a client IP address (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        usernames: list[str] = options["username"]
        addresses: list[str] = options["ip"]
        if not usernames and not addresses:
            raise CommandError("Give at least one --username or --ip.")
        buckets = [(BY_USERNAME, name) for name in usernames]
        for text in addresses:
            address = parse_ip(text)
            if address is None:
                raise CommandError(f"{text!r} is not an IP address.")
            buckets.append((BY_IP, str(address)))
        for domain, name in buckets:
            try:
                clear_history(domain, name)
            except RateLimiterUnavailableError as e:
                raise CommandError(f"The rate-limit cache is unreachable: {e}") from e
            what = "username" if domain == BY_USERNAME else "address"
            self.stdout.write(f"Cleared the login attempt history of {what} {name}.")
