"""Issue 23 §2: the preview is what gets saved, and no job hangs.

Realistic commune sheets (a title row, a blank line, numbers stored as numbers, a citizen ID column)
through the import pages with Django's test client and eager Celery (the embedded default): usernames
checked against the database and within the sheet at preview; a username taken between preview and save
ends the job failed with its reason and a retry, never a unique-constraint crash; every failure of a job
ends it with its reason; the preview shows resolved village codes, old → new values and the teams it
creates; a changed phone and an unknown title are asked, not guessed; duplicate villages are caught.
"""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

import onboarding.services
from core.models import Role, Team, User, Village
from core.services.imports import ImportRejected
from onboarding import jobs
from onboarding.models import ImportJob
from onboarding.services import members_import
from onboarding.sheets import read_sheet
from tests import factories
from tests.onboarding.sheets import CCCD, GOOD_MEMBERS, area, members_workbook, villages_workbook
from tests.onboarding.test_import_pages import _job, _upload

pytestmark = pytest.mark.django_db

WITH_USERNAME = ["STT", "Tên đăng nhập", "Họ và tên", "SĐT", "Chức vụ", "Xã", "Thôn", "Tổ CNSCĐ"]


@pytest.fixture
def commune(db):
    return area()


@pytest.fixture
def leader(commune):
    return factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)


@pytest.fixture
def client_(client, leader):
    client.force_login(leader)
    return client


def _checked(client, data, capture, kind="members") -> ImportJob:
    job = _job(_upload(client, data, kind=kind))
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, (job.status, job.error, job.problems)
    return job


