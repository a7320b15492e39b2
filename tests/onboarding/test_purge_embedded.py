"""Data minimisation on the embedded default (issue 23 §7): sheets checked and never stored, failed or
abandoned keep names, birth dates and notes only for IMPORT_JOB_KEEP_HOURS. Without beat (``make
run``: eager Celery) they go when an import page is opened, when a new import starts, and at server
start (``manage.py purge_import_jobs``), by the beat task's one rule."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from core.models import Role
from onboarding import jobs, tasks
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import area

pytestmark = pytest.mark.django_db

NOTE = "đang điều trị bệnh"


def _sheet() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH THÀNH VIÊN"])
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "SĐT", "Xã", "Thôn", "Ghi chú"])
    sheet.append([1, "Nguyễn Thị Lan", "1985-03-02", 905111222, "Cẩm Thành", "Thôn 2", NOTE])
    sheet.append([2, "Trần Văn Hùng", "1990-11-20", 912345678, "Cẩm Thành", "Thôn 2", ""])
    sheet.append(["Tổng cộng", 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def leader_client(client, db):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=area())
    client.force_login(leader)
    return client


def _upload(client) -> ImportJob:
    response = client.post("/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.xlsx", _sheet())})
    assert response.status_code == 302
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _checked(client, capture) -> ImportJob:
    """A sheet checked, a row left out, never stored: the preview holds the names."""
    job = _upload(client)
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["3", "4"], "keep": ["3"]})
    job.refresh_from_db()
    assert job.status == "checked" and job.preview and job.answers["left_out"] == [4]
    return job


def _failed(client) -> ImportJob:
    """A store that failed keeps its sheet for a retry."""
    job = _upload(client)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    jobs.import_job_fail(job_id=str(job.pk), error="x", keep_rows=True)
    job.refresh_from_db()
    assert job.status == "failed" and job.rows
    return job


def _aged(job: ImportJob, hours: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - dt.timedelta(hours=hours))


def _holds_personal_data(job: ImportJob) -> bool:
    job.refresh_from_db()
    kept = str([job.rows, job.skipped, job.preview, job.answers, job.new_members])
    return "Nguyễn Thị Lan" in kept or NOTE in kept or "1985-03-02" in kept or bool(job.answers)


def test_a_new_import_empties_the_sheets_past_their_keeping_time(
    leader_client, django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_JOB_KEEP_HOURS = 24
    checked = _checked(leader_client, django_capture_on_commit_callbacks)
    failed, young = _failed(leader_client), _upload(leader_client)
    _aged(checked, 25)
    _aged(failed, 25)
    _aged(young, 23)
    assert all(_holds_personal_data(job) for job in (checked, failed, young))

    _upload(leader_client)  # a new import starts: no beat needed

    assert not _holds_personal_data(checked) and not _holds_personal_data(failed)
    checked.refresh_from_db()
    assert checked.status == "failed" and checked.error == "Quá hạn: tải tệp lên lại."
    assert checked.headers  # the column headers (no one's data) stay, so the page still says what it was
    assert _holds_personal_data(young)  # within its keeping time: untouched
    page = leader_client.get(f"/setup/imports/{checked.pk}/").content.decode()
    assert "Quá hạn: tải tệp lên lại." in page and "Nguyễn Thị Lan" not in page


def test_opening_an_import_page_empties_them(leader_client, django_capture_on_commit_callbacks, settings):
    settings.IMPORT_JOB_KEEP_HOURS = 2
    abandoned = _checked(leader_client, django_capture_on_commit_callbacks)
    _aged(abandoned, 3)
    assert leader_client.get("/setup/imports/villages/new/").status_code == 200
    assert not _holds_personal_data(abandoned)


def test_the_server_start_command_and_the_beat_task_keep_the_same_rule(leader_client, settings):
    settings.IMPORT_JOB_KEEP_HOURS = 24
    old, young = _upload(leader_client), _upload(leader_client)
    _aged(old, 24.5)
    out = io.StringIO()
    call_command("purge_import_jobs", stdout=out)
    assert out.getvalue().strip() == "Đã xoá dữ liệu của 1 lần nhập quá hạn."
    assert not _holds_personal_data(old) and _holds_personal_data(young)
    assert tasks.purge_jobs() == 0  # nothing left for the beat task (with a worker) to do
    assert jobs.import_jobs_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not _holds_personal_data(young)
