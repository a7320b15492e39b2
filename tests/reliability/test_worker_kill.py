"""A gunicorn worker killed in the middle of a push: the phone sees a cut connection, nothing is half
stored, and the phone's retry stores the batch exactly once.

To kill the worker at a known point rather than by timing, the test holds a lock on the visit table:
the push stores its 150 households, then waits for the lock at its visit insert. The worker serving
that very connection (found through its PostgreSQL client port) is then killed with SIGKILL.
"""

import http.client
import json
import os
import signal
import threading
import time

import psycopg
import pytest
from django.db import connection

from core.models import FollowUp, GroupSession, HelpItem, Household, Visit
from tests.reliability import wire
from tests.reliability.conftest import field_teams
from tests.reliability.phones import Phone

pytestmark = [pytest.mark.postgres]

WAITING_PUSH_SQL = """
SELECT pid, client_port FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE %s
"""
VISIT_INSERT = '%INSERT INTO "field_api_visit"%'


def _poll(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    return None


def _blocker() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        dbname=settings["NAME"],
    )


def _query(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_worker_killed_mid_push_then_the_retry_is_stored_once(gunicorn):
    team = field_teams(teams=1, phones_per_team=1)[0]
    entry = team.phones[0]
    phone = Phone(
        index=0, token=entry["token"], device_id=entry["device_id"], villages=team.villages, team=0, seed=7
    )
    payload = phone.big_batch(households=150, visits_each=2, sessions=50)
    items = len(payload["households"]) + len(payload["visits"]) + len(payload["group_sessions"])
    assert items == 500
    help_items = sum(len(v["help"]) for v in payload["visits"])
    body = json.dumps(payload).encode()

    blocker = _blocker()
    blocker.execute('LOCK TABLE "field_api_visit" IN SHARE ROW EXCLUSIVE MODE')  # inserts wait, reads don't
    seen: dict = {}

    def first_try():
        try:
            seen["answer"] = wire.request(
                gunicorn.port, "POST", "/api/v1/sync/push/", token=phone.token, body=body
            )
        except (OSError, http.client.HTTPException) as error:
            seen["error"] = error

    try:
        sender = threading.Thread(target=first_try)
        sender.start()
        waiting = _poll(lambda: _query(WAITING_PUSH_SQL, [VISIT_INSERT]))
        assert waiting, f"the push never reached the visit insert\n{gunicorn.log_tail()}"
        backend_pid, client_port = waiting[0]
        worker = gunicorn.worker_with_database_port(client_port)
        assert worker in gunicorn.worker_pids(), "no gunicorn worker owns the waiting database connection"
        # The households are written, uncommitted, when the worker dies.
        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=60)
    finally:
        blocker.rollback()
        blocker.close()
    assert "error" in seen, f"the phone got an answer from a killed worker: {seen}"

    # PostgreSQL rolls the dead worker's transaction back once it finds its client gone.
    assert _poll(lambda: not _query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]))
    assert Household.objects.count() == Visit.objects.count() == GroupSession.objects.count() == 0
    gunicorn.wait_for_workers(2)

    retry = wire.request(gunicorn.port, "POST", "/api/v1/sync/push/", token=phone.token, body=body)
    assert retry.status == 200, retry.body[:500]
    statuses = {(r["type"], r["status"]) for r in retry.json()["results"]}
    assert statuses == {("household", "created"), ("visit", "created"), ("group_session", "created")}
    again = wire.request(gunicorn.port, "POST", "/api/v1/sync/push/", token=phone.token, body=body)
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}

    assert Household.objects.count() == len(payload["households"])
    assert Visit.objects.count() == len(payload["visits"])
    assert HelpItem.objects.count() == help_items
    assert GroupSession.objects.count() == len(payload["group_sessions"])
    open_followups = set(
        FollowUp.objects.filter(closed_at__isnull=True).values_list("household_id", "service_id")
    )
    assert {(str(h), s) for h, s in open_followups} == phone.ledger.open_followups()
    print(
        "\nKILL FIGURES "
        + json.dumps(
            {
                "items in the killed push": items,
                "help items": help_items,
                "worker killed": worker,
                "client saw": type(seen["error"]).__name__,
                "stored after retry": Household.objects.count()
                + Visit.objects.count()
                + GroupSession.objects.count(),
            }
        )
    )
