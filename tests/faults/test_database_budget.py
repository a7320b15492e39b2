"""A household row locked by another session, or a table locked by a migration, stalls no one: each
request kind waits at most its lock budget, then answers 503 with Retry-After (JSON under /api/, a
Vietnamese page elsewhere); every other request keeps being answered meanwhile (backend/db_budget.py).

The first test runs the real gunicorn (2 sync workers) against the PostgreSQL test database; the others
run in-process and cover every request kind and the request deadline.
"""

import threading
import time

import psycopg
import pytest
import requests
from django.db import connection
from knox.models import AuthToken

from backend.db_budget import KINDS, Budget, _Deadline, budget_for, is_budget_exceeded, reset_budget
from core.models import Household, Role
from tests.field_api.sync_helpers import household, visit
from tests.real_services import TableLock, database_url, free_port, start_gunicorn, stop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOCK_SECONDS = 2


class RowLock:
    """Another session holding one household row FOR UPDATE, as an admin edit left open would."""

    def __init__(self, household_id: str):
        self.connection = psycopg.connect(database_url())
        self.connection.execute("SELECT id FROM field_api_household WHERE id = %s FOR UPDATE", [household_id])
        self.pid = self.connection.info.backend_pid

    def release(self):
        self.connection.rollback()
        self.connection.close()


def _token(user) -> str:
    return AuthToken.objects.create(user)[1]


