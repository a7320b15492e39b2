"""The import pages with Django's test client: upload, mapping, preview, confirm, passwords once; bad
files are 4xx with a message; jobs belong to their uploader; people who manage no one get 404."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.models import Role, User, Village
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import BAD_MEMBERS, GOOD_MEMBERS, area, members_workbook, villages_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(db):
    commune = area()
    return factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)


@pytest.fixture
def leader_client(client, leader, django_capture_on_commit_callbacks):
    client.force_login(leader)
    return client


def _upload(client, data, name="ds.xlsx", kind="members"):
    return client.post(f"/setup/imports/{kind}/new/", {"file": SimpleUploadedFile(name, data)})


def _job(response) -> ImportJob:
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def test_upload_preview_confirm_and_passwords_once(leader_client, django_capture_on_commit_callbacks):
    client = leader_client
    response = _upload(client, members_workbook(GOOD_MEMBERS + BAD_MEMBERS))
    assert response.status_code == 302
    job = _job(response)
    page = client.get(f"/setup/imports/{job.pk}/")
    assert page.status_code == 200 and "Số CCCD" in page.content.decode()
    form = {f"column-{index}": name for index, name in job.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", form)
    job.refresh_from_db()
    assert job.status == "checked" and job.preview["counts"]["errors"] == 4
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "Xã Không Có" in page and "Thôn 9" in page and 'id="confirm-form"' not in page
    # With errors it cannot be stored.
    assert client.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409
    assert User.objects.count() == 1

    response = _upload(client, members_workbook(GOOD_MEMBERS))
    job = _job(response)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/setup/imports/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and User.objects.count() == 5
    status = client.get(f"/setup/imports/{job.pk}/status/").json()
    assert status == {"status": "done", "progress": 100}
    download = client.get(f"/setup/imports/{job.pk}/passwords.xlsx")
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.values)
    assert rows[0] == ("Tên đăng nhập", "Họ và tên", "Mật khẩu dùng một lần", "Xã, phường", "Tổ")
    passwords = {row[0]: row[2] for row in rows[1:]}
    assert {row[0]: row[3:] for row in rows[1:]}["lan.nt"] == ("Phường Cẩm Thành", "Tổ CNSCĐ Phú Lộc")
    assert set(passwords) == {"lan.nt", "hung.tv", "mai.lt", "bao.pq"}
    assert User.objects.get(username="lan.nt").check_password(passwords["lan.nt"])
    # Once only: the cookie is gone and the job no longer lists who waits.
    assert client.get(f"/setup/imports/{job.pk}/passwords.xlsx").status_code in (404, 410)


def test_mapping_an_unrecognised_column(leader_client, django_capture_on_commit_callbacks):
    header = ["STT", "Người tham gia", "Di động", "Xã", "Thôn"]
    rows = [[1, "Nguyễn Văn An", 905123123, "Cẩm Thành", "Thôn 2"]]
    job = _job(_upload(leader_client, members_workbook(rows, header=header)))
    assert set(job.mapping.values()) == {"commune", "villages"}
    page = leader_client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "Người tham gia" in page and 'name="column-1"' in page
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(
            f"/setup/imports/{job.pk}/mapping/",
            {"column-1": "full_name", "column-2": "phone", "column-3": "commune", "column-4": "villages"},
        )
    job.refresh_from_db()
    assert job.preview["counts"] == {
        "create": 1,
        "update": 0,
        "unchanged": 0,
        "errors": 0,
        "questions": 0,
        "rows": 1,
    }
    assert job.preview["rows"][0]["values"]["phone"] == "0905123123"


def test_villages_sheet(leader_client, django_capture_on_commit_callbacks):
    rows = [[1, "Cẩm Thành", "Tổ dân phố 5", "1.234", "Tổ CNSCĐ TDP 5"], [2, "", "Thôn Phú Lộc", 80, ""]]
    job = _job(_upload(leader_client, villages_workbook(rows), kind="villages"))
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(
            f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()}
        )
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(f"/setup/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done", job.problems
    assert job.report == {"created": 1, "updated": 1, "unchanged": 0}
    new = Village.objects.get(name="Tổ dân phố 5")
    assert new.code == "21025-03" and new.declared_households == 1234 and new.team.name == "Tổ CNSCĐ TDP 5"
    assert Village.objects.get(code="21025-01").declared_households == 80


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "Tệp trống"),
        (b"\x00\x01binary\x00", "a.png", "không phải bảng tính"),
        (b"not a zip", "a.xlsx", "không phải bảng tính Excel"),
        (",".join(["Họ và tên", "SĐT", *map(str, range(100_000))]).encode(), "wide.csv", "nhiều cột"),
    ],
)
def test_bad_files_are_4xx_with_a_message(leader_client, data, name, message):
    response = _upload(leader_client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_too_large_upload_is_4xx(leader_client, settings):
    from onboarding import sheets

    big = b"a" * (sheets.MAX_UPLOAD_BYTES + 1)
    response = _upload(leader_client, big, name="big.csv")
    assert response.status_code == 400 and "Tệp quá lớn" in response.content.decode()
    # Declared larger than the limit: refused before the body is read.
    response = _upload(leader_client, big + b"a" * 200_000, name="big.csv")
    assert response.status_code == 413 and "quá lớn (tối đa 10.1 MB)" in response.content.decode()


def test_no_file_is_400(leader_client):
    assert leader_client.post("/setup/imports/members/new/", {}).status_code == 400


def test_jobs_are_their_uploaders_and_volunteers_get_404(leader_client, leader, client):
    job = _job(_upload(leader_client, members_workbook(GOOD_MEMBERS)))
    other = factories.UserFactory(username="xa-khac", role=Role.COMMUNE_LEADER, commune_id="21028")
    client.force_login(other)
    for path in ("", "status/", "passwords.xlsx"):
        assert client.get(f"/setup/imports/{job.pk}/{path}").status_code == 404
    assert client.post(f"/setup/imports/{job.pk}/confirm/").status_code == 404
    team = factories.TeamFactory(commune_id="21025")
    volunteer = factories.UserFactory(username="tv", role=Role.VOLUNTEER, team=team)
    client.force_login(volunteer)
    assert client.get("/setup/imports/members/new/").status_code == 404
    assert client.get("/setup/imports/nothing/new/").status_code == 404


def test_old_jobs_lose_their_names_and_phones(leader_client):
    import datetime as dt

    from django.utils import timezone

    from onboarding.jobs import import_jobs_purge

    job = _job(_upload(leader_client, members_workbook(GOOD_MEMBERS)))
    assert import_jobs_purge() == 0
    assert import_jobs_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.rows == [] and job.status == "failed" and "Nguyễn" not in str(job.headers + job.rows)
