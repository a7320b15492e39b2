"""The nightly campaign rebuild runs a few villages per transaction (a long one would hold every phone's
pull back) and writes exactly what one rebuild of the whole campaign writes."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from campaigns import rollup, tasks
from campaigns.models import Campaign, CampaignServiceTally, CampaignVillageDay
from campaigns.rollup import campaign_rollup_refresh
from core.models import HelpItem, Role
from tests import factories


def _rows() -> set[tuple]:
    days = {
        tuple(row.values()) for row in CampaignVillageDay.objects.values().order_by() if row.pop("id", True)
    }
    services = {
        tuple(row.values()) for row in CampaignServiceTally.objects.values().order_by() if row.pop("id", True)
    }
    return days | services


def test_nightly_rebuild_in_short_transactions_equals_one_whole_rebuild(world, monkeypatch):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    world.a.other_village.team = world.a.team
    world.a.other_village.save()
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch", province=world.a.province, starts_on=today - dt.timedelta(days=5), ends_on=today
    )
    volunteer = world.a.users[Role.VOLUNTEER]
    for number, village in enumerate([world.a.village, world.a.other_village] * 3):
        home = factories.HouseholdFactory(village=village, members=3, working_age=2)
        for days_ago in (0, 2):
            visit = factories.VisitFactory(
                household=home,
                volunteer=volunteer,
                visited_at=timezone.now() - dt.timedelta(days=days_ago, hours=number),
            )
            HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=2)

    campaign_rollup_refresh(campaign=campaign)
    whole = _rows()
    assert whole, "the campaign has figures"
    CampaignVillageDay.objects.all().delete()
    CampaignServiceTally.objects.all().delete()

    monkeypatch.setattr(rollup, "VILLAGES_PER_TRANSACTION", 1)
    calls = []

    def recorded(**kwargs):
        calls.append(kwargs["village_codes"])
        campaign_rollup_refresh(**kwargs)  # atomic: one transaction per call

    monkeypatch.setattr(rollup, "campaign_rollup_refresh", recorded)
    assert tasks.nightly_rollup() == 1
    assert calls == [[world.a.village.code], [world.a.other_village.code]]
    assert _rows() == whole


def test_a_campaigns_first_reader_builds_it_a_few_villages_at_a_time(world, monkeypatch):
    """A new campaign's rollup is built on its first read in short transactions too, and only marked
    built once every village is in: a reader meanwhile never takes half a rollup for a whole one."""
    from campaigns.models import CampaignRollupState
    from campaigns.tally import campaign_tally

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch", province=world.a.province, starts_on=today - dt.timedelta(days=5), ends_on=today
    )
    home = factories.HouseholdFactory(village=world.a.other_village)
    factories.VisitFactory(household=home, volunteer=world.a.users[Role.VOLUNTEER], visited_at=timezone.now())
    monkeypatch.setattr(rollup, "VILLAGES_PER_TRANSACTION", 1)
    built_while_recounting = []

    def recorded(**kwargs):
        built_while_recounting.append(CampaignRollupState.objects.filter(campaign=campaign).exists())
        campaign_rollup_refresh(**kwargs)

    monkeypatch.setattr(rollup, "campaign_rollup_refresh", recorded)
    rows = campaign_tally(campaign=campaign, by="commune", scope=world.a.users[Role.PROVINCE_OFFICER].scope)
    villages = rollup.campaign_villages(campaign).count()
    assert built_while_recounting == [False] * villages and villages >= 2
    assert CampaignRollupState.objects.filter(campaign=campaign).exists()
    assert sum(row["households_reached"] for row in rows) == 1
