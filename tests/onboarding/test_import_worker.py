"""A sheet checked and stored by a real Celery worker on Redis, as production runs it, sharing the
PostgreSQL test database: the page only changes the job's status; the worker does the work."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.models import Role, User
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook
from tests.real_services import (
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _status(job, wanted):
    return wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status=wanted).exists(), seconds=90)


def test_the_worker_checks_and_stores_a_sheet(real_worker, client, settings):
    # The worker hashes with the product's hashers; this process must know the one-time one to check.
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, "onboarding.hashers.OneTimePasswordHasher"]
    commune = area()
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    client.force_login(leader)
    response = client.post(
        "/setup/imports/members/new/", {"file": SimpleUploadedFile("ds.xlsx", members_workbook(GOOD_MEMBERS))}
    )
    job = ImportJob.objects.get()
    client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    assert client.get(f"/setup/imports/{job.pk}/status/").json()["status"] in ("checking", "checked")
    assert _status(job, ImportJob.Status.CHECKED), "the worker did not check the sheet"
    assert real_worker.poll() is None, "the worker died"
    response = client.post(f"/setup/imports/{job.pk}/confirm/")
    assert response.status_code == 302
    assert _status(job, ImportJob.Status.DONE), ImportJob.objects.get(pk=job.pk).problems
    assert client.get(f"/setup/imports/{job.pk}/status/").json() == {"status": "done", "progress": 100}
    assert User.objects.filter(commune=commune).count() == 5
    download = client.get(f"/setup/imports/{job.pk}/passwords.xlsx")
    rows = list(load_workbook(io.BytesIO(download.content)).active.values)[1:]
    assert len(rows) == 4
    username, _name, password, _commune, _team = rows[0]
    assert User.objects.get(username=username).check_password(password)
