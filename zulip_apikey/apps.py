from django.apps import AppConfig


class ZulipApiKeyConfig(AppConfig):
    name = "zulip_apikey"
    verbose_name = "Zulip API keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from zulip_apikey import checks  # noqa: F401  (registers the system checks)
