"""From a fresh database to a live commune, in Chromium, as a province goes live without IT: the real
units of Quảng Ngãi and an administrator, nothing else (no demo); the administrator brings in the
villages sheet and the members sheet of one commune and downloads the one-time passwords; the commune
leader signs in with theirs, is made to choose a password, and finds the commune; a volunteer signs in
on the phone API, chooses a password, records a visit; the commune leader's page counts it."""

import io
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from openpyxl import load_workbook

from core.models import User, Village
from tests.field_api.sync_helpers import household, visit
from tests.onboarding.sheets import members_workbook, villages_workbook

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ADMIN_PASSWORD = "quan-tri-51-bat-dau"  # noqa: S105 - a test's own account
VILLAGES = [
    [1, "Phường Cẩm Thành", "Thôn Phú Lộc", 120, "Tổ CNSCĐ Phú Lộc"],
    [2, "Cẩm Thành", "Tổ dân phố 2", 80, "Tổ CNSCĐ Phú Lộc"],
]
MEMBERS = [
    [1, "Võ Thị Hạnh", None, 905222333, "Lãnh đạo phường", "Phường Cẩm Thành", "", ""],
    [2, "Nguyễn Thị Lan", None, 905111222, "Tổ trưởng", "Cẩm Thành", "Thôn Phú Lộc", "Tổ CNSCĐ Phú Lộc"],
    [3, "Trần Văn Hùng", None, 912345678, "Thành viên", "Cẩm Thành", "Thôn Phú Lộc", "Tổ CNSCĐ Phú Lộc"],
]


def _sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def _import(page, live_server, tmp_path, kind: str, data: bytes) -> None:
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(data)
    page.goto(f"{live_server.url}/setup/imports/{kind}/new/")
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#mapping-form")
    page.click("#mapping-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    page.screenshot(path=str(ARTIFACTS / f"fresh-{kind}-preview.png"), full_page=True)
    page.click("#confirm-form button")
    page.wait_for_selector("#report")


def test_a_fresh_province_goes_live_through_the_pages(chromium, live_server, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("import_units", "--province", "51", verbosity=0)
    User.objects.create_superuser("quantri", "quantri@example.org", ADMIN_PASSWORD)
    admin = chromium.new_context(locale="vi-VN", accept_downloads=True, **DESKTOP)
    page = admin.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _sign_in(page, live_server, "quantri", ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/setup/")
    assert "Cẩm Thành" in page.content()
    _import(page, live_server, tmp_path, "villages", villages_workbook(VILLAGES))
    assert set(Village.objects.filter(commune_id="21025").values_list("name", flat=True)) == {
        "Thôn Phú Lộc",
        "Tổ dân phố 2",
    }
    _import(page, live_server, tmp_path, "members", members_workbook(MEMBERS))
    page.wait_for_selector("#passwords-link")
    with page.expect_download() as download:
        page.click("#passwords-link")
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.values)
    passwords = {row[0]: row[2] for row in rows[1:] if row[0]}
    leader = User.objects.get(full_name="Võ Thị Hạnh")
    volunteer = User.objects.get(full_name="Trần Văn Hùng")
    assert (leader.role, leader.commune_id) == ("commune_leader", "21025")
    assert volunteer.team.name == "Tổ CNSCĐ Phú Lộc"
    admin.close()

    # The commune leader: the one-time password opens only the page that replaces it.
    context = chromium.new_context(locale="vi-VN", **DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live_server, leader.username, passwords[leader.username])
    assert "/accounts/password/" in page.url
    page.screenshot(path=str(ARTIFACTS / "fresh-leader-password.png"), full_page=True)
    chosen = "Cam-Thanh-2025-moi"
    assert page.locator("input[name=old_password]").count() == 0  # typed a moment ago
    page.fill("input[name=password]", chosen)
    page.fill("input[name=password_again]", chosen)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/password/" not in page.url

    # The volunteer on the phone API: the issued password must be replaced first, then a visit goes in.
    api = f"{live_server.url}/api/v1"
    token = requests.post(
        f"{api}/auth/login/",
        json={"username": volunteer.username, "password": passwords[volunteer.username]},
        timeout=30,
    ).json()["token"]
    changed = requests.post(
        f"{api}/auth/password/",
        json={"current_password": passwords[volunteer.username], "new_password": "Phu-Loc-di-tham-2025"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    token = changed.json()["token"]
    village = Village.objects.get(commune_id="21025", name="Thôn Phú Lộc")
    home = household(village.code)
    pushed = requests.post(
        f"{api}/sync/push/",
        json={"device_id": "phone-hung", "households": [home], "visits": [visit(home["id"])]},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert pushed.status_code == 200, pushed.text
    assert {result["status"] for result in pushed.json()["results"]} == {"created"}

    page.goto(f"{live_server.url}/communes/21025/")
    text = page.locator("main").inner_text()
    assert "Thôn Phú Lộc" in text and "Tổ dân phố 2" in text
    # The visit counts against the households the villages sheet declared (120 + 80).
    rows = page.locator("table").first.inner_text()
    assert "Thôn Phú Lộc\t0,8 %\t1 / 120" in rows and "1 / 200" in rows, rows
    # No one is listed as not reached, and the page does not claim every household was visited.
    assert "Còn 199 hộ chưa đăng ký" in page.locator("#never-none").inner_text()
    page.screenshot(path=str(ARTIFACTS / "fresh-commune-live.png"), full_page=True)
    assert errors == []
    context.close()
