"""Sheets of members and villages checked row by row: every combination of role, commune, village and
team cells ends in a row error or a row that stores (never an exception), a commune leader listed with a
village keeps the member and leaves the cell out, a background job that hits an unexpected exception ends
"failed" with its reason, and one village numbering serves every way villages come in."""

import itertools
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backend.models import OutboxMessage
from core.models import Role, User, Village
from core.scope import Scope
from core.services.imports import ImportRejected
from core.services.villages import village_create, village_numbering, villages_geo_import
from onboarding import jobs
from onboarding.models import ImportJob
from onboarding.services import members_check, members_import, villages_check, villages_import
from onboarding.sheets import MEMBERS, VILLAGES, Sheet, read_sheet
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, area, members_workbook, villages_workbook

pytestmark = pytest.mark.django_db

PROVINCE = Scope.province_officer(province="51")
ROLE_CELLS = ["Thành viên", "Tổ trưởng", "Lãnh đạo xã", "Cán bộ tỉnh", "Quản trị hệ thống", ""]
COMMUNE_CELLS = ["Cẩm Thành", "21025", "Xã Không Có", ""]
VILLAGE_CELLS = ["Thôn 2", "Phú Lộc, Thôn 2", "Thôn 9", ""]
TEAM_CELLS = ["Tổ CNSCĐ Thôn 2", ""]


@pytest.fixture
def commune():
    return area()


def _sheet(rows):
    return read_sheet(data=members_workbook(rows), filename="ds.xlsx")


def _leader_row(village="Thôn 2", team=""):
    return [1, "Lý Thị Xã", None, 905000222, "Lãnh đạo xã", "Cẩm Thành", village, team]


# --- the crash: a commune leader with a village cell --------------------------------------------------------


def test_a_commune_leader_with_a_village_is_stored_and_the_cell_left_out_with_a_notice(commune):
    preview = members_check(sheet=_sheet([_leader_row()]), scope=PROVINCE)
    assert preview.ok, preview.problems()
    assert preview.rows[0].action == "create"
    assert any("dòng 5" in notice and "Thôn 2" in notice for notice in preview.notices)
    report = members_import(sheet=_sheet([_leader_row()]), scope=PROVINCE)
    leader = User.objects.get(full_name="Lý Thị Xã")
    assert (leader.role, leader.commune_id, leader.team_id) == (Role.COMMUNE_LEADER, "21025", None)
    assert Village.objects.get(code="21025-02").team_id is None  # the cell gave no team a village
    assert any("Thôn 2" in note for note in report.notes)


def test_a_commune_leader_naming_a_team_still_gives_it_the_village(commune):
    """Unchanged: with a team cell, the row's villages go to that team, whatever the role."""
    members_import(sheet=_sheet([_leader_row(team="Tổ CNSCĐ Thôn 2")]), scope=PROVINCE)
    assert Village.objects.get(code="21025-02").team.name == "Tổ CNSCĐ Thôn 2"


def test_every_combination_of_role_commune_village_and_team_is_a_row_error_or_stores(commune):
    """One sheet holding every combination: the check never raises, each row has errors or a plan whose
    villages go to a team, and storing the rows without errors succeeds."""
    combos = list(itertools.product(ROLE_CELLS, COMMUNE_CELLS, VILLAGE_CELLS, TEAM_CELLS))
    rows = [
        [n, f"Người Số {n}", None, f"09050{n:05d}", role, commune_cell, village, team]
        for n, (role, commune_cell, village, team) in enumerate(combos, start=1)
    ]
    for scope in (PROVINCE, Scope.commune_leader(commune="21025", province="51")):
        preview = members_check(sheet=_sheet(rows), scope=scope)
        assert len(preview.rows) == len(combos)
        for row in preview.plan.rows:
            assert row.errors or not row.villages or row.team_key is not None
            assert row.errors or row.action in ("create", "update", "unchanged")
    good = [row for row, checked in zip(rows, preview.rows, strict=True) if not checked.errors]
    assert good, "some combinations are valid for a commune leader"
    report = members_import(sheet=_sheet(good), scope=Scope.commune_leader(commune="21025", province="51"))
    assert report.created == len(good)


MEMBER_CELL = st.one_of(
    st.sampled_from(ROLE_CELLS + COMMUNE_CELLS + VILLAGE_CELLS + TEAM_CELLS + ["lan.nt", "0905111222"]),
    st.text(max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(MEMBER_CELL, min_size=8, max_size=8), min_size=1, max_size=6))
