"""Changes to who works which households, written so that phones hear about them on their next pull
and leaders' cached maps stop showing households to a team that no longer works them."""

from django.db import transaction

from core.models import FollowUp, Household, HouseholdExit, Team, Village
from core.projections import areas_reassigned_project
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
