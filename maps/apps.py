from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "maps"
    verbose_name = _("Bản đồ độ phủ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from maps import receivers  # noqa: F401  (connects to field_api's signals)
