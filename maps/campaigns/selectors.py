"""Which campaign areas a caller may see: the villages of their scope within the campaign."""

from django.db.models import QuerySet

from field_api.models import Role, User, Village
from field_api.selectors import villages_for


def export_scope_villages(*, user: User) -> QuerySet[Village] | None:
    """None means every village of the campaign (province officers of that province, admins)."""
    if user.role in (Role.ADMIN, Role.PROVINCE_OFFICER) or user.is_superuser:
        return None
    if user.role == Role.COMMUNE_LEADER:
        return Village.objects.filter(commune_id=user.commune_id)
    return villages_for(user=user)
