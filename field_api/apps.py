from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldApiConfig(AppConfig):
    """The phone's API: sign-in, areas, the catalogue, and the sync protocol (push and pull). It holds no
    table of its own (the domain core does); ``sync`` is its label because ``field_api`` is the core's."""

    name = "field_api"
    label = "sync"
    verbose_name = _("Đồng bộ điện thoại")

    def ready(self):
        # token-cache eviction (a receiver), the OpenAPI extension for the phone's token
        from field_api import authentication, schema  # noqa: F401
