"""Import jobs: upload → choose columns → check (task) → confirm → store (task) → passwords, once.

Checks and imports run as Celery tasks (``onboarding.check_sheet``, ``onboarding.import_sheet``) enqueued
through the outbox in the transaction that changes the job's status; on the embedded default they run
in-process after commit. Tasks take the job id and call ``onboarding.services``.

One-time passwords: at confirmation the browser gets a random secret in a cookie scoped to the job
(``secret_cookie``). The import task hashes each new member's password, derived as
HMAC(secret, job id and username); the download derives them again from the cookie. No password is
stored anywhere in clear; the secret crosses the database only inside the outbox message, which is
deleted once the worker has it.
"""

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.outbox import outbox_enqueue
from backend.sheets import SkippedRow
from core.models import User
from core.services.imports import ImportRejected
from core.services.members import ONE_TIME_LENGTH
from onboarding.models import ImportJob
from onboarding.sheets import Sheet

logger = logging.getLogger(__name__)

CHECK_TASK = "onboarding.check_sheet"
IMPORT_TASK = "onboarding.import_sheet"
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# In a job's answers: the numbers of the rows the person unticked at preview, never checked nor stored.
LEFT_OUT = "left_out"


def secret_cookie(job: ImportJob) -> str:
    return f"import-{job.pk}"


