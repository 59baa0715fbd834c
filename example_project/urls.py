from django.contrib import admin
from django.urls import include, path

from example_project import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/example/hello", views.hello),
    path("", include("zulip_apikey.urls")),
]
