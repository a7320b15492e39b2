"""The whole Celery worker lost (its main process SIGKILLed with its pool, as when a machine goes):
the task it held comes back from Redis within the (short) visibility timeout and another worker
completes it; and a task running longer than that timeout stays with its worker, never run twice at
once, because the worker renews the messages it holds (backend/worker_guard.py).

The timeout is shortened for the test (CELERY_VISIBILITY_TIMEOUT) exactly as an operator would set it.
"""

import datetime as dt
import os
import signal
import time
from collections import Counter

import pytest
import redis
from django.core.management import call_command
from django.utils import timezone

from backend.models import OutboxMessage
from backend.worker_guard import renew
from campaigns.models import Campaign, CampaignVillageDay, VillageRecountAsk
from core.models import Role, Visit
from tests.field_api.sync_helpers import household, visit
from tests.real_services import (
    TableLock,
    celery_publishing_to,
    fresh_redis_urls,
    redis_cache,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VISIBILITY = 6  # seconds; production's default is 120


@pytest.fixture
def brokers(settings, world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=20),
    )
    broker_url, cache_url = fresh_redis_urls()
    settings.CACHES = redis_cache(cache_url)
    workers = []

    def worker(**env):
        process = start_worker(
            broker_url=broker_url,
            cache_url=cache_url,
            pool="prefork",
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY),
            **env,
        )
        workers.append(process)
        return process

    with celery_publishing_to(broker_url):
        try:
            yield broker_url, worker
        finally:
            for process in workers:
                if process.poll() is None:
                    stop(process)


def _children(pid: int) -> set[int]:
    found = set()
    for thread in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{thread}/children") as listed:
                found |= {int(child) for child in listed.read().split()}
        except FileNotFoundError:
            pass
    return found


def _visits_pushed(volunteer, world) -> dict:
    homes = [household(world.a.village.code) for _i in range(3)]
    visits = [visit(h["id"], minutes_ago=60 * 24 * day) for day, h in enumerate(homes)]
    response = volunteer.post("/api/v1/sync/push/", {"households": homes, "visits": visits}, format="json")
    assert response.status_code == 200  # the campaign took these visits in the push itself
    assert wait_for(lambda: not OutboxMessage.objects.exists())
    return homes[0]


def _recount_held_by(lock: TableLock, volunteer, home: dict) -> None:
    """A household counted again: its village is recounted on the worker, which then waits on the
    locked rollup table."""
    recounted = {**home, "base_version": 1, "members": home["members"] + 1}
    response = volunteer.post("/api/v1/sync/push/", {"households": [recounted]}, format="json")
    assert response.json()["results"][0]["status"] == "updated"
    assert wait_for(lambda: lock.tasks_waiting() >= 1), "the recount never reached the locked table"


def _rollup_is_right(world) -> bool:
    expected = Counter(
        (v.village_id, v.team_id, timezone.localtime(v.visited_at).date())
        for v in Visit.objects.filter(village=world.a.village)
    )
    rows = Counter((r.village_id, r.team_id, r.day) for r in CampaignVillageDay.objects.all())
    return rows == Counter(dict.fromkeys(expected, 1))


def test_a_task_of_a_killed_worker_comes_back_within_the_visibility_timeout(brokers, world, client_for):
    broker_url, worker = brokers
    first = worker()
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home = _visits_pushed(volunteer, world)
    lock = TableLock(CampaignVillageDay._meta.db_table)
    try:
        _recount_held_by(lock, volunteer, home)
        pool = _children(first.pid)
        # The machine is gone: the main process and its pool, with no chance to give the message back.
        for pid in (first.pid, *pool):
            os.kill(pid, signal.SIGKILL)
        first.wait(timeout=30)
        killed_at = time.monotonic()
        assert redis.Redis.from_url(broker_url).zcard("unacked_index") == 1  # held for the dead worker
    finally:
        lock.release()
    worker()  # another worker, which knows nothing of the first one's tasks
    assert wait_for(lambda: not VillageRecountAsk.objects.exists(), seconds=120), "the task never came back"
    print(
        f"\nWORKER LOST FIGURES: the recount completed {time.monotonic() - killed_at:.1f} s after the kill "
        f"(visibility timeout {VISIBILITY} s)"
    )
    assert wait_for(lambda: _rollup_is_right(world))
    assert redis.Redis.from_url(broker_url).zcard("unacked_index") == 0


def test_a_task_running_past_the_visibility_timeout_stays_with_its_worker(brokers, world, client_for):
    _broker_url, worker = brokers
    worker()
    worker()  # a second worker that would take the message if it looked abandoned
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home = _visits_pushed(volunteer, world)
    lock = TableLock(CampaignVillageDay._meta.db_table)
    try:
        _recount_held_by(lock, volunteer, home)
        waiting = []
        # Three timeouts long: without renewals the message would be handed to the other worker, which
        # would wait beside the first (on the table, or on a row the first one holds).
        deadline = time.monotonic() + 3 * VISIBILITY
        while time.monotonic() < deadline:
            waiting.append(lock.waiting_in_database())
            time.sleep(0.5)
    finally:
        lock.release()
    assert max(waiting) == 1, waiting
    assert wait_for(lambda: not VillageRecountAsk.objects.exists(), seconds=60)
    assert wait_for(lambda: _rollup_is_right(world))


def test_a_task_past_its_lock_budget_is_tried_again_and_completes(brokers, world, client_for):
    """A task waits at most its lock budget (here 1 s), gives its work back, and is tried again later
    (backend/celery.py), instead of holding a worker for good or failing for good."""
    _broker_url, worker = brokers
    worker(DB_TIMEOUTS_TASK="1/60", TASK_BUDGET_RETRY_SECONDS="1")
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home = _visits_pushed(volunteer, world)
    lock = TableLock(CampaignVillageDay._meta.db_table)
    try:
        _recount_held_by(lock, volunteer, home)
        # Past its budget the task lets go and comes back: seen waiting, gone, waiting again.
        assert wait_for(lambda: lock.tasks_waiting() == 0, seconds=30)
        assert wait_for(lambda: lock.tasks_waiting() >= 1, seconds=30), "the task was not tried again"
        assert VillageRecountAsk.objects.exists()  # nothing of the refused tries was kept
    finally:
        lock.release()
    assert wait_for(lambda: not VillageRecountAsk.objects.exists(), seconds=60), "the retry never completed"
    assert wait_for(lambda: _rollup_is_right(world))


def test_a_renewal_never_brings_back_an_acknowledged_message():
    broker_url, _cache_url = fresh_redis_urls()
    client = redis.Redis.from_url(broker_url)
    client.zadd("unacked_index", {"running": 1.0})
    assert renew(["running", "acknowledged"], client=client) == 1
    assert client.zscore("unacked_index", "running") > time.time() - 60
    assert client.zscore("unacked_index", "acknowledged") is None
