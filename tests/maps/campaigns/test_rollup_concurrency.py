"""Two refreshes of one campaign's rollup at once (two pushes, or one message delivered twice) count every
visit once: the second waits for the first and then reads what it wrote."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from field_api.models import Role
from maps.campaigns.models import Campaign, CampaignVillageDay
from maps.campaigns.rollup import campaign_rollup_refresh
from tests import factories
from tests.real_services import TableLock, wait_for


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_count_each_visit_once(world):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )
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
