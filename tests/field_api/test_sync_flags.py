import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import Role, Visit
from core.services import integrity
from tests.field_api.sync_helpers import by_id, household, visit

PUSH = "/api/v1/sync/push/"


@pytest.fixture
def push(world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client = client_for(world.a.users[Role.VOLUNTEER])
    home = household("51001-01", lat=15.1205, lon=108.8085)
    client.post(PUSH, {"households": [home]}, format="json")

    def _push(**overrides):
        knock = visit(home["id"], **overrides)
        result = by_id(client.post(PUSH, {"visits": [knock]}, format="json"))[knock["id"]]
        assert result["status"] == "created", result
        return result["flags"]

    _push.home = home
    _push.client = client
    return _push


def test_clean_visit_has_no_flags(push):
    assert push() == []


@pytest.mark.parametrize(
    ("lat_offset", "expected"),
    [(0.0005, []), (0.0015, [integrity.FAR_FROM_HOUSEHOLD]), (0.0040, [integrity.VERY_FAR_FROM_HOUSEHOLD])],
)
def test_distance_bands(push, lat_offset, expected):
    # 0.0009° of latitude is about 100 m.
    assert push(lat=15.1205 + lat_offset, lon=108.8085) == expected
    distance = Visit.objects.get().distance_m
    assert distance == pytest.approx(lat_offset * 111_195, rel=0.01)


def test_gps_accuracy_missing_and_mock(push):
    assert push(accuracy_m=None) == [integrity.GPS_ACCURACY_MISSING]
    assert push(accuracy_m=0) == [integrity.GPS_MOCK_SUSPECTED]
    assert push(lat=None, lon=None) == [integrity.GPS_MISSING]


def test_outside_commune_when_boundary_known(push, world):
    square = [[[108.80, 15.11], [108.82, 15.11], [108.82, 15.13], [108.80, 15.13], [108.80, 15.11]]]
    world.a.commune.geometry = {"type": "Polygon", "coordinates": square}
    (
        world.a.commune.bbox_west,
        world.a.commune.bbox_south,
        world.a.commune.bbox_east,
        world.a.commune.bbox_north,
    ) = (108.8, 15.11, 108.82, 15.13)
    world.a.commune.save()
    assert push() == []
    flags = push(lat=15.20, lon=108.9)
    assert integrity.OUTSIDE_COMMUNE in flags and integrity.VERY_FAR_FROM_HOUSEHOLD in flags


def test_time_in_future_and_too_old(push):
    future = (timezone.localtime() + dt.timedelta(hours=2)).isoformat()
    assert push(visited_at=future) == [integrity.TIME_IN_FUTURE]
    old = (timezone.localtime() - dt.timedelta(days=31)).isoformat()
    assert push(visited_at=old) == [integrity.TIME_TOO_OLD]
    assert push(visited_at=(timezone.localtime() + dt.timedelta(minutes=2)).isoformat()) == []


def test_two_households_under_a_minute_apart(push):
    second_home = household("51001-01", lat=15.1205, lon=108.8085)
    push.client.post(PUSH, {"households": [second_home]}, format="json")
    at = timezone.localtime() - dt.timedelta(hours=1)
    a = visit(push.home["id"], visited_at=at.isoformat())
    b = visit(second_home["id"], visited_at=(at + dt.timedelta(seconds=40)).isoformat())
    c = visit(second_home["id"], visited_at=(at + dt.timedelta(minutes=10)).isoformat())
    results = by_id(push.client.post(PUSH, {"visits": [a, b, c]}, format="json"))
    assert integrity.TOO_CLOSE_IN_TIME in results[a["id"]]["flags"]
    assert integrity.TOO_CLOSE_IN_TIME in results[b["id"]]["flags"]
    assert results[c["id"]]["flags"] == []
    # Against visits already stored: a later push 30 s after c, at the first household.
    d = visit(push.home["id"], visited_at=(at + dt.timedelta(minutes=10, seconds=30)).isoformat())
    assert (
        integrity.TOO_CLOSE_IN_TIME
        in by_id(push.client.post(PUSH, {"visits": [d]}, format="json"))[d["id"]]["flags"]
    )
    assert Visit.objects.filter(is_flagged=True).count() == 3


def test_same_household_twice_quickly_is_not_suspicious():
    at = timezone.now()
    facts = [
        integrity.VisitFacts(i, "h1", 1, at + dt.timedelta(seconds=10 * i), None, None, 5, None, None, "x")
        for i in range(3)
    ]
    assert integrity.too_close_in_time(facts, []) == set()
