from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IocConfig(AppConfig):
    name = "ioc"
    verbose_name = _("Trung tâm điều hành thông minh (IOC)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog

        from ioc import schema  # noqa: F401  (the feed key's OpenAPI security scheme)
        from ioc.models import FeedKey

        auditlog.register(FeedKey, exclude_fields=["hashed_key", "last_used_at"])
