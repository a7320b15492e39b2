"""Celery tasks for maps: refresh the rollup after a push, then invalidate and pre-render pages."""

from celery import shared_task

from field_api.models import Commune, Village
from field_api.scope import Scope
from maps.cache import bump_versions
from maps.coverage import coverage_refresh


@shared_task(
    name="maps.tasks.coverage_after_push", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def coverage_after_push(village_codes: list[str]) -> dict:
    """Refresh these villages' rollup, then bump the versions (never before: see maps.cache), then warm."""
    coverage_refresh(village_codes=village_codes)
    areas = list(
        Village.objects.filter(code__in=village_codes).values_list("commune_id", "commune__province_id")
    )
    communes = {commune for commune, _province in areas}
    provinces = {province for _commune, province in areas}
    bump_versions(communes=communes, provinces=provinces)
    prerender_maps.delay(sorted(communes), sorted(provinces))
    return {"villages": len(village_codes), "communes": len(communes)}


@shared_task(name="maps.tasks.prerender_maps")
def prerender_maps(commune_codes: list[str], province_codes: list[str]) -> int:
    """Render what leaders open most, so their next visit is served from the cache."""
    from maps import pages

    rendered = 0
    for province in province_codes:
        pages.province_page(scope=Scope.province_officer(province=province), province=province)
        rendered += 1
    provinces = dict(Commune.objects.filter(code__in=commune_codes).values_list("code", "province_id"))
    for commune, province in provinces.items():
        pages.commune_page(scope=Scope.commune_leader(commune=commune, province=province), commune=commune)
        rendered += 1
    return rendered


@shared_task(
    name="maps.tasks.after_field_records", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def after_field_records(village_codes: list[str]) -> dict:
    """Everything a push changes downstream, in one message per push: coverage, then running campaigns."""
    from maps.campaigns.tasks import refresh_after_push

    result = coverage_after_push(village_codes)
    result["campaigns"] = refresh_after_push(village_codes)
    return result


@shared_task(name="maps.tasks.refresh_all_coverage")
def refresh_all_coverage() -> int:
    """Nightly: rebuild every village's rollup (households edited in the admin send no signal), then
    invalidate every map once."""
    codes = list(Village.objects.values_list("code", flat=True))
    for start in range(0, len(codes), 500):
        coverage_refresh(village_codes=codes[start : start + 500])
    areas = set(Village.objects.values_list("commune_id", "commune__province_id"))
    bump_versions(communes={c for c, _p in areas}, provinces={p for _c, p in areas})
    return len(codes)
