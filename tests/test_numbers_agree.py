"""One meaning per number: for random field data and every filter, every page, export and feed gives the
same numbers for the same area (core.counting decides what counts; these surfaces only show it).

Surfaces compared, per village and per commune:
- the coverage rollup (``village_rows`` unfiltered) and a recount from the visits;
- the maps' coverage API (GeoJSON properties) and the IOC feed's per-commune coverage;
- the commune leader's village ranking and its XLSX export;
- a campaign's tally by village and commune against coverage filtered by that campaign.
"""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.models import Campaign
from campaigns.selectors import campaign_window
from campaigns.tally import campaign_tally
from core.models import HelpItem, Outcome, Review, Role
from core.scope import Scope
from coverage.numbers import CoverageFilter, commune_rows, compute_village_numbers, village_rows
from ioc.services import feed_key_issue
from leaders.dashboard import LeaderFilter, village_ranking
from tests import factories
from tests.conftest import token_client

FLAGS = [[], [], ["gps_missing"], ["far_from_household"], ["gps_mock_suspected"], ["time_in_future"]]
a_visit = st.tuples(
    st.integers(0, 11),  # which household
    st.sampled_from([choice.value for choice in Outcome if choice != Outcome.MOVED]),
    st.sampled_from(range(len(FLAGS))),
    st.sampled_from(["", "", Review.CONFIRMED, Review.REJECTED]),
    st.integers(0, 20),  # days ago
    st.integers(0, 3),  # people helped (met only)
)
field_data = st.tuples(
    st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=12),  # (village A?, moved)
    st.lists(a_visit, max_size=25),
    st.integers(0, 15),  # declared households of the first village
)


class Rollback(Exception):
    """Every example starts from the same world."""


def _store(world, homes_drawn, visits_drawn, declared) -> None:
    world.a.village.declared_households = declared
    world.a.village.save()
    homes = [
        factories.HouseholdFactory(village=world.a.village if first else world.a.other_village, moved=moved)
        for first, moved in homes_drawn
    ]
    volunteer = world.a.users[Role.VOLUNTEER]
    now = timezone.now()
    for index, outcome, flags, review, days_ago, people in visits_drawn:
        visit = factories.VisitFactory(
            household=homes[index % len(homes)],
            volunteer=volunteer,
            outcome=outcome,
            flags=FLAGS[flags],
            review=review if FLAGS[flags] else "",
            visited_at=now - dt.timedelta(days=days_ago, minutes=index),
        )
        if outcome == Outcome.MET and people:
            HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=people)


def _xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def campaign(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Chiến dịch", province=world.a.province, starts_on=today - dt.timedelta(days=7), ends_on=today
    )


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=field_data, days_back=st.sampled_from([None, 3, 10]))
def test_every_surface_gives_the_same_numbers(world, campaign, data, days_back):
    leader = world.a.users[Role.COMMUNE_LEADER]
    scope = Scope.of(leader)
    commune = world.a.commune.code
    cache.clear()  # data stored without a push bumps no page version: no page of an earlier example
    try:
        with transaction.atomic():
            _feed, feed_key = feed_key_issue(name="IOC", province=world.a.province, user=world.admin)
            _store(world, *data)
            villages = world.a.commune.villages.all()
            codes = [world.a.village.code, world.a.other_village.code]
            since = timezone.localdate() - dt.timedelta(days=days_back) if days_back else None
            filters = CoverageFilter(date_from=since)

            # The rule, recounted from the visits: the reference every surface must show.
            truth = compute_village_numbers(village_codes=codes, filters=filters)

            rows = {row["code"]: row for row in village_rows(villages=villages, filters=filters)}
            for code in codes:
                for key in ("households", "households_reached", "households_tried", "people_helped"):
                    assert rows[code][key] == truth[code][key], (code, key)

            ranking = {
                row["code"]: row
                for row in village_ranking(
                    scope=scope, commune=commune, filters=LeaderFilter(date_from=since)
                )
            }
            for code in codes:
                assert (ranking[code]["households_reached"], ranking[code]["households_tried"]) == (
                    truth[code]["households_reached"],
                    truth[code]["households_tried"],
                )

            browser = Client()
            browser.force_login(leader)
            query = {"date_from": since.strftime("%d/%m/%Y")} if since else {}
            export = browser.get(f"/communes/{commune}/xlsx/villages/", query)
            assert export.status_code == 200
            header, *lines = _xlsx_rows(export.content)
            reached_at, tried_at = header.index("Số hộ đã gặp"), header.index("Số hộ đã đến, chưa gặp")
            by_name = {line[1]: line for line in lines}
            for village in (world.a.village, world.a.other_village):
                line = by_name[village.name]
                assert (line[reached_at], line[tried_at]) == (
                    truth[village.code]["households_reached"],
                    truth[village.code]["households_tried"],
                )

            if since is None:  # the map API and the feed show what stands today
                api = token_client(leader).get("/api/v1/coverage/", {"level": "village", "commune": commune})
                features = {f["properties"]["code"]: f["properties"] for f in api.json()["features"]}
                for code in codes:
                    assert features[code]["households_reached"] == truth[code]["households_reached"]
                feed = Client(HTTP_AUTHORIZATION=f"Api-Key {feed_key}").get("/api/v1/ioc/coverage/").json()
                fed = {row["code"]: row for row in feed}
                communes = {
                    row["code"]: row
                    for row in commune_rows(
                        communes=world.a.province.communes.all(), filters=CoverageFilter(), scope=scope
                    )
                }
                assert (
                    fed[commune]["households_reached"]
                    == communes[commune]["households_reached"]
                    == sum(truth[code]["households_reached"] for code in codes)
                )
                assert fed[commune]["households_tried"] == sum(
                    truth[code]["households_tried"] for code in codes
                )

            # A campaign's households reached are coverage's, filtered by the campaign.
            by_campaign = compute_village_numbers(
                village_codes=codes, filters=CoverageFilter(campaign=campaign_window(campaign))
            )
            tally = {
                row["key"]: row
                for row in campaign_tally(campaign=campaign, by="village", scope=Scope.of(world.admin))
            }
            for code in codes:
                reached = tally[code]["households_reached"] if code in tally else 0
                assert reached == by_campaign[code]["households_reached"], code
            raise Rollback
    except Rollback:
        pass
