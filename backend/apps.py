from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """The project's own layer: settings, URLs, errors, middleware, the admin site, the outbox, the sheet
    readers and writers. Everything may use it; it uses no app of the product."""

    name = "backend"
    label = "platform"
    verbose_name = _("Nền tảng")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from backend.lookups import lookups_register
        from backend.pg_timestamps import utc_timestamps_compiled

        lookups_register()
        connection_created.connect(utc_timestamps_compiled, dispatch_uid="platform.utc-timestamps")
