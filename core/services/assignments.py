"""Changes to who works which households, written so that phones hear about them on their next pull
and leaders' cached maps stop showing households to a team that no longer works them."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import FollowUp, GroupSession, Household, HouseholdExit, Team, User, Village, Visit
from core.projections import areas_reassigned_project, field_records_batch, field_records_project
from core.services.changes import change_stamp


@transaction.atomic
def village_assign_team(*, village: Village, team: Team | None) -> None:
    """Give a village to another team: the old team's phones drop its households, the new team's get them."""
    new_team_id = team.id if team else None
    current = Village.objects.select_for_update().values_list("team_id", flat=True).get(pk=village.pk)
    if current == new_team_id:
        return
    stamp = change_stamp()
    household_ids = list(Household.objects.filter(village=village).values_list("id", flat=True))
    if current is not None:
        HouseholdExit.objects.bulk_create(
            [
                HouseholdExit(
                    household_id=hid, team_id=current, commune_id=village.commune_id, change_seq=stamp
                )
                for hid in household_ids
            ]
        )
    Village.objects.filter(pk=village.pk).update(team_id=new_team_id)
    village.team_id = new_team_id
    Household.objects.filter(village=village).update(change_seq=stamp)
    FollowUp.objects.filter(household__village=village, closed_at__isnull=True).update(team_id=new_team_id)
    areas_reassigned_project(commune_codes={village.commune_id})


@transaction.atomic
def villages_assign_teams(*, assignments: dict[str, Team | None], actor=None) -> int:
    """Many villages to their teams at once (a sheet of a whole province): the same effects as
    ``village_assign_team`` for each, in a handful of statements, with one audit entry per village moved.
    Returns how many villages changed team."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    wanted = {code: (team.id if team else None) for code, team in assignments.items()}
    current = dict(
        Village.objects.select_for_update().filter(pk__in=list(wanted)).values_list("pk", "team_id")
    )
    moved = {code: team for code, team in wanted.items() if code in current and current[code] != team}
    if not moved:
        return 0
    stamp = change_stamp()
    communes = dict(Village.objects.filter(pk__in=list(moved)).values_list("pk", "commune_id"))
    leaving = [
        HouseholdExit(household_id=hid, team_id=current[code], commune_id=communes[code], change_seq=stamp)
        for hid, code in Household.objects.filter(village_id__in=list(moved)).values_list("id", "village_id")
        if current[code] is not None
    ]
    HouseholdExit.objects.bulk_create(leaving, batch_size=1000)
    Village.objects.bulk_update(
        [Village(code=code, team_id=team) for code, team in moved.items()], ["team_id"], batch_size=500
    )
    Household.objects.filter(village_id__in=list(moved)).update(change_seq=stamp)
    open_followups = FollowUp.objects.filter(household__village_id__in=list(moved), closed_at__isnull=True)
    if open_followups.exists():  # villages new to the product have none: no statement per team then
        by_team: dict[int | None, list[str]] = {}
        for code, team in moved.items():
            by_team.setdefault(team, []).append(code)
        for team, codes in by_team.items():
            open_followups.filter(household__village_id__in=codes).update(team_id=team)
    content_type = ContentType.objects.get_for_model(Village)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=code,
                object_repr=code,
                action=LogEntry.Action.UPDATE,
                changes={"team": [str(current[code]), str(team)]},
                actor=actor,
            )
            for code, team in moved.items()
        ],
        batch_size=1000,
    )
    areas_reassigned_project(commune_codes=set(communes.values()))
    return len(moved)


# --- deleting and merging teams ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamUse:
    """What works under a team: what a delete would unassign, or a merge would move."""

    members: int
    villages: int
    visits: int
    group_sessions: int
    followups: int

    @property
    def has_history(self) -> bool:
        return bool(self.visits or self.group_sessions)


def team_use(*, team: Team) -> TeamUse:
    """The counts shown before a team is deleted or merged (visits read in the team's province only)."""
    province = Team.objects.filter(pk=team.pk).values_list("commune__province_id", flat=True).get()
    return TeamUse(
        members=User.objects.filter(team=team).count(),
        villages=Village.objects.filter(team=team).count(),
        visits=Visit.objects.filter(province_id=province, team=team).count(),
        group_sessions=GroupSession.objects.filter(team=team).count(),
        followups=FollowUp.objects.filter(team=team).count(),
    )


def _team_logged(*, team: Team, actor: User | None, changes: dict, data: dict) -> None:
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Team),
        object_pk=str(team.pk),
        object_id=team.pk,
        object_repr=team.name,
        action=LogEntry.Action.UPDATE,
        changes=changes,
        additional_data=data,
        actor=actor,
    )


@transaction.atomic
def team_delete(*, team: Team, actor: User | None) -> int:
    """Delete a team nobody belongs to: its villages become unassigned (their phones drop them). A team
    with visits or group sessions keeps its history: merge it into another instead. Returns how many
    villages were unassigned; the audit log keeps the delete (auditlog) and each village's change."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    use = team_use(team=team)
    if use.members:
        raise ValidationError(
            {"team": _("Tổ còn thành viên: chuyển họ sang tổ khác, hoặc gộp tổ vào tổ khác.")}
        )
    if use.has_history:
        raise ValidationError(
            {"team": _("Tổ đã có lượt thăm hoặc buổi hướng dẫn: hãy gộp vào tổ khác để giữ lịch sử.")}
        )
    codes = list(Village.objects.filter(team=team).values_list("code", flat=True))
    villages_assign_teams(assignments=dict.fromkeys(codes), actor=actor)
    FollowUp.objects.filter(team=team).update(team=None)
    team.delete()
    return len(codes)


@transaction.atomic
def team_merge(*, source: Team, target: Team, actor: User | None) -> TeamUse:
    """Merge ``source`` into ``target`` (a team of the same commune), then delete ``source``: its
    members, villages, visits, group sessions and follow-ups move to ``target``; campaign rollups of
    the villages its visits were in are recounted. One audit entry on ``target`` names both teams and
    the counts moved. Returns the counts moved."""
    if source.pk == target.pk or source.commune_id != target.commune_id:
        raise ValidationError({"target": _("Chọn một tổ khác của cùng xã.")})
    teams = {
        t.pk: t for t in Team.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = teams[source.pk], teams[target.pk]
    use = team_use(team=source)
    province = Team.objects.filter(pk=source.pk).values_list("commune__province_id", flat=True).get()
    from core.services.members import member_move

    for member in User.objects.filter(team=source):
        member_move(member=member, team=target)  # each member's own audit entry, areas derived again
    villages = list(Village.objects.filter(team=source).values_list("code", flat=True))
    villages_assign_teams(assignments=dict.fromkeys(villages, target), actor=actor)
    visits = Visit.objects.filter(province_id=province, team=source)
    worked = set(visits.values_list("village_id", flat=True).distinct())
    visits.update(team=target)
    GroupSession.objects.filter(team=source).update(team=target)
    FollowUp.objects.filter(team=source).update(team=target)
    _team_logged(
        team=target,
        actor=actor,
        changes={"merged": [source.name, target.name]},
        data={"merged_team": source.pk, "merged_team_name": source.name, **use.__dict__},
    )
    if worked:  # rollups by team (campaign days) follow the visits
        field_records_project(field_records_batch(village_codes=worked, recount_village_codes=worked))
    source.delete()
    return use
