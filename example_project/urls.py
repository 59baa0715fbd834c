from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from example_project import views
from example_project.forms import PasswordResetForm

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    # Django's login, logout and password-reset views; their templates are in
    # example_project/templates/registration/.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/example/hello", views.hello),
    path("", include("zulip_apikey.urls")),
]
