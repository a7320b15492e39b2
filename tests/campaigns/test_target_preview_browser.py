"""The targets sheet shown before it is used, in real Chromium on a phone (360x740) and a desktop
(1280x800): the officer uploads a four-commune sheet with a title and a total line and nothing ticked,
reads the communes, targets, rows it cannot use and lines left out, confirms, and lands on a campaign
of exactly those communes. Nothing scrolls sideways; the preview's table scrolls inside its box.
Screenshots: tests/artifacts/targets-preview-*.png."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories
from tests.clock import TEST_NOW

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [
    pytest.mark.time_machine(TEST_NOW),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


def _sheet(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chỉ tiêu"
    for row in [
        ["CHỈ TIÊU CHIẾN DỊCH THÁNG 11/2026 CỦA CÁC XÃ, PHƯỜNG"],
        ["STT", "Tên xã", "Số hộ", "Số người"],
        [1, "Phường Cẩm Thành A", 20, 40],
        [2, "nghia lo a", 15, 30],
        [3, "Phường Hạc Thành", 25, 50],
        [4, "Xã Sơn Hạ", 15, 20],
        [5, "Xã Không Có Trong Tỉnh", 9, 9],
        [None, "Tổng cộng", 84, 149],
    ]:
        sheet.append(row)
    sheet.merge_cells("A1:D1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_officer_reads_the_sheet_before_confirming_it(
    chromium, live_server, client, world, tmp_path, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    for code, name, full_name in [
        ("51003", "Hạc Thành", "Phường Hạc Thành"),
        ("51005", "Sơn Hạ", "Xã Sơn Hạ"),
        ("51007", "Đông Tiến", "Xã Đông Tiến"),
    ]:
        factories.CommuneFactory(code=code, province=world.a.province, name=name, full_name=full_name)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors, statuses = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: statuses.append(response.status))
    try:
        page.goto(f"{live_server.url}/campaigns/new/")
        page.fill("#id_name", "Chiến dịch theo bảng")
        page.fill("#id_starts_on", "05/11/2026")
        page.fill("#id_ends_on", "04/12/2026")
        assert page.locator("#targets-template").is_visible()
        page.set_input_files("#id_sheet", str(_sheet(tmp_path / "chi-tieu.xlsx")))
        page.click("#campaign-save")
        page.wait_for_selector("#sheet-preview")
        assert not Campaign.objects.exists()

        summary = page.locator("#sheet-summary").inner_text()
        assert "Chiến dịch sẽ gồm 4 xã" in summary and "75 hộ" in summary
        codes = page.locator("#sheet-targets tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")
        assert codes == ["51001", "51002", "51003", "51005"]
        assert "Xã Không Có Trong Tỉnh" in page.locator("#sheet-problems").inner_text()
        page.locator("#sheet-skipped summary").click()
        skipped = page.locator("#sheet-skipped").inner_text()
        assert "Dòng 1" in skipped and "Dòng 8" in skipped and "Tổng cộng" in skipped
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = page.locator("#sheet-preview").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"] + 1
        # The preview's table fits its box at both sizes (no scrolling to read a commune's targets).
        assert page.evaluate(
            "(() => { const w = document.querySelector('#sheet-preview .preview-wrap');"
            " return w.scrollWidth <= w.clientWidth + 1; })()"
        )
        assert page.locator("#sheet-confirm").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"targets-preview-{viewport}.png"), full_page=True)

        page.click("#sheet-confirm")
        page.wait_for_selector("#communes")
        campaign = Campaign.objects.get()
        assert sorted(campaign.communes.values_list("code", flat=True)) == [
            "51001",
            "51002",
            "51003",
            "51005",
        ]
        assert sum(CampaignTarget.objects.values_list("households", flat=True)) == 75
        page.screenshot(path=str(ARTIFACTS / f"targets-confirmed-{viewport}.png"), full_page=True)
        assert errors == [] and not [status for status in statuses if status >= 500]
    finally:
        context.close()
