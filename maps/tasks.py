"""Celery tasks for maps: recount rollups, run campaigns' share of a push, pre-render what changed."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from backend.replica import replica_reads
from field_api.models import Commune, Province, Village
from field_api.scope import Scope
from maps.cache import bump_versions
from maps.coverage import coverage_refresh
from maps.models import VillageCoverage

PRERENDER_MARK = "maps:prerendered-at"
# Villages recounted per transaction by the nightly coverage rebuild: at 20 M visits (600 a village)
# 50 villages held their locks for up to 0.9 s; 20 keep every transaction well under a second.
COVERAGE_VILLAGES_PER_TRANSACTION = 20


@shared_task(
    name="maps.tasks.coverage_after_push", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def coverage_after_push(village_codes: list[str]) -> dict:
    """Recount these villages' rollup from all their visits, then drop their cached pages (never before:
    see maps.cache). Pushes no longer need it (maps.receivers adds their rows as they are stored); kept
    for outbox rows written before that, and for callers that must recount."""
    coverage_refresh(village_codes=village_codes)
    areas = list(
        Village.objects.filter(code__in=village_codes).values_list("commune_id", "commune__province_id")
    )
    communes = {commune for commune, _province in areas}
    provinces = {province for _commune, province in areas}
    bump_versions(communes=communes, provinces=provinces)
    return {"villages": len(village_codes), "communes": len(communes)}


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
    from maps import pages

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


@shared_task(
    name="maps.tasks.after_field_records", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def after_field_records(village_codes: list[str], coverage: bool = True, asked: bool = False) -> dict:
    """What a push leaves for the worker: running campaigns recount the villages whose households moved
    away or were counted again (``asked``: once per burst, maps.campaigns.recounts). Rows written before
    the rollups moved into the push (``coverage`` and ``asked`` missing) recount everything they name."""
    from maps.campaigns.recounts import recount_asked_villages

    result = coverage_after_push(village_codes) if coverage else {"villages": len(village_codes)}
    result["campaigns"] = recount_asked_villages(village_codes=village_codes, asked=asked)
    return result


@shared_task(name="maps.tasks.refresh_all_coverage")
def refresh_all_coverage() -> int:
    """Nightly: rebuild every village's rollup (households edited in the admin send no signal), one task
    per province, so that every worker on the maps queue takes a share (at 20 M visits the whole country
    takes about 4 minutes on one worker, growing with the data). Returns the villages asked for."""
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    for province in provinces:
        refresh_province_coverage.delay(province)
    return Village.objects.filter(commune__province_id__in=provinces).count()


@shared_task(name="maps.tasks.refresh_province_coverage")
def refresh_province_coverage(province: str) -> int:
    """Rebuild one province's village rollups in short transactions (each locks its villages' rollup rows:
    a push into one of them waits for a few villages' worth of reading at most, and pulls never wait),
    then invalidate its maps once."""
    codes = list(
        Village.objects.filter(commune__province_id=province).order_by("code").values_list("code", flat=True)
    )
    for start in range(0, len(codes), COVERAGE_VILLAGES_PER_TRANSACTION):
        coverage_refresh(village_codes=codes[start : start + COVERAGE_VILLAGES_PER_TRANSACTION])
    communes = set(Village.objects.filter(code__in=codes).values_list("commune_id", flat=True))
    bump_versions(communes=communes, provinces={province})
    return len(codes)
