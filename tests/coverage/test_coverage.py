"""Coverage numbers against an independent computation over the same visits."""

import datetime as dt
import json
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.selectors import campaign_window
from core.models import HelpItem, Household, Role, Visit
from core.scope import Kind, Scope
from coverage.numbers import CoverageFilter, commune_rows, village_rows
from tests import factories

SERVICES = ["vneid_level2", "public_service_account", "online_safety"]


@pytest.fixture
def field_data(world):
    """Households with repeat visits, attempts that met no one, weakly and strongly flagged visits (some
    confirmed by a leader, some rejected), moved households and never-visited ones."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    rng = random.Random(4)
    world.a.village.declared_households = 40  # more than registered: the declared count is the denominator
    world.a.village.save()
    villages = [world.a.village, world.a.other_village]
    now = timezone.now()
    for village in villages:
        for number in range(12):
            household = factories.HouseholdFactory(village=village, moved=number % 7 == 0)
            for knock in range(rng.choice([0, 0, 1, 2, 3])):
                visit = factories.VisitFactory(
                    household=household,
                    volunteer=world.a.users[Role.VOLUNTEER],
                    visited_at=now - dt.timedelta(days=rng.randint(0, 20), hours=knock),
                    outcome=rng.choice(["met", "met", "not_home", "come_back", "refused"]),
                    flags=rng.choice([[], [], ["far_from_household"], ["very_far_from_household"]]),
                    review=rng.choice(["", "", "confirmed", "rejected"]),
                )
                for service in rng.sample(SERVICES, rng.randint(0, 2)):
                    HelpItem.objects.create(
                        visit=visit,
                        service_id=service,
                        result=rng.choice(["done", "pending", "failed"]),
                        people=rng.randint(1, 4),
                    )
    return villages


def independent(village, *, since=None, until=None, service=None, services=None):
    """The same numbers computed in plain Python from the rows."""
    households = list(Household.objects.filter(village=village))
    registered = [h for h in households if not h.moved]
    visits = [
        v
        for v in Visit.objects.filter(household__village=village).prefetch_related("help_items")
        if not v.held
        and (since is None or timezone.localtime(v.visited_at).date() >= since)
        and (until is None or timezone.localtime(v.visited_at).date() <= until)
        and (service is None or any(i.service_id == service for i in v.help_items.all()))
    ]
    items = [
        i
        for v in visits
        for i in v.help_items.all()
        if (service is None or i.service_id == service) and (services is None or i.service_id in services)
    ]
    denominator = max(village.declared_households or 0, len(registered))
    visited = {v.household_id for v in visits if not v.household.moved}
    reached = {v.household_id for v in visits if not v.household.moved and v.outcome == "met"}
    return {
        "households": denominator,
        "households_registered": len(registered),
        "households_reached": len(reached),
        "households_tried": len(visited - reached),
        "coverage": round(len(reached) / denominator, 4) if denominator else 0.0,
        "people_helped": sum(i.people for i in items),
        "services_done": sum(1 for i in items if i.result == "done"),
    }


def _numbers(row):
    return {
        k: row[k]
        for k in (
            "households",
            "households_registered",
            "households_reached",
            "households_tried",
            "coverage",
            "people_helped",
            "services_done",
        )
    }


def test_village_numbers_match_an_independent_computation(field_data, world):
    rows = {
        r["code"]: r for r in village_rows(villages=world.a.commune.villages.all(), filters=CoverageFilter())
    }
    for village in field_data:
        village.refresh_from_db()
        assert _numbers(rows[village.code]) == independent(village)
    assert rows[world.a.village.code]["households"] == 40


def test_commune_sums_its_villages(field_data, world):
    row = commune_rows(
        communes=world.a.province.communes.filter(code=world.a.commune.code),
        filters=CoverageFilter(),
        scope=Scope(Kind.NATIONAL),
    )[0]
    parts = [independent(v) for v in field_data]
    assert row["households"] == sum(p["households"] for p in parts)
    assert row["households_reached"] == sum(p["households_reached"] for p in parts)
    assert row["people_helped"] == sum(p["people_helped"] for p in parts)
    assert row["coverage"] == round(row["households_reached"] / row["households"], 4)
    empty = commune_rows(
        communes=world.a.province.communes.filter(code=world.a.other_commune.code),
        filters=CoverageFilter(),
        scope=Scope(Kind.NATIONAL),
    )[0]
    # A team sees its commune through its own villages only.
    team_row = commune_rows(
        communes=world.a.province.communes.filter(code=world.a.commune.code),
        filters=CoverageFilter(),
        scope=world.a.users[Role.VOLUNTEER].scope,
    )[0]
    own = independent(world.a.village)
    assert (team_row["households"], team_row["households_reached"]) == (
        own["households"],
        own["households_reached"],
    )
    assert (empty["households"], empty["coverage"]) == (0, 0.0)


def test_filters_by_dates_service_and_campaign(field_data, world):
    today = timezone.localdate()
    since, until = today - dt.timedelta(days=10), today - dt.timedelta(days=2)
    filters = CoverageFilter(date_from=since, date_to=until, service="vneid_level2")
    rows = {r["code"]: r for r in village_rows(villages=world.a.commune.villages.all(), filters=filters)}
    for village in field_data:
        village.refresh_from_db()
        assert _numbers(rows[village.code]) == independent(
            village, since=since, until=until, service="vneid_level2"
        )
    campaign = Campaign.objects.create(
        name="30 ngày đêm", province=world.a.province, starts_on=since, ends_on=until
    )
    campaign.services.set(["online_safety", "vneid_level2"])
    rows = {
        r["code"]: r
        for r in village_rows(
            villages=world.a.commune.villages.all(),
            filters=CoverageFilter(campaign=campaign_window(campaign)),
        )
    }
    for village in field_data:
        village.refresh_from_db()
        expected = independent(village, since=since, until=until, services={"online_safety", "vneid_level2"})
        assert _numbers(rows[village.code]) == expected


def test_api_geojson_matches(field_data, world, client_for):
    client = client_for(world.a.users[Role.COMMUNE_LEADER])
    response = client.get("/api/v1/coverage/", {"level": "village", "commune": world.a.commune.code})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/geo+json")
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    for village in field_data:
        village.refresh_from_db()
        expected = independent(village)
        assert {k: features[village.code][k] for k in expected} == expected
        assert set(features[village.code]) == {"code", "name", *expected}


def test_push_refreshes_the_rollup_and_the_cached_page(world, client_for, django_capture_on_commit_callbacks):
    from tests.field_api.sync_helpers import household, visit

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    leader = client_for(world.a.users[Role.COMMUNE_LEADER])
    homes = [household(world.a.village.code) for _i in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        volunteer.post("/api/v1/sync/push/", {"households": homes}, format="json")
    url = {"level": "village", "commune": world.a.commune.code}

    def visited():
        collection = json.loads(leader.get("/api/v1/coverage/", url).content)
        return {
            f["properties"]["code"]: f["properties"]["households_reached"] for f in collection["features"]
        }

    assert visited()[world.a.village.code] == 0  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        volunteer.post("/api/v1/sync/push/", {"visits": [visit(h["id"]) for h in homes[:3]]}, format="json")
    assert visited()[world.a.village.code] == 3  # new data version: never the stale page


def test_nightly_refresh_catches_changes_made_outside_sync(world):
    from coverage.tasks import refresh_all_coverage

    village_rows(villages=world.a.commune.villages.all(), filters=CoverageFilter())  # builds the rollup
    factories.HouseholdFactory.create_batch(3, village=world.a.other_village)  # e.g. added in the admin
    stale = {
        r["code"]: r["households"]
        for r in village_rows(villages=world.a.commune.villages.all(), filters=CoverageFilter())
    }
    assert stale[world.a.other_village.code] == 0
    assert refresh_all_coverage() == 4
    fresh = {
        r["code"]: r["households"]
        for r in village_rows(villages=world.a.commune.villages.all(), filters=CoverageFilter())
    }
    assert fresh[world.a.other_village.code] == 3
