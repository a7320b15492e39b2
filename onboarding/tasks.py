"""Checking and storing sheets in the background: tasks take ids and call the services."""

import logging

from auditlog.context import set_actor
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services.imports import ImportRejected
from onboarding import services
from onboarding.jobs import (
    derived_password,
    import_job_progress,
    import_job_run,
    import_job_still_importing,
    job_mapping,
    job_sheet,
)
from onboarding.models import ImportJob, ProvinceBoundaryUpload
from onboarding.province_boundaries import province_boundaries_store

logger = logging.getLogger(__name__)

CHECKS = {ImportJob.Kind.MEMBERS: services.members_check, ImportJob.Kind.VILLAGES: services.villages_check}


@shared_task(name="onboarding.check_sheet")
def check_sheet(job_id: str) -> str:
    return import_job_run(job_id=job_id, step=lambda: _check(job_id))


def _check(job_id: str) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.CHECKING:
        return job.status if job else ""
    extra = {"answers": job.answers} if job.kind == ImportJob.Kind.MEMBERS else {}
    preview = CHECKS[job.kind](
        sheet=job_sheet(job),
        scope=job.created_by.scope,
        mapping=job_mapping(job),
        progress=lambda done, total: import_job_progress(job_id, done, total),
        **extra,
    )
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKING).update(
        status=ImportJob.Status.CHECKED, progress=100, preview=preview.as_dict(), touched_at=timezone.now()
    )
    return ImportJob.Status.CHECKED


@shared_task(name="onboarding.import_sheet")
def import_sheet(job_id: str, secret: str) -> str:
    return import_job_run(job_id=job_id, step=lambda: _import(job_id, secret), keep_rows=True)


def _import(job_id: str, secret: str) -> str:
    # Claimed once: a second delivery of the message finds the job no longer "importing → claimed".
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.IMPORTING or job.finished_at is not None:
        return job.status if job else ""
    actor = job.created_by
    progress = lambda done, total: import_job_progress(job_id, done, total)  # noqa: E731
    with set_actor(actor):
        if job.kind == ImportJob.Kind.MEMBERS:
            report = services.members_import(
                sheet=job_sheet(job),
                scope=actor.scope,
                mapping=job_mapping(job),
                actor=actor,
                password_for=lambda username: derived_password(
                    secret=secret, job_id=str(job_id), username=username
                ),
                answers=job.answers,
                expected=_shown(job, key="username"),
                progress=progress,
            )
            new_members = [
                [username, full_name, *report.places.get(username, ("", ""))]
                for username, full_name in report.new_members
            ]
            summary = report.as_dict()
        else:
            report = services.villages_import(
                sheet=job_sheet(job),
                scope=actor.scope,
                mapping=job_mapping(job),
                actor=actor,
                expected=_shown(job, key="code"),
                progress=progress,
            )
            new_members = []
            summary = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    import_job_still_importing(job_id)  # cancelled meanwhile: all of the above rolls back
    # Names and phones leave the job once stored: only counts and the usernames awaiting passwords stay.
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).update(
        status=ImportJob.Status.DONE,
        progress=100,
        report=summary,
        new_members=new_members,
        rows=[],
        skipped=[],
        preview=None,
        answers={},
        finished_at=timezone.now(),
    )
    return ImportJob.Status.DONE


def _shown(job: ImportJob, *, key: str) -> dict[int, tuple[str, str]] | None:
    """What the confirmed preview said each row would be: (its username or code, action)."""
    if not job.preview:
        return None
    return {
        row["number"]: (row["values"].get(key, ""), row["action"])
        for row in job.preview["rows"]
        if not row["errors"]
    }


@shared_task(name="onboarding.purge_jobs")
def purge_jobs() -> int:
    """The beat's purge (with a worker); the embedded default purges as imports start (``onboarding.jobs``)."""
    from onboarding.jobs import import_jobs_purge

    return import_jobs_purge()


@shared_task(name="onboarding.store_province_boundaries", soft_time_limit=10 * 60, time_limit=12 * 60)
def store_province_boundaries(upload_id: str) -> str:
    """A large province boundary file stored in the background; a failure leaves the upload failed with
    its reason (nothing stored), never "storing" for the page to wait on."""
    Status = ProvinceBoundaryUpload.Status
    upload = ProvinceBoundaryUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != Status.STORING:
        return upload.status if upload else ""
    try:
        province_boundaries_store(upload_id=upload_id)
    except ImportRejected as rejected:
        error = " ".join(str(problem) for problem in rejected.problems)
    except SoftTimeLimitExceeded:
        error = _("Tệp quá lớn để lưu trong thời gian cho phép: hãy chia thành nhiều tệp.")
    except Exception as problem:  # a bug or an outage: the log keeps the trace, the page the reason
        logger.exception("Province boundaries %s failed", upload_id)
        error = _("Dừng vì một lỗi không lường trước (%(error)s); không có gì được lưu.") % {
            "error": type(problem).__name__
        }
    else:
        return Status.STORED
    ProvinceBoundaryUpload.objects.filter(pk=upload_id).update(status=Status.FAILED, error=error)
    return Status.FAILED
