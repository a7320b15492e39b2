"""The Django admin is the national administrators' tool.

Being staff is not enough: the admin shows every province's households, so only a national scope may
enter. Commune leaders and province officers manage their own areas through the product's pages.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# Libraries without a Vietnamese catalogue (or with a wrong one): their names in the admin's lists.
APP_NAMES = {
    "knox": _("Phiên đăng nhập điện thoại"),
    "axes": _("Bảo vệ đăng nhập"),
    "auditlog": _("Nhật ký thay đổi"),
}
MODEL_NAMES = {
    ("knox", "AuthToken"): _("Mã đăng nhập điện thoại"),
    ("axes", "AccessAttempt"): _("Lần đăng nhập sai"),
    ("axes", "AccessLog"): _("Lịch sử đăng nhập"),
    ("axes", "AccessFailureLog"): _("Lịch sử đăng nhập sai"),
    ("auditlog", "LogEntry"): _("Mục nhật ký thay đổi"),
}


class NationalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.scope.is_national)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            app["name"] = APP_NAMES.get(app["app_label"], app["name"])
            for model in app["models"]:
                model["name"] = MODEL_NAMES.get((app["app_label"], model["object_name"]), model["name"])
        return apps


class NationalAdminConfig(AdminConfig):
    default_site = "backend.admin_site.NationalAdminSite"
