"""A real Celery worker on Redis, as production runs it, sharing the PostgreSQL test database.

After a push commits, the worker refreshes the coverage rollup and pre-renders the maps into the
shared Redis cache.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from field_api.models import Role
from maps.cache import is_cached
from maps.models import VillageCoverage
from tests.field_api.sync_helpers import household, visit
from tests.real_services import (
    celery_publishing_to,
    fresh_redis_urls,
    redis_cache,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    broker_url, cache_url = fresh_redis_urls()
    settings.CACHES = redis_cache(cache_url)
    with celery_publishing_to(broker_url):
        worker = start_worker(broker_url=broker_url, cache_url=cache_url)
        try:
            yield worker
        finally:
            stop(worker)


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
    assert wait_for(
        lambda: VillageCoverage.objects.filter(
            village=world.a.village, households_visited=3, households=5
        ).exists()
    ), "the worker did not refresh the rollup"
    assert wait_for(lambda: is_cached(level="province", code="51", flavour="page-province-51")), (
        "no pre-rendered page"
    )
    assert wait_for(lambda: is_cached(level="commune", code="51001", flavour="page-commune-51001"))
    # What the worker cached is what a commune leader is served, under the new data version.
    assert cache.get("maps:version:province:51") >= 2
