"""Cursors belong to one change history: out of range is a 400, another history or a stamp ahead of
the clock is a 410 (start over), never a silent empty answer. A long transaction holding the horizon
back is said in the answer (``held_back``) and idle ones are ended by PostgreSQL."""

import base64
import uuid

import pytest
from django.db import connection

from core.models import Role, SyncClock
from core.services.changes import Cursor, database_identity, sync_epoch
from tests.field_api.sync_helpers import household

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]

PUSH = "/api/v1/sync/push/"
PULL = "/api/v1/sync/pull/"


@pytest.fixture
def phone(world, client_for):
    client = client_for(world.a.users[Role.VOLUNTEER])
    client.post(PUSH, {"households": [household("51001-01") for _i in range(3)]}, format="json")
    return client


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "stamp",
    ["-1", str(2**63), str(10**30), "1e5", "١٢", " 5", "", "0x10", "9" * 5000],
)
def test_a_stamp_outside_the_range_is_a_400_naming_cursor(phone, stamp):
    for cursor in (
        _raw_cursor(f"{stamp}:{uuid.uuid4().hex}"),
        _raw_cursor(f"{sync_epoch()}:{stamp}:{uuid.uuid4().hex}"),
    ):
        response = phone.get(PULL, {"cursor": cursor})
        assert response.status_code == 400, (stamp, response.content)
        assert set(response.json()["errors"]) == {"cursor"}


@pytest.mark.parametrize(
    "garbage", ["%%%", "a" * 201, _raw_cursor("1:2:3:4"), _raw_cursor("x:y"), "\u00e9t\u00e9", "AA=="]
)
def test_garbage_cursors_are_a_400_naming_cursor(phone, garbage):
    response = phone.get(PULL, {"cursor": garbage})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"cursor"}


def test_cursors_carry_the_epoch_and_page_as_before(phone):
    body = phone.get(PULL, {"limit": 2}).json()
    assert Cursor.decode(body["cursor"]).epoch == sync_epoch()
    assert body["held_back"] is False
    rest = phone.get(PULL, {"cursor": body["cursor"]}).json()
    assert len(body["households"]) + len(rest["households"]) == 3 and rest["has_more"] is False


def test_a_cursor_from_another_history_is_a_410_telling_the_phone_to_start_over(phone):
    cursor = Cursor.decode(phone.get(PULL).json()["cursor"])
    # A restore into another cluster keeps the rows but not the history: simulate it with a new epoch.
    SyncClock.objects.filter(pk=1).update(epoch=uuid.uuid4())
    response = phone.get(PULL, {"cursor": cursor.encode()})
    assert response.status_code == 410
    assert set(response.json()) == {"detail", "errors"} and set(response.json()["errors"]) == {"cursor"}
    # Starting over works, and hands out cursors of the new history.
    fresh = phone.get(PULL).json()
    assert len(fresh["households"]) == 3 and Cursor.decode(fresh["cursor"]).epoch == sync_epoch()
    assert phone.get(PULL, {"cursor": fresh["cursor"]}).status_code == 200


def test_a_stamp_ahead_of_the_clock_is_a_410_even_without_an_epoch(phone):
    current = Cursor.decode(phone.get(PULL).json()["cursor"])
    for epoch in (None, current.epoch):
        ahead = Cursor(current.stamp + 10**12, current.id, epoch)
        assert phone.get(PULL, {"cursor": ahead.encode()}).status_code == 410
    # An old cursor (no epoch) that is not ahead is still accepted, and answered with an epoch.
    old = Cursor(current.stamp, current.id)
    answer = phone.get(PULL, {"cursor": old.encode()})
    assert answer.status_code == 200 and Cursor.decode(answer.json()["cursor"]).epoch == sync_epoch()


@pytest.mark.postgres
def test_the_epoch_names_the_postgresql_cluster(phone):
    with connection.cursor() as cursor:
        cursor.execute("SELECT system_identifier::text FROM pg_control_system()")
        system_id = cursor.fetchone()[0]
    import hashlib

    epoch = sync_epoch()  # creates the random half when a flush removed it
    random_half = SyncClock.objects.get(pk=1).epoch
    # The cluster, and the database inside it (tests/field_api/test_restore_epoch.py).
    identity = database_identity()
    assert system_id in identity.split(":")
    assert epoch == hashlib.sha256(f"{random_half.hex}:{identity}".encode()).hexdigest()[:12]


@pytest.mark.postgres
def test_a_long_write_transaction_is_said_in_the_answer(phone, settings):
    """While a writer older than the threshold runs, changes after it wait, and pull says so."""
    import psycopg

    settings.SYNC_HELD_BACK_AFTER_SECONDS = 0
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )
    try:
        cursor = phone.get(PULL).json()["cursor"]
        other.execute("SELECT pg_current_xact_id()")  # a transaction with an id, left open
        late = household("51001-01")
        phone.post(PUSH, {"households": [late]}, format="json")
        held = phone.get(PULL, {"cursor": cursor}).json()
        assert held["held_back"] is True and held["households"] == []
        other.rollback()
        free = phone.get(PULL, {"cursor": cursor}).json()
        assert free["held_back"] is False and [h["id"] for h in free["households"]] == [late["id"]]
    finally:
        other.close()
    settings.SYNC_HELD_BACK_AFTER_SECONDS = 3600  # a young writer does not count
    other = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )
    try:
        other.execute("SELECT pg_current_xact_id()")
        assert phone.get(PULL).json()["held_back"] is False
    finally:
        other.close()


@pytest.mark.postgres
def test_postgresql_ends_sessions_idle_in_a_transaction():
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "1min"
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
