"""Sheets being brought in through the browser, one job per upload.

A job holds the sheet as read (citizen ID columns already dropped), the column mapping the person
chose, their answers to the preview's questions, the preview and, once stored, the report. Names and
phones in it are gone when the job is done (``rows``, ``skipped`` and ``preview`` are emptied); what
stays is the count of what happened. A failed job keeps its rows for a retry (check again, then store) until
``import_jobs_purge`` empties it with every unsaved sheet. One-time
passwords are never stored: they are derived from a secret only the uploader's browser holds
(``onboarding.jobs``), so only ``new_members`` (username, name) waits for the download, once.
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import User


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        MEMBERS = "members", _("Thành viên")
        VILLAGES = "villages", _("Thôn, tổ dân phố")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Chờ chọn cột")
        CHECKING = "checking", _("Đang kiểm tra")
        CHECKED = "checked", _("Đã kiểm tra")
        IMPORTING = "importing", _("Đang nhập")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")
        CANCELLED = "cancelled", _("Đã huỷ")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200)
    header_row = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)  # [[row number, [cells…]], …]
    dropped = models.JSONField(default=list)  # citizen ID headers dropped unread
    # Lines the reader left out as no data (titles, totals): [[row number, first cells, why], …].
    skipped = models.JSONField(default=list, blank=True)
    sheet_name = models.CharField(max_length=200, blank=True)  # the worksheet read ("" for a CSV)
    sheet_names = models.JSONField(default=list, blank=True)  # the workbook's worksheets, to read another
    mapping = models.JSONField(default=dict)  # column index (text) → field
    # Row (text) → field → what the preview was told; "titles" → roles; "left_out" → rows not to store.
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    preview = models.JSONField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    new_members = models.JSONField(default=list, blank=True)  # [[username, full name], …] until downloaded
    passwords_downloaded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    touched_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.status}"

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def live(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def retryable(self) -> bool:
        """A failed or cancelled job that still has its sheet: it can be checked again."""
        return self.status in (self.Status.FAILED, self.Status.CANCELLED) and bool(self.rows)


class BoundaryUpload(models.Model):
    """A commune's village boundaries between upload and storing: the features as read (WGS 84), the
    column that names the village, and the checks. No personal data: areas only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commune = models.ForeignKey("field_api.Commune", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200)
    columns = models.JSONField(default=list)
    features = models.JSONField(default=list)
    column = models.CharField(max_length=200, blank=True)
    checks = models.JSONField(null=True, blank=True)
    stored = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.file_name}"


class ProvinceBoundaryUpload(models.Model):
    """Village boundaries of many communes of a province in one file, between upload and storing: the
    features as read (WGS 84; a Shapefile's text undecoded, see ``onboarding.codepages``, when
    ``raw_text``), the code page, the columns naming the commune (none: by position) and the village,
    the checks and the file-wide warnings. No personal data: areas only."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Đã kiểm tra")
        STORING = "storing", _("Đang lưu")
        STORED = "stored", _("Đã lưu")
        FAILED = "failed", _("Lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    province = models.ForeignKey("field_api.Province", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200)
    raw_text = models.BooleanField(default=False)
    cpg = models.CharField(max_length=100, blank=True)
    codepage = models.CharField(max_length=20, blank=True)
    features = models.JSONField(default=list)
    commune_column = models.CharField(max_length=200, blank=True)
    column = models.CharField(max_length=200, blank=True)
    checks = models.JSONField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    stored = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.province_id} {self.file_name}"
