"""What counts (core.counting): reached vs tried, strong flags held out until a leader confirms, and every
total (coverage rollup, recount from scratch, campaign tally, IOC feed) moving together."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.rollup import campaign_rollup_refresh
from campaigns.tally import campaign_totals
from core.counting import STRONG_FLAGS, WEAK_FLAGS, visit_held
from core.models import Review, Role, Visit, VisitReview
from core.scope import Scope
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers
from tests.field_api.sync_helpers import by_id, household, visit


@pytest.fixture
def pushed(world, volunteer, django_capture_on_commit_callbacks):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    homes = [household(world.a.village.code) for _i in range(4)]
    answers.clear()

    def push(visits: list[dict]) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = volunteer.post(
                "/api/v1/sync/push/", {"households": homes, "visits": visits}, format="json"
            )
        assert response.status_code == 200, response.content
        results = by_id(response)
        assert all(results[item["id"]]["status"] == "created" for item in visits), results
        answers.update(results)
        return [item["id"] for item in visits]

    return homes, push


answers: dict = {}


def pushed_held(visit_ids: list[str]) -> list[bool]:
    return [answers[visit_id]["held"] for visit_id in visit_ids]


def _rollup(village) -> dict:
    row = VillageCoverage.objects.get(village=village)
    return {"reached": row.households_reached, "tried": row.households_tried, "visits": row.visits}


def _recount(village) -> dict:
    numbers = compute_village_numbers(village_codes=[village.code], filters=CoverageFilter())[village.code]
    return {
        "reached": numbers["households_reached"],
        "tried": numbers["households_tried"],
        "visits": numbers["visits"],
    }


def test_flag_strengths_cover_every_flag_once():
    assert STRONG_FLAGS.isdisjoint(WEAK_FLAGS)
    assert visit_held(flags=["gps_mock_suspected"]) and not visit_held(flags=["gps_missing"])
    assert not visit_held(flags=["time_in_future"], review=Review.CONFIRMED)
    assert visit_held(flags=["gps_missing"], review=Review.REJECTED)


def test_not_home_is_tried_and_a_later_meeting_makes_it_reached(world, pushed):
    homes, push = pushed
    push(
        [
            visit(homes[0]["id"], outcome="not_home", minutes_ago=90, help=[]),
            visit(homes[1]["id"], outcome="refused", help=[]),
        ]
    )
    assert _rollup(world.a.village) == {"reached": 0, "tried": 2, "visits": 2} == _recount(world.a.village)
    push([visit(homes[0]["id"], outcome="met", minutes_ago=30)])
    assert _rollup(world.a.village) == {"reached": 1, "tried": 1, "visits": 3} == _recount(world.a.village)


def test_a_strongly_flagged_visit_is_held_out_of_every_total_until_confirmed(world, pushed, client_for):
    homes, push = pushed
    results = push(
        [
            visit(homes[0]["id"], accuracy_m=0),  # mocked location: strong
            visit(homes[1]["id"], accuracy_m=None, minutes_ago=20),  # no accuracy: weak, counted
        ]
    )
    mocked, weak = (Visit.objects.get(id=item_id) for item_id in results)
    # The phone is told at once which visit waits for the leader.
    assert pushed_held(results) == [True, False]
    assert mocked.held and not weak.held and weak.is_flagged
    assert _rollup(world.a.village) == {"reached": 1, "tried": 0, "visits": 1} == _recount(world.a.village)

    leader = world.a.users[Role.COMMUNE_LEADER]
    page = reverse("maps:leader-review", args=[world.a.commune.code])
    browser = Client()
    browser.force_login(leader)
    listed = browser.get(page)
    assert listed.status_code == 200
    assert str(mocked.id) in listed.content.decode()

    # Rejecting needs a reason, named; nothing changes.
    refused = browser.post(page, {"visit": str(mocked.id), "decision": "rejected", "reason": "  "})
    assert refused.status_code == 400 and "lý do" in refused.content.decode()
    assert not VisitReview.objects.exists()

    confirmed = browser.post(page, {"visit": str(mocked.id), "decision": "confirmed"})
    assert confirmed.status_code == 302
    mocked.refresh_from_db()
    assert not mocked.held and mocked.review == Review.CONFIRMED
    assert _rollup(world.a.village) == {"reached": 2, "tried": 0, "visits": 2} == _recount(world.a.village)
    decision = VisitReview.objects.get()
    assert (decision.visit_id, decision.reviewed_by, decision.decision) == (mocked.id, leader, "confirmed")

    # Rejecting the weak one (with a reason) takes it out.
    browser.post(page, {"visit": str(weak.id), "decision": "rejected", "reason": "Không có ai ở nhà hôm đó"})
    weak.refresh_from_db()
    assert weak.held and weak.review == Review.REJECTED
    assert _rollup(world.a.village) == {"reached": 1, "tried": 0, "visits": 1} == _recount(world.a.village)


def test_only_the_communes_leader_decides(world, pushed):
    homes, push = pushed
    (mocked_id,) = push([visit(homes[0]["id"], accuracy_m=0)])
    for user in (
        world.a.users[Role.PROVINCE_OFFICER],
        world.a.users[Role.VOLUNTEER],
        world.b.users[Role.COMMUNE_LEADER],
    ):
        client = Client()
        client.force_login(user)
        response = client.post(
            reverse("maps:leader-review", args=[world.a.commune.code]),
            {"visit": mocked_id, "decision": "confirmed"},
        )
        assert response.status_code == 404, user.username
    assert Visit.objects.get(id=mocked_id).held


def test_a_future_visit_cannot_be_confirmed_before_its_time(world, pushed):
    homes, push = pushed
    (ahead_id,) = push([visit(homes[0]["id"], minutes_ago=-2 * 24 * 60)])
    ahead = Visit.objects.get(id=ahead_id)
    assert "time_in_future" in ahead.flags and ahead.held
    client = Client()
    client.force_login(world.a.users[Role.COMMUNE_LEADER])
    response = client.post(
        reverse("maps:leader-review", args=[world.a.commune.code]),
        {"visit": ahead_id, "decision": "confirmed"},
    )
    assert response.status_code == 400
    assert Visit.objects.get(id=ahead_id).held
    assert _rollup(world.a.village)["reached"] == 0


def test_campaign_tally_follows_the_same_rule(world, pushed):
    homes, push = pushed
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        province=world.a.province,
        name="Chiến dịch",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=3),
    )
    push(
        [
            visit(homes[0]["id"], outcome="met"),
            visit(homes[1]["id"], outcome="not_home", minutes_ago=10, help=[]),
            visit(homes[2]["id"], outcome="met", accuracy_m=0, minutes_ago=5),
        ]
    )
    scope = Scope.of(world.a.users[Role.PROVINCE_OFFICER])
    totals = campaign_totals(campaign=campaign, scope=scope)
    campaign_rollup_refresh(campaign=campaign)
    assert campaign_totals(campaign=campaign, scope=scope) == totals
    assert (totals["households_reached"], totals["visits"], totals["held_visits"]) == (1, 2, 1)
    assert totals["households_reached"] == _rollup(world.a.village)["reached"]
