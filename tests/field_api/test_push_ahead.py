"""Visits stored ahead of the households' locks (field_api/push.py ``_store_visits_ahead``).

A push writes its visits to stored households before it locks them, then checks under the locks that each
household is still where it was read (village, position) and still there. What another session commits in
between is the race: the push must end as if it had come after that session, never half one way.
Each test commits a change from another connection exactly in that gap.
"""

import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import ErasedHousehold, HelpItem, Household, Role, Visit, VisitKey
from core.services.assignments import team_merge
from core.services.households import household_erase, household_update
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers
from field_api import push as push_module
from tests import factories
from tests.field_api.sync_helpers import by_id, household, visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUSH = "/api/v1/sync/push/"


@pytest.fixture
def volunteer(world) -> APIClient:
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    _instance, token = AuthToken.objects.create(world.a.users[Role.VOLUNTEER])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def between_ahead_and_locks(monkeypatch):
    """Runs ``change`` on another connection, committed, after the visits were stored ahead and before
    the push locks its households; counts how many times a push ran (2: it started again)."""
    runs = []
    original_read = push_module._Push._read

    def install(change, *, wait: bool = True):
        """``wait=False``: ``change`` starts its own work and returns while it goes on."""

        def read(self, rounds):
            runs.append(self.ahead)
            if self.ahead and self.seen_ahead and not wait:
                change()
            elif self.ahead and self.seen_ahead:
                worker = threading.Thread(target=lambda: (change(), connection.close()))
                worker.start()
                worker.join(timeout=30)
            return original_read(self, rounds)

        monkeypatch.setattr(push_module._Push, "_read", read)
        return runs

    return install


def _stored_household(client, village: str, **fields) -> dict:
    home = household(village, **fields)
    assert by_id(client.post(PUSH, {"households": [home]}, format="json"))[home["id"]]["status"] == "created"
    return home


def _rollups_exact(codes: list[str]) -> None:
    counted = compute_village_numbers(village_codes=codes, filters=CoverageFilter())
    for code in codes:
        stored = VillageCoverage.objects.filter(village_id=code).values().first()
        for name, value in counted[code].items():
            assert stored[name] == value, (code, name)


def test_an_ordinary_push_stores_its_visits_ahead_once(volunteer, world, between_ahead_and_locks):
    home = _stored_household(volunteer, world.a.village.code)
    runs = between_ahead_and_locks(lambda: None)
    knock = visit(home["id"])
    response = volunteer.post(PUSH, {"visits": [knock]}, format="json")
    assert by_id(response)[knock["id"]]["status"] == "created"
    assert runs == [True]
    assert (Visit.objects.count(), HelpItem.objects.count(), VisitKey.objects.count()) == (1, 2, 1)
    assert Household.objects.get(pk=home["id"]).last_visited_at is not None


def test_a_household_moved_meanwhile_gets_its_visit_in_its_new_village(
    volunteer, world, between_ahead_and_locks
):
    world.a.other_village.team = world.a.team
    world.a.other_village.save()
    home = _stored_household(volunteer, world.a.village.code)
    leader = world.a.users[Role.COMMUNE_LEADER]
    runs = between_ahead_and_locks(
        lambda: household_update(
            household_id=home["id"], changes={"village": world.a.other_village.code}, actor=leader
        )
    )
    knock = visit(home["id"])
    response = volunteer.post(PUSH, {"visits": [knock]}, format="json")
    assert by_id(response)[knock["id"]]["status"] == "created"
    assert runs == [True, False]  # started again with the locks first
    stored = Visit.objects.get()
    assert stored.village_id == world.a.other_village.code
    assert (HelpItem.objects.count(), VisitKey.objects.count()) == (2, 1)
    _rollups_exact([world.a.village.code, world.a.other_village.code])


def test_a_household_moved_out_of_the_pushers_villages_meanwhile_is_refused(
    volunteer, world, between_ahead_and_locks
):
    home = _stored_household(volunteer, world.a.village.code)
    leader = world.a.users[Role.COMMUNE_LEADER]
    between_ahead_and_locks(
        lambda: household_update(
            household_id=home["id"], changes={"village": world.a.other_village.code}, actor=leader
        )
    )
    knock = visit(home["id"])
    result = by_id(volunteer.post(PUSH, {"visits": [knock]}, format="json"))[knock["id"]]
    assert (result["status"], list(result["errors"])) == ("rejected", ["household"])
    assert (Visit.objects.count(), HelpItem.objects.count(), VisitKey.objects.count()) == (0, 0, 0)


def test_a_household_repositioned_meanwhile_flags_the_visit_by_its_new_position(
    volunteer, world, between_ahead_and_locks
):
    home = _stored_household(volunteer, world.a.village.code)
    # About 1.1 km north of where the visit was recorded: very far from the household.
    leader = world.a.users[Role.COMMUNE_LEADER]
    between_ahead_and_locks(
        lambda: household_update(household_id=home["id"], changes={"lat": 15.1305}, actor=leader)
    )
    knock = visit(home["id"])
    result = by_id(volunteer.post(PUSH, {"visits": [knock]}, format="json"))[knock["id"]]
    assert result["status"] == "created"
    assert "very_far_from_household" in result["flags"]
    assert Visit.objects.get().distance_m > 1000