def test_a_held_household_row_answers_503_and_everything_else_keeps_going(world, settings):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    village = world.a.village
    token = _token(world.a.users[Role.VOLUNTEER])
    leader_token = _token(world.a.users[Role.TEAM_LEADER])
    port = free_port()
    server = start_gunicorn(port=port, DB_TIMEOUTS_PUSH=f"{LOCK_SECONDS}/20")
    base = f"http://127.0.0.1:{port}"

    def call(method: str, path: str, body=None, *, as_token=token) -> tuple[requests.Response, float]:
        started = time.monotonic()
        # The client waits as long as gunicorn would let a worker run (--timeout 60): an answer inside
        # that is the server's own, never gunicorn's kill.
        answer = requests.request(
            method, base + path, json=body, headers={"Authorization": f"Token {as_token}"}, timeout=60
        )
        return answer, time.monotonic() - started

    try:
        locked, free = household(village.code), household(village.code)
        first, _ = call("POST", "/api/v1/sync/push/", {"households": [locked, free]})
        assert first.status_code == 200, first.text
        row = RowLock(locked["id"])
        results: dict[str, list] = {"locked": [], "other": []}

        def push_locked():
            results["locked"].append(call("POST", "/api/v1/sync/push/", {"visits": [visit(locked["id"])]}))

        def other_work(index: int):
            if index % 2:
                answer = call("POST", "/api/v1/sync/push/", {"visits": [visit(free["id"])]})
            else:
                answer = call("GET", "/api/v1/sync/pull/?limit=50", as_token=leader_token)
            results["other"].append(answer)

        try:
            # Both workers' worth of pushes of the locked household, and the rest of the team beside them.
            threads = [threading.Thread(target=push_locked) for _i in range(4)]
            threads += [threading.Thread(target=other_work, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            print(
                "\nROW LOCK FIGURES: locked pushes answered in "
                f"{sorted(round(seconds, 2) for _a, seconds in results['locked'])} s; "
                f"other requests in {sorted(round(seconds, 2) for _a, seconds in results['other'])} s"
            )
        finally:
            row.release()
        for answer, _seconds in results["locked"]:
            assert answer.status_code == 503, answer.text
            assert answer.headers["Content-Type"].startswith("application/json")
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["detail"].startswith("Máy chủ đang bận")
        assert [answer.status_code for answer, _s in results["other"]] == [200] * 8
        assert not any(
            result["status"] == "rejected"
            for answer, _s in results["other"]
            for result in answer.json().get("results", [])
        )
        # Nothing of the refused pushes was stored; once the lock is gone the phone's retry goes through.
        assert Household.objects.get(pk=locked["id"]).last_visited_at is None
        retry, _ = call("POST", "/api/v1/sync/push/", {"visits": [visit(locked["id"])]})
        assert retry.status_code == 200 and retry.json()["results"][0]["status"] == "created"
    finally:
        stop(server)


PAGE_KINDS = {
    # path, kind, a table it must read
    "push": ("POST", "/api/v1/sync/push/", "field_api_household"),
    "pull": ("GET", "/api/v1/sync/pull/", "field_api_household"),
    "api": ("GET", "/api/v1/coverage/?level=village&commune={commune}", "field_api_village"),
    "page": ("GET", "/villages/{village}/", "field_api_household"),
    "export": ("GET", "/villages/{village}/xlsx/", "field_api_household"),
}


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_request_kind_answers_503_past_its_lock_budget(kind, world, settings, client_for, client):
    """A table locked ACCESS EXCLUSIVE (a migration, a VACUUM FULL) holds whatever reads it: each kind of
    request waits its own lock budget, then says so (JSON under /api/, the Vietnamese page elsewhere)."""
    settings.DB_TIMEOUTS = {**settings.DB_TIMEOUTS, kind: (0.3, 10)}
    method, path, table = PAGE_KINDS[kind]
    path = path.format(commune=world.a.commune.code, village=world.a.village.code)
    user = world.a.users[Role.COMMUNE_LEADER]
    api = client_for(user)
    client.force_login(user)
    lock = TableLock(table)
    try:
        if path.startswith("/api/"):
            body = {"households": [household(world.a.village.code)]} if method == "POST" else None
            answer = getattr(api, method.lower())(path, body, format="json")
            assert answer["Content-Type"] == "application/json"
            assert answer.json()["detail"].startswith("Máy chủ đang bận")
        else:
            answer = client.get(path)
            assert answer["Content-Type"].startswith("text/html")
            assert "Máy chủ đang bận" in answer.content.decode()
    finally:
        lock.release()
    assert answer.status_code == 503
    assert int(answer["Retry-After"]) == settings.DB_BUSY_RETRY_AFTER_SECONDS
    # The connection is sound afterwards: the next request of the same process is served.
    assert api.get("/api/v1/me/").status_code == 200


def test_a_request_past_its_deadline_is_cut_between_and_inside_statements(db):
    """The deadline covers the request's statements together, not each one: a request whose statements
    each fit the budget but together would not is cut (by statement_timeout lowered to what is left, or
    before the next statement starts)."""
    deadline = _Deadline(Budget(lock_ms=1000, total_ms=1500), primed=set())
    errors = []
    try:
        with connection.execute_wrapper(deadline):
            for _step in range(4):
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.6)")
                except Exception as error:  # noqa: BLE001 - what kind of error is the point
                    errors.append(error)
                    break
    finally:
        reset_budget(connection)  # as the middleware does at the end of a request
    assert len(errors) == 1 and is_budget_exceeded(errors[0])
    with connection.cursor() as cursor:  # the session is usable afterwards
        cursor.execute("SELECT 1")


def test_every_kind_has_a_budget_under_gunicorns_timeout(settings):
    """Every web kind ends its database work before gunicorn's default timeout (30 s) kills the worker."""
    for kind in KINDS:
        budget = budget_for(kind)
        assert 0 < budget.lock_ms <= budget.total_ms
        if kind != "task":
            assert budget.total_ms < 30_000, kind
    assert budget_for("task").total_ms < settings.CELERY_TASK_SOFT_TIME_LIMIT * 1000


def _session_timeouts() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
        return cursor.fetchone()


def test_a_requests_budget_ends_with_the_request(world, client_for):
    """What a request set never stays on the connection: the next thing to use it (another request, a
    command, a test) starts from the connection's own settings."""
    before = _session_timeouts()
    api = client_for(world.a.users[Role.VOLUNTEER])
    for path in ("/api/v1/sync/pull/", "/api/v1/me/", f"/villages/{world.a.village.code}/"):
        api.get(path)
        assert _session_timeouts() == before
