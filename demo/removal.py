"""What in the database is demo and what is real, and taking the demo out without touching the real.

Demo rows are those the seed marked ``is_demo`` (teams, villages, members, households, visits, group
sessions) and the campaigns it names "Chiến dịch mẫu…". Everything else a province stores is real: a
team, village, member account (an administrator made by ``createsuperuser`` included), household, visit
or group session not marked, or any other campaign. Units, boundaries and the service catalogue are
reference data, neither demo nor real: every install has them.

A demo row that real rows depend on (real members in a demo team, real households or visits in a demo
village, real visits to a demo household or by a demo account, a real village worked by a demo team, real
campaigns or households created by a demo account) is kept and counted, never deleted with what depends
on it; removing it would delete or rewrite real rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q, QuerySet, RestrictedError

from campaigns.models import Campaign
from core.models import GroupSession, Household, Team, User, Village, Visit, VisitKey
from core.projections import field_records_batch, field_records_project

DEMO_CAMPAIGN_PREFIX = "Chiến dịch mẫu"
MARKED = (Team, Village, User, Household, Visit, GroupSession)


class DemoInUse(Exception):
    """Deleting demo rows met rows that protect them; carries counts only, never the rows themselves
    (Django's ProtectedError names every protecting object: people's names)."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        super().__init__(", ".join(f"{count} {label}" for label, count in counts.items()))


def demo_campaigns(*, province: str | None = None) -> QuerySet:
    campaigns = Campaign.objects.filter(name__startswith=DEMO_CAMPAIGN_PREFIX)
    return campaigns if province is None else campaigns.filter(province_id=province)


@dataclass(frozen=True)
class DataPresence:
    demo: bool  # any row marked demo, or a demo campaign
    real: bool  # any team, village, member, household, visit, group session not marked, or other campaign

    @property
    def may_seed(self) -> bool:
        """``make run`` loads the demo once, into a database with neither: never over real data."""
        return not self.demo and not self.real


def data_presence() -> DataPresence:
    real = any(model.objects.filter(is_demo=False).exists() for model in MARKED)
    real = real or Campaign.objects.exclude(name__startswith=DEMO_CAMPAIGN_PREFIX).exists()
    demo = any(model.objects.filter(is_demo=True).exists() for model in MARKED) or demo_campaigns().exists()
    return DataPresence(demo=demo, real=real)


@dataclass
class DemoRemoval:
    removed: dict[str, int] = field(default_factory=dict)  # label → rows deleted
    kept: dict[str, int] = field(default_factory=dict)  # label → demo rows kept: real rows depend on them
    recounted_villages: int = 0


@dataclass
class _DemoRows:
    teams: QuerySet
    villages: QuerySet
    users: QuerySet
    households: QuerySet
    visits: QuerySet
    sessions: QuerySet


def _demo_rows(province: str | None) -> _DemoRows:
    rows = _DemoRows(
        teams=Team.objects.filter(is_demo=True),
        villages=Village.objects.filter(is_demo=True),
        users=User.objects.filter(is_demo=True),
        households=Household.objects.filter(is_demo=True),
        visits=Visit.objects.filter(is_demo=True),
        sessions=GroupSession.objects.filter(is_demo=True),
    )
    if province is None:
        return rows
    # A province's demo only: the shared demo administrator (no province) stays for the other provinces.
    return _DemoRows(
        teams=rows.teams.filter(commune__province_id=province),
        villages=rows.villages.filter(commune__province_id=province),
        users=rows.users.filter(province_id=province),
        households=rows.households.filter(village__commune__province_id=province),
        visits=rows.visits.filter(province_id=province),
        sessions=rows.sessions.filter(village__commune__province_id=province),
    )


