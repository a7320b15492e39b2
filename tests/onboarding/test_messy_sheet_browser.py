"""In Chromium: a messy two-sheet workbook uploaded, the lines left out and the sheet read shown, a row
unticked in the preview (its box outside the form, tied to it by ``form=``), and only the rows kept
stored."""

import pytest

from core.models import Role, User
from tests import factories
from tests.onboarding.sheets import area
from tests.onboarding.test_messy_sheet_journey import MEMBERS_SHEET, VILLAGES_SHEET, _workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def leader_page(chromium, live_server, client):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=area())
    client.force_login(leader)
    context = chromium.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_untick_a_row_in_the_preview_and_save_the_rest(leader_page, live_server, tmp_path):
    page = leader_page
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(_workbook(VILLAGES_SHEET, MEMBERS_SHEET))
    page.goto(f"{live_server.url}/setup/imports/members/new/")
    assert page.locator("#template-link").get_attribute("href") == "/setup/imports/members/template.xlsx"
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#mapping-form")
    assert "“Thành viên”" in page.locator("#sheet-choice").inner_text()
    assert "Dòng 8" in page.locator("#skipped-lines").inner_text()
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#answers-form")
    page.uncheck("#good-rows input[name=keep][value='6']")
    page.click("#answers-form button[type=submit]")
    page.wait_for_selector("#left-out-rows")
    assert "Trần Văn Hùng" in page.locator("#left-out-rows").inner_text()
    assert "Trần Văn Hùng" not in page.locator("#good-rows").inner_text()
    page.click("#confirm-form button")
    page.wait_for_selector("#report")
    assert set(User.objects.exclude(username="xa-21025").values_list("full_name", flat=True)) == {
        "Nguyễn Thị Lan",
        "Lê Thị Mai",
    }
    assert page.errors == []
