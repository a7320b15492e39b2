"""maps listens to field_api (never the other way round): stored field records → refresh coverage."""

from django.dispatch import receiver

from field_api.signals import field_records_stored


@receiver(field_records_stored, dispatch_uid="maps.coverage_after_push")
def coverage_after_push(sender, village_codes, visit_ids, **kwargs):
    from maps.tasks import coverage_after_push as task

    task.delay(list(village_codes))


@receiver(field_records_stored, dispatch_uid="maps.campaigns.refresh_after_push")
def campaigns_after_push(sender, village_codes, visit_ids, **kwargs):
    from maps.campaigns.tasks import refresh_after_push

    refresh_after_push.delay(list(village_codes))
