from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    """Coverage numbers per village, commune and province, and the per-village rollup behind them."""

    name = "coverage"
    verbose_name = _("Độ phủ")
    default_auto_field = "django.db.models.BigAutoField"