def new_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def derived_password(*, secret: str, job_id: str, username: str) -> str:
    digest = hmac.new(secret.encode(), f"{job_id}:{username}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:ONE_TIME_LENGTH])


@dataclass(frozen=True)
class Slip:
    """One new member's printed slip: who they are, where, and the password they change at first sign-in."""

    username: str
    full_name: str
    commune: str
    team: str
    password: str


def slip_groups(slips: Iterable[Slip]) -> list[dict]:
    """Slips by commune, then team (each group printed on its own pages, to hand a team its own)."""
    groups: dict[tuple[str, str], list[Slip]] = {}
    for slip in sorted(slips, key=lambda s: (s.commune, s.team, s.full_name, s.username)):
        groups.setdefault((slip.commune, slip.team), []).append(slip)
    return [{"commune": commune, "team": team, "slips": group} for (commune, team), group in groups.items()]


def job_slips(*, job: ImportJob, secret: str, members: Sequence[Sequence[str]]) -> list[Slip]:
    """The slips of a job's new members ([username, full name, commune, team] each), their passwords
    derived again from the uploader's secret."""
    slips = []
    for member in members:
        username, full_name, commune, team = (list(member) + ["", ""])[:4]  # jobs before slips: 2 cells
        password = derived_password(secret=secret, job_id=str(job.pk), username=username)
        slips.append(
            Slip(username=username, full_name=full_name, commune=commune, team=team, password=password)
        )
    return slips


def job_sheet(job: ImportJob) -> Sheet:
    """The job's sheet as checked and stored: the rows the person left out at preview are not in it, so
    the preview and the store see the same rows."""
    return Sheet(
        headers=list(job.headers),
        rows=[(number, cells) for number, cells in job.rows],
        header_row=job.header_row,
        dropped=list(job.dropped),
        sheet_name=job.sheet_name,
        sheet_names=list(job.sheet_names),
    ).without(job_left_out(job))


def job_left_out(job: ImportJob) -> list[int]:
    """The rows the person unticked at preview (their numbers in the file)."""
    return [int(number) for number in job.answers.get(LEFT_OUT, [])]


def job_left_out_rows(job: ImportJob) -> list[tuple[int, list[str]]]:
    """The rows left out at preview, as read (to show them, and tick them back)."""
    left_out = set(job_left_out(job))
    return [(number, cells) for number, cells in job.rows if number in left_out]


def left_out_after(*, job: ImportJob, shown: Iterable[int], kept: Iterable[int]) -> list[int]:
    """The rows left out once the person sent the preview back: of the rows the page showed with a box
    (``shown``), those not ticked (``kept``); rows it did not show stay as they were. Only the sheet's
    own row numbers count."""
    numbers = {number for number, _cells in job.rows}
    shown, kept = set(shown) & numbers, set(kept)
    return sorted((set(job_left_out(job)) - shown) | (shown - kept))


def job_skipped(job: ImportJob) -> list[SkippedRow]:
    """The lines the reader left out as no data (title, total, example lines), each with its message."""
    return [SkippedRow(number=number, text=text, reason=reason) for number, text, reason in job.skipped]


def job_mapping(job: ImportJob) -> dict[int, str]:
    return {int(index): name for index, name in job.mapping.items() if name}


@transaction.atomic
def import_job_create(*, user: User, kind: str, file_name: str, sheet: Sheet) -> ImportJob:
    """A new job for an uploaded sheet. Sheets past their keeping time are emptied first (``import_jobs_purge``):
    where no beat runs (the embedded default), a new import is when old ones go."""
    import_jobs_purge()
    return ImportJob.objects.create(
        kind=kind,
        created_by=user,
        file_name=file_name[:200],
        header_row=sheet.header_row,
        headers=sheet.headers,
        rows=[[number, cells] for number, cells in sheet.rows],
        dropped=sheet.dropped,
        skipped=[list(line) for line in sheet.skipped],
        sheet_name=sheet.sheet_name[:200],
        sheet_names=list(sheet.sheet_names),
        mapping={str(index): name for index, name in sheet.detected_mapping(kind).items()},
    )


@transaction.atomic
def import_job_check(
    *, job: ImportJob, mapping: dict[int, str] | None = None, answers: dict[str, dict[str, str]] | None = None
) -> ImportJob:
    """Set the mapping and the answers to the preview's questions (when given) and check the sheet
    again in the background. A failed or cancelled job that still has its rows is checked again too: the
    retry."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.retryable and job.status not in (
        ImportJob.Status.UPLOADED,
        ImportJob.Status.CHECKED,
        ImportJob.Status.CHECKING,
    ):
        return job
    if mapping is not None:
        job.mapping = {str(index): name for index, name in mapping.items() if name}
    if answers is not None:
        merged = {**job.answers, **answers}
        for key in {*job.answers, *answers}:  # answers to different rows or titles, each kept
            if isinstance(job.answers.get(key), dict) and isinstance(answers.get(key), dict):
                merged[key] = {**job.answers[key], **answers[key]}
        job.answers = merged
    job.status, job.progress, job.preview, job.touched_at = ImportJob.Status.CHECKING, 0, None, timezone.now()
    job.problems, job.error, job.finished_at = [], "", None
    job.save()
    _progress_restart(job.pk)
    outbox_enqueue(task=CHECK_TASK, kwargs={"job_id": str(job.pk)})
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, secret: str) -> bool:
    """Store the checked sheet in the background; False when it is not ready (or has errors)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.CHECKED or not job.preview or job.preview["counts"]["errors"]:
        return False
    if job.preview["counts"].get("questions"):
        return False
    if job.preview.get("missing"):
        return False
    job.status, job.progress, job.touched_at = ImportJob.Status.IMPORTING, 0, timezone.now()
    job.save(update_fields=["status", "progress", "touched_at"])
    _progress_restart(job.pk)
    outbox_enqueue(task=IMPORT_TASK, kwargs={"job_id": str(job.pk), "secret": secret})
    return True


def _progress_key(job_id) -> str:
    return f"onboarding:progress:{job_id}"


def import_job_progress(job_id, done: int, total: int) -> None:
    """Progress goes through the cache (Redis in production): the import's own transaction would hide a
    row update from the page polling it until the very end."""
    percent = int(100 * done / total) if total else 100
    cache.set(_progress_key(job_id), min(percent, 99), timeout=3600)


def _progress_restart(job_id) -> None:
    """A new step starts its bar at 0: the check's last value must not show while the store begins."""
    cache.delete(_progress_key(job_id))


def import_job_progress_of(job: ImportJob) -> int:
    if not job.live:
        return 100 if job.status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE) else job.progress
    return cache.get(_progress_key(job.pk)) or 0


