"""Campaign rollups (nightly with beat, and after pushes) and export jobs, on the maps queue."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.replica import replica_reads
from campaigns.jobs import LIVE, export_jobs_recover, gave_up_message
from campaigns.models import ExportJob
from campaigns.recounts import recount_asked_villages
from campaigns.rollup import campaign_rollup_rebuild, running_campaigns

logger = logging.getLogger(__name__)


@shared_task(
    name="campaigns.recount_asked", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5
)
def recount_asked(village_codes: list[str]) -> int:
    """What a push leaves for the worker (campaigns.projections): running campaigns recount the villages
    whose households moved away or were counted again, once per burst. Returns the campaigns recounted."""
    return recount_asked_villages(village_codes=village_codes)


@shared_task(name="campaigns.nightly_rollup")
def nightly_rollup() -> int:
    """Recompute every running campaign (and those that ended yesterday) from the visits, a few villages
    per transaction (``campaign_rollup_rebuild``)."""
    count = 0
    for campaign in running_campaigns():
        campaign_rollup_rebuild(campaign=campaign)
        count += 1
    return count


@shared_task(name="campaigns.run_export")
def run_export(job_id: str) -> str:
    """Build one job's file. Delivered at least once (outbox, acks_late, beat's rescue): a job that is
    done or failed is left alone, and two runs of one job write the same file under the same name."""
    from campaigns.exports import FORMATS

    live = ExportJob.objects.filter(pk=job_id, status__in=LIVE)
    if not live.filter(attempts__lt=settings.EXPORT_JOB_MAX_ATTEMPTS).update(
        status=ExportJob.Status.RUNNING, progress=5, attempts=F("attempts") + 1, touched_at=timezone.now()
    ):
        # Out of attempts (a worker died on it each time), or nothing left to do.
        live.update(status=ExportJob.Status.FAILED, error=gave_up_message(), finished_at=timezone.now())
        return ExportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or ""
    job = ExportJob.objects.select_related("campaign", "requested_by").get(pk=job_id)
    try:
        # The requester as they are now: a member deactivated or moved since asking gets what they may see now.
        scope = job.requested_by.scope
        _content_type, build = FORMATS[job.format]

        def progress(percent):
            live.update(progress=max(5, min(95, percent)), touched_at=timezone.now())

        kwargs = {"progress": progress} if job.format == "xlsx" else {}
        with replica_reads():  # the file only reads: off the primary when a replica is set
            data = build(campaign=job.campaign, scope=scope, **kwargs)
        filename = f"chien-dich-{job.campaign_id}-{job.pk}.{job.format}"
        # A second run replaces the first one's file instead of leaving a copy beside it.
        job.file.storage.delete(job.file.field.generate_filename(job, filename))
        job.file.save(filename, ContentFile(data), save=False)
    except Exception:
        logger.exception("Export job %s failed", job_id)
        live.update(
            status=ExportJob.Status.FAILED,
            error=_("Không tạo được tệp xuất. Vui lòng thử lại sau hoặc báo quản trị."),
            finished_at=timezone.now(),
        )
        raise
    live.update(status=ExportJob.Status.DONE, progress=100, file=job.file.name, finished_at=timezone.now())
    return ExportJob.Status.DONE


@shared_task(name="campaigns.export_jobs_recover", ignore_result=True)
def export_jobs_recover_task() -> dict:
    """Beat, every minute: no export job stays queued (or silently dead) forever."""
    return export_jobs_recover()
