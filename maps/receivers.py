"""maps listens to field_api (never the other way round).

Stored field records → the coverage rollup and running campaigns' rollups take the new rows inside the
writer's transaction (it costs what was stored); pages cached for those areas are dropped once that
commits, and the next reader, or beat's periodic pre-render, renders them (never the push). Villages
whose households moved, left or were counted again are recounted for campaigns on the worker, through
the outbox.
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
    from maps.campaigns.deltas import campaign_apply_records
    from maps.campaigns.recounts import recount_asks_add
    from maps.campaigns.rollup import running_campaigns
    from maps.coverage import coverage_apply_records

    # Takes the villages' rollup locks, which the campaigns' deltas below rely on.
    coverage_apply_records(
        village_codes=village_codes,
        visits=visits,
        recount_village_codes=recount_village_codes,
        denominator_village_codes=denominator_village_codes,
    )
    areas = {
        code: (commune, province)
        for code, commune, province in Village.objects.filter(code__in=village_codes).values_list(
            "code", "commune_id", "commune__province_id"
        )
    }
    communes, provinces = {c for c, _p in areas.values()}, {p for _c, p in areas.values()}
    # After commit, never before: a reader under the new version must find the new numbers (maps.cache).
    transaction.on_commit(lambda: bump_versions(communes=communes, provinces=provinces))
    recount = set(recount_village_codes)
    campaigns = list(running_campaigns().filter(province_id__in=provinces).prefetch_related("communes"))
    for campaign in campaigns:
        chosen = {commune.code for commune in campaign.communes.all()}
        campaign_apply_records(
            campaign=campaign,
            visits=[visit for visit in visits if visit.village not in recount],
            village_codes={
                code
                for code, (commune, province) in areas.items()
                if province == campaign.province_id and (not chosen or commune in chosen)
            },
        )
    if campaigns and recount:
        # Households moved, left or counted again: their villages are recounted from all their visits,
        # which reads history, so on the worker; once per village however many pushes asked meanwhile.
        recount_asks_add(village_codes=recount)
        outbox_enqueue(
            task="maps.tasks.after_field_records",
            kwargs={"village_codes": sorted(recount), "coverage": False, "asked": True},
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