# A NUL byte in a username cell once reached a PostgreSQL query (which refuses it) and raised.
@example(rows=[["lan\x00nt", "Nguyễn Thị Lan", "0905111222", "Thành viên", "", "", "", ""]])
def test_any_members_sheet_checks_without_raising(commune, rows):
    # Built as the reader leaves it: any text a cell can hold reaches the check.
    header = ["Tên đăng nhập", "Họ và tên", "SĐT", "CHỨC VỤ", "Tỉnh", "Xã", "Thôn", "Tổ CNSCĐ"]
    sheet = Sheet(headers=header, rows=[(n, cells) for n, cells in enumerate(rows, start=2)])
    assert len(sheet.detected_mapping(MEMBERS)) == len(header)
    for scope in (PROVINCE, Scope.commune_leader(commune="21025", province="51")):
        preview = members_check(sheet=sheet, scope=scope)
        assert len(preview.rows) == len(rows)
        for row in preview.plan.rows:
            assert row.errors or not row.villages or row.team_key is not None


VILLAGE_CELL = st.one_of(
    st.sampled_from(["Cẩm Thành", "21025", "Thôn 2", "03", "21025-02", "12", "1.200", "-3", "²", "9" * 30]),
    st.text(max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(VILLAGE_CELL, min_size=5, max_size=5), min_size=1, max_size=6))
def test_any_villages_sheet_checks_without_raising(commune, rows):
    header = ["Xã/Phường", "Mã thôn", "Tên thôn, tổ dân phố", "Số hộ", "Tổ CNSCĐ"]
    sheet = Sheet(headers=header, rows=[(n, cells) for n, cells in enumerate(rows, start=2)])
    assert len(sheet.detected_mapping(VILLAGES)) == len(header)
    preview = villages_check(sheet=sheet, scope=Scope.commune_leader(commune="21025", province="51"))
    assert len(preview.rows) == len(rows)
    codes = [row.code for row in preview.plan.rows]
    assert len(codes) == len(set(codes))  # never two rows for one village
    assert all(row.households is None or 0 <= row.households <= 1_000_000 for row in preview.plan.rows)


# --- a background job that hits an unexpected exception ends failed, with its reason ------------------------


def _job(user, rows) -> ImportJob:
    return jobs.import_job_create(user=user, kind=MEMBERS, file_name="ds.xlsx", sheet=_sheet(rows))


def _corrupt(job: ImportJob) -> None:
    """A stored row that is no longer a list of cells (a database edited by hand, a bug elsewhere)."""
    ImportJob.objects.filter(pk=job.pk).update(rows=[*job.rows[:1], [99, None]])


