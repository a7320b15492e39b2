from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The domain core: areas, people, households, visits, follow-ups, the service catalogue, scope.

    Its label is ``field_api``, the database name its tables, migrations, content types and permissions
    have had since the first release (``field_api_household``, ``AUTH_USER_MODEL = "field_api.User"``):
    the code moved, the data did not.
    """

    name = "core"
    label = "field_api"
    verbose_name = _("Tổ công nghệ số cộng đồng")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # a new province's history partitions
        from core import history_partitions  # noqa: F401
        from core.audit import register_audited_models

        register_audited_models()
        # `check --deploy`'s look at the database's own settings (backend is not an app of its own).
        import backend.checks  # noqa: F401
