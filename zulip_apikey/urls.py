"""The app's routes, named like Zulip's. Include at the site root:
``path("", include("zulip_apikey.urls"))``."""

from django.urls import path

from zulip_apikey.views import auth, openapi, users

app_name = "zulip_apikey"

urlpatterns = [
    path("api/v1/fetch_api_key", auth.api_fetch_api_key, name="api_fetch_api_key"),
    path("api/v1/dev_fetch_api_key", auth.api_dev_fetch_api_key, name="api_dev_fetch_api_key"),
    path("api/v1/dev_list_users", auth.api_dev_list_users, name="api_dev_list_users"),
    path("api/v1/server_settings", auth.server_settings, name="server_settings"),
    path("api/v1/users/me", users.get_profile_backend, name="get_profile_backend"),
    path(
        "api/v1/users/me/api_key/regenerate",
        users.regenerate_api_key,
        name="regenerate_api_key",
    ),
    path("json/fetch_api_key", auth.json_fetch_api_key, name="json_fetch_api_key"),
    path("api/v1/openapi.json", openapi.openapi_spec, name="openapi_spec"),
]
