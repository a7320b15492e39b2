"""Reads for the set-up pages, every one through the caller's scope."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.models import Commune, Province, Role, Team, User, Village
from core.scope import Scope


def _count(queryset: QuerySet, column: str = "commune_id") -> Subquery:
    """A correlated COUNT per commune (one SQL statement for the whole table, no join fan-out)."""
    return Coalesce(
        Subquery(
            queryset.filter(**{column: OuterRef("code")})
            .order_by()
            .values(column)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def communes_setup_state(*, scope: Scope, province: str) -> QuerySet:
    """Every commune of a province the scope sees whole, with what it has set up: teams, active members,
    commune leaders, villages, villages with a boundary, declared households. One query."""
    members = User.objects.filter(is_active=True)
    return (
        Commune.objects.filter(scope.whole_communes(), province_id=province)
        .annotate(
            teams_count=_count(Team.objects.all()),
            members_count=_count(members.filter(team__isnull=False)),
            leaders_count=_count(members.filter(role=Role.COMMUNE_LEADER)),
            villages_count=_count(Village.objects.all()),
            bounded_count=_count(Village.objects.filter(geometry__isnull=False)),
            households_declared=Coalesce(
                Subquery(
                    Village.objects.filter(commune_id=OuterRef("code"))
                    .order_by()
                    .values("commune_id")
                    .annotate(n=Sum("declared_households"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .only("code", "name", "full_name", "province_id")
        .order_by("name")
    )


def setup_provinces(*, scope: Scope) -> QuerySet:
    return Province.objects.filter(scope.provinces()).only("code", "name", "full_name").order_by("name")


def setup_commune(*, scope: Scope, code: str) -> Commune | None:
    return Commune.objects.filter(scope.whole_communes(), code=code).select_related("province").first()


def commune_villages(*, commune: Commune) -> QuerySet:
    return (
        Village.objects.filter(commune=commune)
        .select_related("team")
        .defer("geometry", "geometry_simplified")
        .order_by("code")
    )


def commune_teams(*, commune: Commune) -> QuerySet:
    return Team.objects.filter(commune=commune).annotate(
        members_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        villages_count=Count("villages", distinct=True),
    )


def commune_members(*, scope: Scope, commune: Commune) -> QuerySet:
    """The members of a commune this scope manages (team members; and its leaders for a province)."""
    return (
        User.objects.filter(scope.members(), commune_id=commune.code)
        .select_related("team")
        .only("id", "username", "full_name", "phone", "role", "team__name", "is_active", "commune_id")
        .order_by("-is_active", "team__name", "full_name")
    )


def import_jobs_overseen(*, user: User, scope: Scope) -> QuerySet:
    """Import jobs the caller may watch and cancel: their own, and those of the people they manage."""
    from onboarding.models import ImportJob

    managed = User.objects.filter(scope.members()).values("pk")
    return ImportJob.objects.filter(Q(created_by=user) | Q(created_by__in=managed)).select_related(
        "created_by"
    )