def _kept(rows: _DemoRows) -> tuple[QuerySet, QuerySet, QuerySet, QuerySet]:
    """The demo users, households, villages and teams real rows depend on (see the module's docstring)."""
    real_visits = Visit.objects.filter(is_demo=False)
    real_sessions = GroupSession.objects.filter(is_demo=False)
    users = rows.users.filter(
        Exists(real_visits.filter(volunteer_id=OuterRef("pk")))
        | Exists(real_sessions.filter(volunteer_id=OuterRef("pk")))
        | Exists(Household.objects.filter(is_demo=False, created_by_id=OuterRef("pk")))
        | Exists(
            Campaign.objects.exclude(name__startswith=DEMO_CAMPAIGN_PREFIX).filter(
                created_by_id=OuterRef("pk")
            )
        )
    )
    households = rows.households.filter(Exists(real_visits.filter(household_id=OuterRef("pk"))))
    villages = rows.villages.filter(
        Exists(Household.objects.filter(is_demo=False, village_id=OuterRef("pk")))
        | Exists(real_visits.filter(village_id=OuterRef("pk")))
        | Exists(real_sessions.filter(village_id=OuterRef("pk")))
        | Q(pk__in=households.values("village_id"))
    )
    teams = rows.teams.filter(
        Exists(User.objects.filter(is_demo=False, team_id=OuterRef("pk")))
        | Exists(Village.objects.filter(is_demo=False, team_id=OuterRef("pk")))
        | Q(pk__in=users.exclude(team__isnull=True).values("team_id"))
    )
    return users, households, villages, teams


def _delete(queryset: QuerySet, model) -> int:
    """Rows of ``model`` deleted (cascades counted apart, not here)."""
    try:
        _total, by_model = queryset.delete()
    except (ProtectedError, RestrictedError) as error:
        protecting = (
            error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        )
        counts: dict[str, int] = {}
        for row in protecting:
            label = str(row._meta.verbose_name)
            counts[label] = counts.get(label, 0) + 1
        raise DemoInUse(counts) from None
    return by_model.get(model._meta.label, 0)


def _ids(queryset: QuerySet) -> list:
    return list(queryset.values_list("pk", flat=True))


@transaction.atomic
def demo_remove(*, province: str | None = None) -> DemoRemoval:
    """Delete the demo (of one province, or everywhere), keep every real row, recount the villages left
    whose visits or households went. Safe to run again: a second run finds nothing to delete."""
    rows = _demo_rows(province)
    kept_users, kept_households, kept_villages, kept_teams = _kept(rows)
    report = DemoRemoval()
    kept = {
        "tài khoản": _ids(kept_users),
        "hộ": _ids(kept_households),
        "thôn": _ids(kept_villages),
        "tổ": _ids(kept_teams),
    }
    report.kept = {label: len(ids) for label, ids in kept.items() if ids}

    touched: set[str] = set(rows.visits.values_list("village_id", flat=True).distinct())
    touched |= set(rows.households.values_list("village_id", flat=True).distinct())
    report.removed["chiến dịch mẫu"] = _delete(demo_campaigns(province=province), Campaign)
    visit_ids = _ids(rows.visits)
    VisitKey.objects.filter(id__in=visit_ids).delete()  # their ids may come back with the same seed
    report.removed["lượt thăm"] = _delete(Visit.objects.filter(id__in=visit_ids), Visit)
    report.removed["buổi sinh hoạt"] = _delete(rows.sessions, GroupSession)
    report.removed["hộ"] = _delete(rows.households.exclude(pk__in=kept["hộ"]), Household)
    report.removed["tài khoản"] = _delete(rows.users.exclude(pk__in=kept["tài khoản"]), User)
    report.removed["thôn"] = _delete(rows.villages.exclude(pk__in=kept["thôn"]), Village)
    report.removed["tổ"] = _delete(rows.teams.exclude(pk__in=kept["tổ"]), Team)
    report.recounted_villages = _recount(touched)
    return report


def _recount(village_codes: Iterable[str]) -> int:
    """The villages still there whose visits or households went: coverage and campaign rollups recounted,
    cached pages dropped, through the pipeline every writer of field records goes through."""
    left = set(Village.objects.filter(code__in=set(village_codes)).values_list("code", flat=True))
    field_records_project(field_records_batch(village_codes=left, recount_village_codes=left))
    return len(left)
