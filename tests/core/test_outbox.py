"""The transactional outbox (backend/outbox.py): work is written with the data, published after
commit, kept while the broker is away, published once by concurrent drainers, and a failing task never
turns a stored push into an error."""

import datetime as dt
import threading
import time

import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from backend.celery import app
from backend.models import OutboxMessage
from backend.outbox import outbox_drain, outbox_enqueue
from campaigns.models import Campaign, CampaignVillageDay
from campaigns.projections import RECOUNT_TASK
from core.models import Household, Role
from coverage.models import VillageCoverage
from field_api.push import sync_push
from tests import factories
from tests.field_api.sync_helpers import household, visit
from tests.real_services import UNREACHABLE_REDIS, celery_publishing_to, fresh_redis_urls, wait_for

AFTER_PUSH = RECOUNT_TASK
recorded: list[int] = []


@app.task(name="tests.outbox.record")
def record(n: int) -> None:
    time.sleep(0.002)  # long enough for two drainers to overlap
    recorded.append(n)


@app.task(name="tests.outbox.explode")
def explode() -> None:
    raise RuntimeError("a task that always fails")


@pytest.fixture
def services(db, world):
    _catalogue_and_running_campaign(world)


def _catalogue_and_running_campaign(world) -> None:
    """The catalogue, and a campaign running in province A: what a push leaves for the worker is the
    campaign's recount of villages whose households were counted again (see ``_push``)."""
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    Campaign.objects.create(
        name="Chiến dịch",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )


def _push(world):
    """A visit to a household whose members were counted again: campaigns recount every village it
    was visited in, which reads history, so that work waits in the outbox for the worker (the visit
    alone would be added to the rollups in the push itself)."""
    stored = factories.HouseholdFactory(village=world.a.village, members=4)
    home = household(world.a.village.code, id=str(stored.id), base_version=stored.version, members=5)
    return home, {"households": [home], "visits": [visit(home["id"])]}


