"""The API keys in Django's admin: search by user, key read-only, a regenerate action."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from zulip_apikey.lib.api_key import do_regenerate_api_key, generate_api_key
from zulip_apikey.models import UserProfile

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[UserProfile]
else:  # ModelAdmin is generic for the type checker only
    _ModelAdmin = admin.ModelAdmin


@admin.register(UserProfile)
class UserProfileAdmin(_ModelAdmin):
    list_display = ("user",)
    fields = ("user", "api_key")
    readonly_fields = ("api_key",)
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    actions = ("regenerate_api_keys",)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        user_model = get_user_model()
        names = {user_model.get_email_field_name(), user_model.USERNAME_FIELD}
        return sorted(f"user__{name}" for name in names)

    def save_model(self, request: HttpRequest, obj: UserProfile, form: Any, change: bool) -> None:
        if not obj.api_key:
            obj.api_key = generate_api_key()
        super().save_model(request, obj, form, change)

    @admin.action(description="Regenerate the API key of the selected users")
    def regenerate_api_keys(self, request: HttpRequest, queryset: QuerySet[UserProfile]) -> None:
        count = 0
        for profile in queryset.select_related("user"):
            do_regenerate_api_key(profile.user)
            count += 1
        self.message_user(
            request,
            f"Regenerated {count} API key(s); the old keys no longer work.",
            messages.SUCCESS,
        )
