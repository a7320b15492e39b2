"""Whatever a person sends to create a campaign is a clear 400 naming the field, never a 500 or a
campaign whose figures cannot be computed (dates at the ends of the calendar, endless campaigns,
numbers the database would wrap, two targets for one area)."""

import pytest
from django.core.management import call_command

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories
from tests.clock import TEST_NOW

# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = pytest.mark.time_machine(TEST_NOW)

GOOD = {
    "name": "Chiến dịch mới",
    "province": "51",
    "communes": ["51001"],
    "services": ["vneid_level2"],
    "starts_on": "2026-12-01",
    "ends_on": "2026-12-30",
    "targets": [{"commune": "51001", "households": 50, "people": 80}],
}


@pytest.fixture
def officer(world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return client_for(world.a.users[Role.PROVINCE_OFFICER])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"ends_on": "9999-12-31"}, "ends_on"),
        ({"starts_on": "2019-12-31"}, "starts_on"),
        ({"starts_on": "2026-01-01", "ends_on": "2027-06-30"}, "ends_on"),  # longer than a year
        ({"starts_on": "01/12/2026"}, "starts_on"),  # only ISO dates: dd/mm is never guessed
        ({"starts_on": "2026-02-30"}, "starts_on"),
        ({"targets": [{"commune": "51001", "households": 99_999_999_999}]}, "targets"),
        ({"targets": [{"commune": "51001", "households": -1}]}, "targets"),
        ({"targets": [{"commune": "51001", "people": 2**63}]}, "targets"),
        (
            {"targets": [{"commune": "51001", "households": 1}, {"commune": "51001", "households": 2}]},
            "targets[1].commune",
        ),
        (
            {"targets": [{"village": "51001-01", "households": 1}, {"village": "51001-01"}]},
            "targets[1].village",
        ),
        ({"targets": [{"commune": "51002", "households": 3}]}, "targets[0].commune"),  # not in the campaign
        (
            {"targets": [{"commune": "51001", "households": 5}, {"village": "51001-01", "households": 9}]},
            "targets[1].households",
        ),
        ({"province": "99", "communes": [], "targets": []}, "province"),
        ({"name": "x" * 201}, "name"),
        ({"name": ["a"]}, "name"),
        ({"communes": "51001"}, "communes"),
        ({"communes": [{"code": "51001"}]}, "communes"),
        ({"services": [None]}, "services"),
        ({"targets": {"commune": "51001"}}, "targets"),
        ({"targets": [{"commune": ["51001"], "households": 1}]}, "targets"),
    ],
)
def test_bad_campaigns_are_a_400_naming_the_field(officer, world, change, field):
    admin_client = officer if change.get("province") != "99" else None
    if admin_client is None:
        from tests.conftest import token_client

        admin_client = token_client(world.admin)
    response = admin_client.post("/api/v1/campaigns/", {**GOOD, **change}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(key == field or key.startswith(field) for key in errors), errors
    assert Campaign.objects.count() == 0 and CampaignTarget.objects.count() == 0


def test_a_good_campaign_is_stored_with_its_targets(officer, world):
    village = factories.VillageFactory(commune=world.a.commune, code="51001-09")
    body = {**GOOD, "targets": [*GOOD["targets"], {"village": village.code, "households": 20}]}
    response = officer.post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["targets"] == [
        {"commune": "51001", "village": None, "households": 50, "people": 80},
        {"commune": None, "village": "51001-09", "households": 20, "people": 0},
    ]
    # Its tally, exports and dashboard all answer.
    pk = response.json()["id"]
    for by in ("commune", "village", "team", "service", "day"):
        assert officer.get(f"/api/v1/campaigns/{pk}/tally/", {"by": by}).status_code == 200
    for kind in ("csv", "xlsx", "geojson"):
        assert officer.get(f"/api/v1/campaigns/{pk}/export/", {"format": kind}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2026-13-01"},
        {"campaign": str(2**70)},
        {"campaign": "-1"},
    ],
)
def test_coverage_filters_out_of_range_are_a_400(officer, params):
    response = officer.get("/api/v1/coverage/", {"level": "commune", "province": "51", **params})
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) & set(params)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        ("0001-01-01", "2026-12-01", "starts_on"),
        ("2026-01-01", "9999-12-31", "ends_on"),
        ("2026-01-01", "2027-06-01", "ends_on"),
    ],
)
def test_the_admins_campaign_form_keeps_the_same_limits(world, client, starts_on, ends_on, field):
    superuser = factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        "/admin/campaigns/campaign/add/",
        {
            "name": "Sai ngày",
            "province": "51",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "targets-TOTAL_FORMS": "1",
            "targets-INITIAL_FORMS": "0",
            "targets-0-commune": "51001",
            "targets-0-households": "99999999999",
            "targets-0-people": "0",
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    assert field in response.context["adminform"].form.errors
    assert Campaign.objects.count() == 0
