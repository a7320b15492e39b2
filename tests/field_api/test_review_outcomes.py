"""Issue 21 §1: the volunteer sees on the phone what the commune leader decided about their held visits.

The last pull page carries ``reviews``: the caller's own visits of the last 30 days that are held or were
decided, with the rejection's reason; never another volunteer's, never older ones.
"""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Role, Visit
from core.services import integrity
from core.services.reviews import visit_review
from field_api.pull import REVIEW_LIMIT
from tests import factories

PULL = "/api/v1/sync/pull/"


def _held_visit(*, volunteer, household, days_ago: float = 0.1, flags=(integrity.GPS_MOCK_SUSPECTED,)):
    return factories.VisitFactory(
        household=household,
        volunteer=volunteer,
        province_id=household.village.commune.province_id,
        visited_at=timezone.now() - dt.timedelta(days=days_ago),
        accuracy_m=0,
        flags=list(flags),
        is_flagged=True,
        held=True,
    )


def _reviews(client) -> list[dict]:
    answer = client.get(PULL)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["has_more"] is False
    return body["reviews"]


@pytest.fixture
def side(world):
    return world.a


def test_held_confirmed_and_rejected_reach_their_volunteer(side, client_for):
    volunteer = side.users[Role.VOLUNTEER]
    leader = side.users[Role.COMMUNE_LEADER]
    household = factories.HouseholdFactory(village=side.village)
    held = _held_visit(volunteer=volunteer, household=household, days_ago=0.1)
    confirmed = _held_visit(volunteer=volunteer, household=household, days_ago=0.2)
    rejected = _held_visit(volunteer=volunteer, household=household, days_ago=0.3)
    # Counted, unflagged: not listed.
    factories.VisitFactory(
        household=household, volunteer=volunteer, province_id=side.province.code, visited_at=timezone.now()
    )
    visit_review(actor=leader, visit_id=confirmed.id, decision="confirmed")
    # Decided twice: the latest decision is the one the phone shows.
    visit_review(actor=leader, visit_id=rejected.id, decision="confirmed")
    visit_review(actor=leader, visit_id=rejected.id, decision="rejected", reason="Cùng lúc ở hai nhà khác.")

    reviews = _reviews(client_for(volunteer))

    assert [r["id"] for r in reviews] == [str(held.id), str(confirmed.id), str(rejected.id)]
    first, second, third = reviews
    assert first == {
        "id": str(held.id),
        "household": str(household.id),
        "visited_at": held.visited_at.isoformat(),
        "state": "held",
        "reason": "",
        "decided_at": None,
    }
    assert second["state"] == "confirmed" and second["reason"] == "" and second["decided_at"]
    assert third["state"] == "rejected" and third["reason"] == "Cùng lúc ở hai nhà khác."
    assert Visit.objects.get(id=rejected.id).held is True


def test_only_the_callers_own_recent_visits(side, world, client_for):
    volunteer = side.users[Role.VOLUNTEER]
    teammate = side.users[Role.TEAM_LEADER]
    household = factories.HouseholdFactory(village=side.village)
    mine = _held_visit(volunteer=volunteer, household=household)
    theirs = _held_visit(volunteer=teammate, household=household)
    _held_visit(volunteer=volunteer, household=household, days_ago=31)
    other = factories.HouseholdFactory(village=world.b.village)
    elsewhere = _held_visit(volunteer=world.b.users[Role.VOLUNTEER], household=other)

    assert [r["id"] for r in _reviews(client_for(volunteer))] == [str(mine.id)]
    # The teammate sees theirs only (same household, same villages); the other province's volunteer too.
    assert [r["id"] for r in _reviews(client_for(teammate))] == [str(theirs.id)]
    assert [r["id"] for r in _reviews(client_for(world.b.users[Role.VOLUNTEER]))] == [str(elsewhere.id)]


def test_reviews_ride_the_last_page_only_and_are_bounded(side, client_for, monkeypatch):
    volunteer = side.users[Role.VOLUNTEER]
    households = [factories.HouseholdFactory(village=side.village) for _ in range(3)]
    for index, household in enumerate(households):
        _held_visit(volunteer=volunteer, household=household, days_ago=index + 1)
    client = client_for(volunteer)

    first = client.get(PULL, {"limit": 1}).json()
    assert first["has_more"] is True and "reviews" not in first

    monkeypatch.setattr("field_api.pull.REVIEW_LIMIT", 2)
    last = client.get(PULL).json()
    assert [r["household"] for r in last["reviews"]] == [str(h.id) for h in households[:2]]
    assert REVIEW_LIMIT == 200


def test_a_pushed_mock_location_visit_is_answered_held_then_pulled_held(side, client_for, catalogue):
    from tests.field_api.sync_helpers import by_id, visit

    volunteer = side.users[Role.VOLUNTEER]
    household = factories.HouseholdFactory(village=side.village, lat=15.1205, lon=108.8085)
    client = client_for(volunteer)
    item = visit(str(household.id), accuracy_m=0)
    pushed = client.post("/api/v1/sync/push/", {"device_id": "phone-1", "visits": [item]}, format="json")
    assert pushed.status_code == 200
    assert by_id(pushed)[item["id"]].get("held") is True, pushed.json()

    (review,) = _reviews(client)
    assert review["id"] == item["id"] and review["state"] == "held"