def test_a_check_that_raises_ends_the_job_failed_with_its_reason(commune, django_capture_on_commit_callbacks):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    job = _job(leader, GOOD_MEMBERS)
    _corrupt(job)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_check(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert "TypeError" in job.error and job.rows == []
    assert not OutboxMessage.objects.exists()  # ended, not left for the outbox to retry for hours
    assert jobs.import_job_progress_of(job) == job.progress  # the page stops waiting


def test_an_import_that_raises_stores_nothing_and_ends_failed(commune, django_capture_on_commit_callbacks):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    job = _job(leader, GOOD_MEMBERS)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_check(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    _corrupt(job)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.import_job_confirm(job=job, secret=jobs.new_secret())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "TypeError" in job.error
    assert User.objects.filter(commune=commune).count() == 1  # only the leader: nothing half-stored
    assert not OutboxMessage.objects.exists()


def test_the_job_page_shows_the_reason(commune, client, django_capture_on_commit_callbacks):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    job = _job(leader, GOOD_MEMBERS)
    _corrupt(job)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.import_job_check(job=job)
    client.force_login(leader)
    assert client.get(f"/setup/imports/{job.pk}/status/").json()["status"] == "failed"
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert "TypeError" in page


# --- one village numbering ---------------------------------------------------------------------------------


def test_numbering_follows_the_highest_number_of_the_commune():
    taken = {"21025-01", "21025-07", "21025-A1", "21025-²", "21028-30"}
    numbers = village_numbering(commune="21025", taken=taken)
    first = next(numbers)
    assert (first.code, first.name) == ("21025-08", "Thôn 8")
    taken.add("21025-09")  # planned meanwhile by another row
    assert next(numbers).code == "21025-10"
    assert [n.code for n in itertools.islice(village_numbering(commune="21028", taken=set()), 2)] == [
        "21028-01",
        "21028-02",
    ]


def test_a_form_a_sheet_and_a_geojson_number_the_same_way(commune, tmp_path):
    village_create(commune="21025", name="Thôn Mới")
    assert Village.objects.filter(name="Thôn Mới").get().code == "21025-03"
    sheet = read_sheet(
        data=villages_workbook([[1, "Cẩm Thành", "Thôn Đông", 10, ""], [2, "Cẩm Thành", "Thôn Tây", "", ""]]),
        filename="thon.xlsx",
    )
    villages_import(sheet=sheet, scope=Scope.commune_leader(commune="21025", province="51"))
    assert set(Village.objects.filter(name__in=["Thôn Đông", "Thôn Tây"]).values_list("code", flat=True)) == {
        "21025-04",
        "21025-05",
    }
    # The file way without boundaries (CSV read by the same importer as GeoJSON properties).
    path = tmp_path / "thon.csv"
    path.write_text("commune,name,households\n21025,Thôn Bắc,7\n21025,Thôn Nam,\n", encoding="utf-8")
    villages_geo_import(path=path)
    assert set(Village.objects.filter(name__in=["Thôn Bắc", "Thôn Nam"]).values_list("code", flat=True)) == {
        "21025-06",
        "21025-07",
    }


TOLD: list[str] = []


def listen(batch) -> None:
    """A projection that notes the villages it is told of."""
    TOLD.extend(batch.village_codes)


def test_a_geojson_goes_through_the_village_services_and_maps_are_told(commune, tmp_path, settings):
    TOLD.clear()
    settings.FIELD_RECORD_PROJECTIONS = [*settings.FIELD_RECORD_PROJECTIONS, f"{__name__}.listen"]

    square = [[[108.8, 15.1], [108.81, 15.1], [108.81, 15.11], [108.8, 15.11], [108.8, 15.1]]]
    path = tmp_path / "thon.geojson"
    features = [
        {"code": "21025-02", "commune": "21025", "name": "Thôn Hai", "households": 40},
        {"code": "21025-05", "commune": "21025", "name": "Thôn Năm", "households": 12},
    ]
    path.write_text(json.dumps(_features(features, square)))
    report = villages_import(path=path)
    assert (report.created, report.updated) == (1, 1)
    assert {"21025-02", "21025-05"} <= set(TOLD)
    assert Village.objects.get(code="21025-02").name == "Thôn Hai"


def test_geojson_rows_with_bad_values_are_named_and_nothing_stored(commune, tmp_path):
    path = tmp_path / "thon.geojson"
    features = [
        {"code": "21025-05", "commune": "21025", "name": "Thôn Năm", "households": 12},
        {"code": "21025-06", "commune": "21025", "name": "x" * 151, "households": 1},
        {"code": "21025-07", "commune": "21025", "name": "Thôn Bảy", "households": 10**12},
        {"code": "21025-08", "commune": "21025", "name": "Thôn Tám", "households": "1e400"},
    ]
    path.write_text(json.dumps(_features(features)))
    with pytest.raises(ImportRejected) as rejected:
        villages_import(path=path)
    assert [p.split(":")[0] for p in rejected.value.problems] == ["dòng 3", "dòng 4", "dòng 5"]
    assert not Village.objects.filter(code="21025-05").exists()


def test_demo_villages_are_numbered_after_a_communes_own(quang_ngai_boundaries, tmp_path):
    from django.core.management import call_command

    own = village_create(commune="21025", name="Thôn Của Xã")
    call_command(
        "seed_demo", "--province", "51", "--households", "200", "--seed", "3",
        "--logins-file", str(tmp_path / "logins.txt"), verbosity=0,
    )  # fmt: skip
    demo = list(Village.objects.filter(commune_id="21025", is_demo=True).order_by("code"))
    assert own.code == "21025-01" and Village.objects.filter(code=own.code, is_demo=False).exists()
    assert [v.code for v in demo][:2] == ["21025-02", "21025-03"]
    assert all(v.name == f"Thôn {int(v.code.split('-')[1])}" for v in demo)


def _features(properties: list[dict], square=None) -> dict:
    square = square or [[[108.8, 15.1], [108.81, 15.1], [108.81, 15.11], [108.8, 15.11], [108.8, 15.1]]]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": square}}
            for p in properties
        ],
    }
