"""Connection pooling as production can run it: gunicorn (2 workers, --preload) with psycopg's pool
(DB_POOL_MAX_SIZE) and the server-side binding the push path uses, on the PostgreSQL test database.

Phones push in parallel (fresh batches and retries), pull, and a leader reads coverage: every answer is
right, every visit stored once, and the server never holds more connections than its pools allow.
"""

import threading

import psycopg
import pytest
import requests
from django.core.management import call_command
from django.db import connection

from core.models import Role, Visit
from coverage.models import VillageCoverage
from tests.field_api.sync_helpers import household, visit
from tests.real_services import free_port, start_gunicorn, stop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-that-dai"  # noqa: S105
POOL_SIZE = 3
WORKERS = 2  # start_gunicorn's


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{base}/api/v1/auth/login/", json={"username": username, "password": PASSWORD}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = f"Token {answer.json()['token']}"
    return session


def _connections_of_this_database() -> int:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
    ) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings["NAME"]],
        ).fetchone()[0]


def test_pooled_server_stores_every_push_once(world, settings):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    # Stored as the server checks them (the test settings' fast hasher is not among its hashers).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for role in (Role.VOLUNTEER, Role.TEAM_LEADER, Role.COMMUNE_LEADER):
        user = world.a.users[role]
        user.set_password(PASSWORD)
        user.save()
    port = free_port()
    before = _connections_of_this_database()
    server = start_gunicorn(port=port, DB_POOL_MAX_SIZE=str(POOL_SIZE), CELERY_BROKER_URL="")
    base = f"http://127.0.0.1:{port}"
    try:
        phones = [
            _login(base, world.a.users[Role.VOLUNTEER].username),
            _login(base, world.a.users[Role.TEAM_LEADER].username),
        ]
        homes = [household(world.a.village.code) for _i in range(40)]
        batches = [
            {"households": homes[i : i + 5], "visits": [visit(h["id"]) for h in homes[i : i + 5]]}
            for i in range(0, 40, 5)
        ]
        answers: list[int] = []
        peak = [0]

        def phone(session: requests.Session, mine: list[dict]) -> None:
            for batch in mine:
                for _attempt in range(2):  # every batch sent twice: the retry stores nothing more
                    answers.append(
                        session.post(f"{base}/api/v1/sync/push/", json=batch, timeout=60).status_code
                    )
                    peak[0] = max(peak[0], _connections_of_this_database() - before)
                answers.append(session.get(f"{base}/api/v1/sync/pull/", timeout=60).status_code)

        threads = [threading.Thread(target=phone, args=(phones[n], batches[n::2])) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        leader = _login(base, world.a.users[Role.COMMUNE_LEADER].username)
        coverage = leader.get(
            f"{base}/api/v1/coverage/?level=village&commune={world.a.commune.code}", timeout=60
        )

        assert set(answers) == {200}
        assert coverage.status_code == 200, coverage.text
        assert Visit.objects.count() == 40
        assert VillageCoverage.objects.get(village=world.a.village).households_reached == 40
        # Each worker's pool (and nothing else) holds the server's connections.
        assert 0 < peak[0] <= WORKERS * POOL_SIZE
    finally:
        stop(server)


def test_pool_and_pgbouncer_settings_come_from_the_environment():
    import json
    import subprocess
    import sys

    from tests.real_services import service_env

    script = (
        "import django, json; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; print(json.dumps([db['CONN_MAX_AGE'], db['OPTIONS']]))"
    )
    env = service_env(DB_POOL_MAX_SIZE="8", DB_PREPARE_THRESHOLD="none")
    command = [sys.executable, "-c", script]
    answer = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    conn_max_age, options = json.loads(answer.stdout)
    assert conn_max_age == 0  # the pool keeps connections, Django does not
    assert options["pool"] == {"min_size": 2, "max_size": 8, "timeout": 10}
    assert options["server_side_binding"] is True and options["prepare_threshold"] is None
