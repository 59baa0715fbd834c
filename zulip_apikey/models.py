"""One API key per user, beside (never inside) the project's user model."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserProfile(models.Model):
    """A user's API key; created on the first fetch (``lib.api_key.get_api_key``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="zulip_apikey_profile",
    )
    # unique=True gives the column its index: every API request looks a key up.
    api_key = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def __str__(self) -> str:
        # Never the key itself: this string ends up in logs and the admin's history.
        return f"API key of {self.user}"
