"""Sheets as communes keep them, through the import pages: a workbook with a villages sheet and a
members sheet (the import reads the one with its own header words), the national motto and a title
above the header, a total line under the data. The preview names every line left out and why, says
which sheet was read and offers another; the person unticks a row and it is neither checked nor stored.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from core.models import Role, User, Village
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import area

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_client(client, db):
    commune = area()
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    client.force_login(leader)
    return client


def _workbook(*sheets: tuple[str, list[list], list[str]]) -> bytes:
    """(title, rows, merged ranges) per sheet, in the workbook's order."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, merges in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for merge in merges:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The commune's villages first (a members import must not read it), then its members.
VILLAGES_SHEET = (
    "Thôn",
    [
        ["DANH SÁCH THÔN, TỔ DÂN PHỐ"],
        ["STT", "Tên thôn", "Số hộ"],
        [1, "Thôn Phú Lộc", 120],
        [2, "Thôn 2", 95],
        ["Tổng cộng", None, 215],
    ],
    ["A1:C1"],
)
MEMBERS_SHEET = (
    "Thành viên",
    [
        ["UBND PHƯỜNG CẨM THÀNH", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        ["DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"],
        ["STT", "Họ và tên", "Ngày sinh", "SĐT", "Chức vụ", "Xã", "Thôn", "Ghi chú"],
        [1, "Nguyễn Thị Lan", "1985-03-02", 905111222, "Tổ trưởng", "Cẩm Thành", "Thôn Phú Lộc", ""],
        [2, "Trần Văn Hùng", "1990-11-20", 912345678, "Thành viên", "Cẩm Thành", "Thôn 2", "nghỉ ốm"],
        [3, "Lê Thị Mai", "1979-07-07", "0935 123 456", "Thành viên", "Cẩm Thành", "Thôn 2", ""],
        ["Tổng cộng: 3 người"],
    ],
    ["A1:C1", "A3:H3", "A11:H11"],
)


def _upload(client, data, *, kind="members", name="ds.xlsx", **fields):
    return client.post(f"/setup/imports/{kind}/new/", {"file": SimpleUploadedFile(name, data), **fields})


def _job(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _check(client, job, capture) -> ImportJob:
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    job.refresh_from_db()
    return job


def test_members_from_a_messy_workbook_untick_a_row_and_it_is_not_stored(
    leader_client, django_capture_on_commit_callbacks
):
    client, capture = leader_client, django_capture_on_commit_callbacks
    upload_page = client.get("/setup/imports/members/new/").content.decode()
    assert (
        'href="/setup/imports/members/template.xlsx"' in upload_page and 'id="template-hint"' in upload_page
    )

    job = _job(_upload(client, _workbook(VILLAGES_SHEET, MEMBERS_SHEET)))
    # The members import read its own sheet, found by its header words, not the villages one first.
    assert (job.sheet_name, job.sheet_names) == ("Thành viên", ["Thôn", "Thành viên"])
    assert job.header_row == 4 and [number for number, _cells in job.rows] == [5, 6, 7]
    assert [(number, reason) for number, _text, reason in job.skipped] == [
        (1, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (2, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (3, "dòng tiêu đề phía trên bảng, bỏ qua."),
        (8, "dòng tổng cộng, không phải dữ liệu: bỏ qua."),
    ]

    job = _check(client, job, capture)
    assert job.status == "checked" and job.preview["counts"]["create"] == 3
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'id="skipped-lines"' in page
    assert "Dòng 8 (“Tổng cộng: 3 người”): dòng tổng cộng, không phải dữ liệu: bỏ qua." in page
    assert "Dòng 3 (“DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG”)" in page
    assert 'id="sheet-choice"' in page and "Đã đọc trang tính “Thành viên”" in page
    assert '<option value="Thôn">Thôn</option>' in page  # the chooser offers the other sheet
    assert page.count('name="keep"') == 3 and 'id="answers-form"' in page

    # Untick Trần Văn Hùng (row 6): checked again without him.
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["5", "6", "7"], "keep": ["5", "7"]})
    job.refresh_from_db()
    assert job.status == "checked" and job.answers["left_out"] == [6]
    assert [row["number"] for row in job.preview["rows"]] == [5, 7]
    assert job.preview["counts"]["rows"] == 2
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    left_out = page[page.index('id="left-out-rows"') :]
    assert "Trần Văn Hùng" in left_out and "Lưu 2 dòng" in page

    with capture(execute=True):
        assert client.post(f"/setup/imports/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert job.status == "done", job.problems
    assert job.report["created"] == 2
    assert set(User.objects.exclude(username="xa-21025").values_list("full_name", flat=True)) == {
        "Nguyễn Thị Lan",
        "Lê Thị Mai",
    }
    # Once stored, nothing of the sheet stays: not its rows, nor the lines it left out, nor the answers.
    assert (job.rows, job.skipped, job.answers, job.preview) == ([], [], {}, None)


def test_a_row_unticked_then_ticked_back_is_stored(leader_client, django_capture_on_commit_callbacks):
    client, capture = leader_client, django_capture_on_commit_callbacks
    job = _check(client, _job(_upload(client, _workbook(MEMBERS_SHEET))), capture)
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["5", "6", "7"], "keep": ["6", "7"]})
    job.refresh_from_db()
    assert job.answers["left_out"] == [5]
    # The left-out row is shown unticked; ticking it back (the page sends every row it showed) keeps it.
    page = client.get(f"/setup/imports/{job.pk}/").content.decode()
    assert 'name="keep" value="5" form="answers-form" aria-label' in page
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["5", "6", "7"], "keep": ["5", "6", "7"]})
    job.refresh_from_db()
    assert job.answers["left_out"] == [] and job.preview["counts"]["rows"] == 3
    # Numbers that are no row of the sheet are ignored.
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["99", "x", "-1"], "keep": []})
    job.refresh_from_db()
    assert job.answers["left_out"] == [] and job.preview["counts"]["rows"] == 3