def test_the_push_writes_its_work_in_its_own_transaction(world, services):
    volunteer = world.a.users[Role.VOLUNTEER]
    home, payload = _push(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        sync_push(user=volunteer, payload=payload)
        assert list(OutboxMessage.objects.values_list("task", "kwargs")) == [
            (AFTER_PUSH, {"village_codes": [world.a.village.code]})
        ]
        # The coverage rollup took the pushed rows in the push's own transaction.
        assert VillageCoverage.objects.get(village=world.a.village).households_reached == 1
        raise RuntimeError("the push's transaction rolls back")
    assert not OutboxMessage.objects.exists()
    assert Household.objects.get(pk=home["id"]).members == 4


def test_committed_work_is_drained_after_commit(
    world, services, client_for, django_capture_on_commit_callbacks
):
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    _home, payload = _push(world)
    with django_capture_on_commit_callbacks() as callbacks:
        assert volunteer.post("/api/v1/sync/push/", payload, format="json").status_code == 200
    # Committed, not yet published: the row is there, the campaign's rollup did not run in the request.
    assert OutboxMessage.objects.filter(task=AFTER_PUSH).count() == 1
    assert not CampaignVillageDay.objects.exists()
    for callback in callbacks:
        callback()
    assert not OutboxMessage.objects.exists()
    assert _reached(world.a.village) == 1


def also_explode(batch) -> None:
    """A projection whose task will fail on the worker."""
    outbox_enqueue(task="tests.outbox.explode", kwargs={})


def test_a_failing_task_never_fails_the_push(
    world, services, client_for, django_capture_on_commit_callbacks, settings
):
    settings.FIELD_RECORD_PROJECTIONS = [*settings.FIELD_RECORD_PROJECTIONS, f"{__name__}.also_explode"]
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    home, payload = _push(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = volunteer.post("/api/v1/sync/push/", payload, format="json")
    assert response.status_code == 200
    assert [result["status"] for result in response.json()["results"]] == ["updated", "created"]
    assert Household.objects.get(pk=home["id"]).members == 5
    # The other work went through; the failed task is kept, to be tried again later, not at once.
    failed = OutboxMessage.objects.get()
    assert failed.task == "tests.outbox.explode"
    assert failed.attempts == 1 and failed.available_at > timezone.now()
    assert VillageCoverage.objects.filter(village=world.a.village).exists()
    assert outbox_drain() == 0
    assert OutboxMessage.objects.get().attempts == 1


def test_an_unknown_task_is_kept_not_lost(db):
    outbox_enqueue(task="coverage.tasks.renamed_long_ago", kwargs={})
    assert outbox_drain() == 0
    assert OutboxMessage.objects.get().attempts == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drainers_publish_each_row_once():
    recorded.clear()
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(task="tests.outbox.record", kwargs={"n": n}) for n in range(300)]
    )
    start = threading.Barrier(2)
    published: list[int] = []

    def drainer():
        start.wait()
        try:
            published.append(outbox_drain(limit=20))
        finally:
            connection.close()

    threads = [threading.Thread(target=drainer) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(recorded) == list(range(300))
    assert sum(published) == 300
    assert not OutboxMessage.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_work_waits_while_the_broker_is_away_and_the_next_push_publishes_it(world, client_for):
    _catalogue_and_running_campaign(world)  # a running campaign: the push has work for the worker
    with celery_publishing_to(UNREACHABLE_REDIS):
        with transaction.atomic():
            for code in ("51001-01", "51001-02"):
                outbox_enqueue(task=AFTER_PUSH, kwargs={"village_codes": [code]})
        assert outbox_drain() == 0
        assert OutboxMessage.objects.count() == 2
    broker_url, _cache_url = fresh_redis_urls()
    with celery_publishing_to(broker_url):
        # The broker is back (no worker yet): the next push's dispatcher publishes its work and the rest.
        volunteer = client_for(world.a.users[Role.VOLUNTEER])
        _home, payload = _push(world)
        assert volunteer.post("/api/v1/sync/push/", payload, format="json").status_code == 200
        assert wait_for(lambda: not OutboxMessage.objects.exists(), seconds=30)
    assert redis.Redis.from_url(broker_url).llen("maps") == 3


def test_dispatcher_never_publishes_before_commit(world, services, client_for):
    """In a test's transaction nothing commits: the row stays and nothing was published."""
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    _home, payload = _push(world)
    assert volunteer.post("/api/v1/sync/push/", payload, format="json").status_code == 200
    message = OutboxMessage.objects.get()
    assert message.attempts == 0 and message.available_at <= timezone.now() + dt.timedelta(seconds=1)


def _reached(village) -> int:
    """Households the running campaign reached in this village (its rows are per day and team)."""
    return sum(
        CampaignVillageDay.objects.filter(village=village).values_list("households_reached", flat=True)
    )


slow_started = threading.Event()
slow_release = threading.Event()
slow_done = threading.Event()


@app.task(name="tests.outbox.slow_job")
def slow_job() -> None:
    """A long job whose progress a page would poll: it waits until the test lets it end."""
    slow_started.set()
    slow_release.wait(timeout=30)
    slow_done.set()


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_long_jobs_run_beside_the_request_and_short_ones_in_it(settings):
    """The embedded default has no worker: a short task still runs before the request answers, but a
    job listed in OUTBOX_BACKGROUND_TASKS runs on the outbox's thread, so the request that asked for it
    answers while it runs (the page's progress bar can move) and it still runs exactly once."""
    settings.OUTBOX_BACKGROUND_TASKS = ("tests.outbox.slow_job",)
    for event in (slow_started, slow_release, slow_done):
        event.clear()
    recorded.clear()
    with transaction.atomic():
        outbox_enqueue(task="tests.outbox.slow_job", kwargs={})
        outbox_enqueue(task="tests.outbox.record", kwargs={"n": 7})
    # The commit returned while the slow job still waits: the request is not held by it.
    assert recorded == [7]
    assert slow_started.wait(timeout=10), "the long job never started on the outbox's thread"
    assert not slow_done.is_set()
    assert OutboxMessage.objects.filter(task="tests.outbox.slow_job").exists()  # claimed, still running
    slow_release.set()
    assert slow_done.wait(timeout=10)
    assert wait_for(lambda: not OutboxMessage.objects.exists(), seconds=10)
    assert recorded == [7]


def test_the_embedded_default_runs_sheet_jobs_in_the_background():
    """What the product runs with no worker (``backend/settings/base.py``), not the tests' value."""
    from backend.settings import base

    assert set(base.OUTBOX_BACKGROUND_TASKS) >= {"onboarding.check_sheet", "onboarding.import_sheet"}
