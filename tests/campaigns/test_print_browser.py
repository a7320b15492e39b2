"""The campaign dashboard printed from Chromium on A4: print media emulated at A4's width, navigation,
links to files and the edit button hidden, the "as of" line and the communes' totals row shown, the
tables within the page. Screenshot and PDF in tests/artifacts/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.models import Campaign, CampaignTarget
from core.models import Role
from tests import factories

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
A4 = {"width": 794, "height": 1123}


def test_campaign_dashboard_prints_on_a4(chromium, live_server, client, world):
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Tháng chuyển đổi số",
        province=world.a.province,
        starts_on=today - dt.timedelta(days=4),
        ends_on=today + dt.timedelta(days=5),
    )
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.commune, households=20)
    CampaignTarget.objects.create(campaign=campaign, commune=world.a.other_commune, households=10)
    for number in range(3):
        household = factories.HouseholdFactory(village=world.a.village, label=f"Nhà {number}")
        factories.VisitFactory(
            household=household, visited_at=timezone.now() - dt.timedelta(hours=2 + number)
        )
    officer = world.a.users[Role.PROVINCE_OFFICER]
    client.force_login(officer)
    context = chromium.new_context(viewport=A4, locale="vi-VN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
        page.wait_for_selector("#communes")
        assert page.locator(".shell-nav").is_visible()
        page.emulate_media(media="print")
        for selector in (
            ".shell-header",
            ".shell-nav",
            ".shell-crumbs",
            ".shell-footer",
            "#campaign-edit",
            ".links",
        ):
            assert all(not element.is_visible() for element in page.locator(selector).all()), selector
        as_of = page.locator(".as-of")
        assert as_of.is_visible()
        assert re.match(r"^Số liệu tính đến \d\d/\d\d/\d{4} \d\d:\d\d$", as_of.inner_text())
        totals = page.locator("#communes tfoot tr.totals")
        assert totals.is_visible() and totals.inner_text().split()[:3] == ["Tổng", "3", "30"]
        wide = page.evaluate(
            """() => Array.from(document.querySelectorAll('table, svg')).filter(t =>
                t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(t => t.id || t.tagName)"""
        )
        assert wide == [], wide
        page.screenshot(path=str(ARTIFACTS / "print-campaign-a4.png"), full_page=True)
        page.pdf(path=str(ARTIFACTS / "print-campaign.pdf"), format="A4", print_background=True)
        assert errors == []
    finally:
        context.close()
