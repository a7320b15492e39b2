"""The Django admin is the national administrators' tool.

Being staff is not enough: the admin shows every province's households, so only a national scope may
enter. Commune leaders and province officers manage their own areas through the product's pages.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class NationalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.scope.is_national)


class NationalAdminConfig(AdminConfig):
    default_site = "field_api.admin_site.NationalAdminSite"