def _confirm(client, job, capture):
    with capture(execute=True):
        response = client.post(f"/setup/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    return response


def _row(job, number: int) -> dict:
    return next(row for row in job.preview["rows"] if row["number"] == number)


def _by_name(job, name: str) -> dict:
    return next(row for row in job.preview["rows"] if row["values"].get("full_name", "").strip() == name)


# --- usernames ------------------------------------------------------------------------------------------------


def test_a_username_of_someone_else_is_an_error_at_preview_not_a_crash_at_save(
    client_, commune, django_capture_on_commit_callbacks
):
    other = factories.CommuneFactory(code="21028")
    factories.UserFactory(username="lan.nt", role=Role.COMMUNE_LEADER, commune=other)  # not the leader's
    rows = [
        [1, "lan.nt", "Nguyễn Thị Lan", 905111222, "Tổ trưởng", "Cẩm Thành", "Thôn Phú Lộc", "Tổ Phú Lộc"],
        [2, "hung.tv", "Trần Văn Hùng", 905333444, "Thành viên", "Cẩm Thành", "Thôn 2", "Tổ Phú Lộc"],
        [3, "hung.tv", "Trần Văn Hùng B", 905333445, "Thành viên", "Cẩm Thành", "Thôn 2", "Tổ Phú Lộc"],
    ]
    job = _checked(client_, members_workbook(rows, header=WITH_USERNAME), django_capture_on_commit_callbacks)
    errors = {row["number"]: row["errors"] for row in job.preview["rows"] if row["errors"]}
    assert "đã có người dùng" in errors[5]["username"]  # sheet row 5: the header is row 4
    assert "trùng với dòng" in next(e["username"] for n, e in errors.items() if n != 5)
    page = client_.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "đã có người dùng" in page and 'id="confirm-form"' not in page
    assert client_.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409
    assert not User.objects.filter(full_name="Trần Văn Hùng").exists()


def test_proposed_usernames_avoid_the_database_and_the_sheet(
    client_, commune, django_capture_on_commit_callbacks
):
    factories.UserFactory(username="lan.nt", role=Role.VOLUNTEER)  # someone anywhere
    rows = [
        [1, "Nguyễn Thị Lan", CCCD, 905111222, "Thành viên", "Cẩm Thành", "Thôn 2", "Tổ 2"],
        [2, "Ngô Thị Lan", None, 905111223, "Thành viên", "Cẩm Thành", "Thôn 2", "Tổ 2"],
    ]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    proposed = sorted(row["values"]["username"] for row in job.preview["rows"])
    assert proposed == ["lan.nt2", "lan.nt3"]
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert set(User.objects.filter(username__startswith="lan.nt").values_list("username", flat=True)) == {
        "lan.nt",
        "lan.nt2",
        "lan.nt3",
    }


def test_a_username_taken_after_the_preview_fails_the_job_with_its_reason_and_a_retry(
    client_, commune, django_capture_on_commit_callbacks
):
    job = _checked(client_, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    assert _by_name(job, "Nguyễn Thị Lan")["values"]["username"] == "lan.nt"
    # Meanwhile someone else gets "lan.nt" (another leader's form, another sheet).
    factories.UserFactory(username="lan.nt", role=Role.VOLUNTEER)
    response = _confirm(client_, job, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert job.status == ImportJob.Status.FAILED
    assert any("đã đổi từ lúc xem trước" in problem and "lan.nt" in problem for problem in job.problems)
    assert User.objects.filter(username__in=["hung.tv", "mai.lt", "bao.pq"]).count() == 0  # nothing stored
    assert not Team.objects.exists()
    page = client_.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "đã đổi từ lúc xem trước" in page and 'id="retry-form"' in page
    assert client_.get(f"/setup/imports/{job.pk}/status/").json() == {"status": "failed", "progress": 0}

    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/retry/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.error == "" and job.problems == []
    assert _by_name(job, "Nguyễn Thị Lan")["values"]["username"] == "lan.nt2"
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert User.objects.get(username="lan.nt2").full_name == "Nguyễn Thị Lan"


# --- every failure ends the job ---------------------------------------------------------------------------------


def test_a_store_that_raises_ends_the_job_failed_with_its_reason(
    client_, commune, monkeypatch, django_capture_on_commit_callbacks
):
    job = _checked(client_, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)

    def collide(**kwargs):  # the unique constraint the issue hit, forced
        raise IntegrityError('duplicate key value violates unique constraint "field_api_user_username_key"')

    monkeypatch.setattr(onboarding.services, "members_create", collide)
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "IntegrityError" in job.error and "không có gì được lưu" in job.error
    assert job.rows and job.preview is None  # the sheet stays for the retry, the preview goes
    assert not Team.objects.exists() and User.objects.count() == 1  # the teams rolled back too
    page = client_.get(f"/setup/imports/{job.pk}/")
    assert page.status_code == 200 and "không có gì được lưu" in page.content.decode()
    assert "Đang nhập" not in page.content.decode()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/retry/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and User.objects.count() == 5


def test_a_job_whose_worker_vanished_ends_failed_instead_of_waiting_at_99(
    client_, commune, django_capture_on_commit_callbacks
):
    job = _checked(client_, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    # Confirmed, and the task never finishes (a worker killed at its hard limit, its message lost).
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.import_job_confirm(job=job, secret=jobs.new_secret())
    jobs.import_job_progress(job.pk, 99, 100)
    assert client_.get(f"/setup/imports/{job.pk}/status/").json() == {"status": "importing", "progress": 99}
    late = timezone.now() - jobs.import_job_deadline() - dt.timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(touched_at=late)
    assert client_.get(f"/setup/imports/{job.pk}/status/").json()["status"] == "failed"
    job.refresh_from_db()
    assert "Quá thời gian xử lý" in job.error and job.rows
    # The task arriving after all stores nothing.
    from onboarding.tasks import import_sheet

    assert import_sheet(str(job.pk), "secret") == ImportJob.Status.FAILED
    assert User.objects.count() == 1


def test_the_store_starts_its_bar_at_zero_not_where_the_check_ended(
    client_, commune, django_capture_on_commit_callbacks
):
    job = _checked(client_, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    jobs.import_job_progress(job.pk, 99, 100)  # the check's last step, still in the cache
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.import_job_confirm(job=job, secret=jobs.new_secret())
    assert client_.get(f"/setup/imports/{job.pk}/status/").json() == {"status": "importing", "progress": 0}


# --- what the preview shows -------------------------------------------------------------------------------------


def test_preview_shows_village_codes_moves_and_new_teams(
    client_, commune, django_capture_on_commit_callbacks
):
    team_a = factories.TeamFactory(commune=commune, name="Tổ CNSCĐ Thôn 2")
    Village.objects.filter(code="21025-02").update(team=team_a)
    rows = [
        [1, "Nguyễn Thị Lan", None, 905111222, "Tổ trưởng", "Cẩm Thành", "Thôn 2", "Tổ dân phố 1"],
    ]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    row = job.preview["rows"][0]
    assert row["values"]["villages"] == "Thôn 2 (21025-02)"
    assert ["Thôn 2 (21025-02)", "Tổ CNSCĐ Thôn 2", "Tổ dân phố 1"] in row["changes"]
    assert job.preview["teams_new"] == ["Tổ dân phố 1 (Phường Cẩm Thành)"]
    page = client_.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "Thôn 2 (21025-02)" in page and "Tổ CNSCĐ Thôn 2 → Tổ dân phố 1" in page
    assert 'id="teams-new"' in page and "Tổ dân phố 1 (Phường Cẩm Thành)" in page


def test_preview_shows_old_and_new_values_of_an_update(client_, commune, django_capture_on_commit_callbacks):
    team = factories.TeamFactory(commune=commune, name="Tổ Phú Lộc")
    factories.UserFactory(
        username="lan.nt", full_name="Nguyễn Thị Lan", phone="0905111222", role=Role.VOLUNTEER, team=team
    )
    rows = [[1, "lan.nt", "Nguyễn Thị Lan", "0912 000 111", "Tổ trưởng", "Cẩm Thành", "", "Tổ Phú Lộc"]]
    job = _checked(client_, members_workbook(rows, header=WITH_USERNAME), django_capture_on_commit_callbacks)
    row = job.preview["rows"][0]
    assert row["action"] == "update"
    assert ["Số điện thoại", "0905111222", "0912000111"] in row["changes"]
    assert ["Chức vụ", "Thành viên tổ", "Tổ trưởng"] in row["changes"]
    assert "0905111222 → 0912000111" in client_.get(f"/setup/imports/{job.pk}/").content.decode()


# --- asked, not guessed -----------------------------------------------------------------------------------------


def test_a_changed_phone_asks_whether_it_is_the_same_person(
    client_, commune, django_capture_on_commit_callbacks
):
    team = factories.TeamFactory(commune=commune, name="Tổ Phú Lộc")
    lan = factories.UserFactory(
        username="lan.nt", full_name="Nguyễn Thị Lan", phone="0905111222", role=Role.VOLUNTEER, team=team
    )
    rows = [
        [1, "Nguyễn Thị  Lan ", CCCD, 912000111, "Thành viên", "Cẩm Thành", "", "Tổ Phú Lộc"],  # new number
        [2, "Trần Văn Hùng", None, 905333444, "Thành viên", "Cẩm Thành", "", "Tổ Phú Lộc"],
    ]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    asked = _row(job, 5)
    assert "có phải cùng một người" in asked["questions"]["phone"]["text"]
    assert [option[0] for option in asked["questions"]["phone"]["options"]] == ["lan.nt", "new"]
    assert job.preview["counts"]["questions"] == 1
    page = client_.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="answers-form"' in page and 'id="confirm-form"' not in page
    assert client_.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409  # not before an answer

    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/answers/", {"answer-5-phone": "lan.nt", "answer-5-role": "x"})
    job.refresh_from_db()
    assert job.answers == {"5": {"phone": "lan.nt"}}  # only answers among the options are kept
    row = _row(job, 5)
    assert row["questions"] == {} and row["action"] == "update" and row["values"]["username"] == "lan.nt"
    assert ["Số điện thoại", "0905111222", "0912000111"] in row["changes"]
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    lan.refresh_from_db()
    assert lan.phone == "0912000111"
    assert User.objects.filter(full_name__contains="Lan").count() == 1  # no second account


def test_answering_another_person_creates_a_second_account(
    client_, commune, django_capture_on_commit_callbacks
):
    team = factories.TeamFactory(commune=commune, name="Tổ Phú Lộc")
    factories.UserFactory(
        username="lan.nt", full_name="Nguyễn Thị Lan", phone="0905111222", role=Role.VOLUNTEER, team=team
    )
    rows = [[1, "Nguyễn Thị Lan", None, 912000111, "Thành viên", "Cẩm Thành", "", "Tổ Phú Lộc"]]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/answers/", {"answer-5-phone": "new"})
    job.refresh_from_db()
    assert _row(job, 5)["action"] == "create" and _row(job, 5)["values"]["username"] == "lan.nt2"
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert User.objects.get(username="lan.nt2").phone == "0912000111"


def test_an_unknown_title_is_asked_not_made_a_volunteer(client_, commune, django_capture_on_commit_callbacks):
    officer = factories.UserFactory(username="tinh-51", role=Role.PROVINCE_OFFICER, province=commune.province)
    client_.force_login(officer)
    rows = [
        [1, "Lê Văn Phó", None, 905444555, "Phó Chủ tịch UBND xã", "Cẩm Thành", "", ""],
        [2, "Trần Văn Hùng", None, 905333444, "tổ phó", "Cẩm Thành", "Thôn 2", "Tổ 2"],
        [3, "Đinh Thị Xuân", None, 905444556, "phó chủ tịch UBND xã ", "Cẩm Thành", "", ""],
    ]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    assert job.preview["counts"]["questions"] == 2
    asked = _row(job, 5)
    assert asked["errors"] == {}  # no team asked of a row whose role is not known yet
    assert "Phó Chủ tịch UBND xã" in asked["questions"]["role"]["text"]
    assert asked["values"]["role"] == "Phó Chủ tịch UBND xã"
    assert Role.COMMUNE_LEADER in [value for value, _label in asked["questions"]["role"]["options"]]
    assert _row(job, 6)["questions"] == {}  # "tổ phó" is a known title: a volunteer of the team
    assert client_.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/answers/", {"answer-5-role": Role.COMMUNE_LEADER})
    job.refresh_from_db()
    assert _row(job, 5)["questions"] == {} and _row(job, 5)["values"]["role"] == "Lãnh đạo xã"
    assert _row(job, 8)["questions"] == {}  # the same title on another row: answered once for all
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert User.objects.get(full_name="Lê Văn Phó").role == Role.COMMUNE_LEADER
    assert User.objects.get(full_name="Đinh Thị Xuân").role == Role.COMMUNE_LEADER
    assert User.objects.get(full_name="Trần Văn Hùng").role == Role.VOLUNTEER


def test_a_commune_leader_cannot_answer_a_role_they_may_not_give(
    client_, commune, django_capture_on_commit_callbacks
):
    rows = [[1, "Lê Văn Phó", None, 905444555, "Phó Chủ tịch UBND xã", "Cẩm Thành", "Thôn 2", "Tổ 2"]]
    job = _checked(client_, members_workbook(rows), django_capture_on_commit_callbacks)
    options = [value for value, _label in _row(job, 5)["questions"]["role"]["options"]]
    assert Role.COMMUNE_LEADER not in options and Role.VOLUNTEER in options
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/answers/", {"answer-5-role": Role.COMMUNE_LEADER})
    job.refresh_from_db()
    assert job.answers == {} and _row(job, 5)["questions"]


# --- villages ---------------------------------------------------------------------------------------------------


def test_identical_village_rows_and_stored_villages_are_caught(
    client_, commune, django_capture_on_commit_callbacks
):
    rows = [
        [1, "Phường Cẩm Thành", "Thôn Đông", 120, "Tổ Đông"],
        [2, "Phường Cẩm Thành", "Thôn Đồng", 80, ""],  # other marks: another village
        [3, "Phường Cẩm Thành", "Thôn Đông", 120, "Tổ Đông"],  # the same row again
        [4, "Cẩm Thành", "Thôn Phú Lộc", "1.200", ""],  # stored: an update of its households
    ]
    job = _checked(client_, villages_workbook(rows), django_capture_on_commit_callbacks, kind="villages")
    by_name = {}
    for row in job.preview["rows"]:
        by_name.setdefault(row["values"]["name"], []).append(row)
    first, again = by_name["Thôn Đông"]
    assert first["action"] == "create" and "lặp lại dòng" in again["errors"]["name"]
    assert by_name["Thôn Đồng"][0]["action"] == "create"
    phu_loc = by_name["Thôn Phú Lộc"][0]
    assert phu_loc["action"] == "update" and ["Số hộ", "—", "1200"] in phu_loc["changes"]
    assert job.preview["teams_new"] == ["Tổ Đông (Phường Cẩm Thành)"]
    assert client_.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409
    assert Village.objects.filter(commune=commune).count() == 2


def test_the_add_village_form_refuses_an_exact_duplicate(client_, commune):
    url = f"/setup/communes/{commune.code}/villages/"
    assert client_.post(url, {"new-village-name": "Thôn Đông"}).status_code == 302
    again = client_.post(url, {"new-village-name": "Thôn Đông"})
    assert again.status_code == 400
    assert client_.post(url, {"new-village-name": "  Thôn   Đông "}).status_code == 400
    assert client_.post(url, {"new-village-name": "Thôn Đồng"}).status_code == 302
    assert list(
        Village.objects.filter(name__startswith="Thôn Đ").values_list("name", flat=True).order_by("name")
    ) == [
        "Thôn Đông",
        "Thôn Đồng",
    ]


def test_a_village_code_taken_after_the_preview_fails_the_job_and_the_retry_renumbers(
    client_, commune, django_capture_on_commit_callbacks
):
    rows = [[1, "Phường Cẩm Thành", "Thôn Mới", 40, ""]]
    job = _checked(client_, villages_workbook(rows), django_capture_on_commit_callbacks, kind="villages")
    assert job.preview["rows"][0]["values"]["code"] == "21025-03"
    factories.VillageFactory(commune=commune, code="21025-03", name="Thôn Khác")  # added meanwhile
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert any("21025-03" in problem for problem in job.problems)
    assert not Village.objects.filter(name="Thôn Mới").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(f"/setup/imports/{job.pk}/retry/")
    job.refresh_from_db()
    assert job.preview["rows"][0]["values"]["code"] == "21025-04"
    _confirm(client_, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and Village.objects.get(name="Thôn Mới").code == "21025-04"


def test_the_command_line_refuses_an_unknown_title_naming_the_row(commune):
    sheet = read_sheet(
        data=members_workbook([[1, "Lê Văn Phó", None, 905444555, "Phó Chủ tịch UBND xã", "21025", "", ""]]),
        filename="ds.xlsx",
    )
    with pytest.raises(ImportRejected) as rejected:
        members_import(sheet=sheet)
    assert any("dòng 5" in line and "Phó Chủ tịch UBND xã" in line for line in rejected.value.problems)
    assert not User.objects.filter(full_name="Lê Văn Phó").exists()
