"""The commune leader's journey in real Chromium, desktop (1280x800) and phone (360x740): from the home
page to the lagging village, the overdue follow-up and the never-visited household. And every page of
every role answers without a 5xx, with a screenshot of each in tests/artifacts/."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories
from tests.leaders import leader_world

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def lw(world):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    return leader_world.build(world)


def _browser(chromium, live_server, client, user, viewport):
    client.force_login(user)
    context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _fits(page):
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1 && !e.closest('.table-wrap, .leaflet-container, .shell-nav');
        }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert wide == [], wide
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_commune_leader_finds_lagging_village_overdue_followup_and_never_visited(
    chromium, live_server, client, lw, viewport
):
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _browser(chromium, live_server, client, lw.leader, viewport)
    try:
        page.goto(f"{live_server.url}/")
        page.click("a[data-home=leader]")
        page.wait_for_selector("#village-table")
        assert page.locator("h1").inner_text().startswith("Trang của")
        page.wait_for_selector(".leaflet-interactive")  # the map beside the table is drawn
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"leader-commune-{viewport}.png"), full_page=True)

        # The lagging village heads the ranking: 0 % coverage.
        first = page.locator("#village-table tbody tr").first
        assert "Thôn 2" in first.inner_text() and "0,0 %" in first.inner_text()
        # Sorting by coverage, highest first, then back.
        coverage_header = page.locator("#village-table th", has_text="Độ phủ")
        coverage_header.click()
        coverage_header.click()
        assert "Thôn 1" in page.locator("#village-table tbody tr").first.inner_text()

        # The overdue follow-up, under its team.
        followups = page.locator("#followups")
        assert "Tổ A – Cẩm Thành A" in followups.inner_text()
        overdue = page.locator("#followups tr.overdue").first
        assert "quá hạn 3 ngày" in overdue.inner_text() and "Nhà Thôn Một 0" in overdue.inner_text()
        assert page.locator("#followups tr.upcoming").count() == 1

        # The household never visited, then its village page.
        assert "Nhà bà Sáu chưa ai đến" in page.locator("#never").inner_text()
        assert "Vị trí thăm cách vị trí hộ hơn 300 m" in page.locator("#flagged").inner_text()
        page.locator("#village-table a", has_text="Thôn 2").click()
        page.wait_for_selector("#household-table")
        row = page.locator("#household-table tr", has_text="Nhà bà Sáu chưa ai đến")
        assert "Chưa thăm" in row.inner_text()
        assert page.locator(".shell-crumbs a").count() == 2  # province › commune › (this village)
        _fits(page)
        page.screenshot(path=str(ARTIFACTS / f"leader-village-{viewport}.png"), full_page=True)
        page.click("a.back")
        page.wait_for_selector("#village-table")
        assert page.evaluate("window.__csp") == []  # the map's scripts run under the page's nonce
        assert page.errors == []
    finally:
        context.close()


def _pages_for(lw, campaign) -> dict[Role | str, list[str]]:
    commune, village = "51001", "51001-01"
    dashboard = f"/campaigns/{campaign.pk}/"
    campaign_pages = [f"/campaigns/{campaign.pk}/communes/{commune}/", f"/campaigns/{campaign.pk}/map/"]
    running_it = ["/campaigns/new/", f"/campaigns/{campaign.pk}/edit/"]
    return {
        Role.VOLUNTEER: ["/", "/maps/province/51/", f"/maps/commune/{commune}/", "/khong-co/"],
        Role.TEAM_LEADER: ["/", f"/maps/commune/{commune}/"],
        Role.COMMUNE_LEADER: [
            "/",
            f"/communes/{commune}/",
            f"/villages/{village}/",
            f"/maps/commune/{commune}/",
            "/maps/province/51/",
            "/campaigns/",
            dashboard,
            *campaign_pages,
        ],
        Role.PROVINCE_OFFICER: [
            "/",
            "/maps/province/51/",
            f"/communes/{commune}/",
            f"/villages/{village}/",
            f"/maps/commune/{commune}/",
            "/campaigns/",
            dashboard,
            *campaign_pages,
            *running_it,
        ],
        "admin": [
            "/",
            "/maps/national/",
            f"/communes/{commune}/",
            "/campaigns/",
            dashboard,
            *running_it,
            "/admin/",
        ],
    }


def test_every_page_of_every_role_answers_without_5xx(chromium, live_server, client, lw):
    ARTIFACTS.mkdir(exist_ok=True)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Tháng chuyển đổi số", province_id="51", starts_on=today - dt.timedelta(days=5), ends_on=today
    )
    campaign.communes.add(lw.world.a.commune)
    CampaignTarget.objects.create(campaign=campaign, commune=lw.world.a.commune, households=10)
    admin = factories.UserFactory(username="qt-all", role=Role.ADMIN, is_staff=True, is_superuser=True)
    users = {role: lw.world.a.users[role] for role in Role if role in lw.world.a.users} | {"admin": admin}
    failures = []
    for role, urls in _pages_for(lw, campaign).items():
        context, page = _browser(chromium, live_server, client, users[role], "desktop")
        try:
            for url in urls:
                response = page.goto(f"{live_server.url}{url}")
                if response.status >= 500:
                    failures.append((role, url, response.status))
                    continue
                name = f"page-{role}-{url.strip('/').replace('/', '-') or 'home'}.png"
                page.screenshot(path=str(ARTIFACTS / name), full_page=True)
                if (
                    url.startswith(("/communes/", "/villages/", "/campaigns/"))
                    and role == Role.PROVINCE_OFFICER
                ):
                    text = page.locator("main").inner_text()
                    assert "Nhà bà Sáu" not in text and "Nhà Thôn" not in text and "090511122" not in text
                assert page.evaluate("window.__csp") == [], (role, url)
            assert page.errors == [], (role, page.errors)
        finally:
            context.close()
    assert failures == []
