from django.apps import AppConfig


class PhoneAppConfig(AppConfig):
    """Serves the volunteer's phone app (built from ../phone) at /app/; it talks to field_api over HTTP."""

    name = "phoneapp"
    verbose_name = "Ứng dụng điện thoại"
