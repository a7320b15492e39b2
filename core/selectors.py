"""Reads, each limited to the caller's ``Scope`` (core/scope.py decides what a scope sees).

Anything outside scope is simply absent from these querysets, so views answer 404.
"""

import datetime as dt

from django.db.models import Q, QuerySet

from backend.text import search_key
from core.counting import reaching_visits
from core.models import (
    Commune,
    ErasedHousehold,
    FollowUp,
    Handoff,
    Household,
    HouseholdExit,
    Province,
    Service,
    Team,
    User,
    Village,
    Visit,
)
from core.scope import Kind, Scope, leads_team

# Follow-ups due within this many days are "due soon" (overdue: due before today), on every page.
DUE_SOON_DAYS = 7


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


def followups_open(followups: QuerySet[FollowUp] | None = None) -> QuerySet[FollowUp]:
    """Follow-ups still to do: open, and the household still here (of ``followups``, already scoped)."""
    followups = FollowUp.objects.all() if followups is None else followups
    return followups.filter(closed_at__isnull=True, household__moved=False)


def followups_open_for(*, scope: Scope) -> QuerySet[FollowUp]:
    return followups_open(followups_for(scope=scope))


def followups_overdue(followups: QuerySet[FollowUp], *, today: dt.date) -> QuerySet[FollowUp]:
    """Those whose due day has passed (due before today)."""
    return followups.filter(due__lt=today)


def followups_due_soon(followups: QuerySet[FollowUp], *, today: dt.date) -> QuerySet[FollowUp]:
    """Those due by ``DUE_SOON_DAYS`` from ``today``, overdue ones included (``due < today``)."""
    return followups.filter(due__lte=today + dt.timedelta(days=DUE_SOON_DAYS))


def households_not_reached_for(
    *, scope: Scope, villages: QuerySet[Village], window: Q | None = None
) -> QuerySet[Household]:
    """Registered households of these villages no counted visit has reached (in ``window``, a condition
    on Visit, when given): the complement of coverage's households_reached (core.counting)."""
    households = households_for(scope=scope).filter(village__in=villages, moved=False)
    reached = visits_for(scope=scope).filter(reaching_visits(), village__in=villages)
    if window is not None:
        reached = reached.filter(window)
    return households.exclude(id__in=reached.values("household_id"))


def visits_to_review_for(*, scope: Scope) -> QuerySet[Visit]:
    """Visits held out of the totals that no leader has decided on yet (core.counting)."""
    return visits_for(scope=scope).filter(is_flagged=True, held=True, review="")


def services_list() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True)


def member_villages(*, scope: Scope) -> list[str]:
    """The village codes shown in /me: the villages a phone works (team or commune), else none."""
    if not scope.works_in_field:
        return []
    return list(villages_for(scope=scope).values_list("code", flat=True))


def handoffs_for(*, user: User) -> QuerySet[Handoff]:
    """Notes handed to a team leader (core.services.handoffs): a volunteer sees their own, a team leader
    their team's, a commune leader their commune's, admins all; province officers none (household labels
    are identity, which the province does not see)."""
    scope = user.scope
    notes = Handoff.objects.select_related("volunteer")
    match scope.kind:
        case Kind.NATIONAL:
            return notes
        case Kind.COMMUNE:
            return notes.filter(commune_id=scope.commune)
        case Kind.TEAM if leads_team(user):
            return notes.filter(team_id=scope.team)
        case Kind.TEAM:
            return notes.filter(volunteer=user)
    return notes.none()
