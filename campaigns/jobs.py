"""Export jobs: requested through the API, built by ``campaigns.run_export``, rescued by beat.

A job's message goes through the outbox in the transaction that creates the job, so a broker that is away
delays the job instead of losing it. Beat's ``export_jobs_recover`` looks for jobs that show no life
(queued, or running without progress, for EXPORT_JOB_STALE_SECONDS: the message was lost, or the worker
died without its message coming back) and publishes them again; after EXPORT_JOB_MAX_ATTEMPTS runs or
EXPORT_JOB_MAX_AGE_SECONDS it marks them failed with a message for the person waiting, so no job stays
``queued`` forever.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.outbox import outbox_enqueue, outbox_pending
from campaigns.models import Campaign, ExportJob
from core.models import User

RUN_EXPORT = "campaigns.run_export"
LIVE = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


def gave_up_message() -> str:
    return _("Không xuất được tệp sau nhiều lần thử. Vui lòng yêu cầu xuất lại.")


@transaction.atomic
def export_job_request(*, user: User, campaign: Campaign, format: str) -> ExportJob:
    job = ExportJob.objects.create(campaign=campaign, requested_by=user, format=format)
    outbox_enqueue(task=RUN_EXPORT, kwargs={"job_id": str(job.pk)})
    return job


def export_jobs_recover(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Publish stale jobs again, or fail them once they are out of attempts or too old."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.EXPORT_JOB_STALE_SECONDS)
    too_old = now - dt.timedelta(seconds=settings.EXPORT_JOB_MAX_AGE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        stale = ExportJob.objects.select_for_update(skip_locked=True).filter(
            status__in=LIVE, touched_at__lt=stale_before
        )
        for job in stale:
            if job.attempts >= settings.EXPORT_JOB_MAX_ATTEMPTS or job.created_at < too_old:
                job.status, job.error, job.finished_at = ExportJob.Status.FAILED, gave_up_message(), now
                job.save(update_fields=["status", "error", "finished_at"])
                counts["failed"] += 1
                continue
            job.status, job.progress, job.touched_at = ExportJob.Status.QUEUED, 0, now
            job.save(update_fields=["status", "progress", "touched_at"])
            message = {"job_id": str(job.pk)}
            # Still in the outbox means the broker has been away: publishing it twice would not help.
            if not outbox_pending(task=RUN_EXPORT, kwargs=message):
                outbox_enqueue(task=RUN_EXPORT, kwargs=message)
            counts["requeued"] += 1
    return counts
