"""A real Celery worker on Redis, as production runs it, sharing the PostgreSQL test database.

A push brings the coverage and campaign rollups up to date itself; beat's periodic pre-render (never the
push) renders the changed maps into the shared cache on the worker, and the nightly coverage rebuild
runs there as one task per province.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignVillageDay
from core.models import Role
from coverage.cache import is_cached
from coverage.models import VillageCoverage
from coverage.tasks import refresh_all_coverage
from maps.tasks import prerender_maps
from tests import factories
from tests.field_api.sync_helpers import household, visit
from tests.real_services import (
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_push_takes_its_rollups_at_once_and_the_worker_prerenders(real_worker, world, client_for):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    Campaign.objects.create(
        name="Chiến dịch",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
    )
    volunteer = client_for(world.a.users[Role.VOLUNTEER])
    homes = [household(world.a.village.code) for _i in range(5)]
    response = volunteer.post(
        "/api/v1/sync/push/",
        {"households": homes, "visits": [visit(h["id"]) for h in homes[:3]]},
        format="json",
    )
    assert response.status_code == 200
    # The rollup took the pushed rows in the push itself, and the pages were dropped once it committed.
    assert VillageCoverage.objects.filter(
        village=world.a.village, households_reached=3, households=5
    ).exists()
    assert cache.get("maps:version:province:51") >= 2
    # The running campaign took them in the push too (campaigns.deltas) …
    assert (
        sum(
            CampaignVillageDay.objects.filter(village=world.a.village).values_list(
                "households_reached", flat=True
            )
        )
        == 3
    )
    assert real_worker.poll() is None, "the worker died"
    # … but renders nothing for the push: pages follow readers, not writers.
    assert not is_cached(
        level="province", code="51", flavour=f"page-province-51-vi-{timezone.localdate().isoformat()}"
    )
    assert not is_cached(
        level="commune", code="51001", flavour=f"page-commune-51001-vi-{timezone.localdate().isoformat()}"
    )

    # Beat's periodic pre-render renders what changed since its last run, once, on the worker.
    prerender_maps.apply_async()
    assert wait_for(
        lambda: is_cached(
            level="province", code="51", flavour=f"page-province-51-vi-{timezone.localdate().isoformat()}"
        )
    ), "no pre-rendered page"
    assert wait_for(
        lambda: is_cached(
            level="commune", code="51001", flavour=f"page-commune-51001-vi-{timezone.localdate().isoformat()}"
        )
    )


def test_the_nightly_coverage_rebuild_runs_on_the_worker_one_task_per_province(real_worker, world):
    # Households added behind the rollup's back (the admin sends no signal): only the rebuild sees them.
    factories.HouseholdFactory.create_batch(3, village=world.a.other_village)
    factories.HouseholdFactory.create_batch(2, village=world.b.village)
    refresh_all_coverage.apply_async()
    assert wait_for(
        lambda: (
            VillageCoverage.objects.filter(village=world.a.other_village, households=3).exists()
            and VillageCoverage.objects.filter(village=world.b.village, households=2).exists()
        )
    ), "the provinces' rebuilds did not run"
    assert real_worker.poll() is None, "the worker died"