def test_a_household_erased_meanwhile_answers_erased_and_keeps_nothing(
    volunteer, world, between_ahead_and_locks
):
    home = _stored_household(volunteer, world.a.village.code)
    runs = between_ahead_and_locks(lambda: household_erase(household=Household.objects.get(pk=home["id"])))
    knock = visit(home["id"])
    result = by_id(volunteer.post(PUSH, {"visits": [knock]}, format="json"))[knock["id"]]
    assert result["status"] == "erased"
    assert runs == [True, False]
    assert ErasedHousehold.objects.filter(household_id=home["id"]).exists()
    assert (Visit.objects.count(), HelpItem.objects.count(), VisitKey.objects.count()) == (0, 0, 0)
    _rollups_exact([world.a.village.code])


def test_visits_to_a_household_sent_in_the_same_push_wait_for_the_locks(
    volunteer, world, between_ahead_and_locks
):
    home = _stored_household(volunteer, world.a.village.code)
    runs = between_ahead_and_locks(lambda: None)
    edited = {"id": home["id"], "base_version": 1, "fields": {"members": 6}}
    knock = visit(home["id"])
    response = volunteer.post(PUSH, {"households": [edited], "visits": [knock]}, format="json")
    results = by_id(response)
    assert results[knock["id"]]["status"] == "created"
    assert results[home["id"]]["status"] == "updated"
    assert runs == [True]
    assert Visit.objects.count() == 1


def test_a_team_merged_meanwhile_restarts_the_push_into_the_merged_team(
    volunteer, world, between_ahead_and_locks
):
    """The visit stored ahead names the team its village had; the merge deletes that team, so the key
    check at the commit refuses the push, which runs again with the locks first, for the member and
    the village as the merge left them."""
    home = _stored_household(volunteer, world.a.village.code)
    target = factories.TeamFactory(commune=world.a.commune, name="Tổ gộp")
    runs = between_ahead_and_locks(lambda: team_merge(source=world.a.team, target=target, actor=world.admin))
    knock = visit(home["id"])
    response = volunteer.post(PUSH, {"visits": [knock]}, format="json")
    assert response.status_code == 200
    assert by_id(response)[knock["id"]]["status"] == "created"
    assert runs == [True, False]
    stored = Visit.objects.get()
    assert (stored.team_id, stored.village_id) == (target.pk, world.a.village.code)
    assert (HelpItem.objects.count(), VisitKey.objects.count()) == (2, 1)
    _rollups_exact([world.a.village.code])


def test_a_deadlock_with_a_racing_retry_restarts_the_push_with_the_locks_first(
    volunteer, world, between_ahead_and_locks
):
    """A retry racing its original, sent in another shape: the other push holds the household's lock and
    waits for the visit's id this push claimed ahead, while this push waits for that lock. PostgreSQL
    aborts one of them (here this push, the quicker to look); it runs again and stores the visit once.
    (``deadlock_timeout`` is a superuser's setting: the tests' PostgreSQL role is one.)"""
    home = _stored_household(volunteer, world.a.village.code)
    knock = visit(home["id"])
    other_pid: list[int] = []

    def other_push():
        with psycopg.connect(_dsn(), autocommit=False) as other:
            other_pid.append(other.execute("SELECT pg_backend_pid()").fetchone()[0])
            other.execute("SET LOCAL deadlock_timeout = '10s'")
            other.execute("SELECT 1 FROM field_api_household WHERE id = %s FOR NO KEY UPDATE", [home["id"]])
            other.execute(
                "INSERT INTO field_api_visitkey (id) VALUES (%s) ON CONFLICT DO NOTHING", [knock["id"]]
            )
            other.rollback()

    def start_other():
        """Returns once the other push holds the household and waits for the id: only then is the cycle
        there for this push's deadlock check to find."""
        threading.Thread(target=other_push, daemon=True).start()
        with psycopg.connect(_dsn(), autocommit=True) as watcher:
            for _attempt in range(500):
                waiting = (
                    other_pid
                    and watcher.execute(
                        "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", other_pid
                    ).fetchone()
                )
                if waiting and waiting[0]:
                    return
                time.sleep(0.02)
        raise AssertionError("the other push never came to wait for the visit's id")

    runs = between_ahead_and_locks(start_other, wait=False)
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '50ms'")
    try:
        response = volunteer.post(PUSH, {"visits": [knock]}, format="json")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET deadlock_timeout")
    assert response.status_code == 200
    assert by_id(response)[knock["id"]]["status"] == "created"
    assert runs == [True, False]
    assert (Visit.objects.count(), HelpItem.objects.count(), VisitKey.objects.count()) == (1, 2, 1)
    _rollups_exact([world.a.village.code])


def _dsn() -> str:
    settings = connection.settings_dict
    return f"host={settings['HOST']} port={settings['PORT'] or 5432} user={settings['USER']} dbname={settings['NAME']}"
