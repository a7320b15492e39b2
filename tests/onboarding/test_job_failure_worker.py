"""A check that raises in a real Celery worker (Redis broker, the PostgreSQL test database) ends the job
"failed" with its reason, as it does in-process: the page stops waiting and the worker lives on."""

import pytest

from core.models import Role, User
from onboarding import jobs
from onboarding.models import ImportJob
from onboarding.sheets import MEMBERS, read_sheet
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook
from tests.real_services import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_check_that_raises_in_the_worker_ends_the_job_failed(real_worker, client):
    commune = area()
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS), filename="ds.xlsx")
    job = jobs.import_job_create(user=leader, kind=MEMBERS, file_name="ds.xlsx", sheet=sheet)
    # A stored row that is no longer a list of cells: the check raises TypeError in the worker.
    ImportJob.objects.filter(pk=job.pk).update(rows=[*job.rows[:1], [99, None]])
    jobs.import_job_check(job=job)
    failed = wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).exists(), seconds=90
    )
    assert failed, f"the job stayed {ImportJob.objects.get(pk=job.pk).status}"
    job.refresh_from_db()
    assert "TypeError" in job.error and job.rows == []
    client.force_login(leader)
    assert client.get(f"/setup/imports/{job.pk}/status/").json()["status"] == "failed"
    assert real_worker.poll() is None, "the worker died"


def test_a_store_refused_in_the_worker_ends_the_job_failed_with_its_reason_and_a_retry(real_worker, client):
    """Issue 23 §2: the username the preview offered is taken before the save; the worker's store ends the
    job failed with the row and the reason, its sheet kept for the retry, never "Đang nhập" forever."""
    commune = area()
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS), filename="ds.xlsx")
    job = jobs.import_job_create(user=leader, kind=MEMBERS, file_name="ds.xlsx", sheet=sheet)
    jobs.import_job_check(job=job)
    assert wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).exists(), seconds=90
    )
    factories.UserFactory(username="lan.nt", role=Role.VOLUNTEER)  # someone took it meanwhile
    assert jobs.import_job_confirm(job=ImportJob.objects.get(pk=job.pk), secret=jobs.new_secret())
    failed = wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).exists(), seconds=90
    )
    assert failed, f"the job stayed {ImportJob.objects.get(pk=job.pk).status}"
    job.refresh_from_db()
    assert any("lan.nt" in problem and "đã đổi từ lúc xem trước" in problem for problem in job.problems)
    assert job.rows and not User.objects.filter(username="hung.tv").exists()
    client.force_login(leader)
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="retry-form"' in page
    assert real_worker.poll() is None, "the worker died"
