from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldApiConfig(AppConfig):
    name = "field_api"
    verbose_name = _("Tổ công nghệ số cộng đồng")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from field_api import authentication, schema  # noqa: F401  (token-cache eviction, OpenAPI extension)
        from field_api.audit import register_audited_models

        register_audited_models()
