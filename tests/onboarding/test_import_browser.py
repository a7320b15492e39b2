"""A commune leader brings a real sheet in through Chromium, on a desktop and on a phone: upload, the
columns found, the preview with every row's errors, confirmation, the one-time passwords sheet."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.models import Role, User
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import BAD_MEMBERS, GOOD_MEMBERS, area, members_workbook

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True},
}


@pytest.fixture(params=sorted(VIEWPORTS))
def leader_page(request, chromium, live_server, client):
    commune = area()
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=commune)
    client.force_login(leader)
    context = chromium.new_context(locale="vi-VN", accept_downloads=True, **VIEWPORTS[request.param])
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.device = request.param
    yield page
    context.close()


def _upload(page, live_server, tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    page.goto(f"{live_server.url}/setup/imports/members/new/")
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#mapping-form")


def test_sheet_with_errors_then_fixed_sheet_then_passwords(leader_page, live_server, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    page, device = leader_page, leader_page.device
    _upload(page, live_server, tmp_path, members_workbook(GOOD_MEMBERS + BAD_MEMBERS), "danh-sach.xlsx")
    assert "Số CCCD" in page.locator("#dropped-notice").inner_text()  # before any preview
    assert page.locator("#column-1").input_value() == "full_name"
    page.screenshot(path=str(ARTIFACTS / f"import-columns-{device}.png"), full_page=True)
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#preview-counts")
    assert page.locator("#error-count").inner_text() == "4"
    errors = page.locator("#error-rows").inner_text()
    assert "Xã Không Có" in errors and "Thôn 9" in errors and "không phải số điện thoại" in errors
    assert "thiếu họ và tên" in errors
    assert page.locator("#confirm-form").count() == 0
    page.screenshot(path=str(ARTIFACTS / f"import-errors-{device}.png"), full_page=True)
    assert User.objects.count() == 1

    _upload(page, live_server, tmp_path, members_workbook(GOOD_MEMBERS), "danh-sach-sua.xlsx")
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    good = page.locator("#good-rows").inner_text()
    assert "0905111222" in good and "Nguyễn Thị Lan" in good and "lan.nt" in good
    page.screenshot(path=str(ARTIFACTS / f"import-preview-{device}.png"), full_page=True)
    page.click("#confirm-form button")
    page.wait_for_selector("#passwords-link")
    assert "4" in page.locator("#report").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"import-done-{device}.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#passwords-link")
    data = Path(download_info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    passwords = {row[0]: row[2] for row in rows[1:]}
    assert set(passwords) == {"lan.nt", "hung.tv", "mai.lt", "bao.pq"}
    assert User.objects.get(username="mai.lt").check_password(passwords["mai.lt"])
    page.reload()
    assert page.locator("#passwords-link").count() == 0
    assert page.errors == []


def test_progress_bar_follows_a_running_job(leader_page, live_server):
    page = leader_page
    leader = User.objects.get(username="xa-21025")
    job = ImportJob.objects.create(
        kind="members",
        created_by=leader,
        file_name="lon.xlsx",
        headers=["Họ và tên"],
        rows=[[2, ["An"]]],
        mapping={"0": "full_name"},
        status=ImportJob.Status.CHECKING,
    )
    from onboarding.jobs import import_job_progress

    import_job_progress(job.pk, 40, 100)
    page.goto(f"{live_server.url}/setup/imports/{job.pk}/")
    page.wait_for_function(
        "document.getElementById('job-progress') && document.getElementById('job-progress').value == 40"
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKED,
        preview={
            "kind": "members",
            "mapping": {"0": "full_name"},
            "notices": [],
            "missing": [],
            "counts": {"create": 1, "update": 0, "unchanged": 0, "errors": 0, "rows": 1},
            "rows": [{"number": 2, "values": {"full_name": "An"}, "errors": {}, "action": "create"}],
        },
    )
    page.wait_for_selector("#confirm-form", timeout=10_000)  # the script reloaded the page
    assert page.errors == []
