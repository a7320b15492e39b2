from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """A province or commune sets itself up in the browser: sheets of members and villages, teams,
    village boundaries (issue 12). Reads and writes field_api through its services; never imports maps."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "onboarding"
    verbose_name = "Thiết lập tỉnh, xã"
