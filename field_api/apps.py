from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldApiConfig(AppConfig):
    name = "field_api"
    verbose_name = _("Tổ công nghệ số cộng đồng")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # token-cache eviction, OpenAPI extension, a new province's history partitions
        from field_api import authentication, history_partitions, schema  # noqa: F401
        from field_api.audit import register_audited_models

        register_audited_models()
        # `check --deploy`'s look at the database's own settings (backend is not an app of its own).
        import backend.checks  # noqa: F401
