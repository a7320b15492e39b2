"""A province officer's journey in real Chromium, on a phone (360x740) and a desktop (1280x800): from the
home page to the campaigns, a new campaign typed with Vietnamese dates (05/11 is 5 November), the
dashboard, a commune's villages and the campaign map. No page shows a household's name or phone, none
answers 5xx, none scrolls sideways. Screenshots: tests/artifacts/campaign-*.png."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import HelpItem, Role
from tests import factories
from tests.clock import TEST_NOW

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# Fixed dates below are read against this clock (tests/clock.py).
pytestmark = [
    pytest.mark.time_machine(TEST_NOW),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
NAME, PHONE = "Lê Thị Riêng Tư", "0987654321"


def _page(chromium, live_server, client, user, viewport):
    client.force_login(user)
    context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors, page.statuses = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("response", lambda response: page.statuses.append((response.status, response.url)))
    return context, page


def _check(page, label: str, viewport: str):
    html = page.content()
    assert NAME not in html and PHONE not in html, page.url
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url
    assert not [s for s in page.statuses if s[0] >= 500], page.statuses
    page.screenshot(path=str(ARTIFACTS / f"campaign-{label}-{viewport}.png"), full_page=label != "map")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_province_officer_creates_a_campaign_and_follows_it(
    chromium, live_server, client, quang_ngai_boundaries, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    village = factories.VillageFactory(
        commune_id="21025", code="21025-01", name="Thôn An Phú", declared_households=40
    )
    factories.VillageFactory(
        commune_id="21025", code="21025-02", name="Thôn Bình Yên", declared_households=30
    )
    volunteer = factories.UserFactory(
        username="tv-journey", role=Role.VOLUNTEER, team=factories.TeamFactory(commune_id="21025")
    )
    for index in range(6):
        home = factories.HouseholdFactory(
            village=village, head_name=NAME, phone=PHONE, label=f"{NAME} {index}"
        )
        visit = factories.VisitFactory(household=home, volunteer=volunteer, visited_at=timezone.now())
        HelpItem.objects.create(visit=visit, service_id="vneid_level2", result="done", people=2)
    officer = factories.UserFactory(username="tinh-journey", role=Role.PROVINCE_OFFICER, province_id="51")
    context, page = _page(chromium, live_server, client, officer, viewport)
    try:
        page.goto(f"{live_server.url}/")
        _check(page, "home", viewport)
        page.click("[data-home=campaigns]")
        page.wait_for_selector("#campaign-new")
        _check(page, "list-empty", viewport)
        page.click("#campaign-new")
        page.wait_for_selector("#campaign-form")

        page.fill("#id_name", "Chiến dịch 30 ngày đêm")
        # Typed as a Vietnamese person writes it, day first; the page spells it out.
        page.fill("#id_starts_on", "05/11/2026")
        assert page.locator(".date-shown[data-for=id_starts_on]").inner_text().endswith("5 tháng 11, 2026")
        # Or picked on the browser's calendar (its ISO choice comes back as dd/mm/yyyy).
        assert page.locator("#id_ends_on + .day-picker-button").is_visible()
        page.evaluate(
            """() => { const native = document.querySelector('#id_ends_on ~ .day-picker-native');
                       native.value = '2026-12-04'; native.dispatchEvent(new Event('change')); }"""
        )
        assert page.input_value("#id_ends_on") == "04/12/2026"
        assert "4 tháng 12, 2026" in page.locator(".date-shown[data-for=id_ends_on]").inner_text()
        page.check("input[name=services][value=vneid_level2]")
        page.fill("#commune-search", "cam thanh")
        assert page.locator("#targets tbody tr:not([hidden])").count() == 1
        page.fill("input[name=h-21025]", "40")
        page.fill("input[name=p-21025]", "80")
        assert page.is_checked("input[name=c-21025]")
        assert page.locator("#chosen-count").inner_text() == "1"
        _check(page, "form", viewport)
        page.click("#campaign-save")
        page.wait_for_selector("#communes")

        campaign = Campaign.objects.get()
        assert (campaign.starts_on, campaign.ends_on) == (dt.date(2026, 11, 5), dt.date(2026, 12, 4))
        assert CampaignTarget.objects.get(campaign=campaign).households == 40
        assert "05/11/2026 – 04/12/2026" in page.locator("main").inner_text()
        row = page.locator("#communes tr[data-code='21025']")
        assert "Cẩm Thành" in row.inner_text() and "15,0 %" in row.inner_text()  # 6 of 40
        _check(page, "dashboard", viewport)

        page.goto(f"{live_server.url}/campaigns/")
        assert page.locator("#campaigns").inner_text().count("Chiến dịch 30 ngày đêm") == 1
        page.click("#campaigns a")
        row = page.locator("#communes tr[data-code='21025']")
        row.locator("a").first.click()
        page.wait_for_selector("#villages")
        assert "Thôn An Phú" in page.locator("#villages").inner_text()
        _check(page, "villages", viewport)

        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/map/")
        page.wait_for_selector("path.leaflet-interactive")
        _check(page, "map", viewport)
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/edit/")
        assert page.input_value("#id_starts_on") == "05/11/2026"
        _check(page, "edit", viewport)
        assert page.errors == []
    finally:
        context.close()
