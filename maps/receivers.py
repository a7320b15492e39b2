"""maps listens to field_api (never the other way round).

Stored field records → the coverage rollup takes the new rows inside the writer's transaction (it costs
what was stored); pages cached for those areas are dropped once that commits, and the next reader, or
beat's periodic pre-render, renders them (never the push). Running campaigns re-read their villages, so
that work goes to the worker through the outbox, and only when the province runs a campaign.
Reassigned villages → drop the pages cached for them.
"""

from django.db import transaction
from django.dispatch import receiver

from field_api.services.outbox import outbox_enqueue
from field_api.signals import areas_reassigned, field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.after_field_records")
def after_field_records(
    sender, village_codes, visits, recount_village_codes, denominator_village_codes, **kwargs
):
    from field_api.models import Village
    from maps.cache import bump_versions
    from maps.campaigns.rollup import running_campaigns
    from maps.coverage import coverage_apply_records

    coverage_apply_records(
        village_codes=village_codes,
        visits=visits,
        recount_village_codes=recount_village_codes,
        denominator_village_codes=denominator_village_codes,
    )
    areas = set(
        Village.objects.filter(code__in=village_codes).values_list("commune_id", "commune__province_id")
    )
    communes, provinces = {c for c, _p in areas}, {p for _c, p in areas}
    # After commit, never before: a reader under the new version must find the new numbers (maps.cache).
    transaction.on_commit(lambda: bump_versions(communes=communes, provinces=provinces))
    if running_campaigns().filter(province_id__in=provinces).exists():
        outbox_enqueue(
            task="maps.tasks.after_field_records",
            kwargs={"village_codes": list(village_codes), "coverage": False},
        )


@receiver(areas_reassigned, dispatch_uid="maps.areas_reassigned")
def forget_pages_of_reassigned_areas(sender, commune_codes, **kwargs):
    """A village handed to another team: pages cached per team (and their province's) are stale now.

    Bumping the version is a cache write, not a task: the next reader renders afresh, at once.
    """
    from field_api.models import Commune
    from maps.cache import bump_versions

    provinces = set(Commune.objects.filter(code__in=commune_codes).values_list("province_id", flat=True))
    bump_versions(communes=set(commune_codes), provinces=provinces)
