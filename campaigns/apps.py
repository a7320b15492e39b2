from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Campaigns, their targets, rollups, exports and pages: their own app, above the coverage
    figures they build on."""

    name = "campaigns"
    label = "campaigns"
    verbose_name = _("Chiến dịch")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns import figures  # noqa: F401  (receivers that keep cached figures fresh)
        from campaigns.audit import register_audited_models

        register_audited_models()
