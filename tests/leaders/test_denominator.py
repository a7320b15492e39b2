"""One denominator with its reason: the village page says "Đã gặp 1 / 6 hộ (4 hộ chưa đăng ký)", the commune
page's ranking has the same numbers, and the village page follows the date filter."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from core.models import Role
from core.scope import Scope
from leaders.dashboard import LeaderFilter, village_ranking
from tests import factories


def test_village_and_commune_pages_agree_and_say_why(world):
    village = world.a.village
    village.declared_households = 6
    village.save()
    homes = [factories.HouseholdFactory(village=village) for _i in range(2)]
    factories.VisitFactory(household=homes[0], visited_at=timezone.now() - dt.timedelta(days=5))
    factories.VisitFactory(
        household=homes[1], outcome="not_home", visited_at=timezone.now() - dt.timedelta(hours=2)
    )
    leader = world.a.users[Role.COMMUNE_LEADER]
    client = Client()
    client.force_login(leader)

    page = client.get(f"/villages/{village.code}/").content.decode()
    assert "Đã gặp 1 / 6 hộ (4 hộ chưa đăng ký)" in page
    assert "1 hộ đã đến chưa gặp" in page
    (row,) = [
        r
        for r in village_ranking(scope=Scope.of(leader), commune=world.a.commune.code, filters=LeaderFilter())
        if r["code"] == village.code
    ]
    assert (row["households_reached"], row["households_tried"], row["households"]) == (1, 1, 6)

    since = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    filtered = client.get(f"/villages/{village.code}/", {"date_from": since}).content.decode()
    assert "Đã gặp 0 / 6 hộ (4 hộ chưa đăng ký)" in filtered
