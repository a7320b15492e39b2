"""Answers where people land: the commune leader's home shows the four alerts and the lagging villages,
the province officer's home a commune table with a totals row; each figure is the one its own page shows."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from campaigns.tally import communes_by_pace
from core.models import Role, User
from core.scope import Scope
from tests.leaders.leader_world import build


@pytest.fixture
def lw(world):
    return build(world)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_commune_leaders_home_shows_what_the_commune_page_counts(lw):
    home = _client(lw.leader).get("/")
    assert home.status_code == 200
    overview = home.context["commune_overview"]
    page = _client(lw.leader).get("/communes/51001/").context
    assert overview["overdue"] == page["overdue_count"] == 1
    assert overview["due_soon"] == page["upcoming_count"] == 1
    assert overview["not_reached"] == page["never_visited_count"]
    assert overview["to_review"] == 1  # the very-far visit, held
    assert [row["code"] for row in overview["lagging"]] == [row["code"] for row in page["villages"]][:5]
    html = home.content.decode()
    assert 'data-figure="to_review">1<' in html and "/communes/51001/review/" in html


def test_the_province_officers_home_lists_communes_with_totals_and_silent_teams(lw):
    world = lw.world
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Chiến dịch tháng",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=20)
    # Team A's volunteer synced today; the team leader never did: the team is not silent.
    User.objects.filter(pk=world.a.users[Role.VOLUNTEER].pk).update(last_synced_at=timezone.now())

    home = _client(lw.officer).get("/")
    assert home.status_code == 200
    overview = home.context["province_overview"]
    rows = {row["code"]: row for row in overview["rows"] + overview["quiet"]}
    assert set(rows) == {"51001", "51002"}
    assert [row["code"] for row in overview["quiet"]] == ["51002"]  # no household, nothing to do
    assert rows["51001"]["overdue"] == 1 and rows["51001"]["to_review"] == 1
    assert rows["51001"]["silent_teams"] == 0
    pace = {row["key"]: row for row in communes_by_pace(campaign=campaign, scope=Scope.of(lw.officer))}
    assert rows["51001"]["campaign"]["households_reached"] == pace["51001"]["households_reached"]
    assert rows["51001"]["campaign"]["expected"] == pace["51001"]["expected"]
    totals = overview["totals"]
    assert totals["households_reached"] == sum(row["households_reached"] for row in rows.values())
    assert totals["overdue"] == 1 and totals["to_review"] == 1

    User.objects.filter(pk=world.a.users[Role.VOLUNTEER].pk).update(
        last_synced_at=timezone.now() - dt.timedelta(days=9)
    )
    again = _client(lw.officer).get("/").context["province_overview"]
    rows = {row["code"]: row for row in again["rows"] + again["quiet"]}
    assert rows["51001"]["silent_teams"] == 1
    assert "Nhà Thôn" not in _client(lw.officer).get("/").content.decode()  # no household names at province


def test_a_volunteers_home_has_no_overview(world):
    home = _client(world.a.users[Role.VOLUNTEER]).get("/")
    assert home.context["commune_overview"] is None and home.context["province_overview"] is None
