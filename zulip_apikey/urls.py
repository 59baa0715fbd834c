"""The app's routes, named like Zulip's. Include at the site root:
``path("", include("zulip_apikey.urls"))``."""

from django.urls import include, path

from zulip_apikey.views import auth, mobile_flow, openapi, pages, users

app_name = "zulip_apikey"

# Pages for a browser session (CONTRACT section 10), under accounts/.
page_urlpatterns = [
    path("api-key/", pages.api_key_page, name="api_key_page"),
    path("api-key/zuliprc", pages.api_key_zuliprc, name="api_key_zuliprc"),
    path("api-key/regenerate", pages.api_key_regenerate, name="api_key_regenerate"),
    path("mobile-login/", mobile_flow.mobile_flow, name="mobile_flow"),
]

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
    # HTML pages for a browser session, not API: kept out of the OpenAPI document.
    path("accounts/", include(page_urlpatterns)),
]
