"""Changes to who works which households, written so that phones hear about them on their next pull
and leaders' cached maps stop showing households to a team that no longer works them."""

from django.db import transaction

from field_api.models import FollowUp, Household, HouseholdExit, Team, Village
from field_api.services.changes import change_stamp
from field_api.signals import announce_areas_reassigned


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
    announce_areas_reassigned(commune_codes={village.commune_id})
