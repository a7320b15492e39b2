"""A real Celery worker process killed (SIGKILL) in the middle of a task: the message comes back
(acks_late + task_reject_on_worker_lost), a new worker process does the work again, and nothing is
counted or written twice.

The task is held mid-way by PostgreSQL itself, not by a hook in the code: the test locks a table the task
must read or rewrite, waits until the task's connection is waiting on that lock, then kills the process
running the task.
"""

import datetime as dt
import os
import signal
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.models import OutboxMessage
from campaigns.models import Campaign, CampaignVillageDay, ExportJob, VillageRecountAsk
from core.models import Role, Visit
from coverage.models import VillageCoverage
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


@pytest.fixture
def campaign(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    return Campaign.objects.create(
        name="30 ngày đêm",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=20),
    )


@pytest.fixture
def prefork_worker(settings, tmp_path):
    """A worker as production runs it: a parent process and a pool process that runs the tasks."""
    broker_url, cache_url = fresh_redis_urls()
    settings.CACHES = redis_cache(cache_url)
    settings.MEDIA_ROOT = tmp_path
    with celery_publishing_to(broker_url):
        worker = start_worker(
            broker_url=broker_url, cache_url=cache_url, pool="prefork", MEDIA_ROOT=str(tmp_path)
        )
        try:
            yield worker
        finally:
            stop(worker)


def _pool_processes(worker) -> set[int]:
    children = set()
    for thread in os.listdir(f"/proc/{worker.pid}/task"):
        try:
            with open(f"/proc/{worker.pid}/task/{thread}/children") as listed:
                children |= {int(pid) for pid in listed.read().split()}
        except FileNotFoundError:
            pass
    return children


def _kill_the_process_running_the_task(worker, lock: TableLock) -> None:
    assert wait_for(lambda: lock.tasks_waiting() >= 1), "the task never reached the locked table"
    (running,) = _pool_processes(worker)  # --concurrency 1: one pool process
    os.kill(running, signal.SIGKILL)
    assert wait_for(lambda: running not in _pool_processes(worker) and len(_pool_processes(worker)) == 1)
    assert worker.poll() is None, "the worker itself must survive and start a new pool process"


def test_an_export_killed_mid_run_is_done_again(prefork_worker, campaign, world, client_for, tmp_path):
    lock = TableLock(CampaignVillageDay._meta.db_table)
    try:
        officer = client_for(world.a.users[Role.PROVINCE_OFFICER])
        response = officer.post(
            f"/api/v1/campaigns/{campaign.pk}/exports/", {"format": "xlsx"}, format="json"
        )
        assert response.status_code == 202
        job_id = response.json()["id"]
        assert wait_for(lambda: ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).exists())
        _kill_the_process_running_the_task(prefork_worker, lock)
    finally:
        lock.release()
    assert wait_for(lambda: ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.DONE).exists()), (
        "the export was not done again"
    )
    job = ExportJob.objects.get(pk=job_id)
    assert job.attempts == 2  # the redelivered message ran it a second time, nobody asked again
    assert [path.name for path in (tmp_path / "exports").iterdir()] == [job.file.name.rsplit("/", 1)[-1]]
    assert officer.get(f"/api/v1/exports/{job_id}/").json()["status"] == "done"
    assert not OutboxMessage.objects.exists()


def test_a_recount_killed_mid_run_is_done_again_and_counted_once(prefork_worker, campaign, world, client_for):
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    homes = [household(world.a.village.code) for _i in range(4)]
    visits = [visit(h["id"], minutes_ago=60 * 24 * day) for day, h in enumerate(homes[:3])]
    visits.append(visit(homes[0]["id"], minutes_ago=30))  # a second visit to one household
    response = volunteer.post("/api/v1/sync/push/", {"households": homes, "visits": visits}, format="json")
    assert response.status_code == 200  # the campaign took these visits in the push itself
    # A household counted again: its village is recounted on the worker, which is killed mid-way.
    recounted = {**homes[0], "base_version": 1, "members": homes[0]["members"] + 1}
    lock = TableLock(CampaignVillageDay._meta.db_table)
    try:
        response = volunteer.post("/api/v1/sync/push/", {"households": [recounted]}, format="json")
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == "updated"
        _kill_the_process_running_the_task(prefork_worker, lock)
    finally:
        lock.release()
    assert wait_for(lambda: not VillageRecountAsk.objects.exists()), "the recount was not done again"
    assert wait_for(lambda: not OutboxMessage.objects.exists())
    assert VillageCoverage.objects.get(village=world.a.village).households_reached == 3
    # Independent count from the visits: one row per (village, team, day), households counted once.
    expected = Counter(
        (v.village_id, v.team_id, timezone.localtime(v.visited_at).date())
        for v in Visit.objects.filter(village=world.a.village)
    )
    rows = list(CampaignVillageDay.objects.filter(campaign=campaign))
    assert Counter((r.village_id, r.team_id, r.day) for r in rows) == Counter(dict.fromkeys(expected, 1))
    assert sum(r.visits for r in rows) == 4
    assert sum(r.households_reached for r in rows) == 3
