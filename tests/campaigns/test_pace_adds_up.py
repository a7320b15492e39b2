"""Expected-pace figures add up across breakdowns: the headline is the communes' sum, a commune's row its
villages' sum (before, each row rounded on its own: 743 headline against communes summing to 768)."""

import datetime as dt

from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from campaigns.models import Campaign, CampaignTarget
from campaigns.tally import apportion, communes_by_pace, elapsed_share, expected_reached, with_pace
from core.models import Role
from core.scope import Scope
from tests import factories


@given(total=st.integers(0, 10_000), weights=st.lists(st.integers(0, 5_000), max_size=40))
def test_apportion_adds_up_and_follows_the_weights(total, weights):
    shares = apportion(total, weights)
    assert len(shares) == len(weights)
    if sum(weights):
        assert sum(shares) == total
        for share, weight in zip(shares, weights, strict=True):
            assert abs(share - total * weight / sum(weights)) < 1
    else:
        assert shares == [0] * len(weights)


@given(targets=st.lists(st.integers(1, 999), min_size=1, max_size=30), share=st.floats(0, 1))
def test_rows_add_up_to_the_headline(targets, share):
    rows = with_pace([{"target": t, "households_reached": 0} for t in targets], share=share)
    assert sum(row["expected"] for row in rows) == expected_reached(target=sum(targets), share=share)


def test_the_dashboard_the_communes_and_the_villages_agree(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Pace",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=4),
    )
    # 7 days, 3 begun: 3/7 of 11 is 4.71 and of 13 is 5.57: rounded apart, 5 + 6 = 11 ≠ round(24 × 3/7) = 10.
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=11)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.other_commune, households=13)
    factories.VillageFactory(
        commune=world.a.other_commune, code=f"{world.a.other_commune.code}-01", name="Thôn X"
    )
    scope = Scope.of(world.a.users[Role.PROVINCE_OFFICER])
    share = elapsed_share(campaign=campaign)
    communes = communes_by_pace(campaign=campaign, scope=scope)
    headline = expected_reached(target=24, share=share)
    assert sum(row["expected"] for row in communes) == headline == 10

    client = Client()
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    page = client.get(f"/campaigns/{campaign.pk}/communes/{world.a.commune.code}/")
    assert page.status_code == 200
    (commune_row,) = [row for row in communes if row["key"] == world.a.commune.code]
    villages = page.context["villages"]
    assert sum(row["expected"] for row in villages) == commune_row["expected"]
