"""A real Celery worker on Redis, as production runs it, sharing the PostgreSQL test database.

After a push commits, the worker refreshes the coverage rollup and pre-renders the maps into the
shared Redis cache.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from backend.celery import app
from field_api.models import Role
from maps.cache import is_cached
from maps.models import VillageCoverage
from tests.field_api.sync_helpers import household, visit

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _forget_connections():
    """Celery keeps producers in kombu's global pools (eager tasks acquire one too, for the serializer):
    close and forget them all so the next task uses the broker now configured."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def real_worker(settings):
    base = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    broker_url, cache_url = f"{base}/11", f"{base}/12"
    for url in (broker_url, cache_url):
        redis.Redis.from_url(url).flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}
    }
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    _forget_connections()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": cache_url,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend",
            "worker",
            "-Q",
            "celery,maps",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        app.conf.update(**previous)
        _forget_connections()


def _wait_for(check, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_worker_refreshes_coverage_and_prerenders_after_a_push(real_worker, world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    homes = [household(world.a.village.code) for _i in range(5)]
    response = volunteer.post(
        "/api/v1/sync/push/",
        {"households": homes, "visits": [visit(h["id"]) for h in homes[:3]]},
        format="json",
    )
    assert response.status_code == 200
    assert real_worker.poll() is None, "the worker died"
    assert _wait_for(
        lambda: VillageCoverage.objects.filter(
            village=world.a.village, households_visited=3, households=5
        ).exists()
    ), "the worker did not refresh the rollup"
    assert _wait_for(lambda: is_cached(level="province", code="51", flavour="page-province-51")), (
        "no pre-rendered page"
    )
    assert _wait_for(lambda: is_cached(level="commune", code="51001", flavour="page-commune-51001"))
    # What the worker cached is what a commune leader is served, under the new data version.
    assert cache.get("maps:version:province:51") >= 2
