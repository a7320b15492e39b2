"""Reads, each limited to the caller's ``Scope`` (core/scope.py decides what a scope sees).

Anything outside scope is simply absent from these querysets, so views answer 404.
"""

from django.db.models import QuerySet

from backend.text import search_key
from core.models import (
    Commune,
    ErasedHousehold,
    FollowUp,
    Household,
    HouseholdExit,
    Province,
    Service,
    Team,
    Village,
    Visit,
)
from core.scope import Kind, Scope


def provinces_for(*, scope: Scope) -> QuerySet[Province]:
    return Province.objects.filter(scope.provinces())


def communes_for(
    *, scope: Scope, province: str | None = None, search: str | None = None
) -> QuerySet[Commune]:
    qs = Commune.objects.select_related("province").filter(scope.communes())
    if province:
        qs = qs.filter(province_id=province)
    if search:
        qs = qs.filter(search_name__contains=search_key(search))
    return qs


def villages_for(*, scope: Scope, commune: str | None = None, search: str | None = None) -> QuerySet[Village]:
    qs = Village.objects.filter(scope.villages())
    if commune:
        qs = qs.filter(commune_id=commune)
    if search:
        qs = qs.filter(search_name__contains=search_key(search))
    return qs


def teams_for(*, scope: Scope) -> QuerySet[Team]:
    return Team.objects.select_related("commune").filter(scope.teams())


def households_for(*, scope: Scope) -> QuerySet[Household]:
    return Household.objects.filter(scope.villages(prefix="village__"))


def erased_households_for(*, scope: Scope) -> QuerySet[ErasedHousehold]:
    """Tombstones of households erased in the caller's villages. Only these may be answered "erased":
    anyone else is answered as for a household the server never had, so no one learns that an id
    outside their villages existed and was erased."""
    return ErasedHousehold.objects.filter(village_code__in=villages_for(scope=scope).values("code"))


def household_exits_for(*, scope: Scope) -> QuerySet[HouseholdExit]:
    return HouseholdExit.objects.filter(scope.household_exits())


def history_provinces(*, village_codes) -> list[str]:
    """The provinces of these villages. A query on visits or help items that names them reads only
    their partitions on PostgreSQL (core/history_partitions.py), not the whole country's."""
    return sorted(
        set(
            Village.objects.filter(code__in=list(village_codes)).values_list(
                "commune__province_id", flat=True
            )
        )
    )


def _scope_provinces(scope: Scope) -> list[str] | None:
    """The province a scope's villages lie in, from the units themselves (None: every province)."""
    match scope.kind:
        case Kind.PROVINCE:
            return [scope.province]
        case Kind.COMMUNE:
            return list(Commune.objects.filter(code=scope.commune).values_list("province_id", flat=True))
        case Kind.TEAM:
            return list(Team.objects.filter(id=scope.team).values_list("commune__province_id", flat=True))
    return None


def visits_for(*, scope: Scope) -> QuerySet[Visit]:
    visits = Visit.objects.filter(scope.villages(prefix="village__"))
    provinces = _scope_provinces(scope)
    return visits if provinces is None else visits.filter(province_id__in=provinces)


def followups_for(*, scope: Scope) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(scope.villages(prefix="household__village__"))


def services_list() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True)


def member_villages(*, scope: Scope) -> list[str]:
    """The village codes shown in /me: the villages a phone works (team or commune), else none."""
    if not scope.works_in_field:
        return []
    return list(villages_for(scope=scope).values_list("code", flat=True))
