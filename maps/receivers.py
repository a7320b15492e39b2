"""maps listens to field_api (never the other way round): stored field records → refresh what depends
on them (coverage rollup and maps, running campaigns), with one task per push, through the outbox."""

from django.dispatch import receiver

from field_api.services.outbox import outbox_enqueue
from field_api.signals import field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.after_field_records")
def after_field_records(sender, village_codes, visit_ids, **kwargs):
    outbox_enqueue(task="maps.tasks.after_field_records", kwargs={"village_codes": list(village_codes)})