def test_a_bad_row_left_out_lets_the_rest_be_saved(leader_client, django_capture_on_commit_callbacks):
    client, capture = leader_client, django_capture_on_commit_callbacks
    title, rows, merges = MEMBERS_SHEET
    rows = [*rows[:6], [3, "Lê Thị Mai", "", 12345, "Thành viên", "Xã Không Có", "Thôn 2", ""], rows[7]]
    job = _check(client, _job(_upload(client, _workbook((title, rows, merges)))), capture)
    assert job.preview["counts"]["errors"] == 1
    assert client.post(f"/setup/imports/{job.pk}/confirm/").status_code == 409
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["5", "6", "7"], "keep": ["5", "6"]})
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and job.report["created"] == 2
    assert not User.objects.filter(full_name="Lê Thị Mai").exists()


# Two communes' sheets, each with a two-level header: the first is read, the person asks for the other.
def _villages_sheet(title: str, names: list[str]) -> tuple[str, list[list], list[str]]:
    rows = [
        [f"DANH SÁCH THÔN, TỔ DÂN PHỐ {title.upper()}"],
        ["STT", "Đơn vị hành chính", None, "Số hộ"],
        [None, "Xã/phường", "Tên thôn", None],
        *[[index, "Cẩm Thành", name, 50 + index] for index, name in enumerate(names, start=1)],
        ["Cộng", None, None, 50 * len(names)],
    ]
    return title, rows, ["A1:D1", "A2:A3", "B2:C2", "D2:D3"]


def test_villages_workbook_with_two_sheets_read_the_other_one_and_leave_a_row_out(
    leader_client, django_capture_on_commit_callbacks
):
    client, capture = leader_client, django_capture_on_commit_callbacks
    upload_page = client.get("/setup/imports/villages/new/").content.decode()
    assert 'href="/setup/imports/villages/template.xlsx"' in upload_page
    data = _workbook(
        _villages_sheet("Đợt 1", ["Thôn Phú Lộc"]), _villages_sheet("Đợt 2", ["Tổ dân phố 7", "Tổ dân phố 8"])
    )
    first = _job(_upload(client, data, kind="villages"))
    assert first.sheet_name == "Đợt 1" and first.sheet_names == ["Đợt 1", "Đợt 2"]
    page = client.get(f"/setup/imports/{first.pk}/").content.decode()
    assert 'id="sheet-form"' in page and 'action="/setup/imports/villages/new/"' in page
    assert "Dòng 3 (“Xã/phường · Tên thôn”): dòng tiêu đề thứ hai, đã gộp vào dòng 2." in page

    # Read the second sheet: the file again, with the sheet chosen; the job it replaces is emptied now.
    assert f'name="replaces" value="{first.pk}"' in page
    job = _job(_upload(client, data, kind="villages", sheet="Đợt 2", replaces=str(first.pk)))
    first.refresh_from_db()
    assert (first.status, first.rows, first.skipped) == ("failed", [], [])
    assert job.sheet_name == "Đợt 2" and [cells[2] for _n, cells in job.rows] == [
        "Tổ dân phố 7",
        "Tổ dân phố 8",
    ]
    assert [number for number, _text, _reason in job.skipped] == [1, 3, 6]
    job = _check(client, job, capture)
    assert job.preview["counts"]["create"] == 2
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/answers/", {"row": ["4", "5"], "keep": ["4"]})
    with capture(execute=True):
        client.post(f"/setup/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and job.report == {"created": 1, "updated": 0, "unchanged": 0}
    assert Village.objects.filter(name="Tổ dân phố 7").exists()
    assert not Village.objects.filter(name="Tổ dân phố 8").exists()


def test_a_workbook_without_the_imports_header_offers_its_sheets(leader_client):
    data = _workbook(
        ("Tổng hợp", [["Báo cáo quý"], ["Ghi nhận", "Ý kiến"]], []),
        ("Kết quả", [["Nội dung", "Kết quả"], ["Tập huấn", "Đạt"]], []),
    )
    response = _upload(leader_client, data)
    page = response.content.decode()
    assert response.status_code == 400 and "Không tìm thấy dòng tiêu đề" in page
    assert 'name="sheet"' in page and '<option value="Kết quả">Kết quả</option>' in page
    assert not ImportJob.objects.exists()
    # A sheet the file does not have is named, a 400, nothing stored.
    response = _upload(leader_client, data, sheet="Không có")
    assert response.status_code == 400 and "Tệp không có trang tính “Không có”" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_replacing_touches_only_the_uploaders_own_job_and_ignores_nonsense(leader_client):
    commune = User.objects.get(username="xa-21025").commune
    other = Client()
    other.force_login(factories.UserFactory(username="xa-khac", role=Role.COMMUNE_LEADER, commune=commune))
    theirs = _job(_upload(other, _workbook(MEMBERS_SHEET)))
    for replaces in (str(theirs.pk), "not-a-uuid", ""):
        assert _upload(leader_client, _workbook(MEMBERS_SHEET), replaces=replaces).status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == "uploaded" and len(theirs.rows) == 3