@transaction.atomic
def import_job_passwords_file(*, job: ImportJob, build: Callable[[list[list[str]]], bytes]) -> bytes | None:
    """The new members' one-time passwords as a file or as printable slips, once: ``build`` makes it from
    their [username, full name, commune, team]; None when it was taken before (or nobody is new). The job is marked downloaded only after the
    file is built, in the same transaction, so a build that fails spends nothing and the next try
    gets the passwords."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.passwords_downloaded_at is not None or not job.new_members:
        return None
    body = build([list(member) for member in job.new_members])
    job.new_members, job.passwords_downloaded_at = [], timezone.now()
    job.save(update_fields=["new_members", "passwords_downloaded_at"])
    return body


def import_job_run(*, job_id: str, step: Callable[[], str], keep_rows: bool = False) -> str:
    """Run a job's background step (check or store) so that it ends, whatever happens: a step that
    raises leaves the job failed with its reason, never "checking" or "importing" for the page to wait
    on, nor a message for the outbox or the worker to retry forever.

    The step runs in its own transaction (a savepoint when eager Celery runs it inside another one), so a
    database error in it is rolled back, nothing half-stored, and the failure can still be written.
    ``keep_rows``: the sheet stays for a retry (a store that failed; a check that failed may have failed
    on the rows themselves, and the person uploads the file again)."""
    try:
        with transaction.atomic():
            return step()
    except ImportJobCancelled:  # cancelled while it ran: rolled back, the job stays cancelled
        return ImportJob.Status.CANCELLED
    except ImportRejected as rejected:  # the sheet changed meaning since its check: the rows say why
        import_job_fail(job_id=job_id, problems=rejected.problems, keep_rows=keep_rows)
    except SoftTimeLimitExceeded:
        import_job_fail(
            job_id=job_id,
            keep_rows=False,
            error=_("Bảng quá lớn để xử lý trong thời gian cho phép: hãy chia thành nhiều tệp."),
        )
    except Exception as error:  # a bug or an outage: the log keeps the trace, the page the reason
        logger.exception("Import job %s failed", job_id)
        import_job_fail(
            job_id=job_id,
            keep_rows=keep_rows,
            error=_(
                "Dừng vì một lỗi không lường trước (%(error)s); không có gì được lưu. Bấm “Thử lại” hoặc "
                "tải tệp lên lại; nếu lỗi lặp lại, báo quản trị hệ thống."
            )
            % {"error": type(error).__name__},
        )
    return ImportJob.Status.FAILED


def import_job_fail(
    *, job_id: str, problems: Sequence[str] = (), error: str = "", keep_rows: bool = False
) -> None:
    """End a running job as failed, with the rows' problems or the reason. With ``keep_rows`` its sheet
    stays for a retry (``import_job_check`` checks a failed job again) until ``import_jobs_purge``
    empties it, as every sheet never stored; else the names and phones go now and the person uploads
    the file again. The preview goes either way: nothing is stored from it."""
    now = timezone.now()
    fields = {} if keep_rows else {"rows": [], "skipped": []}
    ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING]
    ).update(
        status=ImportJob.Status.FAILED,
        problems=list(problems)[:500],
        error=error,
        preview=None,
        new_members=[],
        finished_at=now,
        touched_at=now,
        **fields,
    )


class ImportJobCancelled(Exception):
    """Raised inside a running store that finds its job cancelled: its transaction rolls back."""


@transaction.atomic
def import_job_cancel(*, job: ImportJob) -> bool:
    """Stop a job still checking or importing: it ends cancelled, its sheet kept for a retry (until
    ``import_jobs_purge``), its preview gone. Nothing more is stored: a task that arrives later finds the
    job no longer "checking"/"importing" and does nothing, and a store already running rolls back when
    it ends (``import_job_still_importing``). False when the job was not running (done, failed)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.live:
        return False
    now = timezone.now()
    job.status, job.preview, job.new_members = ImportJob.Status.CANCELLED, None, []
    job.error, job.finished_at, job.touched_at = _("Đã huỷ; không có gì được lưu."), now, now
    job.save(update_fields=["status", "preview", "new_members", "error", "finished_at", "touched_at"])
    return True


