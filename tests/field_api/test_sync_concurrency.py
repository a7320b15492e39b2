"""Races that only a real server database shows: several threads, each with its own connection."""

import threading
import traceback
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import HelpItem, Household, Role, Visit
from core.services.changes import change_stamp
from tests.field_api.sync_helpers import household, visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUSH = "/api/v1/sync/push/"
PULL = "/api/v1/sync/pull/"


def _client(user) -> APIClient:
    _instance, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _in_threads(target, count):
    barrier = threading.Barrier(count)
    outcomes, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait()
            outcomes[index] = target(index)
        except Exception:  # surfaced below, so a failing thread fails the test
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return outcomes


@pytest.fixture
def team(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return [_client(world.a.users[Role.VOLUNTEER]), _client(world.a.users[Role.TEAM_LEADER])]


def test_the_same_batch_pushed_at_once_is_stored_once(team):
    homes = [household("51001-01") for _i in range(40)]
    knocks = [visit(h["id"], minutes_ago=i + 1) for i, h in enumerate(homes * 2)]
    body = {"device_id": "p", "households": homes, "visits": knocks}
    clients = [team[i % 2] for i in range(6)]
    responses = _in_threads(lambda i: clients[i].post(PUSH, body, format="json"), 6)
    assert all(r.status_code == 200 for r in responses)
    assert (Household.objects.count(), Visit.objects.count(), HelpItem.objects.count()) == (40, 80, 160)
    created = [
        r["id"] for response in responses for r in response.json()["results"] if r["status"] == "created"
    ]
    assert sorted(created) == sorted([h["id"] for h in homes] + [k["id"] for k in knocks])
    others = {
        r["status"] for response in responses for r in response.json()["results"] if r["status"] != "created"
    }
    assert others <= {"duplicate"}


def test_overlapping_batches_from_several_phones_give_exact_counts(team):
    homes = [household("51001-01") for _i in range(30)]
    team[0].post(PUSH, {"households": homes}, format="json")
    pool = [visit(h["id"], minutes_ago=3 * i + 1) for i, h in enumerate(homes * 4)]  # 120 visits

    def push_window(index):
        window = pool[index * 15 : index * 15 + 60]  # each window overlaps the next three
        return team[index % 2].post(PUSH, {"visits": window}, format="json")

    responses = _in_threads(push_window, 5)
    assert all(r.status_code == 200 for r in responses)
    assert Visit.objects.count() == len({v["id"] for v in pool[: 4 * 15 + 60]}) == 120
    assert HelpItem.objects.count() == 240
    created = [r["id"] for resp in responses for r in resp.json()["results"] if r["status"] == "created"]
    assert len(created) == len(set(created)) == 120


def test_paging_never_skips_a_change_that_commits_late(world, team):
    """A transaction stamps early and commits late; another stamps later and commits first.

    A reader paging between the two must not move its cursor past the early stamp.
    """
    volunteer = team[0]
    early_stamped, release = threading.Event(), threading.Event()
    early_id = uuid.uuid4()

    def slow_writer():
        try:
            with transaction.atomic():
                stamp = change_stamp()
                Household.objects.create(id=early_id, village=world.a.village, label="Chậm", change_seq=stamp)
                early_stamped.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert early_stamped.wait(timeout=30)
    late = household("51001-01")
    assert volunteer.post(PUSH, {"households": [late]}, format="json").status_code == 200
    first = volunteer.get(PULL).json()  # the early transaction is still open
    release.set()
    writer.join(timeout=30)
    seen = [h["id"] for h in first["households"]]
    cursor = first["cursor"]
    while True:
        page = volunteer.get(PULL, {"cursor": cursor}).json()
        seen += [h["id"] for h in page["households"]]
        cursor = page["cursor"]
        if not page["households"]:
            break
    assert sorted(seen) == sorted([str(early_id), late["id"]])


def test_paging_while_phones_push(team):
    created_ids: list[str] = []
    stop = threading.Event()

    def writer(index):
        client = team[index % 2]
        while not stop.is_set() and len(created_ids) < 300:
            batch = [household("51001-01") for _i in range(10)]
            if client.post(PUSH, {"households": batch}, format="json").status_code == 200:
                created_ids.extend(h["id"] for h in batch)
        return True

    writers = [threading.Thread(target=lambda i=i: (writer(i), connection.close())) for i in range(3)]
    for thread in writers:
        thread.start()
    seen: list[str] = []
    cursor = None
    reader = team[0]
    while any(thread.is_alive() for thread in writers):
        page = reader.get(PULL, {"limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        seen += [h["id"] for h in page["households"]]
        cursor = page["cursor"]
        if len(created_ids) >= 300:
            stop.set()
    for thread in writers:
        thread.join(timeout=60)
    while True:
        page = reader.get(PULL, {"limit": 7, "cursor": cursor}).json()
        seen += [h["id"] for h in page["households"]]
        cursor = page["cursor"]
        if not page["has_more"] and not page["households"]:
            break
    assert len(seen) == len(set(seen)), "a change was delivered twice"
    assert set(seen) == set(created_ids), "a change was skipped"


def test_a_long_transaction_in_another_database_does_not_hold_pulls_back(team):
    """Only this database's running writers bound the read horizon: another database's can never
    write our tables (a report or an import elsewhere on the same server must not stall phones)."""
    import psycopg

    settings = connection.settings_dict
    elsewhere = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
    )
    try:
        elsewhere.execute("SELECT pg_current_xact_id()")  # a transaction with an id, left open
        home = household("51001-01")
        assert team[0].post(PUSH, {"households": [home]}, format="json").status_code == 200
        seen = [h["id"] for h in team[0].get(PULL).json()["households"]]
        assert seen == [home["id"]]
    finally:
        elsewhere.rollback()
        elsewhere.close()


def test_two_phones_editing_other_fields_at_once_both_land(team):
    """Issue 22 §3 under load: edits of different fields from the same version, at the same moment, are
    merged one after the other (the household's row lock), never one overwriting the other."""
    homes = [household("51001-01") for _i in range(20)]
    team[0].post(PUSH, {"households": homes}, format="json")
    edits = [
        [{"id": h["id"], "base_version": 1, "fields": {"members": 6}} for h in homes],
        [
            {"id": h["id"], "base_version": 1, "fields": {"phone": "0905111222", "label": "Đã sửa"}}
            for h in homes
        ],
    ]
    responses = _in_threads(lambda i: team[i].post(PUSH, {"households": edits[i]}, format="json"), 2)
    statuses = {r["status"] for response in responses for r in response.json()["results"]}
    assert statuses == {"updated"}
    assert set(Household.objects.values_list("members", "phone", "label", "version")) == {
        (6, "0905111222", "Đã sửa", 3)
    }
