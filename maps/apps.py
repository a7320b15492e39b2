from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """Coverage maps: the province, commune, national and campaign maps, rendered and cached. Its
    migrations hold the history of the tables that moved to coverage and campaigns."""

    name = "maps"
    verbose_name = _("Bản đồ độ phủ")
    default_auto_field = "django.db.models.BigAutoField"
