"""The platform's Celery task (found by autodiscovery): the outbox's safety net."""

from celery import shared_task

from backend.outbox import outbox_drain


@shared_task(name="platform.outbox_drain", ignore_result=True)
def outbox_drain_task() -> int:
    """Beat, every OUTBOX_DRAIN_SECONDS: publish what web processes could not (broker away, process gone)."""
    return outbox_drain()
