"""Export jobs never stay queued forever (campaigns/jobs.py): their message goes through the outbox,
beat publishes a job that shows no life again, and fails it with a message once out of attempts or too
old; running a job twice changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.models import OutboxMessage
from campaigns.jobs import RUN_EXPORT, export_job_request, export_jobs_recover
from campaigns.models import Campaign, ExportJob
from campaigns.tasks import run_export
from core.models import Role


@pytest.fixture
def campaign(world):
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Chiến dịch tháng",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
    )


@pytest.fixture
def officer(world):
    return world.a.users[Role.PROVINCE_OFFICER]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stale(job: ExportJob, **fields) -> ExportJob:
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    ExportJob.objects.filter(pk=job.pk).update(touched_at=long_ago, **fields)
    job.refresh_from_db()
    return job


def test_the_request_writes_the_job_and_its_message_together(
    campaign, officer, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(officer).post(
            f"/api/v1/campaigns/{campaign.pk}/exports/", {"format": "csv"}, format="json"
        )
    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.status == ExportJob.Status.QUEUED
    assert list(OutboxMessage.objects.values_list("task", "kwargs")) == [
        (RUN_EXPORT, {"job_id": str(job.pk)})
    ]
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 1
    assert not OutboxMessage.objects.exists()


def test_stale_jobs_are_published_again_once(campaign, officer, django_capture_on_commit_callbacks):
    lost = _stale(export_job_request(user=officer, campaign=campaign, format="csv"))
    OutboxMessage.objects.filter(kwargs__job_id=str(lost.pk)).delete()  # published, then lost by Redis
    waiting = _stale(export_job_request(user=officer, campaign=campaign, format="geojson"))
    fresh = export_job_request(user=officer, campaign=campaign, format="xlsx")
    with django_capture_on_commit_callbacks() as callbacks:
        assert export_jobs_recover() == {"requeued": 2, "failed": 0}
    # One message per job: the one still waiting for the broker is not written twice.
    pending = sorted(OutboxMessage.objects.values_list("kwargs__job_id", flat=True))
    assert pending == sorted([str(lost.pk), str(waiting.pk), str(fresh.pk)])
    assert export_jobs_recover() == {"requeued": 0, "failed": 0}  # shown life again: not stale
    for callback in callbacks:  # what runs once the recovery has committed
        callback()
    assert set(ExportJob.objects.values_list("status", flat=True)) == {ExportJob.Status.DONE}
    assert not OutboxMessage.objects.exists()


def test_a_job_out_of_attempts_or_too_old_fails_with_a_message(campaign, officer, client_for):
    worn = _stale(
        export_job_request(user=officer, campaign=campaign, format="xlsx"),
        status=ExportJob.Status.RUNNING,
        attempts=3,
        progress=40,
    )
    old = _stale(
        export_job_request(user=officer, campaign=campaign, format="csv"),
        created_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert export_jobs_recover() == {"requeued": 0, "failed": 2}
    client = client_for(officer)
    for job in (worn, old):
        status = client.get(f"/api/v1/exports/{job.pk}/").json()
        assert status["status"] == "failed"
        assert status["error"] == "Không xuất được tệp sau nhiều lần thử. Vui lòng yêu cầu xuất lại."
        assert status["download_url"] is None


def test_a_job_whose_worker_keeps_dying_fails_instead_of_running_forever(campaign, officer):
    job = export_job_request(user=officer, campaign=campaign, format="csv")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, attempts=3)
    assert run_export(str(job.pk)) == ExportJob.Status.FAILED
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.error


def test_running_a_job_twice_changes_nothing(campaign, officer, media):
    job = export_job_request(user=officer, campaign=campaign, format="xlsx")
    assert run_export(str(job.pk)) == ExportJob.Status.DONE
    job.refresh_from_db()
    first = (job.file.name, job.finished_at)
    assert run_export(str(job.pk)) == ExportJob.Status.DONE  # a redelivered message
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == first and job.attempts == 1
    # Two runs that both got going (the first one's worker seemed dead) leave one file, not two.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    assert run_export(str(job.pk)) == ExportJob.Status.DONE
    assert [path.name for path in (media / "exports").iterdir()] == [job.file.name.rsplit("/", 1)[-1]]


def test_a_failed_job_is_left_failed(campaign, officer):
    job = export_job_request(user=officer, campaign=campaign, format="csv")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error="đã hỏng")
    assert run_export(str(job.pk)) == ExportJob.Status.FAILED
    assert ExportJob.objects.get(pk=job.pk).attempts == 0
