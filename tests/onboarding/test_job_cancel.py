"""Cancelling a running import (its uploader, or a leader above them) and retrying a cancelled one; a task
that arrives after the cancel stores nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Role, User
from onboarding import tasks
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(db):
    return factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=area())


def _checked_job(client, capture) -> ImportJob:
    response = client.post(
        "/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.xlsx", members_workbook(GOOD_MEMBERS))}
    )
    job = ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    return job


def test_a_cancelled_store_ignores_its_late_task_and_can_be_retried(
    client, leader, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    job = _checked_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not picked it up yet
        assert client.post(f"/setup/imports/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="cancel-form"' in page

    assert client.get(f"/setup/imports/{job.pk}/cancel/").status_code == 405
    assert client.post(f"/setup/imports/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and job.rows and job.preview is None

    # The task arrives late: nothing is stored, the job stays cancelled.
    assert tasks.import_sheet(str(job.pk), "secret") == ImportJob.Status.CANCELLED
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert User.objects.count() == 1

    # Cancelling again: it is no longer running.
    assert client.post(f"/setup/imports/{job.pk}/cancel/").status_code == 409

    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="job-cancelled"' in page and 'id="retry-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/setup/imports/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.preview["counts"]["create"] == 4


def test_a_cancelled_check_stores_no_preview(client, leader, django_capture_on_commit_callbacks):
    client.force_login(leader)
    job = _checked_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    assert client.post(f"/setup/imports/{job.pk}/cancel/").status_code == 302
    tasks.check_sheet(str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and job.preview is None


def test_a_leader_above_may_cancel_others_get_404(client, leader, django_capture_on_commit_callbacks):
    client.force_login(leader)
    job = _checked_job(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/setup/imports/{job.pk}/confirm/")

    other_commune = factories.UserFactory(username="xa-21028", role=Role.COMMUNE_LEADER, commune_id="21028")
    volunteer = factories.UserFactory(username="tv", role=Role.VOLUNTEER, commune_id="21025")
    other_province = factories.ProvinceFactory(code="52", name="Bình Định", full_name="Tỉnh Bình Định")
    outsider = factories.UserFactory(username="tinh-52", role=Role.PROVINCE_OFFICER, province=other_province)
    for user in (other_commune, volunteer, outsider):
        client.force_login(user)
        assert client.get(f"/setup/imports/{job.pk}/").status_code == 404
        assert client.post(f"/setup/imports/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING

    officer = factories.UserFactory(username="tinh-51", role=Role.PROVINCE_OFFICER, province_id="51")
    client.force_login(officer)
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="cancel-form"' in page and "Nguyễn Thị Lan" not in page  # the state, not the rows
    assert client.post(f"/setup/imports/{job.pk}/retry/").status_code == 404  # retrying is the uploader's
    assert client.post(f"/setup/imports/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
