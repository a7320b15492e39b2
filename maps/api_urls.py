"""API endpoints served by the maps app (coverage GeoJSON, campaigns), mounted under /api/v1/."""

from django.urls import include, path

from maps import apis

urlpatterns: list = [
    path("coverage/", apis.CoverageApi.as_view(), name="coverage"),
    path("", include("campaigns.api_urls")),
]
