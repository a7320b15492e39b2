"""API endpoints served by the maps app (coverage GeoJSON, campaigns), mounted under /api/v1/."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("maps.campaigns.api_urls")),
]
