"""A real members sheet through the services, in and out of scope, and the same sheet through the
command line and through the browser's job giving the same members."""

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from core.models import Role, Team, User, Village
from core.scope import Scope
from onboarding import jobs
from onboarding.models import ImportJob
from onboarding.services import members_check
from onboarding.sheets import read_sheet
from tests import factories
from tests.onboarding.sheets import BAD_MEMBERS, CCCD, GOOD_MEMBERS, area, members_workbook

pytestmark = pytest.mark.django_db

LEADER = Scope.commune_leader(commune="21025", province="51")


@pytest.fixture
def commune():
    return area()


def _snapshot():
    return sorted(
        (u.username, u.full_name, u.phone, u.role, u.commune_id, u.province_id, u.team.name if u.team else "")
        for u in User.objects.select_related("team").filter(commune_id="21025").exclude(username="xa-21025")
    )


def test_preview_lists_every_row_with_field_named_errors(commune):
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS + BAD_MEMBERS), filename="ds.xlsx")
    preview = members_check(sheet=sheet, scope=LEADER)
    assert [row.number for row in preview.rows] == [5, 6, 8, 9, 10, 11, 12, 13]
    errors = {row.number: row.errors for row in preview.rows if row.errors}
    assert set(errors) == {10, 11, 12, 13}
    assert "full_name" in errors[10] and "phone" in errors[11] and "commune" in errors[12]
    assert "villages" in errors[13] and "Thôn 9" in errors[13]["villages"]
    assert "Xã Không Có" in errors[12]["commune"]
    good = {row.number: row.values for row in preview.rows if not row.errors}
    assert good[5]["phone"] == "0905111222" and good[6]["phone"] == "0912345678"
    assert good[5]["username"] == "lan.nt" and good[6]["username"] == "hung.tv"
    assert good[8]["team"] == "Tổ CNSCĐ Thôn 2"  # no team written: the village's team
    assert preview.notices and "Số CCCD" in preview.notices[0]
    assert User.objects.count() == 0  # a check writes nothing


def test_scope_out_of_commune_and_roles_above_are_row_errors(commune):
    rows = [
        [1, "Ngô Văn Khác", None, 905000111, "Thành viên", "Nghĩa Hành", "", "Tổ 1"],
        [2, "Lý Thị Xã", None, 905000222, "Lãnh đạo xã", "Cẩm Thành", "", ""],
    ]
    sheet = read_sheet(data=members_workbook(rows), filename="ds.xlsx")
    preview = members_check(sheet=sheet, scope=LEADER)
    assert "commune" in preview.rows[0].errors and "role" in preview.rows[1].errors
    province = members_check(sheet=sheet, scope=Scope.province_officer(province="51"))
    assert not province.rows[1].errors  # a province officer may name a commune leader
    other = members_check(sheet=sheet, scope=Scope.province_officer(province="52"))
    assert all("commune" in row.errors for row in other.rows)


def test_ambiguous_commune_name_is_a_row_error(commune):
    factories.CommuneFactory(
        code="21099", province=commune.province, name="Cẩm Thành", full_name="Xã Cẩm Thành"
    )
    sheet = read_sheet(data=members_workbook(GOOD_MEMBERS[:1]), filename="ds.xlsx")
    preview = members_check(sheet=sheet, scope=Scope.province_officer(province="51"))
    assert "trùng nhiều xã" in preview.rows[0].errors["commune"]
    by_code = read_sheet(data=members_workbook(GOOD_MEMBERS[2:3]), filename="ds.xlsx")
    assert not members_check(sheet=by_code, scope=Scope.province_officer(province="51")).rows[0].errors


def test_a_bad_sheet_stores_nothing_through_the_command(commune, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(members_workbook(GOOD_MEMBERS + BAD_MEMBERS))
    with pytest.raises(CommandError) as error:
        call_command("import_members", str(path))
    assert "dòng 11" in str(error.value) and "Số điện thoại" in str(error.value)
    assert User.objects.count() == 0 and Team.objects.count() == 0


def _browser_import(user, data: bytes, on_commit) -> ImportJob:
    job = jobs.import_job_create(
        user=user, kind="members", file_name="ds.xlsx", sheet=read_sheet(data=data, filename="ds.xlsx")
    )
    with on_commit(execute=True):
        jobs.import_job_check(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.preview
    with on_commit(execute=True):
        assert jobs.import_job_confirm(job=job, secret="bi-mat")
    job.refresh_from_db()
    return job


def test_same_sheet_through_the_command_line_and_the_browser_gives_the_same_members(
    commune, tmp_path, django_capture_on_commit_callbacks
):
    data = members_workbook(GOOD_MEMBERS)
    path = tmp_path / "ds.xlsx"
    path.write_bytes(data)
    call_command("import_members", str(path), "--passwords-file", str(tmp_path / "mk.csv"))
    by_command = _snapshot()
    assert len(by_command) == 4
    assert CCCD not in str(list(User.objects.values()))
    User.objects.filter(commune_id="21025").delete()
    Village.objects.update(team=None)
    Team.objects.all().delete()

    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    job = _browser_import(leader, data, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.problems
    assert _snapshot() == by_command
    assert job.report == {"created": 4, "updated": 0, "unchanged": 0, "teams_created": 2}
    assert job.rows == [] and job.preview is None  # names and phones leave the job once stored
    # The trail names the leader for every member created.
    lan = User.objects.get(username="lan.nt")
    entry = LogEntry.objects.get_for_object(lan).get()
    assert entry.actor == leader and entry.action == LogEntry.Action.CREATE
    # Passwords are derived from the browser's secret: the sheet's password opens the account.
    assert lan.check_password(jobs.derived_password(secret="bi-mat", job_id=str(job.pk), username="lan.nt"))
    assert "bi-mat" not in str(list(ImportJob.objects.values()))


def test_running_the_same_sheet_twice_changes_nothing(commune, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(members_workbook(GOOD_MEMBERS))
    call_command("import_members", str(path), "--passwords-file", str(tmp_path / "mk.csv"))
    before = _snapshot()
    call_command("import_members", str(path), "--passwords-file", str(tmp_path / "mk2.csv"))
    assert _snapshot() == before
    assert not (tmp_path / "mk2.csv").exists()


def test_one_time_passwords_use_the_light_hasher_and_are_upgraded_at_login(commune, settings, client):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "onboarding.hashers.OneTimePasswordHasher",
    ]
    from onboarding.services import members_import

    report = members_import(sheet=read_sheet(data=members_workbook(GOOD_MEMBERS[:1]), filename="a.xlsx"))
    username, _name, password = report.passwords[0]
    assert User.objects.get(username=username).password.startswith("pbkdf2_onetime$")
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    assert User.objects.get(username=username).password.startswith("pbkdf2_sha256$")
