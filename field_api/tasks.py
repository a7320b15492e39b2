"""Celery tasks of field_api (found by the app's autodiscovery)."""

from celery import shared_task

from field_api.services.outbox import outbox_drain


@shared_task(name="field_api.outbox_drain", ignore_result=True)
def outbox_drain_task() -> int:
    """Beat, every OUTBOX_DRAIN_SECONDS: publish what web processes could not (broker away, process gone)."""
    return outbox_drain()
