"""The push's domain rules, each one function shared with every other path (core/services/last_visit.py,
core/visit_province.py): the last visit on equal timestamps, a move undone by a later visit that found
the household at home, and a visit's province following its village's."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.models import Household, Outcome, Province, Role, Visit
from core.services.last_visit import VisitFact, household_last_visit_refresh, last_visit_of, moved_by
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers
from tests.clock import TEST_NOW
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = [pytest.mark.time_machine(TEST_NOW), pytest.mark.usefixtures("catalogue")]

PUSH = "/api/v1/sync/push/"


def _push(client, **body):
    response = client.post(PUSH, {"device_id": "phone-1", **body}, format="json")
    assert response.status_code == 200, response.content
    return response


def _at(minutes_ago: int) -> str:
    return (timezone.localtime() - dt.timedelta(minutes=minutes_ago)).isoformat()


def _coverage(code: str) -> dict:
    stored = VillageCoverage.objects.filter(village_id=code).values(
        "households", "households_reached", "visits"
    )[0]
    counted = compute_village_numbers(village_codes=[code], filters=CoverageFilter())[code]
    assert {name: counted[name] for name in stored} == stored  # the rollup stays exact
    return stored


# --- one last-visit rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("arrival", ["smaller id first", "greater id first"])
def test_push_and_recount_choose_the_same_last_visit_on_equal_timestamps(volunteer, arrival):
    home = household("51001-01")
    _push(volunteer, households=[home])
    ids = sorted([uuid.uuid4(), uuid.uuid4()])
    at = _at(30)
    knocks = [
        visit(home["id"], id=str(ids[0]), visited_at=at, outcome="refused", help=[]),
        visit(home["id"], id=str(ids[1]), visited_at=at, outcome="come_back", help=[]),
    ]
    if arrival == "greater id first":
        knocks.reverse()
    for knock in knocks:  # one push each: the second meets the first as the stored last visit
        assert by_id(_push(volunteer, visits=[knock]))[knock["id"]]["status"] == "created"
    stored = Household.objects.get(id=home["id"])
    # The rule: by (visited_at, id), whatever order the phones' pushes arrived in.
    assert stored.last_outcome == "come_back"
    assert household_last_visit_refresh(household_ids=[stored.id]) == 0  # the recount agrees


def test_one_push_with_equal_timestamps_follows_the_rule_too(volunteer):
    home = household("51001-01")
    ids = sorted([uuid.uuid4(), uuid.uuid4()])
    at = _at(30)
    # Greater id first in the batch: batch order does not decide either.
    _push(
        volunteer,
        households=[home],
        visits=[
            visit(home["id"], id=str(ids[1]), visited_at=at, outcome="not_home", help=[]),
            visit(home["id"], id=str(ids[0]), visited_at=at, outcome="met", help=[]),
        ],
    )
    stored = Household.objects.get(id=home["id"])
    assert stored.last_outcome == "not_home"
    assert household_last_visit_refresh(household_ids=[stored.id]) == 0


def test_last_visit_rule_breaks_ties_by_id_and_skips_the_future():
    at = timezone.now()
    low, high = sorted([uuid.uuid4(), uuid.uuid4()])
    assert last_visit_of([VisitFact(high, at, "met", ()), VisitFact(low, at, "refused", ())]).outcome == "met"
    later = VisitFact(uuid.uuid4(), at + dt.timedelta(days=1), "refused", ["time_in_future"])
    assert last_visit_of([VisitFact(low, at, "met", ()), later]).visited_at == at
    assert last_visit_of([later]).visited_at is None


# --- a move undone by a later visit that found the household at home -------------------------------


def test_moved_rule():
    at = timezone.now()
    moved = VisitFact(uuid.uuid4(), at, Outcome.MOVED, ())
    met_after = VisitFact(uuid.uuid4(), at + dt.timedelta(hours=1), Outcome.MET, ())
    met_before = VisitFact(uuid.uuid4(), at - dt.timedelta(hours=1), Outcome.MET, ())
    empty_after = VisitFact(uuid.uuid4(), at + dt.timedelta(hours=2), Outcome.NOT_HOME, ())
    assert moved_by([moved]) is True
    assert moved_by([moved, met_after]) is False
    assert moved_by([met_before, moved]) is True
    assert moved_by([moved, empty_after]) is True  # an empty house says nothing about a move
    assert moved_by([empty_after], moved=True) is True
    wrong_clock = VisitFact(uuid.uuid4(), at + dt.timedelta(days=9), Outcome.MET, ["time_in_future"])
    assert moved_by([moved, wrong_clock]) is True


def test_a_visit_that_meets_the_household_after_its_move_undoes_it(volunteer, world):
    code = world.a.village.code
    home, neighbour = household(code), household(code)
    _push(volunteer, households=[home, neighbour], visits=[visit(neighbour["id"], minutes_ago=500)])
    before = _coverage(code)
    _push(volunteer, visits=[visit(home["id"], minutes_ago=300, outcome="moved", help=[])])
    assert Household.objects.get(id=home["id"]).moved is True
    moved = _coverage(code)
    assert moved["households"] <= before["households"]
    assert moved["households_reached"] == before["households_reached"]  # a moved household never counts

    # Found at home before the move was reported, or nobody at home after it: still moved.
    _push(
        volunteer,
        visits=[
            visit(home["id"], minutes_ago=400, outcome="met", help=[]),
            visit(home["id"], minutes_ago=200, outcome="not_home", help=[]),
        ],
    )
    assert Household.objects.get(id=home["id"]).moved is True
    assert _coverage(code)["households_reached"] == before["households_reached"]

    # Met after the move: the household lives there again, and counts again.
    _push(volunteer, visits=[visit(home["id"], minutes_ago=100, outcome="met", help=[])])
    stored = Household.objects.get(id=home["id"])
    assert stored.moved is False and stored.last_outcome == "met"
    again = _coverage(code)
    assert again["households_reached"] == before["households_reached"] + 1
    assert again["households"] >= moved["households"]


def test_a_move_reported_late_but_dated_before_a_meeting_does_not_stick(volunteer, world):
    """Phones sync in any order: the meeting arrives first, the older move afterwards."""
    code = world.a.village.code
    home = household(code)
    _push(volunteer, households=[home], visits=[visit(home["id"], minutes_ago=100, outcome="met", help=[])])
    _push(volunteer, visits=[visit(home["id"], minutes_ago=300, outcome="moved", help=[])])
    assert Household.objects.get(id=home["id"]).moved is False
    assert _coverage(code)["households_reached"] >= 1


# --- a visit's province follows its village ---------------------------------------------------------


def test_every_writer_stores_the_villages_province(volunteer, world):
    village = world.a.village
    province = village.commune.province_id
    home = household(village.code)
    knock = visit(home["id"])
    _push(volunteer, households=[home], visits=[knock])
    assert Visit.objects.get(id=knock["id"]).province_id == province  # the push's bulk insert

    other = Province.objects.exclude(code=province).first()
    assert other is not None
    single = Visit(
        id=uuid.uuid4(),
        province=other,  # wrong on purpose: the village decides
        household_id=home["id"],
        village=village,
        volunteer=world.a.users[Role.VOLUNTEER],
        visited_at=timezone.now() - dt.timedelta(hours=1),
        outcome="met",
        content_hash="x",
    )
    single.save()
    assert Visit.objects.get(id=single.id).province_id == province
