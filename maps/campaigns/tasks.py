"""Campaign rollups (nightly with beat, and after pushes) and export jobs, on the maps queue."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from field_api.models import Village
from maps.campaigns.models import ExportJob
from maps.campaigns.rollup import campaign_rollup_refresh, running_campaigns


@shared_task(name="maps.campaigns.nightly_rollup")
def nightly_rollup() -> int:
    """Recompute every running campaign (and those that ended yesterday) from the visits."""
    count = 0
    for campaign in running_campaigns():
        campaign_rollup_refresh(campaign=campaign)
        count += 1
    return count


def refresh_after_push(village_codes: list[str]) -> int:
    """Recompute running campaigns for these villages (called by maps.tasks.after_field_records)."""
    provinces = set(
        Village.objects.filter(code__in=village_codes).values_list("commune__province_id", flat=True)
    )
    count = 0
    for campaign in running_campaigns().filter(province_id__in=provinces):
        campaign_rollup_refresh(campaign=campaign, village_codes=village_codes)
        count += 1
    return count


@shared_task(name="maps.campaigns.run_export")
def run_export(job_id: str) -> str:
    from maps.campaigns.exports import FORMATS

    job = ExportJob.objects.select_related("campaign", "requested_by").get(pk=job_id)
    job.status, job.progress = ExportJob.Status.RUNNING, 5
    job.save(update_fields=["status", "progress"])
    try:
        # The requester as they are now: a member deactivated or moved since asking gets what they may see now.
        scope = job.requested_by.scope
        _content_type, build = FORMATS[job.format]

        def progress(percent):
            ExportJob.objects.filter(pk=job.pk).update(progress=max(5, min(95, percent)))

        kwargs = {"progress": progress} if job.format == "xlsx" else {}
        data = build(campaign=job.campaign, scope=scope, **kwargs)
        job.file.save(f"chien-dich-{job.campaign_id}-{job.pk}.{job.format}", ContentFile(data), save=False)
        job.status, job.progress = ExportJob.Status.DONE, 100
    except Exception as error:  # the job records its failure for the person waiting on it
        job.status, job.error = ExportJob.Status.FAILED, str(error)
        raise
    finally:
        job.finished_at = timezone.now()
        job.save()
    return job.status
