"""The example project's routes, plus DRF's token login and a ``TokenAuthentication`` view."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from benchmarks.views import DRFUsersMe

urlpatterns = [
    path("drf/api-token-auth/", obtain_auth_token),
    path("drf/users/me", DRFUsersMe.as_view()),
    path("", include("example_project.urls")),
]
