"""The campaign list (page and API) with campaigns in it, for every role that may see campaigns, at a
cost that does not grow with the number of campaigns; and the admin reads typed dates day first."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories
from tests.clock import TEST_NOW

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)


@pytest.fixture(autouse=True)
def _vietnamese_after():
    # A request in English leaves English active in this thread: later tests expect Vietnamese.
    yield
    translation.activate("vi")


def _campaigns(world, count: int) -> list[Campaign]:
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    made = []
    for index in range(count):
        campaign = Campaign.objects.create(
            name=f"Chiến dịch {index} <b>",
            province=world.a.province,
            starts_on=dt.date(2026, 11, 5),
            ends_on=dt.date(2026, 12, 4),
        )
        campaign.communes.set([world.a.commune, world.a.other_commune])
        campaign.services.set(["vneid_level2", "online_safety"])
        CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=30)
        CampaignTarget.objects.create(campaign=campaign, village=world.a.village, households=10)
        made.append(campaign)
    return made


@pytest.mark.parametrize("role", [Role.PROVINCE_OFFICER, Role.COMMUNE_LEADER, Role.TEAM_LEADER, Role.ADMIN])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_campaign_list_page_lists_campaigns(world, client, role, language):
    _campaigns(world, 2)
    other = Campaign.objects.create(
        name="Tỉnh khác",
        province=world.b.province,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 2),
    )
    client.force_login(world.admin if role == Role.ADMIN else world.a.users[role])
    client.cookies["django_language"] = language
    response = client.get("/campaigns/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chiến dịch 0 &lt;b&gt;" in page and "Chiến dịch 1 &lt;b&gt;" in page
    assert "05/11/2026" in page
    assert (other.name in page) == (role == Role.ADMIN)


def test_the_campaign_list_page_costs_no_query_per_campaign(world, client, django_assert_max_num_queries):
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    _campaigns(world, 1)
    with django_assert_max_num_queries(12) as one:
        assert client.get("/campaigns/").status_code == 200
    first = len(one.captured_queries)  # a request clears the connection's query log: count now
    _campaigns(world, 19)
    with django_assert_max_num_queries(first):
        response = client.get("/campaigns/")
    assert response.content.decode().count("/campaigns/") >= 20


def test_the_campaign_list_api_costs_no_query_per_campaign(world, client_for, django_assert_max_num_queries):
    officer = client_for(world.a.users[Role.PROVINCE_OFFICER])
    _campaigns(world, 1)
    with django_assert_max_num_queries(12) as one:
        assert len(officer.get("/api/v1/campaigns/").json()) == 1
    _campaigns(world, 19)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = officer.get("/api/v1/campaigns/").json()
    assert len(body) == 20 and all(len(c["targets"]) == 2 for c in body)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [("05/11/2026", "04/12/2026"), ("2026-11-05", "2026-12-04"), ("5/11/2026", "4/12/2026")],
)
def test_the_admin_reads_typed_dates_day_first(world, client, language, starts_on, ends_on):
    superuser = factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.cookies["django_language"] = language
    response = client.post(
        "/admin/campaigns/campaign/add/",
        {
            "name": "Ngày theo kiểu Việt Nam",
            "province": "51",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get()
    assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 11, 5), dt.date(2026, 12, 4))
    # The change form shows the date back as it was typed, day first.
    page = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    assert 'value="05/11/2026"' in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_admin_refuses_a_month_first_date_it_cannot_read(world, client, language):
    superuser = factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    client.cookies["django_language"] = language
    response = client.post(
        "/admin/campaigns/campaign/add/",
        {
            "name": "Tháng trước ngày",
            "province": "51",
            "starts_on": "11/25/2026",  # 25th month: never silently swapped
            "ends_on": "12/04/2026",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "starts_on" in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()
