"""Reads off the primary (backend/replica.py), against a real streaming replica that the test starts
(tests/replica/pair.py): gunicorn with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the replica.

- maps and coverage read the replica (its statement log has the query, the primary's does not);
- what a phone writes and reads back (push, pull) never touches the replica;
- a page read right after a push shows the push, whether the replica keeps up, lags, or is stopped.
"""

import itertools
import subprocess
import sys

import pytest
import requests

from tests.field_api.sync_helpers import household, visit
from tests.real_services import ROOT, free_port, fresh_redis_urls, service_env, start_gunicorn, stop
from tests.replica.pair import PostgresPair
from tests.replica.seed import PASSWORD

pytestmark = pytest.mark.postgres

DATABASE = "cnscd_replica"
COVERAGE = "/api/v1/coverage/?level=village&commune=51001"


@pytest.fixture(scope="module")
def pair():
    pair = PostgresPair().start()
    try:
        pair.execute("primary", f"CREATE DATABASE {DATABASE}")
        env = service_env(DATABASE_URL=pair.url("primary", DATABASE))
        subprocess.run([sys.executable, "-m", "tests.replica.seed"], cwd=ROOT, env=env, check=True)  # noqa: S603
        assert pair.caught_up()
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="module")
def server(pair):
    port = free_port()
    _broker, cache_url = fresh_redis_urls()  # one cache for both workers, as in production
    process = start_gunicorn(
        REDIS_URL=cache_url,
        port=port,
        DATABASE_URL=pair.url("primary", DATABASE),
        DATABASE_REPLICA_URL=pair.url("replica", DATABASE),
        CELERY_BROKER_URL="",
        REPLICA_WAIT_MS="300",
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def _session(base: str, username: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{base}/api/v1/auth/login/", json={"username": username, "password": PASSWORD}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = f"Token {answer.json()['token']}"
    return session


def _visited(leader: requests.Session, base: str) -> int:
    answer = leader.get(base + COVERAGE, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["features"][0]["properties"]["households_reached"]


# The module's pushes share one database and one volunteer: each visit minutes apart from the others, or
# two doors under 60 s apart would hold them out of the totals (core.counting).
_minutes_ago = itertools.count(10, 3)


def _push(phone: requests.Session, base: str) -> dict:
    home = household("51001-01")
    answer = phone.post(
        f"{base}/api/v1/sync/push/",
        json={"households": [home], "visits": [visit(home["id"], minutes_ago=next(_minutes_ago))]},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"created"}
    return home


def test_maps_read_the_replica_and_phones_the_primary(pair, server):
    phone, leader = _session(server, "r-tv"), _session(server, "r-xa")
    _push(phone, server)
    assert pair.caught_up()
    marker = "maps_villagecoverage"
    replica_before, primary_before = pair.log("replica").count(marker), pair.log("primary").count(marker)
    assert _visited(leader, server) == 1
    assert pair.log("replica").count(marker) > replica_before, "the coverage API did not read the replica"
    assert pair.log("primary").count(marker) == primary_before, "the coverage API read the primary"

    pulled_before = pair.log("replica").count("field_api_household")
    pull = phone.get(f"{server}/api/v1/sync/pull/", timeout=30)
    assert pull.status_code == 200
    assert pair.log("replica").count("field_api_household") == pulled_before, "a pull read the replica"


def test_a_page_right_after_a_push_shows_it(pair, server):
    phone, leader = _session(server, "r-tv"), _session(server, "r-xa")
    before = _visited(leader, server)
    _push(phone, server)
    assert _visited(leader, server) == before + 1  # the replica keeps up, or is waited for

    pair.execute("replica", "SELECT pg_wal_replay_pause()")
    try:
        home = _push(phone, server)
        # The replica is behind (paused): the primary answers, with the push in it.
        assert _visited(leader, server) == before + 2
        assert home["id"] in {
            row["id"] for row in phone.get(f"{server}/api/v1/sync/pull/", timeout=30).json()["households"]
        }
        page = leader.get(f"{server}/maps/commune/51001/", timeout=30)
        assert page.status_code == 200
    finally:
        pair.execute("replica", "SELECT pg_wal_replay_resume()")
    assert pair.caught_up()
    assert _visited(leader, server) == before + 2


def test_a_stopped_replica_leaves_the_primary_answering(pair, server):
    phone, leader = _session(server, "r-tv"), _session(server, "r-xa")
    before = _visited(leader, server)
    subprocess.run(  # noqa: S603
        [
            *(["runuser", "-u", "postgres", "--"] if pair.as_postgres else []),
            str(pair.bin / "pg_ctl"),
            "-D",
            str(pair.root / "replica"),
            "-m",
            "fast",
            "stop",
        ],
        check=True,
        capture_output=True,
    )
    _push(phone, server)
    assert _visited(leader, server) == before + 1
