"""Permission matrix: every endpoint × every role × in scope / out of scope.

Each row names an endpoint and, per role, what the caller may see on side A (their own) and on side B
(another province). Out of scope is 404 for single objects and an absent row for lists.
Later endpoints add rows here so the matrix stays whole.
"""

import pytest

from core.models import Role

ROLES = [Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER, Role.ADMIN]


def _user(world, role):
    return world.admin if role == Role.ADMIN else world.a.users[role]


# endpoint → (url, function(world, role) -> (expected codes on side A, forbidden codes on side B), key)
def _communes(world, role):
    see = {
        Role.VOLUNTEER: {"51001"},
        Role.TEAM_LEADER: {"51001"},
        Role.COMMUNE_LEADER: {"51001"},
        Role.PROVINCE_OFFICER: {"51001", "51002"},
        Role.ADMIN: {"51001", "51002", "52001", "52002"},
    }[role]
    return see


def _villages(world, role):
    return {
        Role.VOLUNTEER: {"51001-01"},
        Role.TEAM_LEADER: {"51001-01"},
        Role.COMMUNE_LEADER: {"51001-01", "51001-02"},
        Role.PROVINCE_OFFICER: {"51001-01", "51001-02"},
        Role.ADMIN: {"51001-01", "51001-02", "52001-01", "52001-02"},
    }[role]


LIST_ENDPOINTS = [
    ("/api/v1/areas/communes/", "code", _communes),
    ("/api/v1/areas/villages/", "code", _villages),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "key", "expected"), LIST_ENDPOINTS)
def test_list_endpoints_show_exactly_the_scope(world, client_for, role, url, key, expected):
    response = client_for(_user(world, role)).get(url)
    assert response.status_code == 200
    assert {row[key] for row in response.json()} == expected(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_filtering_outside_scope_finds_nothing(world, client_for, role):
    client = client_for(_user(world, role))
    communes = client.get("/api/v1/areas/communes/?province=52").json()
    villages = client.get("/api/v1/areas/villages/?commune=52001").json()
    if role == Role.ADMIN:
        assert communes and villages
    else:
        assert communes == [] and villages == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/services/"])
def test_open_to_every_role(world, client_for, role, url):
    assert client_for(_user(world, role)).get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/v1/me/", "/api/v1/services/", "/api/v1/areas/communes/", "/api/v1/areas/villages/"]
)
def test_anonymous_is_401(api_client, db, url):
    assert api_client.get(url).status_code == 401


# --- sync ------------------------------------------------------------------------------------------


@pytest.fixture
def households_both_sides(world):
    from tests import factories

    return {
        "team": factories.HouseholdFactory(village=world.a.village),
        "commune": factories.HouseholdFactory(village=world.a.other_village),
        "other_province": factories.HouseholdFactory(village=world.b.village),
    }


@pytest.mark.parametrize("role", ROLES)
def test_pull_returns_exactly_the_scope(world, client_for, households_both_sides, role):
    # Pull is for phones: a province officer or an admin would get every household as one dump.
    visible = {
        Role.VOLUNTEER: {"team"},
        Role.TEAM_LEADER: {"team"},
        Role.COMMUNE_LEADER: {"team", "commune"},
    }.get(role)
    response = client_for(_user(world, role)).get("/api/v1/sync/pull/")
    if visible is None:
        assert response.status_code == 403
        assert set(response.json()) == {"detail", "errors"} and "households" not in response.json()
        return
    body = response.json()
    assert {h["id"] for h in body["households"]} == {str(households_both_sides[k].id) for k in visible}


@pytest.mark.parametrize("role", ROLES)
def test_push_to_an_out_of_scope_household_is_rejected(world, client_for, households_both_sides, role):
    import uuid

    from django.utils import timezone

    target = households_both_sides["other_province"]
    body = {
        "visits": [
            {
                "id": str(uuid.uuid4()),
                "household": str(target.id),
                "visited_at": timezone.localtime().isoformat(),
                "outcome": "not_home",
                "accuracy_m": 5,
                "lat": 15.1,
                "lon": 108.8,
            }
        ]
    }
    response = client_for(_user(world, role)).post("/api/v1/sync/push/", body, format="json")
    if role in (Role.PROVINCE_OFFICER, Role.ADMIN):
        assert response.status_code == 403
    else:
        assert response.json()["results"][0]["status"] == "rejected"
    assert not target.visits.exists()


@pytest.mark.parametrize("url", ["/api/v1/sync/pull/"])
def test_anonymous_sync_is_401(api_client, db, url):
    assert api_client.get(url).status_code == 401
    assert api_client.post("/api/v1/sync/push/", {}, format="json").status_code == 401


# --- coverage and maps -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_coverage_api_in_and_out_of_scope(world, client_for, role):
    client = client_for(_user(world, role))
    own = client.get("/api/v1/coverage/", {"level": "commune", "province": "51"})
    other = client.get("/api/v1/coverage/", {"level": "commune", "province": "52"})
    village_other = client.get("/api/v1/coverage/", {"level": "village", "commune": "52001"})
    assert own.status_code == 200
    expected = _communes(world, role) & {"51001", "51002"}
    assert {f["properties"]["code"] for f in own.json()["features"]} == expected
    assert (other.status_code, village_other.status_code) == (
        (200, 200) if role == Role.ADMIN else (404, 404)
    )


@pytest.mark.parametrize("role", ROLES)
def test_map_pages_in_and_out_of_scope(world, client, role):
    client.force_login(_user(world, role))
    assert client.get("/maps/commune/51001/").status_code == 200
    assert client.get("/maps/commune/52001/").status_code == (200 if role == Role.ADMIN else 404)
    assert client.get("/maps/national/").status_code == (200 if role == Role.ADMIN else 404)


# --- campaigns -------------------------------------------------------------------------------------


@pytest.fixture
def campaigns(world):
    import datetime as dt

    from campaigns.models import Campaign

    today = dt.date.today()
    return {
        "a": Campaign.objects.create(name="A", province=world.a.province, starts_on=today, ends_on=today),
        "b": Campaign.objects.create(name="B", province=world.b.province, starts_on=today, ends_on=today),
    }


@pytest.mark.parametrize("role", ROLES)
def test_campaign_endpoints_in_and_out_of_scope(world, client_for, campaigns, role):
    client = client_for(_user(world, role))
    listed = {c["name"] for c in client.get("/api/v1/campaigns/").json()}
    assert listed == ({"A", "B"} if role == Role.ADMIN else {"A"})
    for suffix in ("", "tally/", "export/?format=csv"):
        assert client.get(f"/api/v1/campaigns/{campaigns['a'].pk}/{suffix}").status_code == 200
        expected = 200 if role == Role.ADMIN else 404
        assert client.get(f"/api/v1/campaigns/{campaigns['b'].pk}/{suffix}").status_code == expected
