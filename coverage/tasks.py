"""Coverage rollups rebuilt from all visits: nightly, one task per province, on the maps queue."""

from celery import shared_task

from core.models import Province, Village
from coverage.cache import bump_versions
from coverage.numbers import coverage_refresh

# Villages recounted per transaction by the nightly coverage rebuild: at 20 M visits (600 a village)
# 50 villages held their locks for up to 0.9 s; 20 keep every transaction well under a second.
COVERAGE_VILLAGES_PER_TRANSACTION = 20


@shared_task(name="coverage.tasks.refresh_all_coverage")
def refresh_all_coverage() -> int:
    """Nightly: rebuild every village's rollup (a safety net: every writer projects its own records), one task
    per province, so that every worker on the maps queue takes a share (at 20 M visits the whole country
    takes about 4 minutes on one worker, growing with the data). Returns the villages asked for."""
    provinces = list(Province.objects.order_by("code").values_list("code", flat=True))
    for province in provinces:
        refresh_province_coverage.delay(province)
    return Village.objects.filter(commune__province_id__in=provinces).count()


@shared_task(name="coverage.tasks.refresh_province_coverage")
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
