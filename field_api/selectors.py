"""Reads, each scoped to the caller. Scope rules live here and only here (API.md, "Roles"):

- volunteer, team leader: the villages of their team;
- commune leader: their commune;
- province officer: their province (aggregates; no household names or phones);
- admin: everything.

Anything outside scope is simply absent from these querysets, so views answer 404.
"""

from django.db.models import Q, QuerySet

from field_api.models import (
    TEAM_ROLES,
    Campaign,
    Commune,
    FollowUp,
    Household,
    Province,
    Role,
    Service,
    Team,
    User,
    Village,
    Visit,
)
from field_api.text import search_key


def _village_scope(*, user: User, prefix: str = "") -> Q:
    """A Q on a model that reaches Village through ``prefix`` (e.g. ``"village__"``)."""
    if user.role == Role.ADMIN or user.is_superuser:
        return Q()
    if user.role in TEAM_ROLES:
        return Q(**{f"{prefix}team_id": user.team_id}) if user.team_id else Q(pk__in=[])
    if user.role == Role.COMMUNE_LEADER:
        return Q(**{f"{prefix}commune_id": user.commune_id})
    if user.role == Role.PROVINCE_OFFICER:
        return Q(**{f"{prefix}commune__province_id": user.province_id})
    return Q(pk__in=[])


def can_see_household_identity(*, user: User) -> bool:
    """Names and phones: the household's team and commune leaders (and admins), never the province."""
    return user.role in (*TEAM_ROLES, Role.COMMUNE_LEADER, Role.ADMIN) or user.is_superuser


def provinces_for(*, user: User) -> QuerySet[Province]:
    qs = Province.objects.all()
    if user.role == Role.ADMIN or user.is_superuser:
        return qs
    return qs.filter(code=user.province_id) if user.province_id else qs.none()


def communes_for(*, user: User, province: str | None = None, search: str | None = None) -> QuerySet[Commune]:
    qs = Commune.objects.select_related("province")
    if not (user.role == Role.ADMIN or user.is_superuser):
        if user.role == Role.PROVINCE_OFFICER:
            qs = qs.filter(province_id=user.province_id)
        elif user.commune_id:
            qs = qs.filter(code=user.commune_id)
        else:
            qs = qs.none()
    if province:
        qs = qs.filter(province_id=province)
    if search:
        qs = qs.filter(search_name__contains=search_key(search))
    return qs


def villages_for(*, user: User, commune: str | None = None, search: str | None = None) -> QuerySet[Village]:
    qs = Village.objects.filter(_village_scope(user=user))
    if commune:
        qs = qs.filter(commune_id=commune)
    if search:
        qs = qs.filter(search_name__contains=search_key(search))
    return qs


def teams_for(*, user: User) -> QuerySet[Team]:
    qs = Team.objects.select_related("commune")
    if user.role == Role.ADMIN or user.is_superuser:
        return qs
    if user.role in TEAM_ROLES:
        return qs.filter(pk=user.team_id)
    if user.role == Role.COMMUNE_LEADER:
        return qs.filter(commune_id=user.commune_id)
    if user.role == Role.PROVINCE_OFFICER:
        return qs.filter(commune__province_id=user.province_id)
    return qs.none()


def households_for(*, user: User) -> QuerySet[Household]:
    return Household.objects.filter(_village_scope(user=user, prefix="village__"))


def visits_for(*, user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(_village_scope(user=user, prefix="village__"))


def followups_for(*, user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(_village_scope(user=user, prefix="household__village__"))


def campaigns_for(*, user: User) -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("province")
    if user.role == Role.ADMIN or user.is_superuser:
        return qs
    if user.role == Role.PROVINCE_OFFICER:
        return qs.filter(province_id=user.province_id)
    if user.commune_id:
        # A commune's people see campaigns of their province that include their commune (or all communes).
        return (
            qs.filter(province_id=user.province_id)
            .filter(Q(communes__isnull=True) | Q(communes__code=user.commune_id))
            .distinct()
        )
    return qs.none()


def services_list() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True)


def member_villages(*, user: User) -> list[str]:
    """The village codes shown in /me: the team's villages for field roles, otherwise the scope's."""
    if user.role in TEAM_ROLES:
        return list(Village.objects.filter(team_id=user.team_id).values_list("code", flat=True))
    if user.role == Role.COMMUNE_LEADER:
        return list(Village.objects.filter(commune_id=user.commune_id).values_list("code", flat=True))
    return []