def import_job_still_importing(job_id: str) -> None:
    """Inside a store's transaction, before it is marked done: lock the job and raise
    ``ImportJobCancelled`` if it was cancelled meanwhile, so what the store wrote rolls back. A cancel
    waits on the lock instead and then finds the job done."""
    status = ImportJob.objects.select_for_update().filter(pk=job_id).values_list("status", flat=True).first()
    if status != ImportJob.Status.IMPORTING:
        raise ImportJobCancelled(job_id)


def import_job_deadline() -> dt.timedelta:
    """How long a check or an import may run before its job is said to have stopped: the worker's hard
    limit (it kills the task then, and a redelivered one would be killed again) and some slack for the
    queue."""
    from django.conf import settings

    return dt.timedelta(seconds=(getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 30 * 60) + 5 * 60)


def import_job_expire(*, job: ImportJob, now=None) -> ImportJob:
    """A job still "checking" or "importing" past ``import_job_deadline`` ends failed with its reason
    (a worker killed or gone, the task lost): the page stops waiting at 0 % or 99 %, and the person can
    try again. A task that comes later finds the job failed and does nothing."""
    now = now or timezone.now()
    if job.live and job.touched_at < now - import_job_deadline():
        import_job_fail(
            job_id=str(job.pk),
            keep_rows=True,
            error=_(
                "Quá thời gian xử lý mà không xong (máy xử lý nền bị dừng hoặc quá tải); không có gì được "
                "lưu. Bấm “Thử lại”; nếu lỗi lặp lại, báo quản trị hệ thống."
            ),
        )
        job.refresh_from_db()
    return job


def import_job_abandon(*, user: User, job_id: str) -> None:
    """A job its uploader replaced by uploading the file again (to read another of its sheets): its sheet
    goes now rather than at the purge. Nothing of it was stored; a job running or done is left as is."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        return
    now = timezone.now()
    ImportJob.objects.filter(
        pk=pk,
        created_by=user,
        status__in=[
            ImportJob.Status.UPLOADED,
            ImportJob.Status.CHECKED,
            ImportJob.Status.FAILED,
            ImportJob.Status.CANCELLED,
        ],
    ).update(
        status=ImportJob.Status.FAILED,
        error=_("Đã thay bằng lần tải lên sau; không có gì được lưu."),
        rows=[],
        skipped=[],
        preview=None,
        answers={},
        finished_at=now,
        touched_at=now,
    )


def import_jobs_purge(*, now=None) -> int:
    """Jobs older than IMPORT_JOB_KEEP_HOURS lose their rows, the lines left out, preview, answers and
    waiting passwords (names, birth dates, phones, notes): sheets checked and never stored, failed or
    abandoned; one never finished is marked failed. Returns how many were emptied.

    The one retention rule, run by the beat task (``onboarding.purge_jobs``), by every new import and
    import page (``import_job_create``, the upload page: the embedded default has no beat), and by
    ``manage.py purge_import_jobs`` (at server start)."""
    from django.conf import settings
    from django.db.models import Q

    now = now or timezone.now()
    old = ImportJob.objects.filter(created_at__lt=now - dt.timedelta(hours=settings.IMPORT_JOB_KEEP_HOURS))
    old = old.filter(~Q(rows=[]) | ~Q(skipped=[]) | Q(preview__isnull=False) | ~Q(new_members=[]))
    unfinished = old.exclude(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED, ImportJob.Status.CANCELLED]
    )
    unfinished.update(status=ImportJob.Status.FAILED, error=_("Quá hạn: tải tệp lên lại."), finished_at=now)
    return old.update(rows=[], skipped=[], preview=None, new_members=[], answers={})
