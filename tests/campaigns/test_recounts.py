"""Villages whose households moved away or were counted again are recounted on the worker, once per
burst: messages whose villages an earlier recount already served do nothing, and an ask made while a
recount runs is kept for its own message (campaigns.recounts)."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from backend.models import OutboxMessage
from campaigns import recounts
from campaigns.models import Campaign, CampaignVillageDay, VillageRecountAsk
from campaigns.projections import RECOUNT_TASK
from campaigns.tasks import recount_asked
from core.models import Household, Role
from field_api.push import sync_push
from tests import factories
from tests.field_api.sync_helpers import household, visit


def _counted_again(world, home: Household) -> dict:
    """A push that counts a household's members again, with a visit to it."""
    home.refresh_from_db()
    item = household(
        world.a.village.code, id=str(home.id), base_version=home.version, members=home.members + 1
    )
    return {"households": [item], "visits": [visit(item["id"])]}


def _campaign(world) -> Campaign:
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Chiến dịch", province=world.a.province, starts_on=today - dt.timedelta(days=3), ends_on=today
    )


def _spy_on_recounts(monkeypatch) -> list:
    served = []
    real = recounts.campaign_rollup_refresh

    def recount(**kwargs):
        served.append(sorted(kwargs["village_codes"]))
        real(**kwargs)

    monkeypatch.setattr(recounts, "campaign_rollup_refresh", recount)
    return served


def test_a_burst_of_asks_for_one_village_costs_one_recount(world, monkeypatch):
    _campaign(world)
    volunteer = world.a.users[Role.VOLUNTEER]
    homes = [factories.HouseholdFactory(village=world.a.village, members=2) for _i in range(3)]
    for home in homes:
        sync_push(user=volunteer, payload=_counted_again(world, home))
    messages = list(OutboxMessage.objects.filter(task=RECOUNT_TASK))
    assert len(messages) == 3
    assert list(VillageRecountAsk.objects.values_list("village_id", flat=True)) == [world.a.village.code]

    served = _spy_on_recounts(monkeypatch)
    results = [recount_asked(**message.kwargs) for message in messages]
    assert served == [[world.a.village.code]]
    assert results == [1, 0, 0]
    assert not VillageRecountAsk.objects.exists()
    # The one recount counted all three households, with their new members.
    assert sum(CampaignVillageDay.objects.values_list("households_reached", flat=True)) == 3
    assert sum(CampaignVillageDay.objects.values_list("unique_people", flat=True)) == 3 * 2


def test_an_ask_made_during_a_recount_is_kept_for_its_own_message(world, monkeypatch):
    _campaign(world)
    volunteer = world.a.users[Role.VOLUNTEER]
    first, second = (factories.HouseholdFactory(village=world.a.village, members=2) for _i in range(2))
    sync_push(user=volunteer, payload=_counted_again(world, first))
    real = recounts.campaign_rollup_refresh

    def recount_while_a_push_commits(**kwargs):
        real(**kwargs)
        sync_push(user=volunteer, payload=_counted_again(world, second))  # after the recount read

    monkeypatch.setattr(recounts, "campaign_rollup_refresh", recount_while_a_push_commits)
    message, later = (
        OutboxMessage.objects.filter(task=RECOUNT_TASK).order_by("pk")[:1].get(),
        None,
    )
    assert recount_asked(**message.kwargs) == 1
    assert VillageRecountAsk.objects.filter(village=world.a.village).exists(), "the later ask was dropped"

    monkeypatch.setattr(recounts, "campaign_rollup_refresh", real)
    later = OutboxMessage.objects.filter(task=RECOUNT_TASK).order_by("-pk").first()
    assert recount_asked(**later.kwargs) == 1
    assert not VillageRecountAsk.objects.exists()
    assert sum(CampaignVillageDay.objects.values_list("households_reached", flat=True)) == 2
