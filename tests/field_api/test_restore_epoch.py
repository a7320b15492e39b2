"""A restore of any kind ends every cursor issued before it (410, the phone starts over).

A backup restored inside the same PostgreSQL cluster (pg_dump, then a restore into a new database, as a
drop-and-restore under the same name or CREATE DATABASE ... TEMPLATE also give) keeps the rows, their
change stamps, the random epoch in SyncClock and the cluster's transaction counter: only the database's
own identity tells it apart (core/services/changes.py ``database_identity``).
"""

import subprocess

import psycopg
import pytest
from django.db import connection

from core.models import Role
from core.services.changes import Cursor, database_identity, sync_epoch
from tests.field_api.sync_helpers import household
from tests.real_services import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(database_url().rsplit("/", 1)[0] + "/postgres", autocommit=True)


@pytest.fixture
def backup():
    """``backup.take()`` dumps the test database with pg_dump and restores it into a new database of the
    same cluster, as an operator would (a dump runs while others are connected, a template copy cannot);
    ``backup.restore()`` points this process's connection at the copy, as a server restarted on a
    restored database would."""
    original = connection.settings_dict["NAME"]
    copy = f"{original}_restored"

    class Backup:
        @staticmethod
        def take():
            connection.close()
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
                admin.execute(f'CREATE DATABASE "{copy}"')
            base = database_url().rsplit("/", 1)[0]
            # Debian's PostgreSQL client tools, beside the server the tests use.
            dump = subprocess.run(  # noqa: S603
                ["pg_dump", "--no-owner", f"{base}/{original}"],  # noqa: S607
                capture_output=True,
                check=True,
            )
            subprocess.run(  # noqa: S603
                ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", f"{base}/{copy}"],  # noqa: S607
                input=dump.stdout,
                capture_output=True,
                check=True,
            )

        @staticmethod
        def restore():
            connection.close()
            connection.settings_dict["NAME"] = copy

    try:
        yield Backup
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def test_a_cursor_from_before_a_restore_into_the_same_cluster_answers_410(world, client_for, backup):
    api = client_for(world.a.users[Role.VOLUNTEER])
    kept = [household(world.a.village.code) for _i in range(2)]
    assert api.post("/api/v1/sync/push/", {"households": kept}, format="json").status_code == 200
    backup.take()
    lost = [household(world.a.village.code) for _i in range(2)]  # after the backup: the restore loses them
    assert api.post("/api/v1/sync/push/", {"households": lost}, format="json").status_code == 200
    pulled = api.get("/api/v1/sync/pull/")
    assert {h["id"] for h in kept + lost} <= {h["id"] for h in pulled.json()["households"]}
    cursor = pulled.json()["cursor"]
    assert api.get("/api/v1/sync/pull/", {"cursor": cursor}).status_code == 200  # good where it was issued
    before = (sync_epoch(), database_identity())

    backup.restore()
    assert api.get("/api/v1/me/").status_code == 200  # the copy holds the same users and tokens
    after = (sync_epoch(), database_identity())
    assert before[0] != after[0] and before[1] != after[1]
    answer = api.get("/api/v1/sync/pull/", {"cursor": cursor})
    assert answer.status_code == 410, "the phone would keep households the server no longer has"
    assert "cursor" in answer.json()["errors"]
    # The phone starts over without a cursor: it gets what the server has, and the copy's cursors work.
    fresh = api.get("/api/v1/sync/pull/").json()
    assert {h["id"] for h in fresh["households"]} == {h["id"] for h in kept}
    assert Cursor.decode(fresh["cursor"]).epoch == after[0]
    assert api.get("/api/v1/sync/pull/", {"cursor": fresh["cursor"]}).status_code == 200


def test_the_identity_names_cluster_database_and_timeline(db):
    """What the epoch folds in, read on every pull (never cached in the process): the cluster's system
    identifier, the database's oid and the WAL timeline (a point-in-time restore or a promoted replica
    continues on a new one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid::text FROM pg_database WHERE datname = current_database()")
        oid = cursor.fetchone()[0]
        cursor.execute("SELECT system_identifier::text FROM pg_control_system()")
        system = cursor.fetchone()[0]
        cursor.execute("SELECT timeline_id FROM pg_control_checkpoint()")
        timeline = cursor.fetchone()[0]
    assert database_identity() == f"{oid}:{system}:{timeline:08X}"
