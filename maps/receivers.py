"""maps listens to field_api (never the other way round): stored field records → refresh coverage."""

from django.dispatch import receiver

from field_api.signals import field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.coverage_after_push")
def coverage_after_push(sender, village_codes, visit_ids, **kwargs):
    from maps.tasks import coverage_after_push as task

    task.delay(list(village_codes))
