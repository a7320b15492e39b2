"""Two refreshes of one campaign's rollup at once (two pushes, or one message delivered twice) count every
visit once: the second waits for the first and then reads what it wrote."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from campaigns.models import Campaign, CampaignVillageDay
from campaigns.rollup import campaign_rollup_refresh
from core.models import Role
from tests import factories
from tests.real_services import TableLock, wait_for


def _running_campaign(world) -> Campaign:
    today = timezone.localdate()
    return Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_count_each_visit_once(world):
    campaign = _running_campaign(world)
    for days_ago in range(3):
        home = factories.HouseholdFactory(village=world.a.village)
        factories.VisitFactory(
            household=home,
            volunteer=world.a.users[Role.VOLUNTEER],
            visited_at=timezone.now() - dt.timedelta(days=days_ago, hours=1),
        )
    # Both refreshes start while a long transaction holds the rollup table.
    lock = TableLock(CampaignVillageDay._meta.db_table)

    def refresh():
        try:
            campaign_rollup_refresh(campaign=campaign)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _i in range(2)]
    try:
        for thread in threads:
            thread.start()
        assert wait_for(lambda: TableLock.waiting_in_database() >= 2)
    finally:
        lock.release()
    for thread in threads:
        thread.join()
    rows = CampaignVillageDay.objects.filter(campaign=campaign)
    assert rows.count() == 3
    assert sum(row.visits for row in rows) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_push_during_a_recount_of_its_village_is_counted_once(world):
    """The push adds its visits to the campaign's rollup in its own transaction; a recount of the same
    village (nightly, or after households moved) runs at that moment. The push waits for the recount's
    village lock, then adds its visits on top of what the recount wrote: nothing lost, nothing twice."""
    from django.core.management import call_command

    from field_api.push import sync_push
    from tests.field_api.sync_helpers import household, visit

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    campaign = _running_campaign(world)
    volunteer = world.a.users[Role.VOLUNTEER]
    first = [household(world.a.village.code) for _i in range(3)]
    sync_push(user=volunteer, payload={"households": first, "visits": [visit(h["id"]) for h in first]})
    later = [household(world.a.village.code) for _i in range(2)]
    # The recount has read the village's visits and waits to rewrite its rows.
    lock = TableLock(CampaignVillageDay._meta.db_table)
    results = {}

    def run(name, work):
        try:
            results[name] = work()
        finally:
            connection.close()

    recount = threading.Thread(
        target=run,
        args=(
            "recount",
            lambda: campaign_rollup_refresh(campaign=campaign, village_codes=[world.a.village.code]),
        ),
    )
    push = threading.Thread(
        target=run,
        args=(
            "push",
            lambda: sync_push(
                user=volunteer, payload={"households": later, "visits": [visit(h["id"]) for h in later]}
            ),
        ),
    )
    try:
        recount.start()
        assert wait_for(lambda: TableLock.waiting_in_database() >= 1)
        push.start()
        assert wait_for(lambda: TableLock.waiting_in_database() >= 2), "the push did not wait for the recount"
    finally:
        lock.release()
    recount.join()
    push.join()
    assert {r["status"] for r in results["push"]["results"]} == {"created"}
    kept = sorted(
        CampaignVillageDay.objects.values_list("village_id", "team_id", "day", "visits", "households_reached")
    )
    assert sum(row[3] for row in kept) == 5 and sum(row[4] for row in kept) == 5
    campaign_rollup_refresh(campaign=campaign)
    assert kept == sorted(
        CampaignVillageDay.objects.values_list("village_id", "team_id", "day", "visits", "households_reached")
    )
