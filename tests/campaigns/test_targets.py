"""Targets combine one way (campaigns/targets.py), so every breakdown agrees with the others.

The oracle is the rule written out by hand for a small province: a commune target shared among the
villages without their own target in proportion to households, the rest kept as "unassigned".
"""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns import tally
from campaigns.models import Campaign, CampaignTarget
from core.models import HelpItem, Role
from core.scope import Kind, Scope
from tests import factories

NATIONAL = Scope(Kind.NATIONAL)
COUNTED = ("households_reached", "visits", "flagged_visits", "people_helped", "services_done", "target")


@pytest.fixture
def province(world):
    """Commune A: three villages (two teams, one village without a team); commune A2: one village."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    a = world.a
    second_team = factories.TeamFactory(commune=a.commune, name="Tổ 2")
    third = factories.VillageFactory(commune=a.commune, code=f"{a.commune.code}-03", team=second_team)
    far = factories.VillageFactory(commune=a.other_commune, code=f"{a.other_commune.code}-01")
    rng = random.Random(7)
    now = timezone.now()
    sizes = {a.village: 6, a.other_village: 3, third: 1, far: 4}
    for village, count in sizes.items():
        for _index in range(count):
            home = factories.HouseholdFactory(village=village)
            for _visit in range(rng.randint(0, 2)):
                visit = factories.VisitFactory(
                    household=home,
                    volunteer=a.users[Role.VOLUNTEER],
                    visited_at=now - dt.timedelta(days=rng.randint(0, 5), hours=1),
                    is_flagged=rng.random() < 0.2,
                )
                HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=2)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Đo đếm",
        province=a.province,
        starts_on=today - dt.timedelta(days=9),
        ends_on=today + dt.timedelta(days=5),
    )
    return campaign, {"third": third, "far": far}


def _totals(rows, keys=COUNTED):
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def _agree(campaign, scope):
    totals = tally.campaign_totals(campaign=campaign, scope=scope)
    expected = {key: totals[key] for key in COUNTED}
    for by in ("commune", "village", "team"):
        rows = tally.campaign_tally(campaign=campaign, by=by, scope=scope)
        assert _totals(rows) == expected, by
    days = tally.campaign_tally(campaign=campaign, by="day", scope=scope)
    assert _totals(days, COUNTED[:-1]) == {key: expected[key] for key in COUNTED[:-1]}
    assert {row["target"] for row in days} == {expected["target"]}
    return totals


def test_without_targets_every_breakdown_adds_up(province, world):
    campaign, _villages = province
    for scope in (NATIONAL, world.a.users[Role.COMMUNE_LEADER].scope, world.a.users[Role.VOLUNTEER].scope):
        _agree(campaign, scope)


def test_commune_target_is_shared_by_households_and_village_targets_are_kept(province, world):
    campaign, villages = province
    a = world.a
    CampaignTarget.objects.create(campaign=campaign, commune=a.commune, households=50, people=100)
    CampaignTarget.objects.create(campaign=campaign, village=villages["third"], households=10, people=5)
    villages_rows = {
        r["key"]: r for r in tally.campaign_tally(campaign=campaign, by="village", scope=NATIONAL)
    }
    # 50 - 10 = 40 shared 6:3 between the two villages without their own target.
    assert (villages_rows[a.village.code]["target"], villages_rows[a.other_village.code]["target"]) == (
        27,
        13,
    )
    assert villages_rows[villages["third"].code]["target"] == 10
    communes = {r["key"]: r for r in tally.campaign_tally(campaign=campaign, by="commune", scope=NATIONAL)}
    assert communes[a.commune.code]["target"] == 50
    assert communes[a.other_commune.code]["target"] == 4  # no target: its households
    totals = _agree(campaign, NATIONAL)
    assert totals["target"] == 54 and totals["target_people"] == 100

    # A volunteer's tally divides their team's households by their team's share, not the commune's.
    volunteer = a.users[Role.VOLUNTEER].scope
    mine = _agree(campaign, volunteer)
    assert mine["target"] == 27
    assert [r["key"] for r in tally.campaign_tally(campaign=campaign, by="commune", scope=volunteer)] == [
        a.commune.code
    ]


def test_a_commune_target_no_village_can_take_stays_with_the_commune(province, world):
    campaign, villages = province
    a = world.a
    CampaignTarget.objects.create(campaign=campaign, commune=a.other_commune, households=30)
    CampaignTarget.objects.create(campaign=campaign, village=villages["far"], households=12)
    rows = {r["key"]: r for r in tally.campaign_tally(campaign=campaign, by="village", scope=NATIONAL)}
    assert rows[villages["far"].code]["target"] == 12
    assert rows[f"{a.other_commune.code}/unassigned"]["target"] == 18
    totals = _agree(campaign, NATIONAL)
    commune = {r["key"]: r for r in tally.campaign_tally(campaign=campaign, by="commune", scope=NATIONAL)}
    assert commune[a.other_commune.code]["target"] == 30
    assert totals["target"] == 30 + sum(r["target"] for k, r in commune.items() if k != a.other_commune.code)
    # The commune leader of the other commune is not in these people's scope: a team never sees it.
    assert "unassigned" not in str(
        tally.campaign_tally(campaign=campaign, by="village", scope=a.users[Role.VOLUNTEER].scope)
    )


def test_service_rows_carry_visits_and_the_campaigns_totals(province, world, client_for):
    campaign, _villages = province
    body = client_for(world.a.users[Role.PROVINCE_OFFICER]).get(
        f"/api/v1/campaigns/{campaign.pk}/tally/", {"by": "service"}
    )
    assert body.status_code == 200
    data = body.json()
    (row,) = data["rows"]
    assert row["key"] == "vneid_level2" and row["visits"] == data["totals"]["visits"] > 0
    by_commune = client_for(world.a.users[Role.PROVINCE_OFFICER]).get(
        f"/api/v1/campaigns/{campaign.pk}/tally/", {"by": "commune"}
    )
    assert data["totals"] == by_commune.json()["totals"]
