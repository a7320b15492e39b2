"""Stored text reaches the IOC feed as data: a hostile campaign name typed by a province officer (through
the campaign API, so through the input rule) and a commune name as an import would store it come back
literally in every feed answer, never evaluated, never a 5xx."""

import pytest
from hypothesis import given

from backend.text import clean_text
from campaigns.models import Campaign
from core.models import Role
from tests.conftest import token_client
from tests.ioc.test_feed import feed_client, running  # noqa: F401 - the campaign the feed shows
from tests.test_hostile_text import CHECK, HOSTILE


@pytest.fixture
def key(world):
    from ioc.services import feed_key_issue

    return feed_key_issue(name="IOC", province=world.a.province, user=world.admin)[1]


@CHECK
@given(text=HOSTILE)
def test_hostile_names_come_back_literally_from_every_feed_answer(running, key, world, text):  # noqa: F811
    running_campaign, _other = running
    officer = token_client(world.a.users[Role.PROVINCE_OFFICER])
    typed = {
        "name": text,
        "province": "51",
        "communes": ["51001", "51002"],
        "services": ["vneid_level2"],
        "starts_on": running_campaign.starts_on.isoformat(),
        "ends_on": running_campaign.ends_on.isoformat(),
    }
    created = officer.post("/api/v1/campaigns/", typed, format="json")
    assert created.status_code < 500, created.content[:300]
    if created.status_code >= 400:  # refused, naming the field: the running campaign is shown instead
        assert "name" in created.json()["errors"]
        campaign = running_campaign
    else:
        campaign = Campaign.objects.get(pk=created.json()["id"])
        assert campaign.name == clean_text(text)
    stored_campaign = campaign.name
    commune_name = clean_text(text)[:100] or "Xã"
    world.a.commune.name = commune_name
    world.a.commune.save(update_fields=["name"])

    client = feed_client(key)
    answers = {
        "campaigns": client.get("/api/v1/ioc/campaigns/"),
        "campaign": client.get(f"/api/v1/ioc/campaigns/{campaign.pk}/"),
        "campaign_geojson": client.get(f"/api/v1/ioc/campaigns/{campaign.pk}/geojson/"),
        "coverage": client.get("/api/v1/ioc/coverage/"),
        "coverage_geojson": client.get("/api/v1/ioc/coverage/geojson/"),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.content[:300])
    assert [c["name"] for c in answers["campaigns"].json() if c["id"] == campaign.pk] == [stored_campaign]
    coverage = {row["code"]: row for row in answers["coverage"].json()}
    assert coverage["51001"]["name"] == commune_name
    features = {f["id"]: f for f in answers["coverage_geojson"].json()["features"]}
    assert features["51001"]["properties"]["name"] == commune_name
