from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Campaigns, their targets, rollups, exports and pages: their own app, inside maps/ whose coverage
    figures they build on."""

    name = "maps.campaigns"
    label = "campaigns"
    verbose_name = _("Chiến dịch")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from maps.campaigns import figures  # noqa: F401  (receivers that keep cached figures fresh)
        from maps.campaigns.audit import register_audited_models

        register_audited_models()
