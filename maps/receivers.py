"""maps listens to field_api (never the other way round): stored field records → refresh what depends
on them (coverage rollup and maps, running campaigns), with one task per push, written to the outbox in
the push's own transaction; reassigned villages → drop the pages cached for them."""

from django.dispatch import receiver

from field_api.services.outbox import outbox_enqueue
from field_api.signals import areas_reassigned, field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.after_field_records")
def after_field_records(sender, village_codes, visit_ids, **kwargs):
    outbox_enqueue(task="maps.tasks.after_field_records", kwargs={"village_codes": list(village_codes)})


@receiver(areas_reassigned, dispatch_uid="maps.areas_reassigned")
def forget_pages_of_reassigned_areas(sender, commune_codes, **kwargs):
    """A village handed to another team: pages cached per team (and their province's) are stale now.

    Bumping the version is a cache write, not a task: the next reader renders afresh, at once.
    """
    from field_api.models import Commune
    from maps.cache import bump_versions

    provinces = set(Commune.objects.filter(code__in=commune_codes).values_list("province_id", flat=True))
    bump_versions(communes=set(commune_codes), provinces=provinces)
