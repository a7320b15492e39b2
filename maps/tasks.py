"""Maps pre-rendered on the worker: the pages leaders open most, once their data changed."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from backend.replica import replica_reads
from core.models import Commune
from core.scope import Scope
from coverage.models import VillageCoverage
from maps import pages

PRERENDER_MARK = "maps:prerendered-at"


@shared_task(name="maps.tasks.prerender_maps", ignore_result=True)
def prerender_maps(commune_codes: list[str] | None = None, province_codes: list[str] | None = None) -> int:
    """Beat, every MAP_PRERENDER_SECONDS: render the pages leaders open most whose data changed since they
    were last rendered, each once, however many pushes changed it in between. Never run by a push: on
    the embedded default, with no beat, the next reader renders. Explicit codes render those areas
    (tests, warm-up after a deploy)."""
    if commune_codes is None and province_codes is None:
        commune_codes, province_codes = stale_areas()
    # Pages only read: off the primary when a replica is set. In the default language, as most open them.
    with replica_reads(), translation.override(settings.LANGUAGE_CODE):
        return _render(commune_codes or [], province_codes or [])


def _render(commune_codes: list[str], province_codes: list[str]) -> int:
    # A page whose current version is cached comes back from the cache: nothing is rendered twice.
    for province in province_codes:
        pages.province_page(scope=Scope.province_officer(province=province), province=province)
    provinces = dict(Commune.objects.filter(code__in=commune_codes).values_list("code", "province_id"))
    for commune, province in provinces.items():
        pages.commune_page(scope=Scope.commune_leader(commune=commune, province=province), commune=commune)
    return len(province_codes) + len(provinces)


def stale_areas() -> tuple[list[str], list[str]]:
    """Communes and provinces whose rollup changed since the last pre-render (the first run: the last
    interval), from the rollup's own timestamps: nothing to remember between pushes, nothing to lose."""
    now = timezone.now()
    since = cache.get(PRERENDER_MARK) or now - dt.timedelta(seconds=settings.MAP_PRERENDER_SECONDS)
    cache.set(PRERENDER_MARK, now, None)
    areas = set(
        VillageCoverage.objects.filter(updated_at__gte=since).values_list(
            "village__commune_id", "village__commune__province_id"
        )
    )
    return sorted({c for c, _p in areas}), sorted({p for _c, p in areas})
