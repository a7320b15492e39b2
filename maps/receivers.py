"""maps listens to field_api (never the other way round): stored field records → refresh what depends
on them (coverage rollup and maps, running campaigns), with one task per push."""

from django.dispatch import receiver

from field_api.signals import field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.after_field_records")
def after_field_records(sender, village_codes, visit_ids, **kwargs):
    from maps.tasks import after_field_records as task

    task.delay(list(village_codes))
