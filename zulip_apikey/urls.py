"""The app's routes, named like Zulip's. Include at the site root:
``path("", include("zulip_apikey.urls"))``."""

from django.urls import path

from zulip_apikey.views import auth

app_name = "zulip_apikey"

urlpatterns = [
    path("api/v1/fetch_api_key", auth.api_fetch_api_key, name="api_fetch_api_key"),
    path("api/v1/server_settings", auth.server_settings, name="server_settings"),
]
