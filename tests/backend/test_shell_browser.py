"""The shell in real Chromium on a phone (360x740) and a desktop (1280x800): nothing overflows sideways,
navigation, sign-out and the language switch are reachable, map pages keep their map. Screenshots land
in tests/artifacts/shell-*.png."""

from pathlib import Path

import pytest

from core.models import Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


def _page(chromium, live_server, client, user, viewport):
    client.force_login(user)
    context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_shell_on_phone_and_desktop(chromium, live_server, client, quang_ngai_boundaries, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    village = factories.VillageFactory(commune_id="21025", code="21025-01", declared_households=10)
    for number in range(4):
        factories.HouseholdFactory(village=village, lat=15.12 + number * 0.001, lon=108.80)
    leader = factories.UserFactory(
        username="xa-shell", role=Role.COMMUNE_LEADER, commune_id="21025", province_id="51"
    )
    context, page = _page(chromium, live_server, client, leader, viewport)
    try:
        page.goto(f"{live_server.url}/")
        assert page.locator(".shell-nav a").count() >= 3
        assert page.locator(".shell-signout button").is_visible()
        _no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"shell-home-{viewport}.png"), full_page=True)

        page.goto(f"{live_server.url}/maps/commune/21025/")
        page.wait_for_selector("path.leaflet-interactive")
        assert page.locator(".shell-crumbs a").count() == 1 and page.locator("a.back").is_visible()
        box = page.locator(".map-frame").bounding_box()
        assert box["height"] >= 300 and box["width"] >= VIEWPORTS[viewport]["width"] - 2
        _no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"shell-commune-map-{viewport}.png"))

        page.goto(f"{live_server.url}/khong-co/")
        assert page.locator("h1").inner_text() == "Không tìm thấy"
        page.screenshot(path=str(ARTIFACTS / f"shell-404-{viewport}.png"))

        # The language switch remembers English across pages, and goes back.
        page.goto(f"{live_server.url}/")
        page.click(".shell-lang button[value=en]")
        page.wait_for_load_state()
        assert page.locator(".shell-signout button").inner_text() == "Log out"
        page.goto(f"{live_server.url}/maps/province/51/")
        assert page.locator("html").get_attribute("lang") == "en"
        page.screenshot(path=str(ARTIFACTS / f"shell-province-map-en-{viewport}.png"))
        page.click(".shell-lang button[value=vi]")
        page.wait_for_load_state()
        assert page.locator(".shell-signout button").inner_text() == "Đăng xuất"
        assert page.errors == []
    finally:
        context.close()
