"""API endpoints served by the maps app (coverage GeoJSON, campaigns), mounted under /api/v1/."""

urlpatterns: list = []
