from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadersConfig(AppConfig):
    """The commune leader's pages: the commune and village dashboards and their spreadsheets."""

    name = "leaders"
    verbose_name = _("Trang của lãnh đạo xã")
