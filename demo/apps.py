from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for trying the product (``seed_demo``): never loaded over real data."""

    name = "demo"
    verbose_name = _("Dữ liệu mẫu")
