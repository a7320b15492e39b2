"""Villages whose households moved away or were counted again are recounted on the worker, once per
burst: messages whose villages an earlier recount already served do nothing, and an ask made while a
recount runs is kept for its own message (maps.campaigns.recounts)."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from field_api.models import Household, OutboxMessage, Role
from field_api.services.sync import sync_push
from maps.campaigns import recounts
from maps.campaigns.models import Campaign, CampaignVillageDay, VillageRecountAsk
from maps.tasks import after_field_records
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
    messages = list(OutboxMessage.objects.filter(task="maps.tasks.after_field_records"))
    assert len(messages) == 3 and all(message.kwargs["asked"] for message in messages)
    assert list(VillageRecountAsk.objects.values_list("village_id", flat=True)) == [world.a.village.code]

    served = _spy_on_recounts(monkeypatch)
    results = [after_field_records(**message.kwargs) for message in messages]
    assert served == [[world.a.village.code]]
    assert [result["campaigns"] for result in results] == [1, 0, 0]
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
        OutboxMessage.objects.filter(task="maps.tasks.after_field_records").order_by("pk")[:1].get(),
        None,
    )
    assert after_field_records(**message.kwargs)["campaigns"] == 1
    assert VillageRecountAsk.objects.filter(village=world.a.village).exists(), "the later ask was dropped"

    monkeypatch.setattr(recounts, "campaign_rollup_refresh", real)
    later = OutboxMessage.objects.filter(task="maps.tasks.after_field_records").order_by("-pk").first()
    assert after_field_records(**later.kwargs)["campaigns"] == 1
    assert not VillageRecountAsk.objects.exists()
    assert sum(CampaignVillageDay.objects.values_list("households_reached", flat=True)) == 2


def test_messages_from_before_asks_recount_what_they_name(world, monkeypatch):
    _campaign(world)
    served = _spy_on_recounts(monkeypatch)
    assert after_field_records(village_codes=[world.a.village.code], coverage=False)["campaigns"] == 1
    assert served == [[world.a.village.code]]
