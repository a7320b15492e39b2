import json

import pytest

from core.models import Role
from tests import factories


def shows(html: str, text: str) -> bool:
    """Text as a person would see it: folium writes non-ASCII inside its JavaScript as \\u escapes."""
    return text in html or json.dumps(text)[1:-1] in html


@pytest.fixture
def browser_client(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_pages_need_a_login(client, world):
    response = client.get("/maps/province/51/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "province", "own_commune", "other_commune", "other_province_commune"),
    [
        (Role.VOLUNTEER, 200, 200, 404, 404),
        (Role.COMMUNE_LEADER, 200, 200, 404, 404),
        (Role.PROVINCE_OFFICER, 200, 200, 200, 404),
    ],
)
def test_map_pages_follow_the_scope(
    world, browser_client, role, province, own_commune, other_commune, other_province_commune
):
    client = browser_client(world.a.users[role])
    assert client.get("/maps/province/51/").status_code == province
    assert client.get("/maps/province/52/").status_code == 404
    assert client.get("/maps/commune/51001/").status_code == own_commune
    assert client.get("/maps/commune/51002/").status_code == other_commune
    assert client.get("/maps/commune/52001/").status_code == other_province_commune
    assert client.get("/maps/national/").status_code == 404


def test_admin_sees_every_page(world, browser_client):
    client = browser_client(world.admin)
    for url in ("/maps/province/52/", "/maps/commune/52001/", "/maps/national/"):
        assert client.get(url).status_code == 200


def test_household_layer_only_for_roles_that_may_see_households(world, browser_client):
    factories.HouseholdFactory(village=world.a.village, label="Nhà bà Tư")
    leader_page = (
        browser_client(world.a.users[Role.COMMUNE_LEADER]).get("/maps/commune/51001/").content.decode()
    )
    assert shows(leader_page, "Hộ gia đình") and shows(leader_page, "Nhà bà Tư")
    officer_page = (
        browser_client(world.a.users[Role.PROVINCE_OFFICER]).get("/maps/commune/51001/").content.decode()
    )
    assert not shows(officer_page, "Nhà bà Tư") and not shows(officer_page, "Hộ gia đình")


def test_pages_use_no_cdn_and_credit_the_boundaries(world, browser_client):
    html = browser_client(world.a.users[Role.COMMUNE_LEADER]).get("/maps/province/51/").content.decode()
    assert "https://" not in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "cdnjs" not in html and "d3.min.js" not in html  # the legend is ours now: no d3 at all
    assert "thanglequoc/vietnamese-provinces-database" in html
    assert shows(html, "Độ phủ")


def test_coverage_api_validates_and_scopes(world, client_for):
    client = client_for(world.a.users[Role.COMMUNE_LEADER])
    assert client.get("/api/v1/coverage/", {"level": "commune"}).json()["errors"].keys() == {"province"}
    assert "level" in client.get("/api/v1/coverage/", {"level": "tinh"}).json()["errors"]
    assert (
        "service"
        in client.get("/api/v1/coverage/", {"level": "commune", "province": "51", "service": "x"}).json()[
            "errors"
        ]
    )
    assert client.get("/api/v1/coverage/", {"level": "commune", "province": "52"}).status_code == 404
    assert client.get("/api/v1/coverage/", {"level": "village", "commune": "51002"}).status_code == 404
    assert (
        client.get("/api/v1/coverage/", {"level": "commune", "province": "51", "campaign": 999}).status_code
        == 404
    )
    body = client.get("/api/v1/coverage/", {"level": "commune", "province": "51"}).json()
    assert [f["properties"]["code"] for f in body["features"]] == ["51001"]


def test_a_village_handed_to_another_team_leaves_the_old_teams_map_at_once(
    world, browser_client, django_capture_on_commit_callbacks
):
    from core.services.assignments import village_assign_team

    factories.HouseholdFactory(village=world.a.village, label="Nhà bà Tư", lat=15.12, lon=108.8)
    volunteer = world.a.users[Role.VOLUNTEER]
    assert shows(browser_client(volunteer).get("/maps/commune/51001/").content.decode(), "Nhà bà Tư")
    newcomers = factories.TeamFactory(commune=world.a.commune, name="Tổ mới")
    with django_capture_on_commit_callbacks(execute=True):
        village_assign_team(village=world.a.village, team=newcomers)
    volunteer.refresh_from_db()
    assert not shows(browser_client(volunteer).get("/maps/commune/51001/").content.decode(), "Nhà bà Tư")
