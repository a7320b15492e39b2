"""The IOC feed: keys issued in the admin (shown once, stored hashed), scoped to a province, revocable,
never a person's token and never usable elsewhere; aggregates only, as JSON and GeoJSON; throttled;
at a cost that does not grow with the communes or campaigns."""

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignTarget
from core.models import HelpItem, Role
from ioc.models import FeedKey
from ioc.services import feed_key_issue, feed_key_revoke
from tests import factories
from tests.conftest import token_client

NAME, PHONE = "Nguyễn Thị Riêng Tư", "0905999888"


def feed_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def running(world):
    """A campaign in province A, ten days in of thirty, with visits in one commune; one in province B."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=9),
        ends_on=today + dt.timedelta(days=20),
    )
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=30)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.other_commune, households=60)
    volunteer = world.a.users[Role.VOLUNTEER]
    for _index in range(4):
        home = factories.HouseholdFactory(village=world.a.village, head_name=NAME, phone=PHONE)
        visit = factories.VisitFactory(household=home, volunteer=volunteer, visited_at=timezone.now())
        HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=2)
    other = Campaign.objects.create(
        name="Tỉnh B", province=world.b.province, starts_on=today, ends_on=today + dt.timedelta(days=5)
    )
    world.a.commune.geometry_simplified = {
        "type": "Polygon",
        "coordinates": [[[108.0, 15.0], [108.1, 15.0], [108.1, 15.1], [108.0, 15.0]]],
    }
    world.a.commune.save()
    return campaign, other


@pytest.fixture
def key_a(world):
    return feed_key_issue(name="IOC Quảng Ngãi", province=world.a.province, user=world.admin)


def test_a_key_is_stored_only_as_a_hash(key_a):
    feed_key, key = key_a
    row = FeedKey.objects.get(pk=feed_key.pk)
    assert key.startswith(f"ioc_{row.prefix}.") and len(key) > 40
    assert row.hashed_key == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(FeedKey.objects.values().get())


def test_campaign_progress_per_commune_against_the_pace_line(running, key_a):
    campaign, _other = running
    _feed_key, key = key_a
    response = feed_client(key).get(f"/api/v1/ioc/campaigns/{campaign.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["elapsed_share"] == pytest.approx(10 / 30, abs=1e-3)
    rows = {row["code"]: row for row in body["communes_progress"]}
    assert rows["51001"]["households_reached"] == 4 and rows["51001"]["target"] == 30
    assert rows["51001"]["expected"] == 10 and rows["51001"]["pace"] == pytest.approx(0.4)
    assert rows["51002"]["households_reached"] == 0 and rows["51002"]["expected"] == 20
    # Furthest behind the pace line first.
    assert [row["code"] for row in body["communes_progress"]] == ["51002", "51001"]
    assert body["totals"]["households_reached"] == 4 and body["totals"]["target"] == 90
    assert body["totals"]["people_helped"] == 8
    assert NAME not in response.content.decode() and PHONE not in response.content.decode()


def test_campaign_geojson_has_commune_boundaries(running, key_a):
    campaign, _other = running
    response = feed_client(key_a[1]).get(f"/api/v1/ioc/campaigns/{campaign.pk}/geojson/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    features = {feature["id"]: feature for feature in body["features"]}
    assert features["51001"]["geometry"]["type"] == "Polygon"
    assert features["51002"]["geometry"] is None  # no boundary loaded: still listed
    assert features["51001"]["properties"]["households_reached"] == 4
    assert NAME not in response.content.decode()


def test_coverage_per_commune_json_and_geojson(running, key_a, world):
    client = feed_client(key_a[1])
    rows = {row["code"]: row for row in client.get("/api/v1/ioc/coverage/").json()}
    assert set(rows) == {"51001", "51002"}  # the key's province only
    assert rows["51001"]["households_reached"] == 4 and rows["51001"]["households"] >= 4
    assert set(rows["51001"]) == {
        "code",
        "name",
        "households",
        "households_reached",
        "households_tried",
        "coverage",
        "people_helped",
        "services_done",
    }
    geo = client.get("/api/v1/ioc/coverage/geojson/")
    assert geo["Content-Type"].startswith("application/geo+json")
    assert {f["id"] for f in geo.json()["features"]} == {"51001", "51002"}


def test_the_campaign_list_is_the_keys_province_only(running, key_a):
    campaign, other = running
    body = feed_client(key_a[1]).get("/api/v1/ioc/campaigns/").json()
    assert [c["id"] for c in body] == [campaign.pk]


def test_another_provinces_campaign_is_a_404(running, key_a):
    _campaign, other = running
    client = feed_client(key_a[1])
    assert client.get(f"/api/v1/ioc/campaigns/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/ioc/campaigns/{other.pk}/geojson/").status_code == 404
    assert client.get("/api/v1/ioc/campaigns/999999/").status_code == 404


def test_a_revoked_key_stops_at_once(running, key_a):
    feed_key, key = key_a
    client = feed_client(key)
    assert client.get("/api/v1/ioc/coverage/").status_code == 200
    feed_key_revoke(feed_key=feed_key)
    response = client.get("/api/v1/ioc/coverage/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Api-Key ",
        "Api-Key ioc_000000000000.wrong",
        "Api-Key not-a-key",
        "Api-Key a b",
        "Bearer something",
    ],
)
def test_no_key_or_a_wrong_key_is_a_401(running, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/ioc/coverage/").status_code == 401


def test_a_tampered_key_is_a_401(running, key_a):
    _feed_key, key = key_a
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert feed_client(tampered).get("/api/v1/ioc/coverage/").status_code == 401


@pytest.mark.parametrize("role", list(Role))
def test_a_persons_token_or_session_never_opens_the_feed(running, world, client, role):
    user = world.a.users.get(role) or world.admin
    assert token_client(user).get("/api/v1/ioc/coverage/").status_code in (401, 403)
    client.force_login(user)
    assert client.get("/api/v1/ioc/coverage/").status_code in (401, 403)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",
        "/api/v1/campaigns/",
        "/api/v1/coverage/?level=commune&province=51",
        "/api/v1/sync/pull/",
    ],
)
def test_a_feed_key_opens_nothing_else(running, key_a, path):
    assert feed_client(key_a[1]).get(path).status_code == 401


def test_the_feed_is_read_only(running, key_a):
    campaign, _other = running
    client = feed_client(key_a[1])
    assert client.post("/api/v1/ioc/campaigns/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/ioc/campaigns/{campaign.pk}/").status_code == 405


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "60/min", "ioc_feed": "3/min"},
    }
)
def test_the_feed_is_throttled_per_key(running, world, key_a, monkeypatch):
    from rest_framework.settings import api_settings

    from ioc.authentication import FeedKeyThrottle

    monkeypatch.setattr(FeedKeyThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
    client = feed_client(key_a[1])
    answers = [client.get("/api/v1/ioc/campaigns/").status_code for _i in range(4)]
    assert answers == [200, 200, 200, 429]
    _other_key, other = feed_key_issue(name="Khóa thứ hai", province=world.a.province, user=None)
    assert feed_client(other).get("/api/v1/ioc/campaigns/").status_code == 200


def test_the_feed_costs_no_query_per_commune_or_campaign(
    running, key_a, world, django_assert_max_num_queries
):
    campaign, _other = running
    client = feed_client(key_a[1])
    paths = [
        "/api/v1/ioc/campaigns/",
        f"/api/v1/ioc/campaigns/{campaign.pk}/",
        f"/api/v1/ioc/campaigns/{campaign.pk}/geojson/",
        "/api/v1/ioc/coverage/",
        "/api/v1/ioc/coverage/geojson/",
    ]
    for path in paths:
        client.get(path)  # rollups built once
    counts = {}
    for path in paths:
        with django_assert_max_num_queries(40) as queries:
            assert client.get(path).status_code == 200
        counts[path] = len(queries.captured_queries)
    for index in range(3, 23):
        commune = factories.CommuneFactory(code=f"51{index:03d}", province=world.a.province)
        factories.VillageFactory(commune=commune, code=f"{commune.code}-01")
        CampaignTarget.objects.create(campaign=campaign, commune=commune, households=10)
        Campaign.objects.create(
            name=f"Thêm {index}",
            province=world.a.province,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        )
    for path in paths:
        client.get(path)
        with django_assert_max_num_queries(counts[path]):
            assert client.get(path).status_code == 200


def test_the_admin_shows_a_new_key_once_and_revokes_keys(world, client):
    superuser = factories.UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post("/admin/ioc/feedkey/add/", {"name": "IOC tỉnh A", "province": "51"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    feed_key = FeedKey.objects.get()
    assert key in response.content.decode() and feed_key.created_by == superuser
    assert feed_key.province_id == "51" and feed_key.hashed_key == hashlib.sha256(key.encode()).hexdigest()
    # Never again: not on its page, not in the list.
    assert key not in client.get(f"/admin/ioc/feedkey/{feed_key.pk}/change/").content.decode()
    assert key not in client.get("/admin/ioc/feedkey/").content.decode()
    assert not response.cookies.get("messages")
    assert feed_client(key).get("/api/v1/ioc/campaigns/").status_code == 200

    response = client.post(
        "/admin/ioc/feedkey/", {"action": "revoke", "_selected_action": [feed_key.pk]}, follow=True
    )
    assert response.status_code == 200
    assert FeedKey.objects.get().revoked_at is not None
    assert feed_client(key).get("/api/v1/ioc/campaigns/").status_code == 401


def test_only_national_admins_reach_the_keys(world, client):
    officer = world.a.users[Role.PROVINCE_OFFICER]
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    assert client.get("/admin/ioc/feedkey/add/").status_code == 302  # to the admin login


def test_the_schema_documents_the_feed_with_its_own_security_scheme(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["iocFeedKey"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    feed = {path: item for path, item in schema["paths"].items() if path.startswith("/api/v1/ioc/")}
    assert set(feed) == {
        "/api/v1/ioc/campaigns/",
        "/api/v1/ioc/campaigns/{id}/",
        "/api/v1/ioc/campaigns/{id}/geojson/",
        "/api/v1/ioc/coverage/",
        "/api/v1/ioc/coverage/geojson/",
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            uses_key = {"iocFeedKey": []} in operation.get("security", [])
            assert uses_key == path.startswith("/api/v1/ioc/"), (path, method)
            if uses_key:
                assert method == "get" and operation["security"] == [{"iocFeedKey": []}]
                assert {"200", "401", "429"} <= set(operation["responses"])
    assert (
        "application/geo+json" in feed["/api/v1/ioc/coverage/geojson/"]["get"]["responses"]["200"]["content"]
    )
